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

use std::{
    collections::HashMap,
    sync::{atomic::Ordering, Arc, Mutex},
    time::{Duration, Instant},
};

use serde::Serialize;
use tokio::sync::Semaphore;

use super::{collect, Crowd};
use crate::{
    api::{self, Api},
    error::{Error, Result},
    metrics::{self, Clock, Completeness, Latency},
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
    /// Transport of the streams.
    #[arg(long, value_enum, default_value_t = Transport::Sse)]
    pub transport: Transport,
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

/// The server's use of the machine during the sending window.
#[derive(Debug, Clone, Serialize)]
pub struct ServerUsage {
    /// CPU time (user + system), seconds.
    pub cpu_secs: f64,
    /// CPU time over wall time, percent of one core.
    pub cpu_percent: f64,
    /// Memory before sending.
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
    let clock = Clock::default();
    let crowd = Crowd::new(
        &target.base,
        config.transport,
        clock,
        config.connect_concurrency,
    )?;
    let api = Api::new(crowd.http.clone(), &target.base);

    let started = Instant::now();
    let members = api
        .sign_up_many(&api::run_prefix(), size * channels, 8)
        .await?;
    let mut channel_ids = Vec::with_capacity(channels);
    for (c, group) in members.chunks(size).enumerate() {
        let others: Vec<String> = group[1..].iter().map(|m| m.id.clone()).collect();
        channel_ids.push(
            api.create_group(&group[0], &format!("bench {c}"), &others)
                .await?,
        );
    }
    let setup_secs = started.elapsed().as_secs_f64();

    let tasks = crowd
        .connect_all(
            members.iter().map(|m| m.token.clone()),
            Duration::from_secs(120),
        )
        .await?;

    let before = target.pid.map(proc::memory).transpose()?;
    let cpu_before = target.pid.map(proc::cpu_time).transpose()?;
    let bench_cpu_before = proc::cpu_time(std::process::id()).ok();
    let machine_before = proc::machine_busy().ok();
    let send_start_us = clock.now_micros();
    let window = Instant::now();

    // Sender j is member j / channels of channel j % channels.
    let sender_of = |j: usize| {
        (
            &members[(j % channels) * size + j / channels],
            channel_ids[j % channels],
        )
    };
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
        let (member, channel) = sender_of(j);
        let (api, token) = (api.clone(), member.token.clone());
        let (acked, errors) = (Arc::clone(&acked), Arc::clone(&errors));
        tokio::spawn(async move {
            let text = clock.stamp(&format!("s{j} n{i}"));
            match api.send(&token, channel, &text).await {
                Ok(id) => lock(&acked).entry(channel).or_default().push(id),
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
    let drain_deadline = Instant::now() + Duration::from_secs(config.drain_secs);
    while crowd.delivered.load(Ordering::Relaxed) < expected && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let last_us = crowd
        .last_delivery_us
        .load(Ordering::Relaxed)
        .max(send_start_us);
    let active = Duration::from_micros(last_us - send_start_us);

    let server = match (target.pid, before, cpu_before) {
        (Some(pid), Some(before), Some(cpu_before)) => {
            let cpu = proc::cpu_time(pid)?.saturating_sub(cpu_before);
            let wall = window.elapsed();
            Some(ServerUsage {
                cpu_secs: cpu.as_secs_f64(),
                cpu_percent: 100.0 * cpu.as_secs_f64() / wall.as_secs_f64().max(1e-9),
                before,
                after: proc::memory(pid)?,
                fds: proc::open_fds(pid)?,
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
    let subscribed: Vec<[i64; 1]> = (0..members.len())
        .map(|m| [channel_ids[m / size]])
        .collect();
    let completeness = metrics::check(
        &acked,
        subscribed.iter().map(|c| &c[..]).zip(received.iter()),
    );
    let resumes = received.iter().map(|r| r.resumes).sum();
    let mut samples: Vec<u32> = received
        .iter_mut()
        .flat_map(|r| std::mem::take(&mut r.latencies_us))
        .collect();
    let (send_errors, first_send_error) = std::mem::take(&mut *lock(&errors));
    Ok(FanoutReport {
        subscribers: members.len() as u64,
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
        server,
        bench_cpu_percent,
        machine_cpu_percent,
        config,
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
