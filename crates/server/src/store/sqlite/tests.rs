//! The SQLite store's own queries: names, replay, unread counts.

use super::*;
use crate::rules::{self, Applied, Command};

async fn store() -> SqliteStore {
    SqliteStore::open("sqlite::memory:").await.unwrap()
}

async fn apply(s: &SqliteStore, batch: &[Command]) -> Vec<ApiResult<Applied>> {
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
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM members")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "no second alice was stored");
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
    let g = apply(
        &s,
        &[Command::CreateGroup {
            creator: a.id,
            name: "g".into(),
            members: vec![b.id],
        }],
    )
    .await[0]
        .as_ref()
        .unwrap()
        .channel;
    apply(
        &s,
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
    let dm = apply(
        &s,
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
            &s,
            &[Command::Send {
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
    s.mark_read(a.id, dm, None).await.unwrap();
    assert_eq!(s.channels_of(a.id).await.unwrap()[0].unread, 0);
    // Asking to move the marker back changes nothing.
    s.mark_read(a.id, dm, Some(EventId(1))).await.unwrap();
    assert_eq!(s.channels_of(a.id).await.unwrap()[0].unread, 0);
    // Opening it again finds the same channel.
    let again = apply(
        &s,
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
