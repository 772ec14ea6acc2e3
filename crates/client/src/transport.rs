//! The three ways the member's stream reaches the client.
//!
//! SSE is the contract's transport; WebSocket and long polling carry the
//! very same frames (an id and an envelope) for networks whose proxies
//! break SSE. Each transport here only opens one connection and turns what
//! arrives into [`Incoming`] items; resuming, de-duplicating and retrying
//! are the subscription's job, identical for all three. The subscription
//! opens connections only through the [`Transport`] trait ([`Network`] in
//! the app, a script in its tests).

use std::{collections::VecDeque, time::Duration};

use futures::{stream::BoxStream, StreamExt};
use reqwest::StatusCode;
use reqwest_eventsource::{retry::Never, Event, EventSource};
use serde::Serialize;
use suda_protocol::{PollBatch, PolledEvent, Position, SseEnvelope};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, Message};

/// Which transport carries the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TransportKind {
    /// Server-Sent Events (the contract's).
    Sse,
    /// One JSON text frame per event.
    WebSocket,
    /// Repeated `GET .../poll?after=N`.
    LongPoll,
}

/// What a transport yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// The server accepted the connection.
    Open,
    /// One event at its stream position (boxed: a message with its
    /// files and mentions is most of an envelope's size).
    Frame(Position, Box<SseEnvelope>),
}

/// Why a connection ended or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// The token was refused: retrying will not help.
    #[error("the server refused the token")]
    Unauthorized,
    /// Another non-success status.
    #[error("the server answered HTTP {0}")]
    Status(u16),
    /// Network trouble, a read timeout, or the server closed the stream.
    #[error("connection lost: {0}")]
    Network(String),
}

/// The frames of one connection; it ends (or yields an error) when the
/// connection does.
pub type Frames = BoxStream<'static, Result<Incoming, StreamError>>;

/// What the subscription asks for when it opens one connection. (Its
/// `Debug` leaves the token out.)
#[derive(Clone, PartialEq, Eq)]
pub struct Dial {
    /// Over which transport.
    pub kind: TransportKind,
    /// The member's bearer token.
    pub token: String,
    /// Resume after this position; `None` starts from now.
    pub after: Option<Position>,
}

impl std::fmt::Debug for Dial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dial")
            .field("kind", &self.kind)
            .field("token", &"<redacted>")
            .field("after", &self.after)
            .finish()
    }
}

/// Opens connections to the member's stream: the seam between the
/// subscription's reconnect logic and the network. [`Network`] is the real
/// one; the subscription's tests replay a script through it instead.
pub trait Transport: Send + Sync + 'static {
    /// Opens one connection as `dial` asks. Opening is lazy: nothing
    /// happens until the stream is polled, and a failure to connect
    /// (including a refused token) arrives as the stream's first item.
    fn open(&self, dial: Dial) -> Frames;
}

/// The three transports over HTTP to one server.
#[derive(Clone)]
pub struct Network {
    http: reqwest::Client,
    base: String,
    read_timeout: Duration,
    poll_wait: Duration,
}

impl Network {
    /// Connections to the server at `base` through `http` (which carries
    /// its own read timeout); `read_timeout` also bounds a WebSocket
    /// handshake and the silence on a socket, and one long poll waits
    /// `poll_wait` on the server.
    pub fn new(
        http: reqwest::Client,
        base: impl Into<String>,
        read_timeout: Duration,
        poll_wait: Duration,
    ) -> Self {
        Network {
            http,
            base: base.into(),
            read_timeout,
            poll_wait,
        }
    }
}

impl Transport for Network {
    fn open(&self, dial: Dial) -> Frames {
        match dial.kind {
            TransportKind::Sse => sse(self, dial),
            TransportKind::WebSocket => websocket(self, dial),
            TransportKind::LongPoll => long_poll(self, dial),
        }
    }
}

fn frame(id: &str, data: &str) -> Option<Result<Incoming, StreamError>> {
    let Ok(id) = id.parse::<Position>() else {
        tracing::warn!(id, "event without a usable id ignored");
        return None;
    };
    match serde_json::from_str::<SseEnvelope>(data) {
        Ok(envelope) => Some(Ok(Incoming::Frame(id, Box::new(envelope)))),
        // A newer server may send kinds this build does not know.
        Err(e) => {
            tracing::warn!(error = %e, "unknown event ignored");
            None
        }
    }
}

fn status_error(status: u16) -> StreamError {
    if status == 401 {
        StreamError::Unauthorized
    } else {
        StreamError::Status(status)
    }
}

fn sse(net: &Network, dial: Dial) -> Frames {
    let url = format!("{}{}", net.base, suda_protocol::SSE_PATH);
    let mut req = net
        .http
        .get(url)
        .bearer_auth(&dial.token)
        .header(reqwest::header::ACCEPT, "text/event-stream");
    // The crate has no way to start from a known id; this header is the only
    // one sent because the crate's own retries are switched off.
    if let Some(after) = dial.after {
        req = req.header("Last-Event-ID", after.to_string());
    }
    let mut source = match EventSource::new(req) {
        Ok(source) => source,
        Err(e) => {
            let err = StreamError::Network(e.to_string());
            return futures::stream::once(async move { Err(err) }).boxed();
        }
    };
    source.set_retry_policy(Box::new(Never));
    source
        .filter_map(|item| async move {
            match item {
                Ok(Event::Open) => Some(Ok(Incoming::Open)),
                Ok(Event::Message(m)) => frame(&m.id, &m.data),
                Err(reqwest_eventsource::Error::InvalidStatusCode(status, _)) => {
                    Some(Err(status_error(status.as_u16())))
                }
                Err(e) => Some(Err(StreamError::Network(e.to_string()))),
            }
        })
        .boxed()
}

