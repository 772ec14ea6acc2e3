//! The SQLite store: one database file in WAL mode, migrations run at start
//! (and then the rewrite of member name keys that SQL cannot do, see
//! `name_keys`).
//!
//! `synchronous = FULL`: a commit is on disk before the ledger acknowledges
//! it. The ledger commits sends in groups, so the cost of the sync is shared.

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::{
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
    },
    Row, SqliteConnection, SqlitePool,
};
use suda_protocol::{ChannelId, EventId, EventType, MemberId};

mod sessions;

use super::{
    Applied, ChannelKind, ChannelRow, Command, EventPage, EventRow, MemberRow, NewToken,
    SessionRow, Store,
};
use crate::{
    error::{ApiError, ApiResult},
    name,
};

/// A [`Store`] on a SQLite database.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite:PATH` or
    /// `sqlite::memory:`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // An in-memory database exists once per connection: keep one.
        let max = if url.contains(":memory:") { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        super::name_keys::bring_up_to_date(&pool).await?;
        Ok(SqliteStore { pool })
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
        Ok(())
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    #[cfg(test)]
    pub(super) fn pool(&self) -> SqlitePool {
        self.pool.clone()
    }
}

/// Now, in unix milliseconds.
pub fn now_millis() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

const MEMBER_COLS: &str = "id, name, profile_image, created_at";

fn member_from(row: &SqliteRow) -> MemberRow {
    MemberRow {
        id: MemberId(row.get("id")),
        name: row.get("name"),
        profile_image: row.get("profile_image"),
        created_at: row.get("created_at"),
    }
}

/// A channel as member ?1 sees it; callers add WHERE and ORDER BY.
const CHANNEL_SELECT: &str = "
SELECT c.id, c.ctype, c.created_at,
  CASE WHEN c.ctype = 'DIRECT' THEN COALESCE(
      (SELECT m2.name FROM memberships o JOIN members m2 ON m2.id = o.member_id
        WHERE o.channel_id = c.id AND o.member_id != ?1 ORDER BY o.joined_seq LIMIT 1),
      c.name)
    ELSE c.name END AS name,
  CASE WHEN ms.member_id IS NULL THEN 0 ELSE
    (SELECT count(*) FROM events e WHERE e.channel_id = c.id AND e.seq > ms.last_read_seq
       AND e.event_type = 'CHAT' AND e.member_id != ?1) END AS unread,
  COALESCE(ms.last_read_seq, 0) AS last_read,
  (SELECT max(seq) FROM events e WHERE e.channel_id = c.id) AS last_event,
  (SELECT count(*) FROM memberships x WHERE x.channel_id = c.id AND x.left_seq IS NULL) AS member_count,
  ms.member_id IS NOT NULL AS is_member
FROM channels c
LEFT JOIN memberships ms ON ms.channel_id = c.id AND ms.member_id = ?1 AND ms.left_seq IS NULL
";

fn channel_from(row: &SqliteRow) -> ChannelRow {
    let kind: String = row.get("ctype");
    ChannelRow {
        id: ChannelId(row.get("id")),
        kind: if kind == "DIRECT" {
            ChannelKind::Direct
        } else {
            ChannelKind::Group
        },
        name: row.get("name"),
        created_at: row.get("created_at"),
        unread: row.get("unread"),
        last_read: row.get("last_read"),
        last_event: row.get::<Option<i64>, _>("last_event").map(EventId),
        member_count: row.get("member_count"),
        is_member: row.get("is_member"),
    }
}

const EVENT_SELECT: &str = "
SELECT e.seq, e.channel_id, e.event_type, e.member_id, m.name, m.profile_image,
       m.created_at AS member_created_at, e.message, e.client_key, e.created_at
FROM events e JOIN members m ON m.id = e.member_id
";

