//! The real server binary as a process of its own.

use std::{path::Path, process::Stdio};

use tokio::process::{Child, Command};

/// A `suda-server` process on its own port, killed when dropped.
pub struct ServerProcess {
    pub child: Child,
    /// `http://127.0.0.1:port`.
    pub base: String,
}

impl ServerProcess {
    /// Starts `command` (the binary with its flags, from
    /// [`ServerProcess::command`]) and waits until it answers.
    pub async fn spawn(mut command: Command, port: u16) -> ServerProcess {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the server binary starts");
        let base = format!("http://127.0.0.1:{port}");
        crate::wait_ready(&base).await;
        ServerProcess { child, base }
    }

    /// The command line of `binary` serving the SQLite database `db` on
    /// `port` (0: ask [`free_port`]), with the limits off (`--no-limits`,
    /// as [`crate::config`] in this process) and a one-second keep-alive,
    /// the shortest the binary takes. In PostgreSQL mode the database is
    /// the one that stands for `db` ([`crate::database_url_for`]).
    pub fn command(binary: &Path, db: &Path, port: u16) -> Command {
        Self::command_for_url(binary, &crate::database_url_for(db), port)
    }

    /// As [`ServerProcess::command`], on the database `url`.
    pub fn command_for_url(binary: &Path, url: &str, port: u16) -> Command {
        let mut command = Command::new(binary);
        command.args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            url,
            "--keep-alive-secs",
            "1",
            "--no-limits",
        ]);
        command
    }
}

/// An unused port on 127.0.0.1 (free when asked; a process may take it).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
