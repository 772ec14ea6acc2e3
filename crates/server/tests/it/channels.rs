//! Groups beyond messages: the directory, private groups, topics and
//! renames, the creator removing members and archiving. Each change is an
//! event on the members' streams, replayed on resume; each refusal is a
//! coded error that writes nothing.

use std::time::Duration;

use serde_json::{json, Value};
use suda_testkit::{code, TestServer};

const CREATE: &str = "mutation($n:String!,$m:[ID!],$t:String,$p:Boolean){
  createGroupChannel(name:$n,memberIds:$m,topic:$t,private:$p){id name topic private archived creatorId}}";
const DIRECTORY: &str =
    "query($q:String=\"\",$l:Int=50,$o:Int=0){chatChannelDirectory(query:$q,limit:$l,offset:$o){
  channels{id name topic memberCount joined private} hasMore}}";
const UPDATE: &str = "mutation($c:ID!,$n:String,$t:String,$a:Boolean){
  updateChannel(channelId:$c,name:$n,topic:$t,archived:$a){id name topic archived}}";
const REMOVE: &str =
    "mutation($c:ID!,$m:ID!){removeFromChannel(channelId:$c,memberId:$m){id memberCount}}";
const JOIN: &str = "mutation($c:ID!){joinChannel(channelId:$c){id}}";
const INVITE: &str = "mutation($c:ID!,$m:ID!){inviteToChannel(channelId:$c,memberId:$m){id}}";
const CHANNEL: &str = "query($c:ID!){chatChannel(channelId:$c){id name topic private archived}}";
const SEND: &str = "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}";

async fn create(server: &TestServer, token: &str, name: &str, topic: &str, private: bool) -> Value {
    let d = server
        .ok(token, CREATE, json!({"n": name, "t": topic, "p": private}))
        .await;
    d["createGroupChannel"].clone()
}

fn names(directory: &Value) -> Vec<&str> {
    directory["chatChannelDirectory"]["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

async fn head(server: &TestServer) -> i64 {
    server.state().store.head().await.unwrap()
}

#[tokio::test]
async fn the_directory_lists_public_groups_by_name_with_counts_and_finds_by_name_or_topic() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let design = create(&server, &alice, "Design", "Pixels and fonts", false).await;
    assert_eq!(design["topic"], "Pixels and fonts");
    assert_eq!(design["private"], false);
    let backend = server.group(&alice, "backend", &[&bob_id]).await;
    create(&server, &alice, "secret plans", "nobody knows", true).await;
    let old = create(&server, &alice, "attic", "", false).await;
    server
        .ok(&alice, UPDATE, json!({"c": old["id"], "a": true}))
        .await;

    // By name ignoring case; private and archived groups are not there.
    let d = server.ok(&bob, DIRECTORY, json!({})).await;
    assert_eq!(names(&d), ["backend", "Design"]);
    let listed = &d["chatChannelDirectory"]["channels"];
    assert_eq!(listed[0]["id"], backend);
    assert_eq!(
        (
            listed[0]["memberCount"].clone(),
            listed[0]["joined"].clone()
        ),
        (json!(2), json!(true))
    );
    assert_eq!(
        (
            listed[1]["memberCount"].clone(),
            listed[1]["joined"].clone()
        ),
        (json!(1), json!(false))
    );
    assert_eq!(d["chatChannelDirectory"]["hasMore"], false);

    // A word of the topic, in another case; a name's part; nothing.
    let d = server.ok(&bob, DIRECTORY, json!({"q": "PIXEL"})).await;
    assert_eq!(names(&d), ["Design"]);
    let d = server.ok(&bob, DIRECTORY, json!({"q": " end "})).await;
    assert_eq!(names(&d), ["backend"]);
    let d = server.ok(&bob, DIRECTORY, json!({"q": "plans"})).await;
    assert!(names(&d).is_empty(), "a private group is never found: {d}");
    let d = server.ok(&bob, DIRECTORY, json!({"q": "%"})).await;
    assert!(names(&d).is_empty(), "no pattern characters: {d}");

    // Pages.
    let d = server.ok(&bob, DIRECTORY, json!({"l": 1})).await;
    assert_eq!(
        (names(&d), d["chatChannelDirectory"]["hasMore"].clone()),
        (vec!["backend"], json!(true))
    );
    let d = server.ok(&bob, DIRECTORY, json!({"l": 1, "o": 1})).await;
    assert_eq!(
        (names(&d), d["chatChannelDirectory"]["hasMore"].clone()),
        (vec!["Design"], json!(false))
    );

    // Bad input: a clear error each.
    for (vars, why) in [
        (json!({"q": "x".repeat(101)}), "a search of 101 characters"),
        (json!({"l": 0}), "a page of none"),
        (json!({"l": 101}), "a page of 101"),
        (json!({"o": -1}), "an offset below 0"),
        (json!({"o": 10_001}), "an offset past 10,000"),
    ] {
        let v = server.gql(Some(&bob), DIRECTORY, vars).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{why}: {v}");
    }
}

#[tokio::test]
async fn a_private_group_does_not_exist_for_outsiders_until_they_are_invited() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (carol, carol_id) = server.member("carol").await;
    let secret = create(&server, &alice, "secret", "", true).await;
    let id = secret["id"].as_str().unwrap().to_owned();
    assert_eq!(secret["private"], true);
    server.send(&alice, &id, "the plan").await;
    // A channel that does not exist, for comparison: the same answers.
    let nowhere = "999999";
    let before = head(&server).await;

    for (query, vars, what) in [
        (CHANNEL, json!({"c": id}), "reading it"),
        (JOIN, json!({"c": id}), "joining it"),
        (SEND, json!({"c": id, "m": "hi"}), "sending to it"),
        (
            "query($c:ID!){chatChannelEvents(channelId:$c){contents{id}}}",
            json!({"c": id}),
            "reading its history",
        ),
        (
            "query($c:ID!){chatChannelMembers(channelId:$c){id}}",
            json!({"c": id}),
            "listing its members",
        ),
        (
            "mutation($c:ID!){setTyping(channelId:$c)}",
            json!({"c": id}),
            "typing in it",
        ),
    ] {
        let guessed = server.gql(Some(&carol), query, vars.clone()).await;
        let mut missing = vars.clone();
        missing["c"] = json!(nowhere);
        let none = server.gql(Some(&carol), query, missing).await;
        assert_eq!(code(&guessed), "NOT_FOUND", "{what}: {guessed}");
        let strip = |v: &Value| {
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .replace(&id, "N")
                .replace(nowhere, "N")
        };
        assert_eq!(strip(&guessed), strip(&none), "{what}: no oracle");
    }
    assert_eq!(head(&server).await, before, "nothing written");

    // Invited, she is in, and it reads as private.
    server
        .ok(&alice, INVITE, json!({"c": id, "m": carol_id}))
        .await;
    let d = server.ok(&carol, CHANNEL, json!({"c": id})).await;
    assert_eq!(d["chatChannel"]["private"], true);
    server.send(&carol, &id, "thanks").await;

    // Removed, she cannot come back by herself.
    server
        .ok(&alice, REMOVE, json!({"c": id, "m": carol_id}))
        .await;
    let v = server.gql(Some(&carol), JOIN, json!({"c": id})).await;
    assert_eq!(code(&v), "NOT_FOUND", "{v}");
}

