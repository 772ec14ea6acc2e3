//! What the stream carries: refetches, resyncs, replays, and a machine that slept.

use super::*;

#[tokio::test(start_paused = true)]
async fn a_fresh_stream_asks_for_a_refetch_and_a_resumed_one_does_not() {
    let log = Rig::new(sse_only())
        .script([
            opens([connected(5, false), chat(6)]),
            opens([connected(6, true), chat(7)]),
        ])
        .start()
        .finish()
        .await;
    assert_eq!(afters(&log), [None, Some(6), Some(7)]);
    let got: Vec<_> = reports(&log)
        .into_iter()
        .filter(|e| matches!(e, Entry::Resync(_) | Entry::Event(_)))
        .collect();
    assert_eq!(
        got,
        [
            Entry::Resync(Resync::Fresh),
            Entry::Event(6),
            Entry::Event(7)
        ],
        "the refetch comes before the first event"
    );
}

#[tokio::test(start_paused = true)]
async fn a_resume_point_too_old_is_refetched_and_the_stream_goes_on_from_the_servers_position() {
    let log = Rig::new(sse_only())
        .after(2)
        .script([opens([
            connected(900, false),
            resync(900, ResyncReason::TooOld),
            chat(901),
        ])])
        .start()
        .finish()
        .await;
    assert_eq!(afters(&log), [Some(2), Some(901)]);
    let got: Vec<_> = reports(&log)
        .into_iter()
        .filter(|e| matches!(e, Entry::Resync(_) | Entry::Event(_)))
        .collect();
    assert_eq!(
        got,
        [
            Entry::Resync(Resync::Fresh),
            Entry::Resync(Resync::Required(ResyncReason::TooOld)),
            Entry::Event(901)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_resync_replaces_the_position_even_with_a_lower_one() {
    // A server with another database: its positions are lower than ours,
    // and its events must not be dropped as already seen.
    let log = Rig::new(sse_only())
        .script([
            opens([connected(5, false), chat(6), chat(7)]),
            opens([
                connected(3, false),
                resync(3, ResyncReason::UnknownPosition),
                chat(4),
            ]),
        ])
        .start()
        .finish()
        .await;
    assert_eq!(afters(&log), [None, Some(7), Some(4)]);
    assert!(has(
        &log,
        &Entry::Resync(Resync::Required(ResyncReason::UnknownPosition))
    ));
    let events: Vec<_> = reports(&log)
        .into_iter()
        .filter(|e| matches!(e, Entry::Event(_)))
        .collect();
    assert_eq!(events, [Entry::Event(6), Entry::Event(7), Entry::Event(4)]);
}

#[tokio::test(start_paused = true)]
async fn events_replayed_twice_are_handed_on_once() {
    let log = Rig::new(sse_only())
        .script([
            opens([connected(10, false), chat(11), chat(12)]),
            opens([connected(12, true), chat(11), chat(12), chat(13)]),
        ])
        .start()
        .finish()
        .await;
    let events: Vec<_> = reports(&log)
        .into_iter()
        .filter(|e| matches!(e, Entry::Event(_)))
        .collect();
    assert_eq!(
        events,
        [Entry::Event(11), Entry::Event(12), Entry::Event(13)]
    );
    assert_eq!(afters(&log), [None, Some(12), Some(13)]);
}

#[tokio::test(start_paused = true)]
async fn changes_are_handed_on_once_in_order_with_the_events() {
    let log = Rig::new(sse_only())
        .script([
            opens([connected(10, false), chat(11), edited(12, 11)]),
            // The resume replays both; only what is new goes on.
            opens([
                connected(12, true),
                chat(11),
                edited(12, 11),
                edited(13, 11),
                chat(14),
            ]),
        ])
        .start()
        .finish()
        .await;
    let handed: Vec<_> = reports(&log)
        .into_iter()
        .filter(|e| matches!(e, Entry::Event(_) | Entry::Change(_)))
        .collect();
    assert_eq!(
        handed,
        [
            Entry::Event(11),
            Entry::Change(Change::Edited(edit(12, 11))),
            Entry::Change(Change::Edited(edit(13, 11))),
            Entry::Event(14),
        ]
    );
    // A change moves the resume position as an event does.
    assert_eq!(afters(&log), [None, Some(12), Some(14)]);
}

// Sleep.

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_while_live_reconnects_at_once_from_the_same_position() {
    let run = Rig::new(sse_only())
        .script([stays([connected(4, false), chat(5)])])
        .start();
    run.until("the event", |l| has(l, &Entry::Event(5))).await;
    run.wall.jump(secs(600));
    let woke = run.now();
    let log = run.finish().await;
    let dials = dials(&log);
    assert_eq!(dials.len(), 2);
    assert!(
        dials[1].0 - woke <= secs(1),
        "noticed at the next clock check: {:?}",
        dials[1].0 - woke
    );
    assert_eq!(dials[1].2, Some(5));
    assert!(has(
        &log,
        &Entry::Connection(ConnectionState::Reconnecting { in_secs: 0 })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_during_a_backoff_ends_the_wait() {
    let run = Rig::new(SubscriptionConfig {
        backoff_base: secs(60),
        backoff_max: secs(60),
        ..sse_only()
    })
    .script([fails(lost())])
    .start();
    run.until("a 60 s wait", |l| {
        has(
            l,
            &Entry::Connection(ConnectionState::Reconnecting { in_secs: 60 }),
        )
    })
    .await;
    run.wall.jump(secs(600));
    let woke = run.now();
    let log = run.finish().await;
    let dials = dials(&log);
    assert_eq!(dials.len(), 2);
    assert!(dials[1].0 - woke <= secs(1), "{:?}", dials[1].0 - woke);
}

#[tokio::test(start_paused = true)]
async fn a_quiet_connection_without_a_clock_jump_is_kept() {
    let run = Rig::new(sse_only())
        .script([stays([connected(1, false)])])
        .start();
    tokio::time::sleep(secs(600)).await;
    run.stop();
    let log = run.finish().await;
    assert_eq!(dials(&log).len(), 1, "no reconnect: {log:#?}");
}

// A refused token.

#[tokio::test(start_paused = true)]
async fn typing_and_presence_are_handed_on_every_time_and_never_move_the_resume_position() {
    let log = Rig::new(sse_only())
        .script([
            // Typing comes under the last id delivered, as often as said.
            opens([
                connected(10, false),
                typing(10, 2),
                typing(10, 2),
                chat(11),
                typing(11, 3),
                away(11, 4),
            ]),
            opens([connected(11, true), chat(12)]),
        ])
        .start()
        .finish()
        .await;
    let handed: Vec<_> = reports(&log)
        .into_iter()
        .filter(|e| matches!(e, Entry::Event(_) | Entry::Typing(..) | Entry::Presence(..)))
        .collect();
    assert_eq!(
        handed,
        [
            Entry::Typing(2, true),
            Entry::Typing(2, true),
            Entry::Event(11),
            Entry::Typing(3, true),
            Entry::Presence(4, suda_protocol::Presence::Away),
            Entry::Event(12),
        ]
    );
    assert_eq!(afters(&log), [None, Some(11), Some(12)]);
}
