//! A local Suda cluster for tests that are not written in Rust (the
//! desktop app's end-to-end tests, scripts, `bench/cluster.sh`): a
//! PostgreSQL of its own, N `suda-server` nodes on it and nginx in front
//! with the shipped site file, all from the test kit. Prints a `NODE <url>
//! <pid>` line per node, `POSTGRES <database url> <postmaster pid>`, then
//! `READY <nginx url>` (with `--no-nginx`: `READY <node urls, comma
//! separated>`) once every part answers, then runs until it gets SIGTERM
//! or SIGINT, and takes everything down with it.
//!
//!     suda-cluster --server target/debug/suda-server [--nodes 3]
//!                  [--durable] [--postgres-setting NAME=VALUE]...
//!                  [--no-nginx] [--keep-alive-secs N] [-- FLAGS...]
//!
//! FLAGS go to every node (e.g. `--demo`). `--durable` runs PostgreSQL
//! with `fsync`, `full_page_writes` and `synchronous_commit` on, as in
//! production (the tests' PostgreSQL has the first two off); each
//! `--postgres-setting` is one more setting for it. The nodes' keep-alive
//! is the tests' one second unless `--keep-alive-secs` says otherwise.

use std::path::PathBuf;

use suda_testkit::{
    cluster::{self, Cluster},
    postgres::{self, Postgres},
};

fn usage() -> ! {
    eprintln!(
        "usage: suda-cluster --server PATH [--nodes N] [--durable] [--postgres-setting NAME=VALUE]... \
         [--no-nginx] [--keep-alive-secs N] [-- FLAGS FOR EVERY NODE...]"
    );
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut server: Option<PathBuf> = None;
    let mut nodes = 3usize;
    let mut pg = postgres::Options::default();
    let mut nginx = true;
    let mut keep_alive_secs = 1;
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
            "--durable" => pg.durable = true,
            "--postgres-setting" => {
                let setting = args.next().unwrap_or_else(|| usage());
                let (name, value) = setting.split_once('=').unwrap_or_else(|| usage());
                pg.settings.push((name.to_owned(), value.to_owned()));
            }
            "--no-nginx" => nginx = false,
            "--keep-alive-secs" => {
                keep_alive_secs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--" => flags.extend(args.by_ref()),
            _ => usage(),
        }
    }
    let Some(server) = server else { usage() };
    let postgres = tokio::task::spawn_blocking(move || Postgres::start_with(pg))
        .await
        .expect("PostgreSQL starts");
    let url = postgres.create_database();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    // The server's own limits, unless FLAGS turn them off.
    let options = cluster::Options {
        keep_alive_secs,
        nginx,
        ..cluster::Options::with_flags(&flags)
    };
    let cluster = Cluster::with_options(&server, &url, nodes, &options).await;
    let mut urls = Vec::new();
    for i in 0..cluster.len() {
        let pid = cluster
            .node_pid(i)
            .map_or_else(|| "?".into(), |p| p.to_string());
        println!("NODE {} {pid}", cluster.node(i));
        urls.push(cluster.node(i));
    }
    let pid = postgres.pid().map_or_else(|| "?".into(), |p| p.to_string());
    println!("POSTGRES {url} {pid}");
    if cluster.has_nginx() {
        println!("READY {}", cluster.base());
    } else {
        println!("READY {}", urls.join(","));
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
