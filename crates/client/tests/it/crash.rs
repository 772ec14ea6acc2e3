//! The server killed and restarted on the same database while clients are
//! connected: nothing acknowledged or sent is lost, nothing arrives twice.
//!
//! The server runs on a runtime of its own; killing it shuts that runtime
//! down at once (no graceful shutdown: open requests and streams are
//! dropped mid-way, as when the process dies), then a new server opens the
//! same database and the proxy sends the clients there.

use std::{collections::HashMap, time::Duration};

use suda_client::outbox::OutboxState;
use suda_testkit::BackgroundServer;

use suda_testkit::proxy::Proxy;

use crate::harness::{eventually, wait_live, Recorder, TestServer};

#[tokio::test]
async fn a_server_killed_mid_burst_and_restarted_loses_nothing_for_a_tailing_client() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("suda.db");
    let first = BackgroundServer::start_at(&db);
    let proxy = Proxy::start(first.addr).await;
    // TestServer is only used here to build sessions against the proxy.
    let helper = TestServer::start().await;
    let alice = std::sync::Arc::new(helper.session(Some(&proxy)));
    alice.sign_up("alice", "password-123").await.unwrap();
    let bob = helper.session(Some(&proxy));
    let bob_id = bob.sign_up("bob", "password-123").await.unwrap().id;
    let bob_events = Recorder::start(&bob);
    alice.start();
    bob.start();
    wait_live(&alice).await;
    wait_live(&bob).await;
    let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;

    let sender = {
        let alice = std::sync::Arc::clone(&alice);
        tokio::spawn(async move {
            let mut pending = 0;
            for i in 0..100 {
                match alice.send(channel, &format!("m{i}")).await {
                    Ok(entry) if entry.state == OutboxState::Pending => pending += 1,
                    Ok(_) => {}
                    Err(e) => panic!("a send must be kept, not refused: {e}"),
                }
            }
            pending
        })
    };
    eventually("bob to get 20 messages", || {
        let n = bob_events.texts().len();
        async move { n >= 20 }
    })
    .await;
    first.kill();
    let second = BackgroundServer::start_at(&db);
    proxy.set_target(second.addr);
    let pending = sender.await.unwrap();

    let want: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
    eventually("bob to get all 100 messages", || {
        let mut got = bob_events.texts();
        got.sort();
        let mut want = want.clone();
        want.sort();
        async move { got == want }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = bob_events.texts();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for t in &got {
        *counts.entry(t.as_str()).or_default() += 1;
    }
    assert!(counts.values().all(|&n| n == 1), "nothing twice: {got:?}");
    assert_eq!(got.len(), 100);
    let ids = bob_events.event_ids();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order");
    eprintln!("sends queued while the server was down: {pending}");
    second.kill();
}
