//! Changes are events: each edit, deletion, reaction and read marker has
//! its own id on the member's one stream, live on every transport and
//! replayed on resume like messages, and none of them looks like a new
//! message to the original clients or to unread counts.

use std::time::Duration;

use serde_json::{json, Value};
use suda_protocol::OPERATIONS;

use crate::{
    common::*,
    conversations::{delete, edit, message, react},
    transports::{poll, ws_connect, ws_next},
};

/// The sseType and id of a stream event (`data` as SSE, WebSocket or long
/// polling carry it).
fn kind(data: &Value) -> String {
    data["sseType"].as_str().unwrap().to_owned()
}

/// Alice and bob in a group, and one message of alice's.
async fn two_in_a_group(server: &TestServer) -> (String, String, String, i64) {
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let id = server.send(&alice, &channel, "first").await;
    (alice, bob, channel, id)
}

/// A message, an edit, a reaction and a deletion by alice: what each
/// transport must carry, in this order.
const EXPECTED: [&str; 4] = [
    "CHAT_MESSAGE_PUBLISHED",
    "CHAT_MESSAGE_EDITED",
    "CHAT_REACTION_CHANGED",
    "CHAT_MESSAGE_DELETED",
];

async fn make_changes(server: &TestServer, alice: &str, channel: &str) -> i64 {
    let id = server.send(alice, channel, "to change").await;
    assert!(edit(server, alice, id, "changed", None)
        .await
        .get("errors")
        .is_none());
    assert!(react(server, alice, id, "🎉", true)
        .await
        .get("errors")
        .is_none());
    assert!(delete(server, alice, id).await.get("errors").is_none());
    id
}

#[tokio::test]
async fn each_change_is_carried_live_on_sse_websocket_and_long_polling() {
    let server = TestServer::start().await;
    let (alice, bob, channel, _) = two_in_a_group(&server).await;
    let mut sse = server.sse(&bob, None).await;
    assert_eq!(sse.next().await.unwrap().sse_type(), "CONNECTED");
    let mut ws = ws_connect(&server, &bob, None).await;
    assert_eq!(ws_next(&mut ws).await["data"]["sseType"], "CONNECTED");
    let first = poll(&server, &bob, "").await;
    let mut position = first["position"].as_str().unwrap().to_owned();
    server.wait_for_subscriptions(2).await;

    let id = make_changes(&server, &alice, &channel).await;

    let mut on_sse = Vec::new();
    while on_sse.len() < 4 {
        let e = sse.next().await.unwrap();
        on_sse.push((e.id.unwrap(), e.data));
    }
    let mut on_ws = Vec::new();
    while on_ws.len() < 4 {
        let e = ws_next(&mut ws).await;
        on_ws.push((
            e["id"].as_str().unwrap().parse::<i64>().unwrap(),
            e["data"].clone(),
        ));
    }
    let mut on_poll = Vec::new();
    while on_poll.len() < 4 {
        let batch = poll(&server, &bob, &format!("?after={position}&timeout=2")).await;
        for e in batch["events"].as_array().unwrap() {
            on_poll.push((
                e["id"].as_str().unwrap().parse::<i64>().unwrap(),
                e["data"].clone(),
            ));
        }
        position = batch["position"].as_str().unwrap().to_owned();
    }
    for got in [&on_sse, &on_ws, &on_poll] {
        let kinds: Vec<String> = got.iter().map(|(_, d)| kind(d)).collect();
        assert_eq!(kinds, EXPECTED);
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "ids only grow");
        assert_eq!(got[0].0, id, "the message's id is its own");
        for (_, d) in &got[1..] {
            assert_eq!(d["ssePayload"]["messageId"], id.to_string());
            assert_eq!(d["ssePayload"]["chatChannelId"], channel.as_str());
        }
        assert_eq!(got[2].1["ssePayload"]["emoji"], "🎉");
        assert_eq!(got[2].1["ssePayload"]["member"]["memberName"], "alice");
        assert_eq!(got[2].1["ssePayload"]["on"], true);
        assert_eq!(got[2].1["ssePayload"]["count"], 1);
        assert!(got[3].1["ssePayload"]["deletedAt"]
            .as_str()
            .unwrap()
            .ends_with('Z'));
    }
    // Live, the edit carries its text; the polls ran after the deletion
    // and so read the edit from the store, where its text is gone.
    assert_eq!(on_sse[1].1["ssePayload"]["message"], "changed");
    assert_eq!(on_poll[1].1["ssePayload"]["message"], "");
    assert_eq!(on_sse, on_ws, "the same events on every live transport");
    let ids = |got: &[(i64, Value)]| got.iter().map(|(id, _)| *id).collect::<Vec<_>>();
    assert_eq!(
        ids(&on_sse),
        ids(&on_poll),
        "and the same ids by long polling"
    );
}

