//! The direct stream path (`suda_server::direct`): a connection whose first
//! request opens the stream is written by the server's own task; everything
//! else goes through hyper. These tests speak raw HTTP/1.1 where the path
//! taken matters, and read the server's fan-out to see subscriptions come
//! and go.

use std::time::Duration;

use serde_json::Value;
use suda_server::direct;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::common::{test_config, TestServer};

const STREAM: &str = "/v1/chats/subscriptions/channels";

/// Sends `request` on a new connection; returns the connection and the
/// response head (status line and headers, lower-cased).
async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> (TcpStream, String) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let head = read_head(&mut tcp).await;
    (tcp, head)
}

async fn read_head(tcp: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut byte))
            .await
            .expect("a response head within 5 s")
            .unwrap();
        assert_eq!(n, 1, "connection closed in the response head: {head:?}");
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap().to_ascii_lowercase()
}

/// Reads until `needle` has arrived; returns everything read.
async fn read_until(tcp: &mut TcpStream, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(needle) {
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("{needle:?} within 5 s; got {got:?}"))
            .unwrap();
        assert!(
            n > 0,
            "closed before {needle:?}; got {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(got).unwrap()
}

/// Reads to the end of the connection (an error answer closes it).
async fn read_to_end(tcp: &mut TcpStream) -> String {
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection after answering")
        .unwrap();
    String::from_utf8(rest).unwrap()
}

fn stream_request(token: &str, query: &str) -> Vec<u8> {
    format!("GET {STREAM}{query} HTTP/1.1\r\nhost: suda\r\nauthorization: Bearer {token}\r\n\r\n")
        .into_bytes()
}

#[tokio::test]
async fn a_stream_on_a_new_connection_is_written_directly_one_after_other_requests_by_hyper() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "general", &[&bob_id]).await;
    let url = server.url(STREAM);

    // A new connection: the direct path, close-delimited.
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let direct = fresh.get(&url).bearer_auth(&bob).send().await.unwrap();
    assert_eq!(direct.status(), 200);
    let h = direct.headers();
    assert_eq!(h["content-type"], "text/event-stream");
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["x-accel-buffering"], "no");
    assert_eq!(h["connection"], "close");
    assert!(h.get("transfer-encoding").is_none());

    // A connection that already answered a request: hyper, chunked.
    let pooled = reqwest::Client::builder().http1_only().build().unwrap();
    let health = pooled.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    let through_hyper = pooled.get(&url).bearer_auth(&bob).send().await.unwrap();
    assert_eq!(through_hyper.status(), 200);
    let h = through_hyper.headers();
    assert_eq!(h["content-type"], "text/event-stream");
    assert_eq!(h["x-accel-buffering"], "no");
    assert_eq!(h["transfer-encoding"], "chunked");

    // Both carry the same events.
    let mut direct = crate::common::SseReader::new(direct);
    let mut through_hyper = crate::common::SseReader::new(through_hyper);
    assert_eq!(direct.next().await.unwrap().sse_type(), "CONNECTED");
    assert_eq!(through_hyper.next().await.unwrap().sse_type(), "CONNECTED");
    let sent = server.send(&alice, &channel, "both ways").await;
    for stream in [&mut direct, &mut through_hyper] {
        let got = stream.next_published().await;
        assert_eq!(got.id, Some(sent));
        assert_eq!(got.message(), Some("both ways"));
    }
}

