//! A member's event stream, independent of the transport that carries it.
//!
//! Opening a subscription registers with the fan-out *first* and only then
//! reads the head and replays from the store. Anything committed before the
//! registration is in the store; anything published after it is in the
//! feed; an event in both is skipped by id. So a resume delivers every
//! missed event once, in order, and then goes live without a gap, even while
//! messages keep arriving during the replay.

use std::{collections::VecDeque, sync::Arc};

use suda_protocol::{Connected, MemberId, ResyncReason, ResyncRequired, SseEnvelope};

use crate::{
    admission::StreamTicket,
    error::ApiResult,
    fanout::{Feed, Frame},
    store::Store,
    wire, AppState,
};

const REPLAY_PAGE: u32 = 256;

/// Where a client asks its stream to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// From now: the client fetches history over GraphQL.
    Now,
    /// Right after this position (the client's `Last-Event-ID`).
    After(i64),
    /// The client sent a position that is not a number.
    Malformed,
}

impl Start {
    /// Reads a `Last-Event-ID` value; an empty or absent one means now.
    pub fn parse(value: Option<&str>) -> Start {
        match value.map(str::trim) {
            None | Some("") => Start::Now,
            Some(v) => match suda_protocol::ids::parse_position(v) {
                Ok(n) => Start::After(n),
                Err(_) => Start::Malformed,
            },
        }
    }
}

/// One open stream of one member.
pub struct Subscription {
    store: Arc<dyn Store>,
    member: MemberId,
    feed: Feed,
    pending: VecDeque<Arc<Frame>>,
    replaying: bool,
    last: i64,
    start: i64,
    resumed: bool,
    /// Its place among the member's streams, given back when it ends.
    ticket: StreamTicket,
    /// The member is there while it is open (presence).
    _here: crate::ephemeral::StreamHere,
}

impl Subscription {
    /// Opens the member's stream. The first frame is always `CONNECTED`,
    /// carrying the position the stream starts from; a `RESYNC_REQUIRED`
    /// follows it when the asked position cannot be resumed.
    pub async fn open(
        state: &AppState,
        member: MemberId,
        start: Start,
        ticket: StreamTicket,
    ) -> ApiResult<Self> {
        let feed = state.fanout.subscribe(member);
        let here = state.ephemeral.stream_opened(member);
        let head = state.store.head().await?;
        let window = state.config.replay_window;
        let (from, resync) = match start {
            Start::Now => (head, None),
            Start::Malformed => (head, Some(ResyncReason::UnknownPosition)),
            Start::After(n) if n > head => (head, Some(ResyncReason::UnknownPosition)),
            // Bounded by what this member missed, not by everyone's
            // traffic: one member churning joins and leaves elsewhere once
            // made every other member's resume "too old".
            Start::After(n) if state.store.missed(member, n, window + 1).await? > window => {
                (head, Some(ResyncReason::TooOld))
            }
            Start::After(n) => (n, None),
        };
        let resumed = matches!(start, Start::After(_)) && resync.is_none();
        let mut pending = VecDeque::new();
        pending.push_back(Arc::new(Frame::new(
            from,
            &SseEnvelope::Connected(Connected {
                member_id: member,
                resumed,
            }),
        )));
        if let Some(reason) = resync {
            pending.push_back(Arc::new(Frame::new(
                from,
                &SseEnvelope::ResyncRequired(ResyncRequired { reason }),
            )));
        }
        Ok(Subscription {
            store: Arc::clone(&state.store),
            member,
            feed,
            pending,
            replaying: resumed,
            last: from,
            start: from,
            resumed,
            ticket,
            _here: here,
        })
    }

    /// The position the stream started from (the `CONNECTED` id).
    pub fn start(&self) -> i64 {
        self.start
    }

    /// Whether the stream resumes from the client's position.
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// The next frame: `CONNECTED` (and maybe `RESYNC_REQUIRED`), then the
    /// replay, then live events. `Ok(None)` when the fan-out dropped this
    /// subscription for falling behind: the client resumes from the last id.
    ///
    /// Cancel-safe: state changes only after each await completes.
    pub async fn next(&mut self) -> ApiResult<Option<Arc<Frame>>> {
        loop {
            // The token was revoked or expired: the stream ends, and the
            // client hears UNAUTHENTICATED when it reconnects. Checked on
            // every frame (an atomic and the clock), and waited on only
            // when there is nothing to send.
            if self.ticket.is_ended() {
                return Ok(None);
            }
            if let Some(frame) = self.pending.pop_front() {
                return Ok(Some(frame));
            }
            if self.replaying {
                let page = self
                    .store
                    .replay(self.member, self.last, REPLAY_PAGE)
                    .await?;
                self.replaying = page.len() == REPLAY_PAGE as usize;
                for event in &page {
                    let envelope = wire::envelope_for(event, self.member);
                    self.pending
                        .push_back(Arc::new(Frame::new(event.id.get(), &envelope)));
                    self.last = event.id.get();
                }
                continue;
            }
            let next = tokio::select! {
                biased;
                next = self.feed.recv() => next,
                () = self.ticket.ended() => return Ok(None),
            };
            match next {
                // Ephemeral: under the last id delivered, which stays.
                Some(frame) if frame.ephemeral.is_some() => {
                    let stamped = frame.stamped(self.last).expect("ephemeral");
                    return Ok(Some(Arc::new(stamped)));
                }
                Some(frame) if frame.id > self.last => {
                    self.last = frame.id;
                    return Ok(Some(frame));
                }
                Some(_) => continue,
                None => return Ok(None),
            }
        }
    }

    /// A frame that is ready now, without waiting for a live event; used by
    /// long polling to send what has queued up in one answer.
    pub fn try_next_ready(&mut self) -> Option<Arc<Frame>> {
        if self.ticket.is_ended() {
            return None;
        }
        if let Some(frame) = self.pending.pop_front() {
            return Some(frame);
        }
        if self.replaying {
            return None;
        }
        while let Some(frame) = self.feed.try_recv() {
            if let Some(stamped) = frame.stamped(self.last) {
                return Some(Arc::new(stamped));
            }
            if frame.id > self.last {
                self.last = frame.id;
                return Some(frame);
            }
        }
        None
    }

    /// Whether a replay page still needs reading.
    pub fn replaying(&self) -> bool {
        self.replaying
    }
}
