//! The storage faults of `faults.rs`, made real for a server on
//! PostgreSQL: the database's disk (its data directory on a small tmpfs)
//! fills up in the middle of a burst of sends and is then given room; the
//! database is stopped at once (as `pg_ctl stop -m immediate`) and started
//! again; the database turns read-only and back. The same checks as on
//! SQLite: sends made during the fault are refused with `UNAVAILABLE`,
//! nothing refused is published, the server takes sends again by itself
//! once the fault is gone, and every acknowledged message is stored exactly
//! once, still after a SIGKILL and a restart of the server.
//!
//! Each runs on a cluster of its own (the shared one must not stop), in
//! PostgreSQL mode; the disk one needs root to mount the tmpfs.

use std::{path::PathBuf, process::Stdio, time::Duration};

use suda_testkit::postgres::{is_root, Options, Postgres};

use crate::{
    common::*,
    faults::{burst_through, burst_through_refusing, fill, Database, Fault, Stored, Tmpfs},
    process::*,
};

/// The data directory's disk fills up (the filler is beside the cluster).
struct DiskFull {
    dir: PathBuf,
    filler: Option<PathBuf>,
}

impl Fault for DiskFull {
    fn on(&mut self) {
        self.filler = Some(fill(&self.dir));
    }
    fn off(&mut self) {
        std::fs::remove_file(self.filler.take().unwrap()).unwrap();
    }
}

#[tokio::test]
async fn a_database_disk_that_fills_up_refuses_sends_and_recovers_when_room_is_made() {
    if skipped_on_sqlite() {
        return;
    }
    if !is_root() {
        suda_testkit::postgres::say_skipped("mounting a tmpfs for the database's disk needs root");
        return;
    }
    // The whole cluster on the small disk: its data and its write-ahead
    // log, as a default installation has them.
    let disk = Tmpfs::mount("96m");
    let pg = Postgres::start_with(Options {
        parent: Some(disk.path().to_owned()),
        ..Options::default()
    });
    let url = pg.create_database();
    let mut fault = DiskFull {
        dir: disk.path().to_owned(),
        filler: None,
    };
    burst_through(
        Database::Url(&url),
        &mut fault,
        2000,
        Stored::ExactlyTheAcknowledged,
    )
    .await;
}

/// The database stops at once (its connections end mid-transaction) and
/// starts again on the same data and port.
struct Stopped<'a>(&'a Postgres);

impl Fault for Stopped<'_> {
    fn on(&mut self) {
        self.0.stop();
    }
    fn off(&mut self) {
        self.0.start();
    }
}

#[tokio::test]
async fn a_database_stopped_and_started_mid_burst_refuses_sends_meanwhile_and_recovers() {
    if skipped_on_sqlite() {
        return;
    }
    let pg = Postgres::start_private();
    let url = pg.create_database();
    // A commit whose answer was lost when the database went away may have
    // happened: stored (and published by the read-forward) though its
    // sender heard UNAVAILABLE; never twice, never an acknowledged one lost.
    // While it is away a send waits for a connection (the pool's 3 s)
    // before it is refused, so fewer refusals make as long a fault.
    burst_through_refusing(
        Database::Url(&url),
        &mut Stopped(&pg),
        200,
        Stored::AcknowledgedAndMaybeInDoubt,
        12,
    )
    .await;
}

/// The whole cluster turns read-only (as a primary demoted to a standby
/// refuses writes) and back, without dropping a connection.
struct ReadOnly<'a>(&'a Postgres);

impl ReadOnly<'_> {
    fn set(&self, on: bool) {
        self.0.sql(&format!(
            "ALTER SYSTEM SET default_transaction_read_only = {on}"
        ));
        self.0.sql("SELECT pg_reload_conf()");
    }
}

impl Fault for ReadOnly<'_> {
    fn on(&mut self) {
        self.set(true);
    }
    fn off(&mut self) {
        self.set(false);
    }
}

#[tokio::test]
async fn a_database_turned_read_only_refuses_sends_and_recovers() {
    if skipped_on_sqlite() {
        return;
    }
    let pg = Postgres::start_private();
    let url = pg.create_database();
    burst_through(
        Database::Url(&url),
        &mut ReadOnly(&pg),
        200,
        Stored::ExactlyTheAcknowledged,
    )
    .await;
}