#[tokio::test]
async fn a_member_offline_during_an_edit_a_delete_and_a_reaction_gets_exactly_those_on_resume() {
    let server = TestServer::start().await;
    let (alice, bob, channel, kept) = two_in_a_group(&server).await;
    let (carol, carol_id) = server.member("carol").await;
    server
        .ok(
            &alice,
            "mutation($c:ID!,$m:ID!){inviteToChannel(channelId:$c,memberId:$m){id}}",
            json!({"c": channel, "m": carol_id}),
        )
        .await;
    let doomed = server
        .send(&alice, &channel, "a secret, soon regretted")
        .await;
    let mut stream = server.sse(&bob, None).await;
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    let sent = server.send(&alice, &channel, "bob sees this live").await;
    assert_eq!(stream.next().await.unwrap().id, Some(sent));
    drop(stream);
    server.wait_for_subscriptions(0).await;

    // While bob is away.
    assert!(edit(&server, &alice, kept, "first, fixed", None)
        .await
        .get("errors")
        .is_none());
    assert!(react(&server, &carol, kept, "👀", true)
        .await
        .get("errors")
        .is_none());
    assert!(edit(&server, &alice, doomed, "worse secret", None)
        .await
        .get("errors")
        .is_none());
    assert!(delete(&server, &alice, doomed)
        .await
        .get("errors")
        .is_none());

    let mut stream = server.sse(&bob, Some(sent)).await;
    let connected = stream.next().await.unwrap();
    assert_eq!(connected.id, Some(sent));
    assert_eq!(connected.data["ssePayload"]["resumed"], true);
    let mut replayed = Vec::new();
    while let Some(e) = stream.next_within(Duration::from_millis(500)).await {
        replayed.push(e);
    }
    let kinds: Vec<(String, Value)> = replayed
        .iter()
        .map(|e| {
            (
                e.sse_type().to_owned(),
                e.data["ssePayload"]["messageId"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("CHAT_MESSAGE_EDITED".into(), json!(kept.to_string())),
            ("CHAT_REACTION_CHANGED".into(), json!(kept.to_string())),
            ("CHAT_MESSAGE_EDITED".into(), json!(doomed.to_string())),
            ("CHAT_MESSAGE_DELETED".into(), json!(doomed.to_string())),
        ],
        "exactly the changes, in order, once"
    );
    assert!(replayed.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(replayed[0].data["ssePayload"]["message"], "first, fixed");
    assert_eq!(
        replayed[1].data["ssePayload"]["member"]["memberName"],
        "carol"
    );
    assert_eq!(
        replayed[2].data["ssePayload"]["message"], "",
        "an edit replayed after its message was deleted carries no text"
    );
    // The final state is what the last change said.
    let now = message(&server, &bob, kept).await;
    assert_eq!(now["message"], "first, fixed");
    assert_eq!(now["reactions"][0]["emoji"], "👀");
    assert_eq!(now["reactions"][0]["mine"], false);
    assert_eq!(message(&server, &bob, doomed).await["deleted"], true);
    // And live again after the replay.
    let next = server.send(&alice, &channel, "welcome back").await;
    assert_eq!(stream.next().await.unwrap().id, Some(next));
}

/// A member's SSE stream, past its `CONNECTED` (so it is registered).
async fn open(server: &TestServer, token: &str, after: Option<i64>) -> SseReader {
    let mut stream = server.sse(token, after).await;
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    stream
}

/// Every stream event up to and including the message `sentinel`.
async fn until(stream: &mut SseReader, sentinel: &str) -> Vec<SseEvent> {
    let mut seen = Vec::new();
    loop {
        let e = stream.next().await.expect("stream open");
        let done = e.message() == Some(sentinel);
        seen.push(e);
        if done {
            return seen;
        }
    }
}

#[tokio::test]
async fn a_seed_style_client_sees_no_new_message_for_edits_deletions_reactions_or_read_markers() {
    let server = TestServer::start().await;
    let (alice, bob, channel, _) = two_in_a_group(&server).await;
    let mut stream = open(&server, &bob, None).await;
    make_changes(&server, &alice, &channel).await;
    server
        .ok(
            &bob,
            "mutation($c:ID!){markChannelRead(channelId:$c){id}}",
            json!({"c": channel}),
        )
        .await;
    server.send(&alice, &channel, "sentinel").await;
    let seen = until(&mut stream, "sentinel").await;
    // The original clients: EventSource.onmessage, one "new message" per
    // CHAT_MESSAGE_PUBLISHED.
    let new_messages = seen
        .iter()
        .filter(|e| e.sse_type() == "CHAT_MESSAGE_PUBLISHED")
        .count();
    assert_eq!(
        new_messages, 2,
        "the message and the sentinel, nothing else"
    );
    let kinds: Vec<&str> = seen.iter().map(SseEvent::sse_type).collect();
    assert_eq!(
        kinds,
        [
            "CHAT_MESSAGE_PUBLISHED",
            "CHAT_MESSAGE_EDITED",
            "CHAT_REACTION_CHANGED",
            "CHAT_MESSAGE_DELETED",
            "CHAT_READ_MARKER_MOVED",
            "CHAT_MESSAGE_PUBLISHED",
        ]
    );
    assert!(
        seen.iter().all(|e| e.event.is_none()),
        "all on the default event type"
    );
}

fn operation(file: &str) -> &'static str {
    OPERATIONS.iter().find(|(f, _)| *f == file).unwrap().1
}

async fn unread(server: &TestServer, token: &str) -> i64 {
    let d = server
        .ok(token, operation("MyChatChannels.graphql"), json!({}))
        .await;
    d["myChatChannels"][0]["unReadCnt"].as_i64().unwrap()
}

#[tokio::test]
async fn unread_counts_ignore_edits_and_reactions_and_drop_when_an_unread_message_is_deleted() {
    let server = TestServer::start().await;
    let (alice, bob, channel, first) = two_in_a_group(&server).await;
    let second = server.send(&alice, &channel, "second").await;
    server.send(&alice, &channel, "third").await;
    assert_eq!(unread(&server, &bob).await, 3);
    assert!(edit(&server, &alice, first, "first!", None)
        .await
        .get("errors")
        .is_none());
    assert!(react(&server, &alice, second, "👍", true)
        .await
        .get("errors")
        .is_none());
    assert!(react(&server, &bob, second, "👍", true)
        .await
        .get("errors")
        .is_none());
    assert_eq!(
        unread(&server, &bob).await,
        3,
        "edits and reactions are not new messages"
    );
    assert_eq!(
        unread(&server, &alice).await,
        0,
        "nor are they for the sender"
    );
    assert!(delete(&server, &alice, second)
        .await
        .get("errors")
        .is_none());
    assert_eq!(
        unread(&server, &bob).await,
        2,
        "a deleted message stops counting"
    );
    // The contract's three operations still run as written, and history's
    // event types are still CHAT, JOIN and LEAVE.
    let events = server
        .ok(
            &bob,
            operation("ChatChannelEvents.graphql"),
            json!({"channelId": channel}),
        )
        .await;
    let contents = events["chatChannelEvents"]["contents"].as_array().unwrap();
    let types: Vec<&str> = contents
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["CHAT", "CHAT", "CHAT", "JOIN", "JOIN"]);
    assert_eq!(contents[1]["message"], "", "the deleted one, emptied");
    assert_eq!(contents[2]["message"], "first!");
    let sent = server
        .ok(
            &bob,
            operation("SendChatMessage.graphql"),
            json!({"channelId": channel, "message": "ok"}),
        )
        .await;
    assert_eq!(sent["sendChatMessage"]["eventType"], "CHAT");
    assert_eq!(unread(&server, &alice).await, 1);
}

#[tokio::test]
async fn a_read_marker_that_moves_is_an_event_on_the_members_own_streams_only() {
    let server = TestServer::start().await;
    let (alice, bob, channel, _) = two_in_a_group(&server).await;
    let newest = server.send(&alice, &channel, "read me").await;
    let mut laptop = open(&server, &bob, None).await;
    let mut phone = open(&server, &bob, None).await;
    let mut alices = open(&server, &alice, None).await;
    let before = server.state().store.head().await.unwrap();
    let q =
        "mutation($c:ID!,$u:ID){markChannelRead(channelId:$c,upTo:$u){unReadCnt lastReadEventId}}";
    let marked = server.ok(&bob, q, json!({"c": channel, "u": null})).await;
    assert_eq!(marked["markChannelRead"]["unReadCnt"], 0);
    assert_eq!(
        marked["markChannelRead"]["lastReadEventId"],
        newest.to_string()
    );
    // Again, and backwards: the marker does not move, nothing is written.
    server.ok(&bob, q, json!({"c": channel, "u": null})).await;
    server.ok(&bob, q, json!({"c": channel, "u": "1"})).await;
    server.send(&alice, &channel, "sentinel").await;
    for device in [&mut laptop, &mut phone] {
        let seen = until(device, "sentinel").await;
        let kinds: Vec<&str> = seen.iter().map(SseEvent::sse_type).collect();
        assert_eq!(kinds, ["CHAT_READ_MARKER_MOVED", "CHAT_MESSAGE_PUBLISHED"]);
        assert_eq!(
            seen[0].data["ssePayload"],
            json!({"chatChannelId": channel, "upTo": newest.to_string(), "unReadCnt": 0})
        );
    }
    let seen = until(&mut alices, "sentinel").await;
    assert!(
        seen.iter()
            .all(|e| e.sse_type() != "CHAT_READ_MARKER_MOVED"),
        "another member's marker is not alice's business"
    );
    // On resume too: bob's own, and only his.
    let mut resumed = open(&server, &bob, Some(before)).await;
    let seen = until(&mut resumed, "sentinel").await;
    assert_eq!(seen[0].sse_type(), "CHAT_READ_MARKER_MOVED");
    assert_eq!(seen.len(), 2);
    let mut resumed = open(&server, &alice, Some(before)).await;
    let seen = until(&mut resumed, "sentinel").await;
    assert_eq!(seen.len(), 1, "the sentinel only: {seen:?}");
    // A marker asked past the newest message stops there: changes are not
    // read (and a marker on one would move at every call).
    let last = server.send(&alice, &channel, "last").await;
    react(&server, &alice, last, "👍", true).await;
    let marked = server
        .ok(&bob, q, json!({"c": channel, "u": "999999"}))
        .await;
    assert_eq!(
        marked["markChannelRead"]["lastReadEventId"],
        last.to_string()
    );
}

#[tokio::test]
async fn deleted_text_is_gone_from_the_stored_rows_and_from_every_replay() {
    let server = TestServer::start().await;
    let (alice, bob, channel, _) = two_in_a_group(&server).await;
    let id = server.send(&alice, &channel, "secret original").await;
    assert!(edit(&server, &alice, id, "secret edit one", None)
        .await
        .get("errors")
        .is_none());
    assert!(edit(&server, &alice, id, "secret edit two", None)
        .await
        .get("errors")
        .is_none());
    assert!(delete(&server, &alice, id).await.get("errors").is_none());
    let raw = raw_rows(&server).await;
    assert!(!raw.is_empty());
    assert!(
        raw.iter().all(|m| !m.contains("secret")),
        "a stored text survived: {raw:?}"
    );
    if !on_postgres() {
        // Past the rows: with secure_delete the old text is overwritten in
        // the file itself once the log is checkpointed into it.
        let url = format!("sqlite:{}", server.db_path().display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let bytes = std::fs::read(server.db_path()).unwrap();
        let found = bytes.windows(6).any(|w| w == b"secret");
        assert!(!found, "the database file still holds a deleted text");
    }
    let mut replay = open(&server, &bob, Some(0)).await;
    server.send(&alice, &channel, "sentinel").await;
    for e in until(&mut replay, "sentinel").await {
        assert!(!e.data.to_string().contains("secret"), "{:?}", e.data);
    }
    let mut poll_from = "0".to_owned();
    loop {
        let batch = poll(&server, &bob, &format!("?after={poll_from}&timeout=1")).await;
        assert!(!batch.to_string().contains("secret"));
        if batch["events"].as_array().unwrap().is_empty() {
            break;
        }
        poll_from = batch["position"].as_str().unwrap().to_owned();
    }
}

/// Every text stored in the events table, read past the server.
async fn raw_rows(server: &TestServer) -> Vec<String> {
    let sql = "SELECT message FROM events WHERE message IS NOT NULL";
    if on_postgres() {
        let pool = sqlx::PgPool::connect(server.database_url()).await.unwrap();
        let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    } else {
        let url = format!("sqlite:{}?mode=ro", server.db_path().display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    }
}
