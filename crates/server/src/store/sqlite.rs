//! The SQLite store: one database file in WAL mode, migrations run at start
//! (and then the rewrite of member name keys that SQL cannot do, see
//! `name_keys`).
//!
//! `synchronous = FULL`: a commit is on disk before the ledger acknowledges
//! it. The ledger commits sends in groups, so the cost of the sync is shared.
//!
//! The store knows no rules (see `crate::rules`): this file holds the
//! reads and the member and token writes, `tx` the primitives the rules
//! build channel events from, `rows` how rows are decoded.

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    SqliteConnection, SqlitePool,
};
use suda_protocol::{ChannelId, EventId, MemberId};

mod attachments;
mod files;
mod rows;
mod search;
mod sessions;
mod threads;
mod tx;

use self::{
    rows::{
        ChannelRecord, EventRecord, MemberRecord, ReactionRecord, WithHash, CHANNEL_SELECT,
        EVENT_COLS, EVENT_JOINS, MEMBER_COLS,
    },
    tx::SqliteTx,
};
use super::{
    whole, ChannelAccess, ChannelRow, EventRow, MemberRow, Messages, NewToken, ReactionRow,
    SessionRow, Store, Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    name,
};

/// Brings the schema up to date on one connection with foreign keys off,
/// as SQLite's way of rebuilding a table asks (a migration that rebuilds
/// one checks the keys itself before it commits: 0011), then on again.
async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await?;
    // `run_direct`: `run` on a connection trips the compiler's "not
    // general enough" check of `Acquire` (sqlx says so beside it).
    let migrated = sqlx::migrate!("./migrations/sqlite")
        .run_direct(&mut *conn)
        .await;
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await?;
    Ok(migrated?)
}

