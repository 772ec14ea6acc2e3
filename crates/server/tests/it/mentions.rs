//! Mentions and notification levels: the server resolves `@name` to
//! members of the channel, counts the unread ones that mention a member
//! beside `unReadCnt`, and keeps each member's notification level of each
//! channel, telling their own streams when it changes.

use serde_json::{json, Value};

use crate::{
    common::*,
    conversations::{delete, edit, history},
};

const CHANNELS: &str = "{ myChatChannels { id unReadCnt mentionCnt notificationLevel } }";
const SET_LEVEL: &str = "mutation($c:ID!,$l:NotificationLevel!){setNotificationLevel(channelId:$c,level:$l){id notificationLevel}}";

/// The caller's channel `channel` as `myChatChannels` lists it.
async fn listed(server: &TestServer, token: &str, channel: &str) -> Value {
    let v = server.ok(token, CHANNELS, json!({})).await;
    v["myChatChannels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == channel)
        .cloned()
        .unwrap_or_else(|| panic!("{channel} not listed: {v}"))
}

/// The `mentions` of the history item with id `id`.
async fn mentions_of(server: &TestServer, token: &str, channel: &str, id: i64) -> Vec<String> {
    let items = history(server, token, channel).await;
    let item = items
        .iter()
        .find(|e| e["id"].as_str() == Some(id.to_string().as_str()))
        .unwrap_or_else(|| panic!("no {id} in {items:?}"));
    item["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn mentions_resolve_to_members_of_the_channel_and_anything_else_stays_text() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (_carol, carol_id) = server.member("carol").await;
    let (_dave, _) = server.member("dave").await;
    let channel = server.group(&alice, "g", &[&bob_id, &carol_id]).await;
    let mut stream = server.sse(&bob, None).await;
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");

    // @Bob (any case, a look-alike spelling too), @carol. at a sentence's
    // end; dave is no member here, a mail address mentions nobody, and
    // bob twice is bob once.
    let text = "hi @Bob and @carol. also @dave, mail bob@example.com, @ｂｏｂ again";
    let id = server.send(&alice, &channel, text).await;
    let mut want = vec![bob_id.clone(), carol_id.clone()];
    want.sort();
    let mut got = mentions_of(&server, &alice, &channel, id).await;
    got.sort();
    assert_eq!(got, want);
    // The stream carries them with the message (by id); the text is as sent.
    let live = stream.next().await.unwrap();
    assert_eq!(live.message(), Some(text));
    let mut ids: Vec<String> = live.data["ssePayload"]["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, want);
    // A message without mentions carries none (the field is absent).
    let plain = server.send(&alice, &channel, "no one @ all").await;
    assert!(mentions_of(&server, &alice, &channel, plain)
        .await
        .is_empty());
    let live = stream.next().await.unwrap();
    assert!(
        live.data["ssePayload"].get("mentions").is_none(),
        "{:?}",
        live.data
    );

    // An edit resolves them again (for counts); it tells nobody anew.
    edit(&server, &alice, id, "only @carol now", None).await;
    assert_eq!(mentions_of(&server, &alice, &channel, id).await, [carol_id]);
}

#[tokio::test]
async fn the_mention_count_counts_unread_mentions_of_the_member_only() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    server.send(&alice, &channel, "@bob one").await;
    let gone = server.send(&alice, &channel, "@bob two").await;
    server.send(&alice, &channel, "not you").await;
    // Bob's own mention of himself is no unread message of his.
    server.send(&bob, &channel, "@bob talking to myself").await;
    let c = listed(&server, &bob, &channel).await;
    assert_eq!(
        (c["unReadCnt"].as_i64(), c["mentionCnt"].as_i64()),
        (Some(3), Some(2))
    );
    // A deleted mention no longer counts; alice was mentioned by nobody.
    delete(&server, &alice, gone).await;
    let c = listed(&server, &bob, &channel).await;
    assert_eq!(
        (c["unReadCnt"].as_i64(), c["mentionCnt"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(listed(&server, &alice, &channel).await["mentionCnt"], 1 - 1);
    // Reading clears both.
    server
        .ok(
            &bob,
            "mutation($c:ID!){markChannelRead(channelId:$c){id}}",
            json!({"c": channel}),
        )
        .await;
    let c = listed(&server, &bob, &channel).await;
    assert_eq!(
        (c["unReadCnt"].as_i64(), c["mentionCnt"].as_i64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn a_level_is_the_members_own_on_every_device_and_only_their_streams_hear_of_it() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    assert_eq!(
        listed(&server, &bob, &channel).await["notificationLevel"],
        "ALL"
    );
    let before = server.state().store.head().await.unwrap();
    let mut phone = server.sse(&bob, None).await;
    assert_eq!(phone.next().await.unwrap().sse_type(), "CONNECTED");
    let mut alices = server.sse(&alice, None).await;
    assert_eq!(alices.next().await.unwrap().sse_type(), "CONNECTED");

    let set = server
        .ok(&bob, SET_LEVEL, json!({"c": channel, "l": "MENTIONS"}))
        .await;
    assert_eq!(set["setNotificationLevel"]["notificationLevel"], "MENTIONS");
    // The same level again writes nothing.
    let head = server.state().store.head().await.unwrap();
    server
        .ok(&bob, SET_LEVEL, json!({"c": channel, "l": "MENTIONS"}))
        .await;
    assert_eq!(server.state().store.head().await.unwrap(), head);
    // It is bob's: alice's level is hers.
    assert_eq!(
        listed(&server, &bob, &channel).await["notificationLevel"],
        "MENTIONS"
    );
    assert_eq!(
        listed(&server, &alice, &channel).await["notificationLevel"],
        "ALL"
    );

    server.send(&alice, &channel, "sentinel").await;
    let changed = phone.next().await.unwrap();
    assert_eq!(changed.sse_type(), "CHAT_NOTIFICATION_LEVEL_CHANGED");
    assert_eq!(
        changed.data["ssePayload"],
        json!({"chatChannelId": channel, "level": "MENTIONS"})
    );
    assert_eq!(phone.next().await.unwrap().message(), Some("sentinel"));
    assert_eq!(
        alices.next().await.unwrap().message(),
        Some("sentinel"),
        "bob's level is not alice's business"
    );
    // A device that was offline hears of it on resume.
    let mut laptop = server.sse(&bob, Some(before)).await;
    assert_eq!(laptop.next().await.unwrap().sse_type(), "CONNECTED");
    assert_eq!(
        laptop.next().await.unwrap().sse_type(),
        "CHAT_NOTIFICATION_LEVEL_CHANGED"
    );
}

#[tokio::test]
async fn levels_of_channels_the_caller_is_not_in_and_bad_levels_are_refused_and_write_nothing() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (_bob, bob_id) = server.member("bob").await;
    let (carol, _) = server.member("carol").await;
    let group = server.group(&alice, "g", &[&bob_id]).await;
    let direct = server
        .ok(
            &alice,
            "mutation($m:ID!){openDirectChannel(memberId:$m){id}}",
            json!({"m": bob_id}),
        )
        .await["openDirectChannel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let head = server.state().store.head().await.unwrap();
    // Not in the group: FORBIDDEN; another pair's direct channel: NOT_FOUND.
    let v = server
        .gql(Some(&carol), SET_LEVEL, json!({"c": group, "l": "NOTHING"}))
        .await;
    assert_eq!(code(&v), "FORBIDDEN", "{v}");
    let v = server
        .gql(
            Some(&carol),
            SET_LEVEL,
            json!({"c": direct, "l": "NOTHING"}),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND", "{v}");
    // A level that is none, and an id that is none.
    let v = server
        .gql(
            Some(&alice),
            SET_LEVEL,
            json!({"c": group, "l": "SOMETIMES"}),
        )
        .await;
    assert!(v.get("errors").is_some(), "{v}");
    let v = server
        .gql(Some(&alice), SET_LEVEL, json!({"c": "nope", "l": "ALL"}))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    let v = server
        .gql(None, SET_LEVEL, json!({"c": group, "l": "ALL"}))
        .await;
    assert_eq!(code(&v), "UNAUTHENTICATED", "{v}");
    assert_eq!(
        server.state().store.head().await.unwrap(),
        head,
        "nothing written"
    );
}

#[tokio::test]
async fn a_flood_of_mentions_resolves_the_first_fifty_names_and_stays_fast() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (_bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    // 4,000 characters of mentions of names that are nobody's, then bob:
    // the look-up stops at 50 names, so bob (after some 600) stays text.
    let mut text: String = (0..1000).map(|i| format!("@n{i} ")).collect();
    text.truncate(3990);
    let text = format!("{text} @bob");
    let started = std::time::Instant::now();
    let id = server.send(&alice, &channel, &text).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert!(mentions_of(&server, &alice, &channel, id).await.is_empty());
    // Bob first is found.
    let id = server.send(&alice, &channel, &format!("@bob {text}")).await;
    assert_eq!(mentions_of(&server, &alice, &channel, id).await, [bob_id]);
}
