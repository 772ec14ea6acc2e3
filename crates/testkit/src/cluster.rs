//! Several real `suda-server` processes on one PostgreSQL database behind
//! nginx (the shipped site file), and a resuming stream reader that
//! follows a member through node failures the way a client does.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::Value;
use tokio::task::JoinHandle;

use crate::{nginx::Nginx, ServerProcess, SseReader};

/// Nodes on one database, with nginx in front.
pub struct Cluster {
    binary: PathBuf,
    database_url: String,
    extra: Vec<String>,
    keep_alive_secs: u64,
    ports: Vec<u16>,
    nodes: Vec<Option<ServerProcess>>,
    nginx: Option<Nginx>,
}

impl Cluster {
    /// `count` nodes of `binary` on `database_url` (limits off, one-second
    /// keep-alives, nginx trusted as their proxy), each given `extra`
    /// flags too, and nginx in front of them.
    pub async fn start(binary: &Path, database_url: &str, count: usize, extra: &[&str]) -> Cluster {
        let mut flags = vec!["--no-limits"];
        flags.extend_from_slice(extra);
        Cluster::with_flags(binary, database_url, count, &flags).await
    }

    /// As [`Cluster::start`], with the server's own limits unless `flags`
    /// say otherwise.
    pub async fn with_flags(
        binary: &Path,
        database_url: &str,
        count: usize,
        flags: &[&str],
    ) -> Cluster {
        Cluster::with_options(binary, database_url, count, &Options::with_flags(flags)).await
    }

    /// `count` nodes of `binary` on `database_url`, as `options` say.
    pub async fn with_options(
        binary: &Path,
        database_url: &str,
        count: usize,
        options: &Options<'_>,
    ) -> Cluster {
        let ports: Vec<u16> = (0..count).map(|_| crate::free_port()).collect();
        let mut cluster = Cluster {
            binary: binary.to_owned(),
            database_url: database_url.to_owned(),
            extra: options.flags.iter().map(|s| (*s).to_owned()).collect(),
            keep_alive_secs: options.keep_alive_secs,
            ports: ports.clone(),
            nodes: (0..count).map(|_| None).collect(),
            nginx: None,
        };
        // Started one at a time: each migrates (or finds migrated) the
        // database at start.
        for i in 0..count {
            cluster.start_node(i).await;
        }
        if options.nginx {
            cluster.nginx = Some(Nginx::start(&ports).await);
        }
        cluster
    }

    /// The cluster's address, through nginx: `http://127.0.0.1:port`.
    pub fn base(&self) -> &str {
        &self.nginx.as_ref().expect("nginx runs").base
    }

    /// Whether nginx is in front (see [`Options::nginx`]).
    pub fn has_nginx(&self) -> bool {
        self.nginx.is_some()
    }

    /// Node `i`'s own address.
    pub fn node(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.ports[i])
    }

    /// Node `i`'s process id, while it runs.
    pub fn node_pid(&self, i: usize) -> Option<u32> {
        self.nodes[i].as_ref().and_then(|n| n.child.id())
    }

    /// The database the nodes share.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Starts node `i` (again), on the port it had.
    pub async fn start_node(&mut self, i: usize) {
        assert!(self.nodes[i].is_none(), "node {i} already runs");
        let mut command = tokio::process::Command::new(&self.binary);
        command
            .args(["--listen", &format!("127.0.0.1:{}", self.ports[i])])
            .args(["--database-url", &self.database_url])
            .args(["--keep-alive-secs", &self.keep_alive_secs.to_string()])
            .args(["--trusted-proxy", "127.0.0.1"])
            .args(&self.extra);
        self.nodes[i] = Some(ServerProcess::spawn(command, self.ports[i]).await);
    }

    /// Kills node `i` with SIGKILL: nothing of it is shut down cleanly.
    pub async fn kill_node(&mut self, i: usize) {
        let mut node = self.nodes[i].take().expect("node runs");
        node.child.start_kill().expect("SIGKILL");
        let _ = node.child.wait().await;
    }

    /// How many nodes there are.
    pub fn len(&self) -> usize {
        self.ports.len()
    }

    /// Never empty.
    pub fn is_empty(&self) -> bool {
        self.ports.is_empty()
    }
}

