//! `suda-server`: runs the Suda chat server.

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use clap::Parser;
use suda_server::Config;

/// mimalloc rather than glibc's malloc: glibc kept the 19 MiB blocks each
/// argon2 hash frees (hundreds of MiB after a burst of sign-ups), and
/// per-connection memory is lower too (docs/benchmarks.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Suda chat server: GraphQL at /graphql, the member's event stream at
/// /v1/chats/subscriptions/channels (SSE), /ws (WebSocket) and /poll (long polling).
#[derive(Debug, Parser)]
#[command(name = "suda-server", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SUDA_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Database: `sqlite:PATH` (created if missing) for one server, or
    /// `postgres://USER:PASS@HOST[:PORT]/DB` (also `postgresql://`) for a
    /// PostgreSQL database several servers share.
    #[arg(long, env = "SUDA_DATABASE_URL", default_value = "sqlite:suda.db")]
    database_url: String,
    /// A reverse proxy in front of this server (repeat for several): for
    /// requests from it, the client's address (for rate limits and known
    /// sign-in places) is the one it puts in `X-Forwarded-For`.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Seed demo members (alice, bob, carol; password "suda-demo"),
    /// channels and a conversation, once.
    #[arg(long)]
    demo: bool,
    /// Turn every rate limit and connection cap off, whatever the flags
    /// below say: for load tests and benchmarks on a machine of your own,
    /// never for a server strangers can reach.
    #[arg(long)]
    no_limits: bool,
    /// Seconds between keep-alives on idle streams (at most 15).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=15))]
    keep_alive_secs: u64,
    /// Chat messages each member may send per second, sustained.
    #[arg(long, default_value_t = 10)]
    sends_per_second: u32,
    /// Chat messages each member may send at once.
    #[arg(long, default_value_t = 30)]
    send_burst: u32,
    /// Sign-ups accepted per minute, server-wide.
    #[arg(long, default_value_t = 600)]
    sign_ups_per_minute: u32,
    /// Sign-ups accepted per minute from one client address.
    #[arg(long, default_value_t = 20)]
    sign_ups_per_address_per_minute: u32,
    /// Sign-in attempts accepted per minute from one client address.
    #[arg(long, default_value_t = 30)]
    sign_ins_per_address_per_minute: u32,
    /// Changes (join, leave, invite, create, block, ...) each member may make
    /// per second, sustained.
    #[arg(long, default_value_t = 2)]
    changes_per_second: u32,
    /// Changes each member may make at once.
    #[arg(long, default_value_t = 30)]
    change_burst: u32,
    /// Group channels each member may create per hour.
    #[arg(long, default_value_t = 30)]
    channels_per_hour: u32,
    /// Connections held at once (0: no cap); keep it below the open-file limit.
    #[arg(long, default_value_t = 15_000)]
    max_connections: usize,
    /// Connections held at once from one client address (0: no cap; use 0
    /// behind a reverse proxy, which then caps per client).
    #[arg(long, default_value_t = 1_000)]
    max_connections_per_address: usize,
    /// Event streams one member may hold open at once (0: no cap).
    #[arg(long, default_value_t = 16)]
    max_streams_per_member: usize,
    /// Event streams one token (one signed-in device) may hold open (0: no cap).
    #[arg(long, default_value_t = 4)]
    max_streams_per_token: usize,
    /// Seconds a client may take to send a request head, or sit idle
    /// between requests on a kept-alive connection.
    #[arg(long, default_value_t = 30)]
    head_timeout_secs: u64,
    /// Seconds a client may take to send a request body.
    #[arg(long, default_value_t = Config::default().body_timeout.as_secs())]
    body_timeout_secs: u64,
    /// Seconds a write to a client may wait for it to read before the
    /// server lets the client go (a stream's client then resumes).
    #[arg(long, default_value_t = Config::default().stream_write_timeout.as_secs())]
    stream_write_timeout_secs: u64,
    /// Sign-in attempts per minute for one member name, from addresses the
    /// member never signed in from.
    #[arg(long, default_value_t = Config::default().sign_ins_per_minute)]
    sign_ins_per_minute: u32,
    /// Sign-in attempts per minute for one member name from one address.
    #[arg(long, default_value_t = Config::default().sign_ins_per_name_and_address_per_minute)]
    sign_ins_per_name_and_address_per_minute: u32,
    /// Read-marker moves each member may make per second, sustained.
    #[arg(long, default_value_t = Config::default().marks_per_second)]
    marks_per_second: u32,
    /// Read-marker moves each member may make at once.
    #[arg(long, default_value_t = Config::default().mark_burst)]
    mark_burst: u32,
    /// Searches each member may make per second, sustained.
    #[arg(long, default_value_t = Config::default().searches_per_second)]
    searches_per_second: u32,
    /// Searches each member may make at once.
    #[arg(long, default_value_t = Config::default().search_burst)]
    search_burst: u32,
    /// "Typing" signals each member may send per second, sustained.
    #[arg(long, default_value_t = Config::default().typings_per_second)]
    typings_per_second: u32,
    /// "Typing" signals each member may send at once.
    #[arg(long, default_value_t = Config::default().typing_burst)]
    typing_burst: u32,
    /// The most members a channel may have for "typing" (and presence) to
    /// show in it.
    #[arg(long, default_value_t = Config::default().typing_max_members)]
    typing_max_members: usize,
    /// Seconds a member whose last stream closed still shows as there.
    #[arg(long, default_value_t = Config::default().presence_grace.as_secs())]
    presence_grace: u64,
    /// The largest file a member may upload, in bytes.
    #[arg(long, default_value_t = Config::default().max_upload_bytes)]
    max_upload_bytes: u64,
    /// Bytes each member may upload in 24 hours.
    #[arg(long, default_value_t = Config::default().upload_bytes_per_day)]
    upload_bytes_per_day: u64,
    /// Uploads each member may start per second, sustained.
    #[arg(long, default_value_t = Config::default().uploads_per_second)]
    uploads_per_second: u32,
    /// Uploads each member may start at once.
    #[arg(long, default_value_t = Config::default().upload_burst)]
    upload_burst: u32,
    /// Uploads running at once, server-wide (each holds its file in memory).
    #[arg(long, default_value_t = Config::default().uploads_at_once)]
    uploads_at_once: usize,
    /// Hours a token works after it is issued (clients renew it at half).
    #[arg(long, default_value_t = Config::default().token_lifetime.as_secs() / 3600)]
    token_lifetime_hours: u64,
    /// Events a member may have missed and still resume; beyond, the
    /// client is told to resync.
    #[arg(long, default_value_t = Config::default().replay_window)]
    replay_window: u32,
    /// The largest GraphQL answer, in bytes.
    #[arg(long, default_value_t = Config::default().max_response_bytes)]
    max_response_bytes: usize,
    /// The largest request body, in bytes.
    #[arg(long, default_value_t = Config::default().body_limit)]
    body_limit_bytes: usize,
    /// Frames queued per stream before it counts as too slow and is
    /// dropped (its client resumes).
    #[arg(long, default_value_t = Config::default().subscriber_queue)]
    subscriber_queue: usize,
    /// On a shared (PostgreSQL) database: milliseconds between a node's
    /// reads of what other nodes committed (and of their revocations), the
    /// safety net behind the doorbell. For measurement; the default is
    /// what a cluster should run with.
    #[arg(long, value_name = "MS", default_value_t = Config::default().cluster_poll.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    cluster_poll_ms: u64,
    /// On a shared (PostgreSQL) database: neither ring the other nodes
    /// after a commit (NOTIFY) nor listen for their rings, so their events
    /// arrive only with this node's own next commit or its next poll. For
    /// measuring what the doorbell buys (docs/benchmarks.md), never for a
    /// cluster people use.
    #[arg(long)]
    no_doorbell: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let args = Args::parse();
    let config = Config {
        database_url: args.database_url,
        trusted_proxies: args.trusted_proxies,
        keep_alive: Duration::from_secs(args.keep_alive_secs),
        sends_per_second: args.sends_per_second,
        send_burst: args.send_burst,
        sign_ups_per_minute: args.sign_ups_per_minute,
        sign_ups_per_address_per_minute: args.sign_ups_per_address_per_minute,
        sign_ins_per_address_per_minute: args.sign_ins_per_address_per_minute,
        changes_per_second: args.changes_per_second,
        change_burst: args.change_burst,
        channels_per_hour: args.channels_per_hour,
        max_connections: args.max_connections,
        max_connections_per_address: args.max_connections_per_address,
        max_streams_per_member: args.max_streams_per_member,
        max_streams_per_token: args.max_streams_per_token,
        head_timeout: Duration::from_secs(args.head_timeout_secs.max(1)),
        body_timeout: Duration::from_secs(args.body_timeout_secs.max(1)),
        stream_write_timeout: Duration::from_secs(args.stream_write_timeout_secs.max(1)),
        sign_ins_per_minute: args.sign_ins_per_minute,
        sign_ins_per_name_and_address_per_minute: args.sign_ins_per_name_and_address_per_minute,
        marks_per_second: args.marks_per_second,
        mark_burst: args.mark_burst,
        searches_per_second: args.searches_per_second,
        search_burst: args.search_burst,
        typings_per_second: args.typings_per_second,
        typing_burst: args.typing_burst,
        typing_max_members: args.typing_max_members,
        presence_grace: std::time::Duration::from_secs(args.presence_grace),
        // Sizes travel as GraphQL Int: at most 2 GiB.
        max_upload_bytes: args.max_upload_bytes.clamp(1, i32::MAX as u64),
        upload_bytes_per_day: args.upload_bytes_per_day,
        uploads_per_second: args.uploads_per_second,
        upload_burst: args.upload_burst,
        uploads_at_once: args.uploads_at_once.max(1),
        token_lifetime: Duration::from_secs(args.token_lifetime_hours.max(1) * 3600),
        replay_window: args.replay_window,
        max_response_bytes: args.max_response_bytes,
        body_limit: args.body_limit_bytes.max(1024),
        subscriber_queue: args.subscriber_queue.max(16),
        cluster_poll: Duration::from_millis(args.cluster_poll_ms),
        cluster_doorbell: !args.no_doorbell,
        demo: args.demo,
        ..Config::default()
    };
    let config = if args.no_limits {
        tracing::warn!("--no-limits: every rate limit and connection cap is off");
        config.without_limits()
    } else {
        config
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    suda_server::run(listener, config, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
