//! The token is renewed by itself: a session signed in against a server
//! whose tokens live 4 seconds keeps working for three lifetimes without
//! signing in again, its stream keeps delivering, and front ends hear
//! `TokenRenewed` each time.

use std::time::Duration;

use suda_client::ClientEvent;

use crate::harness::*;

#[tokio::test]
async fn a_started_session_renews_its_token_before_it_expires_and_keeps_delivering() {
    let server = TestServer::start_with(suda_server::Config {
        token_lifetime: Duration::from_secs(4),
        ..server_config()
    })
    .await;
    let (alice, _) = server.member("alice", None).await;
    let (bob, bob_events) = server.member("bob", None).await;
    let first = bob.token().unwrap();
    let bob_id = bob.snapshot().me.unwrap().id;
    let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;
    // Three lifetimes: the first token is long dead by the end.
    for round in 0..6 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let text = format!("round {round}");
        alice.send(channel, &text).await.unwrap();
        bob_events.wait_text(&text).await;
        bob.channels().await.expect("bob's requests still work");
    }
    let renewals = bob_events
        .events()
        .iter()
        .filter(|e| matches!(e, ClientEvent::TokenRenewed))
        .count();
    assert!(
        renewals >= 4,
        "renewed {renewals} times in 12 s of 4 s tokens"
    );
    assert_ne!(bob.token().unwrap(), first);
    // The first token itself no longer works.
    let old = server.session_with(None, |o| o.token = Some(first.clone()));
    assert!(old.resume().await.unwrap_err().needs_sign_in());
    // The sessions list shows one live session for bob: renewal replaces,
    // it does not pile up.
    let sessions = bob.sessions().await.unwrap();
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    assert!(sessions.len() <= 2, "{sessions:?}");
    assert!(sessions[0]
        .device
        .as_deref()
        .unwrap()
        .starts_with("suda-client/"));
}

#[tokio::test]
async fn renew_if_due_does_nothing_while_the_token_is_young() {
    let server = TestServer::start().await;
    let session = server.session(None);
    session.sign_up("carol", "password-123").await.unwrap();
    assert_eq!(session.renew_if_due().await.unwrap(), None);
    // A kept token, whose life the client must ask the server about.
    let kept = server.session_with(None, |o| o.token = session.token());
    assert_eq!(kept.renew_if_due().await.unwrap(), None);
}
