//! The scenarios, and what they share: many subscribers, each a task that
//! opens its member's stream, says when it is connected, and records what
//! it receives until the scenario stops it.
//!
//! A scenario measures only once every subscriber is connected (on Suda,
//! has its `CONNECTED` event), so connection set-up never counts as idle
//! memory or as delivery latency. A Suda stream the server ends (it drops
//! subscribers that fall behind) is resumed from the last position, as real
//! clients do, and counted; a peer's stream has no position to resume
//! from, so its end is the subscriber's end, and counted.

mod cast;
pub mod fanout;
pub mod idle;
pub mod layout;
pub mod refetch;
mod schedule;
pub mod uploads;

use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::{
    sync::{mpsc, Semaphore},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

use self::refetch::Receive;
use crate::{
    api::Api,
    error::{Error, Result},
    metrics::{Clock, Received},
    peer::{nchan, socketio},
    transport::{Event, Stream, Transport},
};

/// Where one subscriber listens, on whichever server is under test.
pub(crate) enum Subscription {
    /// A Suda member's stream (its bearer token) on the node at `base`,
    /// over the crowd's transport.
    Suda { token: String, base: String },
    /// An nchan channel's EventSource.
    Nchan(String),
    /// A socket.io member of a room; `outgoing` for a member that also sends.
    SocketIo {
        room: String,
        outgoing: Option<mpsc::Receiver<socketio::Outgoing>>,
    },
}

/// One open subscription of any server.
enum Feed {
    Suda(Stream),
    Nchan(nchan::Subscriber),
    SocketIo(socketio::Socket),
}

impl Feed {
    async fn next(&mut self) -> Result<Option<Event>> {
        match self {
            Feed::Suda(stream) => stream.next().await,
            Feed::Nchan(subscriber) => subscriber.next().await,
            Feed::SocketIo(socket) => socket.next().await,
        }
    }
}

/// What every subscriber task of one run shares.
#[derive(Clone)]
pub(crate) struct Crowd {
    pub http: reqwest::Client,
    /// The server of a peer's subscriptions (a Suda subscription names its
    /// node).
    pub base: String,
    pub transport: Transport,
    /// How Suda subscribers get a message's content.
    pub receive: Receive,
    pub clock: Clock,
    /// Cancelled to end every subscriber.
    pub stop: CancellationToken,
    /// Chat deliveries so far, across subscribers.
    pub delivered: Arc<AtomicU64>,
    /// When the latest delivery arrived, in microseconds on `clock`.
    pub last_delivery_us: Arc<AtomicU64>,
    /// Deliveries of messages sent before this time (microseconds on
    /// `clock`: the warm-up's) have no latency recorded.
    pub measured_from_us: Arc<AtomicU64>,
    /// Bounds how many streams are being opened at once.
    pub connecting: Arc<Semaphore>,
    /// GraphQL requests subscribers made to receive (the naive baseline's
    /// page fetches).
    pub fetches: Arc<AtomicU64>,
    /// Subscribers that have received a probe (see [`cast::Cast::settled`]).
    pub probed: Arc<AtomicU64>,
}

/// The HTTP client for a run: no overall timeout (streams stay open for the
/// whole run) and no idle-connection cap (each subscriber holds its own).
pub(crate) fn http_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .tcp_nodelay(true)
        .build()?)
}

