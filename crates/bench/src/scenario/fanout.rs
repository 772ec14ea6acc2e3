//! `fanout`: how fast and how completely a message reaches every member of
//! its channel.
//!
//! Every member of every channel holds a stream; a few of them send at a
//! fixed total rate, open-loop (a send is due at its time whether or not
//! earlier ones were answered, so a slow server shows as latency instead of
//! quietly lowering the rate). Each text carries its send time; every
//! subscriber records the ids it got per channel, and at the end they are
//! checked against the ids the server acknowledged: the run is only good
//! if nothing was lost and nothing came twice.
//!
//! The same run drives a peer instead of Suda (`--peer`, see
//! [`crate::peer`]), or Suda with naive clients that re-fetch the channel
//! on every event (`--receive refetch`, see [`super::refetch`]), so that
//! their figures come from the same measurement.
//!
//! On a cluster (several nodes) the streams and sends are spread so that
//! every delivery crosses nodes ([`super::layout`]); the nodes' CPU is
//! summed, and the PostgreSQL they share is observed over the window
//! ([`crate::pg`]).

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use serde::Serialize;

use super::{
    cast::{Cast, Sender},
    collect,
    layout::Layout,
    refetch::Receive,
    schedule::{Answers, Schedule},
    Crowd,
};
use crate::{
    api::Api,
    compete::Competitor,
    error::{Error, Result},
    metrics::{self, Clock, Completeness, Latency},
    peer::Peer,
    pg::{Observer, PgReport},
    proc::{self, Memory},
    target::Deployment,
    transport::Transport,
    window::{Cost, Meter},
};

/// The `fanout` scenario's settings.
#[derive(Debug, Clone, clap::Args, Serialize)]
pub struct FanoutConfig {
    /// Members per channel, each with one stream.
    #[arg(long, default_value_t = 100)]
    pub channel_size: usize,
    /// Channels (members are distinct per channel).
    #[arg(long, default_value_t = 1)]
    pub channels: usize,
    /// Members that send, spread over the channels (default: one per channel).
    #[arg(long)]
    pub senders: Option<usize>,
    /// Messages per second, all senders together.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// Seconds of sending in the measured window.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Seconds of sending at the same rate before the measured window:
    /// checked for completeness, left out of latency, throughput and CPU.
    #[arg(long, default_value_t = 0.0)]
    pub warmup: f64,
    /// CPU-bound busy loops (processes of their own) to run from the
    /// warm-up to the window's end, competing with the server for the
    /// cores: one per core leaves none free.
    #[arg(long, default_value_t = 0)]
    pub compete: usize,
    /// Transport of Suda's streams (a peer has its own: nchan SSE, socket.io WebSocket).
    #[arg(long, value_enum, default_value_t = Transport::Sse)]
    pub transport: Transport,
    /// Drive this peer instead of Suda (started like suda-server, unless --url).
    #[arg(long, value_enum)]
    pub peer: Option<Peer>,
    /// How Suda's subscribers get a message: from the event (push), or by
    /// fetching the channel's latest page on every event (refetch, the
    /// naive baseline).
    #[arg(long, value_enum, default_value_t = Receive::Push)]
    pub receive: Receive,
    /// Seconds to wait after the last send for deliveries to arrive.
    #[arg(long, default_value_t = 15)]
    pub drain_secs: u64,
    /// Sends awaiting their answer at once, at most (beyond it the sender waits).
    #[arg(long, default_value_t = 512)]
    pub max_in_flight: usize,
    /// Streams being opened at once.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
}

impl FanoutConfig {
    /// Connections the server must hold: one per member, one per sender
    /// (nchan's publishers), and a margin.
    pub fn connections(&self) -> u64 {
        let members = self.channel_size * self.channels;
        (members + self.senders.unwrap_or(self.channels) + 256) as u64
    }

    /// What is under test, for reports: `suda`, `suda, naive refetch`, or a peer's name.
    pub fn server_name(&self) -> &'static str {
        match (self.peer, self.receive) {
            (Some(peer), _) => peer.name(),
            (None, Receive::Push) => "suda",
            (None, Receive::Refetch) => "suda, naive refetch",
        }
    }

    /// How subscribers receive, for reports.
    pub fn transport_name(&self) -> &'static str {
        match (self.peer, self.transport) {
            (Some(peer), _) => peer.transport(),
            (None, Transport::Sse) => "sse",
            (None, Transport::Ws) => "ws",
            (None, Transport::Poll) => "poll",
        }
    }
}

