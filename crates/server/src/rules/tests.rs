//! The rules, run against the primitives of the store `SUDA_TEST_STORE`
//! selects (SQLite in memory, or a fresh PostgreSQL database).

use suda_protocol::{ChannelId, MemberId};

use super::*;
use crate::store::{testing::TestStore, Messages, PageAt};

async fn store() -> TestStore {
    TestStore::new().await
}

async fn member(s: &dyn Store, name: &str) -> MemberId {
    s.create_member(name, "h", None).await.unwrap().id
}

/// One command in a batch of its own.
async fn one(s: &dyn Store, command: Command) -> ApiResult<Applied> {
    apply_batch(s, &[command]).await.unwrap().remove(0)
}

async fn send(
    s: &dyn Store,
    channel: ChannelId,
    sender: MemberId,
    text: &str,
    key: &str,
) -> ApiResult<Applied> {
    one(
        s,
        Command::Send {
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            channel,
            sender,
            text: text.into(),
            client_key: Some(key.into()),
        },
    )
    .await
}

async fn say(
    s: &dyn Store,
    channel: ChannelId,
    sender: MemberId,
    text: &str,
) -> ApiResult<Applied> {
    one(
        s,
        Command::Send {
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            channel,
            sender,
            text: text.into(),
            client_key: None,
        },
    )
    .await
}

async fn group_with(
    s: &dyn Store,
    creator: MemberId,
    name: &str,
    members: &[MemberId],
) -> ApiResult<Applied> {
    one(
        s,
        Command::CreateGroup {
            creator,
            name: name.into(),
            members: members.to_vec(),
            topic: String::new(),
            private: false,
        },
    )
    .await
}

async fn group(s: &dyn Store, creator: MemberId, name: &str) -> ChannelId {
    group_with(s, creator, name, &[]).await.unwrap().channel
}

async fn direct(s: &dyn Store, from: MemberId, to: MemberId) -> ApiResult<Applied> {
    one(s, Command::OpenDirect { from, to }).await
}

async fn join(s: &dyn Store, channel: ChannelId, member: MemberId) -> ApiResult<Applied> {
    one(s, Command::Join { channel, member }).await
}

async fn leave(s: &dyn Store, channel: ChannelId, member: MemberId) -> ApiResult<Applied> {
    one(s, Command::Leave { channel, member }).await
}

async fn invite(
    s: &dyn Store,
    channel: ChannelId,
    inviter: MemberId,
    invitee: MemberId,
) -> ApiResult<Applied> {
    one(
        s,
        Command::Invite {
            channel,
            inviter,
            invitee,
        },
    )
    .await
}

/// What the channel's history holds, oldest first: texts, or the event
/// type with the member's name.
async fn history(s: &dyn Store, channel: ChannelId) -> Vec<String> {
    let mut page = s
        .events_page(channel, PageAt::Before(None), 100)
        .await
        .unwrap()
        .events;
    page.reverse();
    page.into_iter()
        .map(|e| match e.message {
            Some(text) => text,
            None => format!("{} {}", e.kind.as_str(), e.member.name),
        })
        .collect()
}

#[tokio::test]
async fn a_retried_send_with_the_same_key_channel_and_text_returns_the_first_message() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let g = group(&*s, a, "g").await;
    let first = send(&*s, g, a, "hello", "k1").await.unwrap();
    assert!(first.fresh);
    let again = send(&*s, g, a, "hello", "k1").await.unwrap();
    assert!(!again.fresh, "nothing new to publish");
    assert_eq!(again.events, first.events);
    assert_eq!(
        s.events_page(g, PageAt::Before(None), 10)
            .await
            .unwrap()
            .events
            .len(),
        2,
        "join + hello"
    );
}

