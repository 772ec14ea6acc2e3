//! Conversations through GraphQL: replies, edits, deletions and history
//! around a message (reactions are `reactions`); every kind of bad input
//! gets its code and writes nothing.

use serde_json::{json, Value};

use crate::common::*;

/// Every field of a message as it is now.
pub const MESSAGE: &str = "id message editedAt deleted clientKey mentions sender { memberName }
    replyTo { id preview deleted sender { memberName } }
    reactions { emoji count mine members { memberName } }";

pub async fn reply(server: &TestServer, token: &str, channel: &str, text: &str, to: i64) -> Value {
    server
        .gql(
            Some(token),
            &format!(
                "mutation($c:ID!,$m:String!,$r:ID){{sendChatMessage(channelId:$c,message:$m,replyTo:$r){{{MESSAGE}}}}}"
            ),
            json!({"c": channel, "m": text, "r": to.to_string()}),
        )
        .await
}

pub async fn edit(
    server: &TestServer,
    token: &str,
    id: i64,
    text: &str,
    key: Option<&str>,
) -> Value {
    server
        .gql(
            Some(token),
            &format!(
                "mutation($i:ID!,$m:String!,$k:String){{editChatMessage(messageId:$i,message:$m,clientKey:$k){{{MESSAGE}}}}}"
            ),
            json!({"i": id.to_string(), "m": text, "k": key}),
        )
        .await
}

pub async fn delete(server: &TestServer, token: &str, id: i64) -> Value {
    server
        .gql(
            Some(token),
            "mutation($i:ID!){deleteChatMessage(messageId:$i)}",
            json!({"i": id.to_string()}),
        )
        .await
}

pub async fn react(server: &TestServer, token: &str, id: i64, emoji: &str, on: bool) -> Value {
    server
        .gql(
            Some(token),
            &format!(
                "mutation($i:ID!,$e:String!,$o:Boolean!){{reactToMessage(messageId:$i,emoji:$e,on:$o){{{MESSAGE}}}}}"
            ),
            json!({"i": id.to_string(), "e": emoji, "o": on}),
        )
        .await
}

/// The message as `token` reads it now.
pub async fn message(server: &TestServer, token: &str, id: i64) -> Value {
    let v = server
        .gql(
            Some(token),
            &format!("query($i:ID!){{chatMessage(messageId:$i){{{MESSAGE}}}}}"),
            json!({"i": id.to_string()}),
        )
        .await;
    v["data"]["chatMessage"].clone()
}

/// A channel's history as `token` reads it: newest first.
pub async fn history(server: &TestServer, token: &str, channel: &str) -> Vec<Value> {
    let d = server
        .ok(
            token,
            &format!(
                "query($c:ID!){{chatChannelEvents(channelId:$c,limit:200){{contents{{eventType ... on ChatChannelChatEvent{{{MESSAGE}}}}}}}}}"
            ),
            json!({"c": channel}),
        )
        .await;
    d["chatChannelEvents"]["contents"]
        .as_array()
        .unwrap()
        .clone()
}

pub fn data<'a>(v: &'a Value, field: &str) -> &'a Value {
    assert!(v.get("errors").is_none(), "unexpected errors: {v}");
    &v["data"][field]
}

#[tokio::test]
async fn a_reply_carries_a_preview_of_its_original_in_the_answer_history_and_stream() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let long = format!("{}\nsecond line", "x".repeat(200));
    let original = server.send(&alice, &channel, &long).await;
    let mut stream = server.sse(&alice, None).await;
    let answer = reply(&server, &bob, &channel, "agreed", original).await;
    let sent = data(&answer, "sendChatMessage");
    assert_eq!(sent["replyTo"]["id"], original.to_string());
    assert_eq!(
        sent["replyTo"]["preview"],
        "x".repeat(120),
        "first line, 120 characters"
    );
    assert_eq!(sent["replyTo"]["sender"]["memberName"], "alice");
    assert_eq!(sent["replyTo"]["deleted"], false);
    let live = stream.next_published().await;
    assert_eq!(
        live.data["ssePayload"]["replyTo"]["id"],
        original.to_string()
    );
    assert_eq!(
        live.data["ssePayload"]["replyTo"]["preview"],
        "x".repeat(120)
    );
    let newest = &history(&server, &alice, &channel).await[0];
    assert_eq!(newest["replyTo"], sent["replyTo"]);
    // Once the original is deleted, the reply says so and quotes nothing.
    data(
        &delete(&server, &alice, original).await,
        "deleteChatMessage",
    );
    let newest = &history(&server, &bob, &channel).await[0];
    assert_eq!(newest["message"], "agreed");
    assert_eq!(newest["replyTo"]["deleted"], true);
    assert_eq!(newest["replyTo"]["preview"], "");
}

