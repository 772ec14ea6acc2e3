//! A local Suda cluster for tests that are not written in Rust (the
//! desktop app's end-to-end tests, scripts): a PostgreSQL of its own, N
//! `suda-server` nodes on it and nginx in front with the shipped site
//! file, all from the test kit. Prints `READY <nginx url>` once every part
//! answers, then runs until it gets SIGTERM or SIGINT, and takes
//! everything down with it.
//!
//!     suda-cluster --server target/debug/suda-server [--nodes 3] [-- FLAGS...]
//!
//! FLAGS go to every node (e.g. `--demo`).

use std::path::PathBuf;

use suda_testkit::{cluster::Cluster, postgres::Postgres};

fn usage() -> ! {
    eprintln!("usage: suda-cluster --server PATH [--nodes N] [-- FLAGS FOR EVERY NODE...]");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut server: Option<PathBuf> = None;
    let mut nodes = 3usize;
    let mut flags: Vec<String> = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--server" => server = args.next().map(PathBuf::from),
            "--nodes" => {
                nodes = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .unwrap_or_else(|| usage())
            }
            "--" => flags.extend(args.by_ref()),
            _ => usage(),
        }
    }
    let Some(server) = server else { usage() };
    let postgres = tokio::task::spawn_blocking(Postgres::start_private)
        .await
        .expect("PostgreSQL starts");
    let url = postgres.create_database();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    // The server's own limits, unless FLAGS turn them off.
    let cluster = Cluster::with_flags(&server, &url, nodes, &flags).await;
    println!("READY {}", cluster.base());
    for i in 0..cluster.len() {
        println!("NODE {}", cluster.node(i));
    }
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(cluster);
    drop(postgres);
}