fn event_from(row: &SqliteRow) -> ApiResult<EventRow> {
    let kind: String = row.get("event_type");
    Ok(EventRow {
        id: EventId(row.get("seq")),
        channel_id: ChannelId(row.get("channel_id")),
        event_type: EventType::parse(&kind)
            .ok_or_else(|| ApiError::Internal(format!("stored event type {kind:?}")))?,
        member: MemberRow {
            id: MemberId(row.get("member_id")),
            name: row.get("name"),
            profile_image: row.get("profile_image"),
            created_at: row.get("member_created_at"),
        },
        message: row.get("message"),
        client_key: row.get("client_key"),
        created_at: row.get("created_at"),
    })
}

fn events_from(rows: &[SqliteRow]) -> ApiResult<Vec<EventRow>> {
    rows.iter().map(event_from).collect()
}

#[async_trait]
impl Store for SqliteStore {
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
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLS}, password_hash FROM members WHERE name_key = ?1"
        ))
        .bind(name::key(name))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (member_from(&r), r.get("password_hash"))))
    }

    async fn member(&self, id: MemberId) -> ApiResult<Option<MemberRow>> {
        let row = sqlx::query(&format!("SELECT {MEMBER_COLS} FROM members WHERE id = ?1"))
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(member_from))
    }

    async fn member_by_name(&self, name: &str) -> ApiResult<Option<MemberRow>> {
        if !crate::validate::could_be_member_name(name) {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLS} FROM members WHERE name_key = ?1"
        ))
        .bind(name::key(name))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(member_from))
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
        let rows = sqlx::query(&format!(
            "{CHANNEL_SELECT} WHERE ms.member_id IS NOT NULL
             ORDER BY COALESCE(last_event, 0) DESC, c.id DESC"
        ))
        .bind(member.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(channel_from).collect())
    }

    async fn channel_for(
        &self,
        member: MemberId,
        channel: ChannelId,
    ) -> ApiResult<Option<ChannelRow>> {
        let row = sqlx::query(&format!(
            "{CHANNEL_SELECT} WHERE c.id = ?2 AND (ms.member_id IS NOT NULL OR c.ctype = 'GROUP')"
        ))
        .bind(member.get())
        .bind(channel.get())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(channel_from))
    }

    async fn is_member(&self, member: MemberId, channel: ChannelId) -> ApiResult<bool> {
        is_member(&mut *self.pool.acquire().await?, member, channel).await
    }

    async fn channel_members(&self, channel: ChannelId) -> ApiResult<Vec<MemberRow>> {
        // In the order of the names as written: the key is a skeleton (`m`
        // is `rn` there), no order for people.
        let rows = sqlx::query(
            "SELECT m.id, m.name, m.profile_image, m.created_at
             FROM memberships ms JOIN members m ON m.id = ms.member_id
             WHERE ms.channel_id = ?1 AND ms.left_seq IS NULL
             ORDER BY m.name COLLATE NOCASE, m.id",
        )
        .bind(channel.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(member_from).collect())
    }

    async fn events_page(
        &self,
        channel: ChannelId,
        before: Option<EventId>,
        limit: u32,
    ) -> ApiResult<EventPage> {
        let rows = sqlx::query(&format!(
            "{EVENT_SELECT} WHERE e.channel_id = ?1 AND e.seq < ?2 ORDER BY e.seq DESC LIMIT ?3"
        ))
        .bind(channel.get())
        .bind(before.map_or(i64::MAX, EventId::get))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut events = events_from(&rows)?;
        let has_more = events.len() > limit as usize;
        events.truncate(limit as usize);
        Ok(EventPage { events, has_more })
    }

    async fn mark_read(
        &self,
        member: MemberId,
        channel: ChannelId,
        up_to: Option<EventId>,
    ) -> ApiResult<()> {
        sqlx::query(
            "UPDATE memberships SET last_read_seq = max(last_read_seq, min(
                 COALESCE(?3, 9223372036854775807),
                 (SELECT COALESCE(max(seq), 0) FROM events WHERE channel_id = ?2)))
             WHERE member_id = ?1 AND channel_id = ?2 AND left_seq IS NULL",
        )
        .bind(member.get())
        .bind(channel.get())
        .bind(up_to.map(EventId::get))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn apply(&self, batch: &[Command]) -> ApiResult<Vec<ApiResult<Applied>>> {
        let mut conn = self.pool.acquire().await?;
        match apply_batch(&mut conn, batch).await {
            Ok(results) => Ok(results),
            Err(e) => {
                // After a storage error the connection's transaction state
                // is unknown: SQLite may have rolled the whole transaction
                // back by itself (SQLITE_FULL, SQLITE_IOERR), or left it
                // open and holding the write lock. Reusing it is how a
                // later "commit" came to commit nothing. So it is never
                // reused: closing it rolls back whatever is open and frees
                // the lock, and the pool opens a fresh one.
                if let Err(close) = conn.close().await {
                    tracing::warn!(error = %close, "closing a failed connection");
                }
                Err(e)
            }
        }
    }

    async fn head(&self) -> ApiResult<i64> {
        let head: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(head.unwrap_or(0))
    }

    async fn replay(&self, member: MemberId, after: i64, limit: u32) -> ApiResult<Vec<EventRow>> {
        let rows = sqlx::query(
            "SELECT e.seq, e.channel_id, e.event_type, e.member_id, m.name, m.profile_image,
                    m.created_at AS member_created_at, e.message, e.client_key, e.created_at
             FROM memberships ms
             JOIN events e ON e.channel_id = ms.channel_id
                AND e.seq > ?2 AND e.seq >= ms.joined_seq
                AND (ms.left_seq IS NULL OR e.seq <= ms.left_seq)
             JOIN members m ON m.id = e.member_id
             WHERE ms.member_id = ?1 AND (ms.left_seq IS NULL OR ms.left_seq > ?2)
             ORDER BY e.seq LIMIT ?3",
        )
        .bind(member.get())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        events_from(&rows)
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
        let rows = sqlx::query(
            "SELECT m.id, m.name, m.profile_image, m.created_at
             FROM blocks b JOIN members m ON m.id = b.blocked_id
             WHERE b.member_id = ?1 ORDER BY m.name COLLATE NOCASE",
        )
        .bind(member.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(member_from).collect())
    }

    async fn missed(&self, member: MemberId, after: i64, cap: u32) -> ApiResult<u32> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (
               SELECT 1 FROM memberships ms
               JOIN events e ON e.channel_id = ms.channel_id
                  AND e.seq > ?2 AND e.seq >= ms.joined_seq
                  AND (ms.left_seq IS NULL OR e.seq <= ms.left_seq)
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

    async fn memberships(&self) -> ApiResult<Vec<(ChannelId, MemberId)>> {
        let rows =
            sqlx::query("SELECT channel_id, member_id FROM memberships WHERE left_seq IS NULL")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| (ChannelId(r.get(0)), MemberId(r.get(1))))
            .collect())
    }
}

