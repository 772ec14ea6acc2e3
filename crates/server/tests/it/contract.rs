//! The compatibility core: the committed schema, and the contract's three
//! operations run verbatim.

use serde_json::json;
use suda_protocol::{OPERATIONS, SCHEMA_GRAPHQL};

use crate::common::*;

#[test]
fn committed_schema_matches_the_servers_schema() {
    let sdl = suda_server::graphql::schema().sdl();
    if std::env::var_os("SUDA_WRITE_SCHEMA").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../protocol/schema.graphql");
        std::fs::write(path, &sdl).unwrap();
        return;
    }
    assert!(
        sdl == SCHEMA_GRAPHQL,
        "crates/protocol/schema.graphql differs from the server's schema.\n\
         Regenerate it with: SUDA_WRITE_SCHEMA=1 cargo test -p suda-server --test it committed_schema"
    );
}

fn operation(file: &str) -> &'static str {
    OPERATIONS.iter().find(|(f, _)| *f == file).unwrap().1
}

#[tokio::test]
async fn every_committed_operation_validates_against_the_schema() {
    let server = TestServer::start().await;
    for (file, document) in OPERATIONS {
        let names: Vec<&str> = document
            .lines()
            .filter_map(|l| {
                let l = l.trim_start();
                let rest = l
                    .strip_prefix("query ")
                    .or_else(|| l.strip_prefix("mutation "))?;
                Some(rest.split(['(', ' ', '{']).next().unwrap())
            })
            .collect();
        assert!(
            !names.is_empty() || file.ends_with("Extensions.graphql"),
            "{file}"
        );
        for name in names {
            // Run anonymously: a document that validates fails only in its
            // resolvers (UNAUTHENTICATED, or for sign-in a wrong password);
            // one that does not validate never gets there.
            let v: serde_json::Value = server
                .http
                .post(server.url("/graphql"))
                .json(
                    &json!({"query": document, "operationName": name, "variables": {
                        "channelId": "1", "message": "x", "memberName": "nobody",
                        "password": "password-1", "memberId": "1", "name": "n",
                        "memberIds": [], "before": null, "limit": 10, "upTo": null, "clientKey": "k",
                        "messageId": "1", "emoji": "👍", "on": true, "around": null, "replyTo": null
                    }}),
                )
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let ok = v.get("errors").is_none()
                || v["errors"].as_array().unwrap().iter().all(|e| {
                    matches!(
                        e["extensions"]["code"].as_str(),
                        Some("UNAUTHENTICATED" | "BAD_USER_INPUT")
                    ) && e.get("path").is_some()
                });
            assert!(ok, "{file} {name} does not validate: {v}");
        }
    }
}

