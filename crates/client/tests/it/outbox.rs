//! Sends made while the server is out of reach arrive once it is back,
//! once each, even across a restart of the client.

use suda_client::{outbox::OutboxState, ClientEvent};

use suda_testkit::proxy::Proxy;

use crate::harness::{server_config, wait_live, Recorder, TestServer};

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
        .filter_map(|e| e.event.message.clone())
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

#[tokio::test]
async fn a_reply_written_offline_arrives_as_a_reply_and_history_tells_each_message_as_it_is_now() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let (bob, bob_events) = server.member("bob", None).await;
    let bob_id = bob.snapshot().me.unwrap().id;
    let (alice, _) = server.member("alice", Some(&proxy)).await;
    let channel = alice.create_group("g", &[bob_id]).await.unwrap().id;
    let question = bob.send(channel, "lunch?\nat noon").await.unwrap();
    let OutboxState::Sent { event_id: question } = question.state else {
        panic!("{question:?}");
    };

    proxy.cut_and_refuse();
    let reply = alice
        .send_reply(channel, "yes", Some(question))
        .await
        .unwrap();
    assert_eq!(reply.state, OutboxState::Pending);
    proxy.restore();
    alice.flush_outbox().await;
    bob_events.wait_text("yes").await;
    let live = bob_events
        .events()
        .into_iter()
        .find_map(|e| match e {
            ClientEvent::Message(m) if m.message.as_deref() == Some("yes") => Some(m),
            _ => None,
        })
        .unwrap();
    let quoted = live.reply_to.expect("the stream tells what it answers");
    assert_eq!(
        (
            quoted.id,
            quoted.preview.as_str(),
            quoted.sender.member_name.as_str()
        ),
        (question, "lunch?", "bob")
    );

    // Changes are folded into history: the latest text, reactions with
    // who made them, a deletion with no text left.
    bob.edit(question, "lunch at one?").await.unwrap();
    alice.react(question, "👍", true).await.unwrap();
    bob.react(question, "👍", true).await.unwrap();
    let OutboxState::Sent { event_id: gone } = bob.send(channel, "oops").await.unwrap().state
    else {
        panic!("not sent");
    };
    bob.delete(gone).await.unwrap();
    let page = alice.history(channel, None, 50).await.unwrap();
    let find = |id| page.events.iter().find(|i| i.event.id == id).unwrap();
    let q = find(question);
    assert_eq!(q.event.message.as_deref(), Some("lunch at one?"));
    assert!(q.edited_at.is_some() && !q.deleted);
    assert_eq!(q.reactions.len(), 1);
    let thumbs = &q.reactions[0];
    assert_eq!(
        (thumbs.emoji.as_str(), thumbs.count, thumbs.mine),
        ("👍", 2, true)
    );
    let who: Vec<_> = thumbs
        .members
        .iter()
        .map(|m| m.member_name.as_str())
        .collect();
    assert_eq!(who, ["alice", "bob"], "in the order they reacted");
    let d = find(gone);
    assert!(d.deleted);
    assert_eq!(d.event.message.as_deref(), Some(""), "its text is gone");
    let r = page
        .events
        .iter()
        .find(|i| i.event.message.as_deref() == Some("yes"))
        .unwrap();
    let original = r.event.reply_to.as_ref().unwrap();
    assert_eq!(
        (original.id, original.preview.as_str()),
        (question, "lunch at one?")
    );

    // And around a message: the page holds it, for a jump to the original.
    let around = alice.history_around(channel, question, 3).await.unwrap();
    assert!(around.events.iter().any(|i| i.event.id == question));
    assert!(around.events.len() <= 3);
}
