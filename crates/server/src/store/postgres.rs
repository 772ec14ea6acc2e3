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
//! This file holds the reads and the member and token writes, `tx` the
//! primitives the rules build channel events from, `rows` its SQL for
//! channel rows, `sessions` tokens, addresses and revocations, `writes`
//! the multi-statement writes' steps, `bell` the doorbell, `errors` how
//! failures are told apart and shown.

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    ConnectOptions, Connection, PgPool,
};
use suda_protocol::{ChannelId, EventId, MemberId};
use tokio::sync::mpsc;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

mod bell;
mod errors;
mod rows;
mod sessions;
#[cfg(test)]
mod tests;
mod tx;
mod writes;

pub use self::errors::{is_read_only, without_password};

use self::{
    rows::{
        ChannelRecord, EventRecord, MemberRecord, WithHash, CHANNEL_SELECT, EVENT_COLS, MEMBER_COLS,
    },
    tx::PgTx,
    writes::{could_be_stored_name, create_member, discard_after_error, finish},
};
use super::{
    now_millis, whole, ChannelKind, ChannelRow, EventPage, EventRow, MemberRow, NewToken,
    SessionRow, Store, Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    name,
};

/// The channel the doorbell rings on.
const CHANNEL: &str = "suda_events";

/// How long a request waits for a pooled connection (or for a new one
/// while the database is away) before it fails with `UNAVAILABLE`: well
/// inside the GraphQL request's 10 s.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

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

