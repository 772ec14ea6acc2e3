//! The PostgreSQL store's reads (members by name, channels as a member
//! sees them, history, reactions, replay, the fan-out's starting snapshot,
//! events after a position) and its single-statement write beside them
//! (blocks): the SQLite store's queries, in PostgreSQL's SQL.

use sqlx::{postgres::PgArguments, query::QueryAs, PgPool, Postgres};
use suda_protocol::{ChannelId, MemberId};

use super::{
    now_millis,
    rows::{
        self, ChannelRecord, EventRecord, MemberRecord, ReactionRecord, WithHash, CHANNEL_SELECT,
        EVENT_COLS, EVENT_JOINS, MEMBER_COLS,
    },
    whole,
    writes::{could_be_stored_name, discard_after_error},
};
use crate::{
    error::ApiResult,
    name,
    store::{ChannelRow, EventRow, MemberRow, Messages, ReactionRow},
};

/// See [`Store::member_with_hash`].
pub(super) async fn member_with_hash(
    pool: &PgPool,
    name: &str,
) -> ApiResult<Option<(MemberRow, String)>> {
    if !could_be_stored_name(name) {
        return Ok(None);
    }
    let found: Option<WithHash> = sqlx::query_as(&format!(
        "SELECT {MEMBER_COLS}, password_hash FROM members WHERE name_key = $1"
    ))
    .bind(name::key(name))
    .fetch_optional(pool)
    .await?;
    Ok(found.map(Into::into))
}

/// See [`Store::member_by_name`].
pub(super) async fn member_by_name(pool: &PgPool, name: &str) -> ApiResult<Option<MemberRow>> {
    if !could_be_stored_name(name) {
        return Ok(None);
    }
    let found: Option<MemberRecord> = sqlx::query_as(&format!(
        "SELECT {MEMBER_COLS} FROM members WHERE name_key = $1"
    ))
    .bind(name::key(name))
    .fetch_optional(pool)
    .await?;
    Ok(found.map(MemberRow::from))
}

/// See [`Store::channels_of`].
pub(super) async fn channels_of(pool: &PgPool, member: MemberId) -> ApiResult<Vec<ChannelRow>> {
    let found: Vec<ChannelRecord> = sqlx::query_as(&format!(
        "SELECT * FROM ({CHANNEL_SELECT} WHERE ms.member_id IS NOT NULL) v
         ORDER BY COALESCE(v.last_event, 0) DESC, v.id DESC"
    ))
    .bind(member.get())
    .fetch_all(pool)
    .await?;
    rows::all(found)
}

/// See [`Store::channel_members`].
pub(super) async fn channel_members(
    pool: &PgPool,
    channel: ChannelId,
) -> ApiResult<Vec<MemberRow>> {
    // In SQLite's order (`COLLATE NOCASE`, see `rows::NOCASE`).
    let found: Vec<MemberRecord> = sqlx::query_as(&format!(
        "SELECT m.id, m.name, m.profile_image, m.created_at
         FROM memberships ms JOIN members m ON m.id = ms.member_id
         WHERE ms.channel_id = $1 AND ms.left_seq IS NULL
         ORDER BY {}, m.id",
        rows::nocase("m.name")
    ))
    .bind(channel.get())
    .fetch_all(pool)
    .await?;
    Ok(found.into_iter().map(MemberRow::from).collect())
}

/// See [`Store::head`].
pub(super) async fn head(pool: &PgPool) -> ApiResult<i64> {
    // Committed numbers only: a batch holding the row has not changed
    // it for anyone else until it commits.
    Ok(sqlx::query_scalar("SELECT seq FROM ledger_head")
        .fetch_one(pool)
        .await?)
}

