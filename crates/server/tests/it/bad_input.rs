//! Bad input: each kind gets a clear error, and nothing is written.

use serde_json::json;

use crate::common::*;

const SEND: &str = "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}";

async fn chat_count(server: &TestServer, token: &str, channel: &str) -> usize {
    let d = server
        .ok(
            token,
            "query($c:ID!){chatChannelEvents(channelId:$c,limit:200){contents{eventType}}}",
            json!({"c": channel}),
        )
        .await;
    d["chatChannelEvents"]["contents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "CHAT")
        .count()
}

#[tokio::test]
async fn messages_that_break_the_rules_are_refused_and_not_stored() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let too_long = "a".repeat(4001);
    for (text, why) in [
        ("", "empty"),
        ("   \n\t ", "whitespace only"),
        (too_long.as_str(), "over 4000 characters"),
        ("bell\u{7}", "a control character"),
        ("nul\u{0}byte", "a NUL"),
    ] {
        let v = server
            .gql(Some(&alice), SEND, json!({"c": channel, "m": text}))
            .await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{why}");
        assert!(!v["errors"][0]["message"].as_str().unwrap().is_empty());
    }
    // Exactly 4000 characters (multi-byte) is fine; markup is just text.
    server.send(&alice, &channel, &"한".repeat(4000)).await;
    server
        .send(&alice, &channel, "<img src=x onerror=alert(1)>")
        .await;
    assert_eq!(chat_count(&server, &alice, &channel).await, 2);
}

#[tokio::test]
async fn unknown_malformed_and_forbidden_channels() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, _) = server.member("carol").await;
    let group = server.group(&alice, "g", &[]).await;
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
    let history = "query($c:ID!){chatChannelEvents(channelId:$c){contents{id}}}";
    let members = "query($c:ID!){chatChannelMembers(channelId:$c){id}}";
    let read = "mutation($c:ID!){markChannelRead(channelId:$c){id}}";
    for (query, vars, expected, why) in [
        (
            SEND,
            json!({"c": "999999", "m": "x"}),
            "NOT_FOUND",
            "send to an unknown channel",
        ),
        (
            SEND,
            json!({"c": "abc", "m": "x"}),
            "BAD_USER_INPUT",
            "a malformed channel id",
        ),
        (
            SEND,
            json!({"c": "-1", "m": "x"}),
            "BAD_USER_INPUT",
            "a negative channel id",
        ),
        (
            SEND,
            json!({"c": group, "m": "x"}),
            "FORBIDDEN",
            "send to a group one is not in",
        ),
        (
            SEND,
            json!({"c": dm, "m": "x"}),
            "NOT_FOUND",
            "send to others' direct channel",
        ),
        (
            history,
            json!({"c": group}),
            "FORBIDDEN",
            "read a group one is not in",
        ),
        (
            history,
            json!({"c": dm}),
            "NOT_FOUND",
            "read others' direct channel",
        ),
        (
            members,
            json!({"c": group}),
            "FORBIDDEN",
            "list members of a group one is not in",
        ),
        (
            read,
            json!({"c": group}),
            "FORBIDDEN",
            "mark read a group one is not in",
        ),
    ] {
        let v = server.gql(Some(&carol), query, vars).await;
        assert_eq!(code(&v), expected, "{why}: {v}");
    }
    assert_eq!(chat_count(&server, &alice, &group).await, 0);
    assert_eq!(chat_count(&server, &bob, &dm).await, 0);
}

