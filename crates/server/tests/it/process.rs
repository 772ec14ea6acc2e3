//! The server as a separate process (the real binary), for tests that kill
//! it, restart it, or run it under injected faults.

use std::{path::Path, process::Stdio};

use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::common::{eventually, sign_up};

/// A `suda-server` process on its own port.
pub struct Process {
    pub child: Child,
    pub base: String,
}

/// Starts the server binary on `db` with generous send limits and waits
/// until it answers.
pub async fn spawn_server(db: &Path) -> Process {
    spawn_server_with(db, &[]).await
}

/// As [`spawn_server`], with extra environment variables.
pub async fn spawn_server_with(db: &Path, env: &[(&str, &str)]) -> Process {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = server_command(db, port)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    eventually("the server to answer", || {
        let req = http.get(format!("{base}/healthz")).send();
        async move { req.await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    Process { child, base }
}

/// The server binary's command line for `db` on `port`.
pub fn server_command(db: &Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_suda-server"));
    command.args([
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--database-url",
        &format!("sqlite:{}", db.display()),
        "--sends-per-second",
        "100000",
        "--send-burst",
        "100000",
        "--keep-alive-secs",
        "1",
    ]);
    command
}

/// Posts a GraphQL request; a network failure is an `Err` (the server may
/// be gone on purpose).
pub async fn gql(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    vars: Value,
) -> reqwest::Result<Value> {
    let mut req = http
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": vars}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await?.json().await
}

/// Every chat message of a channel, as (id, text), read page by page.
pub async fn stored_messages(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    channel: &str,
) -> Vec<(i64, String)> {
    let mut stored = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let v = gql(
            http,
            base,
            Some(token),
            "query($c:ID!,$b:String){chatChannelEvents(channelId:$c,before:$b,limit:200){contents{id eventType ... on ChatChannelChatEvent{message}} hasMore nextCursor}}",
            json!({"c": channel, "b": cursor}),
        )
        .await
        .unwrap();
        let page = &v["data"]["chatChannelEvents"];
        let contents = page["contents"]
            .as_array()
            .unwrap_or_else(|| panic!("a history page: {v}"));
        for e in contents {
            if e["eventType"] == "CHAT" {
                stored.push((
                    e["id"].as_str().unwrap().parse().unwrap(),
                    e["message"].as_str().unwrap().to_owned(),
                ));
            }
        }
        if !page["hasMore"].as_bool().unwrap() {
            break;
        }
        cursor = page["nextCursor"].clone();
    }
    stored
}

/// Alice and Bob in one group channel on the server at `base`: (alice's
/// token, bob's token, the channel's id).
pub async fn alice_and_bob(http: &reqwest::Client, base: &str) -> (String, String, String) {
    let (alice, _) = sign_up(http, base, "alice").await;
    let (bob, bob_id) = sign_up(http, base, "bob").await;
    let created = gql(
        http,
        base,
        Some(&alice),
        "mutation($m:[ID!]){createGroupChannel(name:\"g\",memberIds:$m){id}}",
        json!({"m": [bob_id]}),
    )
    .await
    .unwrap();
    let channel = created["data"]["createGroupChannel"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a channel: {created}"))
        .to_owned();
    (alice, bob, channel)
}