/// See [`Store::replay`].
pub(super) async fn replay(
    pool: &PgPool,
    member: MemberId,
    after: i64,
    limit: u32,
) -> ApiResult<Vec<EventRow>> {
    let found: Vec<EventRecord> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLS}
         FROM memberships ms
         JOIN events e ON e.channel_id = ms.channel_id
            AND e.seq > $2 AND e.seq >= ms.joined_seq
            AND (ms.left_seq IS NULL OR e.seq <= ms.left_seq)
            AND (e.event_type != 'READ' OR e.member_id = ms.member_id)
         JOIN members m ON m.id = e.member_id
         {EVENT_JOINS}
         WHERE ms.member_id = $1 AND (ms.left_seq IS NULL OR ms.left_seq > $2)
         ORDER BY e.seq LIMIT $3"
    ))
    .bind(member.get())
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    super::threads::with_followers(pool, rows::all(found)?, Some(member)).await
}

/// See [`Store::set_blocked`].
pub(super) async fn set_blocked(
    pool: &PgPool,
    member: MemberId,
    whom: MemberId,
    blocked: bool,
) -> ApiResult<()> {
    if blocked {
        sqlx::query(
            "INSERT INTO blocks (member_id, blocked_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(member.get())
        .bind(whom.get())
        .bind(now_millis())
        .execute(pool)
        .await?;
    } else {
        sqlx::query("DELETE FROM blocks WHERE member_id = $1 AND blocked_id = $2")
            .bind(member.get())
            .bind(whom.get())
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// See [`Store::blocked_by`].
pub(super) async fn blocked_by(pool: &PgPool, member: MemberId) -> ApiResult<Vec<MemberRow>> {
    let found: Vec<MemberRecord> = sqlx::query_as(&format!(
        "SELECT m.id, m.name, m.profile_image, m.created_at
         FROM blocks b JOIN members m ON m.id = b.blocked_id
         WHERE b.member_id = $1 ORDER BY {}, m.id",
        rows::nocase("m.name")
    ))
    .bind(member.get())
    .fetch_all(pool)
    .await?;
    Ok(found.into_iter().map(MemberRow::from).collect())
}

/// See [`Store::missed`].
pub(super) async fn missed(
    pool: &PgPool,
    member: MemberId,
    after: i64,
    cap: u32,
) -> ApiResult<u32> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (
           SELECT 1 FROM memberships ms
           JOIN events e ON e.channel_id = ms.channel_id
              AND e.seq > $2 AND e.seq >= ms.joined_seq
              AND (ms.left_seq IS NULL OR e.seq <= ms.left_seq)
              AND (e.event_type != 'READ' OR e.member_id = ms.member_id)
           WHERE ms.member_id = $1 AND (ms.left_seq IS NULL OR ms.left_seq > $2)
           LIMIT $3) AS missed",
    )
    .bind(member.get())
    .bind(after)
    .bind(i64::from(cap))
    .fetch_one(pool)
    .await?;
    Ok(u32::try_from(n).unwrap_or(cap))
}

/// See [`Store::memberships`].
pub(super) async fn memberships(pool: &PgPool) -> ApiResult<(i64, Vec<(ChannelId, MemberId)>)> {
    // One snapshot: the head and the memberships of one moment. On a
    // task of its own, so the connection never goes back to the pool
    // inside the transaction.
    let pool = pool.clone();
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
}

/// See [`Store::events_after`].
pub(super) async fn events_after(
    pool: &PgPool,
    after: i64,
    limit: u32,
) -> ApiResult<Vec<EventRow>> {
    let found: Vec<EventRecord> = sqlx::query_as(&format!(
        "{} WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
        rows::event_select()
    ))
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    super::threads::with_followers(pool, rows::all(found)?, None).await
}

/// See [`Store::channel_seen_by`].
pub(super) async fn channel_seen_by(
    pool: &PgPool,
    viewer: MemberId,
    channel: ChannelId,
) -> ApiResult<Option<ChannelRow>> {
    let found: Option<ChannelRecord> = sqlx::query_as(&format!("{CHANNEL_SELECT} WHERE c.id = $2"))
        .bind(viewer.get())
        .bind(channel.get())
        .fetch_optional(pool)
        .await?;
    found.map(ChannelRow::try_from).transpose()
}

/// The directory's page (see [`crate::store::Store::directory`]): chosen
/// from the groups' own columns, then only its rows counted and decorated.
pub(super) async fn directory(
    pool: &PgPool,
    viewer: MemberId,
    query: &str,
    limit: u32,
    offset: u32,
) -> ApiResult<Vec<ChannelRow>> {
    let (name, topic, by_name) = (
        rows::nocase("name"),
        rows::nocase("topic"),
        rows::nocase("c.name"),
    );
    let found: Vec<ChannelRecord> = sqlx::query_as(&format!(
        "{CHANNEL_SELECT} WHERE c.id IN (
           SELECT id FROM channels
            WHERE ctype = 'GROUP' AND NOT private AND archived_at IS NULL
              AND ($2 = '' OR strpos({name}, $2) > 0 OR strpos({topic}, $2) > 0)
            ORDER BY {name}, id LIMIT $3 OFFSET $4)
         ORDER BY {by_name}, c.id"
    ))
    .bind(viewer.get())
    .bind(query.to_ascii_lowercase())
    .bind(i64::from(limit))
    .bind(i64::from(offset))
    .fetch_all(pool)
    .await?;
    rows::all(found)
}

