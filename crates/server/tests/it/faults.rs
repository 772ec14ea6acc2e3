//! Storage faults under the running server binary, made real: a database on
//! a small tmpfs that fills up in the middle of a burst of sends and is then
//! given room again; a disk that starts failing every read and write (EIO);
//! a filesystem that turns read-only (EROFS). The last two are injected by
//! `tests/faults/failfs.c`, loaded with LD_PRELOAD, because the OS cannot
//! do them to a mounted filesystem on demand.
//!
//! For each: sends made during the fault are refused with `UNAVAILABLE`;
//! nothing refused is published; once the fault is gone the server takes
//! sends again by itself, without a restart; every acknowledged message is
//! stored exactly once, and still is after a SIGKILL and a restart.
//!
//! Mounting a tmpfs needs root, as `scripts/test.sh` runs.

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    process::Stdio,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use serde_json::json;
use tokio::task::JoinHandle;

pub(crate) use suda_testkit::disk::{fill, Tmpfs};

use crate::{common::*, process::*};

/// `failfs.c` built for this test, in `dir`.
fn build_failfs(dir: &Path) -> PathBuf {
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/faults/failfs.c");
    let out = dir.join("libfailfs.so");
    let status = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(&out)
        .arg(source)
        .arg("-ldl")
        .status()
        .expect("run cc");
    assert!(status.success(), "building failfs.c");
    out
}

/// What one sender saw.
#[derive(Default)]
pub(crate) struct Outcomes {
    /// Acknowledged: (event id, text).
    acked: Vec<(i64, String)>,
    /// Refused with an error: (text, code).
    refused: Vec<(String, String)>,
}

/// Members, a channel, a live subscriber and senders hammering it.
struct Burst {
    http: reqwest::Client,
    alice: String,
    channel: String,
    outcomes: Arc<Mutex<Outcomes>>,
    seen: Arc<Mutex<Vec<(i64, String)>>>,
    stop: Arc<AtomicBool>,
    senders: Vec<JoinHandle<()>>,
    reader: JoinHandle<()>,
}

const SEND: &str = "mutation($c:ID!,$m:String!,$k:String){sendChatMessage(channelId:$c,message:$m,clientKey:$k){id}}";

impl Burst {
    async fn start(base: &str, senders: usize, pad: usize) -> Burst {
        let http = reqwest::Client::new();
        let (alice, bob, channel) = alice_and_bob(&http, base).await;

        // Bob records what is published live, until his stream ends.
        let resp = http
            .get(format!("{base}/v1/chats/subscriptions/channels"))
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap();
        let mut stream = SseReader::new(resp);
        assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
        let seen: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
        let reader = {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                loop {
                    // The server may stay silent a long while during a fault.
                    let Some(ev) = stream.next_within(Duration::from_secs(120)).await else {
                        return;
                    };
                    if let (Some(id), Some(m)) = (ev.id, ev.message()) {
                        seen.lock().unwrap().push((id, m.to_owned()));
                    }
                }
            })
        };

        let outcomes: Arc<Mutex<Outcomes>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let padding = "x".repeat(pad);
        let senders = (0..senders)
            .map(|s| {
                let (http, base, token, channel) = (
                    http.clone(),
                    base.to_owned(),
                    alice.clone(),
                    channel.clone(),
                );
                let (outcomes, stop, padding) =
                    (Arc::clone(&outcomes), Arc::clone(&stop), padding.clone());
                tokio::spawn(async move {
                    let mut i = 0;
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        let key = format!("s{s}-{i}");
                        let text = format!("{key} {padding}");
                        let v = gql(
                            &http,
                            &base,
                            Some(&token),
                            SEND,
                            json!({"c": channel, "m": text, "k": key}),
                        )
                        .await;
                        let refused = match v {
                            Ok(v) => match v["data"]["sendChatMessage"]["id"].as_str() {
                                Some(id) => {
                                    let id = id.parse().unwrap();
                                    outcomes.lock().unwrap().acked.push((id, text));
                                    continue;
                                }
                                // A GraphQL error, or the HTTP error body
                                // when the request failed before GraphQL.
                                None => v["errors"][0]["extensions"]["code"]
                                    .as_str()
                                    .or(v["error"]["code"].as_str())
                                    .map_or_else(|| format!("NO CODE: {v}"), str::to_owned),
                            },
                            Err(e) => format!("NETWORK: {e}"),
                        };
                        outcomes.lock().unwrap().refused.push((text, refused));
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                })
            })
            .collect();
        Burst {
            http,
            alice,
            channel,
            outcomes,
            seen,
            stop,
            senders,
            reader,
        }
    }

    fn acked(&self) -> usize {
        self.outcomes.lock().unwrap().acked.len()
    }

    fn refused(&self) -> usize {
        self.outcomes.lock().unwrap().refused.len()
    }

    async fn wait_for(&self, what: &str, secs: u64, check: impl Fn(&Burst) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while !check(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what} (acked {}, refused {})",
                self.acked(),
                self.refused()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the senders; returns what they saw.
    async fn stop(&mut self) -> Outcomes {
        self.stop.store(true, Ordering::Relaxed);
        for s in self.senders.drain(..) {
            s.await.unwrap();
        }
        std::mem::take(&mut *self.outcomes.lock().unwrap())
    }
}

