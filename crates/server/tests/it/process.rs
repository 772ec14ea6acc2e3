//! The server as a separate process (the real binary), for tests that kill
//! it, restart it, or run it under injected faults.

use std::path::Path;

use serde_json::{json, Value};
use suda_testkit::{free_port, ServerProcess};
use tokio::process::Command;

use crate::common::sign_up;

/// A `suda-server` process on its own port.
pub type Process = ServerProcess;

/// Starts the server binary on `db` with the kit's limits and waits until
/// it answers.
pub async fn spawn_server(db: &Path) -> Process {
    spawn_server_with(db, &[]).await
}

/// As [`spawn_server`], with extra environment variables.
pub async fn spawn_server_with(db: &Path, env: &[(&str, &str)]) -> Process {
    let port = free_port();
    let mut command = server_command(db, port);
    command.envs(env.iter().copied());
    ServerProcess::spawn(command, port).await
}

/// Starts the server binary on the database `url` and waits until it
/// answers.
pub async fn spawn_server_on(url: &str) -> Process {
    let port = free_port();
    let command = ServerProcess::command_for_url(binary(), url, port);
    ServerProcess::spawn(command, port).await
}

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_suda-server"))
}

/// The server binary's command line for `db` on `port` (in PostgreSQL
/// mode, on the database that stands for `db`).
pub fn server_command(db: &Path, port: u16) -> Command {
    ServerProcess::command(binary(), db, port)
}

/// Posts a GraphQL request; a network failure is an `Err` (the server may
/// be gone on purpose).
pub use suda_testkit::try_graphql as gql;

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
