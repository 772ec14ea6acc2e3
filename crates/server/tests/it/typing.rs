//! Typing: ephemeral events on the member's one stream. They reach the
//! channel's other members (not the typist, not outsiders) under the id
//! their stream delivered last, on every transport; they are never stored,
//! so never replayed on resume and never counted; they are rate-limited
//! per member, refused to outsiders as a send is, and not sent at all in
//! a channel too large for them to show.

use std::time::Duration;

use serde_json::{json, Value};
use suda_testkit::{code, TestServer};

use crate::transports::{poll, ws_connect, ws_next};

const TYPING: &str =
    "mutation($c:ID!,$t:Boolean,$r:ID){setTyping(channelId:$c,typing:$t,threadRoot:$r)}";

async fn typing(server: &TestServer, token: &str, channel: &str, on: bool) -> Value {
    server
        .gql(Some(token), TYPING, json!({"c": channel, "t": on}))
        .await
}

#[tokio::test]
async fn typing_reaches_the_others_under_the_last_id_and_is_never_replayed_or_counted() {
    let server = TestServer::start().await;
    let (alice, alice_id) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, _) = server.member("carol").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let last = server.send(&alice, &channel, "hello").await;

    let mut bob_sse = server.sse(&bob, None).await;
    let connected = bob_sse.next().await.unwrap();
    assert_eq!(connected.id, Some(last));
    let mut bob_ws = ws_connect(&server, &bob, None).await;
    assert_eq!(ws_next(&mut bob_ws).await["data"]["sseType"], "CONNECTED");
    let mut alice_sse = server.sse(&alice, None).await;
    alice_sse.next().await.unwrap();
    let mut carol_sse = server.sse(&carol, None).await;
    carol_sse.next().await.unwrap();
    server.wait_for_subscriptions(4).await;

    let answer = typing(&server, &alice, &channel, true).await;
    assert_eq!(answer["data"]["setTyping"], true, "{answer}");

    let e = bob_sse.next().await.unwrap();
    assert_eq!(e.sse_type(), "CHAT_TYPING");
    assert_eq!(e.id, Some(last), "under the id the stream delivered last");
    assert_eq!(e.data["ssePayload"]["chatChannelId"], channel);
    assert_eq!(e.data["ssePayload"]["member"]["id"], alice_id);
    assert_eq!(e.data["ssePayload"]["member"]["memberName"], "alice");
    assert_eq!(e.data["ssePayload"]["typing"], true);
    // Alice's stream opening told bob she is there: passed over here.
    let w = loop {
        let w = ws_next(&mut bob_ws).await;
        if w["data"]["sseType"] != "MEMBER_PRESENCE_CHANGED" {
            break w;
        }
    };
    assert_eq!(w["data"]["sseType"], "CHAT_TYPING");
    assert_eq!(w["id"], last.to_string());
    // Nothing for the typist, nothing for an outsider.
    let quiet = Duration::from_millis(300);
    assert!(alice_sse.next_within(quiet).await.is_none());
    assert!(carol_sse.next_within(quiet).await.is_none());

    // Stopped: said too; a message then goes on with its own, next id.
    typing(&server, &alice, &channel, false).await;
    let e = bob_sse.next().await.unwrap();
    assert_eq!(
        (e.sse_type(), e.data["ssePayload"]["typing"].clone()),
        ("CHAT_TYPING", json!(false))
    );
    let next = server.send(&alice, &channel, "there").await;
    let e = bob_sse.next().await.unwrap();
    assert_eq!((e.sse_type(), e.id), ("CHAT_MESSAGE_PUBLISHED", Some(next)));

    // Resumed from before it all: the messages, and no typing.
    let mut resumed = server.sse(&bob, Some(last - 1)).await;
    resumed.next().await.unwrap();
    let mut replayed = Vec::new();
    while let Some(e) = resumed.next_within(Duration::from_millis(500)).await {
        replayed.push(e.sse_type().to_owned());
    }
    assert_eq!(
        replayed,
        ["CHAT_MESSAGE_PUBLISHED", "CHAT_MESSAGE_PUBLISHED"]
    );
    // A long poll from the last position: nothing waiting, the position kept.
    typing(&server, &alice, &channel, true).await;
    let polled = poll(&server, &bob, &format!("?after={next}&timeout=1")).await;
    assert!(
        polled["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["data"]["sseType"] != "CHAT_MESSAGE_PUBLISHED"),
        "{polled}"
    );
    // Not counted: bob's unread is the two messages.
    let channels = server
        .ok(&bob, "{myChatChannels{id unReadCnt}}", json!({}))
        .await;
    let mine = channels["myChatChannels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == channel)
        .unwrap()
        .clone();
    assert_eq!(mine["unReadCnt"], 2, "{mine}");
}

#[tokio::test]
async fn typing_is_refused_to_outsiders_and_bad_ids_and_limited_when_flooded() {
    let server = TestServer::start_with(suda_server::Config {
        typings_per_second: 1,
        typing_burst: 3,
        ..suda_testkit::config()
    })
    .await;
    let (alice, _) = server.member("alice").await;
    let (bob, _) = server.member("bob").await;
    let channel = server.group(&alice, "secret", &[]).await;

    // An outsider gets what a send there gets; a channel that is not
    // there, NOT_FOUND; an id that is none, BAD_USER_INPUT.
    let outsider = typing(&server, &bob, &channel, true).await;
    let send = server
        .gql(
            Some(&bob),
            "mutation($c:ID!){sendChatMessage(channelId:$c,message:\"hi\"){id}}",
            json!({"c": channel}),
        )
        .await;
    assert_eq!(code(&outsider), code(&send), "{outsider} {send}");
    assert_eq!(
        code(&typing(&server, &bob, "999999", true).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&typing(&server, &bob, "not-an-id", true).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        code(
            &server
                .gql(None, TYPING, json!({"c": channel, "t": true}))
                .await
        ),
        "UNAUTHENTICATED"
    );

    // Flooded: the burst, then RATE_LIMITED.
    let mut answers = Vec::new();
    for _ in 0..6 {
        let a = typing(&server, &alice, &channel, true).await;
        answers.push(
            a.get("errors")
                .map_or("ok".to_owned(), |_| code(&a).to_owned()),
        );
    }
    assert_eq!(&answers[..3], ["ok", "ok", "ok"]);
    assert!(
        answers[3..].iter().all(|a| a == "RATE_LIMITED"),
        "{answers:?}"
    );
}

#[tokio::test]
async fn a_channel_too_large_for_typing_hears_none_of_it() {
    let server = TestServer::start_with(suda_server::Config {
        typing_max_members: 2,
        ..suda_testkit::config()
    })
    .await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (_, carol_id) = server.member("carol").await;
    let pair = server.group(&alice, "pair", &[&bob_id]).await;
    let crowd = server.group(&alice, "crowd", &[&bob_id, &carol_id]).await;
    let mut bob_sse = server.sse(&bob, None).await;
    bob_sse.next().await.unwrap();
    server.wait_for_subscriptions(1).await;

    let a = typing(&server, &alice, &crowd, true).await;
    assert_eq!(a["data"]["setTyping"], false, "{a}");
    assert!(bob_sse
        .next_within(Duration::from_millis(300))
        .await
        .is_none());
    let a = typing(&server, &alice, &pair, true).await;
    assert_eq!(a["data"]["setTyping"], true, "{a}");
    assert_eq!(bob_sse.next().await.unwrap().sse_type(), "CHAT_TYPING");
}
