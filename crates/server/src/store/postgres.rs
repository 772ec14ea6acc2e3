//! The PostgreSQL store: a database several server processes (nodes) share.
//! Migrations run at start (then the rewrite of member name keys, as on
//! SQLite, see `name_keys`).
//!
//! Event ids are gapless and in commit order, as on SQLite: every
//! transaction that writes events locks the one row of `ledger_head` from
//! its start to its commit (see `tx`), so event writers take turns
//! cluster-wide exactly as SQLite's single writer does, and the rules'
//! reads after the lock see everything committed before it.
//!
//! A node tells the others it committed with `NOTIFY suda_events` (its own
//! statement, after the commit: a NOTIFY inside the write transaction would
//! take PostgreSQL's global notify lock at every commit); the others listen
//! (`bell`). Revoked tokens are recorded in `revocations` in the same
//! transaction, so every node can end its streams of them.
//!
//! Every statement is bounded (`statement_timeout`, `lock_timeout`, and a
//! short wait for a pool connection), so a stuck or absent database makes
//! requests fail with `UNAVAILABLE` rather than hang. The pool reconnects
//! by itself: a connection is checked before each use, and one that failed
//! is closed rather than returned.
//!
//! This file opens the store and holds its [`Store`] implementation, each
//! operation bounded in time; `reads` the queries, `tx` the primitives the
//! rules build channel events from, `rows` its SQL for channel rows,
//! `sessions` tokens, addresses and revocations, `writes` the
//! multi-statement writes, `bell` the doorbell, `errors` how failures are
//! told apart and shown.

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    ConnectOptions, Connection, PgPool,
};
use suda_protocol::{ChannelId, EventId, MemberId};
use tokio::sync::mpsc;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

mod attachments;
mod bell;
mod errors;
mod rates;
mod reads;
mod rows;
mod search;
mod sessions;
#[cfg(test)]
mod tests;
mod threads;
mod tx;
mod writes;

pub use self::errors::{is_read_only, without_password};

use self::tx::PgTx;
use super::{
    now_millis, whole, ChannelAccess, ChannelRow, EventRow, MemberRow, Messages, NewToken,
    ReactionRow, SessionRow, Store, Tx,
};
use crate::error::{ApiError, ApiResult};

/// The channel the doorbell rings on.
const CHANNEL: &str = "suda_events";

/// The channel ephemeral events are announced on.
const EPHEMERAL: &str = "suda_ephemeral";

/// How long a request waits for a pooled connection (or for a new one
/// while the database is away) before it fails with `UNAVAILABLE`: well
/// inside the GraphQL request's 10 s.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long the first connection at start may take (a database that
/// accepts but never answers would otherwise hold the start for good).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What every pooled connection is started with: no lock is waited for
/// longer than 3 s (the ledger's head row is held for one batch,
/// milliseconds), no statement runs longer than 4 s, and a transaction a
/// vanished client left open is ended by the server after 30 s. So a
/// request that meets a stuck database (a lock someone holds, a statement
/// that does not finish) fails with `UNAVAILABLE` inside its 10 s.
const SESSION_SETTINGS: [(&str, &str); 3] = [
    ("lock_timeout", "3s"),
    ("statement_timeout", "4s"),
    ("idle_in_transaction_session_timeout", "30s"),
];

/// The most a read, or a step of the ledger's transaction, waits for the
/// database by this side's clock: for a server that does not answer at
/// all (frozen, or a network that drops everything), which no setting of
/// its own can bound. Such a failure is `UNAVAILABLE` and true to its
/// word: a read changed nothing, and a transaction step given up closes
/// its connection, so the transaction never commits (a `COMMIT` given up
/// may have happened, as one whose answer was lost). A write outside the
/// ledger is not bounded so: given up mid-statement it might still be
/// done once the database answers, so it is left to the request's own
/// limit, whose answer says a change may have been made. Its wait for a
/// connection is bounded (`ACQUIRE_TIMEOUT`), which is where a database
/// that is already away is found.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// `work`, failing with a storage error (`UNAVAILABLE`) when the database
/// has not answered within [`ANSWER_TIMEOUT`]. What it was doing is
/// dropped: a transaction's connection with it (it closes, see `tx`), a
/// pooled read's connection is checked before it is used again.
async fn bounded<T>(work: impl std::future::Future<Output = ApiResult<T>>) -> ApiResult<T> {
    match tokio::time::timeout(ANSWER_TIMEOUT, work).await {
        Ok(done) => done,
        Err(_) => Err(ApiError::Storage(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("the database did not answer within {ANSWER_TIMEOUT:?}"),
        )))),
    }
}

