//! The socket.io peer: a chat server with rooms on Node
//! (`bench/peers/socketio/server.js`), and a minimal client for it.
//!
//! The client speaks Socket.IO v5 over Engine.IO v4 on a WebSocket only,
//! as a browser does once it has upgraded: it reads the handshake, joins
//! the default namespace, answers pings, and turns `message` events into
//! the bench's [`Event`]s. A member that also sends does so on its own
//! socket, as in a chat, by emitting `send` with an ack id and waiting for
//! the ack; the subscriber task that reads the socket writes those sends,
//! so one task owns each socket.

pub mod packet;

use std::{collections::HashMap, path::Path, process::Stdio, time::Duration};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::{
    net::TcpStream,
    process::Command,
    sync::{mpsc, oneshot},
};
use tokio_tungstenite::{tungstenite::Message, MaybeTlsStream, WebSocketStream};

use self::packet::{Engine, Packet};
use crate::{
    error::{Error, Result},
    target::{self, SpawnedServer, Stop},
    transport::Event,
};

/// How long the WebSocket handshake and the namespace join may take.
const CONNECT_PATIENCE: Duration = Duration::from_secs(15);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Starts `node server.js PORT` and waits until it answers.
pub async fn spawn(node: &Path, script: &Path) -> Result<SpawnedServer> {
    if !script.exists() {
        return Err(Error::Local(format!(
            "{} not found: run bench/peers/setup.sh, or pass --socketio-server",
            script.display()
        )));
    }
    let port = target::free_port()?;
    let child = Command::new(node)
        .arg(script)
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::Local(format!("cannot start {}: {e}", node.display())))?;
    SpawnedServer::ready(child, port, Stop::Kill, None).await
}

/// A send for a member's socket to write: the room, the text, and where
/// to report the ack.
#[derive(Debug)]
pub struct Outgoing {
    room: String,
    text: String,
    acked: oneshot::Sender<Result<()>>,
}

/// Sends through one member's socket (the task reading it writes the send).
#[derive(Debug, Clone)]
pub struct Sender {
    outgoing: mpsc::Sender<Outgoing>,
    room: String,
}

/// A sender for a member of `room`, and the receiving end its socket takes
/// with [`Socket::attach`]. At most `capacity` sends wait to be written;
/// beyond that [`Sender::send`] waits.
pub fn sender(room: &str, capacity: usize) -> (Sender, mpsc::Receiver<Outgoing>) {
    let (outgoing, rx) = mpsc::channel(capacity.max(1));
    (
        Sender {
            outgoing,
            room: room.to_owned(),
        },
        rx,
    )
}

impl Sender {
    /// Queues `send` with `{room, text}` for the socket to write: sends
    /// are written in the order of these calls. The [`Ack`] is the server's
    /// answer to come.
    pub async fn send(&self, text: String) -> Result<Ack> {
        let (acked, answer) = oneshot::channel();
        self.outgoing
            .send(Outgoing {
                room: self.room.clone(),
                text,
                acked,
            })
            .await
            .map_err(|_| closed())?;
        Ok(Ack(answer))
    }
}

/// The server's answer to one send, to come.
#[derive(Debug)]
pub struct Ack(oneshot::Receiver<Result<()>>);

impl Ack {
    /// Waits for the answer.
    pub async fn wait(self) -> Result<()> {
        self.0.await.map_err(|_| closed())?
    }
}

fn closed() -> Error {
    Error::Protocol("the sender's socket closed".into())
}

/// One member's socket, joined to its room.
pub struct Socket {
    ws: Box<Ws>,
    /// Sends to write, for a member that sends.
    outgoing: Option<mpsc::Receiver<Outgoing>>,
    /// Sends written and not yet acknowledged, by ack id.
    awaiting: HashMap<u64, oneshot::Sender<Result<()>>>,
    next_ack: u64,
}

impl Socket {
    /// Connects to the server at `base` (`http://host:port`) as a member of
    /// `room`, and returns once the server has let it in the namespace (it
    /// joins the room before anything the socket sends afterwards is read).
    pub async fn connect(base: &str, room: &str) -> Result<Socket> {
        let url = format!(
            "{}/socket.io/?EIO=4&transport=websocket&room={room}",
            base.replacen("http", "ws", 1)
        );
        tokio::time::timeout(CONNECT_PATIENCE, async {
            let (ws, _) = tokio_tungstenite::connect_async(url).await?;
            let mut socket = Socket {
                ws: Box::new(ws),
                outgoing: None,
                awaiting: HashMap::new(),
                next_ack: 0,
            };
            socket.join().await?;
            Ok(socket)
        })
        .await
        .map_err(|_| Error::Timeout(format!("socket.io connect within {CONNECT_PATIENCE:?}")))?
    }

