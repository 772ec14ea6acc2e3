//! The write transaction of the PostgreSQL store: the [`Tx`] primitives on
//! one pooled connection, between `BEGIN` and `COMMIT`, holding the ledger's
//! head row.
//!
//! `begin` locks the one row of `ledger_head` (`SELECT ... FOR UPDATE`)
//! before anything else, and holds it until the transaction ends: batches
//! take turns across every node, as SQLite's `BEGIN IMMEDIATE` makes them
//! take turns in one process. Under READ COMMITTED each statement after the
//! lock sees everything committed before it, so the rules decide on the
//! latest state. Each event takes the next id after the head read under
//! that lock (`insert_event`), and `commit` writes the moved head back in
//! the same transaction, so ids are taken in commit order with no gap, and
//! a rollback (of the transaction, or of a command to its savepoint) gives
//! its ids back.
//!
//! The ids are counted here rather than by `UPDATE ledger_head SET seq =
//! seq + 1` per event: every update of one row inside one transaction
//! leaves a row version the next must step over, so a batch of n events
//! cost n²/2 steps, all with the row held (0.84 ms an insert at 176 a
//! batch, measured by bench/cluster.sh; see docs/benchmarks.md).
//!
//! The transaction is spelled out (`BEGIN`, `SAVEPOINT command`, `COMMIT`)
//! as on SQLite. Every round trip happens with the head row held, so the
//! fixed steps share them: `BEGIN` goes with the lock, a command's
//! `RELEASE` with the next command's `SAVEPOINT` (or the `COMMIT`, which
//! releases it anyway), and the head's write-back with the `COMMIT`; a
//! send is then its own statements and one more. Every step is bounded by this side's clock too (the
//! store's `bounded`), so a database that stops answering fails the batch
//! rather than holding the ledger. After a storage error the transaction is aborted or its
//! state unknown (the connection may be gone with the server), so the
//! connection is never reused: closing it ends the transaction on the
//! server, releases the row, and the pool opens a fresh one.

use async_trait::async_trait;
use sqlx::{pool::PoolConnection, Executor, PgConnection, PgPool, Postgres, Row};
use suda_protocol::{ChannelId, EventId, MemberId, NotificationLevel};