/// One send that must be acknowledged at once.
async fn send_ok(burst: &Burst, base: &str, text: &str) -> (i64, String) {
    let v = gql(
        &burst.http,
        base,
        Some(&burst.alice),
        SEND,
        json!({"c": burst.channel, "m": text, "k": text}),
    )
    .await
    .unwrap();
    let id = v["data"]["sendChatMessage"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a send after recovery is acknowledged: {v}"));
    (id.parse().unwrap(), text.to_owned())
}

/// How strictly stored messages must match acknowledged ones.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Stored {
    /// Stored exactly when acknowledged (a write that found no room was
    /// never written).
    ExactlyTheAcknowledged,
    /// Every acknowledged one, plus perhaps a refused one: a failing disk
    /// may keep a write whose sync it reported as failed. The client's
    /// retry with the same key then finds it; never a second copy.
    AcknowledgedAndMaybeRefused,
    /// As `AcknowledgedAndMaybeRefused`, and such a message may also be
    /// published: a commit whose answer was lost with the database
    /// connection may have happened (the sender heard `UNAVAILABLE`), and
    /// on a shared database every node publishes what is committed, which
    /// it reads from the database.
    AcknowledgedAndMaybeInDoubt,
}

/// Checks the promise against the server at `base`: every acknowledged
/// message stored once, nothing else stored but what `rule` allows, and
/// everything published was stored and acknowledged.
async fn check(burst: &Burst, base: &str, outcomes: &Outcomes, rule: Stored) -> Vec<(i64, String)> {
    let stored = stored_messages(&burst.http, base, &burst.alice, &burst.channel).await;
    let mut copies: HashMap<&str, usize> = HashMap::new();
    for (_, text) in &stored {
        *copies.entry(text.as_str()).or_default() += 1;
    }
    assert!(copies.values().all(|&n| n == 1), "a message stored twice");
    let stored_set: HashSet<&(i64, String)> = stored.iter().collect();
    for a in &outcomes.acked {
        assert!(stored_set.contains(a), "acknowledged {a:?} was lost");
    }
    let acked: HashSet<&(i64, String)> = outcomes.acked.iter().collect();
    let refused: HashSet<&str> = outcomes.refused.iter().map(|r| r.0.as_str()).collect();
    for s in &stored {
        if acked.contains(s) {
            continue;
        }
        assert!(
            rule != Stored::ExactlyTheAcknowledged && refused.contains(s.1.as_str()),
            "{s:?} is stored but was never acknowledged"
        );
    }
    for s in burst.seen.lock().unwrap().iter() {
        let in_doubt = rule == Stored::AcknowledgedAndMaybeInDoubt
            && stored_set.contains(s)
            && refused.contains(s.1.as_str());
        assert!(
            acked.contains(s) || in_doubt,
            "{s:?} was published live but not acknowledged"
        );
    }
    stored
}

/// A fault to switch on and off under a running server.
pub(crate) trait Fault {
    fn on(&mut self);
    fn off(&mut self);
}

/// The database a burst's server runs on.
pub(crate) enum Database<'a> {
    /// A SQLite file, with the environment the server starts with (the
    /// restart after the SIGKILL is without it).
    File(&'a Path, &'a [(&'a str, &'a str)]),
    /// A database URL.
    Url(&'a str),
}