    async fn join(&mut self) -> Result<()> {
        match self.frame().await? {
            Some(frame) => match packet::parse_engine(&frame)? {
                Engine::Open(_) => {}
                other => {
                    return Err(Error::Protocol(format!(
                        "expected the Engine.IO handshake, got {other:?}"
                    )))
                }
            },
            None => return Err(Error::Protocol("closed before the handshake".into())),
        }
        self.write(packet::CONNECT.to_owned()).await?;
        loop {
            let frame = self
                .frame()
                .await?
                .ok_or_else(|| Error::Protocol("closed before joining the namespace".into()))?;
            match packet::parse_engine(&frame)? {
                Engine::Ping(payload) => self.write(packet::pong(payload)).await?,
                Engine::Message(text) => match packet::parse_packet(text)? {
                    Packet::Connect(_) => return Ok(()),
                    Packet::ConnectError(why) => {
                        return Err(Error::Refused {
                            code: "CONNECT_ERROR".into(),
                            message: why.to_string(),
                        })
                    }
                    _ => {}
                },
                Engine::Close => return Err(Error::Protocol("closed while joining".into())),
                _ => {}
            }
        }
    }

    /// Lets this socket write the sends of the [`Sender`] paired with `outgoing`.
    pub fn attach(&mut self, outgoing: mpsc::Receiver<Outgoing>) {
        self.outgoing = Some(outgoing);
    }

    /// The next `message` event; `Ok(None)` when the server closed the
    /// socket. Pings are answered, and sends written and their acks
    /// reported, while waiting.
    pub async fn next(&mut self) -> Result<Option<Event>> {
        loop {
            let (ws, outgoing) = (&mut self.ws, &mut self.outgoing);
            let send = async {
                match outgoing.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                frame = ws.next() => {
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(_)) | Err(_)) | None => return Ok(None),
                        Some(Ok(_)) => continue,
                    };
                    if let Some(event) = self.read(text.as_str()).await? {
                        return Ok(Some(event));
                    }
                }
                send = send => match send {
                    Some(send) => self.emit(send).await?,
                    // Every sender is gone: nothing more to write.
                    None => self.outgoing = None,
                },
            }
        }
    }

    /// Handles one frame; a chat message comes back as an event.
    async fn read(&mut self, frame: &str) -> Result<Option<Event>> {
        match packet::parse_engine(frame)? {
            Engine::Ping(payload) => self.write(packet::pong(payload)).await?,
            Engine::Message(text) => match packet::parse_packet(text)? {
                Packet::Event { name, args, .. } if name == "message" => {
                    let text = args
                        .first()
                        .and_then(|m| m["text"].as_str())
                        .ok_or_else(|| {
                            Error::Protocol(format!("message without text: {args:?}"))
                        })?;
                    return super::chat_event(text).map(Some);
                }
                Packet::Ack { id, args } => {
                    if let Some(acked) = self.awaiting.remove(&id) {
                        let _ = acked.send(ack_result(&args));
                    }
                }
                _ => {}
            },
            _ => {}
        }
        Ok(None)
    }

    async fn emit(&mut self, send: Outgoing) -> Result<()> {
        let id = self.next_ack;
        self.next_ack += 1;
        let frame = packet::encode_event(
            Some(id),
            "send",
            &json!({"room": send.room, "text": send.text}),
        );
        if let Err(e) = self.write(frame).await {
            let _ = send.acked.send(Err(Error::Protocol(e.to_string())));
            return Err(e);
        }
        self.awaiting.insert(id, send.acked);
        Ok(())
    }

    async fn frame(&mut self) -> Result<Option<String>> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(text))) => return Ok(Some(text.as_str().to_owned())),
                Some(Ok(Message::Close(_))) | None => return Ok(None),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(_)) => continue,
            }
        }
    }

    async fn write(&mut self, frame: String) -> Result<()> {
        Ok(self.ws.send(Message::text(frame)).await?)
    }
}

/// The server answers a send with `{ok: true}` or `{error: "..."}`.
fn ack_result(args: &[Value]) -> Result<()> {
    match args.first() {
        Some(answer) if answer["ok"] == Value::Bool(true) => Ok(()),
        answer => Err(Error::Refused {
            code: "SEND_REFUSED".into(),
            message: answer.map(Value::to_string).unwrap_or_default(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acks_say_ok_or_why_not() {
        assert!(ack_result(&[json!({"ok": true})]).is_ok());
        assert!(ack_result(&[json!({"error": "not a member"})]).is_err());
        assert!(ack_result(&[]).is_err());
    }
}
