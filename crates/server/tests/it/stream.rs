//! The per-member SSE stream: delivery, resume, resync, identity, shutdown.

use std::time::Duration;

use futures::StreamExt;
use reqwest_eventsource::{Event, EventSource};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn two_members_one_sends_the_others_stream_receives_it_once() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "general", &[&bob_id]).await;

    // A real SSE client, as the desktop app's backend uses.
    let request = server
        .http
        .get(server.url("/v1/chats/subscriptions/channels"))
        .bearer_auth(&bob);
    let mut source = EventSource::new(request).unwrap();
    let mut connected = None;
    while connected.is_none() {
        match source.next().await.unwrap().unwrap() {
            Event::Open => {}
            Event::Message(m) => {
                assert_eq!(m.event, "message", "the default event type");
                let v: serde_json::Value = serde_json::from_str(&m.data).unwrap();
                assert_eq!(v["sseType"], "CONNECTED");
                assert_eq!(v["ssePayload"]["resumed"], false);
                connected = Some(m.id);
            }
        }
    }
    let sent = server.send(&alice, &channel, "hi bob").await;
    let mut got = Vec::new();
    let _ = server.send(&alice, &channel, "second").await;
    while got.len() < 2 {
        if let Event::Message(m) = source.next().await.unwrap().unwrap() {
            let v: serde_json::Value = serde_json::from_str(&m.data).unwrap();
            assert_eq!(v["sseType"], "CHAT_MESSAGE_PUBLISHED");
            assert_eq!(v["ssePayload"]["chatChannelId"], channel.as_str());
            assert_eq!(v["ssePayload"]["eventType"], "CHAT");
            assert_eq!(v["ssePayload"]["sender"]["memberName"], "alice");
            assert_eq!(
                m.id,
                v["ssePayload"]["id"].as_str().unwrap(),
                "id: is the event id"
            );
            got.push((
                m.id.parse::<i64>().unwrap(),
                v["ssePayload"]["message"].clone(),
            ));
        }
    }
    assert_eq!(got[0], (sent, json!("hi bob")));
    assert_eq!(got[1].1, json!("second"));
    source.close();
}

#[tokio::test]
async fn the_stream_is_unbuffered_uncompressed_and_kept_alive() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let resp = server
        .http
        .get(server.url("/v1/chats/subscriptions/channels"))
        .bearer_auth(&alice)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    let h = resp.headers();
    assert_eq!(h["content-type"], "text/event-stream");
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["x-accel-buffering"], "no");
    assert!(h.get("content-encoding").is_none());
    let mut reader = SseReader::new(resp);
    let connected = reader.next().await.unwrap();
    assert_eq!(connected.sse_type(), "CONNECTED");
    assert_eq!(connected.event, None, "no event: field");
    // The test server sends a keep-alive comment every 300 ms.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let pending = tokio::time::timeout_at(deadline, reader.next()).await;
    assert!(pending.is_err(), "no events, only comments, while idle");
    assert!(
        reader.comments >= 3,
        "keep-alives seen: {}",
        reader.comments
    );
}

#[tokio::test]
async fn a_channel_joined_after_the_stream_opened_is_delivered_without_reconnecting() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let mut stream = server.sse(&bob, None).await;
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    let channel = server.group(&alice, "later", &[&bob_id]).await;
    // Bob's stream starts at his own join (alice's came before he was in).
    let join_bob = stream.next_published().await;
    assert_eq!(join_bob.data["ssePayload"]["eventType"], "JOIN");
    assert_eq!(join_bob.data["ssePayload"]["sender"]["memberName"], "bob");
    server.send(&alice, &channel, "welcome").await;
    assert_eq!(stream.next_published().await.message(), Some("welcome"));
    // And a channel bob is not in stays silent for him.
    let other = server.group(&alice, "private", &[]).await;
    server.send(&alice, &other, "secret").await;
    server.send(&alice, &channel, "after").await;
    assert_eq!(stream.next_published().await.message(), Some("after"));
}

#[tokio::test]
async fn leaving_a_channel_stops_its_events() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let quiet = server.group(&alice, "quiet", &[&bob_id]).await;
    let mut stream = server.sse(&bob, None).await;
    stream.next().await.unwrap();
    server
        .ok(
            &bob,
            "mutation($c:ID!){leaveChannel(channelId:$c)}",
            json!({"c": channel}),
        )
        .await;
    let leave = stream.next_published().await;
    assert_eq!(leave.data["ssePayload"]["eventType"], "LEAVE");
    server.send(&alice, &channel, "bob is gone").await;
    server.send(&alice, &quiet, "still here").await;
    assert_eq!(stream.next_published().await.message(), Some("still here"));
}

