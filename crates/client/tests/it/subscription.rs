//! The member's one subscription: once-only delivery, resume across a cut,
//! resync, a refused token, and the state and notifications it drives.

use suda_client::{
    outbox::OutboxState, Change, ClientEvent, ConnectionState, OfflineReason, Session,
    TransportKind,
};
use suda_protocol::{ChannelId, NotificationLevel};

use suda_testkit::proxy::Proxy;

use crate::harness::{server_config, wait_live, Recorder, TestServer};

/// Alice and Bob in one group channel, both live; Bob through `via`.
async fn pair(
    server: &TestServer,
    via: Option<&Proxy>,
) -> (Session, Recorder, Session, Recorder, ChannelId) {
    let (alice, alice_events) = server.member("alice", None).await;
    let (bob, bob_events) = server.member("bob", via).await;
    let bob_id = bob.snapshot().me.unwrap().id;
    let group = alice.create_group("pair", &[bob_id]).await.unwrap();
    (alice, alice_events, bob, bob_events, group.id)
}

async fn say(session: &Session, channel: ChannelId, text: &str) {
    let sent = session.send(channel, text).await.unwrap();
    assert!(
        matches!(sent.state, OutboxState::Sent { .. }),
        "{text}: {sent:?}"
    );
}

#[tokio::test]
async fn a_message_reaches_the_other_member_exactly_once() {
    let server = TestServer::start().await;
    let (alice, _, _bob, bob_events, channel) = pair(&server, None).await;
    say(&alice, channel, "hello").await;
    // A later message proves the stream moved past the first one.
    say(&alice, channel, "marker").await;
    bob_events.wait_text("marker").await;
    assert_eq!(bob_events.texts(), ["hello", "marker"]);
}

#[tokio::test]
async fn a_cut_mid_burst_loses_nothing_and_repeats_nothing() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let (alice, _) = server.member("alice", None).await;
    let bob = server.session_with(Some(&proxy), |o| {
        o.subscription.transports = vec![TransportKind::Sse];
    });
    let bob_id = bob.sign_up("bob", "password-123").await.unwrap().id;
    let bob_events = Recorder::start(&bob);
    bob.start();
    wait_live(&bob).await;
    let channel = alice.create_group("burst", &[bob_id]).await.unwrap().id;

    let texts: Vec<String> = (1..=60).map(|i| format!("m{i}")).collect();
    for t in &texts[..20] {
        say(&alice, channel, t).await;
    }
    bob_events.wait_text("m5").await;
    proxy.cut_and_refuse();
    for t in &texts[20..40] {
        say(&alice, channel, t).await;
    }
    bob_events
        .wait("a reconnect attempt", |events| {
            events.iter().any(|e| {
                matches!(
                    e,
                    ClientEvent::Connection(ConnectionState::Reconnecting { .. })
                )
            })
        })
        .await;
    proxy.restore();
    for t in &texts[40..] {
        say(&alice, channel, t).await;
    }
    bob_events.wait_text("m60").await;

    assert_eq!(bob_events.texts(), texts, "every message once, in order");
    let states = bob_events.states();
    let reconnecting = states
        .iter()
        .position(|s| matches!(s, ConnectionState::Reconnecting { .. }))
        .expect("a Reconnecting state");
    assert!(
        states[reconnecting..]
            .iter()
            .any(|s| matches!(s, ConnectionState::Live { .. })),
        "Live again after Reconnecting: {states:?}"
    );
}

#[tokio::test]
async fn a_silent_connection_is_given_up_after_the_read_timeout_and_resumed() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let (alice, _, bob, bob_events, channel) = pair(&server, Some(&proxy)).await;
    say(&alice, channel, "before").await;
    bob_events.wait_text("before").await;
    proxy.stall();
    say(&alice, channel, "during").await;
    // The stalled stream carries neither the message nor keep-alives; the
    // read timeout (3 s in tests) ends it and the resume brings the message.
    bob_events.wait_text("during").await;
    assert_eq!(bob_events.texts(), ["before", "during"]);
    assert!(bob_events
        .states()
        .iter()
        .any(|s| matches!(s, ConnectionState::Reconnecting { .. })));
    drop(bob);
}

