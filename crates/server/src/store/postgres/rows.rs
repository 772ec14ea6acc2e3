//! The PostgreSQL store's SQL for rows; the rows themselves and how they
//! are decoded (failing closed) are `store::records`, shared with SQLite.

pub(super) use crate::store::records::*;

/// Member $1's unread count in the channel of their membership `ms`, as
/// SQLite's `unread!`.
macro_rules! unread {
    () => {
        "(
  (SELECT count(*) FROM events e WHERE e.channel_id = ms.channel_id AND e.seq > ms.last_read_seq
     AND e.event_type = 'CHAT' AND e.thread_seq IS NULL AND e.member_id != $1
     AND e.deleted_seq IS NULL)
  + (SELECT count(*) FROM thread_members t JOIN events e ON e.thread_seq = t.root_seq
       AND e.seq > t.read_up_to AND e.seq >= t.since_seq AND e.seq > ms.joined_seq
     WHERE t.member_id = $1 AND t.channel_id = ms.channel_id
       AND e.event_type = 'CHAT' AND e.member_id != $1 AND e.deleted_seq IS NULL))"
    };
}

/// Of what `unread!` counts, the messages that mention member $1.
macro_rules! mentioned {
    () => {
        "(
  (SELECT count(*) FROM events e WHERE e.channel_id = ms.channel_id AND e.seq > ms.last_read_seq
     AND e.event_type = 'CHAT' AND e.thread_seq IS NULL AND e.member_id != $1
     AND e.deleted_seq IS NULL AND e.mentions IS NOT NULL
     AND strpos(',' || e.mentions || ',', ',' || $1::text || ',') > 0)
  + (SELECT count(*) FROM thread_members t JOIN events e ON e.thread_seq = t.root_seq
       AND e.seq > t.read_up_to AND e.seq >= t.since_seq AND e.seq > ms.joined_seq
     WHERE t.member_id = $1 AND t.channel_id = ms.channel_id
       AND e.event_type = 'CHAT' AND e.member_id != $1 AND e.deleted_seq IS NULL
       AND e.mentions IS NOT NULL AND strpos(',' || e.mentions || ',', ',' || $1::text || ',') > 0))"
    };
}

/// See `unread!`.
pub(super) const UNREAD: &str = unread!();

/// A channel as member $1 sees it (whether or not they may); callers add
/// WHERE (and wrap it to ORDER BY its columns). Decodes as
/// [`ChannelRecord`]. The same query as SQLite's.
pub(super) const CHANNEL_SELECT: &str = concat!("
SELECT c.id, c.ctype, c.created_at,
  CASE WHEN c.ctype = 'DIRECT' THEN COALESCE(
      (SELECT m2.name FROM memberships o JOIN members m2 ON m2.id = o.member_id
        WHERE o.channel_id = c.id AND o.member_id != $1 ORDER BY o.joined_seq LIMIT 1),
      c.name)
    ELSE c.name END AS name,
  CASE WHEN ms.member_id IS NULL THEN 0 ELSE ", unread!(), " END AS unread,
  CASE WHEN ms.member_id IS NULL THEN 0 ELSE ", mentioned!(), " END AS mentions,
  ms.notify_level,
  COALESCE(ms.last_read_seq, 0) AS last_read,
  (SELECT max(seq) FROM events e WHERE e.channel_id = c.id
     AND event_type IN ('CHAT', 'JOIN', 'LEAVE')) AS last_event,
  (SELECT count(*) FROM memberships x WHERE x.channel_id = c.id AND x.left_seq IS NULL) AS member_count,
  ms.member_id IS NOT NULL AS is_member,
  CASE WHEN c.ctype = 'GROUP' THEN c.topic ELSE '' END AS topic,
  c.private, c.archived_at IS NOT NULL AS archived, c.creator_id
FROM channels c
LEFT JOIN memberships ms ON ms.channel_id = c.id AND ms.member_id = $1 AND ms.left_seq IS NULL
");

/// `column` as SQLite's `COLLATE NOCASE` orders it, so names list in the
/// same order on both stores: ASCII letters folded to lower case (and
/// nothing else: NOCASE knows only ASCII), then compared byte by byte,
/// which for UTF-8 is code point order. PostgreSQL's `lower()` under the
/// database's collation would fold and order other letters too.
pub(super) fn nocase(column: &str) -> String {
    format!(
        "translate({column}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') COLLATE \"C\""
    )
}
