//! Smoke test: the fan-out scenario against a real server in this process.
//! It pins completeness (every subscriber gets every acknowledged message
//! exactly once, over each transport), never timing: a loaded CI machine
//! may be slow, but it may not lose a message.

use suda_bench::{run_fanout, Deployment, FanoutConfig, FanoutReport, Receive, Target, Transport};
use suda_testkit::TestServer;

/// The test kit's server (no limits, as `target::spawn` starts it) and the
/// bench's view of it.
struct Server {
    target: Target,
    server: TestServer,
}

async fn start_server() -> Server {
    let server = TestServer::start().await;
    Server {
        target: Target {
            base: server.base(),
            pid: Some(std::process::id()),
        },
        server,
    }
}

impl Server {
    /// The one server, as the bench drives it.
    fn deployment(&self) -> Deployment {
        Deployment::from(self.target.clone())
    }

    async fn stop(self) {
        self.server.stop().await;
    }
}

fn config(transport: Transport, channel_size: usize, channels: usize) -> FanoutConfig {
    FanoutConfig {
        channel_size,
        channels,
        senders: Some(channels * 2),
        rate: 40.0,
        duration: 2.0,
        warmup: 0.0,
        compete: 0,
        transport,
        peer: None,
        receive: Receive::Push,
        drain_secs: 30,
        max_in_flight: 64,
        connect_concurrency: 100,
    }
}

