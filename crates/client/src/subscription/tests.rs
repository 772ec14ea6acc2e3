//! The reconnect state machine against a scripted transport, in paused
//! time: backoff, fallback and return, resync, sleep, a refused token.
//! The end-to-end behaviour over real sockets is in `tests/it/`.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex,
    },
    time::Duration,
};

use suda_protocol::ResyncReason;

use self::script::{
    afters, chat, connected, dials, fails, gaps, has, kinds, lost, opens, reports, resync, states,
    stays, Entry, Rig,
};
use super::*;
use crate::transport::TransportKind::{LongPoll, Sse, WebSocket};

mod script;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Waits from 100 ms up to 1 s; the default transports, fallback after 3
/// failed connects, SSE again after 300 s live on a fallback, clock checks
/// every second.
fn config() -> SubscriptionConfig {
    SubscriptionConfig {
        backoff_base: ms(100),
        backoff_max: secs(1),
        ..SubscriptionConfig::default()
    }
}

fn sse_only() -> SubscriptionConfig {
    SubscriptionConfig {
        transports: vec![Sse],
        ..config()
    }
}

fn live(transport: TransportKind) -> Entry {
    Entry::Connection(ConnectionState::Live { transport })
}

#[test]
fn backoff_grows_then_caps_and_is_jittered() {
    let base = Duration::from_millis(100);
    let max = Duration::from_secs(5);
    assert_eq!(backoff(base, max, 0, 1.0), base);
    assert_eq!(backoff(base, max, 3, 1.0), Duration::from_millis(800));
    assert_eq!(backoff(base, max, 30, 1.0), max);
    assert_eq!(backoff(base, max, 3, 0.0), Duration::ZERO);
    assert_eq!(backoff(base, max, 3, 0.5), Duration::from_millis(400));
}

#[test]
fn a_long_gap_on_either_clock_means_the_machine_slept() {
    let s = Duration::from_secs;
    assert!(!gap_shows_sleep(s(1), s(1), s(1), s(10)));
    assert!(!gap_shows_sleep(s(1), s(5), s(5), s(10)));
    assert!(gap_shows_sleep(s(1), s(1), s(600), s(10)));
    assert!(gap_shows_sleep(s(1), s(600), s(1), s(10)));
}

// Backoff.

#[tokio::test(start_paused = true)]
async fn failed_connects_wait_twice_as_long_each_time_up_to_the_cap() {
    let log = Rig::new(sse_only())
        .script((0..7).map(|_| fails(lost())))
        .start()
        .finish()
        .await;
    assert_eq!(
        gaps(&log),
        [
            ms(100),
            ms(200),
            ms(400),
            ms(800),
            secs(1),
            secs(1),
            secs(1)
        ]
    );
    let waits: Vec<_> = states(&log)
        .into_iter()
        .filter(|s| matches!(s, ConnectionState::Reconnecting { .. }))
        .collect();
    assert_eq!(
        waits,
        vec![ConnectionState::Reconnecting { in_secs: 1 }; 7],
        "the announced wait is rounded up to whole seconds"
    );
    assert_eq!(afters(&log), [None; 8], "nothing to resume from yet");
}

#[tokio::test(start_paused = true)]
async fn each_wait_is_its_jitter_share_of_the_ceiling() {
    let draws = Mutex::new(vec![0.0, 0.25, 0.5, 1.0, 0.75, 0.1].into_iter());
    let log = Rig::new(sse_only())
        .jitter(move || draws.lock().unwrap().next().unwrap())
        .script((0..6).map(|_| fails(lost())))
        .start()
        .finish()
        .await;
    // Ceilings 100, 200, 400, 800, 1000, 1000 ms.
    assert_eq!(
        gaps(&log),
        [ms(0), ms(50), ms(200), ms(800), ms(750), ms(100)]
    );
    assert_eq!(
        states(&log)[1],
        ConnectionState::Reconnecting { in_secs: 0 },
        "a zero wait is announced as zero"
    );
}