/// One node's share of the run's work.
#[derive(Debug, Clone, Serialize)]
pub struct NodeShare {
    /// Its address.
    pub base: String,
    /// Streams held on it.
    pub streams: usize,
    /// Senders sending through it.
    pub senders: usize,
}

/// The server's memory and descriptors, summed over its processes (nginx:
/// the master and its workers; a cluster: every node). Its CPU is in the
/// window's [`Cost`].
#[derive(Debug, Clone, Serialize)]
pub struct ServerUsage {
    /// Memory after setting up (Suda: signing members up), before the
    /// subscribers connected. Suda's includes what the allocator kept of
    /// sign-up's password hashing, so growth from here is the figure to
    /// compare with a peer's, which has no setup.
    pub unconnected: Memory,
    /// Memory with every subscriber connected, before sending.
    pub before: Memory,
    /// Memory after the last delivery.
    pub after: Memory,
    /// File descriptors held (one per connection, plus a few).
    pub fds: u64,
}

/// What the `fanout` scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct FanoutReport {
    /// The settings.
    pub config: FanoutConfig,
    /// Streams held during the run.
    pub subscribers: u64,
    /// Seconds spent signing up members and creating channels.
    pub setup_secs: f64,
    /// Sends attempted.
    pub sent: u64,
    /// Sends the server acknowledged.
    pub acknowledged: u64,
    /// Sends that failed; the first failure's text.
    pub send_errors: u64,
    /// The first send failure, if any.
    pub first_send_error: Option<String>,
    /// Sends per second actually achieved (warm-up included).
    pub send_rate: f64,
    /// Deliveries per second in the measured window: from its first send
    /// to the last delivery.
    pub deliveries_per_sec: f64,
    /// Send-to-receipt latency of the messages sent in the measured window.
    pub latency: Latency,
    /// The measured window: the server's CPU per delivery and per send,
    /// the bench's, the machine's.
    pub window: Cost,
    /// Every delivery checked against the acknowledged sends.
    pub completeness: Completeness,
    /// Streams the server ended and the bench resumed.
    pub resumes: u64,
    /// Streams the server ended that could not be resumed (a peer's).
    pub ended: u64,
    /// GraphQL requests subscribers made to receive: one per event for the
    /// naive baseline, none for Suda's clients (or a peer's).
    pub fetches: u64,
    /// Those requests per delivery received.
    pub fetches_per_delivery: f64,
    /// The server's memory, when its pid is known.
    pub server: Option<ServerUsage>,
    /// Where the streams and senders were, node by node (one for a single
    /// server).
    pub nodes: Vec<NodeShare>,
    /// What the cluster's PostgreSQL did over the window, when observed.
    pub postgres: Option<PgReport>,
}

impl FanoutReport {
    /// Whether every subscriber got every acknowledged message exactly once.
    pub fn is_complete(&self) -> bool {
        let c = &self.completeness;
        c.lost == 0
            && c.duplicated == 0
            && c.out_of_order == 0
            && c.complete_subscribers == self.subscribers
    }
}

/// The run's cast, set up on the server under test.
async fn cast(
    crowd: &Crowd,
    deployment: &Deployment,
    config: &FanoutConfig,
    size: usize,
    channels: usize,
    senders: usize,
) -> Result<Cast> {
    Ok(match config.peer {
        None => {
            let apis: Vec<Api> = deployment
                .nodes
                .iter()
                .map(|n| Api::new(crowd.http.clone(), &n.base))
                .collect();
            let layout = Layout::new(apis.len(), &deployment.send_via);
            Cast::suda(&apis, &layout, size, channels, senders).await?
        }
        Some(Peer::Nchan) => Cast::nchan(&crowd.http, &crowd.base, size, channels, senders),
        Some(Peer::SocketIo) => Cast::socketio(size, channels, senders, config.max_in_flight),
    })
}

