//! One subscriber's event stream over any of the three transports the
//! server offers, reduced to the events a scenario counts.
//!
//! The scenarios must not care how bytes arrive, or a comparison of
//! transports would compare three different clients; so SSE, WebSocket and
//! long polling all yield the same [`Event`]s and resume the same way: from
//! the last position seen, after the server dropped a slow subscriber.

use std::collections::VecDeque;

use futures::StreamExt;
use suda_protocol::{PollBatch, PolledEvent, SseEnvelope};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    tungstenite::{client::IntoClientRequest, http::HeaderValue, Message},
    MaybeTlsStream, WebSocketStream,
};

use crate::{
    error::{Error, Result},
    sse,
};

/// How a subscriber receives its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Server-Sent Events on `/v1/chats/subscriptions/channels` (the contract's).
    Sse,
    /// WebSocket on `/v1/chats/subscriptions/ws`, one text frame per event.
    Ws,
    /// Long polling on `/v1/chats/subscriptions/poll`.
    Poll,
}

/// What a scenario sees of one stream event.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The stream is open from this position.
    Connected(i64),
    /// A chat message (`eventType: CHAT`). From a peer, which numbers
    /// nothing, the position is the sender's sequence number and the
    /// channel the sender (see [`crate::peer`]).
    Chat {
        /// The stream position (equal to the event id).
        position: i64,
        /// The channel it was sent to.
        channel: i64,
        /// The message text.
        text: String,
    },
    /// Anything else (join, leave, resync), at this position.
    Other(i64),
    /// A peer's message that only shows the subscriber is in place (see
    /// [`crate::peer::nchan::PROBE`]).
    Probe,
}

impl Event {
    fn from_envelope(position: i64, envelope: SseEnvelope) -> Event {
        match envelope {
            SseEnvelope::Connected(_) => Event::Connected(position),
            SseEnvelope::ChatMessagePublished(e)
                if e.event_type == suda_protocol::EventType::Chat =>
            {
                Event::Chat {
                    position,
                    channel: e.chat_channel_id.get(),
                    text: e.message.unwrap_or_default(),
                }
            }
            _ => Event::Other(position),
        }
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long one long poll waits on the server for an event.
const POLL_WAIT_SECS: u64 = 20;

/// One open subscription.
pub enum Stream {
    /// An SSE response body, read event by event.
    Sse(sse::Reader),
    /// A WebSocket.
    Ws(Box<Ws>),
    /// Long polling: the position to poll after, and events already fetched.
    Poll {
        /// The client to poll with.
        http: reqwest::Client,
        /// The poll URL without query.
        url: String,
        /// The bearer token.
        token: String,
        /// Where the next poll continues (`None` before the first poll).
        after: Option<i64>,
        /// Events fetched and not yet handed out.
        queue: VecDeque<Event>,
    },
}

impl Stream {
    /// Opens the member's stream at `base` (`http://host:port`), from now or
    /// resuming after `after`. The first event is always `Connected`.
    pub async fn open(
        http: &reqwest::Client,
        base: &str,
        token: &str,
        transport: Transport,
        after: Option<i64>,
    ) -> Result<Stream> {
        match transport {
            Transport::Sse => {
                let mut req = http
                    .get(format!("{base}{}", suda_protocol::SSE_PATH))
                    .bearer_auth(token);
                if let Some(after) = after {
                    req = req.header("Last-Event-ID", after.to_string());
                }
                let resp = refused_unless_ok(req.send().await?).await?;
                Ok(Stream::Sse(sse::Reader::new(resp.bytes_stream().boxed())))
            }
            Transport::Ws => {
                let ws_base = base.replacen("http", "ws", 1);
                let mut url = format!("{ws_base}{}", suda_protocol::WS_PATH);
                if let Some(after) = after {
                    url.push_str(&format!("?lastEventId={after}"));
                }
                let mut request = url.into_client_request()?;
                let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(|e| Error::Local(format!("token is not a header value: {e}")))?;
                request.headers_mut().insert("authorization", bearer);
                let (socket, _) = tokio_tungstenite::connect_async(request).await?;
                Ok(Stream::Ws(Box::new(socket)))
            }
            Transport::Poll => Ok(Stream::Poll {
                http: http.clone(),
                url: format!("{base}{}", suda_protocol::POLL_PATH),
                token: token.to_owned(),
                after,
                queue: VecDeque::new(),
            }),
        }
    }

    /// The next event; `Ok(None)` when the server ended the stream (it
    /// dropped a subscriber that fell behind, or it is stopping). Keep-alives
    /// are consumed here and never seen.
    pub async fn next(&mut self) -> Result<Option<Event>> {
        match self {
            Stream::Sse(reader) => match reader.next().await? {
                Some(block) => Ok(Some(event_of_block(block)?)),
                None => Ok(None),
            },
            Stream::Ws(socket) => loop {
                match socket.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let e: PolledEvent = serde_json::from_str(&text)
                            .map_err(|e| Error::Protocol(format!("WebSocket frame: {e}")))?;
                        return Ok(Some(Event::from_envelope(e.id.0, e.data)));
                    }
                    // Pings are answered by tungstenite on the next read.
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ok(None),
                    Some(Ok(_)) => continue,
                }
            },
            Stream::Poll {
                http,
                url,
                token,
                after,
                queue,
            } => loop {
                if let Some(event) = queue.pop_front() {
                    return Ok(Some(event));
                }
                let mut req = http
                    .get(url.as_str())
                    .bearer_auth(token.as_str())
                    .query(&[("timeout", POLL_WAIT_SECS.to_string())]);
                if let Some(after) = after {
                    req = req.query(&[("after", after.to_string())]);
                }
                let resp = refused_unless_ok(req.send().await?).await?;
                let batch: PollBatch = resp.json().await?;
                *after = Some(batch.position.0);
                queue.extend(
                    batch
                        .events
                        .into_iter()
                        .map(|e| Event::from_envelope(e.id.0, e.data)),
                );
            },
        }
    }
}