use super::{
    bounded, now_millis,
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
pub(super) struct PgTx {
    conn: Option<PoolConnection<Postgres>>,
    /// The last id taken: the head as read under the row lock, and one more
    /// for each event inserted since.
    head: i64,
    /// `head` when the command's savepoint was taken.
    saved_head: i64,
    /// The head as read under the lock; `commit` writes `head` back only if
    /// it moved.
    begun_head: i64,
    /// The last command's savepoint is released in effect; the `RELEASE`
    /// goes out with the next statement of the transaction's own.
    release_pending: bool,
    /// Written just before the `COMMIT` (`store::search`).
    pub(super) index: IndexChanges,
}

impl PgTx {
    /// Takes a connection, begins the transaction on it and waits for the
    /// ledger's head row.
    pub(super) async fn begin(pool: &PgPool) -> ApiResult<Box<dyn Tx>> {
        let mut tx = Box::new(PgTx {
            conn: Some(pool.acquire().await?),
            head: 0,
            saved_head: 0,
            begun_head: 0,
            release_pending: false,
            index: IndexChanges::default(),
        });
        let begun = async {
            // A query without arguments goes as one simple query, several
            // statements in one message.
            let row = tx
                .conn()?
                .fetch_one("BEGIN; SELECT seq FROM ledger_head FOR UPDATE")
                .await?;
            ApiResult::Ok(row.try_get::<i64, _>(0)?)
        }
        .await;
        match begun {
            Ok(head) => {
                tx.head = head;
                tx.saved_head = head;
                tx.begun_head = head;
                Ok(tx)
            }
            Err(e) => {
                tx.abandon().await;
                Err(e)
            }
        }
    }

    pub(super) fn conn(&mut self) -> ApiResult<&mut PgConnection> {
        match self.conn.as_mut() {
            Some(conn) => Ok(&mut **conn),
            None => Err(ApiError::Internal("the transaction has ended".into())),
        }
    }

    /// Runs `sql`, one statement or several, in one round trip.
    async fn execute(&mut self, sql: &str) -> ApiResult<()> {
        self.conn()?.execute(sql).await?;
        Ok(())
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

#[async_trait]
impl Tx for PgTx {
    async fn savepoint(&mut self) -> ApiResult<()> {
        let sql = if std::mem::take(&mut self.release_pending) {
            "RELEASE SAVEPOINT command; SAVEPOINT command"
        } else {
            "SAVEPOINT command"
        };
        bounded(async { self.execute(sql).await }).await?;
        self.saved_head = self.head;
        self.index.begin_command();
        Ok(())
    }

    async fn release_savepoint(&mut self) -> ApiResult<()> {
        // Sent with the next savepoint; a COMMIT releases it by itself.
        self.release_pending = true;
        Ok(())
    }

    async fn rollback_to_savepoint(&mut self) -> ApiResult<()> {
        bounded(async {
            self.execute("ROLLBACK TO SAVEPOINT command; RELEASE SAVEPOINT command")
                .await
        })
        .await?;
        // The command's events are gone, and their ids with them.
        self.head = self.saved_head;
        self.index.undo_command();
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> ApiResult<()> {
        bounded(async move {
            // One round trip: a failed UPDATE aborts the transaction, and
            // the COMMIT after it in the same message is then not run.
            // (`head` is this side's own integer, not input.)
            let changes = self.index.take();
            let written = match self.conn() {
                Ok(conn) => super::search::write(conn, &changes)
                    .await
                    .map_err(ApiError::from),
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                self.abandon().await;
                return Err(e);
            }
            let sql = if self.head != self.begun_head {
                format!("UPDATE ledger_head SET seq = {}; COMMIT", self.head)
            } else {
                "COMMIT".to_owned()
            };
            match self.execute(&sql).await {
                Ok(()) => {
                    // Done with: back to the pool.
                    drop(self.conn.take());
                    Ok(())
                }
                Err(e) => {
                    self.abandon().await;
                    Err(e)
                }
            }
        })
        .await
    }

    async fn abandon(mut self: Box<Self>) {
        if let Some(conn) = self.conn.take() {
            // Closing sends one message and shuts the socket; bounded all
            // the same, for a server that does not take even that.
            match tokio::time::timeout(std::time::Duration::from_secs(1), conn.close()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::debug!(error = %e, "closing a failed connection"),
                Err(_) => tracing::debug!("closing a failed connection timed out; dropped"),
            }
        }
    }

    async fn channel_access(&mut self, channel: ChannelId) -> ApiResult<Option<ChannelAccess>> {
        bounded(async move { channel_access(self.conn()?, channel).await }).await
    }

    async fn channel_settings(&mut self, channel: ChannelId) -> ApiResult<Option<ChannelSettings>> {
        bounded(async move {
            let found: Option<rows::SettingsRecord> = sqlx::query_as(&format!(
                "SELECT {} FROM channels WHERE id = $1",
                rows::SETTINGS_COLS
            ))
            .bind(channel.get())
            .fetch_optional(self.conn()?)
            .await?;
            Ok(found.map(ChannelSettings::from))
        })
        .await
    }

    async fn set_channel_settings(
        &mut self,
        channel: ChannelId,
        settings: &ChannelSettings,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "UPDATE channels SET name = $2, topic = $3,
                   archived_at = CASE WHEN $4 THEN COALESCE(archived_at, $5) END
                 WHERE id = $1",
            )
            .bind(channel.get())
            .bind(&settings.name)
            .bind(&settings.topic)
            .bind(settings.archived)
            .bind(now_millis())
            .execute(self.conn()?)
            .await?;
            Ok(())
        })
        .await
    }

    async fn is_member(&mut self, member: MemberId, channel: ChannelId) -> ApiResult<bool> {
        bounded(async move { is_member(self.conn()?, member, channel).await }).await
    }

    async fn member(&mut self, id: MemberId) -> ApiResult<Option<MemberRow>> {
        bounded(async move { member(self.conn()?, id).await }).await
    }

    async fn other_member(
        &mut self,
        channel: ChannelId,
        me: MemberId,
    ) -> ApiResult<Option<MemberId>> {
        bounded(async move {
            let id: Option<i64> = sqlx::query_scalar(
                "SELECT member_id FROM memberships WHERE channel_id = $1 AND member_id != $2 LIMIT 1",
            )
            .bind(channel.get())
            .bind(me.get())
            .fetch_optional(self.conn()?)
            .await?;
            Ok(id.map(MemberId))
        })
        .await
    }

    async fn has_blocked(&mut self, member: MemberId, whom: MemberId) -> ApiResult<bool> {
        bounded(async move {
            let found: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM blocks WHERE member_id = $1 AND blocked_id = $2)",
            )
            .bind(member.get())
            .bind(whom.get())
            .fetch_one(self.conn()?)
            .await?;
            Ok(found)
        })
        .await
    }

    async fn event_by_client_key(
        &mut self,
        sender: MemberId,
        client_key: &str,
    ) -> ApiResult<Option<KeyedEvent>> {
        bounded(async move {
            let found: Option<KeyedRecord> = sqlx::query_as(&format!(
                "SELECT {KEYED_COLS} FROM events e WHERE e.member_id = $1 AND e.client_key = $2"
            ))
            .bind(sender.get())
            .bind(client_key)
            .fetch_optional(self.conn()?)
            .await?;
            found.map(KeyedEvent::try_from).transpose()
        })
        .await
    }

    async fn event(&mut self, id: EventId) -> ApiResult<Option<EventRow>> {
        bounded(async move { event(self.conn()?, id).await }).await
    }

    async fn direct_channel(&mut self, a: MemberId, b: MemberId) -> ApiResult<Option<ChannelId>> {
        bounded(async move {
            let id: Option<i64> =
                sqlx::query_scalar("SELECT id FROM channels WHERE direct_key = $1")
                    .bind(direct_key(a, b))
                    .fetch_optional(self.conn()?)
                    .await?;
            Ok(id.map(ChannelId))
        })
        .await
    }

    async fn create_group(&mut self, group: NewGroup<'_>) -> ApiResult<ChannelId> {
        bounded(async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO channels (ctype, name, topic, private, creator_id, created_at)
                 VALUES ('GROUP', $1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(group.name)
            .bind(group.topic)
            .bind(group.private)
            .bind(group.creator.get())
            .bind(now_millis())
            .fetch_one(self.conn()?)
            .await?;
            Ok(ChannelId(id))
        })
        .await
    }

    async fn create_direct(&mut self, a: MemberId, b: MemberId) -> ApiResult<ChannelId> {
        bounded(async move {
            let key = direct_key(a, b);
            create_channel(self.conn()?, ChannelKind::Direct, "", Some(&key)).await
        })
        .await
    }

    async fn insert_event(&mut self, event: NewEvent<'_>) -> ApiResult<EventRow> {
        bounded(async move {
            let now = now_millis();
            // The next id after the head this transaction holds.
            let seq = self.head + 1;
            sqlx::query(
                "INSERT INTO events (seq, channel_id, event_type, member_id, message, client_key,
                                     created_at, target_seq, emoji, tally, mentions, level,
                                     thread_seq, actor_id)
                 VALUES ($10, $1, $2, $3, $4, $5, $6, $7, $8, $9, $11, $12, $13, $14)",
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
            .bind(seq)
            .bind(stored_mentions(event.mentions))
            .bind(event.level.map(NotificationLevel::as_str))
            .bind(event.thread.map(EventId::get))
            .bind(event.actor.map(|a| a.id.get()))
            .execute(self.conn()?)
            .await?;
            self.head = seq;
            Ok(event.inserted(EventId(seq), now))
        })
        .await
    }

    async fn set_edited(
        &mut self,
        message: EventId,
        edit: EventId,
        mentions: &[MemberId],
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query("UPDATE events SET edited_seq = $2, mentions = $3 WHERE seq = $1")
                .bind(message.get())
                .bind(edit.get())
                .bind(stored_mentions(mentions))
                .execute(self.conn()?)
                .await?;
            Ok(())
        })
        .await
    }

    async fn members_by_keys(
        &mut self,
        channel: ChannelId,
        keys: &[String],
    ) -> ApiResult<Vec<MemberId>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        bounded(async move {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT m.id FROM memberships ms JOIN members m ON m.id = ms.member_id
                 WHERE ms.channel_id = $1 AND ms.left_seq IS NULL AND m.name_key = ANY($2)
                 ORDER BY m.id",
            )
            .bind(channel.get())
            .bind(keys)
            .fetch_all(self.conn()?)
            .await?;
            Ok(ids.into_iter().map(MemberId).collect())
        })
        .await
    }

    async fn notify_level(
        &mut self,
        member: MemberId,
        channel: ChannelId,
    ) -> ApiResult<NotificationLevel> {
        bounded(async move {
            let level: Option<String> = sqlx::query_scalar(
                "SELECT notify_level FROM memberships
                 WHERE member_id = $1 AND channel_id = $2 AND left_seq IS NULL",
            )
            .bind(member.get())
            .bind(channel.get())
            .fetch_optional(self.conn()?)
            .await?;
            stored_level(level)
        })
        .await
    }

    async fn set_notify_level(
        &mut self,
        member: MemberId,
        channel: ChannelId,
        level: NotificationLevel,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "UPDATE memberships SET notify_level = $3
                 WHERE member_id = $1 AND channel_id = $2 AND left_seq IS NULL",
            )
            .bind(member.get())
            .bind(channel.get())
            .bind(level.as_str())
            .execute(self.conn()?)
            .await?;
            Ok(())
        })
        .await
    }

    async fn delete_message(&mut self, message: EventId, deletion: EventId) -> ApiResult<()> {
        bounded(async move {
            let conn = self.conn()?;
            sqlx::query(
                "UPDATE events SET message = '', attachments = NULL, deleted_seq = $2 WHERE seq = $1",
            )
            .bind(message.get())
            .bind(deletion.get())
            .execute(&mut *conn)
            .await?;
            // Their bytes go with them (ON DELETE CASCADE).
            sqlx::query("DELETE FROM attachments WHERE message_seq = $1")
                .bind(message.get())
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE events SET message = '' WHERE target_seq = $1 AND event_type = 'EDIT'",
            )
            .bind(message.get())
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM reactions WHERE message_seq = $1")
                .bind(message.get())
                .execute(&mut *conn)
                .await?;
            Ok(())
        })
        .await
    }

    async fn has_reaction(
        &mut self,
        message: EventId,
        member: MemberId,
        emoji: &str,
    ) -> ApiResult<bool> {
        bounded(async move {
            Ok(sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM reactions
                   WHERE message_seq = $1 AND emoji = $2 AND member_id = $3)",
            )
            .bind(message.get())
            .bind(emoji)
            .bind(member.get())
            .fetch_one(self.conn()?)
            .await?)
        })
        .await
    }

    async fn reactions_by(&mut self, message: EventId, member: MemberId) -> ApiResult<i64> {
        bounded(async move {
            Ok(sqlx::query_scalar(
                "SELECT count(*) FROM reactions WHERE message_seq = $1 AND member_id = $2",
            )
            .bind(message.get())
            .bind(member.get())
            .fetch_one(self.conn()?)
            .await?)
        })
        .await
    }

    async fn emoji_counts(&mut self, message: EventId, emoji: &str) -> ApiResult<(i64, i64)> {
        bounded(async move {
            Ok(sqlx::query_as(
                "SELECT count(DISTINCT emoji), count(*) FILTER (WHERE emoji = $2)
                 FROM reactions WHERE message_seq = $1",
            )
            .bind(message.get())
            .bind(emoji)
            .fetch_one(self.conn()?)
            .await?)
        })
        .await
    }

    async fn add_reaction(
        &mut self,
        channel: ChannelId,
        message: EventId,
        member: MemberId,
        emoji: &str,
        seq: EventId,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "INSERT INTO reactions (message_seq, emoji, member_id, channel_id, seq)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(message.get())
            .bind(emoji)
            .bind(member.get())
            .bind(channel.get())
            .bind(seq.get())
            .execute(self.conn()?)
            .await?;
            Ok(())
        })
        .await
    }

    async fn remove_reaction(
        &mut self,
        message: EventId,
        member: MemberId,
        emoji: &str,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "DELETE FROM reactions WHERE message_seq = $1 AND emoji = $2 AND member_id = $3",
            )
            .bind(message.get())
            .bind(emoji)
            .bind(member.get())
            .execute(self.conn()?)
            .await?;
            Ok(())
        })
        .await
    }

    async fn read_marker(&mut self, member: MemberId, channel: ChannelId) -> ApiResult<i64> {
        bounded(async move {
            let marker: Option<i64> = sqlx::query_scalar(
                "SELECT last_read_seq FROM memberships
                 WHERE member_id = $1 AND channel_id = $2 AND left_seq IS NULL",
            )
            .bind(member.get())
            .bind(channel.get())
            .fetch_optional(self.conn()?)
            .await?;
            Ok(marker.unwrap_or(0))
        })
        .await
    }

    async fn newest_content(&mut self, channel: ChannelId) -> ApiResult<i64> {
        bounded(async move {
            let newest: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT max(seq) FROM events WHERE channel_id = $1 AND {CONTENT}"
            ))
            .bind(channel.get())
            .fetch_one(self.conn()?)
            .await?;
            Ok(newest.unwrap_or(0))
        })
        .await
    }

    async fn set_read_marker(
        &mut self,
        member: MemberId,
        channel: ChannelId,
        up_to: i64,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "UPDATE memberships SET last_read_seq = $3
                 WHERE member_id = $1 AND channel_id = $2 AND left_seq IS NULL",
            )
            .bind(member.get())
            .bind(channel.get())
            .bind(up_to)
            .execute(self.conn()?)
            .await?;
            Ok(())
        })
        .await
    }

    async fn unread(&mut self, member: MemberId, channel: ChannelId) -> ApiResult<i64> {
        bounded(async move {
            let unread: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT {UNREAD} FROM memberships ms
                 WHERE ms.member_id = $1 AND ms.channel_id = $2 AND ms.left_seq IS NULL"
            ))
            .bind(member.get())
            .bind(channel.get())
            .fetch_optional(self.conn()?)
            .await?;
            Ok(unread.unwrap_or(0))
        })
        .await
    }

    async fn insert_membership(
        &mut self,
        channel: ChannelId,
        member: MemberId,
        joined: EventId,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "INSERT INTO memberships (channel_id, member_id, joined_seq, last_read_seq)
                 VALUES ($1, $2, $3, $3)",
            )
            .bind(channel.get())
            .bind(member.get())
            .bind(joined.get())
            .execute(self.conn()?)
            .await?;
            Ok(())
        })
        .await
    }

    async fn end_membership(
        &mut self,
        channel: ChannelId,
        member: MemberId,
        left: EventId,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "UPDATE memberships SET left_seq = $3
                 WHERE channel_id = $1 AND member_id = $2 AND left_seq IS NULL",
            )
            .bind(channel.get())
            .bind(member.get())
            .bind(left.get())
            .execute(self.conn()?)
            .await?;
            Ok(())
        })
        .await
    }
}