#[tokio::test]
async fn replies_to_another_channel_an_unknown_or_a_deleted_message_are_refused_and_write_nothing()
{
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let other = server.group(&alice, "elsewhere", &[]).await;
    let elsewhere = server.send(&alice, &other, "over there").await;
    let gone = server.send(&alice, &channel, "soon gone").await;
    data(&delete(&server, &alice, gone).await, "deleteChatMessage");
    let before = history(&server, &alice, &channel).await;
    for (to, expected) in [
        (elsewhere, "BAD_USER_INPUT"),
        (gone, "BAD_USER_INPUT"),
        (999_999, "NOT_FOUND"),
    ] {
        let v = reply(&server, &alice, &channel, "re", to).await;
        assert_eq!(code(&v), expected, "reply to {to}: {v}");
    }
    let v = server
        .gql(
            Some(&alice),
            "mutation($c:ID!){sendChatMessage(channelId:$c,message:\"re\",replyTo:\"x1\"){id}}",
            json!({"c": channel}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "a malformed id");
    assert_eq!(
        history(&server, &alice, &channel).await,
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn an_edit_changes_the_text_everywhere_and_the_same_edit_twice_edits_once() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let id = server.send(&alice, &channel, "helo").await;
    let mut stream = server.sse(&bob, None).await;
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    let (first, second) = tokio::join!(
        edit(&server, &alice, id, "hello", Some("edit-1")),
        edit(&server, &alice, id, "hello", Some("edit-1")),
    );
    for answer in [&first, &second] {
        let edited = data(answer, "editChatMessage");
        assert_eq!(edited["id"], id.to_string());
        assert_eq!(edited["message"], "hello");
        assert!(edited["editedAt"].as_str().unwrap().ends_with('Z'));
        assert_eq!(edited["deleted"], false);
    }
    let live = stream.next().await.unwrap();
    assert_eq!(live.sse_type(), "CHAT_MESSAGE_EDITED");
    assert_eq!(live.data["ssePayload"]["messageId"], id.to_string());
    assert_eq!(live.data["ssePayload"]["message"], "hello");
    // One edit: the next event on the stream is the next change.
    data(
        &edit(&server, &alice, id, "hello!", None).await,
        "editChatMessage",
    );
    let next = stream.next().await.unwrap();
    assert_eq!(next.data["ssePayload"]["message"], "hello!");
    // The key names that edit: another text under it is a conflict.
    let v = edit(&server, &alice, id, "other", Some("edit-1")).await;
    assert_eq!(code(&v), "CONFLICT");
    let now = message(&server, &bob, id).await;
    assert_eq!(now["message"], "hello!");
    assert_eq!(
        history(&server, &bob, &channel).await[0]["message"],
        "hello!"
    );
}

#[tokio::test]
async fn edits_by_others_of_unknown_or_deleted_messages_and_bad_texts_are_refused_and_write_nothing(
) {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, _) = server.member("carol").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let id = server.send(&alice, &channel, "original").await;
    let gone = server.send(&alice, &channel, "gone").await;
    data(&delete(&server, &alice, gone).await, "deleteChatMessage");
    let before = history(&server, &alice, &channel).await;
    let too_long = "a".repeat(4001);
    for (who, target, text, expected) in [
        (&bob, id, "mine now", "FORBIDDEN"),   // not the sender
        (&carol, id, "mine now", "FORBIDDEN"), // not even a member
        (&alice, 999_999, "x", "NOT_FOUND"),   // no such message
        (&alice, gone, "back", "NOT_FOUND"),   // deleted: gone
        (&alice, id, "", "BAD_USER_INPUT"),
        (&alice, id, "   ", "BAD_USER_INPUT"),
        (&alice, id, "\u{200B}", "BAD_USER_INPUT"),
        (&alice, id, too_long.as_str(), "BAD_USER_INPUT"),
    ] {
        let v = edit(&server, who, target, text, None).await;
        assert_eq!(code(&v), expected, "{target} {text:.20?}: {v}");
    }
    let v = edit(&server, &alice, id, "x", Some("not a key")).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "a malformed clientKey");
    // A join is no message.
    let join = before.last().unwrap();
    assert_eq!(join["eventType"], "JOIN");
    assert_eq!(
        history(&server, &alice, &channel).await,
        before,
        "nothing written"
    );
    assert!(message(&server, &alice, id).await["editedAt"].is_null());
}

