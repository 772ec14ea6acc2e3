//! Accounts against abuse: revoking a token ends its streams at once,
//! tokens expire and are renewed, members list and end their sessions, a
//! stranger's guesses cannot lock the owner out, and sign-ups are limited
//! per address. Requests come from several loopback addresses (127.0.0.x)
//! where the address matters.

use std::{net::IpAddr, time::Duration};

use serde_json::{json, Value};

use crate::common::*;

const SIGN_IN: &str =
    "mutation($n:String!,$p:String!){signIn(memberName:$n,password:$p){token expiresAt}}";
const SIGN_UP: &str =
    "mutation($n:String!,$p:String!){signUp(memberName:$n,password:$p){token expiresAt}}";
const SESSIONS: &str = "{mySessions{id device address createdAt lastSeenAt expiresAt current}}";

/// A client whose connections come from `address` (127.0.0.x) and call
/// themselves `agent`.
fn client_from(address: &str, agent: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .user_agent(agent)
        .build()
        .unwrap()
}

async fn sign_in(http: &reqwest::Client, server: &TestServer, name: &str, password: &str) -> Value {
    graphql(
        http,
        &server.url(""),
        None,
        SIGN_IN,
        json!({"n": name, "p": password}),
    )
    .await
}

#[tokio::test]
async fn signing_out_ends_that_tokens_streams_at_once_and_no_others() {
    let server = TestServer::start().await;
    let (first, _) = server.member("alice").await;
    let other = sign_in(&server.http, &server, "alice", "password-123").await;
    let second = other["data"]["signIn"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut doomed = server.sse(&first, None).await;
    let mut kept = server.sse(&second, None).await;
    assert_eq!(doomed.next().await.unwrap().sse_type(), "CONNECTED");
    assert_eq!(kept.next().await.unwrap().sse_type(), "CONNECTED");
    server.ok(&first, "mutation{signOut}", json!({})).await;
    assert!(
        doomed.next_within(Duration::from_secs(5)).await.is_none(),
        "the signed-out token's stream ends"
    );
    // It cannot come back with that token, over any transport.
    let r = server
        .http
        .get(server.url("/v1/chats/subscriptions/channels"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The other device's stream goes on, and still delivers.
    let channel = server.group(&second, "g", &[]).await;
    server.send(&second, &channel, "still here").await;
    loop {
        let ev = kept.next_published().await;
        if ev.message().is_some() {
            assert_eq!(ev.message(), Some("still here"));
            break;
        }
    }
}

#[tokio::test]
async fn tokens_expire_and_renewing_gives_a_fresh_one() {
    let server = TestServer::start_with(suda_server::Config {
        token_lifetime: Duration::from_secs(3),
        ..test_config()
    })
    .await;
    let v = server
        .gql(None, SIGN_UP, json!({"n": "bob", "p": "password-123"}))
        .await;
    let old = v["data"]["signUp"]["token"].as_str().unwrap().to_owned();
    assert!(v["data"]["signUp"]["expiresAt"].is_string(), "{v}");
    let mut stream = server.sse(&old, None).await;
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    // Renewing: a new token; the old one's stream ends (the client
    // reconnects with the new one), the old one works a little longer.
    let v = server
        .ok(&old, "mutation{renewSession{token expiresAt}}", json!({}))
        .await;
    let new = v["renewSession"]["token"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(stream.next_within(Duration::from_secs(5)).await.is_none());
    server.ok(&old, "{me{id}}", json!({})).await;
    let sessions = server.ok(&new, SESSIONS, json!({})).await;
    let current: Vec<&Value> = sessions["mySessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["current"] == true)
        .collect();
    assert_eq!(current.len(), 1);
    // Unrenewed, a token stops working at its expiry, and so does its
    // stream.
    let mut stream = server.sse(&new, None).await;
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    assert!(
        stream.next_within(Duration::from_secs(10)).await.is_none(),
        "the stream ends when its token expires"
    );
    let v = server.gql(Some(&new), "{me{id}}", json!({})).await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
}

#[tokio::test]
async fn members_list_their_sessions_and_end_any_of_them() {
    let server = TestServer::start().await;
    let laptop = client_from("127.0.0.2", "Suda desktop/0.1 (Linux)");
    let phone = client_from("127.0.0.3", "suda-cli/0.1\t(phone)");
    let v = graphql(
        &laptop,
        &server.url(""),
        None,
        SIGN_UP,
        json!({"n": "carol", "p": "password-123"}),
    )
    .await;
    let on_laptop = v["data"]["signUp"]["token"].as_str().unwrap().to_owned();
    let v = sign_in(&phone, &server, "carol", "password-123").await;
    let on_phone = v["data"]["signIn"]["token"].as_str().unwrap().to_owned();
    let mut phone_stream = server.sse(&on_phone, None).await;
    assert_eq!(phone_stream.next().await.unwrap().sse_type(), "CONNECTED");

    let v = server.ok(&on_laptop, SESSIONS, json!({})).await;
    let sessions = v["mySessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{v}");
    let mine = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(mine["device"], "Suda desktop/0.1 (Linux)");
    assert_eq!(mine["address"], "127.0.0.2");
    let theirs = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(
        theirs["device"], "suda-cli/0.1(phone)",
        "control characters are dropped from what a client calls itself"
    );
    assert!(theirs["lastSeenAt"].is_string());
    // The laptop ends the phone's session: its token and stream stop.
    let id = theirs["id"].as_str().unwrap();
    server
        .ok(
            &on_laptop,
            "mutation($i:ID!){endSession(id:$i)}",
            json!({"i": id}),
        )
        .await;
    assert!(phone_stream
        .next_within(Duration::from_secs(5))
        .await
        .is_none());
    let v = server.gql(Some(&on_phone), "{me{id}}", json!({})).await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
    // Nobody ends a session that is not theirs, or one that is gone.
    let (dave, _) = server.member("dave").await;
    let v = server
        .gql(
            Some(&dave),
            "mutation($i:ID!){endSession(id:$i)}",
            json!({"i": mine["id"]}),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    server.ok(&on_laptop, "{me{id}}", json!({})).await;
}

#[tokio::test]
async fn a_strangers_guesses_cannot_lock_the_owner_out_where_she_signs_in() {
    let server = TestServer::start_with(suda_server::Config {
        sign_ins_per_minute: 5,
        sign_ins_per_address_per_minute: 20,
        sign_ins_per_name_and_address_per_minute: 5,
        ..test_config()
    })
    .await;
    let home = client_from("127.0.0.2", "home");
    graphql(
        &home,
        &server.url(""),
        None,
        SIGN_UP,
        json!({"n": "erin", "p": "password-123"}),
    )
    .await;
    // A stranger guesses from two addresses until refused everywhere.
    for stranger in ["127.0.0.5", "127.0.0.6"] {
        let http = client_from(stranger, "x");
        let mut refused = false;
        for i in 0..10 {
            let v = sign_in(&http, &server, "erin", &format!("guess-{i:04}")).await;
            if code(&v) == "RATE_LIMITED" {
                refused = true;
                break;
            }
            assert_eq!(code(&v), "UNAUTHENTICATED");
        }
        assert!(refused, "guesses from {stranger} are held back");
    }
    // Erin, at home, signs in all the same.
    let v = sign_in(&home, &server, "erin", "password-123").await;
    assert!(v["data"]["signIn"]["token"].is_string(), "{v}");
    // Somewhere new, she is held back with the strangers, and told so.
    let cafe = client_from("127.0.0.7", "cafe");
    let v = sign_in(&cafe, &server, "erin", "password-123").await;
    assert_eq!(code(&v), "RATE_LIMITED");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("sign in where you usually do"),
        "{v}"
    );
    // A stranger hammering from one address runs out for every name.
    let http = client_from("127.0.0.8", "x");
    let mut refused_at = None;
    for i in 0..30 {
        let v = sign_in(&http, &server, &format!("name{i}"), "whatever-123").await;
        if code(&v) == "RATE_LIMITED" {
            refused_at = Some(i);
            break;
        }
    }
    assert_eq!(refused_at, Some(20), "the per-address budget is 20");
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_not_for_everyone() {
    let server = TestServer::start_with(suda_server::Config {
        sign_ups_per_address_per_minute: 3,
        ..test_config()
    })
    .await;
    let greedy = client_from("127.0.0.2", "x");
    for i in 0..3 {
        let v = graphql(
            &greedy,
            &server.url(""),
            None,
            SIGN_UP,
            json!({"n": format!("bot{i}"), "p": "password-123"}),
        )
        .await;
        assert!(v["data"]["signUp"]["token"].is_string(), "{v}");
    }
    let v = graphql(
        &greedy,
        &server.url(""),
        None,
        SIGN_UP,
        json!({"n": "bot3", "p": "password-123"}),
    )
    .await;
    assert_eq!(code(&v), "RATE_LIMITED");
    // A newcomer elsewhere is not held back by it.
    let newcomer = client_from("127.0.0.3", "x");
    let v = graphql(
        &newcomer,
        &server.url(""),
        None,
        SIGN_UP,
        json!({"n": "newcomer", "p": "password-123"}),
    )
    .await;
    assert!(v["data"]["signUp"]["token"].is_string(), "{v}");
}
