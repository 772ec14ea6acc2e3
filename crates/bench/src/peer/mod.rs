//! The peers: the usual alternatives to a chat server like Suda, driven by
//! the same `fanout` scenario so their figures stand beside Suda's from one
//! run on one machine.
//!
//! - **nchan** ([`nchan`], [`nginx`]): nginx's pub/sub module. Subscribers
//!   hold an EventSource, as Suda's SSE subscribers do; publishers `POST`,
//!   as Suda's senders `POST` GraphQL. nginx runs one worker process per
//!   core (two by default, `--nginx-workers`), the like-for-like of Suda's
//!   tokio runtime with one worker thread per core.
//! - **socket.io** ([`socketio`]): a Node chat server with rooms
//!   (`bench/peers/socketio/server.js`). Members hold a WebSocket and send
//!   on it. Node runs JavaScript on one thread, and one process is how
//!   socket.io is deployed unless sticky sessions and an adapter are added,
//!   so it gets one process: its figures are what one core of socket.io
//!   does, and its CPU shows how close it came to that core.
//!
//! The peers number nothing, so every message text carries its sender and
//! a per-sender sequence number ([`crate::metrics::tag`]), and deliveries
//! are checked per sender: each number once, in order. Neither peer stores
//! messages durably, where Suda commits each one to SQLite before it
//! acknowledges the send.

pub mod nchan;
pub mod nginx;
pub mod socketio;

use std::path::PathBuf;

use serde::Serialize;

use crate::{
    error::{Error, Result},
    metrics,
    target::SpawnedServer,
    transport::Event,
};

/// A server Suda is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Peer {
    /// nginx with the nchan module: SSE subscribers, HTTP publishers.
    Nchan,
    /// A socket.io server with rooms on Node: WebSocket members.
    #[value(name = "socketio")]
    SocketIo,
}

impl Peer {
    /// The server's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Nchan => "nginx+nchan",
            Peer::SocketIo => "socket.io",
        }
    }

    /// How its subscribers receive, in reports.
    pub fn transport(self) -> &'static str {
        match self {
            Peer::Nchan => "sse",
            Peer::SocketIo => "ws",
        }
    }
}

/// Where the peers' programs are, and how nginx runs.
#[derive(Debug, Clone, clap::Args)]
pub struct PeerArgs {
    /// The nginx binary (--peer nchan).
    #[arg(long, global = true, default_value = "nginx")]
    pub nginx: PathBuf,
    /// The nchan module (default: where Debian's libnginx-mod-nchan puts it).
    #[arg(long, global = true)]
    pub nchan_module: Option<PathBuf>,
    /// nginx worker processes: one per core of a 2-core machine, as Suda's
    /// runtime has one worker thread per core.
    #[arg(long, global = true, default_value_t = 2)]
    pub nginx_workers: usize,
    /// The node binary (--peer socketio).
    #[arg(long, global = true, default_value = "node")]
    pub node: PathBuf,
    /// The socket.io server script.
    #[arg(long, global = true, default_value = DEFAULT_SOCKETIO_SERVER)]
    pub socketio_server: PathBuf,
}

/// The script in this checkout (`bench/peers/socketio/server.js`).
const DEFAULT_SOCKETIO_SERVER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../bench/peers/socketio/server.js"
);

/// Starts `peer` on a free port of 127.0.0.1, ready for `connections`
/// connections, and waits until it answers.
pub async fn spawn(peer: Peer, args: &PeerArgs, connections: u64) -> Result<SpawnedServer> {
    match peer {
        Peer::Nchan => {
            nginx::spawn(
                &args.nginx,
                args.nchan_module.as_deref(),
                args.nginx_workers,
                connections,
            )
            .await
        }
        Peer::SocketIo => socketio::spawn(&args.node, &args.socketio_server).await,
    }
}

/// A peer's chat message as the scenario counts it: under its sender, at
/// its sequence number (see [`crate::metrics::Received`]).
fn chat_event(text: &str) -> Result<Event> {
    let (sender, seq) = metrics::sender_and_seq(text)
        .ok_or_else(|| Error::Protocol(format!("a message without sender and number: {text:?}")))?;
    Ok(Event::Chat {
        position: seq,
        channel: sender,
        text: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_messages_are_counted_per_sender() {
        assert_eq!(
            chat_event("t=17 s3 n9").unwrap(),
            Event::Chat {
                position: 9,
                channel: 3,
                text: "t=17 s3 n9".into()
            }
        );
        assert!(chat_event("hello").is_err());
    }
}