#[tokio::test]
async fn a_deletion_empties_the_message_a_retry_is_harmless_and_only_the_sender_may() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let id = server.send(&alice, &channel, "oops").await;
    data(
        &react(&server, &bob, id, "👍", true).await,
        "reactToMessage",
    );
    for (who, target, expected) in [(&bob, id, "FORBIDDEN"), (&alice, 999_999, "NOT_FOUND")] {
        assert_eq!(code(&delete(&server, who, target).await), expected);
    }
    assert_eq!(
        message(&server, &bob, id).await["message"],
        "oops",
        "nothing written"
    );
    for _ in 0..2 {
        assert_eq!(
            *data(&delete(&server, &alice, id).await, "deleteChatMessage"),
            json!(true)
        );
    }
    let now = message(&server, &bob, id).await;
    assert_eq!(now["deleted"], true);
    assert_eq!(now["message"], "");
    assert_eq!(
        now["reactions"],
        json!([]),
        "a deleted message keeps no reactions"
    );
    let listed = &history(&server, &bob, &channel).await[0];
    assert_eq!(listed["eventType"], "CHAT");
    assert_eq!(listed["deleted"], true);
    assert_eq!(listed["message"], "");
    assert_eq!(
        code(&react(&server, &bob, id, "👍", true).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&edit(&server, &alice, id, "back", None).await),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn history_around_a_message_holds_it_and_what_surrounds_it_within_the_page_bound() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let other = server.group(&alice, "other", &[]).await;
    let elsewhere = server.send(&alice, &other, "not here").await;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(server.send(&alice, &channel, &format!("m{i}")).await);
    }
    let q = "query($c:ID!,$a:ID,$b:String,$l:Int!){chatChannelEvents(channelId:$c,around:$a,before:$b,limit:$l){contents{id} hasMore nextCursor}}";
    let d = server
        .ok(
            &alice,
            q,
            json!({"c": channel, "a": ids[10].to_string(), "l": 9}),
        )
        .await;
    let page = &d["chatChannelEvents"];
    let got: Vec<i64> = page["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut expected: Vec<i64> = ids[6..=14].to_vec();
    expected.reverse();
    assert_eq!(
        got, expected,
        "four newer, the message, four older; newest first"
    );
    assert_eq!(page["hasMore"], true);
    // Going on from its cursor reaches the start of the channel.
    let d = server
        .ok(
            &alice,
            q,
            json!({"c": channel, "b": page["nextCursor"], "l": 200}),
        )
        .await;
    assert_eq!(
        d["chatChannelEvents"]["contents"].as_array().unwrap().len(),
        7,
        "m0..m5 and the join"
    );
    // Near the newest end the older ones fill the page.
    let d = server
        .ok(
            &alice,
            q,
            json!({"c": channel, "a": ids[29].to_string(), "l": 5}),
        )
        .await;
    assert_eq!(
        d["chatChannelEvents"]["contents"][0]["id"],
        ids[29].to_string()
    );
    assert_eq!(
        d["chatChannelEvents"]["contents"].as_array().unwrap().len(),
        5
    );
    for (vars, expected) in [
        (
            json!({"c": channel, "a": elsewhere.to_string(), "l": 9}),
            "NOT_FOUND",
        ),
        (json!({"c": channel, "a": "999999", "l": 9}), "NOT_FOUND"),
        (json!({"c": channel, "a": "x", "l": 9}), "BAD_USER_INPUT"),
        (
            json!({"c": channel, "a": ids[3].to_string(), "l": 201}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"c": channel, "a": ids[3].to_string(), "l": 0}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"c": channel, "a": ids[3].to_string(), "b": page["nextCursor"], "l": 9}),
            "BAD_USER_INPUT",
        ),
    ] {
        let v = server.gql(Some(&alice), q, vars.clone()).await;
        assert_eq!(code(&v), expected, "{vars}");
    }
}

