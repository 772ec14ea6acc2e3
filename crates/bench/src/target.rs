//! The server under load: one this tool starts as a child process (so its
//! CPU and memory are its own and can be read from `/proc`), or one already
//! running at a URL. Suda's server is started here; the peers' (nginx,
//! node) in [`crate::peer`], as the same [`SpawnedServer`].

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use tokio::process::{Child, Command};

use crate::error::{Error, Result};

/// Where the server is.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://host:port`.
    pub base: String,
    /// The server's process id, when it runs on this machine and is known:
    /// CPU and memory are reported only then.
    pub pid: Option<u32>,
}

/// Everything under test: one server, or the nodes of one cluster (Suda
/// nodes on one PostgreSQL database), with where its senders send and the
/// database to observe.
///
/// On several nodes a fan-out run spreads the work so that every delivery
/// crosses nodes: each channel's sends go through one node of `send_via`
/// (channel `c` through `send_via[c % len]`), and its members' streams are
/// spread round-robin over the other nodes (see
/// [`crate::scenario::Layout`]).
#[derive(Debug, Clone)]
pub struct Deployment {
    /// The nodes; streams are opened on them.
    pub nodes: Vec<Target>,
    /// Indices into `nodes` of those senders send through (every node,
    /// unless asked otherwise).
    pub send_via: Vec<usize>,
    /// The URL of the PostgreSQL database the nodes share, to read its
    /// statistics and (through its postmaster) its CPU: see
    /// [`crate::pg`].
    pub postgres: Option<String>,
}

impl From<Target> for Deployment {
    fn from(target: Target) -> Deployment {
        Deployment {
            nodes: vec![target],
            send_via: vec![0],
            postgres: None,
        }
    }
}

impl Deployment {
    /// The nodes at `urls`, with their pids when given (one per URL, in
    /// the same order), senders on the nodes among them at `send_urls`
    /// (every node when empty).
    pub fn of(
        urls: &[String],
        pids: &[u32],
        send_urls: &[String],
        postgres: Option<String>,
    ) -> Result<Deployment> {
        if urls.is_empty() {
            return Err(Error::Local("no server URL".into()));
        }
        if !pids.is_empty() && pids.len() != urls.len() {
            return Err(Error::Local(format!(
                "--pid gives {} pids for {} URLs: one per URL, in the same order",
                pids.len(),
                urls.len()
            )));
        }
        let trimmed = |u: &String| u.trim_end_matches('/').to_owned();
        let nodes: Vec<Target> = urls
            .iter()
            .enumerate()
            .map(|(i, url)| Target {
                base: trimmed(url),
                pid: pids.get(i).copied(),
            })
            .collect();
        let send_via = if send_urls.is_empty() {
            (0..nodes.len()).collect()
        } else {
            send_urls
                .iter()
                .map(|u| {
                    let u = trimmed(u);
                    nodes.iter().position(|n| n.base == u).ok_or_else(|| {
                        Error::Local(format!("--send-url {u} is not one of --url's"))
                    })
                })
                .collect::<Result<_>>()?
        };
        Ok(Deployment {
            nodes,
            send_via,
            postgres,
        })
    }

    /// The one node, for what drives a single server (peers, `idle`).
    pub fn single(&self) -> Result<&Target> {
        match self.nodes.as_slice() {
            [one] => Ok(one),
            _ => Err(Error::Local(format!(
                "this drives one server, not {} (run one bench per node)",
                self.nodes.len()
            ))),
        }
    }

    /// The nodes' pids, if every node's is known.
    pub fn pids(&self) -> Option<Vec<u32>> {
        self.nodes.iter().map(|n| n.pid).collect()
    }
}

/// A server started by this tool on 127.0.0.1, with its files (database,
/// configuration) in a temporary directory. Killed when dropped, but only
/// [`SpawnedServer::stop`] also ends an nginx master's workers.
pub struct SpawnedServer {
    child: Child,
    /// Where it listens, and its pid.
    pub target: Target,
    stop: Stop,
    _dir: Option<tempfile::TempDir>,
}