/// Starts the server on `url` expecting it to refuse; what it said.
async fn refused_start(url: &str) -> String {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_suda-server"))
        .args(["--listen", "127.0.0.1:0", "--database-url", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(30), out)
        .await
        .expect("the server exits at once rather than serving")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "refuses to start: {stderr}");
    stderr
}

#[tokio::test]
async fn a_server_on_a_database_it_cannot_write_or_reach_says_so_at_start() {
    if skipped_on_sqlite() {
        return;
    }
    let pg = suda_testkit::postgres::shared();
    let url = pg.create_database();
    // A database a server ran on, then made read-only.
    let mut first = spawn_server_on(&url).await;
    first.child.start_kill().unwrap();
    first.child.wait().await.unwrap();
    let name = url.rsplit('/').next().unwrap();
    pg.sql(&format!(
        "ALTER DATABASE {name} SET default_transaction_read_only = on"
    ));
    let said = refused_start(&url).await;
    assert!(said.contains("cannot be written"), "says why: {said}");

    // Nothing listening there, with a password that must not be shown.
    let port = suda_testkit::free_port();
    let said = refused_start(&format!("postgres://suda:s3cret@127.0.0.1:{port}/suda")).await;
    assert!(
        said.contains("cannot open the database"),
        "says why: {said}"
    );
    assert!(
        said.contains(&format!("127.0.0.1:{port}")),
        "says where: {said}"
    );
    assert!(!said.contains("s3cret"), "never shows the password: {said}");
}

#[tokio::test]
async fn a_database_that_holds_the_ledger_makes_sends_unavailable_instead_of_hanging() {
    use sqlx::{Connection, Executor};
    if skipped_on_sqlite() {
        return;
    }
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    // Something else holds the head row every event write waits for (a
    // stuck session, a long migration).
    let mut holder = sqlx::PgConnection::connect(server.database_url())
        .await
        .unwrap();
    holder
        .execute("BEGIN; SELECT seq FROM ledger_head FOR UPDATE")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let v = server
        .gql(
            Some(&alice),
            "mutation($c:ID!){sendChatMessage(channelId:$c,message:\"stuck\"){id}}",
            serde_json::json!({"c": channel}),
        )
        .await;
    assert_eq!(code(&v), "UNAVAILABLE", "{v}");
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "refused by the lock timeout, inside the request's 10 s: {:?}",
        started.elapsed()
    );
    // Once it lets go, sends go through again.
    holder.execute("ROLLBACK").await.unwrap();
    server.send(&alice, &channel, "free").await;
}

#[tokio::test]
async fn a_database_that_stops_answering_makes_requests_unavailable_within_their_time() {
    if skipped_on_sqlite() {
        return;
    }
    let pg = Postgres::start_private();
    let server = spawn_server_on(&pg.create_database()).await;
    let http = reqwest::Client::new();
    let (alice, _, channel) = alice_and_bob(&http, &server.base).await;
    let send = |text: &'static str| {
        let (http, base, alice, channel) = (
            http.clone(),
            server.base.clone(),
            alice.clone(),
            channel.clone(),
        );
        async move {
            let started = std::time::Instant::now();
            let v = gql(
                &http,
                &base,
                Some(&alice),
                "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}",
                serde_json::json!({"c": channel, "m": text}),
            )
            .await
            .unwrap();
            (v, started.elapsed())
        }
    };
    // Frozen: connections stay open, nothing answers, no timeout of the
    // database's own can fire.
    pg.pause();
    for text in ["frozen 1", "frozen 2"] {
        let (v, took) = send(text).await;
        assert_eq!(any_code(&v), "UNAVAILABLE", "{v}");
        assert!(
            took < Duration::from_secs(10),
            "inside the request's 10 s: {took:?}"
        );
    }
    pg.resume();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (v, _) = send("thawed").await;
        if v["data"]["sendChatMessage"]["id"].is_string() {
            break;
        }
        assert_eq!(any_code(&v), "UNAVAILABLE", "{v}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "sends work again: {v}"
        );
    }
}

/// The code of a GraphQL error, or of the HTTP error body when the request
/// failed before GraphQL (signing the token in needs the database too).
fn any_code(v: &serde_json::Value) -> &str {
    v["errors"][0]["extensions"]["code"]
        .as_str()
        .or(v["error"]["code"].as_str())
        .unwrap_or_else(|| panic!("expected an error with a code: {v}"))
}
