//! Bad input the router answers without a connection: each request goes
//! through the server's router with `oneshot` (no socket, no HTTP parsing),
//! gets a clear error in the contract's shape, and writes nothing.

use serde_json::json;
use suda_testkit::TestApp;

const SEND: &str = "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}";
const STREAM: &str = "/v1/chats/subscriptions/channels";
const POLL: &str = "/v1/chats/subscriptions/poll";
const WS: &str = "/v1/chats/subscriptions/ws";

/// A member with a group of their own: (token, member id, channel id).
async fn alice_with_a_group(app: &TestApp) -> (String, String, String) {
    let (alice, id) = app.member("alice").await;
    let created = app
        .gql(
            Some(&alice),
            "mutation{createGroupChannel(name:\"g\"){id}}",
            json!({}),
        )
        .await;
    let channel = created.json["data"]["createGroupChannel"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created:?}"))
        .to_owned();
    (alice, id, channel)
}

/// How many chat messages `channel` holds, as `token` reads it.
async fn chat_count(app: &TestApp, token: &str, channel: &str) -> usize {
    let page = app
        .gql(
            Some(token),
            "query($c:ID!){chatChannelEvents(channelId:$c,limit:200){contents{eventType}}}",
            json!({"c": channel}),
        )
        .await;
    page.json["data"]["chatChannelEvents"]["contents"]
        .as_array()
        .unwrap_or_else(|| panic!("{page:?}"))
        .iter()
        .filter(|e| e["eventType"] == "CHAT")
        .count()
}

#[tokio::test]
async fn graphql_without_a_valid_token_is_unauthenticated() {
    let app = TestApp::start().await;
    for token in [None, Some("not-a-token"), Some(&*"x".repeat(5000))] {
        let answer = app.gql(token, "query{myChatChannels{id}}", json!({})).await;
        let v = &answer.json;
        assert_eq!(
            v["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{token:?}"
        );
        assert!(v["data"].is_null());
    }
    // A scheme other than Bearer is no token.
    let request = axum::http::Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", "Token abc")
        .body(axum::body::Body::from(r#"{"query":"{me{id}}"}"#))
        .unwrap();
    let answer = app.call(request).await;
    assert_eq!(
        answer.json["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn invalid_utf8_lone_surrogates_and_malformed_json_are_400s() {
    let app = TestApp::start().await;
    let (alice, _, channel) = alice_with_a_group(&app).await;
    let mut invalid_utf8 = format!(
        r#"{{"query":"{}","variables":{{"c":"{channel}","m":"bad "#,
        SEND.replace('"', "\\\"")
    )
    .into_bytes();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe]);
    invalid_utf8.extend_from_slice(b"\"}}");
    let lone_surrogate =
        format!(r#"{{"query":"{SEND}","variables":{{"c":"{channel}","m":"\ud800"}}}}"#)
            .into_bytes();
    for (body, why) in [
        (invalid_utf8, "invalid UTF-8"),
        (lone_surrogate, "a lone surrogate"),
        (b"{not json".to_vec(), "malformed JSON"),
        (b"[]".to_vec(), "not a request object"),
        (Vec::new(), "an empty body"),
    ] {
        let answer = app.post(Some(&alice), "application/json", body).await;
        assert_eq!(answer.status, 400, "{why}");
        assert_eq!(answer.json["error"]["code"], "BAD_USER_INPUT", "{why}");
    }
    assert_eq!(chat_count(&app, &alice, &channel).await, 0);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = TestApp::start().await;
    let (alice, _) = app.member("alice").await;
    let big = json!({"query": "{me{id}}", "variables": {"pad": "x".repeat(100 * 1024)}});
    let answer = app
        .post(
            Some(&alice),
            "application/json",
            big.to_string().into_bytes(),
        )
        .await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.json["error"]["code"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_json() {
    let app = TestApp::start().await;
    let answer = app.get("/nope", &[]).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json["error"]["code"], "NOT_FOUND");
    let answer = app.get("/graphql", &[]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("POST"));
    let request = axum::http::Request::delete("/graphql")
        .body(axum::body::Body::empty())
        .unwrap();
    let answer = app.call(request).await;
    assert_eq!(answer.status, 405, "{answer:?}");
}

#[tokio::test]
async fn a_send_that_is_not_json_is_refused_unread_and_stores_nothing() {
    let app = TestApp::start().await;
    let (alice, _, channel) = alice_with_a_group(&app).await;
    let body = json!({"query": SEND, "variables": {"c": channel, "m": "hi"}}).to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
        "json",
    ] {
        let answer = app
            .post(Some(&alice), content_type, body.clone().into_bytes())
            .await;
        assert_eq!(answer.status, 415, "{content_type:?}");
        assert_eq!(answer.json["error"]["code"], "BAD_USER_INPUT");
    }
    assert_eq!(chat_count(&app, &alice, &channel).await, 0);
}

#[tokio::test]
async fn streams_without_a_member_or_with_a_bad_query_are_refused_before_subscribing() {
    let app = TestApp::start().await;
    let (alice, _, _) = alice_with_a_group(&app).await;
    let (_, bob_id) = app.member("bob").await;
    let bearer = format!("Bearer {alice}");
    for path in [STREAM, POLL] {
        // No token, a token that is none, a scheme that is not Bearer.
        for headers in [
            vec![],
            vec![("authorization", "Bearer nope")],
            vec![("authorization", "Basic YTpi")],
        ] {
            let answer = app.get(path, &headers).await;
            assert_eq!(answer.status, 401, "{path} {headers:?}");
            assert_eq!(answer.json["error"]["code"], "UNAUTHENTICATED");
        }
        let answer = app.get(&format!("{path}?access_token=nope"), &[]).await;
        assert_eq!(answer.status, 401, "{path}: a bad access_token");
        // A query string that does not parse, a malformed member id,
        // another member's id.
        for (query, status, code) in [
            ("?lastEventId=1&lastEventId=2", 400, "BAD_USER_INPUT"),
            ("?memberId=12x", 400, "BAD_USER_INPUT"),
            (&*format!("?memberId={bob_id}"), 403, "FORBIDDEN"),
        ] {
            let answer = app
                .get(&format!("{path}{query}"), &[("authorization", &bearer)])
                .await;
            assert_eq!(answer.status, status, "{path}{query}: {answer:?}");
            assert_eq!(answer.json["error"]["code"], code, "{path}{query}");
        }
    }
    // Long polling's timeout must be a number of seconds.
    for timeout in ["abc", "-1", "1.5", ""] {
        let answer = app
            .get(
                &format!("{POLL}?after=0&timeout={timeout}"),
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(answer.status, 400, "timeout={timeout:?}");
        assert!(answer.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("seconds"));
    }
    // The WebSocket path without an upgrade.
    let answer = app.get(WS, &[("authorization", &bearer)]).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.json["error"]["code"], "BAD_USER_INPUT");
    // Nothing was subscribed by any of it.
    assert_eq!(app.state().fanout.subscriptions(), 0);
}

#[tokio::test]
async fn readiness_says_ready_while_the_database_answers() {
    let app = TestApp::start().await;
    let ready = app.get("/readyz", &[]).await;
    assert_eq!(ready.status, 200, "{ready:?}");
}
