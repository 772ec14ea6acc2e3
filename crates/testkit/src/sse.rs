//! A plain SSE reader for tests: it parses what the server writes without
//! the client library, and counts keep-alive comments.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;

/// One parsed SSE event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: Option<i64>,
    pub event: Option<String>,
    pub data: Value,
}

impl SseEvent {
    pub fn sse_type(&self) -> &str {
        self.data["sseType"].as_str().unwrap_or_default()
    }
    pub fn message(&self) -> Option<&str> {
        self.data["ssePayload"]["message"].as_str()
    }
}

/// A plain SSE parser over the response body, which also counts comments.
pub struct SseReader {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
    /// The start of a character a chunk ended in the middle of.
    partial: Vec<u8>,
    pub comments: usize,
    /// Whether presence changes are kept ([`SseReader::with_presence`]).
    presence: bool,
}

impl SseReader {
    pub fn new(resp: reqwest::Response) -> Self {
        SseReader {
            body: resp.bytes_stream().boxed(),
            buf: String::new(),
            partial: Vec::new(),
            comments: 0,
            presence: false,
        }
    }

    /// Keeps the streams' `MEMBER_PRESENCE_CHANGED` events, which a reader
    /// otherwise passes over: they come whenever a channel mate's stream
    /// opens or closes, in between the events most tests are about.
    pub fn with_presence(mut self) -> Self {
        self.presence = true;
        self
    }

    /// The next event, or None when the stream ends. Panics after 10 s.
    pub async fn next(&mut self) -> Option<SseEvent> {
        tokio::time::timeout(Duration::from_secs(10), self.next_inner())
            .await
            .expect("an SSE event within 10 s")
    }

    /// The next event, or None when the stream ends or `wait` passes first.
    pub async fn next_within(&mut self, wait: Duration) -> Option<SseEvent> {
        tokio::time::timeout(wait, self.next_inner())
            .await
            .ok()
            .flatten()
    }

    async fn next_inner(&mut self) -> Option<SseEvent> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut ev = SseEvent {
                    id: None,
                    event: None,
                    data: Value::Null,
                };
                let mut data = String::new();
                let mut any = false;
                for line in block.lines() {
                    if line.starts_with(':') {
                        self.comments += 1;
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        ev.id = Some(v.parse().expect("numeric id"));
                        any = true;
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        ev.event = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                        any = true;
                    }
                }
                if any {
                    ev.data = serde_json::from_str(&data).expect("data is JSON");
                    if !self.presence && ev.sse_type() == "MEMBER_PRESENCE_CHANGED" {
                        continue;
                    }
                    return Some(ev);
                }
            }
            match self.body.next().await {
                Some(Ok(chunk)) => {
                    self.partial.extend_from_slice(&chunk);
                    let valid = match std::str::from_utf8(&self.partial) {
                        Ok(all) => all.len(),
                        Err(e) if e.error_len().is_none() => e.valid_up_to(),
                        Err(e) => panic!("the stream is not UTF-8: {e}"),
                    };
                    let text: Vec<u8> = self.partial.drain(..valid).collect();
                    self.buf.push_str(std::str::from_utf8(&text).unwrap());
                }
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// The next event that is a channel event (skipping CONNECTED).
    pub async fn next_published(&mut self) -> SseEvent {
        loop {
            let ev = self.next().await.expect("stream still open");
            if ev.sse_type() == "CHAT_MESSAGE_PUBLISHED" {
                return ev;
            }
        }
    }
}
