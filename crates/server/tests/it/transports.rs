//! The same stream over WebSocket and long polling, with the same resume.

use futures::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::common::*;

pub(crate) async fn ws_connect(
    server: &TestServer,
    token: &str,
    last: Option<i64>,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut url = format!("ws://{}/v1/chats/subscriptions/ws", server.addr);
    if let Some(last) = last {
        url.push_str(&format!("?lastEventId={last}"));
    }
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
}

pub(crate) async fn ws_next(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s")
            .expect("socket open")
            .unwrap();
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test]
async fn websocket_carries_the_same_events_and_resumes_from_an_id() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let mut socket = ws_connect(&server, &bob, None).await;
    let connected = ws_next(&mut socket).await;
    assert_eq!(connected["data"]["sseType"], "CONNECTED");
    let first = server.send(&alice, &channel, "over ws").await;
    let ev = ws_next(&mut socket).await;
    assert_eq!(ev["id"], first.to_string());
    assert_eq!(ev["data"]["sseType"], "CHAT_MESSAGE_PUBLISHED");
    assert_eq!(ev["data"]["ssePayload"]["message"], "over ws");
    socket.close(None).await.unwrap();

    let missed = server.send(&alice, &channel, "while away").await;
    let mut socket = ws_connect(&server, &bob, Some(first)).await;
    let connected = ws_next(&mut socket).await;
    assert_eq!(connected["id"], first.to_string());
    assert_eq!(connected["data"]["ssePayload"]["resumed"], true);
    let ev = ws_next(&mut socket).await;
    assert_eq!(ev["id"], missed.to_string());
}

#[tokio::test]
async fn websocket_refuses_a_missing_token_before_upgrading() {
    let server = TestServer::start().await;
    let url = format!("ws://{}/v1/chats/subscriptions/ws", server.addr);
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 401),
        other => panic!("expected an HTTP 401, got {other}"),
    }
    // A plain GET that is not an upgrade gets a JSON 400, once signed in.
    let (alice, _) = server.member("alice").await;
    let r = server
        .http
        .get(server.url("/v1/chats/subscriptions/ws"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BAD_USER_INPUT");
}

pub(crate) async fn poll(server: &TestServer, token: &str, query: &str) -> Value {
    let r = server
        .http
        .get(server.url(&format!("/v1/chats/subscriptions/poll{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn long_polling_waits_for_events_and_continues_from_a_position() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;

    // The first poll answers at once with CONNECTED and the position.
    let first = poll(&server, &bob, "").await;
    assert_eq!(first["events"][0]["data"]["sseType"], "CONNECTED");
    let position = first["position"].as_str().unwrap().to_owned();

    // Nothing new: a short poll comes back empty at the same position.
    let empty = poll(&server, &bob, &format!("?after={position}&timeout=1")).await;
    assert_eq!(empty, json!({"events": [], "position": position}));

    // A waiting poll returns as soon as a message is sent.
    let waiting = {
        let http = server.http.clone();
        let url = server.url(&format!(
            "/v1/chats/subscriptions/poll?after={position}&timeout=20"
        ));
        let bob = bob.clone();
        tokio::spawn(async move {
            let r = http.get(url).bearer_auth(bob).send().await.unwrap();
            r.json::<Value>().await.unwrap()
        })
    };
    // Let the poll register before sending (it also works if it does not:
    // the message is then replayed from the store).
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let id = server.send(&alice, &channel, "polled").await;
    let got = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got["events"].as_array().unwrap().len(), 1, "{got}");
    assert_eq!(got["events"][0]["data"]["ssePayload"]["message"], "polled");
    assert_eq!(got["position"], id.to_string());

    // Messages sent between polls are picked up by the next one, in order.
    let a = server.send(&alice, &channel, "a").await;
    let b = server.send(&alice, &channel, "b").await;
    let next = poll(&server, &bob, &format!("?after={id}")).await;
    let ids: Vec<&str> = next["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.to_string(), b.to_string()]);
    assert_eq!(next["position"], b.to_string());

    // Bad parameters: a clear 400.
    let r = server
        .http
        .get(server.url("/v1/chats/subscriptions/poll?timeout=soon"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // An unknown position gets the resync event.
    let resync = poll(&server, &bob, "?after=99999999&timeout=0").await;
    let types: Vec<&str> = resync["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"]["sseType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["CONNECTED", "RESYNC_REQUIRED"]);
}