#[tokio::test]
async fn a_client_key_reused_for_another_channel_or_text_is_a_conflict_and_stores_nothing() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let g = group(&*s, a, "g").await;
    let h = group(&*s, a, "h").await;
    send(&*s, g, a, "hello", "k1").await.unwrap();
    // Another text in the same channel, the same text in another
    // channel, or both: each would be dropped if answered with the
    // first message, so each is refused.
    for (channel, text) in [(g, "goodbye"), (h, "hello"), (h, "goodbye"), (g, "hello ")] {
        let err = send(&*s, channel, a, text, "k1").await.unwrap_err();
        assert!(matches!(err, ApiError::Conflict(_)), "{text:?}: {err}");
        assert!(err.to_string().contains("already used for another message"));
    }
    let texts = |c| {
        let s = &*s;
        async move {
            let page = s.events_page(c, PageAt::Before(None), 10).await.unwrap();
            page.events
                .into_iter()
                .filter_map(|e| e.message)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(texts(g).await, ["hello"]);
    assert!(texts(h).await.is_empty());
    // Keys are per sender: another member may use the same one.
    let b = member(&*s, "b").await;
    join(&*s, g, b).await.unwrap();
    assert!(send(&*s, g, b, "goodbye", "k1").await.unwrap().fresh);
}

#[tokio::test]
async fn a_refused_command_leaves_no_trace_and_the_batch_still_commits() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let b = member(&*s, "b").await;
    let g = group(&*s, a, "g").await;
    let results = apply_batch(
        &*s,
        &[
            Command::Send {
                attachments: Vec::new(),
                reply_to: None,
                thread: None,
                channel: g,
                sender: b,
                text: "not a member".into(),
                client_key: None,
            },
            Command::Send {
                attachments: Vec::new(),
                reply_to: None,
                thread: None,
                channel: g,
                sender: a,
                text: "hello".into(),
                client_key: None,
            },
            // Creating a group with an unknown member fails as a whole:
            // no channel row, no join events.
            Command::CreateGroup {
                creator: a,
                name: "h".into(),
                members: vec![MemberId(999)],
                topic: String::new(),
                private: false,
            },
        ],
    )
    .await
    .unwrap();
    assert!(matches!(results[0], Err(ApiError::Forbidden(_))));
    assert!(results[1].is_ok());
    assert!(matches!(results[2], Err(ApiError::NotFound(_))));
    let page = s.events_page(g, PageAt::Before(None), 10).await.unwrap();
    assert_eq!(page.events.len(), 2, "join + hello");
    assert_eq!(s.channels_of(a).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_group_one_is_not_in_can_be_seen_and_joined_but_not_acted_in() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let b = member(&*s, "b").await;
    let c = member(&*s, "c").await;
    let g = group(&*s, a, "g").await;
    let forbidden = |r: ApiResult<Applied>| {
        let err = r.unwrap_err();
        assert!(matches!(err, ApiError::Forbidden(_)), "{err}");
        assert!(err.to_string().contains("not a member"), "{err}");
    };
    forbidden(say(&*s, g, b, "hi").await);
    forbidden(invite(&*s, g, b, c).await);
    forbidden(leave(&*s, g, b).await);
    // The same rule for reads.
    let read = require_member(&*s, b, g).await.unwrap_err();
    assert!(matches!(read, ApiError::Forbidden(_)), "{read}");
    require_member(&*s, a, g).await.unwrap();
    // It is there for anyone, to be joined.
    let view = channel_view(&*s, b, g).await.unwrap();
    assert_eq!((view.kind, view.is_member), (ChannelKind::Group, false));
    assert_eq!(
        history(&*s, g).await,
        ["JOIN a"],
        "nothing refused was kept"
    );
}

#[tokio::test]
async fn a_direct_channel_of_others_reads_as_a_channel_that_does_not_exist() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let b = member(&*s, "b").await;
    let c = member(&*s, "c").await;
    let dm = direct(&*s, a, b).await.unwrap().channel;
    let nowhere = ChannelId(dm.get() + 1000);
    for channel in [dm, nowhere] {
        let expected = format!("there is no channel {channel}");
        let refusals = [
            say(&*s, channel, c, "hi").await.unwrap_err(),
            join(&*s, channel, c).await.unwrap_err(),
            invite(&*s, channel, c, a).await.unwrap_err(),
            leave(&*s, channel, c).await.unwrap_err(),
            require_member(&*s, c, channel).await.unwrap_err(),
            channel_view(&*s, c, channel).await.unwrap_err(),
        ];
        for err in refusals {
            assert!(matches!(err, ApiError::NotFound(_)), "{channel}: {err}");
            assert_eq!(err.to_string(), expected);
        }
    }
    // Its members see it, and joining it again changes nothing.
    assert_eq!(channel_view(&*s, a, dm).await.unwrap().name, "b");
    require_member(&*s, b, dm).await.unwrap();
    assert!(!join(&*s, dm, a).await.unwrap().fresh);
    assert_eq!(history(&*s, dm).await, ["JOIN a", "JOIN b"]);
}

