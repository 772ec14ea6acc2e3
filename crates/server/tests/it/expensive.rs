//! Requests that would cost the server far more than they cost the sender:
//! each is refused cheaply, with `BAD_USER_INPUT` and a sentence saying
//! why, and the server keeps answering everyone else meanwhile.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::*;

/// Fragments that each spread the next one twice: 2^levels fields if
/// expanded. About 1 KB at 24 levels.
fn doubling(levels: usize) -> String {
    let mut q = String::from("query { ...F0 }\n");
    for i in 0..levels {
        q.push_str(&format!(
            "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    q.push_str(&format!("fragment F{levels} on Query {{ __typename }}\n"));
    q
}

fn message(v: &Value) -> &str {
    v["errors"][0]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn exponential_fragments_are_refused_at_once_and_others_are_served_meanwhile() {
    let server = TestServer::start().await;
    let attacks: Vec<_> = [24, 28, 40]
        .into_iter()
        .map(|levels| {
            let (http, base) = (server.http.clone(), server.url(""));
            tokio::spawn(async move {
                let started = Instant::now();
                let v = graphql(&http, &base, None, &doubling(levels), json!({})).await;
                (v, started.elapsed())
            })
        })
        .collect();
    // Health checks answer while the attacks are in flight.
    for _ in 0..5 {
        let started = Instant::now();
        let r = server
            .http
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    for attack in attacks {
        let (v, took) = attack.await.unwrap();
        assert_eq!(code(&v), "BAD_USER_INPUT");
        assert!(message(&v).contains("too complex"), "{v}");
        // Before the fix, 24 levels took 20 s and 28 levels 108 s of CPU.
        assert!(took < Duration::from_secs(2), "refused in {took:?}");
    }
    // The same shape, small, is an ordinary query.
    let v = server.gql(None, &doubling(3), json!({})).await;
    assert_eq!(v["data"]["__typename"], "Query", "{v}");
}

#[tokio::test]
async fn aliases_cannot_multiply_a_history_page() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let page = "contents{...on ChatChannelChatEvent{message}}";
    // One full page is fine.
    let one =
        format!("query($c:ID!) {{ chatChannelEvents(channelId:$c, limit:200) {{ {page} }} }}");
    server.ok(&alice, &one, json!({"c": channel})).await;
    // The reported attack: 166 aliases of a 200-event page in 16 KB.
    let many: String = (0..166)
        .map(|i| format!("a{i}:chatChannelEvents(channelId:$c,limit:200){{{page}}} "))
        .collect();
    let query = format!("query($c:ID!) {{ {many} }}");
    assert!(query.len() <= 16 * 1024, "{}", query.len());
    let v = server
        .gql(Some(&alice), &query, json!({"c": channel}))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(message(&v).contains("complex"), "{v}");
    // Two full pages are already too much: cost counts what a list holds.
    let two = format!(
        "query($c:ID!) {{ a: chatChannelEvents(channelId:$c, limit:200) {{ {page} }} \
         b: chatChannelEvents(channelId:$c, limit:200) {{ {page} }} }}"
    );
    let v = server.gql(Some(&alice), &two, json!({"c": channel})).await;
    assert!(message(&v).contains("complex"), "{v}");
}

#[tokio::test]
async fn an_answer_over_the_response_limit_is_refused_not_sent() {
    let server = TestServer::start_with(suda_server::Config {
        max_response_bytes: 64 * 1024,
        ..test_config()
    })
    .await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    for i in 0..20 {
        server
            .send(&alice, &channel, &format!("{i:02} {}", "가".repeat(3990)))
            .await;
    }
    let query = "query($c:ID!) { chatChannelEvents(channelId:$c, limit:20) { contents { ... on ChatChannelChatEvent { message } } } }";
    let r = server
        .http
        .post(server.url("/graphql"))
        .bearer_auth(&alice)
        .json(&json!({"query": query, "variables": {"c": channel}}))
        .send()
        .await
        .unwrap();
    let body = r.bytes().await.unwrap();
    assert!(body.len() < 1024, "a short refusal, not the answer");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(message(&v).contains("fewer items"), "{v}");
    // A smaller page goes through.
    let small = query.replace("limit:20", "limit:2");
    server.ok(&alice, &small, json!({"c": channel})).await;
}

#[tokio::test]
async fn strangers_get_no_introspection_and_nobody_gets_suggestions() {
    let server = TestServer::start().await;
    let introspect = "{ __schema { queryType { name } } }";
    for token in [None, Some("not-a-token")] {
        let v = server.gql(token, introspect, json!({})).await;
        assert_eq!(code(&v), "UNAUTHENTICATED", "{v}");
        assert!(message(&v).contains("signed-in members"), "{v}");
        assert!(v["data"]["__schema"].is_null(), "{v}");
    }
    // Members may: their clients and tools use it.
    let (alice, _) = server.member("alice").await;
    let v = server.ok(&alice, introspect, json!({})).await;
    assert_eq!(v["__schema"]["queryType"]["name"], "Query");
    // A misspelt field is named, but no neighbour is suggested.
    let v = server.gql(Some(&alice), "{ me { idd } }", json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(!message(&v).to_lowercase().contains("did you mean"), "{v}");
}

#[tokio::test]
async fn graphql_requests_must_say_they_are_json() {
    let server = TestServer::start().await;
    let body =
        r#"{"query":"mutation{signUp(memberName:\"eve\",password:\"password-123\"){token}}"}"#;
    // What a cross-site form can send without asking: text/plain,
    // form-urlencoded, multipart; and no type at all.
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut req = server.http.post(server.url("/graphql")).body(body);
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 415, "{content_type:?}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "BAD_USER_INPUT");
        assert!(v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("application/json"));
    }
    // None of them signed anyone up.
    let v = server
        .gql(
            None,
            "mutation{signIn(memberName:\"eve\",password:\"password-123\"){token}}",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
    // JSON with a charset is JSON.
    let r = server
        .http
        .post(server.url("/graphql"))
        .header("content-type", "Application/JSON; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(v["data"]["signUp"]["token"].is_string(), "{v}");
}

#[tokio::test]
async fn one_sign_in_or_sign_up_per_request() {
    let server = TestServer::start_with(suda_server::Config {
        sign_ins_per_minute: 10,
        ..test_config()
    })
    .await;
    server.member("bob").await;
    let guesses: String = (0..200)
        .map(|i| {
            format!("g{i}: signIn(memberName:\"bob\", password:\"guess-{i:04}\") {{ token }} ")
        })
        .collect();
    let v = server
        .gql(None, &format!("mutation {{ {guesses} }}"), json!({}))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(message(&v).contains("only field"), "{v}");
    let two_sign_ups =
        "mutation { a: signUp(memberName:\"x1\", password:\"password-123\") { token } \
                        b: signUp(memberName:\"x2\", password:\"password-123\") { token } }";
    let v = server.gql(None, two_sign_ups, json!({})).await;
    assert!(message(&v).contains("only field"), "{v}");
    // The refused request spent none of bob's sign-in budget.
    let v = server
        .gql(
            None,
            "mutation{signIn(memberName:\"bob\",password:\"password-123\"){token}}",
            json!({}),
        )
        .await;
    assert!(v["data"]["signIn"]["token"].is_string(), "{v}");
}

#[tokio::test]
async fn a_file_of_operations_runs_the_named_one_costed_alone() {
    // What Suda's client sends: the whole operations file, and a name.
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let file = include_str!("../../../protocol/operations/Conversations.graphql");
    let r = server
        .http
        .post(server.url("/graphql"))
        .bearer_auth(&alice)
        .json(&json!({
            "query": file,
            "operationName": "ConversationPage",
            "variables": {"channelId": channel, "limit": 200, "threadReplies": false},
        }))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(v.get("errors").is_none(), "{v}");
    assert_eq!(v["data"]["chatChannelEvents"]["hasMore"], false);
}