/// How a spawned server is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Killed: it holds nothing worth a graceful shutdown.
    Kill,
    /// Asked with SIGTERM, killed if still there after a few seconds:
    /// nginx's master must stop its workers, which a killed master leaves
    /// running.
    Terminate,
}

/// A free port on 127.0.0.1 (free when asked: the server binds it next).
pub(crate) fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The `suda-server` built next to this executable (the same target dir).
pub fn default_server_path() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("suda-server")))
        .unwrap_or_else(|| PathBuf::from("suda-server"))
}

/// Starts the server binary at `path` with its limits off, and waits
/// until it answers.
pub async fn spawn(path: &Path, keep_alive_secs: u64) -> Result<SpawnedServer> {
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let child = Command::new(path)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &format!("sqlite:{}", dir.path().join("bench.db").display()),
            // Every limit off: the bench drives thousands of members and
            // streams from one address.
            "--no-limits",
            "--keep-alive-secs",
            &keep_alive_secs.to_string(),
        ])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::Local(format!("cannot start {}: {e}", path.display())))?;
    SpawnedServer::ready(child, port, Stop::Kill, Some(dir)).await
}

impl SpawnedServer {
    /// Waits until the server `child` answers `/healthz` on `port`. If it
    /// does not, it is stopped and the error returned.
    pub(crate) async fn ready(
        child: Child,
        port: u16,
        stop: Stop,
        dir: Option<tempfile::TempDir>,
    ) -> Result<SpawnedServer> {
        let server = SpawnedServer {
            target: Target {
                base: format!("http://127.0.0.1:{port}"),
                pid: child.id(),
            },
            child,
            stop,
            _dir: dir,
        };
        match wait_ready(&server.target.base).await {
            Ok(()) => Ok(server),
            Err(e) => {
                server.stop().await;
                Err(e)
            }
        }
    }

    /// Stops the server and waits until it has exited.
    pub async fn stop(mut self) {
        if self.stop == Stop::Terminate {
            if let Some(pid) = self.child.id().and_then(|p| i32::try_from(p).ok()) {
                let pid = nix::unistd::Pid::from_raw(pid);
                if nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).is_ok()
                    && tokio::time::timeout(Duration::from_secs(5), self.child.wait())
                        .await
                        .is_ok()
                {
                    return;
                }
            }
        }
        let _ = self.child.kill().await;
    }
}

/// Waits until `GET /healthz` answers, for up to 20 seconds.
pub async fn wait_ready(base: &str) -> Result<()> {
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        if tokio::time::Instant::now() > deadline {
            return Err(Error::Timeout(format!("{base} did not answer /healthz")));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_deployment_is_its_nodes_with_their_pids_and_where_senders_send() {
        let nodes = urls(&["http://a:1/", "http://b:2", "http://c:3"]);
        let all = Deployment::of(&nodes, &[7, 8, 9], &[], None).unwrap();
        assert_eq!(all.nodes[0].base, "http://a:1");
        assert_eq!(all.pids(), Some(vec![7, 8, 9]));
        assert_eq!(all.send_via, [0, 1, 2]);
        assert!(all.single().is_err());
        let one = Deployment::of(&nodes, &[], &urls(&["http://b:2/"]), None).unwrap();
        assert_eq!(one.send_via, [1]);
        assert_eq!(one.pids(), None);
    }

    #[test]
    fn pids_must_match_the_urls_and_senders_must_be_on_the_nodes() {
        let nodes = urls(&["http://a:1", "http://b:2"]);
        assert!(Deployment::of(&nodes, &[7], &[], None).is_err());
        assert!(Deployment::of(&nodes, &[], &urls(&["http://c:3"]), None).is_err());
        assert!(Deployment::of(&[], &[], &[], None).is_err());
        let single = Deployment::from(Target {
            base: "http://a:1".into(),
            pid: None,
        });
        assert_eq!(single.single().unwrap().base, "http://a:1");
    }
}
