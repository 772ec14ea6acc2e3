//! Sends made while the server is out of reach arrive once it is back,
//! once each, even across a restart of the client.

use suda_client::{outbox::OutboxState, ClientEvent};

use crate::{
    harness::{server_config, wait_live, Recorder, TestServer},
    proxy::Proxy,
};

fn all_sent(events: &[ClientEvent], n: usize) -> bool {
    events.iter().rev().find_map(|e| match e {
        ClientEvent::OutboxChanged(entries) => Some(
            entries.len() == n
                && entries
                    .iter()
                    .all(|e| matches!(e.state, OutboxState::Sent { .. })),
        ),
        _ => None,
    }) == Some(true)
}

#[tokio::test]
async fn sends_made_while_the_server_is_unreachable_arrive_once_it_is_back() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let (bob, bob_events) = server.member("bob", None).await;
    let bob_id = bob.snapshot().me.unwrap().id;
    let alice = server.session_with(Some(&proxy), |o| o.data_dir = Some(dir.path().into()));
    alice.sign_up("alice", "password-123").await.unwrap();
    let alice_events = Recorder::start(&alice);
    alice.start();
    wait_live(&alice).await;
    let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;

    proxy.cut_and_refuse();
    for t in ["one", "two", "three"] {
        let entry = alice.send(channel, t).await.unwrap();
        assert_eq!(entry.state, OutboxState::Pending, "{t}");
    }
    proxy.restore();

    bob_events.wait_text("three").await;
    alice_events
        .wait("every send settled as sent", |e| all_sent(e, 3))
        .await;
    alice.send(channel, "marker").await.unwrap();
    bob_events.wait_text("marker").await;
    assert_eq!(bob_events.texts(), ["one", "two", "three", "marker"]);
    let history = bob.history(channel, None, 50).await.unwrap();
    let texts: Vec<_> = history
        .events
        .iter()
        .filter_map(|e| e.message.clone())
        .collect();
    assert_eq!(
        texts,
        ["marker", "three", "two", "one"],
        "once each on the server"
    );
}

#[tokio::test]
async fn pending_sends_survive_a_restart_of_the_client() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let (bob, bob_events) = server.member("bob", None).await;
    let bob_id = bob.snapshot().me.unwrap().id;

    let (token, channel) = {
        let alice = server.session_with(Some(&proxy), |o| o.data_dir = Some(dir.path().into()));
        alice.sign_up("alice", "password-123").await.unwrap();
        let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;
        proxy.cut_and_refuse();
        let entry = alice.send(channel, "kept").await.unwrap();
        assert_eq!(entry.state, OutboxState::Pending);
        (alice.token().unwrap(), channel)
    };
    proxy.restore();

    let alice = server.session_with(Some(&proxy), |o| {
        o.data_dir = Some(dir.path().into());
        o.token = Some(token);
    });
    assert_eq!(
        alice.snapshot().outbox.len(),
        1,
        "the pending send was kept"
    );
    alice.resume().await.unwrap();
    alice.start();
    bob_events.wait_text("kept").await;
    alice.send(channel, "marker").await.unwrap();
    bob_events.wait_text("marker").await;
    assert_eq!(bob_events.texts(), ["kept", "marker"]);
}

#[tokio::test]
async fn rate_limited_sends_are_retried_while_live_in_order() {
    let server = TestServer::start_with(suda_server::Config {
        sends_per_second: 2,
        send_burst: 1,
        ..server_config()
    })
    .await;
    let (bob, bob_events) = server.member("bob", None).await;
    let bob_id = bob.snapshot().me.unwrap().id;
    let (alice, alice_events) = server.member("alice", None).await;
    let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;
    let mut deferred = 0;
    for t in ["r1", "r2", "r3", "r4"] {
        let entry = alice.send(channel, t).await.unwrap();
        if entry.state == OutboxState::Pending {
            deferred += 1;
        }
    }
    assert!(deferred > 0, "the limit deferred some sends");
    alice_events
        .wait("every send settled as sent", |e| all_sent(e, 4))
        .await;
    bob_events.wait_text("r4").await;
    assert_eq!(bob_events.texts(), ["r1", "r2", "r3", "r4"]);
}