impl Crowd {
    pub fn new(
        base: &str,
        transport: Transport,
        clock: Clock,
        connect_concurrency: usize,
    ) -> Result<Crowd> {
        Ok(Crowd {
            http: http_client()?,
            base: base.to_owned(),
            transport,
            receive: Receive::Push,
            clock,
            stop: CancellationToken::new(),
            delivered: Arc::new(AtomicU64::new(0)),
            last_delivery_us: Arc::new(AtomicU64::new(0)),
            measured_from_us: Arc::new(AtomicU64::new(0)),
            connecting: Arc::new(Semaphore::new(connect_concurrency.max(1))),
            fetches: Arc::new(AtomicU64::new(0)),
            probed: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Starts one subscriber task per subscription and waits, up to
    /// `deadline`, until every one is connected. On failure the tasks are
    /// stopped.
    pub async fn connect_all(
        &self,
        subscriptions: impl IntoIterator<Item = Subscription>,
        deadline: Duration,
    ) -> Result<Vec<JoinHandle<Received>>> {
        let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
        let tasks: Vec<_> = subscriptions
            .into_iter()
            .map(|sub| tokio::spawn(self.clone().subscriber(sub, ready_tx.clone())))
            .collect();
        drop(ready_tx);
        let waited = tokio::time::timeout(deadline, async {
            for _ in 0..tasks.len() {
                match ready_rx.recv().await {
                    Some(Ok(())) => {}
                    Some(Err(e)) => return Err(e),
                    None => return Err(Error::Local("a subscriber task ended".into())),
                }
            }
            Ok(())
        })
        .await;
        let outcome = match waited {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout(format!(
                "{} subscribers did not all connect within {deadline:?}",
                tasks.len()
            ))),
        };
        if let Err(e) = outcome {
            self.stop.cancel();
            for t in &tasks {
                t.abort();
            }
            return Err(e);
        }
        Ok(tasks)
    }

    /// Opens a subscription, retrying a few times: a burst of thousands
    /// of connects can overflow the server's accept queue. Returns the
    /// stream position it opened at (Suda's; 0 for a peer).
    async fn open(&self, sub: &Subscription, after: Option<i64>) -> Result<(Feed, i64)> {
        let mut attempt = 0;
        loop {
            let opened = match sub {
                Subscription::Suda { token, base } => self.open_suda(base, token, after).await,
                Subscription::Nchan(channel) => {
                    nchan::Subscriber::open(&self.http, &self.base, channel)
                        .await
                        .map(|s| (Feed::Nchan(s), 0))
                }
                Subscription::SocketIo { room, .. } => socketio::Socket::connect(&self.base, room)
                    .await
                    .map(|s| (Feed::SocketIo(s), 0)),
            };
            match opened {
                Ok(opened) => return Ok(opened),
                Err(Error::Refused { code, message }) => {
                    return Err(Error::Refused { code, message })
                }
                Err(e) if attempt >= 5 => return Err(e),
                Err(_) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
            }
        }
    }

    async fn open_suda(&self, base: &str, token: &str, after: Option<i64>) -> Result<(Feed, i64)> {
        let mut stream = Stream::open(&self.http, base, token, self.transport, after).await?;
        match stream.next().await? {
            Some(Event::Connected(position)) => Ok((Feed::Suda(stream), position)),
            other => Err(Error::Protocol(format!(
                "expected CONNECTED first, got {other:?}"
            ))),
        }
    }

    async fn subscriber(
        self,
        mut sub: Subscription,
        ready: mpsc::UnboundedSender<Result<()>>,
    ) -> Received {
        let mut received = Received::default();
        let permit = self.connecting.acquire().await;
        let (mut feed, mut last) = match self.open(&sub, None).await {
            Ok(opened) => opened,
            Err(e) => {
                let _ = ready.send(Err(e));
                return received;
            }
        };
        drop(permit);
        if let (Feed::SocketIo(socket), Subscription::SocketIo { outgoing, .. }) =
            (&mut feed, &mut sub)
        {
            if let Some(outgoing) = outgoing.take() {
                socket.attach(outgoing);
            }
        }
        let _ = ready.send(Ok(()));
        // The naive baseline's messages already shown.
        let mut shown = HashSet::new();
        let mut probed = false;
        loop {
            let next = tokio::select! {
                biased;
                _ = self.stop.cancelled() => return received,
                next = feed.next() => next,
            };
            match next {
                Ok(Some(Event::Chat {
                    position,
                    channel,
                    text,
                })) => {
                    last = last.max(position);
                    match (&sub, self.receive) {
                        (Subscription::Suda { token, base }, Receive::Refetch) => {
                            tokio::select! {
                                biased;
                                _ = self.stop.cancelled() => return received,
                                () = self.refetch(base, token, channel, &mut shown, &mut received) => {}
                            }
                        }
                        _ => self.record(&mut received, channel, position, &text),
                    }
                }
                Ok(Some(Event::Connected(position) | Event::Other(position))) => {
                    last = last.max(position);
                }
                Ok(Some(Event::Probe)) => {
                    if !std::mem::replace(&mut probed, true) {
                        self.probed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(None) | Err(_) => {
                    let Subscription::Suda { token, base } = &sub else {
                        received.ended = true;
                        return received;
                    };
                    // The server ended the stream: resume from where we are.
                    received.resumes += 1;
                    let reopened = tokio::select! {
                        _ = self.stop.cancelled() => return received,
                        r = self.open_suda(base, token, Some(last)) => r,
                    };
                    match reopened {
                        Ok((f, _)) => feed = f,
                        Err(_) => return received,
                    }
                }
            }
        }
    }

    fn record(&self, received: &mut Received, key: i64, id: i64, text: &str) {
        let now = self.clock.now_micros();
        let from = self.measured_from_us.load(Ordering::Relaxed);
        received.record(key, id, text, now, from);
        self.delivered.fetch_add(1, Ordering::Relaxed);
        self.last_delivery_us.fetch_max(now, Ordering::Relaxed);
    }

    /// The naive client's answer to a chat event on `channel`: fetch the
    /// latest page and record what it shows for the first time. A failed
    /// fetch shows nothing (its messages count as lost unless a later page
    /// shows them).
    async fn refetch(
        &self,
        base: &str,
        token: &str,
        channel: i64,
        shown: &mut HashSet<i64>,
        received: &mut Received,
    ) {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let api = Api::new(self.http.clone(), base);
        let Ok(page) = refetch::latest_page(&api, token, channel).await else {
            return;
        };
        for (id, text) in page {
            if shown.insert(id) {
                self.record(received, channel, id, &text);
            }
        }
    }
}

/// Stops every subscriber and collects what each received, in task order.
pub(crate) async fn collect(crowd: &Crowd, tasks: Vec<JoinHandle<Received>>) -> Vec<Received> {
    crowd.stop.cancel();
    let mut all = Vec::with_capacity(tasks.len());
    for task in tasks {
        all.push(task.await.unwrap_or_default());
    }
    all
}
