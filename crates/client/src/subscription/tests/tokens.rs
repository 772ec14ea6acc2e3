//! The token: refused, missing, read afresh; and "retry now".

use super::*;

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
