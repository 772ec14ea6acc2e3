//! A scripted transport, a recording report and a wall clock that can
//! jump, all writing to one timeline in (paused) virtual time, so a test
//! reads the subscription's whole conversation in order: what it dialled,
//! with which position and token, and what it reported, and when.

use std::{
    collections::VecDeque,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use futures::StreamExt;
use suda_protocol::{
    ChannelId, ChatEvent, Connected, EventId, EventType, MemberId, MemberRef, MessageEdited,
    Position, ResyncReason, ResyncRequired, SseEnvelope,
};
use tokio::{
    sync::{watch, Notify},
    task::JoinHandle,
    time::Instant,
};
use tokio_util::sync::CancellationToken;

use crate::{
    subscription::{
        Change, ConnectionState, Report, Resync, Subscription, SubscriptionConfig, TokenSource,
    },
    transport::{Dial, Frames, Incoming, StreamError, Transport, TransportKind},
};

/// One thing that happened, as the test sees it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Entry {
    /// The subscription opened a connection.
    Dial {
        kind: TransportKind,
        after: Option<i64>,
        token: String,
    },
    /// The script had no answer left for a dial: the run is stopped.
    ScriptEnded,
    Connection(ConnectionState),
    Event(i64),
    Change(Change),
    Resync(Resync),
    Unauthorized,
    /// Someone typing: their member id, and whether they type.
    Typing(i64, bool),
    /// Someone's presence: their member id, and it.
    Presence(i64, suda_protocol::Presence),
}

/// Entries with their virtual time since the start.
pub(super) type Log = Vec<(Duration, Entry)>;

/// The answer to one dial.
pub(super) struct Step {
    items: Vec<Result<Incoming, StreamError>>,
    /// Whether the connection stays open (silent) after the items.
    hang: bool,
}

/// The connection cannot be made.
pub(super) fn fails(error: StreamError) -> Step {
    Step {
        items: vec![Err(error)],
        hang: false,
    }
}

/// The connection opens, carries `frames`, then ends.
pub(super) fn opens(frames: impl IntoIterator<Item = Incoming>) -> Step {
    let mut items = vec![Ok(Incoming::Open)];
    items.extend(frames.into_iter().map(Ok));
    Step { items, hang: false }
}

/// The connection opens, carries `frames`, then stays open and silent.
pub(super) fn stays(frames: impl IntoIterator<Item = Incoming>) -> Step {
    Step {
        hang: true,
        ..opens(frames)
    }
}

/// A network failure.
pub(super) fn lost() -> StreamError {
    StreamError::Network("connection refused".into())
}

/// `CONNECTED` at `at`.
pub(super) fn connected(at: i64, resumed: bool) -> Incoming {
    Incoming::Frame(
        Position(at),
        Box::new(SseEnvelope::Connected(Connected {
            member_id: MemberId(1),
            resumed,
        })),
    )
}

/// `RESYNC_REQUIRED` at `at`.
pub(super) fn resync(at: i64, reason: ResyncReason) -> Incoming {
    Incoming::Frame(
        Position(at),
        Box::new(SseEnvelope::ResyncRequired(ResyncRequired { reason })),
    )
}

/// A chat message with id (and position) `id`.
/// `CHAT_MESSAGE_EDITED` at `at`, of message `of`.
pub(super) fn edited(at: i64, of: i64) -> Incoming {
    Incoming::Frame(
        Position(at),
        Box::new(SseEnvelope::ChatMessageEdited(edit(at, of))),
    )
}

/// Member `who` typing, carried under `at` (the last position delivered).
pub(super) fn typing(at: i64, who: i64) -> Incoming {
    Incoming::Frame(
        Position(at),
        Box::new(SseEnvelope::ChatTyping(suda_protocol::Typing {
            chat_channel_id: ChannelId(1),
            thread_root: None,
            member: suda_protocol::MemberRef {
                id: suda_protocol::MemberId(who),
                member_name: format!("m{who}"),
                profile_image: None,
            },
            typing: true,
        })),
    )
}

/// Member `who` is away, carried under `at`.
pub(super) fn away(at: i64, who: i64) -> Incoming {
    Incoming::Frame(
        Position(at),
        Box::new(SseEnvelope::MemberPresenceChanged(
            suda_protocol::PresenceChanged {
                member_id: suda_protocol::MemberId(who),
                presence: suda_protocol::Presence::Away,
            },
        )),
    )
}