/// A [`Store`] on a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The doorbell tasks, ended and awaited by [`Store::close`].
    bells: TaskTracker,
    closing: CancellationToken,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://` or
    /// `postgresql://`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self, sqlx::Error> {
        let options = PgConnectOptions::from_str(url)?.application_name("suda-server");
        // One connection first, straight: the pool would retry a refused
        // connection until its timeout and then say only that it timed
        // out. Then the schema is brought up to date without the request
        // timeouts (a migration may take longer than a request). The
        // migrator holds an advisory lock: nodes starting at once wait.
        let first = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(|_| {
                sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("the database did not answer within {CONNECT_TIMEOUT:?}"),
                ))
            })??;
        first.close().await?;
        let setup = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        let ready = async {
            sqlx::migrate!("./migrations/postgres").run(&setup).await?;
            super::name_keys::bring_up_to_date_pg(&setup).await?;
            search::bring_up_to_date(&setup).await
        }
        .await;
        setup.close().await;
        ready?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(true)
            .connect_with(options.options(SESSION_SETTINGS))
            .await?;
        Ok(PgStore {
            pool,
            bells: TaskTracker::new(),
            closing: CancellationToken::new(),
        })
    }

    #[cfg(test)]
    pub(super) async fn bring_search_up_to_date(&self) -> Result<(), sqlx::Error> {
        search::bring_up_to_date(&self.pool).await
    }

    #[cfg(test)]
    pub(super) fn pool(&self) -> PgPool {
        self.pool.clone()
    }

    /// Proves the database can be written: records the start time. A
    /// read-only database (a standby, `default_transaction_read_only`) or
    /// a user without the right is reported here, at start.
    pub async fn check_writable(&self) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO server_meta (key, value) VALUES ('last_start', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl Store for PgStore {
    async fn create_member(
        &self,
        name: &str,
        password_hash: &str,
        token: Option<&NewToken>,
    ) -> ApiResult<MemberRow> {
        writes::create_member_with_token(&self.pool, name, password_hash, token).await
    }

    async fn member_with_hash(&self, name: &str) -> ApiResult<Option<(MemberRow, String)>> {
        bounded(reads::member_with_hash(&self.pool, name)).await
    }

    async fn member(&self, id: MemberId) -> ApiResult<Option<MemberRow>> {
        bounded(async move { tx::member(&mut *self.pool.acquire().await?, id).await }).await
    }

    async fn member_by_name(&self, name: &str) -> ApiResult<Option<MemberRow>> {
        bounded(reads::member_by_name(&self.pool, name)).await
    }

    async fn insert_token(&self, member: MemberId, token: &NewToken) -> ApiResult<()> {
        writes::insert_token(&self.pool, member, token).await
    }

    async fn token_session(&self, digest: &[u8]) -> ApiResult<Option<(MemberRow, SessionRow)>> {
        bounded(sessions::find(&self.pool, digest)).await
    }

    async fn touch_token(&self, digest: &[u8]) -> ApiResult<()> {
        bounded(sessions::touch(&self.pool, digest)).await
    }

    async fn delete_token(&self, digest: &[u8]) -> ApiResult<bool> {
        sessions::delete(&self.pool, digest).await
    }

    async fn sessions_of(&self, member: MemberId) -> ApiResult<Vec<SessionRow>> {
        bounded(sessions::of_member(&self.pool, member)).await
    }

    async fn renew_token(
        &self,
        member: MemberId,
        old: &[u8],
        new: &NewToken,
        old_until: i64,
    ) -> ApiResult<bool> {
        writes::renew_token(&self.pool, member, old, new, old_until).await
    }

    async fn known_address(&self, member: MemberId, address: &str) -> ApiResult<bool> {
        bounded(sessions::known_address(&self.pool, member, address)).await
    }

    async fn delete_expired_tokens(&self, before: i64) -> ApiResult<u64> {
        sessions::delete_expired(&self.pool, before).await
    }

    async fn channels_of(&self, member: MemberId) -> ApiResult<Vec<ChannelRow>> {
        bounded(reads::channels_of(&self.pool, member)).await
    }

    async fn channel_seen_by(
        &self,
        viewer: MemberId,
        channel: ChannelId,
    ) -> ApiResult<Option<ChannelRow>> {
        bounded(reads::channel_seen_by(&self.pool, viewer, channel)).await
    }

    async fn channel_access(&self, channel: ChannelId) -> ApiResult<Option<ChannelAccess>> {
        bounded(async move { tx::channel_access(&mut *self.pool.acquire().await?, channel).await })
            .await
    }

    async fn directory(
        &self,
        viewer: MemberId,
        query: &str,
        limit: u32,
        offset: u32,
    ) -> ApiResult<Vec<ChannelRow>> {
        bounded(reads::directory(&self.pool, viewer, query, limit, offset)).await
    }

    async fn is_member(&self, member: MemberId, channel: ChannelId) -> ApiResult<bool> {
        bounded(
            async move { tx::is_member(&mut *self.pool.acquire().await?, member, channel).await },
        )
        .await
    }

    async fn channel_members(&self, channel: ChannelId) -> ApiResult<Vec<MemberRow>> {
        bounded(reads::channel_members(&self.pool, channel)).await
    }

    async fn event(&self, id: EventId) -> ApiResult<Option<EventRow>> {
        bounded(async move { tx::event(&mut *self.pool.acquire().await?, id).await }).await
    }

    async fn reactions(
        &self,
        viewer: MemberId,
        messages: Messages<'_>,
    ) -> ApiResult<Vec<ReactionRow>> {
        bounded(reads::reactions(&self.pool, viewer, messages)).await
    }

    async fn begin(&self) -> ApiResult<Box<dyn Tx>> {
        bounded(PgTx::begin(&self.pool)).await
    }

    async fn head(&self) -> ApiResult<i64> {
        bounded(reads::head(&self.pool)).await
    }

    async fn replay(&self, member: MemberId, after: i64, limit: u32) -> ApiResult<Vec<EventRow>> {
        bounded(reads::replay(&self.pool, member, after, limit)).await
    }

    async fn set_blocked(&self, member: MemberId, whom: MemberId, blocked: bool) -> ApiResult<()> {
        reads::set_blocked(&self.pool, member, whom, blocked).await
    }

    async fn blocked_by(&self, member: MemberId) -> ApiResult<Vec<MemberRow>> {
        bounded(reads::blocked_by(&self.pool, member)).await
    }

    async fn missed(&self, member: MemberId, after: i64, cap: u32) -> ApiResult<u32> {
        bounded(reads::missed(&self.pool, member, after, cap)).await
    }

    async fn memberships(&self) -> ApiResult<(i64, Vec<(ChannelId, MemberId)>)> {
        bounded(reads::memberships(&self.pool)).await
    }

    async fn events_after(&self, after: i64, limit: u32) -> ApiResult<Vec<EventRow>> {
        bounded(reads::events_after(&self.pool, after, limit)).await
    }

    fn shared(&self) -> bool {
        true
    }

    fn shared_rates(&self) -> Option<std::sync::Arc<dyn crate::limits::SharedRates>> {
        Some(std::sync::Arc::new(rates::PgRates::new(self.pool.clone())))
    }

    async fn ring(&self, head: i64) -> ApiResult<()> {
        bounded(async move {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(head.to_string())
                .execute(&self.pool)
                .await?;
            Ok(())
        })
        .await
    }

    async fn doorbell(&self) -> ApiResult<Option<mpsc::Receiver<()>>> {
        bounded(async move {
            let listener = bell::listen(&self.pool, CHANNEL).await?;
            let (rings, doorbell) = mpsc::channel(bell::QUEUE);
            self.bells.spawn(bell::run(
                listener,
                self.pool.clone(),
                CHANNEL,
                bell::rings(rings),
                self.closing.clone(),
            ));
            Ok(Some(doorbell))
        })
        .await
    }

    async fn announce(&self, payload: &str) -> ApiResult<()> {
        if payload.len() > super::ANNOUNCEMENT_BYTES {
            return Err(ApiError::Internal(format!(
                "an announcement of {} bytes",
                payload.len()
            )));
        }
        bounded(async move {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(EPHEMERAL)
                .bind(payload)
                .execute(&self.pool)
                .await?;
            Ok(())
        })
        .await
    }

    async fn announcements(&self) -> ApiResult<Option<mpsc::Receiver<String>>> {
        bounded(async move {
            let listener = bell::listen(&self.pool, EPHEMERAL).await?;
            let (heard, announcements) = mpsc::channel(bell::ANNOUNCED);
            self.bells.spawn(bell::run(
                listener,
                self.pool.clone(),
                EPHEMERAL,
                bell::payloads(heard),
                self.closing.clone(),
            ));
            Ok(Some(announcements))
        })
        .await
    }

    async fn recent_revocations(&self) -> ApiResult<Vec<[u8; 32]>> {
        bounded(sessions::recent_revocations(&self.pool)).await
    }

    async fn close(&self) {
        self.closing.cancel();
        self.bells.close();
        self.bells.wait().await;
        // Waits for the connections in use.
        self.pool.close().await;
    }
}