#[tokio::test]
async fn members_rename_and_set_the_topic_and_everyone_sees_it_live_and_on_resume() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, _) = server.member("carol").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let last = server.send(&alice, &channel, "hello").await;
    let mut alice_sse = server.sse(&alice, None).await;
    alice_sse.next().await.unwrap();
    server.wait_for_subscriptions(1).await;

    // Bob, a member but not the creator, renames it and sets its topic.
    let d = server
        .ok(
            &bob,
            UPDATE,
            json!({"c": channel, "n": "  launch  ", "t": "Ship it by Friday"}),
        )
        .await;
    assert_eq!(d["updateChannel"]["name"], "launch");
    assert_eq!(d["updateChannel"]["topic"], "Ship it by Friday");
    let e = alice_sse.next().await.unwrap();
    assert_eq!(e.sse_type(), "CHAT_CHANNEL_CHANGED");
    let p = &e.data["ssePayload"];
    assert_eq!(p["chatChannelId"], channel);
    assert_eq!(p["name"], "launch");
    assert_eq!(p["topic"], "Ship it by Friday");
    assert_eq!(p["archived"], false);
    assert_eq!(p["changedBy"]["memberName"], "bob");
    assert_eq!(e.id, Some(last + 1));

    // The same again writes nothing and sends nothing.
    let before = head(&server).await;
    server
        .ok(
            &bob,
            UPDATE,
            json!({"c": channel, "t": "Ship it by Friday"}),
        )
        .await;
    assert_eq!(head(&server).await, before);
    assert!(alice_sse
        .next_within(Duration::from_millis(300))
        .await
        .is_none());

    // Resumed from before it, the change is replayed; the list reads it.
    let mut resumed = server.sse(&alice, Some(last)).await;
    resumed.next().await.unwrap();
    let e = resumed.next().await.unwrap();
    assert_eq!(
        (e.sse_type(), e.data["ssePayload"]["name"].clone()),
        ("CHAT_CHANNEL_CHANGED", json!("launch"))
    );
    let d = server
        .ok(&alice, "{myChatChannels{id name topic}}", json!({}))
        .await;
    assert_eq!(d["myChatChannels"][0]["topic"], "Ship it by Friday");
    // History is messages, joins and leaves only.
    let d = server
        .ok(
            &alice,
            "query($c:ID!){chatChannelEvents(channelId:$c){contents{id}}}",
            json!({"c": channel}),
        )
        .await;
    assert_eq!(
        d["chatChannelEvents"]["contents"][0]["id"],
        last.to_string()
    );

    // Bad input, and outsiders: a coded error, nothing written.
    let dm = server
        .ok(
            &alice,
            "mutation($m:ID!){openDirectChannel(memberId:$m){id}}",
            json!({"m": bob_id}),
        )
        .await["openDirectChannel"]["id"]
        .clone();
    let before = head(&server).await;
    for (token, vars, expected, what) in [
        (
            &bob,
            json!({"c": channel, "t": "x".repeat(251)}),
            "BAD_USER_INPUT",
            "a topic of 251",
        ),
        (
            &bob,
            json!({"c": channel, "t": "two\nlines"}),
            "BAD_USER_INPUT",
            "a topic of two lines",
        ),
        (
            &bob,
            json!({"c": channel, "n": "   "}),
            "BAD_USER_INPUT",
            "an empty name",
        ),
        (
            &bob,
            json!({"c": channel, "n": "x".repeat(81)}),
            "BAD_USER_INPUT",
            "a name of 81",
        ),
        (
            &bob,
            json!({"c": channel}),
            "BAD_USER_INPUT",
            "nothing to change",
        ),
        (
            &bob,
            json!({"c": dm, "t": "hi"}),
            "BAD_USER_INPUT",
            "a direct channel",
        ),
        (
            &carol,
            json!({"c": channel, "t": "mine"}),
            "FORBIDDEN",
            "an outsider",
        ),
        (&bob, json!({"c": "x"}), "BAD_USER_INPUT", "no channel id"),
    ] {
        let v = server.gql(Some(token), UPDATE, vars).await;
        assert_eq!(code(&v), expected, "{what}: {v}");
    }
    assert_eq!(head(&server).await, before, "nothing written");
}

