//! Fan-out: who gets which event, live.
//!
//! The fan-out knows the current members of every channel and the open
//! subscriptions of every member. Each event is serialized once into a
//! [`Frame`] and the same bytes are handed to every subscriber. Delivery is
//! keyed by member, not by channel, so a channel joined after a stream
//! opened is covered without reconnecting.
//!
//! Slow receivers: every subscription has a bounded queue. When it is full
//! the subscription is dropped (its stream ends after what is queued) and
//! the client resumes from its last id; the publisher never waits and no
//! queue grows without bound.
//!
//! Ephemeral events (typing) go the same way to the same queues, but a
//! full queue only skips them: they are not replayed, so dropping a stream
//! for one would lose nothing and cost a reconnect.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use bytes::Bytes;
use suda_protocol::{ChannelId, MemberId, SseEnvelope};
use tokio::sync::mpsc;

/// One event, serialized once, in the forms the transports send.
#[derive(Debug)]
pub struct Frame {
    /// The stream position (SSE `id:`).
    pub id: i64,
    /// The whole SSE event: `id: N\ndata: {json}\n\n`.
    pub sse: Bytes,
    /// The event as a WebSocket text frame or long-poll item:
    /// `{"id":"N","data":{json}}`.
    pub wire: Bytes,
    /// Of an ephemeral event, its JSON alone: it has no position of its
    /// own, and each stream sends it under the last id it delivered
    /// ([`Frame::stamped`]). Its `id` is 0, its `sse` and `wire` empty.
    pub ephemeral: Option<Bytes>,
}

impl Frame {
    /// Serializes an envelope under stream position `id`.
    pub fn new(id: i64, envelope: &SseEnvelope) -> Frame {
        let json = serde_json::to_string(envelope).expect("envelopes always serialize");
        Self::framed(id, &json)
    }

    fn framed(id: i64, json: &str) -> Frame {
        let sse = format!("id: {id}\ndata: {json}\n\n");
        let wire = format!("{{\"id\":\"{id}\",\"data\":{json}}}");
        Frame {
            id,
            sse: Bytes::from(sse),
            wire: Bytes::from(wire),
            ephemeral: None,
        }
    }

    /// An ephemeral event, serialized once, to be stamped by each stream.
    pub fn ephemeral(envelope: &SseEnvelope) -> Frame {
        let json = serde_json::to_string(envelope).expect("envelopes always serialize");
        Frame {
            id: 0,
            sse: Bytes::new(),
            wire: Bytes::new(),
            ephemeral: Some(Bytes::from(json)),
        }
    }

    /// An ephemeral event in the forms the transports send, under `last`,
    /// the id its stream delivered last. `None` for a stored event.
    pub fn stamped(&self, last: i64) -> Option<Frame> {
        let json = self.ephemeral.as_ref()?;
        let json = std::str::from_utf8(json).expect("serialized as a string");
        Some(Self::framed(last, json))
    }
}

/// Who an ephemeral event goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EphemeralAudience {
    /// The channel whose members get it.
    pub channel: ChannelId,
    /// Except this one (the member it is about).
    pub except: MemberId,
    /// Only when the channel has at most this many members.
    pub at_most: usize,
}

/// A membership change that comes with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The member joined: they receive this event and all after it.
    Joined(MemberId),
    /// The member left: they receive this event and none after it.
    Left(MemberId),
}

/// One frame to publish to a channel's members.
#[derive(Debug, Clone)]
pub struct Published {
    pub channel: ChannelId,
    pub frame: Arc<Frame>,
    pub change: Option<Change>,
    /// Only this member of the channel gets it (their read marker moved);
    /// `None`: every member.
    pub only: Option<MemberId>,
    /// Of a reply in a thread: the followers of the thread get this frame
    /// instead (the same event, saying they follow it).
    pub followers: Option<Followers>,
}

/// The followers of a thread and the frame they get.
#[derive(Debug, Clone)]
pub struct Followers {
    /// By id, in order (a thread can have as many followers as its
    /// channel has members; each delivery looks its member up).
    pub members: Arc<[MemberId]>,
    pub frame: Arc<Frame>,
}

/// The live events of one subscription. Dropping it unsubscribes.
pub struct Feed {
    rx: mpsc::Receiver<Arc<Frame>>,
    on_drop: Option<Box<dyn FnOnce() + Send>>,
}

