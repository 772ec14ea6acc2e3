//! The PostgreSQL store's threads (the SQLite store's queries in
//! PostgreSQL's SQL): history pages by scope, thread summaries,
//! followers, and the thread primitives of its write transaction.

use async_trait::async_trait;
use sqlx::{PgConnection, PgPool};
use suda_protocol::{ChannelId, EventId, MemberId};

use super::{
    bounded,
    reads::{bind_messages, messages_filter},
    rows::{self, EventRecord, ThreadRecord, CONTENT},
    tx::PgTx,
    PgStore,
};
use crate::{
    error::ApiResult,
    store::{
        EventKind, EventPage, EventRow, Messages, PageAt, Scope, ThreadRow, ThreadStore, ThreadTx,
    },
};

/// The condition on events `e` that keeps a page to `scope` (its root, if
/// any, bound as `$4`).
fn scope_filter(scope: Scope) -> &'static str {
    match scope {
        Scope::Everything => "",
        Scope::Channel => " AND e.thread_seq IS NULL",
        Scope::Thread(_) => " AND e.thread_seq = $4",
    }
}

async fn page_rows(
    pool: &PgPool,
    sql: &str,
    channel: ChannelId,
    from: i64,
    limit: i64,
    scope: Scope,
) -> ApiResult<Vec<EventRow>> {
    let mut query = sqlx::query_as::<_, EventRecord>(sql)
        .bind(channel.get())
        .bind(from)
        .bind(limit);
    if let Scope::Thread(root) = scope {
        query = query.bind(root.get());
    }
    rows::all(query.fetch_all(pool).await?)
}

#[async_trait]
impl ThreadStore for PgStore {
    async fn page_of(
        &self,
        channel: ChannelId,
        scope: Scope,
        at: PageAt,
        limit: u32,
    ) -> ApiResult<EventPage> {
        bounded(async move {
            let select = rows::event_select();
            let only = scope_filter(scope);
            let (newer, before) = match at {
                PageAt::Before(before) => (Vec::new(), before.map_or(i64::MAX, EventId::get)),
                PageAt::Around(around) => {
                    // Up to half the page newer than it (oldest first, so the
                    // nearest), then it and older ones fill the rest.
                    let sql = format!(
                        "{select} WHERE e.channel_id = $1 AND e.seq > $2 AND e.{CONTENT}{only}
                         ORDER BY e.seq LIMIT $3"
                    );
                    let half = i64::from((limit - 1) / 2);
                    let mut newer =
                        page_rows(&self.pool, &sql, channel, around.get(), half, scope).await?;
                    newer.reverse();
                    (newer, around.get() + 1)
                }
            };
            let room = limit as usize - newer.len();
            let sql = format!(
                "{select} WHERE e.channel_id = $1 AND e.seq < $2 AND e.{CONTENT}{only}
                 ORDER BY e.seq DESC LIMIT $3"
            );
            let older =
                page_rows(&self.pool, &sql, channel, before, room as i64 + 1, scope).await?;
            Ok(crate::store::page(newer, older, room))
        })
        .await
    }

    async fn threads(&self, viewer: MemberId, messages: Messages<'_>) -> ApiResult<Vec<ThreadRow>> {
        bounded(async move {
            let filter = messages_filter(messages, "t.channel_id", "t.root_seq", 2);
            let sql = format!(
                "SELECT t.root_seq, t.replies, t.last_reply_at, tm.member_id IS NOT NULL AS following,
                   CASE WHEN tm.member_id IS NULL THEN 0 ELSE
                     (SELECT count(*) FROM events r WHERE r.thread_seq = t.root_seq
                        AND r.seq > tm.read_up_to AND r.seq >= tm.since_seq AND r.event_type = 'CHAT'
                        AND r.member_id != $1 AND r.deleted_seq IS NULL) END AS unread
                 FROM threads t
                 LEFT JOIN thread_members tm ON tm.root_seq = t.root_seq AND tm.member_id = $1
                 WHERE {filter}
                 ORDER BY t.root_seq"
            );
            let query = sqlx::query_as::<_, ThreadRecord>(&sql).bind(viewer.get());
            let found = bind_messages(query, messages).fetch_all(&self.pool).await?;
            Ok(found.into_iter().map(ThreadRow::from).collect())
        })
        .await
    }
}

