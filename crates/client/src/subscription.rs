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
//!
//! The loop is a leaf: it is given a [`Transport`] to open connections
//! with, a way to read the current token and the position to resume from,
//! and it tells a `Report` what happened (events, connection states,
//! "refetch", "the token was refused"). It knows nothing of the session,
//! so its tests replay a script of connections under paused time.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, SystemTime},
};

use futures::StreamExt;
use serde::Serialize;
use suda_protocol::{
    ChannelId, ChatEvent, LevelChanged, MessageDeleted, MessageEdited, Position, PresenceChanged,
    ReactionChanged, ReadMarkerMoved, ResyncReason, SseEnvelope, ThreadReadMarkerMoved, Typing,
};
use tokio::{sync::Notify, time::Instant};
use tokio_util::sync::CancellationToken;

use crate::transport::{Dial, Incoming, StreamError, Transport, TransportKind};

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
    /// limit, a server error) are retried. (The session's timer: the
    /// subscription only reports that it is live.)
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

/// Why what the client holds may be stale, so that it should refetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resync {
    /// A fresh stream (nothing to resume from): what happened before it
    /// comes from a fetch.
    Fresh,
    /// The server could not resume from our position: what was missed is
    /// not replayed; channels and open conversations must be refetched.
    Required(ResyncReason),
}

/// Where the subscription reports: the session in the app, a recorder in
/// tests. Calls come from the subscription's one task, in stream order, and
/// the stream is not read while an async one runs: a slow receiver slows
/// the reading, the server's bounded queue for this stream fills, the
/// server drops the stream and the loop resumes it. Nothing queues here.
pub(crate) trait Report: Send + Sync + 'static {
    /// The stream's state changed (reported on every change, and `Live`
    /// on every successful open).
    fn connection(&self, state: ConnectionState);
    /// One channel event, at most once per id, in stream order.
    fn event(&self, event: ChatEvent) -> impl Future<Output = ()> + Send;
    /// A change to a message or to the member's read marker, at most once
    /// per id, in the same order as the events.
    fn change(&self, change: Change) -> impl Future<Output = ()> + Send;
    /// What the client holds may be stale; refetch before the next event.
    fn resync(&self, why: Resync) -> impl Future<Output = ()> + Send;
    /// The server refused the token: the subscription has stopped, and
    /// only a new sign-in helps.
    fn unauthorized(&self);
    /// Someone typing (ephemeral: it has no position of its own).
    fn typing(&self, typing: Typing);
    /// Someone's presence changed (ephemeral too).
    fn presence(&self, presence: PresenceChanged);
}

/// A change the stream carries to something already delivered
/// (`docs/contract.md`, "Conversations").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "change", rename_all = "camelCase")]
pub enum Change {
    /// The sender edited a message.
    Edited(MessageEdited),
    /// The sender deleted a message.
    Deleted(MessageDeleted),
    /// A member added or took back a reaction.
    Reaction(ReactionChanged),
    /// The member's own read marker moved, on this device or another.
    ReadMarker(ReadMarkerMoved),
    /// The member chose another notification level for a channel, on this
    /// device or another.
    Level(LevelChanged),
    /// The member's read marker of a thread moved, on this device or
    /// another.
    ThreadRead(ThreadReadMarkerMoved),
    /// A group was renamed, given a topic, archived or brought back.
    Channel(suda_protocol::ChannelChanged),
}

impl Change {
    /// The channel it happened in.
    pub fn channel(&self) -> ChannelId {
        match self {
            Change::Edited(e) => e.chat_channel_id,
            Change::Deleted(d) => d.chat_channel_id,
            Change::Reaction(r) => r.chat_channel_id,
            Change::ReadMarker(m) => m.chat_channel_id,
            Change::Level(l) => l.chat_channel_id,
            Change::ThreadRead(t) => t.chat_channel_id,
            Change::Channel(c) => c.chat_channel_id,
        }
    }
}

/// Reads the member's current token; `None` when signed out.
pub(crate) type TokenSource = Box<dyn Fn() -> Option<String> + Send + Sync>;

/// The member's subscription, before it runs: what it is given.
pub(crate) struct Subscription<T> {
    /// Timings and transports.
    pub(crate) config: SubscriptionConfig,
    /// Opens each connection.
    pub(crate) transport: T,
    /// Read afresh for every attempt, so a renewed token is used at once.
    pub(crate) token: TokenSource,
    /// The position to resume from; `None` starts from now.
    pub(crate) after: Option<Position>,
    /// Notified to end a reconnect wait now ("retry now").
    pub(crate) wake: Arc<Notify>,
    /// The wall clock, which keeps running while the machine sleeps.
    pub(crate) wall_clock: Box<dyn Fn() -> SystemTime + Send + Sync>,
    /// A uniform random number in `[0, 1]` for each backoff's jitter.
    pub(crate) jitter: Box<dyn Fn() -> f64 + Send + Sync>,
}

/// Watches both clocks between checks `sleep_check` apart.
struct SleepWatch {
    mono: Instant,
    wall: SystemTime,
}

impl SleepWatch {
    fn new(wall: SystemTime) -> Self {
        SleepWatch {
            mono: Instant::now(),
            wall,
        }
    }