/// The most one store operation (one read, one step of a transaction)
/// waits for the database by this side's clock: for a server that does
/// not answer at all (stopped, or a network that drops everything), which
/// no setting of its own can bound.
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
        options.connect().await?.close().await?;
        let setup = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        let ready = async {
            sqlx::migrate!("./migrations/postgres").run(&setup).await?;
            super::name_keys::bring_up_to_date_pg(&setup).await
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
        bounded(async move {
            let (pool, name, hash) = (self.pool.clone(), name.to_owned(), password_hash.to_owned());
            let token = token.cloned();
            whole(async move {
                let mut conn = pool.acquire().await?;
                let result = create_member(&mut conn, &name, &hash, token.as_ref()).await;
                discard_after_error(conn, &result).await;
                result
            })
            .await
        })
        .await
    }

    async fn member_with_hash(&self, name: &str) -> ApiResult<Option<(MemberRow, String)>> {
        bounded(async move {
            if !could_be_stored_name(name) {
                return Ok(None);
            }
            let found: Option<WithHash> = sqlx::query_as(&format!(
                "SELECT {MEMBER_COLS}, password_hash FROM members WHERE name_key = $1"
            ))
            .bind(name::key(name))
            .fetch_optional(&self.pool)
            .await?;
            Ok(found.map(Into::into))
        })
        .await
    }

    async fn member(&self, id: MemberId) -> ApiResult<Option<MemberRow>> {
        bounded(async move { tx::member(&mut *self.pool.acquire().await?, id).await }).await
    }

    async fn member_by_name(&self, name: &str) -> ApiResult<Option<MemberRow>> {
        bounded(async move {
            if !could_be_stored_name(name) {
                return Ok(None);
            }
            let found: Option<MemberRecord> = sqlx::query_as(&format!(
                "SELECT {MEMBER_COLS} FROM members WHERE name_key = $1"
            ))
            .bind(name::key(name))
            .fetch_optional(&self.pool)
            .await?;
            Ok(found.map(MemberRow::from))
        })
        .await
    }

    async fn insert_token(&self, member: MemberId, token: &NewToken) -> ApiResult<()> {
        bounded(async move {
            let (pool, token) = (self.pool.clone(), token.clone());
            whole(async move {
                let mut conn = pool.acquire().await?;
                let result = async {
                    sqlx::query("BEGIN").execute(&mut *conn).await?;
                    let inserted = sessions::insert(&mut conn, member, &token).await;
                    finish(&mut conn, inserted).await
                }
                .await;
                discard_after_error(conn, &result).await;
                result
            })
            .await
        })
        .await
    }

    async fn token_session(&self, digest: &[u8]) -> ApiResult<Option<(MemberRow, SessionRow)>> {
        bounded(async move { sessions::find(&self.pool, digest).await }).await
    }

    async fn touch_token(&self, digest: &[u8]) -> ApiResult<()> {
        bounded(async move { sessions::touch(&self.pool, digest).await }).await
    }

    async fn delete_token(&self, digest: &[u8]) -> ApiResult<bool> {
        bounded(async move { sessions::delete(&self.pool, digest).await }).await
    }

    async fn sessions_of(&self, member: MemberId) -> ApiResult<Vec<SessionRow>> {
        bounded(async move { sessions::of_member(&self.pool, member).await }).await
    }

    async fn renew_token(
        &self,
        member: MemberId,
        old: &[u8],
        new: &NewToken,
        old_until: i64,
    ) -> ApiResult<bool> {
        bounded(async move {
            let (pool, old, new) = (self.pool.clone(), old.to_vec(), new.clone());
            whole(async move {
                let mut conn = pool.acquire().await?;
                let result = async {
                    sqlx::query("BEGIN").execute(&mut *conn).await?;
                    let renewed = async {
                        if !sessions::expire_at(&mut conn, &old, old_until).await? {
                            return Ok(false);
                        }
                        sessions::insert(&mut conn, member, &new).await?;
                        sessions::record_revocation(&mut conn, &old).await?;
                        Ok(true)
                    }
                    .await;
                    finish(&mut conn, renewed).await
                }
                .await;
                discard_after_error(conn, &result).await;
                result
            })
            .await
        })
        .await
    }

    async fn known_address(&self, member: MemberId, address: &str) -> ApiResult<bool> {
        bounded(async move { sessions::known_address(&self.pool, member, address).await }).await
    }

    async fn delete_expired_tokens(&self, before: i64) -> ApiResult<u64> {
        bounded(async move { sessions::delete_expired(&self.pool, before).await }).await
    }

    async fn channels_of(&self, member: MemberId) -> ApiResult<Vec<ChannelRow>> {
        bounded(async move {
            let found: Vec<ChannelRecord> = sqlx::query_as(&format!(
                "SELECT * FROM ({CHANNEL_SELECT} WHERE ms.member_id IS NOT NULL) v
                 ORDER BY COALESCE(v.last_event, 0) DESC, v.id DESC"
            ))
            .bind(member.get())
            .fetch_all(&self.pool)
            .await?;
            rows::all(found)
        })
        .await
    }

    async fn channel_seen_by(
        &self,
        viewer: MemberId,
        channel: ChannelId,
    ) -> ApiResult<Option<ChannelRow>> {
        bounded(async move {
            let found: Option<ChannelRecord> =
                sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $2"))
                    .bind(viewer.get())
                    .bind(channel.get())
                    .fetch_optional(&self.pool)
                    .await?;
            found.map(ChannelRow::try_from).transpose()
        })
        .await
    }

    async fn channel_kind(&self, channel: ChannelId) -> ApiResult<Option<ChannelKind>> {
        bounded(async move { tx::channel_kind(&mut *self.pool.acquire().await?, channel).await })
            .await
    }

    async fn is_member(&self, member: MemberId, channel: ChannelId) -> ApiResult<bool> {
        bounded(
            async move { tx::is_member(&mut *self.pool.acquire().await?, member, channel).await },
        )
        .await
    }

    async fn channel_members(&self, channel: ChannelId) -> ApiResult<Vec<MemberRow>> {
        bounded(async move {
            // In SQLite's order (`COLLATE NOCASE`, see `rows::NOCASE`).
            let found: Vec<MemberRecord> = sqlx::query_as(&format!(
                "SELECT m.id, m.name, m.profile_image, m.created_at
                 FROM memberships ms JOIN members m ON m.id = ms.member_id
                 WHERE ms.channel_id = $1 AND ms.left_seq IS NULL
                 ORDER BY {}, m.id",
                rows::nocase("m.name")
            ))
            .bind(channel.get())
            .fetch_all(&self.pool)
            .await?;
            Ok(found.into_iter().map(MemberRow::from).collect())
        })
        .await
    }

    async fn events_page(
        &self,
        channel: ChannelId,
        before: Option<EventId>,
        limit: u32,
    ) -> ApiResult<EventPage> {
        bounded(async move {
            let found: Vec<EventRecord> = sqlx::query_as(&format!(
                "{} WHERE e.channel_id = $1 AND e.seq < $2 ORDER BY e.seq DESC LIMIT $3",
                rows::event_select()
            ))
            .bind(channel.get())
            .bind(before.map_or(i64::MAX, EventId::get))
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
            let mut events: Vec<EventRow> = rows::all(found)?;
            let has_more = events.len() > limit as usize;
            events.truncate(limit as usize);
            Ok(EventPage { events, has_more })
        })
        .await
    }

    async fn mark_read(
        &self,
        member: MemberId,
        channel: ChannelId,
        up_to: Option<EventId>,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "UPDATE memberships SET last_read_seq = GREATEST(last_read_seq, LEAST(
                     COALESCE($3, 9223372036854775807),
                     (SELECT COALESCE(max(seq), 0) FROM events WHERE channel_id = $2)))
                 WHERE member_id = $1 AND channel_id = $2 AND left_seq IS NULL",
            )
            .bind(member.get())
            .bind(channel.get())
            .bind(up_to.map(EventId::get))
            .execute(&self.pool)
            .await?;
            Ok(())
        })
        .await
    }

    async fn begin(&self) -> ApiResult<Box<dyn Tx>> {
        bounded(async move { PgTx::begin(&self.pool).await }).await
    }

    async fn head(&self) -> ApiResult<i64> {
        bounded(async move {
            // Committed numbers only: a batch holding the row has not changed
            // it for anyone else until it commits.
            Ok(sqlx::query_scalar("SELECT seq FROM ledger_head")
                .fetch_one(&self.pool)
                .await?)
        })
        .await
    }

    async fn replay(&self, member: MemberId, after: i64, limit: u32) -> ApiResult<Vec<EventRow>> {
        bounded(async move {
            let found: Vec<EventRecord> = sqlx::query_as(&format!(
                "SELECT {EVENT_COLS}
                 FROM memberships ms
                 JOIN events e ON e.channel_id = ms.channel_id
                    AND e.seq > $2 AND e.seq >= ms.joined_seq
                    AND (ms.left_seq IS NULL OR e.seq <= ms.left_seq)
                 JOIN members m ON m.id = e.member_id
                 WHERE ms.member_id = $1 AND (ms.left_seq IS NULL OR ms.left_seq > $2)
                 ORDER BY e.seq LIMIT $3"
            ))
            .bind(member.get())
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            rows::all(found)
        })
        .await
    }

    async fn set_blocked(&self, member: MemberId, whom: MemberId, blocked: bool) -> ApiResult<()> {
        bounded(async move {
            if blocked {
                sqlx::query(
                    "INSERT INTO blocks (member_id, blocked_id, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                )
                .bind(member.get())
                .bind(whom.get())
                .bind(now_millis())
                .execute(&self.pool)
                .await?;
            } else {
                sqlx::query("DELETE FROM blocks WHERE member_id = $1 AND blocked_id = $2")
                    .bind(member.get())
                    .bind(whom.get())
                    .execute(&self.pool)
                    .await?;
            }
            Ok(())
        })
        .await
    }

    async fn blocked_by(&self, member: MemberId) -> ApiResult<Vec<MemberRow>> {
        bounded(async move {
            let found: Vec<MemberRecord> = sqlx::query_as(&format!(
                "SELECT m.id, m.name, m.profile_image, m.created_at
                 FROM blocks b JOIN members m ON m.id = b.blocked_id
                 WHERE b.member_id = $1 ORDER BY {}, m.id",
                rows::nocase("m.name")
            ))
            .bind(member.get())
            .fetch_all(&self.pool)
            .await?;
            Ok(found.into_iter().map(MemberRow::from).collect())
        })
        .await
    }

    async fn missed(&self, member: MemberId, after: i64, cap: u32) -> ApiResult<u32> {
        bounded(async move {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM (
                   SELECT 1 FROM memberships ms
                   JOIN events e ON e.channel_id = ms.channel_id
                      AND e.seq > $2 AND e.seq >= ms.joined_seq
                      AND (ms.left_seq IS NULL OR e.seq <= ms.left_seq)
                   WHERE ms.member_id = $1 AND (ms.left_seq IS NULL OR ms.left_seq > $2)
                   LIMIT $3) AS missed",
            )
            .bind(member.get())
            .bind(after)
            .bind(i64::from(cap))
            .fetch_one(&self.pool)
            .await?;
            Ok(u32::try_from(n).unwrap_or(cap))
        })
        .await
    }

    async fn memberships(&self) -> ApiResult<(i64, Vec<(ChannelId, MemberId)>)> {
        bounded(async move {
            // One snapshot: the head and the memberships of one moment. On a
            // task of its own, so the connection never goes back to the pool
            // inside the transaction.
            let pool = self.pool.clone();
            whole(async move {
                let mut conn = pool.acquire().await?;
                let result = async {
                    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                        .execute(&mut *conn)
                        .await?;
                    let head: i64 = sqlx::query_scalar("SELECT seq FROM ledger_head")
                        .fetch_one(&mut *conn)
                        .await?;
                    let found: Vec<(i64, i64)> = sqlx::query_as(
                        "SELECT channel_id, member_id FROM memberships WHERE left_seq IS NULL",
                    )
                    .fetch_all(&mut *conn)
                    .await?;
                    sqlx::query("COMMIT").execute(&mut *conn).await?;
                    Ok((
                        head,
                        found
                            .into_iter()
                            .map(|(channel, member)| (ChannelId(channel), MemberId(member)))
                            .collect(),
                    ))
                }
                .await;
                discard_after_error(conn, &result).await;
                result
            })
            .await
        })
        .await
    }

    async fn events_after(&self, after: i64, limit: u32) -> ApiResult<Vec<EventRow>> {
        bounded(async move {
            let found: Vec<EventRecord> = sqlx::query_as(&format!(
                "SELECT {EVENT_COLS} FROM events e JOIN members m ON m.id = e.member_id
                 WHERE e.seq > $1 ORDER BY e.seq LIMIT $2"
            ))
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            rows::all(found)
        })
        .await
    }

    fn shared(&self) -> bool {
        true
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
            let listener = bell::listen(&self.pool).await?;
            let (rings, doorbell) = mpsc::channel(bell::QUEUE);
            self.bells.spawn(bell::run(
                listener,
                self.pool.clone(),
                rings,
                self.closing.clone(),
            ));
            Ok(Some(doorbell))
        })
        .await
    }

    async fn recent_revocations(&self) -> ApiResult<Vec<[u8; 32]>> {
        bounded(async move { sessions::recent_revocations(&self.pool).await }).await
    }

    async fn close(&self) {
        self.closing.cancel();
        self.bells.close();
        self.bells.wait().await;
        // Waits for the connections in use.
        self.pool.close().await;
    }
}