async fn is_member(
    conn: &mut SqliteConnection,
    member: MemberId,
    channel: ChannelId,
) -> ApiResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM memberships WHERE member_id = ?1 AND channel_id = ?2 AND left_seq IS NULL",
    )
    .bind(member.get())
    .bind(channel.get())
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

async fn channel_kind(
    conn: &mut SqliteConnection,
    channel: ChannelId,
) -> ApiResult<Option<ChannelKind>> {
    let kind: Option<String> = sqlx::query_scalar("SELECT ctype FROM channels WHERE id = ?1")
        .bind(channel.get())
        .fetch_optional(conn)
        .await?;
    Ok(kind.map(|k| {
        if k == "DIRECT" {
            ChannelKind::Direct
        } else {
            ChannelKind::Group
        }
    }))
}

/// The channel's kind, if `member` may act in it; the right error otherwise.
/// A direct channel of others is reported as not found: its existence is
/// nobody else's business.
async fn require_member(
    conn: &mut SqliteConnection,
    member: MemberId,
    channel: ChannelId,
) -> ApiResult<ChannelKind> {
    let kind = channel_kind(conn, channel).await?;
    let not_found = || ApiError::NotFound(format!("there is no channel {channel}"));
    let kind = kind.ok_or_else(not_found)?;
    if is_member(conn, member, channel).await? {
        return Ok(kind);
    }
    match kind {
        ChannelKind::Direct => Err(not_found()),
        ChannelKind::Group => Err(ApiError::Forbidden(format!(
            "you are not a member of channel {channel}"
        ))),
    }
}