    fn slept(&mut self, wall: SystemTime, config: &SubscriptionConfig) -> bool {
        let mono = self.mono.elapsed();
        let wall_gap = wall.duration_since(self.wall).unwrap_or_default();
        *self = SleepWatch::new(wall);
        gap_shows_sleep(config.sleep_check, mono, wall_gap, config.sleep_threshold)
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

impl<T: Transport> Subscription<T> {
    /// The subscription with the real clocks and randomness, starting from
    /// now.
    pub(crate) fn new(
        config: SubscriptionConfig,
        transport: T,
        token: TokenSource,
        wake: Arc<Notify>,
    ) -> Self {
        Subscription {
            config,
            transport,
            token,
            after: None,
            wake,
            wall_clock: Box::new(SystemTime::now),
            jitter: Box::new(rand::random::<f64>),
        }
    }

    /// Runs until `stop` is cancelled, the member is signed out or the
    /// token is refused. The one owner of the member's stream.
    pub(crate) async fn run(self, report: impl Report, stop: CancellationToken) {
        let config = &self.config;
        let transports = if config.transports.is_empty() {
            vec![TransportKind::Sse]
        } else {
            config.transports.clone()
        };
        let mut last = self.after;
        let mut transport_index = 0;
        let mut failed_connects = 0u32;
        let mut attempt = 0u32;
        report.connection(ConnectionState::Connecting);
        loop {
            let Some(token) = (self.token)() else {
                report.connection(ConnectionState::Offline {
                    reason: OfflineReason::SignedOut,
                });
                return;
            };
            let kind = transports[transport_index];
            let mut frames = self.transport.open(Dial {
                kind,
                token,
                after: last,
            });
            let mut opened = false;
            let mut watch = SleepWatch::new((self.wall_clock)());
            let mut tick = tokio::time::interval(config.sleep_check);
            let on_fallback = transport_index > 0;
            let primary_again = tokio::time::sleep(config.primary_retry);
            tokio::pin!(primary_again);
            let end = loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tick.tick() => if watch.slept((self.wall_clock)(), config) {
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
                            report.unauthorized();
                            return;
                        }
                        Some(Err(e)) => break End::Lost(e.to_string()),
                        Some(Ok(Incoming::Open)) => {
                            opened = true;
                            attempt = 0;
                            failed_connects = 0;
                            report.connection(ConnectionState::Live { transport: kind });
                        }
                        Some(Ok(Incoming::Frame(position, envelope))) => {
                            deliver(&report, &mut last, position, *envelope).await;
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
                        (self.jitter)(),
                    );
                    attempt = attempt.saturating_add(1);
                    delay
                }
            };
            report.connection(ConnectionState::Reconnecting {
                in_secs: delay.as_millis().div_ceil(1000) as u64,
            });
            self.wait(delay, &stop).await;
            if stop.is_cancelled() {
                return;
            }
        }
    }

    /// Sleeps `delay`, cut short when the machine is seen to have slept or
    /// the member asks to retry now.
    async fn wait(&self, delay: Duration, stop: &CancellationToken) {
        let deadline = tokio::time::sleep(delay);
        tokio::pin!(deadline);
        // Made once, before the first check, so a "retry now" that comes
        // between two clock checks is not lost.
        let woken = self.wake.notified();
        tokio::pin!(woken);
        let mut watch = SleepWatch::new((self.wall_clock)());
        let mut tick = tokio::time::interval(self.config.sleep_check);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = &mut deadline => return,
                _ = &mut woken => return,
                _ = tick.tick() => if watch.slept((self.wall_clock)(), &self.config) { return },
            }
        }
    }
}

/// Hands one frame on, at most once per id.
async fn deliver(
    report: &impl Report,
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
                report.resync(Resync::Fresh).await;
            }
        }
        SseEnvelope::ResyncRequired(resync) => {
            tracing::info!(reason = ?resync.reason, "the server cannot resume; refetching");
            // The server's position replaces ours, even if ours was later
            // (a position from another server must not hide new events).
            *last = Some(position);
            report.resync(Resync::Required(resync.reason)).await;
        }
        SseEnvelope::ChatMessagePublished(event) => {
            if last.is_some_and(|seen| position <= seen) {
                return;
            }
            *last = Some(position);
            report.event(event).await;
        }
        SseEnvelope::ChatMessageEdited(c) => {
            change(report, last, position, Change::Edited(c)).await
        }
        SseEnvelope::ChatMessageDeleted(c) => {
            change(report, last, position, Change::Deleted(c)).await
        }
        SseEnvelope::ChatReactionChanged(c) => {
            change(report, last, position, Change::Reaction(c)).await
        }
        SseEnvelope::ChatReadMarkerMoved(c) => {
            change(report, last, position, Change::ReadMarker(c)).await
        }
        SseEnvelope::ChatNotificationLevelChanged(c) => {
            change(report, last, position, Change::Level(c)).await
        }
        SseEnvelope::ChatThreadReadMarkerMoved(c) => {
            change(report, last, position, Change::ThreadRead(c)).await
        }
        SseEnvelope::ChatChannelChanged(c) => {
            change(report, last, position, Change::Channel(c)).await
        }
        // Carried under the last position delivered, which stays.
        SseEnvelope::ChatTyping(t) => report.typing(t),
        SseEnvelope::MemberPresenceChanged(p) => report.presence(p),
    }
}

/// Hands one change on, at most once per id, as [`deliver`] does events.
async fn change(
    report: &impl Report,
    last: &mut Option<Position>,
    position: Position,
    change: Change,
) {
    if last.is_some_and(|seen| position <= seen) {
        return;
    }
    *last = Some(position);
    report.change(change).await;
}

#[cfg(test)]
mod tests;
