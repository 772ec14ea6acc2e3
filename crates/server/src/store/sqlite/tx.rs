//! The write transaction of the SQLite store: the [`Tx`] primitives on one
//! pooled connection, inside `BEGIN IMMEDIATE`.
//!
//! The transaction is spelled out (`BEGIN IMMEDIATE`, `SAVEPOINT command`,
//! `COMMIT`) rather than left to sqlx's nesting counter, which cannot know
//! when SQLite has ended a transaction by itself. After a storage error the
//! connection's state is unknown: SQLite may have rolled the whole
//! transaction back by itself (SQLITE_FULL, SQLITE_IOERR), or left it open
//! and holding the write lock. Reusing it is how a later "commit" came to
//! commit nothing. So it is never reused: closing it rolls back whatever is
//! open and frees the lock, and the pool opens a fresh one.

use async_trait::async_trait;
use sqlx::{pool::PoolConnection, Sqlite, SqliteConnection, SqlitePool};
use std::sync::Arc;

use suda_protocol::{AttachmentId, ChannelId, EventId, MemberId, NotificationLevel};

use super::{
    files::Files,
    now_millis,
    rows::{
        self, stored_level, stored_mentions, EventRecord, KeyedRecord, MemberRecord, CONTENT,
        KEYED_COLS, MEMBER_COLS, UNREAD,
    },
};
use crate::{
    error::{ApiError, ApiResult},
    store::{
        ChannelAccess, ChannelKind, ChannelSettings, EventRow, IndexChanges, KeyedEvent, MemberRow,
        NewEvent, NewGroup, Tx,
    },
};

/// A [`Tx`] on a connection of the pool. It owns the connection until it
/// is committed (then the connection goes back to the pool) or abandoned
/// (then it is closed). Dropped without either, it closes the connection
/// too: a connection still inside `BEGIN` never goes back to the pool.
pub(super) struct SqliteTx {
    conn: Option<PoolConnection<Sqlite>>,
    /// Written just before the `COMMIT` (`store::search`).
    pub(super) index: IndexChanges,
    /// Attachments whose rows this transaction removed: their files go
    /// once it is committed.
    pub(super) removed_files: Vec<AttachmentId>,
    /// Where the running command's removals begin.
    removed_at_command: usize,
    pub(super) files: Arc<Files>,
}

impl SqliteTx {
    /// Takes a connection and begins the transaction on it.
    pub(super) async fn begin(pool: &SqlitePool, files: Arc<Files>) -> ApiResult<Box<dyn Tx>> {
        let mut tx = Box::new(SqliteTx {
            conn: Some(pool.acquire().await?),
            index: IndexChanges::default(),
            removed_files: Vec::new(),
            removed_at_command: 0,
            files,
        });
        if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(tx.conn()?).await {
            tx.abandon().await;
            return Err(e.into());
        }
        Ok(tx)
    }

    pub(super) fn conn(&mut self) -> ApiResult<&mut SqliteConnection> {
        match self.conn.as_mut() {
            Some(conn) => Ok(&mut **conn),
            None => Err(ApiError::Internal("the transaction has ended".into())),
        }
    }