#[tokio::test]
async fn only_the_creator_removes_and_the_removed_hear_it_and_nothing_after() {
    let server = TestServer::start().await;
    let (alice, alice_id) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, carol_id) = server.member("carol").await;
    let channel = server.group(&alice, "g", &[&bob_id, &carol_id]).await;
    let mut bob_sse = server.sse(&bob, None).await;
    bob_sse.next().await.unwrap();
    server.wait_for_subscriptions(1).await;

    let before = head(&server).await;
    let v = server
        .gql(Some(&bob), REMOVE, json!({"c": channel, "m": carol_id}))
        .await;
    assert_eq!(code(&v), "FORBIDDEN", "not the creator: {v}");
    let v = server
        .gql(Some(&alice), REMOVE, json!({"c": channel, "m": alice_id}))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "oneself: {v}");
    let v = server
        .gql(Some(&alice), REMOVE, json!({"c": channel, "m": "424242"}))
        .await;
    assert_eq!(code(&v), "NOT_FOUND", "nobody: {v}");
    assert_eq!(head(&server).await, before, "nothing written");

    let d = server
        .ok(&alice, REMOVE, json!({"c": channel, "m": bob_id}))
        .await;
    assert_eq!(d["removeFromChannel"]["memberCount"], 2);
    let e = bob_sse.next().await.unwrap();
    let p = &e.data["ssePayload"];
    assert_eq!(
        (
            e.sse_type(),
            p["eventType"].clone(),
            p["sender"]["id"].clone()
        ),
        ("CHAT_MESSAGE_PUBLISHED", json!("LEAVE"), json!(bob_id))
    );
    assert_eq!(p["removedBy"]["memberName"], "alice");
    // Nothing of the group reaches him after it.
    server.send(&alice, &channel, "after").await;
    assert!(bob_sse
        .next_within(Duration::from_millis(300))
        .await
        .is_none());
    let d = server.ok(&bob, "{myChatChannels{id}}", json!({})).await;
    assert_eq!(d["myChatChannels"], json!([]));
    let v = server
        .gql(Some(&bob), SEND, json!({"c": channel, "m": "hey"}))
        .await;
    assert_eq!(code(&v), "FORBIDDEN", "{v}");
    // History tells who removed him.
    let d = server
        .ok(
            &alice,
            "query($c:ID!){chatChannelEvents(channelId:$c){contents{eventType
              ... on ChatChannelLeaveEvent{member{memberName} removedBy{memberName}}}}}",
            json!({"c": channel}),
        )
        .await;
    let leave = &d["chatChannelEvents"]["contents"][1];
    assert_eq!(leave["eventType"], "LEAVE");
    assert_eq!(leave["member"]["memberName"], "bob");
    assert_eq!(leave["removedBy"]["memberName"], "alice");

    // Again: nothing to do. A public group takes him back if he asks.
    let before = head(&server).await;
    server
        .ok(&alice, REMOVE, json!({"c": channel, "m": bob_id}))
        .await;
    assert_eq!(head(&server).await, before);
    server.ok(&bob, JOIN, json!({"c": channel})).await;
    // Carol leaving by herself carries no `removedBy`.
    let mut alice_sse = server.sse(&alice, Some(head(&server).await)).await;
    alice_sse.next().await.unwrap();
    server
        .ok(
            &carol,
            "mutation($c:ID!){leaveChannel(channelId:$c)}",
            json!({"c": channel}),
        )
        .await;
    let e = alice_sse.next().await.unwrap();
    assert_eq!(e.data["ssePayload"]["eventType"], "LEAVE");
    assert!(e.data["ssePayload"].get("removedBy").is_none(), "{e:?}");
}

