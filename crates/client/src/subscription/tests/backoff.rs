//! Waiting between connects, and falling back to other transports and back.

use super::*;

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
