//! The test harness: a server in-process, and small clients for GraphQL and
//! the event stream.

use std::{net::SocketAddr, time::Duration};

use futures::StreamExt;
use serde_json::{json, Value};
use suda_server::Config;
use tokio::{sync::oneshot, task::JoinHandle};

/// A server running in this process on an ephemeral port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), suda_server::ServerError>>>,
    dir: Option<tempfile::TempDir>,
}

/// Settings for tests: fast keep-alives, no limits but those a test sets.
pub fn test_config() -> Config {
    Config {
        keep_alive: Duration::from_millis(300),
        ..Config::unthrottled()
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(test_config()).await
    }

    pub async fn start_with(mut config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        config.database_url = format!("sqlite:{}", dir.path().join("suda.db").display());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(suda_server::run(listener, config, async move {
            let _ = stopped.await;
        }));
        let server = TestServer {
            addr,
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
            dir: Some(dir),
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = self.http.get(self.url("/healthz")).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "server did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The server's database file.
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.as_ref().unwrap().path().join("suda.db")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server gracefully and waits for it; hands back the
    /// directory that holds its database.
    pub async fn stop(mut self) -> tempfile::TempDir {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task.take().unwrap())
            .await
            .expect("server stops within 10 s")
            .unwrap()
            .unwrap();
        self.dir.take().unwrap()
    }

    /// Posts a GraphQL request; returns the whole JSON answer.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        graphql(&self.http, &self.url(""), token, query, variables).await
    }

    /// Posts a GraphQL request that must succeed; returns `data`.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let v = self.gql(Some(token), query, variables).await;
        assert!(v.get("errors").is_none(), "unexpected errors: {v}");
        v["data"].clone()
    }

    /// Signs up a member; returns (token, member id).
    pub async fn member(&self, name: &str) -> (String, String) {
        sign_up(&self.http, &self.url(""), name).await
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

    /// Opens the SSE stream.
    pub async fn sse(&self, token: &str, last_event_id: Option<i64>) -> SseReader {
        let mut req = self
            .http
            .get(self.url("/v1/chats/subscriptions/channels"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        SseReader::new(resp)
    }
}

/// Signs up a member on the server at `base` (`http://host:port`); returns
/// (token, member id).
pub async fn sign_up(http: &reqwest::Client, base: &str, name: &str) -> (String, String) {
    let v = graphql(
        http,
        base,
        None,
        "mutation($n:String!,$p:String!){signUp(memberName:$n,password:$p){token member{id}}}",
        json!({"n": name, "p": "password-123"}),
    )
    .await;
    let up = &v["data"]["signUp"];
    let token = up["token"].as_str().unwrap_or_else(|| panic!("{v}"));
    let id = up["member"]["id"].as_str().unwrap();
    (token.to_owned(), id.to_owned())
}

/// Posts a GraphQL request to the server at `base` (`http://host:port`),
/// as `token` if given; returns the whole JSON answer.
pub async fn graphql(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut req = http
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().json().await.unwrap()
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// One parsed SSE event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: Option<i64>,
    pub event: Option<String>,
    pub data: Value,
}

impl SseEvent {
    pub fn sse_type(&self) -> &str {
        self.data["sseType"].as_str().unwrap_or_default()
    }
    pub fn message(&self) -> Option<&str> {
        self.data["ssePayload"]["message"].as_str()
    }
}

/// A plain SSE parser over the response body, which also counts comments.
pub struct SseReader {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
    /// The start of a character a chunk ended in the middle of.
    partial: Vec<u8>,
    pub comments: usize,
}

impl SseReader {
    pub fn new(resp: reqwest::Response) -> Self {
        SseReader {
            body: resp.bytes_stream().boxed(),
            buf: String::new(),
            partial: Vec::new(),
            comments: 0,
        }
    }

    /// The next event, or None when the stream ends. Panics after 10 s.
    pub async fn next(&mut self) -> Option<SseEvent> {
        tokio::time::timeout(Duration::from_secs(10), self.next_inner())
            .await
            .expect("an SSE event within 10 s")
    }

    /// The next event, or None when the stream ends or `wait` passes first.
    pub async fn next_within(&mut self, wait: Duration) -> Option<SseEvent> {
        tokio::time::timeout(wait, self.next_inner())
            .await
            .ok()
            .flatten()
    }

    async fn next_inner(&mut self) -> Option<SseEvent> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut ev = SseEvent {
                    id: None,
                    event: None,
                    data: Value::Null,
                };
                let mut data = String::new();
                let mut any = false;
                for line in block.lines() {
                    if line.starts_with(':') {
                        self.comments += 1;
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        ev.id = Some(v.parse().expect("numeric id"));
                        any = true;
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        ev.event = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                        any = true;
                    }
                }
                if any {
                    ev.data = serde_json::from_str(&data).expect("data is JSON");
                    return Some(ev);
                }
            }
            match self.body.next().await {
                Some(Ok(chunk)) => {
                    self.partial.extend_from_slice(&chunk);
                    let valid = match std::str::from_utf8(&self.partial) {
                        Ok(all) => all.len(),
                        Err(e) if e.error_len().is_none() => e.valid_up_to(),
                        Err(e) => panic!("the stream is not UTF-8: {e}"),
                    };
                    let text: Vec<u8> = self.partial.drain(..valid).collect();
                    self.buf.push_str(std::str::from_utf8(&text).unwrap());
                }
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// The next event that is a channel event (skipping CONNECTED).
    pub async fn next_published(&mut self) -> SseEvent {
        loop {
            let ev = self.next().await.expect("stream still open");
            if ev.sse_type() == "CHAT_MESSAGE_PUBLISHED" {
                return ev;
            }
        }
    }
}

/// Waits for a condition, polling, up to a deadline.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The error code of the first GraphQL error.
pub fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code: {v}"))
}