/// Refuses when `member` has blocked `actor`: no adding them to channels,
/// inviting them or messaging them directly.
async fn refuse_if_blocked(
    conn: &mut SqliteConnection,
    member: &MemberRow,
    actor: MemberId,
) -> ApiResult<()> {
    let blocked: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM blocks WHERE member_id = ?1 AND blocked_id = ?2")
            .bind(member.id.get())
            .bind(actor.get())
            .fetch_optional(&mut *conn)
            .await?;
    match blocked {
        Some(_) => Err(ApiError::Forbidden(format!(
            "{} does not take invitations or direct messages from you",
            member.name
        ))),
        None => Ok(()),
    }
}

/// The other member of a direct channel.
async fn other_member(
    conn: &mut SqliteConnection,
    channel: ChannelId,
    me: MemberId,
) -> ApiResult<Option<MemberRow>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT member_id FROM memberships WHERE channel_id = ?1 AND member_id != ?2 LIMIT 1",
    )
    .bind(channel.get())
    .bind(me.get())
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => Ok(Some(require_member_row(conn, MemberId(id)).await?)),
        None => Ok(None),
    }
}

async fn require_member_row(conn: &mut SqliteConnection, id: MemberId) -> ApiResult<MemberRow> {
    let row = sqlx::query(&format!("SELECT {MEMBER_COLS} FROM members WHERE id = ?1"))
        .bind(id.get())
        .fetch_optional(conn)
        .await?;
    row.as_ref()
        .map(member_from)
        .ok_or_else(|| ApiError::NotFound(format!("there is no member {id}")))
}

