//! A TCP proxy between a client and the server that can break the network
//! (for the client's and the CLI's tests).
//!
//! A test breaks it at a chosen moment: cut every open connection and
//! refuse new ones until told otherwise, stall open connections (silent but
//! open, as a dead NAT mapping looks), or refuse only requests for some path
//! (to make one transport fail).

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

/// A TCP proxy in front of the server that can break the network.
pub struct Proxy {
    addr: SocketAddr,
    inner: Arc<ProxyState>,
    task: JoinHandle<()>,
}

struct ProxyState {
    target: Mutex<SocketAddr>,
    refusing: Mutex<bool>,
    refused_paths: Mutex<Vec<String>>,
    generation: Mutex<CancellationToken>,
    stall: Mutex<CancellationToken>,
    shutdown: CancellationToken,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(ProxyState {
            target: Mutex::new(target),
            refusing: Mutex::new(false),
            refused_paths: Mutex::new(Vec::new()),
            generation: Mutex::new(CancellationToken::new()),
            stall: Mutex::new(CancellationToken::new()),
            shutdown: CancellationToken::new(),
        });
        let state = Arc::clone(&inner);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *state.refusing.lock().unwrap() {
                    drop(client);
                    continue;
                }
                let cut = state.generation.lock().unwrap().clone();
                let stall = state.stall.lock().unwrap().clone();
                tokio::spawn(forward(Arc::clone(&state), client, cut, stall));
            }
        });
        Proxy { addr, inner, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cuts every open connection and refuses new ones until [`Proxy::restore`].
    pub fn cut_and_refuse(&self) {
        *self.inner.refusing.lock().unwrap() = true;
        let mut generation = self.inner.generation.lock().unwrap();
        generation.cancel();
        *generation = CancellationToken::new();
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        *self.inner.refusing.lock().unwrap() = false;
    }

    /// Stops passing bytes on the open connections but keeps them open, as
    /// a dead network path looks; new connections work.
    pub fn stall(&self) {
        let mut stall = self.inner.stall.lock().unwrap();
        stall.cancel();
        *stall = CancellationToken::new();
    }

    /// Drops every request whose first bytes contain `path`.
    pub fn refuse_path(&self, path: &str) {
        self.inner
            .refused_paths
            .lock()
            .unwrap()
            .push(path.to_owned());
    }

    /// Sends new connections to another server (one restarted elsewhere).
    pub fn set_target(&self, target: SocketAddr) {
        *self.inner.target.lock().unwrap() = target;
    }

    /// Stops refusing any path.
    pub fn allow_all_paths(&self) {
        self.inner.refused_paths.lock().unwrap().clear();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.inner.generation.lock().unwrap().cancel();
        self.inner.shutdown.cancel();
    }
}

async fn forward(
    state: Arc<ProxyState>,
    client: TcpStream,
    cut: CancellationToken,
    stall: CancellationToken,
) {
    let target = *state.target.lock().unwrap();
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Requests are checked chunk by chunk: a pooled connection may carry a
    // refused request after others.
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let chunk = String::from_utf8_lossy(&buf[..n]).into_owned();
            let refused = state.refused_paths.lock().unwrap().clone();
            if refused.iter().any(|p| chunk.contains(p.as_str())) {
                return;
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = tokio::io::copy(&mut server_read, &mut client_write);
    let stalled = tokio::select! {
        _ = cut.cancelled() => false,
        _ = stall.cancelled() => true,
        _ = up => false,
        _ = down => false,
    };
    if stalled {
        // Hold both sockets open, passing nothing.
        tokio::select! {
            _ = cut.cancelled() => {}
            _ = state.shutdown.cancelled() => {}
        }
    }
}
