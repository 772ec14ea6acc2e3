//! `idle`: what an open but quiet subscription costs the server.
//!
//! Most of a chat server's connections are idle most of the time, so the
//! memory each one pins decides how many fit on a machine. The scenario
//! signs up a few members (a member may hold many streams, and sign-up is
//! slow), measures the server, opens N streams, waits for every
//! `CONNECTED`, lets keep-alives run, and measures again.
//!
//! One process holds at most its open-file limit of streams, so a cluster
//! is measured by one bench per node, run at once; `--connected-file` and
//! `--release-file` let a script wait until every bench holds all its
//! streams before any of them measures (`bench/cluster.sh`).

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use serde::Serialize;

use super::{collect, Crowd, Subscription};
use crate::{
    api::{self, Api},
    error::{Error, Result},
    metrics::Clock,
    proc::{self, Memory},
    target::Target,
    transport::Transport,
};

/// The `idle` scenario's settings.
#[derive(Debug, Clone, clap::Args, Serialize)]
pub struct IdleConfig {
    /// Streams to open and hold.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// Members to sign up; the streams are spread over them. Memory per
    /// idle stream needs connections, not distinct members, and each
    /// sign-up's argon2 buffer may stay in the server's heap and blur the
    /// baseline, so one is the default.
    #[arg(long, default_value_t = 1)]
    pub members: usize,
    /// Seconds to wait after signing up before the first measurement. The
    /// server hashes each password on a thread of its blocking pool, and
    /// the allocator gives back what the hash used (some 19 MiB) only when
    /// that thread ends, 10 s after its last job: wait longer than that
    /// for a baseline without it (bench/cluster.sh waits 12 s).
    #[arg(long, default_value_t = 0.5)]
    pub settle_secs: f64,
    /// Seconds to hold the streams open (keep-alives flowing) before
    /// measuring again.
    #[arg(long, default_value_t = 5)]
    pub hold_secs: u64,
    /// Transport of the streams.
    #[arg(long, value_enum, default_value_t = Transport::Sse)]
    pub transport: Transport,
    /// Streams being opened at once.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
    /// Once every stream is connected, create this (empty) file.
    #[arg(long)]
    pub connected_file: Option<PathBuf>,
    /// Once every stream is connected, wait until this file exists (for
    /// at most ten minutes), then hold and measure.
    #[arg(long)]
    pub release_file: Option<PathBuf>,
}

/// What the `idle` scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct IdleReport {
    /// The settings.
    pub config: IdleConfig,
    /// Seconds spent signing up members.
    pub sign_up_secs: f64,
    /// Seconds until every stream was connected.
    pub connect_secs: f64,
    /// The server before the streams opened (when its pid is known).
    pub before: Option<Memory>,
    /// The server with every stream open and idle.
    pub after: Option<Memory>,
    /// RSS growth per stream, KiB.
    pub rss_kib_per_subscriber: Option<f64>,
    /// PSS growth per stream, KiB.
    pub pss_kib_per_subscriber: Option<f64>,
    /// File descriptors the server held with every stream open.
    pub server_fds: Option<u64>,
    /// This process (the clients) with every stream open.
    pub bench: Option<Memory>,
}

/// Runs the `idle` scenario against `target`.
pub async fn run_idle(target: &Target, config: IdleConfig) -> Result<IdleReport> {
    let crowd = Crowd::new(
        &target.base,
        config.transport,
        Clock::default(),
        config.connect_concurrency,
    )?;
    let api = Api::new(crowd.http.clone(), &target.base);
    let started = Instant::now();
    let members = api
        .sign_up_many(&api::run_prefix(), config.members.max(1), 8)
        .await?;
    let sign_up_secs = started.elapsed().as_secs_f64();
    // Let the allocator settle after sign-up's argon2 buffers.
    tokio::time::sleep(Duration::from_secs_f64(config.settle_secs.max(0.0))).await;
    let before = target.pid.map(proc::memory).transpose()?;

    let started = Instant::now();
    let subscriptions = (0..config.subscribers).map(|i| Subscription::Suda {
        token: members[i % members.len()].token.clone(),
        base: target.base.clone(),
    });
    let tasks = crowd
        .connect_all(subscriptions, Duration::from_secs(120))
        .await?;
    let connect_secs = started.elapsed().as_secs_f64();
    if let Some(path) = &config.connected_file {
        std::fs::write(path, b"")?;
    }
    if let Some(path) = &config.release_file {
        let deadline = Instant::now() + Duration::from_secs(600);
        while !path.exists() {
            if Instant::now() > deadline {
                collect(&crowd, tasks).await;
                return Err(Error::Timeout(format!("{} never appeared", path.display())));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(config.hold_secs)).await;

    let after = target.pid.map(proc::memory).transpose()?;
    let server_fds = target.pid.map(proc::open_fds).transpose()?;
    let bench = proc::memory(std::process::id()).ok();
    collect(&crowd, tasks).await;

    let n = config.subscribers.max(1) as f64;
    let growth = |f: fn(&Memory) -> u64| match (&before, &after) {
        (Some(b), Some(a)) => Some((f(a) as f64 - f(b) as f64) / n),
        _ => None,
    };
    Ok(IdleReport {
        rss_kib_per_subscriber: growth(|m| m.rss_kib),
        pss_kib_per_subscriber: growth(|m| m.pss_kib),
        config,
        sign_up_secs,
        connect_secs,
        before,
        after,
        server_fds,
        bench,
    })
}
