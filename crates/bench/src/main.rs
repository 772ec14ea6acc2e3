//! `suda-bench`: parses flags, raises the open-file limit, starts (or
//! finds) the server, runs one scenario and prints its report.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use suda_bench::{peer, proc, report, target, Deployment, FanoutConfig, IdleConfig, UploadsConfig};

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
/// `fanout --url A,B,C --pid a,b,c --postgres URL` drives the nodes of a
/// cluster (bench/cluster.sh starts one): each channel's sends go through
/// one node and its members' streams are on the others, so every delivery
/// crosses nodes; the nodes' CPU is summed, and PostgreSQL's CPU and
/// statistics are reported apart.
///
/// Every connection costs one file descriptor on each side (this process and
/// the server), so the bench raises its own open-file soft limit to the hard
/// limit and prints what it got; a server it starts inherits that limit. A
/// server started elsewhere needs its own limit raised (e.g. `ulimit -n`).
#[derive(Debug, Parser)]
#[command(name = "suda-bench", version)]
struct Args {
    /// Drive the server at this URL (http://host:port) instead of starting
    /// one; several, comma-separated, for the nodes of one cluster.
    #[arg(long, global = true, value_delimiter = ',', value_name = "URL")]
    url: Vec<String>,
    /// With --url: the server's pid, to report its CPU and memory from
    /// /proc; one per URL, comma-separated, in the same order.
    #[arg(long, global = true, value_delimiter = ',')]
    pid: Vec<u32>,
    /// With several --url: the nodes (among them) senders send through
    /// (default: every node). Each channel's streams are on the other nodes.
    #[arg(long, global = true, value_delimiter = ',', value_name = "URL")]
    send_url: Vec<String>,
    /// With --url: the PostgreSQL database the nodes share
    /// (postgres://...), to report its CPU (when it runs here) and where
    /// the cluster's writes spend their time.
    #[arg(long, global = true, value_name = "URL")]
    postgres: Option<String>,
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
    /// Uploads: files (bytes, or photos the server reworks) sent N at a
    /// time; throughput, latency, the server's CPU and peak memory.
    Uploads(UploadsConfig),
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
        Scenario::Idle(_) | Scenario::Uploads(_) => None,
    };
    let given = !args.url.is_empty();
    if !given && (!args.pid.is_empty() || !args.send_url.is_empty() || args.postgres.is_some()) {
        anyhow::bail!("--pid, --send-url and --postgres are about the nodes given with --url");
    }
    let spawned = match (given, peer) {
        (true, _) => None,
        (false, Some((peer, connections))) => {
            eprintln!("starting {}", peer.name());
            Some(peer::spawn(peer, &args.peers, connections).await?)
        }
        (false, None) => {
            let path = args
                .server
                .clone()
                .unwrap_or_else(target::default_server_path);
            eprintln!("starting {}", path.display());
            Some(target::spawn(&path, args.keep_alive_secs).await?)
        }
    };
    let deployment = match &spawned {
        None => {
            let deployment =
                Deployment::of(&args.url, &args.pid, &args.send_url, args.postgres.clone())?;
            for node in &deployment.nodes {
                target::wait_ready(&node.base).await?;
            }
            deployment
        }
        Some(s) => Deployment::from(s.target.clone()),
    };
    let outcome = match args.scenario {
        Scenario::Idle(config) => match deployment.single() {
            Ok(target) => suda_bench::run_idle(target, config).await,
            Err(e) => Err(e),
        }
        .map(|r| {
            if args.json {
                serde_json::to_string_pretty(&r).unwrap_or_default()
            } else {
                report::idle_table(&r)
            }
        }),
        Scenario::Uploads(config) => match deployment.single() {
            Ok(target) => suda_bench::run_uploads(target, config).await,
            Err(e) => Err(e),
        }
        .map(|r| {
            if args.json {
                serde_json::to_string_pretty(&r).unwrap_or_default()
            } else {
                report::uploads_table(&r)
            }
        }),
        Scenario::Fanout(config) => suda_bench::run_fanout(&deployment, config).await.map(|r| {
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