#[tokio::test]
async fn an_archived_group_is_read_but_never_written_and_only_its_creator_archives_it() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, carol_id) = server.member("carol").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let message = server.send(&bob, &channel, "hello").await.to_string();

    let v = server
        .gql(Some(&bob), UPDATE, json!({"c": channel, "a": true}))
        .await;
    assert_eq!(code(&v), "FORBIDDEN", "not the creator: {v}");
    let mut bob_sse = server.sse(&bob, None).await;
    bob_sse.next().await.unwrap();
    server.wait_for_subscriptions(1).await;
    let d = server
        .ok(&alice, UPDATE, json!({"c": channel, "a": true}))
        .await;
    assert_eq!(d["updateChannel"]["archived"], true);
    let e = bob_sse.next().await.unwrap();
    assert_eq!(
        (e.sse_type(), e.data["ssePayload"]["archived"].clone()),
        ("CHAT_CHANNEL_CHANGED", json!(true))
    );

    let before = head(&server).await;
    for (token, query, vars, what) in [
        (&bob, SEND, json!({"c": channel, "m": "hi"}), "a message"),
        (
            &bob,
            "mutation($m:ID!){editChatMessage(messageId:$m,message:\"x\"){id}}",
            json!({"m": message}),
            "an edit",
        ),
        (
            &bob,
            "mutation($m:ID!){deleteChatMessage(messageId:$m)}",
            json!({"m": message}),
            "a deletion",
        ),
        (
            &alice,
            "mutation($m:ID!){reactToMessage(messageId:$m,emoji:\"👍\",on:true){id}}",
            json!({"m": message}),
            "a reaction",
        ),
        (
            &bob,
            "mutation($c:ID!){setTyping(channelId:$c)}",
            json!({"c": channel}),
            "typing",
        ),
        (&carol, JOIN, json!({"c": channel}), "a join"),
        (
            &alice,
            INVITE,
            json!({"c": channel, "m": carol_id}),
            "an invite",
        ),
        (
            &alice,
            REMOVE,
            json!({"c": channel, "m": bob_id}),
            "a removal",
        ),
        (&bob, UPDATE, json!({"c": channel, "t": "new"}), "a topic"),
    ] {
        let v = server.gql(Some(token), query, vars).await;
        assert_eq!(code(&v), "FORBIDDEN", "{what}: {v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("archived"),
            "{what} says why: {v}"
        );
    }
    assert_eq!(head(&server).await, before, "nothing written");

    // Still read, marked read, and left.
    let d = server
        .ok(
            &bob,
            "query($c:ID!){chatChannelEvents(channelId:$c){contents{id}}}",
            json!({"c": channel}),
        )
        .await;
    assert_eq!(d["chatChannelEvents"]["contents"][0]["id"], message);
    server
        .ok(
            &alice,
            "mutation($c:ID!){markChannelRead(channelId:$c){id}}",
            json!({"c": channel}),
        )
        .await;
    // Brought back, it is written again, topic and all in one change.
    let d = server
        .ok(
            &alice,
            UPDATE,
            json!({"c": channel, "a": false, "t": "back"}),
        )
        .await;
    assert_eq!(d["updateChannel"]["topic"], "back");
    server.send(&bob, &channel, "again").await;
    server
        .ok(
            &bob,
            "mutation($c:ID!){leaveChannel(channelId:$c)}",
            json!({"c": channel}),
        )
        .await;
}
