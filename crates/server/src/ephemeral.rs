//! Ephemeral events: typing. Never stored, never replayed, not counted;
//! each stream sends them under the last id it delivered. On this node
//! they go straight to the fan-out; in a cluster they are also announced
//! to the other nodes through the store (PostgreSQL's `NOTIFY`), best
//! effort: one lost only leaves an indicator to expire by itself.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use suda_protocol::{SseEnvelope, Typing};
use tokio::sync::mpsc;

use crate::{
    error::ApiResult,
    fanout::{EphemeralAudience, Fanout, Frame},
    store::Store,
};

/// What a node announces: the event, and which node it comes from (every
/// node hears its own announcements too, and skips them).
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    node: u64,
    event: SseEnvelope,
}

/// Ephemeral events on their way to the streams of this node and others.
pub struct Ephemeral {
    node: u64,
    fanout: Arc<dyn Fanout>,
    store: Arc<dyn Store>,
    /// The most members a channel may have for typing to go to them.
    max_audience: usize,
}

impl Ephemeral {
    pub fn new(
        fanout: Arc<dyn Fanout>,
        store: Arc<dyn Store>,
        max_audience: usize,
    ) -> Arc<Ephemeral> {
        Arc::new(Ephemeral {
            node: rand::random(),
            fanout,
            store,
            max_audience,
        })
    }

    /// Tells the channel's other members that `typing.member` is typing (or
    /// stopped), here and on the other nodes. `false`, and nothing sent,
    /// when the channel has more members than typing is shown to.
    pub async fn typing(&self, typing: Typing) -> ApiResult<bool> {
        let event = SseEnvelope::ChatTyping(typing);
        if !self.deliver(&event) {
            return Ok(false);
        }
        if self.store.shared() {
            let announcement = Announcement {
                node: self.node,
                event,
            };
            let payload = serde_json::to_string(&announcement).expect("serializes");
            if let Err(e) = self.store.announce(&payload).await {
                // The others miss one "typing": it expires where it shows.
                tracing::debug!(error = %e, "typing not announced to the other nodes");
            }
        }
        Ok(true)
    }

    /// Delivers to this node's streams; `false` when the audience is
    /// larger than allowed (or the event is not ephemeral).
    fn deliver(&self, event: &SseEnvelope) -> bool {
        let audience = match event {
            SseEnvelope::ChatTyping(t) => EphemeralAudience {
                channel: t.chat_channel_id,
                except: t.member.id,
                at_most: self.max_audience,
            },
            _ => return false,
        };
        self.fanout
            .publish_ephemeral(audience, Arc::new(Frame::ephemeral(event)))
    }

    /// Delivers what the other nodes announce, until the store closes.
    pub async fn relay(self: Arc<Self>, mut heard: mpsc::Receiver<String>) {
        while let Some(payload) = heard.recv().await {
            match serde_json::from_str::<Announcement>(&payload) {
                Ok(a) if a.node == self.node => {}
                Ok(a) if a.event.is_ephemeral() => {
                    self.deliver(&a.event);
                }
                Ok(_) => tracing::warn!("an announcement that is not ephemeral, ignored"),
                Err(e) => tracing::warn!(error = %e, "an announcement this node cannot read"),
            }
        }
    }
}