/// Fills in the followers of each reply in a thread among `events`: all
/// of them as of the reply, or with `viewer` only whether they were one.
pub(super) async fn with_followers(
    pool: &PgPool,
    mut events: Vec<EventRow>,
    viewer: Option<MemberId>,
) -> ApiResult<Vec<EventRow>> {
    for event in &mut events {
        let Some(root) = event.thread_root.filter(|_| event.kind == EventKind::Chat) else {
            continue;
        };
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT member_id FROM thread_members
             WHERE root_seq = $1 AND since_seq <= $2 AND ($3::bigint IS NULL OR member_id = $3)
             ORDER BY member_id",
        )
        .bind(root.get())
        .bind(event.id.get())
        .bind(viewer.map(MemberId::get))
        .fetch_all(pool)
        .await?;
        event.followers = ids.into_iter().map(MemberId).collect();
    }
    Ok(events)
}

#[async_trait]
impl ThreadTx for PgTx {
    async fn add_reply(&mut self, channel: ChannelId, root: EventId, at: i64) -> ApiResult<i64> {
        bounded(async move {
            Ok(sqlx::query_scalar(
                "INSERT INTO threads (root_seq, channel_id, replies, last_reply_at) VALUES ($1, $2, 1, $3)
                 ON CONFLICT (root_seq) DO UPDATE
                   SET replies = threads.replies + 1, last_reply_at = excluded.last_reply_at
                 RETURNING replies",
            )
            .bind(root.get())
            .bind(channel.get())
            .bind(at)
            .fetch_one(self.conn()?)
            .await?)
        })
        .await
    }

    async fn remove_reply(&mut self, root: EventId) -> ApiResult<i64> {
        bounded(async move {
            let left: Option<i64> = sqlx::query_scalar(
                "UPDATE threads SET replies = GREATEST(replies - 1, 0) WHERE root_seq = $1 RETURNING replies",
            )
            .bind(root.get())
            .fetch_optional(self.conn()?)
            .await?;
            Ok(left.unwrap_or(0))
        })
        .await
    }

    async fn follow(
        &mut self,
        channel: ChannelId,
        root: EventId,
        member: MemberId,
        since: EventId,
        read_up_to: i64,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "INSERT INTO thread_members (root_seq, member_id, channel_id, since_seq, read_up_to)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (root_seq, member_id) DO UPDATE
                   SET read_up_to = GREATEST(thread_members.read_up_to, excluded.read_up_to)",
            )
            .bind(root.get())
            .bind(member.get())
            .bind(channel.get())
            .bind(since.get())
            .bind(read_up_to)
            .execute(self.conn()?)
            .await?;
            Ok(())
        })
        .await
    }

    async fn followers(&mut self, root: EventId) -> ApiResult<Vec<MemberId>> {
        bounded(async move { followers(self.conn()?, root).await }).await
    }

    async fn thread_marker(&mut self, member: MemberId, root: EventId) -> ApiResult<Option<i64>> {
        bounded(async move {
            Ok(sqlx::query_scalar(
                "SELECT read_up_to FROM thread_members WHERE root_seq = $1 AND member_id = $2",
            )
            .bind(root.get())
            .bind(member.get())
            .fetch_optional(self.conn()?)
            .await?)
        })
        .await
    }

    async fn set_thread_marker(
        &mut self,
        member: MemberId,
        root: EventId,
        up_to: i64,
    ) -> ApiResult<()> {
        bounded(async move {
            sqlx::query(
                "UPDATE thread_members SET read_up_to = $3 WHERE root_seq = $1 AND member_id = $2",
            )
            .bind(root.get())
            .bind(member.get())
            .bind(up_to)
            .execute(self.conn()?)
            .await?;
            Ok(())
        })
        .await
    }

    async fn newest_reply(&mut self, root: EventId) -> ApiResult<i64> {
        bounded(async move {
            let newest: Option<i64> = sqlx::query_scalar(
                "SELECT max(seq) FROM events WHERE thread_seq = $1 AND event_type = 'CHAT'",
            )
            .bind(root.get())
            .fetch_one(self.conn()?)
            .await?;
            Ok(newest.unwrap_or(0))
        })
        .await
    }
}

async fn followers(conn: &mut PgConnection, root: EventId) -> ApiResult<Vec<MemberId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT member_id FROM thread_members WHERE root_seq = $1 ORDER BY member_id",
    )
    .bind(root.get())
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(MemberId).collect())
}