    async fn execute(&mut self, sql: &str) -> ApiResult<()> {
        sqlx::query(sql).execute(self.conn()?).await?;
        Ok(())
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

#[async_trait]
impl Tx for SqliteTx {
    async fn savepoint(&mut self) -> ApiResult<()> {
        self.index.begin_command();
        self.removed_at_command = self.removed_files.len();
        self.execute("SAVEPOINT command").await
    }

    async fn release_savepoint(&mut self) -> ApiResult<()> {
        self.execute("RELEASE command").await
    }

    async fn rollback_to_savepoint(&mut self) -> ApiResult<()> {
        self.index.undo_command();
        self.removed_files.truncate(self.removed_at_command);
        self.execute("ROLLBACK TO command").await?;
        self.execute("RELEASE command").await
    }

    async fn commit(mut self: Box<Self>) -> ApiResult<()> {
        let changes = self.index.take();
        let written = match self.conn() {
            Ok(conn) => super::search::write(conn, &changes)
                .await
                .map_err(ApiError::from),
            Err(e) => Err(e),
        };
        let committed = match written {
            Ok(()) => self.execute("COMMIT").await,
            Err(e) => Err(e),
        };
        match committed {
            Ok(()) => {
                // Done with: back to the pool.
                drop(self.conn.take());
                // The rows are gone for good: so are their files. One that
                // cannot be removed now is left to the sweep.
                for id in std::mem::take(&mut self.removed_files) {
                    if let Err(e) = self.files.remove(id).await {
                        tracing::warn!(error = %e, %id, "a deleted attachment's file stays until the sweep");
                    }
                }
                Ok(())
            }
            Err(e) => {
                self.abandon().await;
                Err(e)
            }
        }
    }

    async fn abandon(mut self: Box<Self>) {
        if let Some(conn) = self.conn.take() {
            if let Err(e) = conn.close().await {
                tracing::warn!(error = %e, "closing a failed connection");
            }
        }
    }

    async fn channel_access(&mut self, channel: ChannelId) -> ApiResult<Option<ChannelAccess>> {
        channel_access(self.conn()?, channel).await
    }

    async fn channel_settings(&mut self, channel: ChannelId) -> ApiResult<Option<ChannelSettings>> {
        let found: Option<rows::SettingsRecord> = sqlx::query_as(&format!(
            "SELECT {} FROM channels WHERE id = ?1",
            rows::SETTINGS_COLS
        ))
        .bind(channel.get())
        .fetch_optional(self.conn()?)
        .await?;
        Ok(found.map(ChannelSettings::from))
    }

    async fn set_channel_settings(
        &mut self,
        channel: ChannelId,
        settings: &ChannelSettings,
    ) -> ApiResult<()> {
        sqlx::query(
            "UPDATE channels SET name = ?2, topic = ?3,
               archived_at = CASE WHEN ?4 THEN COALESCE(archived_at, ?5) END
             WHERE id = ?1",
        )
        .bind(channel.get())
        .bind(&settings.name)
        .bind(&settings.topic)
        .bind(settings.archived)
        .bind(now_millis())
        .execute(self.conn()?)
        .await?;
        Ok(())
    }

    async fn is_member(&mut self, member: MemberId, channel: ChannelId) -> ApiResult<bool> {
        is_member(self.conn()?, member, channel).await
    }

    async fn member(&mut self, id: MemberId) -> ApiResult<Option<MemberRow>> {
        member(self.conn()?, id).await
    }

    async fn other_member(
        &mut self,
        channel: ChannelId,
        me: MemberId,
    ) -> ApiResult<Option<MemberId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT member_id FROM memberships WHERE channel_id = ?1 AND member_id != ?2 LIMIT 1",
        )
        .bind(channel.get())
        .bind(me.get())
        .fetch_optional(self.conn()?)
        .await?;
        Ok(id.map(MemberId))
    }

