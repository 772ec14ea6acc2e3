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

use std::{
    collections::HashMap,
    sync::{atomic::Ordering, Arc, Mutex},
    time::{Duration, Instant},
};

use serde::Serialize;
use tokio::sync::Semaphore;

use super::{cast::Cast, collect, refetch::Receive, Crowd};
use crate::{
    api::Api,
    error::{Error, Result},
    metrics::{self, Clock, Completeness, Latency},
    peer::Peer,
    proc::{self, Memory},
    target::Target,
    transport::Transport,
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
    /// Seconds of sending.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
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

/// The server's use of the machine during the sending window, summed over
/// its processes (nginx: the master and its workers).
#[derive(Debug, Clone, Serialize)]
pub struct ServerUsage {
    /// Processes summed.
    pub processes: u64,
    /// CPU time (user + system), seconds.
    pub cpu_secs: f64,
    /// CPU time over wall time, percent of one core.
    pub cpu_percent: f64,
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
    /// Sends per second actually achieved.
    pub send_rate: f64,
    /// Deliveries per second, from the first send to the last delivery.
    pub deliveries_per_sec: f64,
    /// Send-to-receipt latency.
    pub latency: Latency,
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
    /// The server's CPU and memory, when its pid is known.
    pub server: Option<ServerUsage>,
    /// This process's CPU (the clients and senders) over the same window,
    /// percent of one core: on a small machine the two compete for cores.
    pub bench_cpu_percent: Option<f64>,
    /// Busy CPU of the whole machine over the window, percent of one core
    /// (at most 100 times the number of cores). Well above server plus bench
    /// means other work competed for the cores and the figures are low.
    pub machine_cpu_percent: Option<f64>,
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
    config: &FanoutConfig,
    size: usize,
    channels: usize,
    senders: usize,
) -> Result<Cast> {
    Ok(match config.peer {
        None => {
            let api = Api::new(crowd.http.clone(), &crowd.base);
            Cast::suda(&api, size, channels, senders).await?
        }
        Some(Peer::Nchan) => Cast::nchan(&crowd.http, &crowd.base, size, channels, senders),
        Some(Peer::SocketIo) => Cast::socketio(size, channels, senders, config.max_in_flight),
    })
}

/// Runs the `fanout` scenario against `target`.
pub async fn run_fanout(target: &Target, config: FanoutConfig) -> Result<FanoutReport> {
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
    let clock = Clock::default();
    let mut crowd = Crowd::new(
        &target.base,
        config.transport,
        clock,
        config.connect_concurrency,
    )?;
    crowd.receive = config.receive;

    let started = Instant::now();
    let mut cast = cast(&crowd, &config, size, channels, senders).await?;
    let setup_secs = started.elapsed().as_secs_f64();
    let keys = std::mem::take(&mut cast.keys);
    let members = cast.subscriptions.len();
    let unconnected = target
        .pid
        .map(|pid| proc::memory_of(&proc::family(pid)?))
        .transpose()?;
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

    let family = target.pid.map(proc::family).transpose()?;
    let before = family.as_deref().map(proc::memory_of).transpose()?;
    let cpu_before = target.pid.map(proc::tree_cpu_time).transpose()?;
    let bench_cpu_before = proc::cpu_time(std::process::id()).ok();
    let machine_before = proc::machine_busy().ok();
    let send_start_us = clock.now_micros();
    let window = Instant::now();

    let total = (config.rate * config.duration).round().max(0.0) as u64;
    let acked: Arc<Mutex<HashMap<i64, Vec<i64>>>> = Arc::default();
    let errors: Arc<Mutex<(u64, Option<String>)>> = Arc::default();
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight.max(1)));
    let interval = Duration::from_secs_f64(1.0 / config.rate.max(0.001));
    for i in 0..total {
        tokio::time::sleep_until((window + interval.mul_f64(i as f64)).into()).await;
        let permit = Arc::clone(&in_flight)
            .acquire_owned()
            .await
            .map_err(|_| Error::Local("send gate closed".into()))?;
        let j = (i % senders as u64) as usize;
        let seq = i / senders as u64;
        let sender = cast.senders[j].clone();
        let (acked, errors) = (Arc::clone(&acked), Arc::clone(&errors));
        tokio::spawn(async move {
            let text = clock.stamp(&metrics::tag(j, seq));
            match sender.send(seq, text).await {
                Ok((key, id)) => lock(&acked).entry(key).or_default().push(id),
                Err(e) => {
                    let mut errors = lock(&errors);
                    errors.0 += 1;
                    errors.1.get_or_insert_with(|| e.to_string());
                }
            }
            drop(permit);
        });
    }
    let _all_answered = in_flight
        .acquire_many(config.max_in_flight.max(1) as u32)
        .await;
    let send_secs = window.elapsed();

    let acked = std::mem::take(&mut *lock(&acked));
    let acknowledged: u64 = acked.values().map(|ids| ids.len() as u64).sum();
    let expected = acknowledged * size as u64;
    // A naive client's page may show messages whose events it has not
    // handled yet; it still fetches once for each of those events, and the
    // run counts them all.
    let events_expected = match config.receive {
        Receive::Push => 0,
        Receive::Refetch => expected,
    };
    let drain_deadline = Instant::now() + Duration::from_secs(config.drain_secs);
    while (crowd.delivered.load(Ordering::Relaxed) < expected
        || crowd.fetches.load(Ordering::Relaxed) < events_expected)
        && Instant::now() < drain_deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let last_us = crowd
        .last_delivery_us
        .load(Ordering::Relaxed)
        .max(send_start_us);
    let active = Duration::from_micros(last_us - send_start_us);

    let server = match (target.pid, family, unconnected, before, cpu_before) {
        (Some(pid), Some(family), Some(unconnected), Some(before), Some(cpu_before)) => {
            let cpu = proc::tree_cpu_time(pid)?.cpu.saturating_sub(cpu_before.cpu);
            let wall = window.elapsed();
            Some(ServerUsage {
                processes: family.len() as u64,
                cpu_secs: cpu.as_secs_f64(),
                cpu_percent: 100.0 * cpu.as_secs_f64() / wall.as_secs_f64().max(1e-9),
                unconnected,
                before,
                after: proc::memory_of(&family)?,
                fds: proc::open_fds_of(&family)?,
            })
        }
        _ => None,
    };

    let bench_cpu_percent = bench_cpu_before
        .and_then(|b| Some(proc::cpu_time(std::process::id()).ok()?.saturating_sub(b)))
        .map(|cpu| 100.0 * cpu.as_secs_f64() / window.elapsed().as_secs_f64().max(1e-9));
    let machine_cpu_percent = machine_before
        .and_then(|b| Some(proc::machine_busy().ok()?.saturating_sub(b)))
        .map(|cpu| 100.0 * cpu.as_secs_f64() / window.elapsed().as_secs_f64().max(1e-9));
    let mut received = collect(&crowd, tasks).await;
    let completeness = metrics::check(&acked, keys.iter().map(Vec::as_slice).zip(received.iter()));
    let resumes = received.iter().map(|r| r.resumes).sum();
    let ended = received.iter().filter(|r| r.ended).count() as u64;
    let fetches = crowd.fetches.load(Ordering::Relaxed);
    let fetches_per_delivery = fetches as f64 / completeness.received.max(1) as f64;
    let mut samples: Vec<u32> = received
        .iter_mut()
        .flat_map(|r| std::mem::take(&mut r.latencies_us))
        .collect();
    let (send_errors, first_send_error) = std::mem::take(&mut *lock(&errors));
    Ok(FanoutReport {
        subscribers: members as u64,
        setup_secs,
        sent: total,
        acknowledged,
        send_errors,
        first_send_error,
        send_rate: metrics::per_second(acknowledged, send_secs),
        deliveries_per_sec: metrics::per_second(completeness.received, active),
        latency: Latency::of(&mut samples),
        completeness,
        resumes,
        ended,
        fetches,
        fetches_per_delivery,
        server,
        bench_cpu_percent,
        machine_cpu_percent,
        config,
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