impl Database<'_> {
    async fn spawn(&self, with_env: bool) -> Process {
        match self {
            Database::File(db, env) => {
                spawn_server_with(db, if with_env { env } else { &[] }).await
            }
            Database::Url(url) => spawn_server_on(url).await,
        }
    }
}

/// Runs a burst through `fault` against the server process on `db`, then
/// checks everything, restarts and checks again.
pub(crate) async fn burst_through(
    db: Database<'_>,
    fault: &mut dyn Fault,
    pad: usize,
    rule: Stored,
) {
    burst_through_refusing(db, fault, pad, rule, 100).await;
}

/// As [`burst_through`], holding the fault until `refusals` sends were
/// refused (and at least 3 s).
pub(crate) async fn burst_through_refusing(
    db: Database<'_>,
    fault: &mut dyn Fault,
    pad: usize,
    rule: Stored,
    refusals: usize,
) {
    let mut server = db.spawn(true).await;
    let mut burst = Burst::start(&server.base, 4, pad).await;
    burst
        .wait_for("sends before the fault", 30, |b| b.acked() >= 50)
        .await;

    fault.on();
    let before = burst.refused();
    let started = tokio::time::Instant::now();
    // Long enough for the server to be tempted to go back to acknowledging
    // (it once did, while the disk was still full).
    burst
        .wait_for("sends refused during the fault", 60, |b| {
            b.refused() >= before + refusals && started.elapsed() >= Duration::from_secs(3)
        })
        .await;
    let acked_in_fault = burst.acked();
    fault.off();

    // Recovers by itself, without a restart.
    burst
        .wait_for("sends acknowledged again after the fault", 60, |b| {
            b.acked() >= acked_in_fault + 50
        })
        .await;
    let mut outcomes = burst.stop().await;
    // And keeps working: no lock left behind, no failing commits.
    for i in 0..20 {
        let sent = send_ok(&burst, &server.base, &format!("after-{i}")).await;
        outcomes.acked.push(sent);
    }
    let codes: HashSet<&str> = outcomes.refused.iter().map(|r| r.1.as_str()).collect();
    assert!(
        codes.iter().all(|c| *c == "UNAVAILABLE"),
        "sends during a storage fault are refused with UNAVAILABLE, got {codes:?}"
    );
    let stored = check(&burst, &server.base, &outcomes, rule).await;
    eprintln!(
        "acknowledged {}, refused {}, stored {}, seen live {}",
        outcomes.acked.len(),
        outcomes.refused.len(),
        stored.len(),
        burst.seen.lock().unwrap().len()
    );

    // A SIGKILL and a restart lose nothing acknowledged.
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
    burst.reader.abort();
    let server = db.spawn(false).await;
    let after = check(&burst, &server.base, &outcomes, rule).await;
    assert_eq!(after, stored, "the same messages after a restart");
}

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
async fn a_disk_that_fills_up_refuses_sends_and_recovers_when_room_is_made() {
    if skipped_on_postgres("the SQLite file's disk; faults_postgres fills the database's disk") {
        return;
    }
    let disk = Tmpfs::mount("24m");
    let mut fault = DiskFull {
        dir: disk.path().to_owned(),
        filler: None,
    };
    burst_through(
        Database::File(&disk.path().join("suda.db"), &[]),
        &mut fault,
        2000,
        Stored::ExactlyTheAcknowledged,
    )
    .await;
}

/// failfs's switch: a file named after the fault in the control directory.
struct Injected {
    control: PathBuf,
    name: &'static str,
}

impl Fault for Injected {
    fn on(&mut self) {
        std::fs::write(self.control.join(self.name), b"").unwrap();
    }
    fn off(&mut self) {
        std::fs::remove_file(self.control.join(self.name)).unwrap();
    }
}

async fn injected(name: &'static str) {
    let work = tempfile::tempdir().unwrap();
    let library = build_failfs(work.path());
    let data = work.path().join("data");
    let control = work.path().join("control");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&control).unwrap();
    let env = [
        ("LD_PRELOAD", library.to_str().unwrap()),
        ("FAILFS_PREFIX", data.to_str().unwrap()),
        ("FAILFS_CONTROL", control.to_str().unwrap()),
    ];
    let mut fault = Injected {
        control: control.clone(),
        name,
    };
    burst_through(
        Database::File(&data.join("suda.db"), &env),
        &mut fault,
        200,
        Stored::AcknowledgedAndMaybeRefused,
    )
    .await;
}

