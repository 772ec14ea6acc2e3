//! The member's one event subscription, and the loop that keeps it alive.
//!
//! `reqwest-eventsource` cannot resume from a known id, forgets the id on
//! an event without one, gives up for good on a non-200 answer and has no
//! read timeout; so its own retries are switched off and this loop owns
//! reconnecting. Every attempt is a fresh request with the current token
//! and the last id seen; a silent connection dies by the HTTP client's read
//! timeout (above twice the server's keep-alive); waits between attempts
//! grow exponentially with full jitter so a restarted server is not hit by
//! every client at once; a wake from sleep retries at once; a refused token
//! stops the loop, since retrying cannot fix it. Events are delivered at
//! most once by id, and the same rules hold whichever transport carries
//! them: after repeated failures to connect over SSE the loop falls back to
//! WebSocket, then to long polling, resuming from the same position.

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use futures::StreamExt;
use serde::Serialize;
use suda_protocol::{Position, SseEnvelope};
use tokio_util::sync::CancellationToken;

use crate::{
    session::Shared,
    transport::{self, Dial, Incoming, StreamError, TransportKind},
};

/// How the subscription behaves; the defaults suit a desktop app, tests
/// shorten the waits.
#[derive(Debug, Clone)]
pub struct SubscriptionConfig {
    /// Silence after which a connection counts as dead. Above twice the
    /// server's keep-alive interval (10 s), so one late keep-alive is fine.
    pub read_timeout: Duration,
    /// The first wait before reconnecting.
    pub backoff_base: Duration,
    /// The longest wait before reconnecting.
    pub backoff_max: Duration,
    /// The transports to try, in order.
    pub transports: Vec<TransportKind>,
    /// Failed connects in a row on one transport before trying the next.
    pub fallback_after: u32,
    /// How long one long poll waits on the server.
    pub poll_wait: Duration,
    /// How often the clock is checked for a sleep of the machine.
    pub sleep_check: Duration,
    /// A clock gap this much longer than `sleep_check` means the machine slept.
    pub sleep_threshold: Duration,
    /// While live, how often sends deferred by a passing failure (a rate
    /// limit, a server error) are retried.
    pub outbox_retry: Duration,
    /// After this long live on a fallback transport, try the first one
    /// (SSE) again: the network that broke it may have changed.
    pub primary_retry: Duration,
}

impl Default for SubscriptionConfig {
    fn default() -> Self {
        SubscriptionConfig {
            read_timeout: Duration::from_secs(35),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            transports: vec![
                TransportKind::Sse,
                TransportKind::WebSocket,
                TransportKind::LongPoll,
            ],
            fallback_after: 3,
            poll_wait: Duration::from_secs(25),
            sleep_check: Duration::from_secs(1),
            sleep_threshold: Duration::from_secs(10),
            outbox_retry: Duration::from_secs(15),
            primary_retry: Duration::from_secs(300),
        }
    }
}

/// Whether the member's stream is flowing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum ConnectionState {
    /// The first attempt is under way.
    Connecting,
    /// Events flow.
    Live {
        /// Over which transport.
        transport: TransportKind,
    },
    /// The connection dropped; the next attempt starts in about this long.
    Reconnecting {
        /// Seconds until the next attempt (rounded up).
        in_secs: u64,
    },
    /// Not connected and not trying.
    Offline {
        /// Why.
        reason: OfflineReason,
    },
}

/// Why the subscription stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OfflineReason {
    /// The member signed out (or never signed in).
    SignedOut,
    /// The server refused the token: the member must sign in again.
    SignInAgain,
}

/// The wait before attempt number `attempt` (0-based) after a failure:
/// uniformly random between zero and `base * 2^attempt`, capped at `max`
/// ("full jitter"), so clients that lost the server together do not come
/// back together.
pub fn backoff(base: Duration, max: Duration, attempt: u32, unit_random: f64) -> Duration {
    let ceiling = base.saturating_mul(1u32 << attempt.min(20)).min(max);
    ceiling.mul_f64(unit_random.clamp(0.0, 1.0))
}

/// Whether a gap between two clock checks `expected` apart shows that the
/// machine slept: either clock ran far past the check (the monotonic one
/// stops during suspend on some systems, the wall clock never does).
pub fn gap_shows_sleep(
    expected: Duration,
    monotonic: Duration,
    wall: Duration,
    threshold: Duration,
) -> bool {
    monotonic.max(wall) > expected + threshold
}

struct SleepWatch {
    mono: Instant,
    wall: SystemTime,
}

