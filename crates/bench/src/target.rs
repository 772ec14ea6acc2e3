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