impl Feed {
    /// The next live frame; `None` once the fan-out dropped this
    /// subscription (it fell behind, or the server is stopping).
    pub async fn recv(&mut self) -> Option<Arc<Frame>> {
        self.rx.recv().await
    }

    /// A live frame that is already queued, without waiting.
    pub fn try_recv(&mut self) -> Option<Arc<Frame>> {
        self.rx.try_recv().ok()
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        if let Some(f) = self.on_drop.take() {
            f();
        }
    }
}

/// Live delivery of events to the members of their channel.
pub trait Fanout: Send + Sync + 'static {
    /// Opens a subscription to everything the member will receive from now on.
    fn subscribe(&self, member: MemberId) -> Feed;
    /// Delivers a frame to the channel's members, applying a membership
    /// change first (join) or after (leave). Must be called in id order.
    fn publish(&self, channel: ChannelId, frame: Arc<Frame>, change: Option<Change>) {
        self.publish_all(&[Published {
            channel,
            frame,
            change,
            only: None,
            followers: None,
        }]);
    }
    /// Delivers several frames, in order, as [`Fanout::publish`] would one
    /// by one, but in one go: a subscriber woken by the first finds the
    /// rest queued and writes them together.
    fn publish_all(&self, frames: &[Published]);
    /// Delivers an ephemeral frame ([`Frame::ephemeral`]) to its audience's
    /// open streams; a stream whose queue is full goes without it. `false`,
    /// and nothing delivered, when the channel has more members than
    /// `to.at_most`.
    fn publish_ephemeral(&self, to: EphemeralAudience, frame: Arc<Frame>) -> bool;
    /// Delivers an ephemeral frame to these members' open streams, as
    /// [`Fanout::publish_ephemeral`] does.
    fn publish_to(&self, members: &[MemberId], frame: Arc<Frame>);
    /// The members of `channel` now, if it has at most `at_most`.
    fn members_of(&self, channel: ChannelId, at_most: usize) -> Option<Vec<MemberId>>;
    /// Everyone who shares a channel of at most `at_most` members with
    /// `member` (not `member`), once each.
    fn co_members(&self, member: MemberId, at_most: usize) -> Vec<MemberId>;
    /// Sets who is in which channel, at start.
    fn seed(&self, memberships: &[(ChannelId, MemberId)]);
    /// How many subscriptions are open.
    fn subscriptions(&self) -> usize;
    /// How many subscriptions were dropped for falling behind, since start.
    fn dropped_slow(&self) -> u64;
}

/// The in-process [`Fanout`].
pub struct LocalFanout {
    inner: Arc<Mutex<Inner>>,
    capacity: usize,
    dropped_slow: Arc<AtomicU64>,
}

/// A member's open subscriptions, each with its id.
type Subscribers = Vec<(u64, mpsc::Sender<Arc<Frame>>)>;

#[derive(Default)]
struct Inner {
    channels: HashMap<ChannelId, HashSet<MemberId>>,
    /// The same, by member: the channels each is in.
    joined: HashMap<MemberId, HashSet<ChannelId>>,
    subscribers: HashMap<MemberId, Subscribers>,
    next_id: u64,
    count: usize,
}

impl Inner {
    fn join(&mut self, channel: ChannelId, member: MemberId) {
        self.channels.entry(channel).or_default().insert(member);
        self.joined.entry(member).or_default().insert(channel);
    }

    fn leave(&mut self, channel: ChannelId, member: MemberId) {
        if let Some(members) = self.channels.get_mut(&channel) {
            members.remove(&member);
            if members.is_empty() {
                self.channels.remove(&channel);
            }
        }
        if let Some(channels) = self.joined.get_mut(&member) {
            channels.remove(&channel);
            if channels.is_empty() {
                self.joined.remove(&member);
            }
        }
    }

    fn remove(&mut self, member: MemberId, id: u64) {
        if let Some(list) = self.subscribers.get_mut(&member) {
            if let Some(at) = list.iter().position(|(i, _)| *i == id) {
                list.swap_remove(at);
                self.count -= 1;
            }
            if list.is_empty() {
                self.subscribers.remove(&member);
            }
        }
    }
}

