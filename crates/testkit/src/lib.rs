//! The test kit: one way to start a Suda server for a test, used by the
//! tests of every crate (server, client, CLI, desktop shell, bench).
//!
//! A server is always started as the binary starts it
//! ([`suda_server::Server::open`], then [`suda_server::Server::serve`]) on a
//! temporary database, with [`config`]'s limits, and is ready when
//! `/healthz` answers ([`wait_ready`]). Where it runs is the only choice:
//!
//! - [`TestServer`]: in the test's own runtime (most tests);
//! - [`BackgroundServer`]: on a runtime of its own, for tests without a
//!   runtime (the desktop shell's) and tests that kill the server mid-way;
//! - [`ServerProcess`]: the real binary, for tests that kill the process,
//!   restart it, or run it under injected faults;
//! - [`TestApp`]: no socket at all, the router called with `oneshot`, for
//!   bad input that needs no connection.
//!
//! The database is a SQLite file in a temporary directory, or with
//! `SUDA_TEST_STORE=postgres` a fresh database in a PostgreSQL cluster the
//! kit starts itself ([`postgres`]).

mod background;
pub mod cluster;
pub mod disk;
pub mod images;
pub mod nginx;
pub mod postgres;
mod process;
pub mod proxy;
mod router;
mod server;
mod sse;

use std::time::Duration;

use serde_json::{json, Value};
use suda_server::Config;

pub use background::BackgroundServer;
pub use process::{free_port, ServerProcess};
pub use router::{Answer, TestApp};
pub use server::TestServer;
pub use sse::{SseEvent, SseReader};

/// Settings for tests: fast keep-alives and long-poll waits, and no limits
/// but those a test sets itself (the limits have tests of their own). In
/// PostgreSQL mode ([`postgres::selected`]) its database is a fresh
/// PostgreSQL database; the kit's starters give every server a database of
/// its own either way.
pub fn config() -> Config {
    let mut config = Config {
        keep_alive: Duration::from_millis(300),
        max_poll_wait: Duration::from_secs(2),
        ..Config::unthrottled()
    };
    if postgres::selected() {
        config.database_url = postgres::fresh_database();
        unused_databases()
            .lock()
            .unwrap()
            .insert(config.database_url.clone());
    }
    config
}

/// Fresh PostgreSQL databases `config` made that no server has opened yet.
fn unused_databases() -> &'static std::sync::Mutex<std::collections::HashSet<String>> {
    static UNUSED: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    UNUSED.get_or_init(Default::default)
}

/// `config` with a database of its own: a SQLite file in `dir`, or in
/// PostgreSQL mode a fresh database (the one `config()` made, if no
/// server has had it yet).
fn config_in(mut config: Config, dir: &std::path::Path) -> Config {
    config.database_url = if postgres::selected() {
        let unused = unused_databases()
            .lock()
            .unwrap()
            .remove(&config.database_url);
        if unused {
            config.database_url
        } else {
            postgres::fresh_database()
        }
    } else {
        format!("sqlite:{}", dir.join("suda.db").display())
    };
    config
}

/// The database URL for the SQLite file `db`: the file itself, or in
/// PostgreSQL mode the database standing for it (the same for the same
/// path, so a server restarted "on the file" finds what it left).
pub fn database_url_for(db: &std::path::Path) -> String {
    if postgres::selected() {
        postgres::database_for(db)
    } else {
        format!("sqlite:{}", db.display())
    }
}

/// A server opened (not yet serving) with `config` on a database in a new
/// temporary directory, which lives as long as the caller keeps it.
async fn open_in_temp_dir(config: Config) -> (suda_server::Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let server = suda_server::Server::open(config_in(config, dir.path()))
        .await
        .expect("the server opens its database");
    (server, dir)
}

/// Waits until the server at `base` (`http://host:port`) answers
/// `/healthz`; panics after 20 s.
pub async fn wait_ready(base: &str) {
    let http = reqwest::Client::new();
    eventually(&format!("{base} to answer /healthz"), || {
        let request = http.get(format!("{base}/healthz")).send();
        async move { request.await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
}

/// Waits for a condition, polling every 20 ms; panics after 20 s.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The password every member the kit signs up has.
pub const PASSWORD: &str = "password-123";

/// Signs up a member on the server at `base`; returns (token, member id).
pub async fn sign_up(http: &reqwest::Client, base: &str, name: &str) -> (String, String) {
    let v = graphql(
        http,
        base,
        None,
        "mutation($n:String!,$p:String!){signUp(memberName:$n,password:$p){token member{id}}}",
        json!({"n": name, "p": PASSWORD}),
    )
    .await;
    let up = &v["data"]["signUp"];
    let token = up["token"].as_str().unwrap_or_else(|| panic!("{v}"));
    let id = up["member"]["id"].as_str().unwrap();
    (token.to_owned(), id.to_owned())
}

/// Posts a GraphQL request to the server at `base`, as `token` if given;
/// returns the whole JSON answer. Panics when there is no answer.
pub async fn graphql(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    try_graphql(http, base, token, query, variables)
        .await
        .unwrap_or_else(|e| panic!("no answer from {base}: {e}"))
}

/// As [`graphql`], with a network failure as an `Err` (for a server that may
/// be gone on purpose).
pub async fn try_graphql(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> reqwest::Result<Value> {
    let mut request = http
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    request.send().await?.json().await
}

/// The error code of the first GraphQL error.
pub fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code: {v}"))
}
