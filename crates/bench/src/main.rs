//! `suda-bench`: parses flags, raises the open-file limit, starts (or
//! finds) the server, runs one scenario and prints its report.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use suda_bench::{peer, proc, report, target, FanoutConfig, IdleConfig, Target};

/// Load generator for the Suda server.
///
/// Starts `suda-server` itself (on 127.0.0.1, with a temporary SQLite
/// database and send and sign-up limits high enough never to throttle the
/// run), or drives a running server with --url. Each scenario is bounded in
/// count and time and stops by itself.
///
/// `fanout --peer nchan|socketio` runs the same scenario against nginx with
/// nchan or a socket.io server instead, started the same way (install them
/// with bench/peers/setup.sh).
///
/// Every connection costs one file descriptor on each side (this process and
/// the server), so the bench raises its own open-file soft limit to the hard
/// limit and prints what it got; a server it starts inherits that limit. A
/// server started elsewhere needs its own limit raised (e.g. `ulimit -n`).
#[derive(Debug, Parser)]
#[command(name = "suda-bench", version)]
struct Args {
    /// Drive the server at this URL (http://host:port) instead of starting one.
    #[arg(long, global = true)]
    url: Option<String>,
    /// With --url: the server's pid, to report its CPU and memory from /proc.
    #[arg(long, global = true, requires = "url")]
    pid: Option<u32>,
    /// The suda-server binary to start (default: next to this executable).
    #[arg(long, global = true)]
    server: Option<PathBuf>,
    /// Keep-alive period of the started server, seconds.
    #[arg(long, global = true, default_value_t = 10)]
    keep_alive_secs: u64,
    /// Print the report as JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(flatten)]
    peers: peer::PeerArgs,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Memory per idle subscriber: open N streams, measure the server before and after.
    Idle(IdleConfig),
    /// Fan-out: every member of every channel subscribed, senders at a fixed
    /// total rate; latency, deliveries/s, lost and duplicated deliveries.
    Fanout(FanoutConfig),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let limit = proc::raise_file_limit().context("raising the open-file limit")?;
    eprintln!(
        "open-file limit: soft {} (hard {}); one descriptor per connection on each side",
        limit.soft, limit.hard
    );
    let peer = match &args.scenario {
        Scenario::Fanout(config) => config.peer.map(|p| (p, config.connections())),
        Scenario::Idle(_) => None,
    };
    let spawned = match (&args.url, peer) {
        (Some(_), _) => None,
        (None, Some((peer, connections))) => {
            eprintln!("starting {}", peer.name());
            Some(peer::spawn(peer, &args.peers, connections).await?)
        }
        (None, None) => {
            let path = args
                .server
                .clone()
                .unwrap_or_else(target::default_server_path);
            eprintln!("starting {}", path.display());
            Some(target::spawn(&path, args.keep_alive_secs).await?)
        }
    };
    let target = match (&args.url, &spawned) {
        (Some(url), _) => {
            target::wait_ready(url).await?;
            Target {
                base: url.trim_end_matches('/').to_owned(),
                pid: args.pid,
            }
        }
        (None, Some(s)) => s.target.clone(),
        (None, None) => unreachable!("a server is started when no --url is given"),
    };
    let outcome = match args.scenario {
        Scenario::Idle(config) => suda_bench::run_idle(&target, config).await.map(|r| {
            if args.json {
                serde_json::to_string_pretty(&r).unwrap_or_default()
            } else {
                report::idle_table(&r)
            }
        }),
        Scenario::Fanout(config) => suda_bench::run_fanout(&target, config).await.map(|r| {
            if args.json {
                serde_json::to_string_pretty(&r).unwrap_or_default()
            } else {
                report::fanout_table(&r)
            }
        }),
    };
    if let Some(s) = spawned {
        s.stop().await;
    }
    println!("{}", outcome?);
    Ok(())
}