fn assert_complete(report: &FanoutReport) {
    let c = &report.completeness;
    assert!(report.acknowledged > 0, "nothing was sent: {report:?}");
    assert_eq!(report.send_errors, 0, "{:?}", report.first_send_error);
    assert_eq!(c.lost, 0, "{report:#?}");
    assert_eq!(c.duplicated, 0, "{report:#?}");
    assert_eq!(c.out_of_order, 0, "{report:#?}");
    assert_eq!(c.unacknowledged, 0, "{report:#?}");
    assert_eq!(
        c.expected,
        report.acknowledged * report.config.channel_size as u64
    );
    assert_eq!(c.received, c.expected, "{report:#?}");
    assert_eq!(c.complete_subscribers, report.subscribers, "{report:#?}");
    assert_eq!(report.latency.count, c.received);
    // Without a warm-up the window holds every delivery.
    assert_eq!(report.window.deliveries, c.received, "{report:#?}");
    assert_eq!(report.window.sends, report.sent, "{report:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_over_sse_delivers_every_message_to_all_200_subscribers_once() {
    let server = start_server().await;
    let report = run_fanout(&server.deployment(), config(Transport::Sse, 100, 2))
        .await
        .unwrap();
    assert_eq!(report.subscribers, 200);
    assert_complete(&report);
    assert!(report.server.is_some(), "the server's pid was given");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_measures_the_window_after_the_warm_up_and_checks_everything() {
    let server = start_server().await;
    let report = run_fanout(
        &server.deployment(),
        FanoutConfig {
            warmup: 1.0,
            duration: 1.0,
            ..config(Transport::Sse, 10, 1)
        },
    )
    .await
    .unwrap();
    let (c, w) = (&report.completeness, &report.window);
    // Every message, the warm-up's too, is checked...
    assert_eq!(report.sent, 80);
    assert_eq!(c.received, 800, "{report:#?}");
    assert_eq!(c.lost + c.duplicated + c.out_of_order, 0, "{report:#?}");
    // ...but only the window's sends are measured: their deliveries, and
    // those of warm-up messages still arriving when it opened.
    assert_eq!(w.sends, 40);
    assert!((400..=800).contains(&w.deliveries), "{w:#?}");
    assert!(
        (400..=w.deliveries).contains(&report.latency.count),
        "{report:#?}"
    );
    let s = w.server.as_ref().unwrap();
    assert!(s.cpu_s_per_million_deliveries.is_some() && s.cpu_ms_per_send.is_some());
    assert!(w.bench.is_some() && w.competitor.is_none());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_beside_a_competitor_reports_the_competitors_cpu_apart() {
    let server = start_server().await;
    let report = run_fanout(
        &server.deployment(),
        FanoutConfig {
            compete: 1,
            duration: 1.0,
            ..config(Transport::Sse, 10, 1)
        },
    )
    .await
    .unwrap();
    assert_complete(&report);
    let competitor = report.window.competitor.as_ref().unwrap();
    assert_eq!(competitor.processes, 1);
    assert!(competitor.cpu_secs > 0.0, "{competitor:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_over_websocket_delivers_every_message_once() {
    let server = start_server().await;
    let report = run_fanout(&server.deployment(), config(Transport::Ws, 20, 2))
        .await
        .unwrap();
    assert_complete(&report);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_over_long_polling_delivers_every_message_once() {
    let server = start_server().await;
    let report = run_fanout(&server.deployment(), config(Transport::Poll, 20, 2))
        .await
        .unwrap();
    assert_complete(&report);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_refetch_delivers_every_message_once_at_one_fetch_per_event() {
    let server = start_server().await;
    let report = run_fanout(
        &server.deployment(),
        FanoutConfig {
            receive: Receive::Refetch,
            ..config(Transport::Sse, 20, 2)
        },
    )
    .await
    .unwrap();
    assert_complete(&report);
    // One fetch per chat event received, and each page shows one new message.
    assert_eq!(report.fetches, report.completeness.received, "{report:#?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_deliveries_cost_no_fetch() {
    let server = start_server().await;
    let report = run_fanout(&server.deployment(), config(Transport::Sse, 10, 1))
        .await
        .unwrap();
    assert_complete(&report);
    assert_eq!(report.fetches, 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_holds_every_stream_and_measures_the_server() {
    let server = start_server().await;
    let report = suda_bench::run_idle(
        &server.target,
        suda_bench::IdleConfig {
            subscribers: 60,
            members: 3,
            settle_secs: 0.0,
            hold_secs: 0,
            transport: Transport::Sse,
            connect_concurrency: 20,
            connected_file: None,
            release_file: None,
        },
    )
    .await
    .unwrap();
    assert!(report.after.is_some() && report.rss_kib_per_subscriber.is_some());
    assert!(report.server_fds.unwrap() >= 60, "{report:?}");
    server.stop().await;
}

/// Two nodes on one PostgreSQL database, served from this process: the
/// smallest cluster.
struct TwoNodes {
    deployment: Deployment,
    stops: Vec<tokio::sync::oneshot::Sender<()>>,
    tasks: Vec<tokio::task::JoinHandle<Result<(), suda_server::ServerError>>>,
}

async fn two_nodes() -> TwoNodes {
    let url = tokio::task::spawn_blocking(suda_testkit::postgres::fresh_database)
        .await
        .unwrap();
    let (mut bases, mut stops, mut tasks) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..2 {
        let config = suda_server::Config {
            database_url: url.clone(),
            keep_alive: std::time::Duration::from_millis(300),
            ..suda_server::Config::unthrottled()
        };
        let server = suda_server::Server::open(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        bases.push(format!("http://{}", listener.local_addr().unwrap()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tasks.push(tokio::spawn(server.serve(listener, async move {
            let _ = stopped.await;
        })));
        stops.push(stop);
    }
    for base in &bases {
        suda_testkit::wait_ready(base).await;
    }
    let me = std::process::id();
    TwoNodes {
        deployment: Deployment::of(&bases, &[me, me], &[], Some(url)).unwrap(),
        stops,
        tasks,
    }
}

impl TwoNodes {
    async fn stop(self) {
        for stop in self.stops {
            let _ = stop.send(());
        }
        for task in self.tasks {
            task.await.unwrap().unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_over_two_nodes_crosses_nodes_and_observes_postgres() {
    let cluster = two_nodes().await;
    let report = run_fanout(
        &cluster.deployment,
        FanoutConfig {
            senders: Some(2),
            ..config(Transport::Sse, 10, 2)
        },
    )
    .await
    .unwrap();
    assert_complete(&report);
    // Channel 0 sends through node 0 and streams on node 1; channel 1 the
    // other way round: every delivery crossed nodes.
    let shares: Vec<(usize, usize)> = report
        .nodes
        .iter()
        .map(|n| (n.streams, n.senders))
        .collect();
    assert_eq!(shares, [(10, 1), (10, 1)], "{report:#?}");
    let w = &report.window;
    assert_eq!(w.nodes.len(), 2);
    assert!(w.postgres.is_some(), "the postmaster is found: {w:#?}");
    let pg = report.postgres.as_ref().expect("PostgreSQL observed");
    assert!(pg.sessions.samples > 0, "{pg:#?}");
    assert!(pg.wal.records > 0, "the sends wrote WAL: {pg:#?}");
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_keep_every_file_and_measure_the_server() {
    use suda_bench::scenario::uploads::{Kind, UploadsConfig};
    let server = start_server().await;
    for (kind, files) in [(Kind::Bytes, 6), (Kind::Photo, 2)] {
        let report = suda_bench::run_uploads(
            &server.target,
            UploadsConfig {
                files,
                concurrency: 2,
                kind,
                mib: 0.25,
                megapixels: 0.3,
            },
        )
        .await
        .unwrap();
        assert!(report.file_bytes > 0, "{report:#?}");
        assert!(report.mib_per_sec > 0.0 && report.latency_p99_ms >= report.latency_p50_ms);
        assert!(report.server_cpu_secs.is_some() && report.server_rss_peak_kib.is_some());
    }
    server.stop().await;
}
