//! A server in the test's own runtime.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use serde_json::{json, Value};
use suda_server::{AppState, Config, ServerError};
use tokio::{sync::oneshot, task::JoinHandle};

use crate::{config, graphql, sign_up, wait_ready, SseReader};

/// A server on 127.0.0.1 on an ephemeral port, with a temporary database,
/// served by a task of the test's runtime. Dropping it stops the server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    state: AppState,
    database_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServerError>>>,
    dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server with [`config`]'s settings.
    pub async fn start() -> Self {
        Self::start_with(config()).await
    }

    /// A server with `config`, on a temporary database (`database_url` is
    /// replaced).
    pub async fn start_with(config: Config) -> Self {
        let (server, dir) = crate::open_in_temp_dir(config).await;
        Self::serve(server, Some(dir)).await
    }

    /// A server with `config` on the database at `database_url` as given:
    /// the nodes of one cluster share one PostgreSQL database.
    pub async fn start_on(mut config: Config, database_url: &str) -> Self {
        config.database_url = database_url.to_owned();
        let server = suda_server::Server::open(config)
            .await
            .expect("the server opens its database");
        Self::serve(server, None).await
    }

    async fn serve(server: suda_server::Server, dir: Option<tempfile::TempDir>) -> Self {
        let state = server.state().clone();
        let database_url = state.config.database_url.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(listener, async move {
            let _ = stopped.await;
        }));
        let server = TestServer {
            addr,
            http: reqwest::Client::new(),
            state,
            database_url,
            stop: Some(stop),
            task: Some(task),
            dir,
        };
        wait_ready(&server.base()).await;
        server
    }

    /// The server's state (its fan-out, store, settings).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// `http://host:port`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The server's database file (SQLite; in PostgreSQL mode there is no
    /// file: see [`TestServer::database_url`]).
    pub fn db_path(&self) -> PathBuf {
        self.dir.as_ref().unwrap().path().join("suda.db")
    }

    /// The server's database, as `suda_server::open_store` takes it.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Stops the server gracefully and waits for it; hands back the
    /// directory that holds its database (an empty one for a server started
    /// on a database of the caller's, [`TestServer::start_on`]).
    pub async fn stop(mut self) -> tempfile::TempDir {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task.take().unwrap())
            .await
            .expect("the server stops within 10 s")
            .unwrap()
            .unwrap();
        self.dir
            .take()
            .unwrap_or_else(|| tempfile::tempdir().unwrap())
    }

    /// Posts a GraphQL request; returns the whole JSON answer.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        graphql(&self.http, &self.base(), token, query, variables).await
    }

    /// Posts a GraphQL request that must succeed; returns `data`.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let v = self.gql(Some(token), query, variables).await;
        assert!(v.get("errors").is_none(), "unexpected errors: {v}");
        v["data"].clone()
    }

    /// Signs up a member; returns (token, member id).
    pub async fn member(&self, name: &str) -> (String, String) {
        sign_up(&self.http, &self.base(), name).await
    }

    /// Creates a group channel owned by `token` with `members` in it.
    pub async fn group(&self, token: &str, name: &str, members: &[&str]) -> String {
        let d = self
            .ok(
                token,
                "mutation($n:String!,$m:[ID!]){createGroupChannel(name:$n,memberIds:$m){id}}",
                json!({"n": name, "m": members}),
            )
            .await;
        d["createGroupChannel"]["id"].as_str().unwrap().to_owned()
    }

    /// Sends a message; returns its event id.
    pub async fn send(&self, token: &str, channel: &str, text: &str) -> i64 {
        let d = self
            .ok(
                token,
                "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}",
                json!({"c": channel, "m": text}),
            )
            .await;
        d["sendChatMessage"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Opens the SSE stream, resuming after `last_event_id` if given.
    pub async fn sse(&self, token: &str, last_event_id: Option<i64>) -> SseReader {
        let mut request = self
            .http
            .get(self.url(suda_protocol::SSE_PATH))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        SseReader::new(response)
    }

    /// Waits until the fan-out holds exactly `n` subscriptions.
    pub async fn wait_for_subscriptions(&self, n: usize) {
        let fanout = &self.state.fanout;
        crate::eventually(&format!("{n} subscriptions in the fan-out"), || {
            let now = fanout.subscriptions();
            async move { now == n }
        })
        .await;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
