//! Connections and their buffers: slow or idle clients are let go, the
//! number of connections per address and overall is capped with a clear
//! answer, WebSocket frames and buffers are bounded, clients that stop
//! reading are dropped, and streams per member and per token are capped.
//! Raw TCP where the bytes on the wire matter.

use std::{net::SocketAddr, time::Duration};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
    time::{timeout, Instant},
};

use crate::common::*;

const WS: &str = "/v1/chats/subscriptions/ws";
const SSE: &str = "/v1/chats/subscriptions/channels";

/// Reads until the server closes the connection (EOF or reset) or `wait`
/// passes; returns what arrived and whether it was closed.
async fn read_until_closed(tcp: &mut TcpStream, wait: Duration) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Err(_) => return (got, false),
            Ok(Ok(0)) | Ok(Err(_)) => return (got, true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// A connection to `addr` from the loopback address `from` (127.0.0.x).
async fn connect_from(from: &str, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

fn config() -> suda_server::Config {
    suda_server::Config {
        head_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        stream_write_timeout: Duration::from_millis(500),
        ..test_config()
    }
}

#[tokio::test]
async fn slow_heads_slow_bodies_and_idle_connections_are_let_go() {
    let server = TestServer::start_with(config()).await;
    // A head that stops half-way, on the stream path and on hyper's.
    for partial in [
        "GE",
        "GET /v1/chats/subscr",
        "POST /graphql HTTP/1.1\r\nhost: x\r\n",
    ] {
        let mut tcp = TcpStream::connect(server.addr).await.unwrap();
        tcp.write_all(partial.as_bytes()).await.unwrap();
        let (_, closed) = read_until_closed(&mut tcp, Duration::from_secs(5)).await;
        assert!(closed, "a head that stops at {partial:?} is let go");
    }
    // A connection that never says anything.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        read_until_closed(&mut silent, Duration::from_secs(5))
            .await
            .1
    );
    // A kept-alive connection that goes idle after an answer.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let (answer, closed) = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    assert!(closed, "an idle kept-alive connection is closed");
    // A body that stops half-way gets an answer, then the connection goes.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(
        b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"query\":",
    )
    .await
    .unwrap();
    let (answer, _) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("did not arrive"), "{answer}");
    // Meanwhile, everyone else is served.
    let r = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