/// The condition keeping rows to `messages`, on the columns `channel` and
/// `seq`, its values bound from `$first` on by [`bind_messages`].
pub(super) fn messages_filter(
    messages: Messages<'_>,
    channel: &str,
    seq: &str,
    first: usize,
) -> String {
    let (a, b, c) = (first, first + 1, first + 2);
    match messages {
        Messages::Between { .. } => format!("{channel} = ${a} AND {seq} BETWEEN ${b} AND ${c}"),
        Messages::Listed(_) => format!("{seq} = ANY(${a})"),
    }
}

/// Binds the values [`messages_filter`] names.
pub(super) fn bind_messages<'q, O>(
    query: QueryAs<'q, Postgres, O, PgArguments>,
    messages: Messages<'_>,
) -> QueryAs<'q, Postgres, O, PgArguments> {
    match messages {
        Messages::Between { channel, from, to } => {
            query.bind(channel.get()).bind(from.get()).bind(to.get())
        }
        Messages::Listed(ids) => query.bind(ids.iter().map(|id| id.get()).collect::<Vec<_>>()),
    }
}

/// See [`Store::reactions`].
pub(super) async fn reactions(
    pool: &PgPool,
    viewer: MemberId,
    messages: Messages<'_>,
) -> ApiResult<Vec<ReactionRow>> {
    let filter = messages_filter(messages, "r.channel_id", "r.message_seq", 3);
    let sql = format!(
        "SELECT message_seq, emoji, n, mine, id, name, profile_image, created_at FROM (
           SELECT r.message_seq, r.emoji, r.seq,
             count(*) OVER w AS n, bool_or(r.member_id = $1) OVER w AS mine,
             min(r.seq) OVER w AS first,
             row_number() OVER (PARTITION BY r.message_seq, r.emoji ORDER BY r.seq) AS rn,
             m.id, m.name, m.profile_image, m.created_at
           FROM reactions r JOIN members m ON m.id = r.member_id
           WHERE {filter}
           WINDOW w AS (PARTITION BY r.message_seq, r.emoji)) AS listed
         WHERE rn <= $2 ORDER BY message_seq, n DESC, first, rn"
    );
    let query = sqlx::query_as::<_, ReactionRecord>(&sql)
        .bind(viewer.get())
        .bind(suda_protocol::MAX_REACTION_MEMBERS_LISTED as i64);
    let found = bind_messages(query, messages).fetch_all(pool).await?;
    Ok(rows::reactions(found))
}