impl SleepWatch {
    fn new() -> Self {
        SleepWatch {
            mono: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    fn slept(&mut self, config: &SubscriptionConfig) -> bool {
        let mono = self.mono.elapsed();
        let wall = SystemTime::now()
            .duration_since(self.wall)
            .unwrap_or_default();
        *self = SleepWatch::new();
        gap_shows_sleep(config.sleep_check, mono, wall, config.sleep_threshold)
    }
}

/// Why one connection ended.
enum End {
    /// Lost or refused; back off.
    Lost(String),
    /// The machine slept: the connection is likely dead; retry at once.
    Slept,
    /// Live on a fallback long enough: try the first transport again.
    TryPrimary,
}

/// Runs the member's subscription until `stop` is cancelled or the token is
/// refused. The one owner of the member's stream.
pub(crate) async fn run(shared: Arc<Shared>, stop: CancellationToken) {
    let config = shared.config.clone();
    let transports = if config.transports.is_empty() {
        vec![TransportKind::Sse]
    } else {
        config.transports.clone()
    };
    let mut last: Option<Position> = None;
    let mut transport_index = 0;
    let mut failed_connects = 0u32;
    let mut attempt = 0u32;
    shared.set_connection(ConnectionState::Connecting);
    loop {
        let Some(token) = shared.api.token() else {
            shared.set_connection(ConnectionState::Offline {
                reason: OfflineReason::SignedOut,
            });
            return;
        };
        let kind = transports[transport_index];
        let dial = Dial {
            http: shared.api.http().clone(),
            base: shared.api.base().to_owned(),
            token,
            after: last,
            read_timeout: config.read_timeout,
            poll_wait: config.poll_wait,
        };
        let mut frames = transport::open(kind, dial);
        let mut opened = false;
        let mut watch = SleepWatch::new();
        let mut tick = tokio::time::interval(config.sleep_check);
        let mut retry = tokio::time::interval_at(
            tokio::time::Instant::now() + config.outbox_retry,
            config.outbox_retry,
        );
        let on_fallback = transport_index > 0;
        let primary_again = tokio::time::sleep(config.primary_retry);
        tokio::pin!(primary_again);
        let end = loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = retry.tick(), if opened => if shared.has_pending() {
                    shared.spawn_flush();
                },
                _ = tick.tick() => if watch.slept(&config) {
                    tracing::info!("the machine slept; reconnecting");
                    break End::Slept;
                },
                _ = &mut primary_again, if on_fallback && opened => {
                    tracing::info!(from = ?kind, "trying the first transport again");
                    break End::TryPrimary;
                },
                item = frames.next() => match item {
                    None => break End::Lost("the stream ended".into()),
                    Some(Err(StreamError::Unauthorized)) => {
                        tracing::warn!("the server refused the token; sign in again");
                        shared.set_connection(ConnectionState::Offline {
                            reason: OfflineReason::SignInAgain,
                        });
                        return;
                    }
                    Some(Err(e)) => break End::Lost(e.to_string()),
                    Some(Ok(Incoming::Open)) => {
                        opened = true;
                        attempt = 0;
                        failed_connects = 0;
                        shared.set_connection(ConnectionState::Live { transport: kind });
                        shared.spawn_flush();
                    }
                    Some(Ok(Incoming::Frame(position, envelope))) => {
                        deliver(&shared, &mut last, position, envelope).await;
                    }
                },
            }
        };
        drop(frames);
        let delay = match end {
            End::Slept => Duration::ZERO,
            End::TryPrimary => {
                transport_index = 0;
                // One failure on the first transport is enough to fall back again.
                failed_connects = config.fallback_after.saturating_sub(1);
                Duration::ZERO
            }
            End::Lost(why) => {
                tracing::info!(transport = ?kind, %why, "stream lost");
                if !opened {
                    failed_connects += 1;
                    if failed_connects >= config.fallback_after
                        && transport_index + 1 < transports.len()
                    {
                        transport_index += 1;
                        failed_connects = 0;
                        tracing::info!(transport = ?transports[transport_index], "falling back");
                    }
                }
                let delay = backoff(
                    config.backoff_base,
                    config.backoff_max,
                    attempt,
                    rand::random::<f64>(),
                );
                attempt = attempt.saturating_add(1);
                delay
            }
        };
        shared.set_connection(ConnectionState::Reconnecting {
            in_secs: delay.as_millis().div_ceil(1000) as u64,
        });
        wait(&config, delay, &stop, &shared.wake).await;
        if stop.is_cancelled() {
            return;
        }
    }
}

/// Sleeps `delay`, cut short when the machine is seen to have slept or the
/// member asks to retry now.
async fn wait(
    config: &SubscriptionConfig,
    delay: Duration,
    stop: &CancellationToken,
    wake: &tokio::sync::Notify,
) {
    let deadline = tokio::time::sleep(delay);
    tokio::pin!(deadline);
    let mut watch = SleepWatch::new();
    let mut tick = tokio::time::interval(config.sleep_check);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = &mut deadline => return,
            _ = wake.notified() => return,
            _ = tick.tick() => if watch.slept(config) { return },
        }
    }
}

/// Hands one frame on, at most once per id.
async fn deliver(
    shared: &Shared,
    last: &mut Option<Position>,
    position: Position,
    envelope: SseEnvelope,
) {
    match envelope {
        SseEnvelope::Connected(connected) => {
            if last.is_none() {
                *last = Some(position);
            }
            if !connected.resumed {
                // A fresh stream: what happened before it comes from a fetch.
                shared.refresh_quietly().await;
            }
        }
        SseEnvelope::ResyncRequired(resync) => {
            tracing::info!(reason = ?resync.reason, "the server cannot resume; refetching");
            // The server's position replaces ours, even if ours was later
            // (a position from another server must not hide new events).
            *last = Some(position);
            shared.refresh_quietly().await;
            shared.emit(crate::session::ClientEvent::Resynced);
        }
        SseEnvelope::ChatMessagePublished(event) => {
            if last.is_some_and(|seen| position <= seen) {
                return;
            }
            *last = Some(position);
            shared.on_event(event).await;
        }
    }
}

#[cfg(test)]
mod tests {
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
}
