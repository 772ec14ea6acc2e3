//! The CLI against three nodes on one PostgreSQL database behind nginx
//! (the shipped site file): what one member writes through the proxy,
//! another reads with `history` and follows with `tail`, whichever nodes
//! their requests land on; `tail` keeps following when its node stops.

use std::time::Duration;

use suda_testkit::{nginx::Nginx, postgres, TestServer};

use crate::{live_tail, suda};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_a_cluster_behind_nginx_talk_and_tail_follows_across_a_stopped_node() {
    let database = tokio::task::spawn_blocking(postgres::fresh_database)
        .await
        .unwrap();
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(Some(
            TestServer::start_on(suda_testkit::config(), &database).await,
        ));
    }
    let ports: Vec<u16> = nodes
        .iter()
        .map(|n| n.as_ref().unwrap().addr.port())
        .collect();
    let nginx = Nginx::start(&ports).await;
    let url = nginx.base.clone();

    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (dir.path().join("alice.json"), dir.path().join("bob.json"));
    let pw = ["--password", "password-123"];
    assert!(
        suda(&url, &alice, &[&["signup", "alice"][..], &pw].concat())
            .await
            .ok
    );
    assert!(
        suda(&url, &bob, &[&["signup", "bob"][..], &pw].concat())
            .await
            .ok
    );
    let created = suda(&url, &alice, &["create", "lobby", "--member", "bob"]).await;
    assert!(created.ok, "{}", created.stderr);

    // Bob follows; nginx puts his stream on one of the nodes. Only once
    // it is live is it sure to print what is sent (before, it is history).
    let (_tail, mut lines) = live_tail(&url, &bob).await;
    let mut seen: Vec<String> = Vec::new();
    let mut sent = Vec::new();
    for round in 0..3 {
        for i in 0..3 {
            let text = format!("round {round} message {i}");
            let done = suda(&url, &alice, &["send", "lobby", &text]).await;
            assert!(done.ok, "{}", done.stderr);
            sent.push(format!("[lobby] alice: {text}"));
        }
        if round < 2 {
            // Stop the node bob's stream is on: it has to move to another,
            // through nginx, and resume there.
            let carrying = carrier(&nodes).await;
            nodes[carrying].take().unwrap().stop().await;
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen
        .iter()
        .filter(|l| l.starts_with("[lobby] alice: round"))
        .count()
        < sent.len()
    {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("tail printed only {seen:?} within 30 s"))
            .unwrap()
            .expect("tail is still running");
        seen.push(line);
    }
    let got: Vec<&String> = seen
        .iter()
        .filter(|l| l.starts_with("[lobby] alice: round"))
        .collect();
    assert_eq!(
        got,
        sent.iter().collect::<Vec<_>>(),
        "every message once, in order"
    );
    let history = suda(&url, &bob, &["history", "lobby"]).await;
    assert!(
        history.stdout.contains("alice: round 2 message 2"),
        "{}",
        history.stdout
    );
}

/// The node bob's stream is on (it may be between nodes for a moment).
async fn carrier(nodes: &[Option<TestServer>]) -> usize {
    for _ in 0..200 {
        let found = nodes.iter().position(|n| {
            n.as_ref()
                .is_some_and(|n| n.state().fanout.subscriptions() > 0)
        });
        if let Some(i) = found {
            return i;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no node carries bob's stream");
}
