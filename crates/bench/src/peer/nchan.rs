//! The nchan peer: pub/sub over HTTP in nginx. Subscribers hold an
//! EventSource on `/sub/<channel>`; publishers `POST` the message to
//! `/pub/<channel>` (see [`super::nginx`] for the locations).
//!
//! nchan answers a subscriber before it is sure to receive: with more than
//! one worker, a subscriber on a worker that does not own the channel
//! starts receiving once that worker has subscribed to the owner. Nor can
//! the channel's subscriber count tell, as each worker reports its own. So
//! the bench publishes [`PROBE`] until every subscriber has seen one, and
//! only then measures.

use futures::StreamExt;
use reqwest::{header, StatusCode};

use crate::{
    error::{Error, Result},
    sse,
    transport::Event,
};

/// One EventSource subscription.
pub struct Subscriber {
    events: sse::Reader,
}

impl Subscriber {
    /// Subscribes to `channel` at `base` (`http://host:port`). nchan answers
    /// with the stream's headers once the subscriber is in place.
    pub async fn open(http: &reqwest::Client, base: &str, channel: &str) -> Result<Subscriber> {
        let resp = http
            .get(format!("{base}/sub/{channel}"))
            .header(header::ACCEPT, "text/event-stream")
            .send()
            .await?;
        if resp.status() != StatusCode::OK {
            return Err(refused(resp.status()));
        }
        Ok(Subscriber {
            events: sse::Reader::new(resp.bytes_stream().boxed()),
        })
    }

    /// The next message; `Ok(None)` when nginx ended the stream.
    pub async fn next(&mut self) -> Result<Option<Event>> {
        match self.events.next().await? {
            Some(block) if block.data == PROBE => Ok(Some(Event::Probe)),
            Some(block) => super::chat_event(&block.data).map(Some),
            None => Ok(None),
        }
    }
}

/// The text of a message that only shows a subscriber is in place.
pub const PROBE: &str = "probe";

/// Publishes `text` to `channel`. nchan answers 201 (channel created) or
/// 202 (queued) once the message is stored for delivery.
pub async fn publish(http: &reqwest::Client, base: &str, channel: &str, text: &str) -> Result<()> {
    let resp = http
        .post(format!("{base}/pub/{channel}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(text.to_owned())
        .send()
        .await?;
    match resp.status() {
        StatusCode::CREATED | StatusCode::ACCEPTED => Ok(()),
        status => Err(refused(status)),
    }
}

fn refused(status: StatusCode) -> Error {
    Error::Refused {
        code: status.to_string(),
        message: "nchan".into(),
    }
}
