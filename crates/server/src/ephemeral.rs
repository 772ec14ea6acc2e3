//! Ephemeral events: typing and presence. Never stored, never replayed,
//! not counted; each stream sends them under the last id it delivered. On
//! this node they go straight to the fan-out; in a cluster they are also
//! announced to the other nodes through the store (PostgreSQL's `NOTIFY`),
//! best effort: a typing lost only leaves an indicator to expire by
//! itself, and presence is told again every heartbeat
//! ([`crate::presence`]).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use suda_protocol::{MemberId, Presence, PresenceChanged, SseEnvelope, Typing};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{
    error::ApiResult,
    fanout::{EphemeralAudience, Fanout, Frame},
    presence::{Here, Presences, Told, HEARTBEAT},
    store::Store,
};

/// What a node announces: an event, or what it knows of its members'
/// presence, and which node it comes from (every node hears its own
/// announcements too, and skips them).
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    node: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<SseEnvelope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    here: Option<Here>,
}

/// How many members one announcement of presence names, to stay within
/// [`crate::store::ANNOUNCEMENT_BYTES`].
const NAMED_AT_ONCE: usize = 100;

/// How often presence runs out at most (streams past their grace, other
/// nodes' word not told again); a short grace is looked at more often.
const TICK: Duration = Duration::from_secs(2);

/// Ephemeral events on their way to the streams of this node and others.
pub struct Ephemeral {
    node: u64,
    fanout: Arc<dyn Fanout>,
    store: Arc<dyn Store>,
    /// The most members a channel may have for typing (and presence) to go
    /// to them.
    max_audience: usize,
    presences: Presences,
}

/// Open while a stream of its member is: dropping it tells presence.
pub struct StreamHere {
    ephemeral: Arc<Ephemeral>,
    member: MemberId,
}

impl Drop for StreamHere {
    fn drop(&mut self) {
        self.ephemeral.presences.closed(self.member, Instant::now());
    }
}

impl Ephemeral {
    pub fn new(
        fanout: Arc<dyn Fanout>,
        store: Arc<dyn Store>,
        max_audience: usize,
        grace: Duration,
    ) -> Arc<Ephemeral> {
        Arc::new(Ephemeral {
            node: rand::random(),
            fanout,
            store,
            max_audience,
            presences: Presences::new(grace),
        })
    }

    /// A stream of `member` opened on this node; it counts while the
    /// guard lives (and for a grace after).
    pub fn stream_opened(self: &Arc<Self>, member: MemberId) -> StreamHere {
        let (first, told) = self.presences.opened(member, Instant::now());
        self.tell(told);
        if first {
            self.announce_here(Here {
                connected: vec![member],
                ..Here::default()
            });
        }
        StreamHere {
            ephemeral: Arc::clone(self),
            member,
        }
    }

    /// The member's client says they are away, or back.
    pub fn set_away(self: &Arc<Self>, member: MemberId, away: bool) {
        let told = self.presences.set_away(member, away, Instant::now());
        self.tell(told);
        self.announce_here(Here {
            away: vec![(member, away)],
            ..Here::default()
        });
    }

    /// A member's presence now.
    pub fn presence(&self, member: MemberId) -> Presence {
        self.presences.of(member, Instant::now())
    }

    /// Whoever shares a channel with `member` (small enough for presence).
    pub fn co_members(&self, member: MemberId) -> Vec<MemberId> {
        self.fanout.co_members(member, self.max_audience)
    }

    /// Tells the changes to whoever shares a channel with each member.
    fn tell(&self, told: Told) {
        for (member_id, presence) in told {
            let event = SseEnvelope::MemberPresenceChanged(PresenceChanged {
                member_id,
                presence,
            });
            let audience = self.fanout.co_members(member_id, self.max_audience);
            if !audience.is_empty() {
                self.fanout
                    .publish_to(&audience, Arc::new(Frame::ephemeral(&event)));
            }
        }
    }

    /// Tells the other nodes what this one knows of its members, in
    /// announcements of at most [`NAMED_AT_ONCE`] members each.
    fn announce_here(self: &Arc<Self>, here: Here) {
        if !self.store.shared() {
            return;
        }
        let mut parts = Vec::new();
        for connected in here.connected.chunks(NAMED_AT_ONCE) {
            parts.push(Here {
                connected: connected.to_vec(),
                ..Here::default()
            });
        }
        for gone in here.gone.chunks(NAMED_AT_ONCE) {
            parts.push(Here {
                gone: gone.to_vec(),
                ..Here::default()
            });
        }
        for away in here.away.chunks(NAMED_AT_ONCE) {
            parts.push(Here {
                away: away.to_vec(),
                ..Here::default()
            });
        }
        let this = Arc::clone(self);
        tokio::spawn(async move {
            for here in parts {
                let payload = serde_json::to_string(&Announcement {
                    node: this.node,
                    event: None,
                    here: Some(here),
                })
                .expect("serializes");
                if let Err(e) = this.store.announce(&payload).await {
                    tracing::debug!(error = %e, "presence not announced to the other nodes");
                }
            }
        });
    }

    /// Runs presence out (a departure after its grace, a silent node's
    /// members) and tells the others everyone this node holds every
    /// heartbeat, until `stop`.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let mut tick = tokio::time::interval(
            TICK.min(self.presences.grace() / 4)
                .max(Duration::from_millis(50)),
        );
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = tick.tick() => {
                    let (told, gone) = self.presences.tick(Instant::now());
                    self.tell(told);
                    if !gone.is_empty() {
                        self.announce_here(Here { gone, ..Here::default() });
                    }
                }
                _ = heartbeat.tick() => self.announce_here(self.presences.here()),
            }
        }
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
                event: Some(event),
                here: None,
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
                Ok(a) => {
                    if let Some(event) = a.event.filter(SseEnvelope::is_ephemeral) {
                        self.deliver(&event);
                    }
                    if let Some(here) = a.here {
                        let told = self.presences.heard(a.node, &here, Instant::now());
                        self.tell(told);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "an announcement this node cannot read"),
            }
        }
    }
}