/// A [`Store`] on a SQLite database.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Attachments' bytes.
    files: std::sync::Arc<files::Files>,
    /// Tests of the sequencer open one file twice and let both write, as
    /// two nodes on one database would.
    #[cfg(test)]
    shared: bool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite:PATH` or
    /// `sqlite::memory:`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?;
        let memory = url.contains(":memory:");
        let files = files::Files::beside((!memory).then(|| options.get_filename()))
            .map_err(sqlx::Error::Io)?;
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // A deleted message's text is overwritten in the file, not
            // just unlinked from its row (docs/security.md).
            .pragma("secure_delete", "ON");
        // An in-memory database exists once per connection: keep one.
        let max = if memory { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .connect_with(options)
            .await?;
        migrate(&pool).await?;
        super::name_keys::bring_up_to_date(&pool).await?;
        search::bring_up_to_date(&pool).await?;
        Ok(SqliteStore {
            pool,
            files: std::sync::Arc::new(files),
            #[cfg(test)]
            shared: false,
        })
    }

    /// Proves the database can be written, durably: records the start time.
    /// A read-only file or filesystem, a full disk or a failing one is
    /// reported here, at start, rather than at the first send.
    pub async fn check_writable(&self) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO server_meta (key, value) VALUES ('last_start', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        self.files.check_writable().await.map_err(sqlx::Error::Io)?;
        Ok(())
    }

    /// Where attachments' bytes are kept.
    pub fn attachments_dir(&self) -> &std::path::Path {
        self.files.dir()
    }

    /// This store, saying that another process writes the file too.
    #[cfg(test)]
    pub(crate) fn written_by_others(self) -> Self {
        SqliteStore {
            shared: true,
            ..self
        }
    }

    #[cfg(test)]
    pub(super) async fn bring_search_up_to_date(&self) -> Result<(), sqlx::Error> {
        search::bring_up_to_date(&self.pool).await
    }

    #[cfg(test)]
    pub(super) fn pool(&self) -> SqlitePool {
        self.pool.clone()
    }
}

/// Now, in unix milliseconds (here for the callers that found it here).
pub use super::now_millis;

#[async_trait]
impl Store for SqliteStore {
    #[cfg(test)]
    fn shared(&self) -> bool {
        self.shared
    }

    async fn create_member(
        &self,
        name: &str,
        password_hash: &str,
        token: Option<&NewToken>,
    ) -> ApiResult<MemberRow> {
        let (pool, name, hash) = (self.pool.clone(), name.to_owned(), password_hash.to_owned());
        let token = token.cloned();
        whole(async move {
            let mut conn = pool.acquire().await?;
            let result = create_member(&mut conn, &name, &hash, token.as_ref()).await;
            discard_after_storage_error(conn, &result).await;
            result
        })
        .await
    }

    async fn member_with_hash(&self, name: &str) -> ApiResult<Option<(MemberRow, String)>> {
        if !crate::validate::could_be_member_name(name) {
            return Ok(None);
        }
        let found: Option<WithHash> = sqlx::query_as(&format!(
            "SELECT {MEMBER_COLS}, password_hash FROM members WHERE name_key = ?1"
        ))
        .bind(name::key(name))
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(Into::into))
    }

    async fn member(&self, id: MemberId) -> ApiResult<Option<MemberRow>> {
        tx::member(&mut *self.pool.acquire().await?, id).await
    }

    async fn member_by_name(&self, name: &str) -> ApiResult<Option<MemberRow>> {
        if !crate::validate::could_be_member_name(name) {
            return Ok(None);
        }
        let found: Option<MemberRecord> = sqlx::query_as(&format!(
            "SELECT {MEMBER_COLS} FROM members WHERE name_key = ?1"
        ))
        .bind(name::key(name))
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(MemberRow::from))
    }

    async fn insert_token(&self, member: MemberId, token: &NewToken) -> ApiResult<()> {
        let (pool, token) = (self.pool.clone(), token.clone());
        whole(async move {
            let mut conn = pool.acquire().await?;
            let result = async {
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                let inserted = sessions::insert(&mut conn, member, &token).await;
                finish(&mut conn, inserted).await
            }
            .await;
            discard_after_storage_error(conn, &result).await;
            result
        })
        .await
    }

    async fn token_session(&self, digest: &[u8]) -> ApiResult<Option<(MemberRow, SessionRow)>> {
        sessions::find(&self.pool, digest).await
    }

    async fn touch_token(&self, digest: &[u8]) -> ApiResult<()> {
        sessions::touch(&self.pool, digest).await
    }

    async fn delete_token(&self, digest: &[u8]) -> ApiResult<bool> {
        let done = sqlx::query("DELETE FROM tokens WHERE token_hash = ?1")
            .bind(digest)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn sessions_of(&self, member: MemberId) -> ApiResult<Vec<SessionRow>> {
        sessions::of_member(&self.pool, member).await
    }

    async fn renew_token(
        &self,
        member: MemberId,
        old: &[u8],
        new: &NewToken,
        old_until: i64,
    ) -> ApiResult<bool> {
        let (pool, old, new) = (self.pool.clone(), old.to_vec(), new.clone());
        whole(async move {
            let mut conn = pool.acquire().await?;
            let result = async {
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                let renewed = async {
                    if !sessions::expire_at(&mut conn, &old, old_until).await? {
                        return Ok(false);
                    }
                    sessions::insert(&mut conn, member, &new).await?;
                    Ok(true)
                }
                .await;
                finish(&mut conn, renewed).await
            }
            .await;
            discard_after_storage_error(conn, &result).await;
            result
        })
        .await
    }

    async fn known_address(&self, member: MemberId, address: &str) -> ApiResult<bool> {
        sessions::known_address(&self.pool, member, address).await
    }

    async fn delete_expired_tokens(&self, before: i64) -> ApiResult<u64> {
        sessions::delete_expired(&self.pool, before).await
    }

    async fn channels_of(&self, member: MemberId) -> ApiResult<Vec<ChannelRow>> {
        let found: Vec<ChannelRecord> = sqlx::query_as(&format!(
            "{CHANNEL_SELECT} WHERE ms.member_id IS NOT NULL
             ORDER BY COALESCE(last_event, 0) DESC, c.id DESC"
        ))
        .bind(member.get())
        .fetch_all(&self.pool)
        .await?;
        rows::all(found)
    }

    async fn channel_seen_by(
        &self,
        viewer: MemberId,
        channel: ChannelId,
    ) -> ApiResult<Option<ChannelRow>> {
        let found: Option<ChannelRecord> =
            sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = ?2"))
                .bind(viewer.get())
                .bind(channel.get())
                .fetch_optional(&self.pool)
                .await?;
        found.map(ChannelRow::try_from).transpose()
    }

    async fn channel_access(&self, channel: ChannelId) -> ApiResult<Option<ChannelAccess>> {
        tx::channel_access(&mut *self.pool.acquire().await?, channel).await
    }

    async fn directory(
        &self,
        viewer: MemberId,
        query: &str,
        limit: u32,
        offset: u32,
    ) -> ApiResult<Vec<ChannelRow>> {
        // The page is chosen from the groups' own columns (by the listed
        // index); only its rows are counted and decorated.
        let found: Vec<ChannelRecord> = sqlx::query_as(&format!(
            "{CHANNEL_SELECT} WHERE c.id IN (
               SELECT id FROM channels
                WHERE ctype = 'GROUP' AND private = 0 AND archived_at IS NULL
                  AND (?2 = '' OR instr(lower(name), ?2) > 0 OR instr(lower(topic), ?2) > 0)
                ORDER BY name COLLATE NOCASE, id LIMIT ?3 OFFSET ?4)
             ORDER BY c.name COLLATE NOCASE, c.id"
        ))
        .bind(viewer.get())
        .bind(query.to_ascii_lowercase())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows::all(found)
    }

    async fn is_member(&self, member: MemberId, channel: ChannelId) -> ApiResult<bool> {
        tx::is_member(&mut *self.pool.acquire().await?, member, channel).await
    }

    async fn channel_members(&self, channel: ChannelId) -> ApiResult<Vec<MemberRow>> {
        // In the order of the names as written: the key is a skeleton (`m`
        // is `rn` there), no order for people.
        let found: Vec<MemberRecord> = sqlx::query_as(
            "SELECT m.id, m.name, m.profile_image, m.created_at
             FROM memberships ms JOIN members m ON m.id = ms.member_id
             WHERE ms.channel_id = ?1 AND ms.left_seq IS NULL
             ORDER BY m.name COLLATE NOCASE, m.id",
        )
        .bind(channel.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(found.into_iter().map(MemberRow::from).collect())
    }

    async fn event(&self, id: EventId) -> ApiResult<Option<EventRow>> {
        tx::event(&mut *self.pool.acquire().await?, id).await
    }

    async fn reactions(
        &self,
        viewer: MemberId,
        messages: Messages<'_>,
    ) -> ApiResult<Vec<ReactionRow>> {
        let filter = rows::messages_filter(messages, "r.channel_id", "r.message_seq", 3);
        let sql = format!(
            "SELECT message_seq, emoji, n, mine, id, name, profile_image, created_at FROM (
               SELECT r.message_seq, r.emoji, r.seq,
                 count(*) OVER w AS n, max(r.member_id = ?1) OVER w AS mine,
                 min(r.seq) OVER w AS first,
                 row_number() OVER (PARTITION BY r.message_seq, r.emoji ORDER BY r.seq) AS rn,
                 m.id, m.name, m.profile_image, m.created_at
               FROM reactions r JOIN members m ON m.id = r.member_id
               WHERE {filter}
               WINDOW w AS (PARTITION BY r.message_seq, r.emoji))
             WHERE rn <= ?2 ORDER BY message_seq, n DESC, first, rn"
        );
        let query = sqlx::query_as::<_, ReactionRecord>(&sql)
            .bind(viewer.get())
            .bind(suda_protocol::MAX_REACTION_MEMBERS_LISTED as i64);
        let found = rows::bind_messages(query, messages)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows::reactions(found))
    }

    async fn begin(&self) -> ApiResult<Box<dyn Tx>> {
        SqliteTx::begin(&self.pool, std::sync::Arc::clone(&self.files)).await
    }

    async fn head(&self) -> ApiResult<i64> {
        let head: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(head.unwrap_or(0))
    }

    async fn replay(&self, member: MemberId, after: i64, limit: u32) -> ApiResult<Vec<EventRow>> {
        // Within the member's stretches, as live delivery; read markers
        // only their own, as live delivery.
        let found: Vec<EventRecord> = sqlx::query_as(&format!(
            "SELECT {EVENT_COLS}
             FROM memberships ms
             JOIN events e ON e.channel_id = ms.channel_id
                AND e.seq > ?2 AND e.seq >= ms.joined_seq
                AND (ms.left_seq IS NULL OR e.seq <= ms.left_seq)
                AND (e.event_type != 'READ' OR e.member_id = ms.member_id)
             JOIN members m ON m.id = e.member_id
             {EVENT_JOINS}
             WHERE ms.member_id = ?1 AND (ms.left_seq IS NULL OR ms.left_seq > ?2)
             ORDER BY e.seq LIMIT ?3"
        ))
        .bind(member.get())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        threads::with_followers(&self.pool, rows::all(found)?, Some(member)).await
    }

    async fn set_blocked(&self, member: MemberId, whom: MemberId, blocked: bool) -> ApiResult<()> {
        if blocked {
            sqlx::query(
                "INSERT INTO blocks (member_id, blocked_id, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(member.get())
            .bind(whom.get())
            .bind(now_millis())
            .execute(&self.pool)
            .await?;
        } else {
            sqlx::query("DELETE FROM blocks WHERE member_id = ?1 AND blocked_id = ?2")
                .bind(member.get())
                .bind(whom.get())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn blocked_by(&self, member: MemberId) -> ApiResult<Vec<MemberRow>> {
        let found: Vec<MemberRecord> = sqlx::query_as(
            "SELECT m.id, m.name, m.profile_image, m.created_at
             FROM blocks b JOIN members m ON m.id = b.blocked_id
             WHERE b.member_id = ?1 ORDER BY m.name COLLATE NOCASE",
        )
        .bind(member.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(found.into_iter().map(MemberRow::from).collect())
    }

    async fn missed(&self, member: MemberId, after: i64, cap: u32) -> ApiResult<u32> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (
               SELECT 1 FROM memberships ms
               JOIN events e ON e.channel_id = ms.channel_id
                  AND e.seq > ?2 AND e.seq >= ms.joined_seq
                  AND (ms.left_seq IS NULL OR e.seq <= ms.left_seq)
                  AND (e.event_type != 'READ' OR e.member_id = ms.member_id)
               WHERE ms.member_id = ?1 AND (ms.left_seq IS NULL OR ms.left_seq > ?2)
               LIMIT ?3)",
        )
        .bind(member.get())
        .bind(after)
        .bind(i64::from(cap))
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(n).unwrap_or(cap))
    }

    async fn memberships(&self) -> ApiResult<(i64, Vec<(ChannelId, MemberId)>)> {
        // One read transaction: the head and the memberships of one moment.
        let mut read = self.pool.begin().await?;
        let head: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM events")
            .fetch_one(&mut *read)
            .await?;
        let found: Vec<(i64, i64)> =
            sqlx::query_as("SELECT channel_id, member_id FROM memberships WHERE left_seq IS NULL")
                .fetch_all(&mut *read)
                .await?;
        read.rollback().await?;
        Ok((
            head.unwrap_or(0),
            found
                .into_iter()
                .map(|(channel, member)| (ChannelId(channel), MemberId(member)))
                .collect(),
        ))
    }

    async fn events_after(&self, after: i64, limit: u32) -> ApiResult<Vec<EventRow>> {
        let found: Vec<EventRecord> = sqlx::query_as(&format!(
            "{} WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2",
            rows::event_select()
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        threads::with_followers(&self.pool, rows::all(found)?, None).await
    }

    async fn close(&self) {
        // Waits for the connections in use.
        self.pool.close().await;
    }
}

/// Never reuses a connection after a storage error (see `tx`): closing
/// it rolls back whatever SQLite still has open and frees the write lock.
async fn discard_after_storage_error<T>(
    conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
    result: &ApiResult<T>,
) {
    if result.as_ref().is_err_and(ApiError::is_storage) {
        if let Err(e) = conn.close().await {
            tracing::warn!(error = %e, "closing a failed connection");
        }
    }
}

/// Ends a write transaction begun with `BEGIN IMMEDIATE` (spelled out, as
/// in `tx`): commits on success, rolls back a refusal; after a
/// storage error leaves it to `discard_after_storage_error`.
async fn finish<T>(conn: &mut SqliteConnection, result: ApiResult<T>) -> ApiResult<T> {
    match result {
        Ok(done) => {
            sqlx::query("COMMIT").execute(&mut *conn).await?;
            Ok(done)
        }
        Err(e) if e.is_storage() => Err(e),
        Err(e) => {
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            Err(e)
        }
    }
}

/// A member and their first token, in one transaction: a sign-up that fails
/// half-way must not leave a member nobody can sign in as (their name would
/// then be taken for good).
async fn create_member(
    conn: &mut SqliteConnection,
    name: &str,
    password_hash: &str,
    token: Option<&NewToken>,
) -> ApiResult<MemberRow> {
    let now = now_millis();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let inserted = sqlx::query(
        "INSERT INTO members (name, name_key, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(name)
    .bind(name::key(name))
    .bind(password_hash)
    .bind(now)
    .execute(&mut *conn)
    .await;
    let id = match inserted {
        Ok(done) => MemberId(done.last_insert_rowid()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            return Err(ApiError::name_taken(name));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(token) = token {
        sessions::insert(conn, id, token).await?;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(MemberRow {
        id,
        name: name.to_owned(),
        profile_image: None,
        created_at: now,
    })
}
