//! Threads: replies in a thread are summed up under their root in the
//! channel and listed by `chatThread`; its followers (the root's sender,
//! who replied, who a reply mentioned) count its replies as unread until
//! they read the thread, which clears it on every device; nobody else
//! ever does. Every kind of bad input gets its code and writes nothing.

use serde_json::{json, Value};

use crate::{
    common::*,
    conversations::{data, delete, MESSAGE},
};

const THREAD: &str = "thread { replyCount lastReplyAt following unReadCnt } threadRoot";

/// Sends `text` as a reply in `root`'s thread; the whole answer.
async fn reply_in(server: &TestServer, token: &str, channel: &str, root: i64, text: &str) -> Value {
    reply_keyed(server, token, channel, root, text, None).await
}

async fn reply_keyed(
    server: &TestServer,
    token: &str,
    channel: &str,
    root: i64,
    text: &str,
    key: Option<&str>,
) -> Value {
    server
        .gql(
            Some(token),
            &format!(
                "mutation($c:ID!,$m:String!,$t:ID,$k:String){{sendChatMessage(channelId:$c,message:$m,threadRoot:$t,clientKey:$k){{{MESSAGE} {THREAD}}}}}"
            ),
            json!({"c": channel, "m": text, "t": root.to_string(), "k": key}),
        )
        .await
}

