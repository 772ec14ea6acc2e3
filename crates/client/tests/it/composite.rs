//! Requests made of several: members given by name, and a failed send sent
//! again. The desktop app and the CLI both call these.

use suda_client::outbox::OutboxState;
use suda_protocol::ErrorCode;

use suda_testkit::proxy::Proxy;

use crate::harness::{wait_live, TestServer};

#[tokio::test]
async fn a_group_is_created_with_members_given_by_name_blank_names_skipped() {
    let server = TestServer::start().await;
    let alice = server.session(None);
    alice.sign_up("alice", "password-123").await.unwrap();
    let bob = server.session(None);
    bob.sign_up("bob", "password-123").await.unwrap();
    let group = alice
        .create_group_with_names("lobby", &[" bob ", "", "  "], "", false)
        .await
        .unwrap();
    assert_eq!(group.member_count, 2, "{group:?}");
    assert!(bob
        .channels()
        .await
        .unwrap()
        .iter()
        .any(|c| c.id == group.id));
}

#[tokio::test]
async fn an_unknown_name_creates_no_group() {
    let server = TestServer::start().await;
    let alice = server.session(None);
    alice.sign_up("alice", "password-123").await.unwrap();
    let err = alice
        .create_group_with_names("lobby", &["nobody"], "", false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound), "{err:?}");
    assert!(alice.channels().await.unwrap().is_empty());
}

#[tokio::test]
async fn inviting_by_name_returns_the_channel_with_its_new_member_count() {
    let server = TestServer::start().await;
    let alice = server.session(None);
    alice.sign_up("alice", "password-123").await.unwrap();
    let bob = server.session(None);
    bob.sign_up("bob", "password-123").await.unwrap();
    let group = alice.create_group("lobby", &[]).await.unwrap();
    assert_eq!(group.member_count, 1);
    let invited = alice.invite_by_name(group.id, " bob").await.unwrap();
    assert_eq!(invited.id, group.id);
    assert_eq!(invited.member_count, 2, "{invited:?}");
    let err = alice.invite_by_name(group.id, "nobody").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound), "{err:?}");
}

#[tokio::test]
async fn a_direct_channel_opens_by_name() {
    let server = TestServer::start().await;
    let alice = server.session(None);
    alice.sign_up("alice", "password-123").await.unwrap();
    let bob = server.session(None);
    bob.sign_up("bob", "password-123").await.unwrap();
    let direct = alice.open_direct_by_name("bob ").await.unwrap();
    assert_eq!(direct.member_count, 2, "{direct:?}");
}

#[tokio::test]
async fn a_failed_send_is_sent_again_as_a_new_message_once_it_can_go() {
    let server = TestServer::start().await;
    let alice = server.session(None);
    alice.sign_up("alice", "password-123").await.unwrap();
    let bob = server.session(None);
    bob.sign_up("bob", "password-123").await.unwrap();
    let group = alice.create_group("lobby", &[]).await.unwrap();
    // Bob is not a member yet: refused for good.
    let failed = bob.send(group.id, "let me in").await.unwrap();
    assert!(
        matches!(failed.state, OutboxState::Failed { .. }),
        "{failed:?}"
    );
    bob.join(group.id).await.unwrap();
    let sent = bob.resend(&failed.key).await.unwrap();
    assert!(matches!(sent.state, OutboxState::Sent { .. }), "{sent:?}");
    assert_ne!(sent.key, failed.key, "a new message, under a new key");
    let outbox = bob.snapshot().outbox;
    assert!(
        outbox.iter().all(|e| e.key != failed.key),
        "the failed entry is gone: {outbox:?}"
    );
    let page = alice.history(group.id, None, 10).await.unwrap();
    assert_eq!(page.events[0].event.message.as_deref(), Some("let me in"));
    let err = bob.resend(&failed.key).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound), "{err:?}");
}

#[tokio::test]
async fn sending_again_a_message_still_waiting_to_go_sends_it_once() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let (bob, bob_events) = server.member("bob", None).await;
    let bob_id = bob.snapshot().me.unwrap().id;
    let alice = server.session(Some(&proxy));
    alice.sign_up("alice", "password-123").await.unwrap();
    alice.start();
    wait_live(&alice).await;
    let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;

    proxy.cut_and_refuse();
    let waiting = alice.send(channel, "only once").await.unwrap();
    assert_eq!(waiting.state, OutboxState::Pending);
    // A person presses "send again" while it waits: nothing new is queued.
    let again = alice.resend(&waiting.key).await.unwrap();
    assert_eq!(again.key, waiting.key, "{again:?}");
    assert_eq!(again.state, OutboxState::Pending);
    assert_eq!(alice.snapshot().outbox.len(), 1);
    proxy.restore();

    bob_events.wait_text("only once").await;
    alice.send(channel, "after").await.unwrap();
    bob_events.wait_text("after").await;
    let texts = bob_events.texts();
    assert_eq!(
        texts.iter().filter(|t| *t == "only once").count(),
        1,
        "{texts:?}"
    );
}