#[tokio::test(start_paused = true)]
async fn random_waits_stay_between_zero_and_their_ceiling() {
    let log = Rig::new(sse_only())
        .jitter(rand::random::<f64>)
        .script((0..12).map(|_| fails(lost())))
        .start()
        .finish()
        .await;
    let gaps = gaps(&log);
    assert_eq!(gaps.len(), 12);
    for (attempt, gap) in gaps.into_iter().enumerate() {
        let ceiling = backoff(ms(100), secs(1), attempt as u32, 1.0);
        assert!(gap <= ceiling, "wait {attempt}: {gap:?} > {ceiling:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_opened_starts_the_backoff_over() {
    let log = Rig::new(sse_only())
        .script([
            fails(lost()),
            fails(lost()),
            opens([connected(5, false)]),
            fails(lost()),
        ])
        .start()
        .finish()
        .await;
    assert_eq!(gaps(&log), [ms(100), ms(200), ms(100), ms(200)]);
}

// Fallback and return.

#[tokio::test(start_paused = true)]
async fn three_failed_connects_fall_back_to_websocket_then_long_polling_from_the_same_position() {
    let log = Rig::new(config())
        .after(7)
        .script((0..6).map(|_| fails(lost())))
        .script([stays([connected(7, true), chat(8)])])
        .start();
    log.until("live over long polling", |l| has(l, &live(LongPoll)))
        .await;
    log.stop();
    let log = log.finish().await;
    assert_eq!(
        kinds(&log),
        [Sse, Sse, Sse, WebSocket, WebSocket, WebSocket, LongPoll]
    );
    assert_eq!(afters(&log), [Some(7); 7], "every transport resumes alike");
    assert_eq!(
        reports(&log).last(),
        Some(&Entry::Event(8)),
        "events flow over the fallback"
    );
}

#[tokio::test(start_paused = true)]
async fn the_last_transport_is_kept_however_often_it_fails() {
    let log = Rig::new(config())
        .script((0..10).map(|_| fails(lost())))
        .start()
        .finish()
        .await;
    let mut want = vec![Sse, Sse, Sse, WebSocket, WebSocket, WebSocket];
    want.extend([LongPoll; 5]);
    assert_eq!(
        kinds(&log),
        want,
        "no return to SSE without having been live on a fallback"
    );
}

#[tokio::test(start_paused = true)]
async fn live_on_a_fallback_for_the_primary_retry_it_returns_to_sse_and_stays_when_it_works() {
    let log = Rig::new(config())
        .script((0..3).map(|_| fails(lost())))
        .script([
            stays([connected(3, false), chat(4)]),
            opens([connected(4, true), chat(5)]),
        ])
        .start()
        .finish()
        .await;
    let dials = dials(&log);
    assert_eq!(kinds(&log), [Sse, Sse, Sse, WebSocket, Sse, Sse]);
    assert_eq!(
        dials[4].0 - dials[3].0,
        secs(300),
        "SSE is tried again after primary_retry live on WebSocket, not before"
    );
    assert_eq!(afters(&log)[4..], [Some(4), Some(5)]);
    let states = states(&log);
    let on_ws = states
        .iter()
        .position(|s| {
            *s == ConnectionState::Live {
                transport: WebSocket,
            }
        })
        .unwrap();
    assert_eq!(
        states[on_ws + 1..on_ws + 3],
        [
            ConnectionState::Reconnecting { in_secs: 0 },
            ConnectionState::Live { transport: Sse }
        ],
        "straight over, without a backoff"
    );
    assert_eq!(
        reports(&log)
            .iter()
            .filter(|e| matches!(e, Entry::Event(_)))
            .count(),
        2
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_return_to_sse_falls_back_again_after_one_try() {
    let log = Rig::new(config())
        .script((0..3).map(|_| fails(lost())))
        .script([stays([connected(3, false)]), fails(lost())])
        .start()
        .finish()
        .await;
    assert_eq!(kinds(&log), [Sse, Sse, Sse, WebSocket, Sse, WebSocket]);
    assert_eq!(
        gaps(&log)[4],
        ms(100),
        "the first failure after being live waits the first step"
    );
}

// Resync.

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
async fn a_refused_token_stops_the_subscription_and_reports_unauthorised_once() {
    let log = Rig::new(config())
        .script([fails(StreamError::Unauthorized), opens([])])
        .start()
        .finish()
        .await;
    assert_eq!(dials(&log).len(), 1, "no retry");
    assert!(
        !has(&log, &Entry::ScriptEnded),
        "it stopped by itself, not because the script ran out"
    );
    assert_eq!(
        reports(&log),
        [
            Entry::Connection(ConnectionState::Connecting),
            Entry::Unauthorized
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_token_refused_on_reconnect_after_falling_back_also_stops() {
    let log = Rig::new(config())
        .script((0..3).map(|_| fails(lost())))
        .script([
            opens([connected(1, false), chat(2)]),
            fails(StreamError::Unauthorized),
            opens([]),
        ])
        .start()
        .finish()
        .await;
    assert_eq!(kinds(&log), [Sse, Sse, Sse, WebSocket, WebSocket]);
    assert_eq!(afters(&log)[4], Some(2));
    assert!(!has(&log, &Entry::ScriptEnded));
    assert_eq!(reports(&log).last(), Some(&Entry::Unauthorized));
    assert_eq!(
        reports(&log)
            .iter()
            .filter(|e| **e == Entry::Unauthorized)
            .count(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_token_it_reports_signed_out_and_dials_nothing() {
    let log = Rig::new(config())
        .token(|| None)
        .script([opens([])])
        .start()
        .finish()
        .await;
    assert!(dials(&log).is_empty());
    assert_eq!(
        reports(&log),
        [
            Entry::Connection(ConnectionState::Connecting),
            Entry::Connection(ConnectionState::Offline {
                reason: OfflineReason::SignedOut
            })
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn every_attempt_reads_the_token_afresh() {
    let reads = AtomicUsize::new(0);
    let log = Rig::new(sse_only())
        .token(move || {
            Some(format!(
                "token-{}",
                reads.fetch_add(1, Ordering::SeqCst) + 1
            ))
        })
        .script([fails(lost()), opens([connected(1, false)])])
        .start()
        .finish()
        .await;
    let tokens: Vec<_> = log
        .iter()
        .filter_map(|(_, e)| match e {
            Entry::Dial { token, .. } => Some(token.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(tokens, ["token-1", "token-2", "token-3"]);
}

// Retry now.

#[tokio::test(start_paused = true)]
async fn retry_now_ends_a_reconnect_wait_at_once() {
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
    let asked = run.now();
    run.wake.notify_waiters();
    let log = run.finish().await;
    let dials = dials(&log);
    assert_eq!(dials.len(), 2);
    assert_eq!(dials[1].0, asked, "no wait at all after retry now");
}