#[tokio::test]
async fn the_three_contract_operations_run_verbatim() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "general", &[&bob_id]).await;

    let sent = server
        .ok(
            &alice,
            operation("SendChatMessage.graphql"),
            json!({"channelId": channel, "message": "hello <b>bob</b>"}),
        )
        .await;
    assert_eq!(sent["sendChatMessage"]["eventType"], "CHAT");
    assert!(sent["sendChatMessage"]["createdAt"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    let mine = server
        .ok(&bob, operation("MyChatChannels.graphql"), json!({}))
        .await;
    let c = &mine["myChatChannels"][0];
    assert_eq!(c["id"], channel.as_str());
    assert_eq!(c["ctype"], "GROUP");
    assert_eq!(c["name"], "general");
    assert_eq!(c["unReadCnt"], 1, "bob has alice's message unread");
    let alices = server
        .ok(&alice, operation("MyChatChannels.graphql"), json!({}))
        .await;
    assert_eq!(
        alices["myChatChannels"][0]["unReadCnt"], 0,
        "own messages are not unread"
    );

    let events = server
        .ok(
            &bob,
            operation("ChatChannelEvents.graphql"),
            json!({"channelId": channel}),
        )
        .await;
    let contents = events["chatChannelEvents"]["contents"].as_array().unwrap();
    // Newest first: the message, then bob's join, then alice's join.
    assert_eq!(contents.len(), 3);
    assert_eq!(contents[0]["eventType"], "CHAT");
    assert_eq!(
        contents[0]["message"], "hello <b>bob</b>",
        "stored and returned as text"
    );
    assert_eq!(contents[0]["sender"]["memberName"], "alice");
    assert_eq!(contents[0]["id"], sent["sendChatMessage"]["id"]);
    assert_eq!(contents[1]["eventType"], "JOIN");
    assert!(contents[1].get("message").is_none());
}

#[tokio::test]
async fn history_pages_with_a_cursor_until_has_more_is_false() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    for i in 0..25 {
        server.send(&alice, &channel, &format!("m{i}")).await;
    }
    let q = "query($c:ID!,$b:String,$l:Int!){chatChannelEvents(channelId:$c,before:$b,limit:$l){contents{id ... on ChatChannelChatEvent{message}} hasMore nextCursor}}";
    let mut cursor = serde_json::Value::Null;
    let mut seen = Vec::new();
    loop {
        let d = server
            .ok(&alice, q, json!({"c": channel, "b": cursor, "l": 10}))
            .await;
        let page = &d["chatChannelEvents"];
        for e in page["contents"].as_array().unwrap() {
            seen.push(e["id"].as_str().unwrap().parse::<i64>().unwrap());
        }
        if !page["hasMore"].as_bool().unwrap() {
            assert!(page["nextCursor"].is_null());
            break;
        }
        cursor = page["nextCursor"].clone();
    }
    assert_eq!(seen.len(), 26, "25 messages and the join");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
}

#[tokio::test]
async fn mark_read_drops_unread_to_zero_for_that_member_only() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, carol_id) = server.member("carol").await;
    let channel = server.group(&alice, "g", &[&bob_id, &carol_id]).await;
    for i in 0..3 {
        server.send(&alice, &channel, &format!("m{i}")).await;
    }
    let q = "query{myChatChannels{unReadCnt}}";
    assert_eq!(
        server.ok(&bob, q, json!({})).await["myChatChannels"][0]["unReadCnt"],
        3
    );
    let marked = server
        .ok(
            &bob,
            "mutation($c:ID!){markChannelRead(channelId:$c){unReadCnt lastReadEventId}}",
            json!({"c": channel}),
        )
        .await;
    assert_eq!(marked["markChannelRead"]["unReadCnt"], 0);
    assert_eq!(
        server.ok(&bob, q, json!({})).await["myChatChannels"][0]["unReadCnt"],
        0
    );
    assert_eq!(
        server.ok(&carol, q, json!({})).await["myChatChannels"][0]["unReadCnt"],
        3
    );
}

#[tokio::test]
async fn a_retried_send_with_the_same_client_key_writes_one_message() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let q = "mutation($c:ID!,$m:String!,$k:String){sendChatMessage(channelId:$c,message:$m,clientKey:$k){id clientKey}}";
    let vars = json!({"c": channel, "m": "once", "k": "0b7c1e52-key"});
    let (a, b) = tokio::join!(
        server.ok(&alice, q, vars.clone()),
        server.ok(&alice, q, vars.clone())
    );
    let c = server.ok(&alice, q, vars).await;
    assert_eq!(a["sendChatMessage"]["id"], b["sendChatMessage"]["id"]);
    assert_eq!(a["sendChatMessage"]["id"], c["sendChatMessage"]["id"]);
    assert_eq!(a["sendChatMessage"]["clientKey"], "0b7c1e52-key");
    let d = server
        .ok(
            &alice,
            "query($c:ID!){chatChannelEvents(channelId:$c){contents{eventType}}}",
            json!({"c": channel}),
        )
        .await;
    let chats = d["chatChannelEvents"]["contents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "CHAT")
        .count();
    assert_eq!(chats, 1);
}