#[tokio::test]
async fn a_disk_that_fails_with_io_errors_refuses_sends_and_recovers() {
    if skipped_on_postgres(
        "failfs fails the server process's own file I/O, and on PostgreSQL it does none; \
         faults_postgres stops the database mid-burst instead",
    ) {
        return;
    }
    injected("eio").await;
}

#[tokio::test]
async fn a_filesystem_turned_read_only_refuses_sends_and_recovers() {
    if skipped_on_postgres(
        "failfs fails the server process's own file I/O, and on PostgreSQL it does none; \
         faults_postgres turns the database read-only instead",
    ) {
        return;
    }
    injected("erofs").await;
}

#[tokio::test]
async fn a_server_on_a_database_it_cannot_write_says_so_at_start() {
    if skipped_on_postgres(
        "a SQLite file on a read-only filesystem; faults_postgres has a read-only database",
    ) {
        return;
    }
    let disk = Tmpfs::mount("8m");
    let db = disk.path().join("suda.db");
    // A database made by a server that ran, on a filesystem then made
    // read-only.
    let mut first = spawn_server(&db).await;
    first.child.start_kill().unwrap();
    first.child.wait().await.unwrap();
    disk.remount("ro");
    let out = server_command(&db, 0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(20), out)
        .await
        .expect("the server exits at once rather than serving")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refuses to start: {stderr}");
    assert!(stderr.contains("cannot be written"), "says why: {stderr}");
    disk.remount("rw");
}

/// Whether no transaction is left open on the server's database: SQLite's
/// write lock is free, or PostgreSQL has no session of it inside a
/// transaction (and the ledger's head row is free).
async fn no_write_left_open(server: &TestServer) -> bool {
    if !on_postgres() {
        return write_lock_is_free(&server.db_path()).await;
    }
    use sqlx::Connection;
    let Ok(mut conn) = sqlx::PgConnection::connect(server.database_url()).await else {
        return false;
    };
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let head_free = sqlx::raw_sql("BEGIN; SELECT seq FROM ledger_head FOR UPDATE NOWAIT; ROLLBACK")
        .execute(&mut conn)
        .await
        .is_ok();
    let _ = conn.close().await;
    open == 0 && head_free
}

/// Whether another process can take the database's write lock now.
async fn write_lock_is_free(db: &Path) -> bool {
    use sqlx::{Connection, Executor};
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .busy_timeout(Duration::ZERO);
    let Ok(mut conn) = sqlx::SqliteConnection::connect_with(&options).await else {
        return false;
    };
    let free = conn.execute("BEGIN IMMEDIATE").await.is_ok();
    if free {
        let _ = conn.execute("ROLLBACK").await;
    }
    let _ = conn.close().await;
    free
}

#[tokio::test]
async fn a_request_abandoned_mid_write_never_leaves_the_database_locked() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    // Clients that hang up a few milliseconds into a renewal, a sign-up or
    // a sign-in: each of those is a multi-statement write transaction.
    for i in 0..150u64 {
        let http = reqwest::Client::new();
        let (query, token) = match i % 3 {
            0 => ("mutation{renewSession{token}}".to_owned(), Some(alice.clone())),
            1 => (
                format!("mutation{{signUp(memberName:\"quitter{i}\",password:\"password-123\"){{token}}}}"),
                None,
            ),
            _ => (
                "mutation{signIn(memberName:\"alice\",password:\"password-123\"){token}}".to_owned(),
                None,
            ),
        };
        let mut req = http
            .post(server.url("/graphql"))
            .json(&json!({"query": query}));
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        let _ =
            tokio::time::timeout(Duration::from_micros(500 + (i * 397) % 6000), req.send()).await;
    }
    // Nothing is left holding the write lock...
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !no_write_left_open(&server).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "an abandoned request left a transaction open"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ...and a sign-out now is a sign-out: the token stops working.
    let v = server
        .gql(
            None,
            "mutation{signIn(memberName:\"alice\",password:\"password-123\"){token}}",
            json!({}),
        )
        .await;
    let token = v["data"]["signIn"]["token"].as_str().unwrap().to_owned();
    server.ok(&token, "mutation{signOut}", json!({})).await;
    let v = server.gql(Some(&token), "{me{id}}", json!({})).await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
}
