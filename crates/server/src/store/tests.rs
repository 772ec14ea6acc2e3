//! The stores' own queries (names, replay, unread counts) and how they
//! read what they do not know (failing closed), run against the store
//! `SUDA_TEST_STORE` selects (see `testing`).

use std::str::FromStr;

use suda_protocol::{ChannelId, EventId, MemberId};

use super::{testing::TestStore, PageAt, Store};
use crate::{
    error::{ApiError, ApiResult},
    rules::{self, Applied, Command},
};

async fn store() -> TestStore {
    TestStore::new().await
}

async fn apply(s: &dyn Store, batch: &[Command]) -> Vec<ApiResult<Applied>> {
    rules::apply_batch(s, batch).await.unwrap()
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
    let count = s.count("SELECT count(*) FROM members").await;
    assert_eq!(count, 1, "no second alice was stored");
}

#[tokio::test]
async fn a_name_no_member_could_have_finds_no_one_rather_than_failing() {
    let s = store().await;
    s.create_member("alice", "h", None).await.unwrap();
    for odd in ["al\0ice", "\0", "alice\0"] {
        assert_eq!(s.member_by_name(odd).await.unwrap(), None, "{odd:?}");
        assert!(s.member_with_hash(odd).await.unwrap().is_none(), "{odd:?}");
    }
}