#[tokio::test]
async fn a_direct_channel_is_opened_once_for_both_and_never_with_oneself() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let b = member(&*s, "b").await;
    let opened = direct(&*s, a, b).await.unwrap();
    assert!(opened.fresh);
    assert_eq!(opened.events.len(), 2, "both join");
    let again = direct(&*s, b, a).await.unwrap();
    assert_eq!((again.channel, again.fresh), (opened.channel, false));
    assert!(again.events.is_empty());
    let err = direct(&*s, a, a).await.unwrap_err();
    assert!(matches!(err, ApiError::BadInput(_)), "{err}");
    let err = direct(&*s, a, MemberId(999)).await.unwrap_err();
    assert!(matches!(err, ApiError::NotFound(_)), "{err}");
    // Neither can leave it, nor invite a third into it.
    let c = member(&*s, "c").await;
    let err = leave(&*s, opened.channel, a).await.unwrap_err();
    assert!(matches!(err, ApiError::BadInput(_)), "{err}");
    let err = invite(&*s, opened.channel, a, c).await.unwrap_err();
    assert!(matches!(err, ApiError::BadInput(_)), "{err}");
}

#[tokio::test]
async fn a_member_blocked_cannot_message_open_invite_or_add_the_one_who_blocked() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let b = member(&*s, "b").await;
    let dm = direct(&*s, a, b).await.unwrap().channel;
    let g = group(&*s, a, "g").await;
    s.set_blocked(b, a, true).await.unwrap();
    let refused = |r: ApiResult<Applied>| {
        let err = r.unwrap_err();
        assert!(matches!(err, ApiError::Forbidden(_)), "{err}");
        assert!(
            err.to_string()
                .contains("b does not take invitations or direct messages from you"),
            "{err}"
        );
    };
    refused(say(&*s, dm, a, "hello?").await);
    refused(direct(&*s, a, b).await);
    refused(invite(&*s, g, a, b).await);
    refused(group_with(&*s, a, "h", &[b]).await);
    assert_eq!(history(&*s, dm).await, ["JOIN a", "JOIN b"]);
    assert_eq!(history(&*s, g).await, ["JOIN a"]);
    assert_eq!(s.channels_of(a).await.unwrap().len(), 2, "no group h");
    // Blocking goes one way: b still reaches a.
    say(&*s, dm, b, "I can").await.unwrap();
    group_with(&*s, b, "from b", &[a]).await.unwrap();
    // And it ends when b unblocks.
    s.set_blocked(b, a, false).await.unwrap();
    say(&*s, dm, a, "hello").await.unwrap();
    assert!(invite(&*s, g, a, b).await.unwrap().fresh);
}