#[tokio::test]
async fn connections_over_the_caps_get_a_clear_answer_and_others_are_served() {
    let server = TestServer::start_with(suda_server::Config {
        max_connections: 8,
        max_connections_per_address: 5,
        ..test_config()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(connect_from("127.0.0.2", server.addr).await);
    }
    let mut sixth = connect_from("127.0.0.2", server.addr).await;
    let (answer, closed) = read_until_closed(&mut sixth, Duration::from_secs(5)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(closed);
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("RATE_LIMITED"), "{answer}");
    assert!(
        answer.contains("too many connections from your address"),
        "{answer}"
    );
    // Another address still gets in, up to the cap overall.
    for _ in 0..3 {
        held.push(connect_from("127.0.0.3", server.addr).await);
    }
    let mut ninth = connect_from("127.0.0.4", server.addr).await;
    let (answer, _) = read_until_closed(&mut ninth, Duration::from_secs(5)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("UNAVAILABLE"), "{answer}");
    // Places are given back as connections close.
    drop(held);
    eventually("a place to be free again", || {
        let r = server.http.get(server.url("/healthz")).send();
        async move { r.await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
}

/// Opens a WebSocket stream by hand from 127.0.0.1; returns the socket
/// after the 101.
async fn websocket(server: &TestServer, token: &str, receive_buffer: Option<u32>) -> TcpStream {
    websocket_on(server, "127.0.0.1", token, receive_buffer).await
}

/// The same from the loopback address `from` (127.0.0.x), with a receive
/// buffer of `receive_buffer` bytes if given.
async fn websocket_on(
    server: &TestServer,
    from: &str,
    token: &str,
    receive_buffer: Option<u32>,
) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    if let Some(size) = receive_buffer {
        socket.set_recv_buffer_size(size).unwrap();
    }
    let mut tcp = socket.connect(server.addr).await.unwrap();
    let head = format!(
        "GET {WS}?access_token={token} HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\n\
         connection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         sec-websocket-version: 13\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tcp.read_exact(&mut byte).await.unwrap();
        got.push(byte[0]);
    }
    assert!(
        got.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    tcp
}

/// A masked client frame header for `len` payload bytes.
fn frame_head(opcode: u8, len: u64) -> Vec<u8> {
    let mut head = vec![0x80 | opcode];
    if len < 126 {
        head.push(0x80 | len as u8);
    } else if len <= u16::MAX as u64 {
        head.push(0x80 | 126);
        head.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        head.push(0x80 | 127);
        head.extend_from_slice(&len.to_be_bytes());
    }
    head.extend_from_slice(&[1, 2, 3, 4]); // the mask key
    head
}

#[tokio::test]
async fn a_websocket_frame_over_64_kib_is_refused_from_its_header() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let mut ws = websocket(&server, &alice, None).await;
    // Announce 16 MiB, send 4 KiB of it, and wait.
    ws.write_all(&frame_head(0x2, 16 * 1024 * 1024))
        .await
        .unwrap();
    ws.write_all(&[0u8; 4096]).await.unwrap();
    let (_, closed) = read_until_closed(&mut ws, Duration::from_secs(5)).await;
    assert!(
        closed,
        "the server ends the connection without waiting for the rest"
    );
    // A frame within the limit is fine (and ignored: clients have nothing to say).
    let mut ws = websocket(&server, &alice, None).await;
    let mut frame = frame_head(0x2, 1000);
    frame.extend_from_slice(&[0u8; 1000]);
    ws.write_all(&frame).await.unwrap();
    let (_, closed) = read_until_closed(&mut ws, Duration::from_millis(800)).await;
    assert!(!closed, "a small frame keeps the connection");
}

#[tokio::test]
async fn a_websocket_client_that_pings_and_never_reads_is_let_go() {
    let server = TestServer::start_with(config()).await;
    let (alice, _) = server.member("alice").await;
    let mut ws = websocket(&server, &alice, Some(4096)).await;
    let mut ping = frame_head(0x9, 125);
    ping.extend_from_slice(&[7u8; 125]);
    let pings: Vec<u8> = ping.repeat(64);
    // Before, the server queued a pong for every ping, without bound. Now
    // it ends the connection, so writing fails at some point.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut sent: usize = 0;
    loop {
        assert!(
            Instant::now() < deadline,
            "still accepting pings after {sent} bytes"
        );
        match timeout(Duration::from_secs(2), ws.write_all(&pings)).await {
            Ok(Ok(())) => sent += pings.len(),
            // Refused or stuck: the server stopped reading us; make sure it
            // is gone rather than only slow.
            Ok(Err(_)) => break,
            Err(_) => {
                let (_, closed) = read_until_closed(&mut ws, Duration::from_secs(5)).await;
                assert!(closed, "the server let the connection go");
                break;
            }
        }
    }
}

#[tokio::test]
async fn a_websocket_client_that_stops_reading_is_dropped() {
    let server = TestServer::start_with(config()).await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let mut ws = websocket(&server, &alice, Some(4096)).await;
    // Far more than the socket buffers hold (loopback's send buffer grows
    // to 4 MiB), while the client reads nothing: 700 messages of 12 KB.
    let text = "가".repeat(3990);
    let total = 700 * text.len();
    for _ in 0..700 {
        server.send(&alice, &channel, &text).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Whatever the kernel held arrives, then the end: the server gave up.
    let (got, closed) = read_until_closed(&mut ws, Duration::from_secs(10)).await;
    assert!(closed, "dropped after {} bytes were read", got.len());
    assert!(got.len() < total, "it did not wait for the client");
}

#[tokio::test]
async fn streams_are_capped_per_token_and_per_member() {
    let server = TestServer::start_with(suda_server::Config {
        max_streams_per_member: 3,
        max_streams_per_token: 2,
        ..test_config()
    })
    .await;
    let (first, _) = server.member("alice").await;
    let v = server
        .gql(
            None,
            "mutation{signIn(memberName:\"alice\",password:\"password-123\"){token}}",
            json!({}),
        )
        .await;
    let second = v["data"]["signIn"]["token"].as_str().unwrap().to_owned();
    let open = |token: String| {
        let req = server.http.get(server.url(SSE)).bearer_auth(token).send();
        async move { req.await.unwrap() }
    };
    let a1 = open(first.clone()).await;
    let _a2 = open(first.clone()).await;
    assert_eq!(a1.status(), 200);
    let refused = open(first.clone()).await;
    assert_eq!(refused.status(), 429);
    let v: Value = refused.json().await.unwrap();
    assert_eq!(v["error"]["code"], "RATE_LIMITED");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("this session"));
    // Another device of the same member: one more, then the member's cap.
    let b1 = open(second.clone()).await;
    assert_eq!(b1.status(), 200);
    let refused = open(second.clone()).await;
    assert_eq!(refused.status(), 429);
    let v: Value = refused.json().await.unwrap();
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("you already have 3"));
    // Long polls and WebSockets count too.
    let poll = server
        .http
        .get(server.url("/v1/chats/subscriptions/poll?timeout=1"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(poll.status(), 429);
    // A closed stream gives its place back.
    drop(a1);
    eventually("the closed stream's place to be free", || {
        let req = server
            .http
            .get(server.url(SSE))
            .bearer_auth(second.clone())
            .send();
        async move { req.await.is_ok_and(|r| r.status() == 200) }
    })
    .await;
}

#[tokio::test]
async fn a_websocket_keeps_its_place_among_the_connection_caps() {
    let server = TestServer::start_with(suda_server::Config {
        max_connections_per_address: 3,
        ..test_config()
    })
    .await;
    let (alice, _) = server.member("alice").await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(websocket_on(&server, "127.0.0.2", &alice, None).await);
    }
    // Hyper is done with those connections once they are WebSockets; they
    // still count.
    let mut fourth = connect_from("127.0.0.2", server.addr).await;
    let (answer, _) = read_until_closed(&mut fourth, Duration::from_secs(5)).await;
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 429"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // Closing one gives its place back.
    drop(held.pop());
    eventually("a WebSocket's place to come back", || {
        let from = connect_from("127.0.0.2", server.addr);
        async move {
            let mut tcp = from.await;
            tcp.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
                .await
                .is_ok()
                && read_until_closed(&mut tcp, Duration::from_secs(2))
                    .await
                    .0
                    .starts_with(b"HTTP/1.1 200")
        }
    })
    .await;
}