async fn insert_event(
    conn: &mut SqliteConnection,
    channel: ChannelId,
    event_type: EventType,
    member: &MemberRow,
    message: Option<&str>,
    client_key: Option<&str>,
) -> ApiResult<EventRow> {
    let now = now_millis();
    let done = sqlx::query(
        "INSERT INTO events (channel_id, event_type, member_id, message, client_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(channel.get())
    .bind(event_type.as_str())
    .bind(member.id.get())
    .bind(message)
    .bind(client_key)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(EventRow {
        id: EventId(done.last_insert_rowid()),
        channel_id: channel,
        event_type,
        member: member.clone(),
        message: message.map(str::to_owned),
        client_key: client_key.map(str::to_owned),
        created_at: now,
    })
}

async fn join(
    conn: &mut SqliteConnection,
    channel: ChannelId,
    member: &MemberRow,
) -> ApiResult<EventRow> {
    let event = insert_event(conn, channel, EventType::Join, member, None, None).await?;
    sqlx::query(
        "INSERT INTO memberships (channel_id, member_id, joined_seq, last_read_seq)
         VALUES (?1, ?2, ?3, ?3)",
    )
    .bind(channel.get())
    .bind(member.id.get())
    .bind(event.id.get())
    .execute(&mut *conn)
    .await?;
    Ok(event)
}

async fn create_channel(
    conn: &mut SqliteConnection,
    kind: ChannelKind,
    name: &str,
    direct_key: Option<&str>,
) -> ApiResult<ChannelId> {
    let done = sqlx::query(
        "INSERT INTO channels (ctype, name, direct_key, created_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(kind.as_str())
    .bind(name)
    .bind(direct_key)
    .bind(now_millis())
    .execute(&mut *conn)
    .await?;
    Ok(ChannelId(done.last_insert_rowid()))
}

fn fresh(channel: ChannelId, events: Vec<EventRow>) -> Applied {
    Applied {
        channel,
        events,
        fresh: true,
    }
}

fn unchanged(channel: ChannelId, events: Vec<EventRow>) -> Applied {
    Applied {
        channel,
        events,
        fresh: false,
    }
}

/// Runs a multi-statement write to its end on a task of its own. A request
/// handler's future is dropped when its client goes away or its time runs
/// out; dropped between `BEGIN` and `COMMIT`, it would hand the pool a
/// connection still holding the write lock (every other write then waits
/// and fails, and what is written on it later is rolled back). A spawned
/// task is not dropped with the request: it commits or rolls back, then
/// returns the connection.
async fn whole<T: Send + 'static>(
    work: impl std::future::Future<Output = ApiResult<T>> + Send + 'static,
) -> ApiResult<T> {
    tokio::spawn(work)
        .await
        .map_err(|e| ApiError::Internal(format!("a storage task failed: {e}")))?
}

/// Never reuses a connection after a storage error (see `apply`): closing
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
/// in `apply_batch`): commits on success, rolls back a refusal; after a
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

/// Applies a batch in one write transaction, a savepoint per command. The
/// transaction is spelled out rather than left to sqlx's nesting counter,
/// which cannot know when SQLite has ended a transaction by itself. Any
/// storage error fails the whole batch: nothing of it is acknowledged, and
/// the caller discards the connection.
async fn apply_batch(
    conn: &mut SqliteConnection,
    batch: &[Command],
) -> ApiResult<Vec<ApiResult<Applied>>> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let mut results = Vec::with_capacity(batch.len());
    for command in batch {
        // A refused command leaves no trace; the others still commit.
        sqlx::query("SAVEPOINT command").execute(&mut *conn).await?;
        match apply_one(conn, command).await {
            Ok(applied) => {
                sqlx::query("RELEASE command").execute(&mut *conn).await?;
                results.push(Ok(applied));
            }
            Err(e) if e.is_storage() => return Err(e),
            Err(e) => {
                sqlx::query("ROLLBACK TO command")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("RELEASE command").execute(&mut *conn).await?;
                results.push(Err(e));
            }
        }
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(results)
}

async fn apply_one(conn: &mut SqliteConnection, command: &Command) -> ApiResult<Applied> {
    match command {
        Command::Send {
            channel,
            sender,
            text,
            client_key,
        } => {
            if let Some(key) = client_key {
                let row = sqlx::query(&format!(
                    "{EVENT_SELECT} WHERE e.member_id = ?1 AND e.client_key = ?2"
                ))
                .bind(sender.get())
                .bind(key)
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(row) = row {
                    let first = event_from(&row)?;
                    // A retry is the same message again. Anything else
                    // under the same key would be lost if answered with the
                    // first message, so it is refused for the client to see.
                    if first.channel_id != *channel || first.message.as_ref() != Some(text) {
                        return Err(ApiError::Conflict(
                            "this clientKey was already used for another message; \
                             send a new message with a new key"
                                .to_owned(),
                        ));
                    }
                    return Ok(unchanged(first.channel_id, vec![first]));
                }
            }
            if require_member(conn, *sender, *channel).await? == ChannelKind::Direct {
                if let Some(other) = other_member(conn, *channel, *sender).await? {
                    refuse_if_blocked(conn, &other, *sender).await?;
                }
            }
            let sender = require_member_row(conn, *sender).await?;
            let event = insert_event(
                conn,
                *channel,
                EventType::Chat,
                &sender,
                Some(text),
                client_key.as_deref(),
            )
            .await?;
            Ok(fresh(*channel, vec![event]))
        }
        Command::CreateGroup {
            creator,
            name,
            members,
        } => {
            let channel = create_channel(conn, ChannelKind::Group, name, None).await?;
            let mut everyone = vec![*creator];
            for m in members {
                if !everyone.contains(m) {
                    everyone.push(*m);
                }
            }
            let mut events = Vec::with_capacity(everyone.len());
            for id in everyone {
                let member = require_member_row(conn, id).await?;
                if id != *creator {
                    refuse_if_blocked(conn, &member, *creator).await?;
                }
                events.push(join(conn, channel, &member).await?);
            }
            Ok(fresh(channel, events))
        }
        Command::OpenDirect { from, to } => {
            if from == to {
                return Err(ApiError::BadInput(
                    "a direct channel needs another member".to_owned(),
                ));
            }
            let (low, high) = if from < to { (from, to) } else { (to, from) };
            let key = format!("{low}:{high}");
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM channels WHERE direct_key = ?1")
                    .bind(&key)
                    .fetch_optional(&mut *conn)
                    .await?;
            let to_row = require_member_row(conn, *to).await?;
            refuse_if_blocked(conn, &to_row, *from).await?;
            if let Some(id) = existing {
                return Ok(unchanged(ChannelId(id), Vec::new()));
            }
            let from = require_member_row(conn, *from).await?;
            let to = to_row;
            let channel = create_channel(conn, ChannelKind::Direct, "", Some(&key)).await?;
            let first = join(conn, channel, &from).await?;
            let second = join(conn, channel, &to).await?;
            Ok(fresh(channel, vec![first, second]))
        }
        Command::Join { channel, member } => {
            match channel_kind(conn, *channel).await? {
                None => return Err(ApiError::NotFound(format!("there is no channel {channel}"))),
                Some(ChannelKind::Direct) => {
                    if is_member(conn, *member, *channel).await? {
                        return Ok(unchanged(*channel, Vec::new()));
                    }
                    return Err(ApiError::NotFound(format!("there is no channel {channel}")));
                }
                Some(ChannelKind::Group) => {}
            }
            if is_member(conn, *member, *channel).await? {
                return Ok(unchanged(*channel, Vec::new()));
            }
            let member = require_member_row(conn, *member).await?;
            let event = join(conn, *channel, &member).await?;
            Ok(fresh(*channel, vec![event]))
        }
        Command::Invite {
            channel,
            inviter,
            invitee,
        } => {
            if require_member(conn, *inviter, *channel).await? == ChannelKind::Direct {
                return Err(ApiError::BadInput(
                    "nobody can be invited into a direct channel; create a group".to_owned(),
                ));
            }
            let invitee = require_member_row(conn, *invitee).await?;
            if is_member(conn, invitee.id, *channel).await? {
                return Ok(unchanged(*channel, Vec::new()));
            }
            refuse_if_blocked(conn, &invitee, *inviter).await?;
            let event = join(conn, *channel, &invitee).await?;
            Ok(fresh(*channel, vec![event]))
        }
        Command::Leave { channel, member } => {
            if require_member(conn, *member, *channel).await? == ChannelKind::Direct {
                return Err(ApiError::BadInput(
                    "a direct channel cannot be left".to_owned(),
                ));
            }
            let member = require_member_row(conn, *member).await?;
            let event = insert_event(conn, *channel, EventType::Leave, &member, None, None).await?;
            sqlx::query(
                "UPDATE memberships SET left_seq = ?3
                 WHERE channel_id = ?1 AND member_id = ?2 AND left_seq IS NULL",
            )
            .bind(channel.get())
            .bind(member.id.get())
            .bind(event.id.get())
            .execute(&mut *conn)
            .await?;
            Ok(fresh(*channel, vec![event]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> SqliteStore {
        SqliteStore::open("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn member_names_are_unique_ignoring_case() {
        let s = store().await;
        s.create_member("Alice", "h", None).await.unwrap();
        let err = s.create_member("alice", "h", None).await.unwrap_err();
        assert!(matches!(err, ApiError::Conflict(_)));
        assert_eq!(
            s.member_by_name("ALICE").await.unwrap().unwrap().name,
            "Alice"
        );
    }

    #[tokio::test]
    async fn a_look_alike_of_a_taken_name_is_taken_and_every_spelling_finds_the_first() {
        let s = store().await;
        let alice = s.create_member("alice", "h", None).await.unwrap();
        // Cyrillic а, fullwidth, mathematical bold, an invisible filler, a
        // zero-width space: each reads as "alice", so each is taken...
        for impostor in [
            "\u{430}lice",
            "ａｌｉｃｅ",
            "𝐚𝐥𝐢𝐜𝐞",
            "alice\u{3164}",
            "al\u{200b}ice",
        ] {
            let err = s.create_member(impostor, "h", None).await.unwrap_err();
            assert!(matches!(err, ApiError::Conflict(_)), "{impostor:?}: {err}");
            assert!(err.to_string().contains("taken"), "{err}");
            // ...and asking for it finds alice, never another member.
            let found = s.member_by_name(impostor).await.unwrap().unwrap();
            assert_eq!(found.id, alice.id, "{impostor:?}");
            let (found, _) = s.member_with_hash(impostor).await.unwrap().unwrap();
            assert_eq!(found.id, alice.id, "{impostor:?}");
        }
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM members")
            .fetch_one(&s.pool)
            .await
            .unwrap();
        assert_eq!(count, 1, "no second alice was stored");
    }

    async fn send(
        s: &SqliteStore,
        channel: ChannelId,
        sender: MemberId,
        text: &str,
        key: &str,
    ) -> ApiResult<Applied> {
        s.apply(&[Command::Send {
            channel,
            sender,
            text: text.into(),
            client_key: Some(key.into()),
        }])
        .await
        .unwrap()
        .remove(0)
    }

    async fn group(s: &SqliteStore, creator: MemberId, name: &str) -> ChannelId {
        s.apply(&[Command::CreateGroup {
            creator,
            name: name.into(),
            members: vec![],
        }])
        .await
        .unwrap()[0]
            .as_ref()
            .unwrap()
            .channel
    }

    #[tokio::test]
    async fn a_retried_send_with_the_same_key_channel_and_text_returns_the_first_message() {
        let s = store().await;
        let a = s.create_member("a", "h", None).await.unwrap();
        let g = group(&s, a.id, "g").await;
        let first = send(&s, g, a.id, "hello", "k1").await.unwrap();
        assert!(first.fresh);
        let again = send(&s, g, a.id, "hello", "k1").await.unwrap();
        assert!(!again.fresh, "nothing new to publish");
        assert_eq!(again.events, first.events);
        assert_eq!(
            s.events_page(g, None, 10).await.unwrap().events.len(),
            2,
            "join + hello"
        );
    }

    #[tokio::test]
    async fn a_client_key_reused_for_another_channel_or_text_is_a_conflict_and_stores_nothing() {
        let s = store().await;
        let a = s.create_member("a", "h", None).await.unwrap();
        let g = group(&s, a.id, "g").await;
        let h = group(&s, a.id, "h").await;
        send(&s, g, a.id, "hello", "k1").await.unwrap();
        // Another text in the same channel, the same text in another
        // channel, or both: each would be dropped if answered with the
        // first message, so each is refused.
        for (channel, text) in [(g, "goodbye"), (h, "hello"), (h, "goodbye"), (g, "hello ")] {
            let err = send(&s, channel, a.id, text, "k1").await.unwrap_err();
            assert!(matches!(err, ApiError::Conflict(_)), "{text:?}: {err}");
            assert!(err.to_string().contains("already used for another message"));
        }
        let texts = |c| {
            let s = s.clone();
            async move {
                let page = s.events_page(c, None, 10).await.unwrap();
                page.events
                    .into_iter()
                    .filter_map(|e| e.message)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(texts(g).await, ["hello"]);
        assert!(texts(h).await.is_empty());
        // Keys are per sender: another member may use the same one.
        let b = s.create_member("b", "h", None).await.unwrap();
        s.apply(&[Command::Join {
            channel: g,
            member: b.id,
        }])
        .await
        .unwrap();
        assert!(send(&s, g, b.id, "goodbye", "k1").await.unwrap().fresh);
    }

    #[tokio::test]
    async fn a_refused_command_leaves_no_trace_and_the_batch_still_commits() {
        let s = store().await;
        let a = s.create_member("a", "h", None).await.unwrap();
        let b = s.create_member("b", "h", None).await.unwrap();
        let created = s
            .apply(&[Command::CreateGroup {
                creator: a.id,
                name: "g".into(),
                members: vec![],
            }])
            .await
            .unwrap();
        let g = created[0].as_ref().unwrap().channel;
        let results = s
            .apply(&[
                Command::Send {
                    channel: g,
                    sender: b.id,
                    text: "not a member".into(),
                    client_key: None,
                },
                Command::Send {
                    channel: g,
                    sender: a.id,
                    text: "hello".into(),
                    client_key: None,
                },
                // Creating a group with an unknown member fails as a whole:
                // no channel row, no join events.
                Command::CreateGroup {
                    creator: a.id,
                    name: "h".into(),
                    members: vec![MemberId(999)],
                },
            ])
            .await
            .unwrap();
        assert!(matches!(results[0], Err(ApiError::Forbidden(_))));
        assert!(results[1].is_ok());
        assert!(matches!(results[2], Err(ApiError::NotFound(_))));
        let page = s.events_page(g, None, 10).await.unwrap();
        assert_eq!(page.events.len(), 2, "join + hello");
        assert_eq!(s.channels_of(a.id).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn replay_follows_stretches_of_membership() {
        let s = store().await;
        let a = s.create_member("a", "h", None).await.unwrap();
        let b = s.create_member("b", "h", None).await.unwrap();
        let send = |text: &str, sender: MemberId, channel: ChannelId| Command::Send {
            channel,
            sender,
            text: text.into(),
            client_key: None,
        };
        let g = s
            .apply(&[Command::CreateGroup {
                creator: a.id,
                name: "g".into(),
                members: vec![b.id],
            }])
            .await
            .unwrap()[0]
            .as_ref()
            .unwrap()
            .channel;
        s.apply(&[
            send("1", a.id, g),
            Command::Leave {
                channel: g,
                member: b.id,
            },
            send("2 while b is away", a.id, g),
            Command::Join {
                channel: g,
                member: b.id,
            },
            send("3", a.id, g),
        ])
        .await
        .unwrap();
        let seen: Vec<String> = s
            .replay(b.id, 0, 100)
            .await
            .unwrap()
            .iter()
            .map(|e| {
                e.message
                    .clone()
                    .unwrap_or_else(|| e.event_type.as_str().to_owned())
            })
            .collect();
        assert_eq!(seen, ["JOIN", "1", "LEAVE", "JOIN", "3"]);
        let a_seen = s.replay(a.id, 0, 100).await.unwrap();
        assert_eq!(a_seen.len(), 7, "a saw everything");
        let limited = s.replay(a.id, a_seen[2].id.get(), 2).await.unwrap();
        assert_eq!(limited[0].id, a_seen[3].id);
        assert_eq!(limited.len(), 2);
    }

    #[tokio::test]
    async fn unread_counts_others_chat_after_the_marker() {
        let s = store().await;
        let a = s.create_member("a", "h", None).await.unwrap();
        let b = s.create_member("b", "h", None).await.unwrap();
        let dm = s
            .apply(&[Command::OpenDirect {
                from: a.id,
                to: b.id,
            }])
            .await
            .unwrap()[0]
            .as_ref()
            .unwrap()
            .channel;
        for (who, text) in [(a.id, "mine"), (b.id, "x"), (b.id, "y")] {
            s.apply(&[Command::Send {
                channel: dm,
                sender: who,
                text: text.into(),
                client_key: None,
            }])
            .await
            .unwrap();
        }
        let view = &s.channels_of(a.id).await.unwrap()[0];
        assert_eq!(view.unread, 2);
        assert_eq!(
            view.name, "b",
            "a direct channel is named after the other member"
        );
        s.mark_read(a.id, dm, None).await.unwrap();
        assert_eq!(s.channels_of(a.id).await.unwrap()[0].unread, 0);
        // Asking to move the marker back changes nothing.
        s.mark_read(a.id, dm, Some(EventId(1))).await.unwrap();
        assert_eq!(s.channels_of(a.id).await.unwrap()[0].unread, 0);
        // Opening it again finds the same channel.
        let again = s
            .apply(&[Command::OpenDirect {
                from: b.id,
                to: a.id,
            }])
            .await
            .unwrap();
        let again = again[0].as_ref().unwrap();
        assert_eq!(again.channel, dm);
        assert!(!again.fresh);
    }
}
