//! The SQLite store's SQL for rows; the rows themselves and how they are
//! decoded (failing closed) are `store::records`, shared with PostgreSQL.

pub(super) use crate::store::records::*;

/// A channel as member ?1 sees it (whether or not they may); callers add
/// WHERE and ORDER BY. Decodes as [`ChannelRecord`].
pub(super) const CHANNEL_SELECT: &str = "
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

#[cfg(test)]
mod tests {
    use suda_protocol::{ChannelId, MemberId};

    use crate::{
        error::ApiError,
        rules::{self, Command},
        store::{sqlite::SqliteStore, ChannelKind, Store},
    };

    /// A store on a file (a failed batch closes its connection, which would
    /// take an in-memory database with it), with a member `a` in a group.
    async fn store_with_group(dir: &tempfile::TempDir) -> (SqliteStore, MemberId, ChannelId) {
        let url = format!("sqlite:{}", dir.path().join("suda.db").display());
        let s = SqliteStore::open(&url).await.unwrap();
        let a = s.create_member("a", "h", None).await.unwrap().id;
        let created = rules::apply_batch(
            &s,
            &[Command::CreateGroup {
                creator: a,
                name: "g".into(),
                members: vec![],
            }],
        )
        .await
        .unwrap();
        (s, a, created[0].as_ref().unwrap().channel)
    }

    /// Runs `sql` as a newer (or broken) server might have written it: past
    /// the schema's CHECK constraints.
    async fn write_raw(s: &SqliteStore, sql: &str) {
        let mut conn = s.pool().acquire().await.unwrap();
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
        sqlx::query("PRAGMA ignore_check_constraints = OFF")
            .execute(&mut *conn)
            .await
            .unwrap();
    }

    fn is_internal<T: std::fmt::Debug>(what: &str, result: Result<T, ApiError>) {
        match result {
            Err(ApiError::Internal(e)) => assert!(e.contains("not one this server knows"), "{e}"),
            other => panic!("{what}: {other:?}, not an internal error"),
        }
    }

    #[test]
    fn kinds_parse_only_from_what_is_stored() {
        for kind in [ChannelKind::Direct, ChannelKind::Group] {
            assert_eq!(super::channel_kind(kind.as_str()).unwrap(), kind);
        }
        for stored in ["", "group", "Group", "BROADCAST", " GROUP"] {
            is_internal(stored, super::channel_kind(stored));
        }
    }

    #[tokio::test]
    async fn a_channel_of_an_unknown_kind_is_an_error_never_a_group() {
        let dir = tempfile::tempdir().unwrap();
        let (s, a, g) = store_with_group(&dir).await;
        write_raw(
            &s,
            &format!("UPDATE channels SET ctype = 'BROADCAST' WHERE id = {g}"),
        )
        .await;
        let b = s.create_member("b", "h", None).await.unwrap().id;
        is_internal("kind", s.channel_kind(g).await);
        is_internal("seen by a", s.channel_seen_by(a, g).await);
        is_internal("a's channels", s.channels_of(a).await);
        // Neither FORBIDDEN (a group) nor a view: the read fails.
        is_internal("b reads", rules::require_member(&s, b, g).await);
        is_internal("b's view", rules::channel_view(&s, b, g).await);
        // A command on it fails its whole batch, which keeps nothing.
        let head = s.head().await.unwrap();
        let batch = [
            Command::Join {
                channel: g,
                member: b,
            },
            Command::Send {
                channel: g,
                sender: a,
                text: "hi".into(),
                client_key: None,
            },
        ];
        is_internal("the batch", rules::apply_batch(&s, &batch).await);
        assert_eq!(s.head().await.unwrap(), head, "nothing was written");
        assert!(!s.is_member(b, g).await.unwrap());
    }

    #[tokio::test]
    async fn an_event_of_an_unknown_type_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (s, a, g) = store_with_group(&dir).await;
        write_raw(
            &s,
            &format!(
                "INSERT INTO events (channel_id, event_type, member_id, message, client_key, created_at)
                 VALUES ({g}, 'EDIT', {a}, 'x', 'k1', 0)"
            ),
        )
        .await;
        is_internal("history", s.events_page(g, None, 10).await);
        is_internal("replay", s.replay(a, 0, 10).await);
        // Looking the key up for a retry reads it too.
        let retry = Command::Send {
            channel: g,
            sender: a,
            text: "x".into(),
            client_key: Some("k1".into()),
        };
        is_internal("a retry", rules::apply_batch(&s, &[retry]).await);
    }

    #[tokio::test]
    async fn a_column_of_the_wrong_type_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let (s, a, g) = store_with_group(&dir).await;
        write_raw(
            &s,
            &format!("UPDATE members SET created_at = 'yesterday' WHERE id = {a}"),
        )
        .await;
        for result in [
            s.member(a).await.map(|_| ()),
            s.channel_members(g).await.map(|_| ()),
            s.events_page(g, None, 10).await.map(|_| ()),
        ] {
            let err = result.unwrap_err();
            assert!(matches!(err, ApiError::Storage(_)), "{err:?}");
        }
    }
}