fn websocket(net: &Network, dial: Dial) -> Frames {
    let base = net
        .base
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    let mut url = format!("{base}{}", suda_protocol::WS_PATH);
    if let Some(after) = dial.after {
        url.push_str(&format!("?lastEventId={after}"));
    }
    let read_timeout = net.read_timeout;
    let token = dial.token;
    let opened = async move {
        let mut request = url
            .into_client_request()
            .map_err(|e| StreamError::Network(e.to_string()))?;
        let bearer = format!("Bearer {token}")
            .parse()
            .map_err(|_| StreamError::Network("the token is not a valid header".into()))?;
        request.headers_mut().insert("authorization", bearer);
        match tokio::time::timeout(read_timeout, tokio_tungstenite::connect_async(request)).await {
            Err(_) => Err(StreamError::Network("handshake timed out".into())),
            Ok(Err(tungstenite::Error::Http(resp))) => Err(status_error(resp.status().as_u16())),
            Ok(Err(e)) => Err(StreamError::Network(e.to_string())),
            Ok(Ok((socket, _))) => Ok(socket),
        }
    };
    futures::stream::once(opened)
        .flat_map(move |opened| match opened {
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
            Ok(socket) => {
                let frames = futures::stream::unfold(Some(socket), move |socket| async move {
                    let mut socket = socket?;
                    loop {
                        let next = tokio::time::timeout(read_timeout, socket.next()).await;
                        let item = match next {
                            Err(_) => Err(StreamError::Network("read timed out".into())),
                            Ok(None) | Ok(Some(Ok(Message::Close(_)))) => {
                                Err(StreamError::Network("the server closed the socket".into()))
                            }
                            Ok(Some(Err(e))) => Err(StreamError::Network(e.to_string())),
                            Ok(Some(Ok(Message::Text(text)))) => {
                                match serde_json::from_str::<PolledEvent>(text.as_str()) {
                                    Ok(ev) => Ok(Incoming::Frame(ev.id, Box::new(ev.data))),
                                    Err(e) => {
                                        tracing::warn!(error = %e, "unknown frame ignored");
                                        continue;
                                    }
                                }
                            }
                            // Pings are answered by tungstenite; they only prove life.
                            Ok(Some(Ok(_))) => continue,
                        };
                        let keep = item.is_ok().then_some(socket);
                        return Some((item, keep));
                    }
                });
                futures::stream::once(async { Ok(Incoming::Open) })
                    .chain(frames)
                    .boxed()
            }
        })
        .boxed()
}

struct Poller {
    http: reqwest::Client,
    token: String,
    poll_wait: Duration,
    url: String,
    position: Option<Position>,
    opened: bool,
    queue: VecDeque<Incoming>,
    failed: bool,
}

impl Poller {
    async fn poll(&mut self) -> Result<(), StreamError> {
        let wait = self.poll_wait.as_secs().max(1);
        let mut req = self
            .http
            .get(&self.url)
            .bearer_auth(&self.token)
            .query(&[("timeout", wait.to_string())]);
        if let Some(after) = self.position {
            req = req.query(&[("after", after.to_string())]);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| StreamError::Network(e.to_string()))?;
        if resp.status() != StatusCode::OK {
            return Err(status_error(resp.status().as_u16()));
        }
        let batch: PollBatch = resp
            .json()
            .await
            .map_err(|e| StreamError::Network(e.to_string()))?;
        if !std::mem::replace(&mut self.opened, true) {
            self.queue.push_back(Incoming::Open);
        }
        self.position = Some(batch.position);
        self.queue.extend(
            batch
                .events
                .into_iter()
                .map(|ev| Incoming::Frame(ev.id, Box::new(ev.data))),
        );
        Ok(())
    }
}

fn long_poll(net: &Network, dial: Dial) -> Frames {
    let poller = Poller {
        http: net.http.clone(),
        token: dial.token,
        poll_wait: net.poll_wait,
        url: format!("{}{}", net.base, suda_protocol::POLL_PATH),
        position: dial.after,
        opened: false,
        queue: VecDeque::new(),
        failed: false,
    };
    futures::stream::unfold(poller, |mut poller| async move {
        loop {
            if poller.failed {
                return None;
            }
            if let Some(item) = poller.queue.pop_front() {
                return Some((Ok(item), poller));
            }
            if let Err(e) = poller.poll().await {
                poller.failed = true;
                return Some((Err(e), poller));
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use suda_protocol::SseType;

    use super::*;

    #[test]
    fn frames_need_an_id_and_a_known_envelope() {
        let data = r#"{"sseType":"RESYNC_REQUIRED","ssePayload":{"reason":"TOO_OLD"}}"#;
        match frame("42", data) {
            Some(Ok(Incoming::Frame(id, env))) => {
                assert_eq!(id, Position(42));
                assert_eq!(env.sse_type(), SseType::ResyncRequired);
            }
            other => panic!("{other:?}"),
        }
        assert!(frame("", data).is_none(), "no id");
        assert!(
            frame("7", r#"{"sseType":"NEW_KIND"}"#).is_none(),
            "unknown kind"
        );
        assert_eq!(status_error(401), StreamError::Unauthorized);
        assert_eq!(status_error(502), StreamError::Status(502));
    }
}