#[tokio::test]
async fn replay_follows_stretches_of_membership() {
    let s = store().await;
    let a = s.create_member("a", "h", None).await.unwrap();
    let b = s.create_member("b", "h", None).await.unwrap();
    let send = |text: &str, sender: MemberId, channel: ChannelId| Command::Send {
        attachments: Vec::new(),
        reply_to: None,
        thread: None,
        channel,
        sender,
        text: text.into(),
        client_key: None,
    };
    let g = apply(
        &*s,
        &[Command::CreateGroup {
            creator: a.id,
            name: "g".into(),
            members: vec![b.id],
            topic: String::new(),
            private: false,
        }],
    )
    .await[0]
        .as_ref()
        .unwrap()
        .channel;
    apply(
        &*s,
        &[
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
        ],
    )
    .await;
    let seen: Vec<String> = s
        .replay(b.id, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| {
            e.message
                .clone()
                .unwrap_or_else(|| e.kind.as_str().to_owned())
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
    let dm = apply(
        &*s,
        &[Command::OpenDirect {
            from: a.id,
            to: b.id,
        }],
    )
    .await[0]
        .as_ref()
        .unwrap()
        .channel;
    for (who, text) in [(a.id, "mine"), (b.id, "x"), (b.id, "y")] {
        apply(
            &*s,
            &[Command::Send {
                attachments: Vec::new(),
                reply_to: None,
                thread: None,
                channel: dm,
                sender: who,
                text: text.into(),
                client_key: None,
            }],
        )
        .await;
    }
    let view = &s.channels_of(a.id).await.unwrap()[0];
    assert_eq!(view.unread, 2);
    assert_eq!(
        view.name, "b",
        "a direct channel is named after the other member"
    );
    let mark = |up_to| Command::MarkRead {
        channel: dm,
        member: a.id,
        up_to,
    };
    apply(&*s, &[mark(None)]).await[0].as_ref().unwrap();
    assert_eq!(s.channels_of(a.id).await.unwrap()[0].unread, 0);
    // Asking to move the marker back changes nothing.
    let back = apply(&*s, &[mark(Some(EventId(1)))]).await;
    assert!(!back[0].as_ref().unwrap().fresh, "nothing written");
    assert_eq!(s.channels_of(a.id).await.unwrap()[0].unread, 0);
    // Opening it again finds the same channel.
    let again = apply(
        &*s,
        &[Command::OpenDirect {
            from: b.id,
            to: a.id,
        }],
    )
    .await;
    let again = again[0].as_ref().unwrap();
    assert_eq!(again.channel, dm);
    assert!(!again.fresh);
}

/// A store on a database that outlives a failed batch, with a member `a`
/// in a group.
async fn store_with_group() -> (TestStore, MemberId, ChannelId) {
    let s = TestStore::on_disk().await;
    let a = s.create_member("a", "h", None).await.unwrap().id;
    let created = apply(
        &*s,
        &[Command::CreateGroup {
            creator: a,
            name: "g".into(),
            members: vec![],
            topic: String::new(),
            private: false,
        }],
    )
    .await;
    (s, a, created[0].as_ref().unwrap().channel)
}

fn is_internal<T: std::fmt::Debug>(what: &str, result: Result<T, ApiError>) {
    match result {
        Err(ApiError::Internal(e)) => assert!(e.contains("not one this server knows"), "{e}"),
        other => panic!("{what}: {other:?}, not an internal error"),
    }
}

#[tokio::test]
async fn a_channel_of_an_unknown_kind_is_an_error_never_a_group() {
    let (s, a, g) = store_with_group().await;
    let set = format!("UPDATE channels SET ctype = 'BROADCAST' WHERE id = {g}");
    s.write_raw(
        &set,
        &format!("ALTER TABLE channels DROP CONSTRAINT channels_ctype_check; {set}"),
    )
    .await;
    let b = s.create_member("b", "h", None).await.unwrap().id;
    is_internal("access", s.channel_access(g).await);
    is_internal("seen by a", s.channel_seen_by(a, g).await);
    is_internal("a's channels", s.channels_of(a).await);
    // Neither FORBIDDEN (a group) nor a view: the read fails.
    is_internal("b reads", rules::require_member(&*s, b, g).await);
    is_internal("b's view", rules::channel_view(&*s, b, g).await);
    // A command on it fails its whole batch, which keeps nothing.
    let head = s.head().await.unwrap();
    let batch = [
        Command::Join {
            channel: g,
            member: b,
        },
        Command::Send {
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            channel: g,
            sender: a,
            text: "hi".into(),
            client_key: None,
        },
    ];
    is_internal("the batch", rules::apply_batch(&*s, &batch).await);
    assert_eq!(s.head().await.unwrap(), head, "nothing was written");
    assert!(!s.is_member(b, g).await.unwrap());
}

#[tokio::test]
async fn an_event_of_an_unknown_type_is_an_error() {
    let (s, a, g) = store_with_group().await;
    let columns = "channel_id, event_type, member_id, message, client_key, created_at";
    let values = format!("{g}, 'POLL', {a}, 'x', 'k1', 0");
    s.write_raw(
        &format!("INSERT INTO events ({columns}) VALUES ({values})"),
        &format!(
            "ALTER TABLE events DROP CONSTRAINT events_event_type_check;
             UPDATE ledger_head SET seq = seq + 1;
             INSERT INTO events (seq, {columns}) SELECT seq, {values} FROM ledger_head"
        ),
    )
    .await;
    // History reads messages, joins and leaves by name, so it never meets
    // the unknown one; everything that reads all kinds fails.
    let page = s.events_page(g, PageAt::Before(None), 10).await.unwrap();
    assert_eq!(page.events.len(), 1, "the join only");
    is_internal("replay", s.replay(a, 0, 10).await);
    is_internal("the event", s.event(suda_protocol::EventId(2)).await);
    is_internal("events after", s.events_after(0, 10).await);
    // Looking the key up for a retry reads it too.
    let retry = Command::Send {
        attachments: Vec::new(),
        reply_to: None,
        thread: None,
        channel: g,
        sender: a,
        text: "x".into(),
        client_key: Some("k1".into()),
    };
    is_internal("a retry", rules::apply_batch(&*s, &[retry]).await);
}

#[tokio::test]
async fn a_column_of_the_wrong_type_is_an_error_not_a_panic() {
    let (s, a, g) = store_with_group().await;
    s.write_raw(
        &format!("UPDATE members SET created_at = 'yesterday' WHERE id = {a}"),
        &format!(
            "ALTER TABLE members ALTER COLUMN created_at TYPE text;
             UPDATE members SET created_at = 'yesterday' WHERE id = {a}"
        ),
    )
    .await;
    for result in [
        s.member(a).await.map(|_| ()),
        s.channel_members(g).await.map(|_| ()),
        s.events_page(g, PageAt::Before(None), 10).await.map(|_| ()),
    ] {
        let err = result.unwrap_err();
        assert!(matches!(err, ApiError::Storage(_)), "{err:?}");
    }
}

/// A database as the server before conversations left it (SQLite up to
/// migration 0005, PostgreSQL up to 0002): a member, a group, her join and
/// two messages. Returns the URL to open it at, and what holds it.
async fn database_from_before_conversations() -> (String, Option<tempfile::TempDir>) {
    use std::borrow::Cow;
    let rows = [
        "INSERT INTO members (id, name, name_key, password_hash, created_at) VALUES (1, 'a', 'a', 'h', 0)",
        "INSERT INTO channels (id, ctype, name, created_at) VALUES (1, 'GROUP', 'g', 0)",
        "INSERT INTO events (seq, channel_id, event_type, member_id, created_at) VALUES (1, 1, 'JOIN', 1, 0)",
        "INSERT INTO events (seq, channel_id, event_type, member_id, message, client_key, created_at)
         VALUES (2, 1, 'CHAT', 1, 'before', 'k-old', 0)",
        "INSERT INTO events (seq, channel_id, event_type, member_id, message, created_at)
         VALUES (3, 1, 'CHAT', 1, 'also before', 0)",
        "INSERT INTO memberships (channel_id, member_id, joined_seq, last_read_seq) VALUES (1, 1, 1, 1)",
    ];
    if suda_testkit::postgres::selected() {
        let url = suda_testkit::postgres::fresh_database();
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let mut old = sqlx::migrate!("./migrations/postgres");
        old.migrations = Cow::Owned(
            old.migrations
                .iter()
                .filter(|m| m.version <= 2)
                .cloned()
                .collect(),
        );
        old.run(&pool).await.unwrap();
        for sql in rows {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        sqlx::query("UPDATE ledger_head SET seq = 3")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("SELECT setval('members_id_seq', 1)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("SELECT setval('channels_id_seq', 1)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        (url, None)
    } else {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("suda.db").display());
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let mut old = sqlx::migrate!("./migrations/sqlite");
        old.migrations = Cow::Owned(
            old.migrations
                .iter()
                .filter(|m| m.version <= 5)
                .cloned()
                .collect(),
        );
        old.run(&pool).await.unwrap();
        for sql in rows {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
        (url, Some(dir))
    }
}

#[tokio::test]
async fn a_database_from_before_conversations_upgrades_in_place() {
    use super::{postgres::PgStore, sqlite::SqliteStore, EventKind};
    let (url, _dir) = database_from_before_conversations().await;
    let s: Box<dyn Store> = if suda_testkit::postgres::selected() {
        Box::new(PgStore::open(&url).await.unwrap())
    } else {
        Box::new(SqliteStore::open(&url).await.unwrap())
    };
    let (a, g) = (MemberId(1), ChannelId(1));
    let page = s.events_page(g, PageAt::Before(None), 10).await.unwrap();
    let texts: Vec<_> = page.events.iter().map(|e| e.message.as_deref()).collect();
    assert_eq!(
        texts,
        [Some("also before"), Some("before"), None],
        "kept as they were"
    );
    assert!(page
        .events
        .iter()
        .all(|e| !e.deleted && e.edited_at.is_none()));
    // The old messages take changes; new events go on after the old ids.
    let edit = Command::Edit {
        message: EventId(2),
        editor: a,
        text: "after".into(),
        client_key: None,
    };
    let done = apply(&*s, &[edit]).await;
    let event = &done[0].as_ref().unwrap().events[0];
    assert_eq!((event.id, event.kind), (EventId(4), EventKind::Edit));
    assert_eq!(
        s.event(EventId(2))
            .await
            .unwrap()
            .unwrap()
            .message
            .as_deref(),
        Some("after")
    );
    // A retry of the old send with its key is still found.
    let retry = Command::Send {
        attachments: Vec::new(),
        reply_to: None,
        thread: None,
        channel: g,
        sender: a,
        text: "before".into(),
        client_key: Some("k-old".into()),
    };
    let again = apply(&*s, &[retry]).await;
    assert!(!again[0].as_ref().unwrap().fresh);
    assert_eq!(s.head().await.unwrap(), 4);
    // The old group is public, as it was (anyone could join it), and its
    // first member is its creator; new channels go on after its id.
    let access = s.channel_access(g).await.unwrap().unwrap();
    assert_eq!(
        access,
        super::ChannelAccess {
            kind: super::ChannelKind::Group,
            private: false,
            archived: false,
            creator: Some(a),
        }
    );
    let create = Command::CreateGroup {
        creator: a,
        name: "after".into(),
        members: Vec::new(),
        topic: String::new(),
        private: true,
    };
    let created = apply(&*s, &[create]).await;
    let created = created[0].as_ref().unwrap();
    assert_eq!(created.channel, ChannelId(2));
    assert_eq!(created.events[0].id, EventId(5));
    s.close().await;
}