/// Sends `count` numbered messages from a task, as fast as acknowledged.
fn burst(
    server: &TestServer,
    token: &str,
    channel: &str,
    count: usize,
) -> tokio::task::JoinHandle<Vec<i64>> {
    let http = server.http.clone();
    let url = server.url("/graphql");
    let (token, channel) = (token.to_owned(), channel.to_owned());
    tokio::spawn(async move {
        let mut ids = Vec::new();
        for i in 0..count {
            let v: serde_json::Value = http
                .post(&url)
                .bearer_auth(&token)
                .json(&json!({
                    "query": "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}",
                    "variables": {"c": channel, "m": format!("m{i}")}
                }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            ids.push(
                v["data"]["sendChatMessage"]["id"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap(),
            );
        }
        ids
    })
}

#[tokio::test]
async fn resuming_after_a_drop_mid_burst_gives_every_message_once_in_order() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let mut stream = server.sse(&bob, None).await;
    stream.next().await.unwrap();
    let sender = burst(&server, &alice, &channel, 300);

    let mut received: Vec<(i64, String)> = Vec::new();
    let mut drops = 0;
    while received.len() < 300 {
        let ev = stream.next_published().await;
        received.push((ev.id.unwrap(), ev.message().unwrap().to_owned()));
        // Drop the connection a few times while messages keep coming,
        // and resume from the last id seen.
        if received.len().is_multiple_of(70) {
            drop(stream);
            drops += 1;
            let last = received.last().unwrap().0;
            stream = server.sse(&bob, Some(last)).await;
            let connected = stream.next().await.unwrap();
            assert_eq!(connected.sse_type(), "CONNECTED");
            assert_eq!(
                connected.id,
                Some(last),
                "CONNECTED carries the resume position"
            );
            assert_eq!(connected.data["ssePayload"]["resumed"], true);
        }
    }
    let sent = sender.await.unwrap();
    assert_eq!(drops, 4);
    let ids: Vec<i64> = received.iter().map(|r| r.0).collect();
    assert_eq!(ids, sent, "every message once, in order");
    let texts: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
    assert_eq!(
        received.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
        texts
    );
}

#[tokio::test]
async fn resuming_from_an_old_position_replays_across_all_channels() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let one = server.group(&alice, "one", &[&bob_id]).await;
    let two = server.group(&alice, "two", &[&bob_id]).await;
    let mut stream = server.sse(&bob, None).await;
    let start = stream.next().await.unwrap().id.unwrap();
    drop(stream);
    let mut sent = Vec::new();
    for i in 0..600 {
        // More than one replay page, alternating channels.
        let channel = if i % 2 == 0 { &one } else { &two };
        sent.push(server.send(&alice, channel, &format!("r{i}")).await);
    }
    let mut stream = server.sse(&bob, Some(start)).await;
    assert_eq!(stream.next().await.unwrap().id, Some(start));
    let mut got = Vec::new();
    while got.len() < 600 {
        got.push(stream.next_published().await.id.unwrap());
    }
    assert_eq!(got, sent);
}

#[tokio::test]
async fn positions_the_server_cannot_resume_from_lead_to_resync() {
    let config = suda_server::Config {
        replay_window: 5,
        ..test_config()
    };
    let server = TestServer::start_with(config).await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    for i in 0..10 {
        server.send(&alice, &channel, &format!("{i}")).await;
    }
    let mut head = server.send(&alice, &channel, "head").await;
    for (asked, reason) in [
        ("999999", "UNKNOWN_POSITION"),
        ("not-a-number", "UNKNOWN_POSITION"),
        ("1", "TOO_OLD"),
    ] {
        let resp = server
            .http
            .get(server.url("/v1/chats/subscriptions/channels"))
            .bearer_auth(&alice)
            .header("Last-Event-ID", asked)
            .send()
            .await
            .unwrap();
        let mut stream = SseReader::new(resp);
        let connected = stream.next().await.unwrap();
        assert_eq!(connected.sse_type(), "CONNECTED");
        assert_eq!(connected.id, Some(head), "starts from the current position");
        assert_eq!(connected.data["ssePayload"]["resumed"], false);
        let resync = stream.next().await.unwrap();
        assert_eq!(resync.sse_type(), "RESYNC_REQUIRED", "{asked}");
        assert_eq!(resync.data["ssePayload"]["reason"], reason);
        // Live events follow.
        let live = server.send(&alice, &channel, "live").await;
        assert_eq!(stream.next_published().await.id, Some(live));
        head = live;
    }
    // Within the window it resumes.
    let mut stream = server.sse(&alice, Some(head - 3)).await;
    assert_eq!(
        stream.next().await.unwrap().data["ssePayload"]["resumed"],
        true
    );
}

#[tokio::test]
async fn a_resume_is_bounded_by_what_the_member_missed_not_by_others_traffic() {
    let server = TestServer::start_with(suda_server::Config {
        replay_window: 20,
        ..test_config()
    })
    .await;
    let (bob, _) = server.member("bob").await;
    let mine = server.group(&bob, "mine", &[]).await;
    let last_seen = server.send(&bob, &mine, "before").await;
    // Elsewhere, eve churns joins and leaves: 60 events bob never sees.
    let (eve, _) = server.member("eve").await;
    let (mallory, _) = server.member("mallory").await;
    let spam = server.group(&eve, "spam", &[]).await;
    for _ in 0..30 {
        server
            .ok(
                &mallory,
                "mutation($c:ID!){joinChannel(channelId:$c){id}}",
                json!({"c": spam}),
            )
            .await;
        server
            .ok(
                &mallory,
                "mutation($c:ID!){leaveChannel(channelId:$c)}",
                json!({"c": spam}),
            )
            .await;
    }
    let missed = server.send(&bob, &mine, "while away").await;
    // Bob missed one event: he resumes, however busy the server was.
    let mut stream = server.sse(&bob, Some(last_seen)).await;
    let connected = stream.next().await.unwrap();
    assert_eq!(
        connected.data["ssePayload"]["resumed"], true,
        "{connected:?}"
    );
    let next = stream.next().await.unwrap();
    assert_eq!(next.sse_type(), "CHAT_MESSAGE_PUBLISHED", "no resync");
    assert_eq!(next.id, Some(missed));
}

#[tokio::test]
async fn identity_comes_from_the_token_header_or_query() {
    let server = TestServer::start().await;
    let (alice, alice_id) = server.member("alice").await;
    let (_, bob_id) = server.member("bob").await;
    let url = server.url("/v1/chats/subscriptions/channels");
    let status = |r: reqwest::Response| r.status().as_u16();

    // No token, a bad token, a malformed header: 401 with a JSON error.
    let r = server.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHENTICATED");
    assert_eq!(
        status(
            server
                .http
                .get(&url)
                .bearer_auth("nope")
                .send()
                .await
                .unwrap()
        ),
        401
    );
    assert_eq!(
        status(
            server
                .http
                .get(&url)
                .header("authorization", "Basic abc")
                .send()
                .await
                .unwrap()
        ),
        401
    );
    // access_token in the query, for EventSource; with its own memberId.
    let r = server
        .http
        .get(format!("{url}?access_token={alice}&memberId={alice_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(r);
    // memberId naming someone else is refused; a malformed one too.
    let r = server
        .http
        .get(format!("{url}?memberId={bob_id}"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = server
        .http
        .get(format!("{url}?memberId=x"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A revoked token is refused.
    server.ok(&alice, "mutation{signOut}", json!({})).await;
    assert_eq!(
        status(
            server
                .http
                .get(&url)
                .bearer_auth(&alice)
                .send()
                .await
                .unwrap()
        ),
        401
    );
}

#[tokio::test]
async fn graceful_shutdown_ends_open_streams_and_keeps_acknowledged_messages() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let mut stream = server.sse(&alice, None).await;
    stream.next().await.unwrap();
    let id = server.send(&alice, &channel, "before shutdown").await;
    assert_eq!(stream.next_published().await.id, Some(id));
    let url = server.database_url().to_owned();
    let dir = server.stop().await;
    assert!(stream.next().await.is_none(), "the stream ended");
    // Open the same database again: the message is there.
    let store = suda_server::open_store(&url).await.unwrap();
    assert_eq!(store.head().await.unwrap(), id);
    store.close().await;
    drop(dir);
}