async fn refused_unless_ok(resp: reqwest::Response) -> Result<reqwest::Response> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    Err(Error::Refused {
        code: body["error"]["code"]
            .as_str()
            .map_or_else(|| status.to_string(), str::to_owned),
        message: body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    })
}

/// A Suda SSE event: the id is the stream position, the data an envelope.
fn event_of_block(block: sse::Block) -> Result<Event> {
    let envelope: SseEnvelope =
        serde_json::from_str(&block.data).map_err(|e| Error::Protocol(format!("SSE data: {e}")))?;
    let id = block
        .id
        .ok_or_else(|| Error::Protocol("SSE event without id".into()))?;
    let id = id
        .parse::<i64>()
        .map_err(|_| Error::Protocol(format!("SSE id {id:?}")))?;
    Ok(Event::from_envelope(id, envelope))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(block: &[u8]) -> Event {
        event_of_block(sse::parse_block(block).unwrap().unwrap()).unwrap()
    }

    #[test]
    fn sse_blocks_become_events() {
        let chat = br#"id: 7
data: {"sseType":"CHAT_MESSAGE_PUBLISHED","ssePayload":{"chatChannelId":"3","id":"7","eventType":"CHAT","createdAt":"x","message":"t=1","sender":{"id":"1","memberName":"a","profileImage":null}}}

"#;
        assert_eq!(
            event(chat),
            Event::Chat {
                position: 7,
                channel: 3,
                text: "t=1".into()
            }
        );
        let connected = br#"id: 0
data: {"sseType":"CONNECTED","ssePayload":{"memberId":"1","resumed":false}}

"#;
        assert_eq!(event(connected), Event::Connected(0));
        let without_id =
            br#"data: {"sseType":"CONNECTED","ssePayload":{"memberId":"1","resumed":false}}

"#;
        assert!(event_of_block(sse::parse_block(without_id).unwrap().unwrap()).is_err());
    }
}
