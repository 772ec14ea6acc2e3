//! A server on a runtime of its own.

use std::{net::SocketAddr, path::Path};

use suda_server::{Config, Server};

use crate::{config, config_in};

/// A server served by a runtime of its own (one worker thread), for tests
/// that have no runtime (the desktop shell's run Tauri's) and for tests that
/// kill the server: [`BackgroundServer::kill`] drops the runtime at once, so
/// open requests and streams end mid-way, as when the process dies.
pub struct BackgroundServer {
    pub addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    _dir: Option<tempfile::TempDir>,
}

impl BackgroundServer {
    /// A server with `config` on a temporary database; returns once it
    /// answers.
    pub fn start(config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(config, dir.path());
        let mut server = Self::start_on(config);
        server._dir = Some(dir);
        server
    }

    /// A server with [`config`]'s settings on the database at `db` (which
    /// outlives the server: restart on it to test recovery; in PostgreSQL
    /// mode the database that stands for that path).
    pub fn start_at(db: &Path) -> Self {
        Self::start_on(Config {
            database_url: crate::database_url_for(db),
            ..config()
        })
    }

    fn start_on(config: Config) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        // Started and waited for on its own runtime, so this works from
        // inside another runtime too (a blocking wait of a moment).
        let (started, start) = std::sync::mpsc::channel();
        runtime.spawn(async move {
            let server = Server::open(config)
                .await
                .expect("the server opens its database");
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            tokio::spawn(server.serve(listener, std::future::pending()));
            crate::wait_ready(&format!("http://{addr}")).await;
            let _ = started.send(());
        });
        start.recv().expect("the server started");
        BackgroundServer {
            addr,
            runtime: Some(runtime),
            _dir: None,
        }
    }

    /// `http://host:port`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Runs a future on the server's runtime (to act as another member from
    /// a test without a runtime of its own). Not from inside a runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.as_ref().unwrap().block_on(f)
    }

    /// Ends the server at once, without a graceful shutdown.
    pub fn kill(mut self) {
        self.runtime.take().unwrap().shutdown_background();
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