/// How a [`Cluster`] is started.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// Flags for every node, after the kit's own.
    pub flags: &'a [&'a str],
    /// The nodes' keep-alive period (the tests' one second by default; a
    /// benchmark of idle streams wants the server's ten).
    pub keep_alive_secs: u64,
    /// Whether nginx is started in front of the nodes (a benchmark that
    /// talks to the nodes directly leaves it out).
    pub nginx: bool,
}

impl<'a> Options<'a> {
    /// The tests' cluster: one-second keep-alives, nginx in front, and
    /// `flags` for every node.
    pub fn with_flags(flags: &'a [&'a str]) -> Options<'a> {
        Options {
            flags,
            keep_alive_secs: 1,
            nginx: true,
        }
    }
}

/// One event a [`Follower`] received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: i64,
    pub data: Value,
}

/// A member's stream that reconnects whenever it ends or fails, with
/// `Last-Event-ID` set to the last id it got, as a client does: what it
/// records is what a member saw, across any number of reconnects.
pub struct Follower {
    received: Arc<Mutex<Vec<Received>>>,
    /// `CONNECTED` frames received (one per stream opened).
    connected: Arc<Mutex<u32>>,
    reconnects: Arc<Mutex<u32>>,
    /// `RESYNC_REQUIRED` frames (a resume the server could not honour).
    resyncs: Arc<Mutex<u32>>,
    task: JoinHandle<()>,
}

impl Follower {
    /// Follows `token`'s stream at `base`, from `after` (the id of a
    /// `CONNECTED` frame or of an event) or from now.
    pub fn start(base: &str, token: &str, after: Option<i64>) -> Follower {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let reconnects: Arc<Mutex<u32>> = Arc::default();
        let resyncs: Arc<Mutex<u32>> = Arc::default();
        let connected: Arc<Mutex<u32>> = Arc::default();
        let task = tokio::spawn(follow(
            base.to_owned(),
            token.to_owned(),
            after,
            Arc::clone(&received),
            Arc::clone(&connected),
            Arc::clone(&reconnects),
            Arc::clone(&resyncs),
        ));
        Follower {
            received,
            connected,
            reconnects,
            resyncs,
            task,
        }
    }

    /// The channel events received so far (`CHAT_MESSAGE_PUBLISHED`).
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Whether a stream is (or was) open: its `CONNECTED` frame arrived.
    /// A follower that starts from now sees what is sent after this.
    pub fn has_connected(&self) -> bool {
        *self.connected.lock().unwrap() > 0
    }

    /// How many times the stream was opened again.
    pub fn reconnects(&self) -> u32 {
        *self.reconnects.lock().unwrap()
    }

    /// How many `RESYNC_REQUIRED` frames arrived.
    pub fn resyncs(&self) -> u32 {
        *self.resyncs.lock().unwrap()
    }

    /// The texts of the chat messages received, in the order received.
    pub fn texts(&self) -> Vec<String> {
        self.received()
            .iter()
            .filter(|r| r.data["ssePayload"]["eventType"] == "CHAT")
            .filter_map(|r| r.data["ssePayload"]["message"].as_str().map(str::to_owned))
            .collect()
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn follow(
    base: String,
    token: String,
    mut after: Option<i64>,
    received: Arc<Mutex<Vec<Received>>>,
    connected: Arc<Mutex<u32>>,
    reconnects: Arc<Mutex<u32>>,
    resyncs: Arc<Mutex<u32>>,
) {
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let mut first = true;
    loop {
        if !first {
            *reconnects.lock().unwrap() += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        first = false;
        let mut request = http
            .get(format!("{base}{}", suda_protocol::SSE_PATH))
            .bearer_auth(&token);
        if let Some(id) = after {
            request = request.header("last-event-id", id.to_string());
        }
        let Ok(response) = request.send().await else {
            continue;
        };
        if !response.status().is_success() {
            continue;
        }
        let mut reader = SseReader::new(response);
        // A stream with nothing for 5 s (keep-alives come every second) is
        // dead: open another.
        while let Some(event) = reader.next_within(Duration::from_secs(5)).await {
            match event.sse_type() {
                "CONNECTED" => {
                    if after.is_none() {
                        after = event.id;
                    }
                    *connected.lock().unwrap() += 1;
                }
                "RESYNC_REQUIRED" => *resyncs.lock().unwrap() += 1,
                "CHAT_MESSAGE_PUBLISHED" => {
                    let id = event.id.expect("events have ids");
                    after = Some(id);
                    received.lock().unwrap().push(Received {
                        id,
                        data: event.data,
                    });
                }
                _ => {}
            }
        }
    }
}