    async fn has_blocked(&mut self, member: MemberId, whom: MemberId) -> ApiResult<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM blocks WHERE member_id = ?1 AND blocked_id = ?2")
                .bind(member.get())
                .bind(whom.get())
                .fetch_optional(self.conn()?)
                .await?;
        Ok(found.is_some())
    }

    async fn event_by_client_key(
        &mut self,
        sender: MemberId,
        client_key: &str,
    ) -> ApiResult<Option<KeyedEvent>> {
        let found: Option<KeyedRecord> = sqlx::query_as(&format!(
            "SELECT {KEYED_COLS} FROM events e WHERE e.member_id = ?1 AND e.client_key = ?2"
        ))
        .bind(sender.get())
        .bind(client_key)
        .fetch_optional(self.conn()?)
        .await?;
        found.map(KeyedEvent::try_from).transpose()
    }

    async fn event(&mut self, id: EventId) -> ApiResult<Option<EventRow>> {
        event(self.conn()?, id).await
    }

    async fn direct_channel(&mut self, a: MemberId, b: MemberId) -> ApiResult<Option<ChannelId>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM channels WHERE direct_key = ?1")
            .bind(direct_key(a, b))
            .fetch_optional(self.conn()?)
            .await?;
        Ok(id.map(ChannelId))
    }

    async fn create_group(&mut self, group: NewGroup<'_>) -> ApiResult<ChannelId> {
        let done = sqlx::query(
            "INSERT INTO channels (ctype, name, topic, private, creator_id, created_at)
             VALUES ('GROUP', ?1, ?2, ?3, ?4, ?5)",
        )
        .bind(group.name)
        .bind(group.topic)
        .bind(group.private)
        .bind(group.creator.get())
        .bind(now_millis())
        .execute(self.conn()?)
        .await?;
        Ok(ChannelId(done.last_insert_rowid()))
    }

    async fn create_direct(&mut self, a: MemberId, b: MemberId) -> ApiResult<ChannelId> {
        let key = direct_key(a, b);
        create_channel(self.conn()?, ChannelKind::Direct, "", Some(&key)).await
    }

    async fn insert_event(&mut self, event: NewEvent<'_>) -> ApiResult<EventRow> {
        let now = now_millis();
        let done = sqlx::query(
            "INSERT INTO events (channel_id, event_type, member_id, message, client_key, created_at,
                                 target_seq, emoji, tally, mentions, level, thread_seq, actor_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .bind(event.channel.get())
        .bind(event.kind.as_str())
        .bind(event.member.id.get())
        .bind(rows::stored_settings(event.settings).or(event.message.map(str::to_owned)))
        .bind(event.client_key)
        .bind(now)
        .bind(event.target.map(EventId::get))
        .bind(event.emoji)
        .bind(event.tally)
        .bind(stored_mentions(event.mentions))
        .bind(event.level.map(NotificationLevel::as_str))
        .bind(event.thread.map(EventId::get))
        .bind(event.actor.map(|a| a.id.get()))
        .execute(self.conn()?)
        .await?;
        Ok(event.inserted(EventId(done.last_insert_rowid()), now))
    }

    async fn set_edited(
        &mut self,
        message: EventId,
        edit: EventId,
        mentions: &[MemberId],
    ) -> ApiResult<()> {
        sqlx::query("UPDATE events SET edited_seq = ?2, mentions = ?3 WHERE seq = ?1")
            .bind(message.get())
            .bind(edit.get())
            .bind(stored_mentions(mentions))
            .execute(self.conn()?)
            .await?;
        Ok(())
    }

    async fn members_by_keys(
        &mut self,
        channel: ChannelId,
        keys: &[String],
    ) -> ApiResult<Vec<MemberId>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys = serde_json::to_string(keys).map_err(|e| ApiError::Internal(e.to_string()))?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT m.id FROM memberships ms JOIN members m ON m.id = ms.member_id
             WHERE ms.channel_id = ?1 AND ms.left_seq IS NULL
               AND m.name_key IN (SELECT value FROM json_each(?2))
             ORDER BY m.id",
        )
        .bind(channel.get())
        .bind(keys)
        .fetch_all(self.conn()?)
        .await?;
        Ok(ids.into_iter().map(MemberId).collect())
    }

    async fn notify_level(
        &mut self,
        member: MemberId,
        channel: ChannelId,
    ) -> ApiResult<NotificationLevel> {
        let level: Option<String> = sqlx::query_scalar(
            "SELECT notify_level FROM memberships
             WHERE member_id = ?1 AND channel_id = ?2 AND left_seq IS NULL",
        )
        .bind(member.get())
        .bind(channel.get())
        .fetch_optional(self.conn()?)
        .await?;
        stored_level(level)
    }

    async fn set_notify_level(
        &mut self,
        member: MemberId,
        channel: ChannelId,
        level: NotificationLevel,
    ) -> ApiResult<()> {
        sqlx::query(
            "UPDATE memberships SET notify_level = ?3
             WHERE member_id = ?1 AND channel_id = ?2 AND left_seq IS NULL",
        )
        .bind(member.get())
        .bind(channel.get())
        .bind(level.as_str())
        .execute(self.conn()?)
        .await?;
        Ok(())
    }

    async fn delete_message(&mut self, message: EventId, deletion: EventId) -> ApiResult<()> {
        let conn = self.conn()?;
        sqlx::query(
            "UPDATE events SET message = '', attachments = NULL, deleted_seq = ?2 WHERE seq = ?1",
        )
        .bind(message.get())
        .bind(deletion.get())
        .execute(&mut *conn)
        .await?;
        let removed: Vec<i64> =
            sqlx::query_scalar("DELETE FROM attachments WHERE message_seq = ?1 RETURNING id")
                .bind(message.get())
                .fetch_all(&mut *conn)
                .await?;

        sqlx::query("UPDATE events SET message = '' WHERE target_seq = ?1 AND event_type = 'EDIT'")
            .bind(message.get())
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM reactions WHERE message_seq = ?1")
            .bind(message.get())
            .execute(&mut *conn)
            .await?;
        self.removed_files
            .extend(removed.into_iter().map(AttachmentId));
        Ok(())
    }

    async fn has_reaction(
        &mut self,
        message: EventId,
        member: MemberId,
        emoji: &str,
    ) -> ApiResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM reactions WHERE message_seq = ?1 AND emoji = ?2 AND member_id = ?3",
        )
        .bind(message.get())
        .bind(emoji)
        .bind(member.get())
        .fetch_optional(self.conn()?)
        .await?;
        Ok(found.is_some())
    }

    async fn reactions_by(&mut self, message: EventId, member: MemberId) -> ApiResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM reactions WHERE message_seq = ?1 AND member_id = ?2",
        )
        .bind(message.get())
        .bind(member.get())
        .fetch_one(self.conn()?)
        .await?)
    }

    async fn emoji_counts(&mut self, message: EventId, emoji: &str) -> ApiResult<(i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT count(DISTINCT emoji), count(*) FILTER (WHERE emoji = ?2)
             FROM reactions WHERE message_seq = ?1",
        )
        .bind(message.get())
        .bind(emoji)
        .fetch_one(self.conn()?)
        .await?)
    }

    async fn add_reaction(
        &mut self,
        channel: ChannelId,
        message: EventId,
        member: MemberId,
        emoji: &str,
        seq: EventId,
    ) -> ApiResult<()> {
        sqlx::query(
            "INSERT INTO reactions (message_seq, emoji, member_id, channel_id, seq)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(message.get())
        .bind(emoji)
        .bind(member.get())
        .bind(channel.get())
        .bind(seq.get())
        .execute(self.conn()?)
        .await?;
        Ok(())
    }

    async fn remove_reaction(
        &mut self,
        message: EventId,
        member: MemberId,
        emoji: &str,
    ) -> ApiResult<()> {
        sqlx::query(
            "DELETE FROM reactions WHERE message_seq = ?1 AND emoji = ?2 AND member_id = ?3",
        )
        .bind(message.get())
        .bind(emoji)
        .bind(member.get())
        .execute(self.conn()?)
        .await?;
        Ok(())
    }

    async fn read_marker(&mut self, member: MemberId, channel: ChannelId) -> ApiResult<i64> {
        let marker: Option<i64> = sqlx::query_scalar(
            "SELECT last_read_seq FROM memberships
             WHERE member_id = ?1 AND channel_id = ?2 AND left_seq IS NULL",
        )
        .bind(member.get())
        .bind(channel.get())
        .fetch_optional(self.conn()?)
        .await?;
        Ok(marker.unwrap_or(0))
    }

    async fn newest_content(&mut self, channel: ChannelId) -> ApiResult<i64> {
        let newest: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT max(seq) FROM events WHERE channel_id = ?1 AND {CONTENT}"
        ))
        .bind(channel.get())
        .fetch_one(self.conn()?)
        .await?;
        Ok(newest.unwrap_or(0))
    }

    async fn set_read_marker(
        &mut self,
        member: MemberId,
        channel: ChannelId,
        up_to: i64,
    ) -> ApiResult<()> {
        sqlx::query(
            "UPDATE memberships SET last_read_seq = ?3
             WHERE member_id = ?1 AND channel_id = ?2 AND left_seq IS NULL",
        )
        .bind(member.get())
        .bind(channel.get())
        .bind(up_to)
        .execute(self.conn()?)
        .await?;
        Ok(())
    }

    async fn unread(&mut self, member: MemberId, channel: ChannelId) -> ApiResult<i64> {
        let unread: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT {UNREAD} FROM memberships ms
             WHERE ms.member_id = ?1 AND ms.channel_id = ?2 AND ms.left_seq IS NULL"
        ))
        .bind(member.get())
        .bind(channel.get())
        .fetch_optional(self.conn()?)
        .await?;
        Ok(unread.unwrap_or(0))
    }

    async fn insert_membership(
        &mut self,
        channel: ChannelId,
        member: MemberId,
        joined: EventId,
    ) -> ApiResult<()> {
        sqlx::query(
            "INSERT INTO memberships (channel_id, member_id, joined_seq, last_read_seq)
             VALUES (?1, ?2, ?3, ?3)",
        )
        .bind(channel.get())
        .bind(member.get())
        .bind(joined.get())
        .execute(self.conn()?)
        .await?;
        Ok(())
    }

    async fn end_membership(
        &mut self,
        channel: ChannelId,
        member: MemberId,
        left: EventId,
    ) -> ApiResult<()> {
        sqlx::query(
            "UPDATE memberships SET left_seq = ?3
             WHERE channel_id = ?1 AND member_id = ?2 AND left_seq IS NULL",
        )
        .bind(channel.get())
        .bind(member.get())
        .bind(left.get())
        .execute(self.conn()?)
        .await?;
        Ok(())
    }
}