#[tokio::test]
async fn a_message_is_read_as_its_channel_is_and_outsiders_get_forbidden_or_not_found() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, _) = server.member("carol").await;
    let group = server.group(&alice, "g", &[]).await;
    let in_group = server.send(&alice, &group, "group talk").await;
    let dm = server
        .ok(
            &alice,
            "mutation($m:ID!){openDirectChannel(memberId:$m){id}}",
            json!({"m": bob_id}),
        )
        .await["openDirectChannel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let direct = server.send(&alice, &dm, "just us").await;
    assert_eq!(message(&server, &bob, direct).await["message"], "just us");
    let q = "query($i:ID!){chatMessage(messageId:$i){id}}";
    for (who, id, expected) in [
        (&carol, in_group, "FORBIDDEN"), // a group she could join
        (&carol, direct, "NOT_FOUND"),   // a direct channel of others
        (&carol, 999_999, "NOT_FOUND"),
    ] {
        let v = server.gql(Some(who), q, json!({"i": id.to_string()})).await;
        assert_eq!(code(&v), expected, "{id}");
    }
    // Not even by trying to change it.
    assert_eq!(
        code(&react(&server, &carol, direct, "👍", true).await),
        "NOT_FOUND"
    );
    assert_eq!(code(&delete(&server, &carol, direct).await), "NOT_FOUND");
}

#[tokio::test]
async fn edits_deletions_and_reactions_spend_the_members_send_budget() {
    let server = TestServer::start_with(suda_server::Config {
        sends_per_second: 1,
        send_burst: 4,
        ..test_config()
    })
    .await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let id = server.send(&alice, &channel, "one").await;
    data(
        &edit(&server, &alice, id, "two", None).await,
        "editChatMessage",
    );
    data(
        &react(&server, &alice, id, "👍", true).await,
        "reactToMessage",
    );
    data(&delete(&server, &alice, id).await, "deleteChatMessage");
    let v = react(&server, &alice, id, "👎", true).await;
    assert_eq!(code(&v), "RATE_LIMITED");
}

#[tokio::test]
async fn a_blocked_member_can_no_longer_edit_or_react_in_the_direct_channel_but_may_delete() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let dm = server
        .ok(
            &alice,
            "mutation($m:ID!){openDirectChannel(memberId:$m){id}}",
            json!({"m": bob_id}),
        )
        .await["openDirectChannel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hers = server.send(&alice, &dm, "hi bob").await;
    let mine = server.send(&bob, &dm, "hi alice").await;
    server
        .ok(
            &alice,
            "mutation($m:ID!){blockMember(memberId:$m)}",
            json!({"m": bob_id}),
        )
        .await;
    // New words or reactions would reach her anyway: refused, as a send is.
    assert_eq!(
        code(&edit(&server, &bob, mine, "worse", None).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&react(&server, &bob, hers, "👍", true).await),
        "FORBIDDEN"
    );
    assert_eq!(message(&server, &alice, mine).await["message"], "hi alice");
    // Taking his words back is always his to do; she still may react.
    data(&delete(&server, &bob, mine).await, "deleteChatMessage");
    data(
        &react(&server, &alice, hers, "👍", true).await,
        "reactToMessage",
    );
}

#[tokio::test]
async fn a_retried_send_answers_the_message_as_it_is_now_even_after_the_sender_left() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let q = format!(
        "mutation($c:ID!,$m:String!,$k:String){{sendChatMessage(channelId:$c,message:$m,clientKey:$k){{{MESSAGE}}}}}"
    );
    let vars = json!({"c": channel, "m": "once", "k": "outbox-1"});
    let first = server.ok(&bob, &q, vars.clone()).await;
    let id: i64 = first["sendChatMessage"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    data(
        &react(&server, &alice, id, "👍", true).await,
        "reactToMessage",
    );
    server
        .ok(
            &bob,
            "mutation($c:ID!){leaveChannel(channelId:$c)}",
            json!({"c": channel}),
        )
        .await;
    // Bob's outbox did not hear the first answer and tries again.
    let again = server.ok(&bob, &q, vars).await;
    assert_eq!(
        again["sendChatMessage"]["id"],
        first["sendChatMessage"]["id"]
    );
    assert_eq!(again["sendChatMessage"]["reactions"][0]["count"], 1);
}