/// Runs the `fanout` scenario against `deployment` (one server, or the
/// nodes of a cluster).
pub async fn run_fanout(deployment: &Deployment, config: FanoutConfig) -> Result<FanoutReport> {
    let (size, channels) = (config.channel_size.max(2), config.channels.max(1));
    let senders = config.senders.unwrap_or(channels);
    if senders < channels || senders > size * channels {
        return Err(Error::Local(format!(
            "--senders must be between --channels ({channels}) and all members ({})",
            size * channels
        )));
    }
    if config.peer.is_some() && config.receive == Receive::Refetch {
        return Err(Error::Local(
            "--receive refetch is a mode of Suda's clients, not of a peer's".into(),
        ));
    }
    if config.peer.is_some() {
        deployment.single()?;
    }
    let observer = match &deployment.postgres {
        Some(url) => Some(Observer::connect(url).await?),
        None => None,
    };
    let clock = Clock::default();
    let mut crowd = Crowd::new(
        &deployment.nodes[0].base,
        config.transport,
        clock,
        config.connect_concurrency,
    )?;
    crowd.receive = config.receive;

    let started = Instant::now();
    let mut cast = cast(&crowd, deployment, &config, size, channels, senders).await?;
    let setup_secs = started.elapsed().as_secs_f64();
    let keys = std::mem::take(&mut cast.keys);
    let members = cast.subscriptions.len();
    let nodes = deployment
        .nodes
        .iter()
        .zip(cast.streams_per_node.iter().zip(&cast.senders_per_node))
        .map(|(node, (&streams, &senders))| NodeShare {
            base: node.base.clone(),
            streams,
            senders,
        })
        .collect();
    let pids = deployment.pids();
    let unconnected = pids.as_deref().map(families_memory).transpose()?;
    let tasks = crowd
        .connect_all(
            std::mem::take(&mut cast.subscriptions),
            Duration::from_secs(120),
        )
        .await?;
    if let Err(e) = cast.settled(&crowd, Duration::from_secs(30)).await {
        collect(&crowd, tasks).await;
        return Err(e);
    }

    let servers = Servers {
        pids,
        observer: observer.as_ref(),
    };
    let measured = match measure(&servers, &config, &crowd, cast.senders, size, unconnected).await {
        Ok(measured) => measured,
        Err(e) => {
            collect(&crowd, tasks).await;
            return Err(e);
        }
    };
    let Measured {
        answers,
        sent,
        send_secs,
        window,
        active,
        server,
        postgres,
    } = measured;
    let acknowledged: u64 = answers.acked.values().map(|ids| ids.len() as u64).sum();

    let mut received = collect(&crowd, tasks).await;
    let completeness = metrics::check(
        &answers.acked,
        keys.iter().map(Vec::as_slice).zip(received.iter()),
    );
    let resumes = received.iter().map(|r| r.resumes).sum();
    let ended = received.iter().filter(|r| r.ended).count() as u64;
    let fetches = crowd.fetches.load(Ordering::Relaxed);
    let fetches_per_delivery = fetches as f64 / completeness.received.max(1) as f64;
    let mut samples: Vec<u32> = received
        .iter_mut()
        .flat_map(|r| std::mem::take(&mut r.latencies_us))
        .collect();
    Ok(FanoutReport {
        subscribers: members as u64,
        setup_secs,
        sent,
        acknowledged,
        send_errors: answers.errors,
        first_send_error: answers.first_error,
        send_rate: metrics::per_second(acknowledged, send_secs),
        deliveries_per_sec: metrics::per_second(window.deliveries, active),
        latency: Latency::of(&mut samples),
        window,
        completeness,
        resumes,
        ended,
        fetches,
        fetches_per_delivery,
        server,
        nodes,
        postgres,
        config,
    })
}

/// What is measured of the server: its nodes' processes, and the
/// PostgreSQL they share.
struct Servers<'a> {
    /// The nodes' pids, when every one is known.
    pids: Option<Vec<u32>>,
    observer: Option<&'a Observer>,
}

/// Memory summed over every process of the nodes `pids`.
fn families_memory(pids: &[u32]) -> Result<Memory> {
    memory_of_families(&families(pids)?)
}

/// Each node's processes, its own pid first, for each of the nodes `pids`.
fn families(pids: &[u32]) -> Result<Vec<Vec<u32>>> {
    pids.iter().map(|&pid| proc::family(pid)).collect()
}