/// The change [`edited`] carries.
pub(super) fn edit(at: i64, of: i64) -> MessageEdited {
    MessageEdited {
        chat_channel_id: ChannelId(1),
        message_id: EventId(of),
        message: format!("m{of}, edited at {at}"),
        edited_at: "2026-01-01T00:00:01Z".into(),
    }
}

pub(super) fn chat(id: i64) -> Incoming {
    Incoming::Frame(
        Position(id),
        Box::new(SseEnvelope::ChatMessagePublished(ChatEvent {
            chat_channel_id: ChannelId(1),
            id: EventId(id),
            event_type: EventType::Chat,
            created_at: "2026-01-01T00:00:00Z".into(),
            message: Some(format!("m{id}")),
            sender: MemberRef {
                id: MemberId(2),
                member_name: "alice".into(),
                profile_image: None,
            },
            client_key: None,
            reply_to: None,
            mentions: Vec::new(),
            in_thread: None,
            attachments: Vec::new(),
            removed_by: None,
        })),
    )
}

struct Timeline {
    start: Instant,
    log: watch::Sender<Log>,
}

impl Timeline {
    fn push(&self, entry: Entry) {
        let at = self.start.elapsed();
        self.log.send_modify(|log| log.push((at, entry)));
    }
}

/// Answers each dial with the next step and records it.
struct Scripted {
    steps: Mutex<VecDeque<Step>>,
    timeline: Arc<Timeline>,
    stop: CancellationToken,
}

impl Transport for Scripted {
    fn open(&self, dial: Dial) -> Frames {
        self.timeline.push(Entry::Dial {
            kind: dial.kind,
            after: dial.after.map(|p| p.0),
            token: dial.token,
        });
        let Some(step) = self.steps.lock().unwrap().pop_front() else {
            self.timeline.push(Entry::ScriptEnded);
            self.stop.cancel();
            return futures::stream::pending().boxed();
        };
        let items = futures::stream::iter(step.items);
        if step.hang {
            items.chain(futures::stream::pending()).boxed()
        } else {
            items.boxed()
        }
    }
}

/// Records every report.
struct Recorder(Arc<Timeline>);

impl Report for Recorder {
    fn connection(&self, state: ConnectionState) {
        self.0.push(Entry::Connection(state));
    }

    fn event(&self, event: ChatEvent) -> impl Future<Output = ()> + Send {
        self.0.push(Entry::Event(event.id.0));
        std::future::ready(())
    }

    fn change(&self, change: Change) -> impl Future<Output = ()> + Send {
        self.0.push(Entry::Change(change));
        std::future::ready(())
    }

    fn resync(&self, why: Resync) -> impl Future<Output = ()> + Send {
        self.0.push(Entry::Resync(why));
        std::future::ready(())
    }

    fn unauthorized(&self) {
        self.0.push(Entry::Unauthorized);
    }

    fn typing(&self, typing: suda_protocol::Typing) {
        self.0
            .push(Entry::Typing(typing.member.id.0, typing.typing));
    }

    fn presence(&self, presence: suda_protocol::PresenceChanged) {
        self.0
            .push(Entry::Presence(presence.member_id.0, presence.presence));
    }
}

/// A wall clock that follows virtual time and can jump ahead of it, as
/// the real one does when the machine wakes from sleep.
pub(super) struct Wall {
    start: Instant,
    jumped: Mutex<Duration>,
}

impl Wall {
    fn now(&self) -> SystemTime {
        let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        base + self.start.elapsed() + *self.jumped.lock().unwrap()
    }

    /// Moves the wall clock `by` ahead without moving virtual time.
    pub(super) fn jump(&self, by: Duration) {
        *self.jumped.lock().unwrap() += by;
    }
}

/// A subscription to be run against a script.
pub(super) struct Rig {
    config: SubscriptionConfig,
    steps: Vec<Step>,
    after: Option<Position>,
    token: TokenSource,
    jitter: Box<dyn Fn() -> f64 + Send + Sync>,
}

impl Rig {
    /// With the token "token", no position, and every wait at its ceiling
    /// (a jitter of 1), so the delays are exact.
    pub(super) fn new(config: SubscriptionConfig) -> Self {
        Rig {
            config,
            steps: Vec::new(),
            after: None,
            token: Box::new(|| Some("token".into())),
            jitter: Box::new(|| 1.0),
        }
    }

    pub(super) fn script(mut self, steps: impl IntoIterator<Item = Step>) -> Self {
        self.steps.extend(steps);
        self
    }