/// `channels.direct_key`: the two member ids, lower first, so either
/// member opening it finds the same channel.
fn direct_key(a: MemberId, b: MemberId) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

/// Whether the member is in the channel now (also for the store's reads).
pub(super) async fn is_member(
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

/// A channel's kind, failing on one this server does not know (also for
/// the store's reads).
pub(super) async fn channel_access(
    conn: &mut SqliteConnection,
    channel: ChannelId,
) -> ApiResult<Option<ChannelAccess>> {
    let found: Option<rows::AccessRecord> = sqlx::query_as(&format!(
        "SELECT {} FROM channels WHERE id = ?1",
        rows::ACCESS_COLS
    ))
    .bind(channel.get())
    .fetch_optional(conn)
    .await?;
    found.map(ChannelAccess::try_from).transpose()
}

/// One event as it is now (also for the store's reads).
pub(super) async fn event(conn: &mut SqliteConnection, id: EventId) -> ApiResult<Option<EventRow>> {
    let found: Option<EventRecord> =
        sqlx::query_as(&format!("{} WHERE e.seq = ?1", rows::event_select()))
            .bind(id.get())
            .fetch_optional(conn)
            .await?;
    found.map(EventRow::try_from).transpose()
}

/// A member by id (also for the store's reads).
pub(super) async fn member(
    conn: &mut SqliteConnection,
    id: MemberId,
) -> ApiResult<Option<MemberRow>> {
    let found: Option<MemberRecord> =
        sqlx::query_as(&format!("SELECT {MEMBER_COLS} FROM members WHERE id = ?1"))
            .bind(id.get())
            .fetch_optional(conn)
            .await?;
    Ok(found.map(MemberRow::from))
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
    .execute(conn)
    .await?;
    Ok(ChannelId(done.last_insert_rowid()))
}