impl LocalFanout {
    /// A fan-out whose subscriptions each queue at most `capacity` frames.
    pub fn new(capacity: usize) -> Self {
        LocalFanout {
            inner: Arc::default(),
            capacity: capacity.max(1),
            dropped_slow: Arc::default(),
        }
    }
}

impl Fanout for LocalFanout {
    fn subscribe(&self, member: MemberId) -> Feed {
        let (tx, rx) = mpsc::channel(self.capacity);
        let id = {
            let mut inner = self.inner.lock().expect("fan-out lock");
            inner.next_id += 1;
            let id = inner.next_id;
            inner.subscribers.entry(member).or_default().push((id, tx));
            inner.count += 1;
            id
        };
        let weak = Arc::downgrade(&self.inner);
        Feed {
            rx,
            on_drop: Some(Box::new(move || {
                if let Some(inner) = weak.upgrade() {
                    inner.lock().expect("fan-out lock").remove(member, id);
                }
            })),
        }
    }

    fn publish_all(&self, frames: &[Published]) {
        let mut inner = self.inner.lock().expect("fan-out lock");
        let inner = &mut *inner;
        let mut slow = Vec::new();
        for Published {
            channel,
            frame,
            change,
            only,
            followers,
        } in frames
        {
            if let Some(Change::Joined(m)) = change {
                inner.join(*channel, *m);
            }
            if let Some(members) = inner.channels.get(channel) {
                let audience = members.iter().filter(|m| only.is_none_or(|o| o == **m));
                for member in audience {
                    let Some(subs) = inner.subscribers.get(member) else {
                        continue;
                    };
                    let frame = match followers {
                        Some(f) if f.members.binary_search(member).is_ok() => &f.frame,
                        _ => frame,
                    };
                    for (id, tx) in subs {
                        match tx.try_send(Arc::clone(frame)) {
                            Ok(()) => {}
                            Err(mpsc::error::TrySendError::Full(_)) => slow.push((*member, *id)),
                            // The feed is being dropped; its guard removes it.
                            Err(mpsc::error::TrySendError::Closed(_)) => {}
                        }
                    }
                }
            }
            for (member, id) in slow.drain(..) {
                // Dropping the sender ends the stream after what is queued;
                // the client resumes from the last id it got.
                inner.remove(member, id);
                self.dropped_slow.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(Change::Left(m)) = change {
                inner.leave(*channel, *m);
            }
        }
    }

    fn publish_ephemeral(&self, to: EphemeralAudience, frame: Arc<Frame>) -> bool {
        let inner = self.inner.lock().expect("fan-out lock");
        let Some(members) = inner.channels.get(&to.channel) else {
            return true;
        };
        if members.len() > to.at_most {
            return false;
        }
        for member in members.iter().filter(|m| **m != to.except) {
            for (_, tx) in inner.subscribers.get(member).into_iter().flatten() {
                // Full or closing: this one goes without it.
                let _ = tx.try_send(Arc::clone(&frame));
            }
        }
        true
    }

    fn publish_to(&self, members: &[MemberId], frame: Arc<Frame>) {
        let inner = self.inner.lock().expect("fan-out lock");
        for member in members {
            for (_, tx) in inner.subscribers.get(member).into_iter().flatten() {
                let _ = tx.try_send(Arc::clone(&frame));
            }
        }
    }

    fn members_of(&self, channel: ChannelId, at_most: usize) -> Option<Vec<MemberId>> {
        let inner = self.inner.lock().expect("fan-out lock");
        let members = inner.channels.get(&channel)?;
        (members.len() <= at_most).then(|| members.iter().copied().collect())
    }

    fn co_members(&self, member: MemberId, at_most: usize) -> Vec<MemberId> {
        let inner = self.inner.lock().expect("fan-out lock");
        let mut found = HashSet::new();
        for channel in inner.joined.get(&member).into_iter().flatten() {
            if let Some(members) = inner.channels.get(channel) {
                if members.len() <= at_most {
                    found.extend(members.iter().filter(|m| **m != member));
                }
            }
        }
        found.into_iter().collect()
    }

    fn seed(&self, memberships: &[(ChannelId, MemberId)]) {
        let mut inner = self.inner.lock().expect("fan-out lock");
        for (channel, member) in memberships {
            inner.join(*channel, *member);
        }
    }

    fn subscriptions(&self) -> usize {
        self.inner.lock().expect("fan-out lock").count
    }

    fn dropped_slow(&self) -> u64 {
        self.dropped_slow.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use suda_protocol::{Connected, SseEnvelope};

    use super::*;

    fn frame(id: i64) -> Arc<Frame> {
        Arc::new(Frame::new(
            id,
            &SseEnvelope::Connected(Connected {
                member_id: MemberId(1),
                resumed: false,
            }),
        ))
    }

    #[test]
    fn frames_are_framed_for_sse_and_wire() {
        let f = frame(7);
        let sse = std::str::from_utf8(&f.sse).unwrap();
        assert!(sse.starts_with("id: 7\ndata: {\"sseType\":\"CONNECTED\""));
        assert!(sse.ends_with("}\n\n"));
        let wire: serde_json::Value = serde_json::from_slice(&f.wire).unwrap();
        assert_eq!(wire["id"], "7");
        assert_eq!(wire["data"]["sseType"], "CONNECTED");
    }

    #[tokio::test]
    async fn delivery_follows_membership_including_channels_joined_later() {
        let fanout = LocalFanout::new(8);
        let (a, b) = (MemberId(1), MemberId(2));
        let ch = ChannelId(10);
        fanout.seed(&[(ch, a)]);
        let mut fa = fanout.subscribe(a);
        let mut fb = fanout.subscribe(b);
        fanout.publish(ch, frame(1), None);
        fanout.publish(ch, frame(2), Some(Change::Joined(b)));
        fanout.publish(ch, frame(3), Some(Change::Left(a)));
        fanout.publish(ch, frame(4), None);
        let mut got_a = vec![];
        while let Ok(f) = fa.rx.try_recv() {
            got_a.push(f.id);
        }
        let mut got_b = vec![];
        while let Ok(f) = fb.rx.try_recv() {
            got_b.push(f.id);
        }
        assert_eq!(got_a, [1, 2, 3], "a gets its own leave, nothing after");
        assert_eq!(got_b, [2, 3, 4], "b gets its own join and what follows");
    }

    #[tokio::test]
    async fn an_ephemeral_frame_reaches_the_others_in_the_channel_and_never_drops_a_stream() {
        let fanout = LocalFanout::new(2);
        let (a, b, c) = (MemberId(1), MemberId(2), MemberId(3));
        let ch = ChannelId(10);
        fanout.seed(&[(ch, a), (ch, b)]);
        let mut fa = fanout.subscribe(a);
        let mut fb = fanout.subscribe(b);
        let mut fc = fanout.subscribe(c);
        let typing = Arc::new(Frame::ephemeral(&SseEnvelope::Connected(Connected {
            member_id: a,
            resumed: false,
        })));
        let to = EphemeralAudience {
            channel: ch,
            except: a,
            at_most: 2,
        };
        for _ in 0..5 {
            assert!(fanout.publish_ephemeral(to, Arc::clone(&typing)));
        }
        assert!(fa.rx.try_recv().is_err(), "not to the one it is about");
        assert!(fc.rx.try_recv().is_err(), "not outside the channel");
        // b's queue holds 2: the rest were skipped, and b is still subscribed.
        assert!(fb.rx.try_recv().unwrap().ephemeral.is_some());
        assert!(fb.rx.try_recv().unwrap().ephemeral.is_some());
        assert!(fb.rx.try_recv().is_err());
        assert_eq!(fanout.dropped_slow(), 0);
        fanout.publish(ch, frame(7), None);
        assert_eq!(fb.rx.try_recv().unwrap().id, 7);
        // Stamped, it is sent under the id its stream delivered last.
        let stamped = typing.stamped(41).unwrap();
        assert!(std::str::from_utf8(&stamped.sse)
            .unwrap()
            .starts_with("id: 41\ndata: {"));
        let wire: serde_json::Value = serde_json::from_slice(&stamped.wire).unwrap();
        assert_eq!(wire["id"], "41");
        assert!(frame(7).stamped(41).is_none());
        // A crowd hears none of it.
        fanout.seed(&[(ch, c)]);
        assert!(!fanout.publish_ephemeral(to, Arc::clone(&typing)));
        assert!(fc.rx.try_recv().is_err() && fb.rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_batch_is_delivered_as_its_frames_one_by_one_would_be() {
        let fanout = LocalFanout::new(8);
        let (a, b) = (MemberId(1), MemberId(2));
        let ch = ChannelId(10);
        fanout.seed(&[(ch, a)]);
        let mut fa = fanout.subscribe(a);
        let mut fb = fanout.subscribe(b);
        let published = |id, change| Published {
            channel: ch,
            frame: frame(id),
            change,
            only: None,
            followers: None,
        };
        fanout.publish_all(&[
            published(1, None),
            published(2, Some(Change::Joined(b))),
            published(3, Some(Change::Left(a))),
            published(4, None),
        ]);
        let drain = |feed: &mut Feed| {
            let mut got = vec![];
            while let Some(f) = feed.try_recv() {
                got.push(f.id);
            }
            got
        };
        assert_eq!(
            drain(&mut fa),
            [1, 2, 3],
            "a's leave inside the batch holds"
        );
        assert_eq!(drain(&mut fb), [2, 3, 4], "b's join inside the batch holds");
    }

    #[tokio::test]
    async fn a_frame_for_one_member_reaches_only_that_members_streams() {
        let fanout = LocalFanout::new(8);
        let (a, b) = (MemberId(1), MemberId(2));
        let ch = ChannelId(10);
        fanout.seed(&[(ch, a), (ch, b)]);
        let (mut fa, mut fa2, mut fb) = (
            fanout.subscribe(a),
            fanout.subscribe(a),
            fanout.subscribe(b),
        );
        fanout.publish_all(&[Published {
            channel: ch,
            frame: frame(1),
            change: None,
            only: Some(a),
            followers: None,
        }]);
        fanout.publish(ch, frame(2), None);
        assert_eq!(fa.try_recv().unwrap().id, 1);
        assert_eq!(fa2.try_recv().unwrap().id, 1, "every stream of a");
        assert_eq!(fb.try_recv().unwrap().id, 2, "b never sees a's frame");
    }

    #[tokio::test]
    async fn the_followers_of_a_thread_get_their_frame_and_the_others_the_plain_one() {
        let fanout = LocalFanout::new(8);
        let (a, b, c) = (MemberId(1), MemberId(2), MemberId(3));
        let ch = ChannelId(10);
        fanout.seed(&[(ch, a), (ch, b), (ch, c)]);
        let (mut fa, mut fb, mut fc) = (
            fanout.subscribe(a),
            fanout.subscribe(b),
            fanout.subscribe(c),
        );
        let followed = frame(1);
        fanout.publish_all(&[Published {
            channel: ch,
            frame: frame(1),
            change: None,
            only: None,
            followers: Some(Followers {
                members: vec![a, c].into(),
                frame: Arc::clone(&followed),
            }),
        }]);
        assert!(Arc::ptr_eq(&fa.try_recv().unwrap(), &followed));
        assert!(!Arc::ptr_eq(&fb.try_recv().unwrap(), &followed));
        assert!(Arc::ptr_eq(&fc.try_recv().unwrap(), &followed));
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_dropped_without_slowing_others() {
        let fanout = LocalFanout::new(2);
        let ch = ChannelId(1);
        fanout.seed(&[(ch, MemberId(1)), (ch, MemberId(2))]);
        let mut slow = fanout.subscribe(MemberId(1));
        let mut fast = fanout.subscribe(MemberId(2));
        for id in 1..=3 {
            fanout.publish(ch, frame(id), None);
            if let Some(f) = fast.recv().await {
                assert_eq!(f.id, id);
            }
        }
        assert_eq!(fanout.dropped_slow(), 1);
        assert_eq!(fanout.subscriptions(), 1);
        // The slow one gets what was queued, then the end of its stream.
        assert_eq!(slow.recv().await.unwrap().id, 1);
        assert_eq!(slow.recv().await.unwrap().id, 2);
        assert!(slow.recv().await.is_none());
    }

    #[test]
    fn dropping_a_feed_unsubscribes() {
        let fanout = LocalFanout::new(2);
        let feed = fanout.subscribe(MemberId(1));
        assert_eq!(fanout.subscriptions(), 1);
        drop(feed);
        assert_eq!(fanout.subscriptions(), 0);
    }
}
