//! The same stream over WebSocket and long polling, and the fallback to
//! them when SSE cannot connect.

use suda_client::{outbox::OutboxState, ConnectionState, TransportKind};

use suda_testkit::proxy::Proxy;

use crate::harness::{wait_live, Recorder, TestServer};

async fn delivers_over(kind: TransportKind) {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let (alice, _) = server.member("alice", None).await;
    let bob = server.session_with(Some(&proxy), |o| o.subscription.transports = vec![kind]);
    let bob_id = bob.sign_up("bob", "password-123").await.unwrap().id;
    let events = Recorder::start(&bob);
    bob.start();
    wait_live(&bob).await;
    assert_eq!(
        *bob.connection().borrow(),
        ConnectionState::Live { transport: kind }
    );
    let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;
    for i in 0..5 {
        let sent = alice.send(channel, &format!("m{i}")).await.unwrap();
        assert!(matches!(sent.state, OutboxState::Sent { .. }));
    }
    events.wait_text("m4").await;
    // A cut resumes from the same position over the same transport.
    proxy.cut_and_refuse();
    for i in 5..8 {
        alice.send(channel, &format!("m{i}")).await.unwrap();
    }
    proxy.restore();
    events.wait_text("m7").await;
    let want: Vec<String> = (0..8).map(|i| format!("m{i}")).collect();
    assert_eq!(events.texts(), want);
}

#[tokio::test]
async fn websocket_delivers_the_stream_once_in_order_across_a_cut() {
    delivers_over(TransportKind::WebSocket).await;
}

#[tokio::test]
async fn long_polling_delivers_the_stream_once_in_order_across_a_cut() {
    delivers_over(TransportKind::LongPoll).await;
}

#[tokio::test]
async fn when_sse_cannot_connect_the_client_falls_back_to_websocket() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    proxy.refuse_path(suda_protocol::SSE_PATH);
    let (alice, _) = server.member("alice", None).await;
    let bob = server.session(Some(&proxy));
    let bob_id = bob.sign_up("bob", "password-123").await.unwrap().id;
    let events = Recorder::start(&bob);
    bob.start();
    wait_live(&bob).await;
    assert_eq!(
        *bob.connection().borrow(),
        ConnectionState::Live {
            transport: TransportKind::WebSocket
        }
    );
    let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;
    alice.send(channel, "over ws").await.unwrap();
    events.wait_text("over ws").await;
}

#[tokio::test]
async fn after_falling_back_the_client_returns_to_sse_once_it_works_again() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    proxy.refuse_path(suda_protocol::SSE_PATH);
    let (alice, _) = server.member("alice", None).await;
    let bob = server.session_with(Some(&proxy), |o| {
        o.subscription.primary_retry = std::time::Duration::from_millis(500)
    });
    let bob_id = bob.sign_up("bob", "password-123").await.unwrap().id;
    let events = Recorder::start(&bob);
    bob.start();
    wait_live(&bob).await;
    let websocket = ConnectionState::Live {
        transport: TransportKind::WebSocket,
    };
    assert_eq!(*bob.connection().borrow(), websocket);
    proxy.allow_all_paths();
    let mut connection = bob.connection();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        connection.wait_for(|c| {
            *c == ConnectionState::Live {
                transport: TransportKind::Sse,
            }
        }),
    )
    .await
    .expect("back on SSE within 10 s")
    .unwrap();
    let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;
    alice.send(channel, "over sse again").await.unwrap();
    events.wait_text("over sse again").await;
    assert_eq!(events.texts(), ["over sse again"], "once");
}