#[tokio::test]
async fn malformed_cursors_limits_and_ids() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let q = "query($c:ID!,$b:String,$l:Int!){chatChannelEvents(channelId:$c,before:$b,limit:$l){hasMore}}";
    for (before, limit, why) in [
        (json!("zzz"), 10, "a cursor that is not one"),
        (json!("0"), 10, "a zero cursor"),
        (json!(null), 0, "limit 0"),
        (json!(null), 201, "limit over 200"),
    ] {
        let v = server
            .gql(
                Some(&alice),
                q,
                json!({"c": channel, "b": before, "l": limit}),
            )
            .await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{why}");
    }
    let v = server
        .gql(
            Some(&alice),
            "mutation{openDirectChannel(memberId:\"12x\"){id}}",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let v = server
        .gql(
            Some(&alice),
            "mutation{openDirectChannel(memberId:\"424242\"){id}}",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    let v = server
        .gql(
            Some(&alice),
            "query{member(memberName:\"ghost\"){id}}",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    // Creating a group with an unknown member creates nothing at all.
    let v = server
        .gql(
            Some(&alice),
            "mutation{createGroupChannel(name:\"x\",memberIds:[\"424242\"]){id}}",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    let v = server
        .gql(
            Some(&alice),
            "mutation{createGroupChannel(name:\"   \"){id}}",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert_eq!(
        server
            .ok(&alice, "query{myChatChannels{id}}", json!({}))
            .await["myChatChannels"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn queries_too_deep_or_too_complex_are_refused_before_running() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let deep = format!("query{{{}}}", "__schema{types{fields{type{ofType{ofType{ofType{ofType{ofType{ofType{ofType{name}}}}}}}}}}}");
    let v = server.gql(Some(&alice), &deep, json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{v}"
    );
    let wide: String = (0..600).map(|i| format!("a{i}:me{{id}} ")).collect();
    let v = server
        .gql(Some(&alice), &format!("query{{{wide}}}"), json!({}))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("complex"),
        "{v}"
    );
    let v = server.gql(Some(&alice), "query{ nope }", json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let v = server.gql(Some(&alice), "query{", json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
}

#[tokio::test]
async fn sending_too_fast_is_rate_limited_per_member() {
    let config = suda_server::Config {
        sends_per_second: 1,
        send_burst: 5,
        ..test_config()
    };
    let server = TestServer::start_with(config).await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let mut limited = 0;
    for i in 0..8 {
        let v = server
            .gql(
                Some(&alice),
                SEND,
                json!({"c": channel, "m": format!("{i}")}),
            )
            .await;
        if v.get("errors").is_some() {
            assert_eq!(code(&v), "RATE_LIMITED");
            limited += 1;
        }
    }
    assert!(limited >= 2, "the burst is 5: {limited} of 8 refused");
    // Bob is not affected by alice's rate.
    server.send(&bob, &channel, "bob's fine").await;
    assert_eq!(chat_count(&server, &alice, &channel).await, 8 - limited + 1);
}

#[tokio::test]
async fn sign_up_and_sign_in_mistakes() {
    let config = suda_server::Config {
        sign_ins_per_name_and_address_per_minute: 3,
        ..test_config()
    };
    let server = TestServer::start_with(config).await;
    server.member("erin").await;
    let up = "mutation($n:String!,$p:String!){signUp(memberName:$n,password:$p){token}}";
    let v = server
        .gql(None, up, json!({"n": "ERIN", "p": "password-123"}))
        .await;
    assert_eq!(code(&v), "CONFLICT", "names are unique ignoring case");
    let v = server
        .gql(None, up, json!({"n": "bad name", "p": "password-123"}))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let v = server
        .gql(None, up, json!({"n": "frank", "p": "short"}))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");

    let inq = "mutation($n:String!,$p:String!){signIn(memberName:$n,password:$p){token}}";
    let v = server
        .gql(None, inq, json!({"n": "nobody", "p": "wrong-password"}))
        .await;
    assert_eq!(
        code(&v),
        "UNAUTHENTICATED",
        "an unknown name looks like a wrong password"
    );
    for wrong in ["wrong-password", "wrong-again", "wrong-thrice"] {
        let v = server
            .gql(None, inq, json!({"n": "erin", "p": wrong}))
            .await;
        assert_eq!(code(&v), "UNAUTHENTICATED");
    }
    // The fourth try in a minute from this address is refused, even with
    // the right password (accounts.rs: strangers elsewhere cannot do this
    // to her).
    let v = server
        .gql(None, inq, json!({"n": "Erin", "p": "password-123"}))
        .await;
    assert_eq!(code(&v), "RATE_LIMITED");
}