/// Memory summed over `families`; a node itself gone is an error, not a
/// smaller figure.
fn memory_of_families(families: &[Vec<u32>]) -> Result<Memory> {
    families.iter().try_fold(Memory::default(), |sum, family| {
        let m = proc::memory_of(family)?;
        Ok(Memory {
            rss_kib: sum.rss_kib + m.rss_kib,
            pss_kib: sum.pss_kib + m.pss_kib,
        })
    })
}

/// Open files summed over `families`, as [`memory_of_families`] counts.
fn open_fds_of_families(families: &[Vec<u32>]) -> Result<u64> {
    families
        .iter()
        .try_fold(0, |sum, family| Ok(sum + proc::open_fds_of(family)?))
}

/// What [`measure`] found, before the deliveries are checked.
struct Measured {
    answers: Answers,
    sent: u64,
    send_secs: Duration,
    window: Cost,
    /// From the window's first send to its last delivery.
    active: Duration,
    server: Option<ServerUsage>,
    postgres: Option<PgReport>,
}

/// Sends the warm-up and the measured window's messages, waits for their
/// deliveries (up to the drain time) and reads what the window cost, with
/// every subscriber of `crowd` connected (`size` to a channel). The
/// server's memory `unconnected` was read before they connected.
async fn measure(
    servers: &Servers<'_>,
    config: &FanoutConfig,
    crowd: &Crowd,
    senders: Vec<Sender>,
    size: usize,
    unconnected: Option<Memory>,
) -> Result<Measured> {
    let family = servers.pids.as_deref().map(families).transpose()?;
    let before = family.as_deref().map(memory_of_families).transpose()?;
    let competitor = Competitor::start(config.compete)?;
    let meter = Meter::new(
        servers.pids.clone(),
        servers.observer.and_then(Observer::postmaster),
        competitor.pids(),
    );
    let warm = (config.rate * config.warmup).round().max(0.0) as u64;
    let sent = warm + (config.rate * config.duration).round().max(0.0) as u64;
    let delivered = || crowd.delivered.load(Ordering::Relaxed);
    let schedule = Schedule::new(senders, crowd.clock, config.rate, config.max_in_flight);
    // Nothing delivered during the warm-up is measured.
    crowd.measured_from_us.store(u64::MAX, Ordering::Relaxed);
    let send_start = Instant::now();
    schedule.send(0..warm).await?;
    schedule.until(warm).await;
    let opened = meter.mark(delivered(), warm)?;
    let pg_opened = match servers.observer {
        Some(o) => Some((o.snapshot().await?, o.sample())),
        None => None,
    };
    let window_start_us = crowd.clock.now_micros();
    crowd
        .measured_from_us
        .store(window_start_us, Ordering::Relaxed);
    schedule.send(warm..sent).await?;
    let answers = schedule.answered().await;
    let send_secs = send_start.elapsed();

    let acknowledged: u64 = answers.acked.values().map(|ids| ids.len() as u64).sum();
    let expected = acknowledged * size as u64;
    // A naive client's page may show messages whose events it has not
    // handled yet; it still fetches once for each of those events, and the
    // run counts them all.
    let events_expected = match config.receive {
        Receive::Push => 0,
        Receive::Refetch => expected,
    };
    let drain_deadline = Instant::now() + Duration::from_secs(config.drain_secs);
    while (delivered() < expected || crowd.fetches.load(Ordering::Relaxed) < events_expected)
        && Instant::now() < drain_deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let closed = meter.mark(delivered(), sent)?;
    let window = Cost::between(&opened, &closed);
    let postgres = match (servers.observer, pg_opened) {
        (Some(o), Some((start, sampler))) => {
            let end = o.snapshot().await?;
            let sessions = sampler.finish().await?;
            Some(Observer::report(&start, &end, sessions, window.secs))
        }
        _ => None,
    };
    competitor.stop().await;
    let last_us = crowd
        .last_delivery_us
        .load(Ordering::Relaxed)
        .max(window_start_us);
    let server = match (family, unconnected, before) {
        (Some(family), Some(unconnected), Some(before)) => Some(ServerUsage {
            unconnected,
            before,
            after: memory_of_families(&family)?,
            fds: open_fds_of_families(&family)?,
        }),
        _ => None,
    };
    Ok(Measured {
        answers,
        sent,
        send_secs,
        window,
        active: Duration::from_micros(last_us - window_start_us),
        server,
        postgres,
    })
}