/// `channels.direct_key`: the two member ids, lower first, as on SQLite.
fn direct_key(a: MemberId, b: MemberId) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

/// Whether the member is in the channel now (also for the store's reads).
pub(super) async fn is_member(
    conn: &mut PgConnection,
    member: MemberId,
    channel: ChannelId,
) -> ApiResult<bool> {
    let found: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships
           WHERE member_id = $1 AND channel_id = $2 AND left_seq IS NULL)",
    )
    .bind(member.get())
    .bind(channel.get())
    .fetch_one(conn)
    .await?;
    Ok(found)
}

/// A channel's kind, failing on one this server does not know (also for
/// the store's reads).
pub(super) async fn channel_access(
    conn: &mut PgConnection,
    channel: ChannelId,
) -> ApiResult<Option<ChannelAccess>> {
    let found: Option<rows::AccessRecord> = sqlx::query_as(&format!(
        "SELECT {} FROM channels WHERE id = $1",
        rows::ACCESS_COLS
    ))
    .bind(channel.get())
    .fetch_optional(conn)
    .await?;
    found.map(ChannelAccess::try_from).transpose()
}

/// One event as it is now (also for the store's reads).
pub(super) async fn event(conn: &mut PgConnection, id: EventId) -> ApiResult<Option<EventRow>> {
    let found: Option<EventRecord> =
        sqlx::query_as(&format!("{} WHERE e.seq = $1", rows::event_select()))
            .bind(id.get())
            .fetch_optional(conn)
            .await?;
    found.map(EventRow::try_from).transpose()
}

/// A member by id (also for the store's reads).
pub(super) async fn member(conn: &mut PgConnection, id: MemberId) -> ApiResult<Option<MemberRow>> {
    let found: Option<MemberRecord> =
        sqlx::query_as(&format!("SELECT {MEMBER_COLS} FROM members WHERE id = $1"))
            .bind(id.get())
            .fetch_optional(conn)
            .await?;
    Ok(found.map(MemberRow::from))
}

async fn create_channel(
    conn: &mut PgConnection,
    kind: ChannelKind,
    name: &str,
    direct_key: Option<&str>,
) -> ApiResult<ChannelId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO channels (ctype, name, direct_key, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id",
    )
    .bind(kind.as_str())
    .bind(name)
    .bind(direct_key)
    .bind(now_millis())
    .fetch_one(conn)
    .await?;
    Ok(ChannelId(id))
}