#[tokio::test]
async fn a_group_starts_with_its_creator_then_each_member_once_in_the_order_asked() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let b = member(&*s, "b").await;
    let c = member(&*s, "c").await;
    let created = group_with(&*s, a, "g", &[c, b, c, a, b]).await.unwrap();
    let joined: Vec<_> = created.events.iter().map(|e| e.member.id).collect();
    assert_eq!(joined, [a, c, b]);
    assert!(created
        .events
        .iter()
        .all(|e| e.kind == EventKind::Join && e.channel_id == created.channel));
    assert_eq!(
        s.channel_members(created.channel).await.unwrap().len(),
        3,
        "one membership each"
    );
}

#[tokio::test]
async fn leaving_ends_the_membership_and_joining_again_starts_another() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let b = member(&*s, "b").await;
    let g = group(&*s, a, "g").await;
    assert!(join(&*s, g, b).await.unwrap().fresh);
    assert!(!join(&*s, g, b).await.unwrap().fresh, "already in");
    let left = leave(&*s, g, b).await.unwrap();
    assert_eq!(left.events[0].kind, EventKind::Leave);
    assert!(!s.is_member(b, g).await.unwrap());
    // Out now: sending and leaving again are refused.
    let err = say(&*s, g, b, "still here?").await.unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err}");
    let err = leave(&*s, g, b).await.unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err}");
    join(&*s, g, b).await.unwrap();
    say(&*s, g, b, "back").await.unwrap();
    assert_eq!(
        history(&*s, g).await,
        ["JOIN a", "JOIN b", "LEAVE b", "JOIN b", "back"]
    );
}

#[tokio::test]
async fn a_member_invites_into_their_group_once_and_only_members_that_exist() {
    let s = store().await;
    let a = member(&*s, "a").await;
    let b = member(&*s, "b").await;
    let g = group(&*s, a, "g").await;
    let invited = invite(&*s, g, a, b).await.unwrap();
    assert!(invited.fresh);
    assert_eq!(
        (invited.events[0].kind, invited.events[0].member.id),
        (EventKind::Join, b),
        "the invitee joins"
    );
    assert!(!invite(&*s, g, a, b).await.unwrap().fresh, "already in");
    // The invitee may now invite others.
    let c = member(&*s, "c").await;
    assert!(invite(&*s, g, b, c).await.unwrap().fresh);
    let err = invite(&*s, g, a, MemberId(999)).await.unwrap_err();
    assert!(matches!(err, ApiError::NotFound(_)), "{err}");
    assert_eq!(history(&*s, g).await, ["JOIN a", "JOIN b", "JOIN c"]);
}

#[tokio::test]
async fn a_message_carries_at_most_fifty_different_emoji_and_more_of_one_always_fits() {
    let s = store().await;
    let members = [
        member(&*s, "a").await,
        member(&*s, "b").await,
        member(&*s, "c").await,
        member(&*s, "d").await,
    ];
    let g = group_with(&*s, members[0], "g", &members[1..])
        .await
        .unwrap()
        .channel;
    let message = say(&*s, g, members[0], "react").await.unwrap().events[0].id;
    // 50 different emoji from the list, 20 + 20 + 10 by three members.
    let emoji: Vec<&str> = emojis::iter().map(|e| e.as_str()).take(51).collect();
    let react = |member, emoji: &str| Command::React {
        message,
        member,
        emoji: emoji.to_owned(),
        on: true,
    };
    for (i, e) in emoji[..50].iter().enumerate() {
        one(&*s, react(members[i / 20], e)).await.unwrap();
    }
    let err = one(&*s, react(members[3], emoji[50])).await.unwrap_err();
    assert!(err.to_string().contains("50 different emoji"), "{err}");
    let added = one(&*s, react(members[3], emoji[0])).await.unwrap();
    assert_eq!(
        added.events[0].tally,
        Some(2),
        "the second of one already there"
    );
    let all = s
        .reactions(members[3], Messages::Listed(&[message]))
        .await
        .unwrap();
    assert_eq!(all.len(), 50);
    assert_eq!(
        (all[0].emoji.as_str(), all[0].count, all[0].mine),
        (emoji[0], 2, true)
    );
}