/// The id of a sent reply.
async fn replied(server: &TestServer, token: &str, channel: &str, root: i64, text: &str) -> i64 {
    let v = reply_in(server, token, channel, root, text).await;
    data(&v, "sendChatMessage")["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// `token`'s unread and mention counts of `channel`.
async fn counts(server: &TestServer, token: &str, channel: &str) -> (i64, i64) {
    let v = server
        .ok(
            token,
            "{ myChatChannels { id unReadCnt mentionCnt } }",
            json!({}),
        )
        .await;
    let c = v["myChatChannels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == channel)
        .cloned()
        .unwrap();
    (
        c["unReadCnt"].as_i64().unwrap(),
        c["mentionCnt"].as_i64().unwrap(),
    )
}

/// The channel's own history (`threadReplies: false`), newest first.
async fn channel_only(server: &TestServer, token: &str, channel: &str) -> Vec<Value> {
    let d = server
        .ok(
            token,
            &format!(
                "query($c:ID!){{chatChannelEvents(channelId:$c,limit:50,threadReplies:false){{contents{{id eventType ... on ChatChannelChatEvent{{{MESSAGE} {THREAD}}}}}}}}}"
            ),
            json!({"c": channel}),
        )
        .await;
    d["chatChannelEvents"]["contents"]
        .as_array()
        .unwrap()
        .clone()
}

/// A thread page as `token` reads it.
async fn thread(server: &TestServer, token: &str, root: i64) -> Value {
    server
        .gql(
            Some(token),
            &format!(
                "query($r:ID!){{chatThread(rootId:$r,limit:50){{root{{{MESSAGE} {THREAD}}} contents{{{MESSAGE} {THREAD}}} hasMore nextCursor}}}}"
            ),
            json!({"r": root.to_string()}),
        )
        .await
}

async fn mark_thread_read(server: &TestServer, token: &str, root: i64) -> Value {
    server
        .gql(
            Some(token),
            "mutation($r:ID!){markThreadRead(rootId:$r){id unReadCnt}}",
            json!({"r": root.to_string()}),
        )
        .await
}

/// The next event of `stream` that is no `CONNECTED`.
async fn next_event(stream: &mut SseReader) -> SseEvent {
    loop {
        let e = stream.next().await.expect("the stream ended");
        if e.sse_type() != "CONNECTED" {
            return e;
        }
    }
}

/// The newest event id: where a new stream starts (its `CONNECTED` id).
async fn head_now(server: &TestServer, token: &str) -> i64 {
    let mut stream = server.sse(token, None).await;
    let connected = stream.next().await.unwrap();
    assert_eq!(connected.sse_type(), "CONNECTED");
    connected.id.unwrap()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_thread_is_summed_up_under_its_root_and_listed_on_its_own() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let root = server.send(&alice, &channel, "root").await;
    let later = server.send(&alice, &channel, "a later message").await;
    let first = replied(&server, &bob, &channel, root, "first reply").await;
    let second = replied(&server, &alice, &channel, root, "second reply").await;

    // The channel itself: the root with "2 replies", no replies as items.
    let own = channel_only(&server, &bob, &channel).await;
    let ids: Vec<String> = own.iter().map(id_of).collect();
    assert!(!ids.contains(&first.to_string()) && !ids.contains(&second.to_string()));
    let root_item = own.iter().find(|e| id_of(e) == root.to_string()).unwrap();
    assert_eq!(root_item["thread"]["replyCount"], 2);
    assert_eq!(root_item["thread"]["following"], true, "bob replied");
    assert!(root_item["thread"]["lastReplyAt"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    let later_item = own.iter().find(|e| id_of(e) == later.to_string()).unwrap();
    assert!(later_item["thread"].is_null(), "never replied to");

    // The original clients' history still has every message, replies too.
    let all = crate::conversations::history(&server, &bob, &channel).await;
    assert!(all.iter().any(|e| id_of(e) == first.to_string()));

    // The thread: its root and replies, newest first, each naming the root.
    let t = thread(&server, &bob, root).await;
    let page = data(&t, "chatThread");
    assert_eq!(page["root"]["message"], "root");
    assert_eq!(page["root"]["thread"]["replyCount"], 2);
    let replies: Vec<&str> = page["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(replies, ["second reply", "first reply"]);
    assert_eq!(page["contents"][0]["threadRoot"], root.to_string());
    assert_eq!(page["hasMore"], false);

    // A message never replied to has a thread with no replies.
    let empty = thread(&server, &bob, later).await;
    assert_eq!(data(&empty, "chatThread")["contents"], json!([]));
}

#[tokio::test]
async fn replies_count_and_notify_for_followers_only_and_reading_the_thread_clears_them_everywhere()
{
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, carol_id) = server.member("carol").await;
    let (dave, dave_id) = server.member("dave").await;
    let channel = server
        .group(&alice, "g", &[&bob_id, &carol_id, &dave_id])
        .await;
    let root = server.send(&alice, &channel, "what do we ship?").await;
    for token in [&bob, &carol, &dave] {
        server
            .ok(
                token,
                "mutation($c:ID!){markChannelRead(channelId:$c){id}}",
                json!({"c": channel}),
            )
            .await;
    }
    let mut alice_live = server.sse(&alice, None).await;
    let mut alice_other_device = server.sse(&alice, None).await;
    let mut carol_live = server.sse(&carol, None).await;
    let mut dave_live = server.sse(&dave, None).await;

    // Bob replies: alice sent the root, so it is hers to read; carol and
    // dave get it too (for "N replies") but it is not theirs.
    let first = replied(&server, &bob, &channel, root, "the parser").await;
    let to_alice = next_event(&mut alice_live).await;
    assert_eq!(to_alice.sse_type(), "CHAT_MESSAGE_PUBLISHED");
    assert_eq!(
        to_alice.data["ssePayload"]["inThread"],
        json!({"rootId": root.to_string(), "replyCount": 1, "following": true})
    );
    let to_carol = next_event(&mut carol_live).await;
    assert_eq!(to_carol.data["ssePayload"]["inThread"]["following"], false);
    assert_eq!(to_carol.data["ssePayload"]["eventType"], "CHAT");
    next_event(&mut alice_other_device).await;
    assert_eq!(counts(&server, &alice, &channel).await, (1, 0));
    assert_eq!(counts(&server, &carol, &channel).await, (0, 0));
    // The channel's own read marker leaves the thread unread.
    server
        .ok(
            &alice,
            "mutation($c:ID!){markChannelRead(channelId:$c){id}}",
            json!({"c": channel}),
        )
        .await;
    assert_eq!(counts(&server, &alice, &channel).await, (1, 0));
    assert_eq!(
        next_event(&mut alice_live).await.sse_type(),
        "CHAT_READ_MARKER_MOVED"
    );
    next_event(&mut alice_other_device).await;

    // A reply mentioning dave makes him a follower from that reply on: it
    // counts (and is a mention), the reply before it never does.
    let not_his = next_event(&mut dave_live).await;
    assert_eq!(not_his.id, Some(first));
    assert_eq!(not_his.data["ssePayload"]["inThread"]["following"], false);
    replied(&server, &bob, &channel, root, "and @dave, the docs").await;
    let to_dave = next_event(&mut dave_live).await;
    assert_eq!(to_dave.data["ssePayload"]["inThread"]["following"], true);
    assert_eq!(counts(&server, &dave, &channel).await, (1, 1));
    assert_eq!(counts(&server, &alice, &channel).await, (2, 0));
    let t = thread(&server, &dave, root).await;
    assert_eq!(data(&t, "chatThread")["root"]["thread"]["unReadCnt"], 1);

    // Alice reads the thread on one device: cleared there and on the
    // other, which hears of it, and for the sidebar's count.
    next_event(&mut alice_live).await;
    next_event(&mut alice_other_device).await;
    let v = mark_thread_read(&server, &alice, root).await;
    assert_eq!(data(&v, "markThreadRead")["unReadCnt"], 0);
    for stream in [&mut alice_live, &mut alice_other_device] {
        let moved = next_event(stream).await;
        assert_eq!(moved.sse_type(), "CHAT_THREAD_READ_MARKER_MOVED");
        assert_eq!(moved.data["ssePayload"]["threadRoot"], root.to_string());
        assert_eq!(moved.data["ssePayload"]["unReadCnt"], 0);
    }
    assert_eq!(counts(&server, &alice, &channel).await, (0, 0));
    // Again: nothing moves, nothing is written.
    let head = head_now(&server, &alice).await;
    mark_thread_read(&server, &alice, root).await;
    assert_eq!(head_now(&server, &alice).await, head);
    // Carol follows nothing: reading is harmless and writes nothing.
    let v = mark_thread_read(&server, &carol, root).await;
    assert_eq!(data(&v, "markThreadRead")["unReadCnt"], 0);
    assert_eq!(head_now(&server, &alice).await, head);

    // Replying marks the thread read for the one who replies.
    replied(&server, &dave, &channel, root, "on it").await;
    assert_eq!(counts(&server, &dave, &channel).await, (0, 0));
    assert_eq!(counts(&server, &alice, &channel).await, (1, 0));
    // A resumed stream says the same as the live one: alice follows,
    // carol does not.
    let mut alice_resumed = server.sse(&alice, Some(first - 1)).await;
    let replayed = next_event(&mut alice_resumed).await;
    assert_eq!(replayed.id, Some(first));
    assert_eq!(replayed.data["ssePayload"]["inThread"]["following"], true);
    let mut carol_resumed = server.sse(&carol, Some(first - 1)).await;
    let replayed = next_event(&mut carol_resumed).await;
    assert_eq!(replayed.data["ssePayload"]["inThread"]["following"], false);
}

#[tokio::test]
async fn a_deleted_reply_leaves_the_thread_and_the_counts() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let root = server.send(&alice, &channel, "root").await;
    let reply = replied(&server, &bob, &channel, root, "oops").await;
    assert_eq!(counts(&server, &alice, &channel).await, (1, 0));
    let mut live = server.sse(&alice, None).await;
    data(&delete(&server, &bob, reply).await, "deleteChatMessage");
    let deleted = next_event(&mut live).await;
    assert_eq!(deleted.sse_type(), "CHAT_MESSAGE_DELETED");
    assert_eq!(
        deleted.data["ssePayload"]["inThread"],
        json!({"rootId": root.to_string(), "replyCount": 0})
    );
    assert_eq!(counts(&server, &alice, &channel).await, (0, 0));
    let own = channel_only(&server, &alice, &channel).await;
    assert_eq!(own[0]["thread"]["replyCount"], 0);
    let t = thread(&server, &alice, root).await;
    assert_eq!(data(&t, "chatThread")["contents"][0]["deleted"], true);
}

#[tokio::test]
async fn bad_thread_input_gets_its_code_and_writes_nothing() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (eve, _) = server.member("eve").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let other = server.group(&alice, "other", &[]).await;
    let root = server.send(&alice, &channel, "root").await;
    let elsewhere = server.send(&alice, &other, "elsewhere").await;
    let reply = replied(&server, &bob, &channel, root, "a reply").await;
    let gone = server.send(&alice, &channel, "to be deleted").await;
    delete(&server, &alice, gone).await;
    let head = head_now(&server, &alice).await;

    // A root of another channel, a reply as a root, a deleted root: bad
    // input; an unknown one: not found; a channel one is not in: forbidden.
    let cases = [
        (&alice, channel.as_str(), elsewhere, "BAD_USER_INPUT"),
        (&alice, channel.as_str(), reply, "BAD_USER_INPUT"),
        (&alice, channel.as_str(), gone, "BAD_USER_INPUT"),
        (&alice, channel.as_str(), 999_999, "NOT_FOUND"),
        (&eve, channel.as_str(), root, "FORBIDDEN"),
    ];
    for (token, channel, root, want) in cases {
        let v = reply_in(&server, token, channel, root, "x").await;
        assert_eq!(code(&v), want, "thread root {root}: {v}");
    }
    assert_eq!(head_now(&server, &alice).await, head, "nothing was written");

    // A thread of a reply, of nothing, of a channel one is not in.
    assert_eq!(
        code(&thread(&server, &alice, reply).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(code(&thread(&server, &alice, 999_999).await), "NOT_FOUND");
    assert_eq!(code(&thread(&server, &eve, root).await), "FORBIDDEN");
    assert_eq!(
        code(&mark_thread_read(&server, &alice, reply).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        code(&mark_thread_read(&server, &eve, root).await),
        "FORBIDDEN"
    );
    assert_eq!(head_now(&server, &alice).await, head);

    // A client key names one message: the same key in another thread (or
    // none) is a conflict, the same again is the first reply.
    let first = reply_keyed(&server, &bob, &channel, root, "keyed", Some("k1")).await;
    let again = reply_keyed(&server, &bob, &channel, root, "keyed", Some("k1")).await;
    assert_eq!(
        data(&first, "sendChatMessage")["id"],
        data(&again, "sendChatMessage")["id"]
    );
    let head = head_now(&server, &alice).await;
    let root2 = server.send(&alice, &channel, "another root").await;
    let moved = reply_keyed(&server, &bob, &channel, root2, "keyed", Some("k1")).await;
    assert_eq!(code(&moved), "CONFLICT");
    assert_eq!(
        head_now(&server, &alice).await,
        head + 1,
        "only the new root"
    );
}
