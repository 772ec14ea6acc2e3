//! Presence, over real HTTP: a member is online while a stream of theirs
//! is open, away when their client says so, offline a grace after their
//! last stream closed. Each change reaches whoever shares a channel with
//! them, as an ephemeral event under the id their stream delivered last;
//! `presence(memberIds)` says where things stand, and tells nothing of
//! members the caller shares no channel with.

use std::time::Duration;

use serde_json::{json, Value};
use suda_testkit::{code, SseReader, TestServer};

const PRESENCE: &str = "query($m:[ID!]!){presence(memberIds:$m){memberId presence}}";

fn changes(e: &suda_testkit::SseEvent) -> Option<(String, String)> {
    (e.sse_type() == "MEMBER_PRESENCE_CHANGED").then(|| {
        (
            e.data["ssePayload"]["memberId"]
                .as_str()
                .unwrap()
                .to_owned(),
            e.data["ssePayload"]["presence"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    })
}

/// The next presence change on `reader`, skipping anything else.
async fn next_change(reader: &mut SseReader) -> (String, String, Option<i64>) {
    loop {
        let e = reader.next().await.expect("the stream goes on");
        if let Some((who, presence)) = changes(&e) {
            return (who, presence, e.id);
        }
    }
}

async fn presence_of(server: &TestServer, token: &str, ids: &[&str]) -> Vec<String> {
    let v = server.ok(token, PRESENCE, json!({"m": ids})).await;
    v["presence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["presence"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn presence_follows_streams_and_the_clients_word_and_reaches_only_channel_mates() {
    let server = TestServer::start_with(suda_server::Config {
        presence_grace: Duration::from_millis(600),
        ..suda_testkit::config()
    })
    .await;
    let (alice, alice_id) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, carol_id) = server.member("carol").await;
    let channel = server.group(&bob, "g", &[&alice_id]).await;
    let last = server.send(&bob, &channel, "hi").await;

    let mut bob_sse = server.sse(&bob, None).await.with_presence();
    bob_sse.next().await.unwrap();
    let mut carol_sse = server.sse(&carol, None).await.with_presence();
    carol_sse.next().await.unwrap();
    assert_eq!(presence_of(&server, &bob, &[&alice_id]).await, ["OFFLINE"]);

    // Alice comes: bob hears it, under his stream's last id; carol does not.
    let mut alice_sse = server.sse(&alice, None).await;
    alice_sse.next().await.unwrap();
    assert_eq!(
        next_change(&mut bob_sse).await,
        (alice_id.clone(), "ONLINE".into(), Some(last))
    );
    assert!(carol_sse
        .next_within(Duration::from_millis(300))
        .await
        .and_then(|e| changes(&e))
        .is_none());
    // Where things stand: alice's own, bob's; carol's hidden from alice
    // (no channel shared), and alice's from carol.
    assert_eq!(
        presence_of(&server, &alice, &[&alice_id, &bob_id, &carol_id]).await,
        ["ONLINE", "ONLINE", "OFFLINE"]
    );
    assert_eq!(
        presence_of(&server, &carol, &[&alice_id]).await,
        ["OFFLINE"]
    );

    // Away, and back.
    server
        .ok(&alice, "mutation{setAway(away:true)}", json!({}))
        .await;
    assert_eq!(next_change(&mut bob_sse).await.1, "AWAY");
    assert_eq!(presence_of(&server, &bob, &[&alice_id]).await, ["AWAY"]);
    server
        .ok(&alice, "mutation{setAway(away:false)}", json!({}))
        .await;
    assert_eq!(next_change(&mut bob_sse).await.1, "ONLINE");

    // A reconnect within the grace is no departure; leaving is, after it.
    drop(alice_sse);
    let mut again = server.sse(&alice, None).await;
    again.next().await.unwrap();
    let quiet = bob_sse.next_within(Duration::from_millis(400)).await;
    assert!(
        quiet.and_then(|e| changes(&e)).is_none(),
        "a reconnect showed"
    );
    drop(again);
    assert_eq!(next_change(&mut bob_sse).await.1, "OFFLINE");
    assert_eq!(presence_of(&server, &bob, &[&alice_id]).await, ["OFFLINE"]);

    // Never replayed: a resume from before it all carries no presence.
    let mut resumed = server.sse(&bob, Some(last - 1)).await.with_presence();
    resumed.next().await.unwrap();
    while let Some(e) = resumed.next_within(Duration::from_millis(300)).await {
        assert_ne!(e.sse_type(), "MEMBER_PRESENCE_CHANGED", "{e:?}");
    }
}

#[tokio::test]
async fn presence_refuses_bad_input_clearly() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let many: Vec<String> = (1..=501).map(|i| i.to_string()).collect();
    let v: Value = server.gql(Some(&alice), PRESENCE, json!({"m": many})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    let v = server
        .gql(Some(&alice), PRESENCE, json!({"m": ["x"]}))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    let v = server.gql(None, PRESENCE, json!({"m": ["1"]})).await;
    assert_eq!(code(&v), "UNAUTHENTICATED", "{v}");
    let v = server
        .gql(None, "mutation{setAway(away:true)}", json!({}))
        .await;
    assert_eq!(code(&v), "UNAUTHENTICATED", "{v}");
}