    pub(super) fn after(mut self, position: i64) -> Self {
        self.after = Some(Position(position));
        self
    }

    pub(super) fn token(
        mut self,
        token: impl Fn() -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.token = Box::new(token);
        self
    }

    pub(super) fn jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Box::new(jitter);
        self
    }

    /// Spawns the subscription; it stops by itself, or when the script
    /// runs out.
    pub(super) fn start(self) -> Run {
        let start = Instant::now();
        let timeline = Arc::new(Timeline {
            start,
            log: watch::Sender::new(Vec::new()),
        });
        let wall = Arc::new(Wall {
            start,
            jumped: Mutex::new(Duration::ZERO),
        });
        let stop = CancellationToken::new();
        let wake = Arc::new(Notify::new());
        let transport = Scripted {
            steps: Mutex::new(self.steps.into()),
            timeline: Arc::clone(&timeline),
            stop: stop.clone(),
        };
        let clock = Arc::clone(&wall);
        let subscription = Subscription {
            config: self.config,
            transport,
            token: self.token,
            after: self.after,
            wake: Arc::clone(&wake),
            wall_clock: Box::new(move || clock.now()),
            jitter: self.jitter,
        };
        let task = tokio::spawn(subscription.run(Recorder(Arc::clone(&timeline)), stop.clone()));
        Run {
            timeline,
            wall,
            wake,
            stop,
            task,
        }
    }
}

/// A running subscription and what it has done so far.
pub(super) struct Run {
    timeline: Arc<Timeline>,
    pub(super) wall: Arc<Wall>,
    pub(super) wake: Arc<Notify>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

/// Far more virtual time than any test needs: a deadline, not a wait.
const DEADLINE: Duration = Duration::from_secs(3600);

impl Run {
    /// Waits (in virtual time) until the log satisfies `done`.
    pub(super) async fn until(&self, what: &str, done: impl FnMut(&Log) -> bool) {
        let mut log = self.timeline.log.subscribe();
        if tokio::time::timeout(DEADLINE, log.wait_for(done))
            .await
            .is_err()
        {
            panic!("never saw {what}: {:#?}", *log.borrow());
        }
    }

    /// Virtual time since the start.
    pub(super) fn now(&self) -> Duration {
        self.timeline.start.elapsed()
    }

    /// Stops the subscription.
    pub(super) fn stop(&self) {
        self.stop.cancel();
    }

    /// Waits for the subscription to end, and the whole log.
    pub(super) async fn finish(self) -> Log {
        match tokio::time::timeout(DEADLINE, self.task).await {
            Ok(ended) => ended.expect("the subscription panicked"),
            Err(_) => panic!(
                "the subscription never ended: {:#?}",
                *self.timeline.log.borrow()
            ),
        }
        self.timeline.log.borrow().clone()
    }
}

/// The dials: when, over what, resuming after what.
pub(super) fn dials(log: &Log) -> Vec<(Duration, TransportKind, Option<i64>)> {
    log.iter()
        .filter_map(|(at, e)| match e {
            Entry::Dial { kind, after, .. } => Some((*at, *kind, *after)),
            _ => None,
        })
        .collect()
}

/// The transports dialled, in order.
pub(super) fn kinds(log: &Log) -> Vec<TransportKind> {
    dials(log).into_iter().map(|(_, kind, _)| kind).collect()
}

/// The positions each dial resumed after, in order.
pub(super) fn afters(log: &Log) -> Vec<Option<i64>> {
    dials(log).into_iter().map(|(_, _, after)| after).collect()
}

/// The waits between one dial and the next.
pub(super) fn gaps(log: &Log) -> Vec<Duration> {
    dials(log).windows(2).map(|w| w[1].0 - w[0].0).collect()
}

/// The connection states reported, in order.
pub(super) fn states(log: &Log) -> Vec<ConnectionState> {
    log.iter()
        .filter_map(|(_, e)| match e {
            Entry::Connection(state) => Some(state.clone()),
            _ => None,
        })
        .collect()
}

/// Only the reports (what the session would see), in order.
pub(super) fn reports(log: &Log) -> Vec<Entry> {
    log.iter()
        .filter(|(_, e)| !matches!(e, Entry::Dial { .. } | Entry::ScriptEnded))
        .map(|(_, e)| e.clone())
        .collect()
}

/// Whether the log has `entry`.
pub(super) fn has(log: &Log, entry: &Entry) -> bool {
    log.iter().any(|(_, e)| e == entry)
}
