//! The three ways the member's stream reaches the client.
//!
//! SSE is the contract's transport; WebSocket and long polling carry the
//! very same frames (an id and an envelope) for networks whose proxies
//! break SSE. Each transport here only opens one connection and turns what
//! arrives into [`Incoming`] items; resuming, de-duplicating and retrying
//! are the subscription's job, identical for all three.

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
    /// One event at its stream position.
    Frame(Position, SseEnvelope),
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

/// Everything needed to open one connection. (No `Debug`: it holds the token.)
#[derive(Clone)]
pub struct Dial {
    /// The HTTP client (with its read timeout).
    pub http: reqwest::Client,
    /// The server's base URL.
    pub base: String,
    /// The member's bearer token.
    pub token: String,
    /// Resume after this position; `None` starts from now.
    pub after: Option<Position>,
    /// The longest silence before a connection counts as dead.
    pub read_timeout: Duration,
    /// How long one long poll waits on the server.
    pub poll_wait: Duration,
}

/// Opens one connection over `kind`.
pub fn open(kind: TransportKind, dial: Dial) -> Frames {
    match kind {
        TransportKind::Sse => sse(dial),
        TransportKind::WebSocket => websocket(dial),
        TransportKind::LongPoll => long_poll(dial),
    }
}

fn frame(id: &str, data: &str) -> Option<Result<Incoming, StreamError>> {
    let Ok(id) = id.parse::<Position>() else {
        tracing::warn!(id, "event without a usable id ignored");
        return None;
    };
    match serde_json::from_str::<SseEnvelope>(data) {
        Ok(envelope) => Some(Ok(Incoming::Frame(id, envelope))),
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

fn sse(dial: Dial) -> Frames {
    let url = format!("{}{}", dial.base, suda_protocol::SSE_PATH);
    let mut req = dial
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

fn websocket(dial: Dial) -> Frames {
    let base = dial
        .base
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    let mut url = format!("{base}{}", suda_protocol::WS_PATH);
    if let Some(after) = dial.after {
        url.push_str(&format!("?lastEventId={after}"));
    }
    let read_timeout = dial.read_timeout;
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
                                    Ok(ev) => Ok(Incoming::Frame(ev.id, ev.data)),
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
    dial: Dial,
    url: String,
    position: Option<Position>,
    opened: bool,
    queue: VecDeque<Incoming>,
    failed: bool,
}

impl Poller {
    async fn poll(&mut self) -> Result<(), StreamError> {
        let wait = self.dial.poll_wait.as_secs().max(1);
        let mut req = self
            .dial
            .http
            .get(&self.url)
            .bearer_auth(&self.dial.token)
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
                .map(|ev| Incoming::Frame(ev.id, ev.data)),
        );
        Ok(())
    }
}

fn long_poll(dial: Dial) -> Frames {
    let url = format!("{}{}", dial.base, suda_protocol::POLL_PATH);
    let poller = Poller {
        position: dial.after,
        dial,
        url,
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
