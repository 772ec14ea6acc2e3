//! The server under load: one this tool starts as a child process (so its
//! CPU and memory are its own and can be read from `/proc`), or one already
//! running at a URL.

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

/// A `suda-server` started by this tool on 127.0.0.1 with a database in a
/// temporary directory. Killed when dropped.
pub struct SpawnedServer {
    child: Child,
    /// Where it listens, and its pid.
    pub target: Target,
    _dir: tempfile::TempDir,
}

/// The `suda-server` built next to this executable (the same target dir).
pub fn default_server_path() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("suda-server")))
        .unwrap_or_else(|| PathBuf::from("suda-server"))
}

/// Starts the server binary at `path` with send limits high enough never to
/// throttle the bench, and waits until it answers.
pub async fn spawn(path: &Path, keep_alive_secs: u64) -> Result<SpawnedServer> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(path)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &format!("sqlite:{}", dir.path().join("bench.db").display()),
            "--sends-per-second",
            "1000000",
            "--send-burst",
            "1000000",
            "--keep-alive-secs",
            &keep_alive_secs.to_string(),
        ])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::Local(format!("cannot start {}: {e}", path.display())))?;
    let target = Target {
        base: format!("http://127.0.0.1:{port}"),
        pid: child.id(),
    };
    wait_ready(&target.base).await?;
    Ok(SpawnedServer {
        child,
        target,
        _dir: dir,
    })
}

impl SpawnedServer {
    /// Stops the server (it holds nothing worth a graceful shutdown).
    pub async fn stop(mut self) {
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