#[tokio::test]
async fn a_position_too_old_to_resume_leads_to_a_refetch() {
    let server = TestServer::start_with(suda_server::Config {
        replay_window: 3,
        ..server_config()
    })
    .await;
    let proxy = Proxy::start(server.addr).await;
    let (alice, _, bob, bob_events, channel) = pair(&server, Some(&proxy)).await;
    say(&alice, channel, "before").await;
    bob_events.wait_text("before").await;

    proxy.cut_and_refuse();
    for i in 0..10 {
        say(&alice, channel, &format!("missed {i}")).await;
    }
    let bob_id = bob.snapshot().me.unwrap().id;
    let new_channel = alice.create_group("while away", &[bob_id]).await.unwrap();
    proxy.restore();

    bob_events
        .wait("Resynced", |events| {
            events.iter().any(|e| matches!(e, ClientEvent::Resynced))
        })
        .await;
    let snapshot = bob.snapshot();
    assert!(
        snapshot.channels.iter().any(|c| c.id == new_channel.id),
        "the channel made while away came with the refetch"
    );
    let pair = snapshot.channels.iter().find(|c| c.id == channel).unwrap();
    assert_eq!(pair.unread, 11, "unread counts come from the server");
    // Missed messages are not replayed one by one...
    assert!(!bob_events.texts().iter().any(|t| t.starts_with("missed")));
    // ...but live ones flow again.
    say(&alice, channel, "after").await;
    bob_events.wait_text("after").await;
}

#[tokio::test]
async fn a_refused_token_stops_the_subscription_and_asks_to_sign_in_again() {
    let server = TestServer::start().await;
    let session = server.session_with(None, |o| o.token = Some("not-a-token".into()));
    let events = Recorder::start(&session);
    session.start();
    events
        .wait("Offline(SignInAgain)", |events| {
            events.iter().any(|e| {
                matches!(
                    e,
                    ClientEvent::Connection(ConnectionState::Offline {
                        reason: OfflineReason::SignInAgain
                    })
                )
            })
        })
        .await;
    assert!(session.resume().await.unwrap_err().needs_sign_in());
}

#[tokio::test]
async fn unread_counts_follow_messages_outside_the_view_and_mark_read_resets_them() {
    let server = TestServer::start().await;
    let (alice, _, bob, bob_events, channel) = pair(&server, None).await;
    bob_events
        .wait("the new channel in Bob's list", |events| {
            events.iter().any(|e| matches!(e, ClientEvent::ChannelsChanged(cs) if cs.iter().any(|c| c.id == channel)))
        })
        .await;
    say(&alice, channel, "one").await;
    say(&alice, channel, "two").await;
    bob_events.wait_text("two").await;
    let unread = |s: &Session| {
        s.snapshot()
            .channels
            .iter()
            .find(|c| c.id == channel)
            .map(|c| c.unread)
    };
    assert_eq!(unread(&bob), Some(2));

    bob.set_in_view(Some(channel));
    say(&alice, channel, "three").await;
    bob_events.wait_text("three").await;
    assert_eq!(unread(&bob), Some(2), "a message on screen is not unread");

    bob.mark_read(channel, None).await.unwrap();
    assert_eq!(unread(&bob), Some(0));
    assert_eq!(
        bob.channels()
            .await
            .unwrap()
            .iter()
            .find(|c| c.id == channel)
            .unwrap()
            .unread,
        0,
        "the server agrees"
    );
}

#[tokio::test]
async fn a_burst_in_a_channel_out_of_view_raises_one_notification() {
    let server = TestServer::start().await;
    let (alice, _, bob, bob_events, channel) = pair(&server, None).await;
    bob.set_focused(true);
    for t in ["a", "b", "c"] {
        say(&alice, channel, t).await;
    }
    bob_events.wait_text("c").await;
    let notes: Vec<_> = bob_events
        .events()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Notify(n) => Some(n),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].title, "alice in #pair");
    assert_eq!(notes[0].body, "a");
}

#[tokio::test]
async fn retry_now_cuts_a_long_reconnect_wait_short() {
    use std::time::Duration;

    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let bob = server.session_with(Some(&proxy), |o| {
        o.subscription.backoff_base = Duration::from_secs(60);
        o.subscription.backoff_max = Duration::from_secs(60);
    });
    bob.sign_up("bob", "password-123").await.unwrap();
    bob.start();
    wait_live(&bob).await;
    let mut connection = bob.connection();
    // The wait is random (full jitter): repeat until one is long enough
    // that only "retry now" can end it within the deadline below.
    for _ in 0..20 {
        proxy.cut_and_refuse();
        let state = tokio::time::timeout(
            Duration::from_secs(10),
            connection.wait_for(|c| matches!(c, ConnectionState::Reconnecting { .. })),
        )
        .await
        .expect("reconnecting after the cut")
        .unwrap()
        .clone();
        proxy.restore();
        let ConnectionState::Reconnecting { in_secs } = state else {
            unreachable!()
        };
        if in_secs < 10 {
            wait_live(&bob).await;
            continue;
        }
        bob.retry_now();
        tokio::time::timeout(
            Duration::from_secs(5),
            connection.wait_for(|c| matches!(c, ConnectionState::Live { .. })),
        )
        .await
        .expect("live within 5 s of retry now, not after the long wait")
        .unwrap();
        return;
    }
    panic!("never drew a wait of 10 s or more in 20 tries");
}