#[tokio::test]
async fn a_client_that_goes_away_is_unsubscribed_and_stopping_ends_streams() {
    let server = TestServer::start().await;
    let (token, _) = server.member("carol").await;

    // The head arrives a few bytes at a time, as over a slow network.
    let mut first = TcpStream::connect(server.addr).await.unwrap();
    for piece in stream_request(&token, "").chunks(7) {
        first.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let head = read_head(&mut first).await;
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    read_until(&mut first, "CONNECTED").await;
    let (mut second, _) = raw(server.addr, &stream_request(&token, "")).await;
    read_until(&mut second, "CONNECTED").await;
    server.wait_for_subscriptions(2).await;

    // Keep-alives flow while idle (the test config sends one every 300 ms).
    read_until(&mut second, ": keep-alive\n\n").await;

    // The client closes its side: the server notices without writing.
    drop(first);
    server.wait_for_subscriptions(1).await;

    // Stopping the server ends the remaining stream: the client reads EOF.
    let state = server.state().clone();
    let stopping = tokio::spawn(server.stop());
    let rest = read_to_end(&mut second).await;
    assert!(!rest.contains("HTTP/1.1"), "no second response: {rest:?}");
    tokio::time::timeout(Duration::from_secs(5), stopping)
        .await
        .expect("serve returns once its connections are closed")
        .unwrap();
    assert_eq!(state.fanout.subscriptions(), 0);
}

#[tokio::test]
async fn bad_stream_requests_get_the_contracts_errors_and_odd_ones_go_to_hyper() {
    let server = TestServer::start().await;
    let (token, _) = server.member("dave").await;
    let (_, erin_id) = server.member("erin").await;

    // No token: 401 with the contract's JSON error, then the connection closes.
    let (mut tcp, head) = raw(
        server.addr,
        format!("GET {STREAM} HTTP/1.1\r\nhost: suda\r\n\r\n").as_bytes(),
    )
    .await;
    assert!(head.starts_with("http/1.1 401 unauthorized\r\n"), "{head}");
    assert!(
        head.contains("content-type: application/json\r\n"),
        "{head}"
    );
    assert!(head.contains("connection: close\r\n"), "{head}");
    let body: Value = serde_json::from_str(&read_to_end(&mut tcp).await).unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHENTICATED");

    // A query string that does not parse: 400, nothing subscribed.
    let (mut tcp, head) = raw(
        server.addr,
        &stream_request(&token, "?lastEventId=1&lastEventId=2"),
    )
    .await;
    assert!(head.starts_with("http/1.1 400 bad request\r\n"), "{head}");
    let body: Value = serde_json::from_str(&read_to_end(&mut tcp).await).unwrap();
    assert_eq!(body["error"]["code"], "BAD_USER_INPUT");
    assert!(body["error"]["message"].as_str().unwrap().contains("query"));

    // Another member's id: 403.
    let (mut tcp, head) = raw(
        server.addr,
        &stream_request(&token, &format!("?memberId={erin_id}")),
    )
    .await;
    assert!(head.starts_with("http/1.1 403 forbidden\r\n"), "{head}");
    let body: Value = serde_json::from_str(&read_to_end(&mut tcp).await).unwrap();
    assert_eq!(body["error"]["code"], "FORBIDDEN");
    assert_eq!(server.state().fanout.subscriptions(), 0);

    // A head longer than the direct path reads, and a GET with a body:
    // hyper serves them, as it serves every request that is not a plain
    // stream request, and the stream works there too.
    let long = format!(
        "GET {STREAM} HTTP/1.1\r\nhost: suda\r\nx-padding: {}\r\nauthorization: Bearer {token}\r\n\r\n",
        "p".repeat(direct::HEAD_LIMIT + 100)
    );
    let with_body = format!(
        "GET {STREAM} HTTP/1.1\r\nhost: suda\r\nauthorization: Bearer {token}\r\ncontent-length: 2\r\n\r\nhi"
    );
    let mut open = Vec::new();
    for request in [long, with_body] {
        let (mut tcp, head) = raw(server.addr, request.as_bytes()).await;
        assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
        assert!(head.contains("transfer-encoding: chunked\r\n"), "{head}");
        read_until(&mut tcp, "CONNECTED").await;
        open.push(tcp);
    }

    // Not HTTP at all: hyper's 400.
    let (_tcp, head) = raw(server.addr, b"HELLO THERE\r\n\r\n").await;
    assert!(head.starts_with("http/1.1 400 bad request\r\n"), "{head}");

    // A client that leaves halfway through its head: nothing is opened.
    let mut half = TcpStream::connect(server.addr).await.unwrap();
    half.write_all(&stream_request(&token, "")[..30])
        .await
        .unwrap();
    drop(half);
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.wait_for_subscriptions(2).await; // only the two hyper streams above
}

/// The ids of the complete events in what an SSE stream carried.
fn complete_ids(stream: &str) -> Vec<i64> {
    let mut events: Vec<&str> = stream.split("\n\n").collect();
    events.pop(); // after the last blank line: an event cut short, or nothing
    events
        .iter()
        .filter(|e| e.contains("CHAT_MESSAGE_PUBLISHED"))
        .filter_map(|e| e.lines().find_map(|l| l.strip_prefix("id: ")))
        .map(|id| id.parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_client_that_stops_reading_is_let_go_and_resumes_without_a_gap() {
    let mut config = test_config();
    config.stream_write_timeout = Duration::from_millis(300);
    let server = TestServer::start_with(config).await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server
        .ok(
            &alice,
            "mutation($n:String!,$m:[ID!]){createGroupChannel(name:$n,memberIds:$m){id}}",
            serde_json::json!({"n": "big", "m": [bob_id]}),
        )
        .await["createGroupChannel"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Bob's stream, on a socket with a small receive buffer, then he stops reading.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(server.addr).await.unwrap();
    stalled.write_all(&stream_request(&bob, "")).await.unwrap();
    read_head(&mut stalled).await;
    read_until(&mut stalled, "CONNECTED").await;
    let open = || {
        server
            .state()
            .streams_open
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    assert_eq!(open(), 1);

    // 600 messages of 12 KB (7 MB) fill the socket's buffers: the writer
    // waits, the write times out and the server lets bob's stream go. Fewer
    // than the subscription queue holds, so the fan-out never drops it.
    let text = "가".repeat(suda_protocol::MAX_MESSAGE_CHARS);
    let mut sent = Vec::new();
    for _ in 0..600 {
        let d = server
            .ok(
                &alice,
                "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}",
                serde_json::json!({"c": channel, "m": text}),
            )
            .await;
        sent.push(
            d["sendChatMessage"]["id"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap(),
        );
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while open() != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled stream was not let go"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        server.state().fanout.dropped_slow(),
        0,
        "let go by the write timeout, not the queue"
    );

    // Bob reads again: what the kernel held, then the end of the stream.
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stalled.read_to_end(&mut rest))
        .await
        .expect("the stream ends once the client has read what was sent")
        .unwrap();
    // The last write may have stopped inside an event (even inside a
    // character): a client drops an event cut short.
    let got = complete_ids(&String::from_utf8_lossy(&rest));
    assert!(got.len() < sent.len(), "the stream ended early");
    assert_eq!(got, sent[..got.len()], "in order, nothing skipped");

    // He resumes from the last complete event and gets the rest, once.
    let last = got.last().copied();
    let mut request = reqwest::Client::new()
        .get(format!("http://{}{STREAM}", server.addr))
        .bearer_auth(&bob);
    if let Some(id) = last {
        request = request.header("Last-Event-ID", id.to_string());
    }
    let mut resumed = crate::common::SseReader::new(request.send().await.unwrap());
    assert_eq!(resumed.next().await.unwrap().sse_type(), "CONNECTED");
    let mut all = got.clone();
    while all.len() < sent.len() {
        all.push(resumed.next_published().await.id.unwrap());
    }
    assert_eq!(
        all, sent,
        "every message once, in order, across the two streams"
    );
}