#[tokio::test]
async fn channels_can_be_created_opened_joined_left_and_invited_to() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, carol_id) = server.member("carol").await;
    let group = server.group(&alice, "  project  ", &[]).await;

    // Bob finds and joins the group by id; joining twice changes nothing.
    for _ in 0..2 {
        let d = server
            .ok(
                &bob,
                "mutation($c:ID!){joinChannel(channelId:$c){name memberCount joined}}",
                json!({"c": group}),
            )
            .await;
        assert_eq!(d["joinChannel"]["name"], "project");
        assert_eq!(d["joinChannel"]["memberCount"], 2);
        assert_eq!(d["joinChannel"]["joined"], true);
    }
    // Bob invites carol.
    server
        .ok(
            &bob,
            "mutation($c:ID!,$m:ID!){inviteToChannel(channelId:$c,memberId:$m){id}}",
            json!({"c": group, "m": carol_id}),
        )
        .await;
    let members = server
        .ok(
            &carol,
            "query($c:ID!){chatChannelMembers(channelId:$c){memberName}}",
            json!({"c": group}),
        )
        .await;
    let names: Vec<&str> = members["chatChannelMembers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["memberName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob", "carol"]);

    // Carol leaves: she no longer sees it, and cannot send to it.
    server
        .ok(
            &carol,
            "mutation($c:ID!){leaveChannel(channelId:$c)}",
            json!({"c": group}),
        )
        .await;
    let v = server
        .gql(
            Some(&carol),
            "mutation($c:ID!){sendChatMessage(channelId:$c,message:\"x\"){id}}",
            json!({"c": group}),
        )
        .await;
    assert_eq!(code(&v), "FORBIDDEN");
    assert_eq!(
        server
            .ok(&carol, "query{myChatChannels{id}}", json!({}))
            .await["myChatChannels"],
        json!([])
    );

    // A direct channel: opened from either side, it is the same one, named
    // after the other member.
    let q = "mutation($m:ID!){openDirectChannel(memberId:$m){id ctype name}}";
    let from_alice = server.ok(&alice, q, json!({"m": bob_id})).await;
    let alice_id = server.ok(&alice, "query{me{id}}", json!({})).await["me"]["id"].clone();
    let from_bob = server.ok(&bob, q, json!({"m": alice_id})).await;
    assert_eq!(
        from_alice["openDirectChannel"]["id"],
        from_bob["openDirectChannel"]["id"]
    );
    assert_eq!(from_alice["openDirectChannel"]["ctype"], "DIRECT");
    assert_eq!(from_alice["openDirectChannel"]["name"], "bob");
    assert_eq!(from_bob["openDirectChannel"]["name"], "alice");
    let dm = from_alice["openDirectChannel"]["id"].clone();
    // A direct channel cannot be left, joined by others, or invited into.
    let v = server
        .gql(
            Some(&alice),
            "mutation($c:ID!){leaveChannel(channelId:$c)}",
            json!({"c": dm}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let v = server
        .gql(
            Some(&carol),
            "mutation($c:ID!){joinChannel(channelId:$c){id}}",
            json!({"c": dm}),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    let v = server
        .gql(
            Some(&alice),
            "mutation($c:ID!,$m:ID!){inviteToChannel(channelId:$c,memberId:$m){id}}",
            json!({"c": dm, "m": carol_id}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let _ = carol;
}

#[tokio::test]
async fn sign_up_sign_in_me_and_sign_out_revokes_the_token() {
    let server = TestServer::start().await;
    let (first, id) = server.member("dana").await;
    let v = server
        .gql(None, "mutation{signIn(memberName:\"DANA\",password:\"password-123\"){token member{id memberName}}}", json!({}))
        .await;
    let second = v["data"]["signIn"]["token"].as_str().unwrap().to_owned();
    assert_eq!(v["data"]["signIn"]["member"]["id"], id.as_str());
    assert_ne!(first, second, "each sign-in gets its own token");
    let me = server
        .ok(&second, "query{me{id memberName}}", json!({}))
        .await;
    assert_eq!(me["me"]["memberName"], "dana");
    assert_eq!(
        server.ok(&second, "mutation{signOut}", json!({})).await["signOut"],
        true
    );
    let v = server.gql(Some(&second), "query{me{id}}", json!({})).await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
    // The other token still works.
    server.ok(&first, "query{me{id}}", json!({})).await;
}