#[tokio::test]
async fn reading_on_one_device_clears_the_count_on_the_other_and_changes_arrive_as_changes() {
    let server = TestServer::start().await;
    let (alice, _, bob, bob_events, channel) = pair(&server, None).await;
    // Bob's second device, signed in as him, live.
    let laptop = server.session(None);
    laptop.sign_in("bob", suda_testkit::PASSWORD).await.unwrap();
    let laptop_events = Recorder::start(&laptop);
    laptop.start();
    wait_live(&laptop).await;
    laptop.resume().await.unwrap();

    say(&alice, channel, "one").await;
    say(&alice, channel, "two").await;
    laptop_events.wait_text("two").await;
    bob_events.wait_text("two").await;
    let unread = |s: &Session| {
        s.snapshot()
            .channels
            .iter()
            .find(|c| c.id == channel)
            .map(|c| c.unread)
    };
    assert_eq!(unread(&laptop), Some(2));
    // Read on the phone: the laptop's count goes with it, from the stream.
    bob.mark_read(channel, None).await.unwrap();
    laptop_events
        .wait("the read marker on the laptop", |events| {
            events
                .iter()
                .any(|e| matches!(e, ClientEvent::Changed(Change::ReadMarker(m)) if m.chat_channel_id == channel && m.un_read_cnt == 0))
        })
        .await;
    assert_eq!(unread(&laptop), Some(0));

    // An edit and a deletion reach the other member once each, in order.
    let sent = alice.send(channel, "three").await.unwrap();
    let OutboxState::Sent { event_id } = sent.state else {
        panic!("{sent:?}");
    };
    bob_events.wait_text("three").await;
    assert_eq!(unread(&bob), Some(1));
    alice.edit(event_id, "three, edited").await.unwrap();
    alice.delete(event_id).await.unwrap();
    bob_events
        .wait("the deletion", |events| {
            events
                .iter()
                .any(|e| matches!(e, ClientEvent::Changed(Change::Deleted(_))))
        })
        .await;
    let changes: Vec<String> = bob_events
        .events()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Changed(Change::Edited(e)) => {
                Some(format!("edited {}: {}", e.message_id, e.message))
            }
            ClientEvent::Changed(Change::Deleted(d)) => Some(format!("deleted {}", d.message_id)),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [
            format!("edited {event_id}: three, edited"),
            format!("deleted {event_id}")
        ]
    );
    // The deleted message was bob's one unread: it no longer counts.
    suda_testkit::eventually("the unread count without the deleted message", || {
        let now = unread(&bob);
        async move { now == Some(0) }
    })
    .await;
}

#[tokio::test]
async fn a_level_chosen_on_one_device_decides_the_others_notifications_and_a_mention_gets_through()
{
    let server = TestServer::start().await;
    let (alice, _, bob, bob_events, channel) = pair(&server, None).await;
    let laptop = server.session(None);
    laptop.sign_in("bob", suda_testkit::PASSWORD).await.unwrap();
    laptop.start();
    wait_live(&laptop).await;
    laptop.resume().await.unwrap();
    let level = |s: &Session| {
        s.snapshot()
            .channels
            .iter()
            .find(|c| c.id == channel)
            .map(|c| (c.notify_level, c.unread, c.mentions))
    };
    assert_eq!(level(&bob).map(|l| l.0), Some(NotificationLevel::All));

    // Chosen on the laptop, the phone follows from the stream.
    let set = laptop
        .set_notification_level(channel, NotificationLevel::Mentions)
        .await
        .unwrap();
    assert_eq!(set.notify_level, NotificationLevel::Mentions);
    bob_events
        .wait("the level on the phone", |events| {
            events.iter().any(|e| {
                matches!(e, ClientEvent::Changed(Change::Level(l))
                    if l.chat_channel_id == channel && l.level == NotificationLevel::Mentions)
            })
        })
        .await;
    assert_eq!(level(&bob).map(|l| l.0), Some(NotificationLevel::Mentions));

    // Mentions only: a plain message is counted but notifies nothing; one
    // that mentions bob notifies and counts as a mention.
    say(&alice, channel, "just chatting").await;
    say(&alice, channel, "@bob look at this").await;
    bob_events.wait_text("@bob look at this").await;
    let notified: Vec<String> = bob_events
        .events()
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Notify(n) => Some(n.body),
            _ => None,
        })
        .collect();
    assert_eq!(notified, ["@bob look at this"]);
    assert_eq!(level(&bob), Some((NotificationLevel::Mentions, 2, 1)));

    // Nothing: not even a mention.
    bob.set_notification_level(channel, NotificationLevel::Nothing)
        .await
        .unwrap();
    say(&alice, channel, "@bob are you there?").await;
    say(&alice, channel, "marker").await;
    bob_events.wait_text("marker").await;
    let notified = bob_events
        .events()
        .iter()
        .filter(|e| matches!(e, ClientEvent::Notify(_)))
        .count();
    assert_eq!(notified, 1, "nothing notifies in a channel set to nothing");
}
