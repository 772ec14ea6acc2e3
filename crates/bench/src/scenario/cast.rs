//! The cast of a fan-out run on whichever server is under test: every
//! member's subscription, the keys its deliveries are checked under, and
//! the senders. The shape is the same everywhere: `size` members in each
//! of `channels` channels, member `m` in channel `m / size`, and sender `j`
//! member `j / channels` of channel `j % channels`. On several Suda nodes
//! the [`Layout`] says which node each stream is on and which node each
//! channel's sends go through.

use std::{
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

use futures::{stream, StreamExt, TryStreamExt};
use tokio::sync::watch;

use super::{layout::Layout, Crowd, Subscription};
use crate::{
    api::{self, Api},
    error::{Error, Result},
    peer::{nchan, socketio},
};

/// Who subscribes and who sends.
pub(crate) struct Cast {
    /// One per member.
    pub subscriptions: Vec<Subscription>,
    /// The keys each member's deliveries are checked under (see
    /// [`crate::metrics::Received`]).
    pub keys: Vec<Vec<i64>>,
    /// The senders, by sender index.
    pub senders: Vec<Sender>,
    /// Members: subscriptions, counted before the crowd takes them.
    members: usize,
    /// Streams on each node (Suda; one node for a peer).
    pub streams_per_node: Vec<usize>,
    /// Senders sending through each node.
    pub senders_per_node: Vec<usize>,
    /// nchan's channels, to probe until every subscriber is in place.
    nchan_channels: Vec<String>,
}

/// The member that is sender `j`.
fn sender_member(j: usize, size: usize, channels: usize) -> usize {
    (j % channels) * size + j / channels
}

/// A peer member's keys: the senders of its channel.
fn peer_keys(size: usize, channels: usize, senders: usize) -> Vec<Vec<i64>> {
    (0..size * channels)
        .map(|m| {
            (m / size..senders)
                .step_by(channels)
                .map(|j| j as i64)
                .collect()
        })
        .collect()
}

/// Peer channel names, unique to this run (a `--url` server may be reused).
fn peer_channels(channels: usize) -> Vec<String> {
    let prefix = api::run_prefix();
    (0..channels).map(|c| format!("{prefix}c{c}")).collect()
}

impl Cast {
    /// Signs up every member and creates the channels on Suda, over the
    /// nodes `apis` (one per node) as `layout` says.
    pub async fn suda(
        apis: &[Api],
        layout: &Layout,
        size: usize,
        channels: usize,
        senders: usize,
    ) -> Result<Cast> {
        let prefix = api::run_prefix();
        let members: Vec<api::Member> = stream::iter(0..size * channels)
            .map(|m| {
                let (api, name) = (&apis[layout.sign_up_node(m)], format!("{prefix}{m}"));
                async move { api.sign_up(&name).await }
            })
            .buffered(8)
            .try_collect()
            .await?;
        let mut channel_ids = Vec::with_capacity(channels);
        for (c, group) in members.chunks(size).enumerate() {
            let others: Vec<String> = group[1..].iter().map(|m| m.id.clone()).collect();
            channel_ids.push(
                apis[layout.send_node(c)]
                    .create_group(&group[0], &format!("bench {c}"), &others)
                    .await?,
            );
        }
        let mut streams_per_node = vec![0; apis.len()];
        let subscriptions = members
            .iter()
            .enumerate()
            .map(|(m, member)| {
                let node = layout.stream_node(m / size, m % size);
                streams_per_node[node] += 1;
                Subscription::Suda {
                    token: member.token.clone(),
                    base: apis[node].base().to_owned(),
                }
            })
            .collect();
        let mut senders_per_node = vec![0; apis.len()];
        let senders = (0..senders)
            .map(|j| {
                let node = layout.send_node(j % channels);
                senders_per_node[node] += 1;
                Sender::Suda {
                    api: apis[node].clone(),
                    token: members[sender_member(j, size, channels)].token.clone(),
                    channel: channel_ids[j % channels],
                }
            })
            .collect();
        Ok(Cast {
            subscriptions,
            keys: (0..members.len())
                .map(|m| vec![channel_ids[m / size]])
                .collect(),
            senders,
            members: size * channels,
            streams_per_node,
            senders_per_node,
            nchan_channels: Vec::new(),
        })
    }

    /// nchan channels: every member subscribes; senders publish over HTTP.
    pub fn nchan(
        http: &reqwest::Client,
        base: &str,
        size: usize,
        channels: usize,
        senders: usize,
    ) -> Cast {
        let names = peer_channels(channels);
        Cast {
            subscriptions: (0..size * channels)
                .map(|m| Subscription::Nchan(names[m / size].clone()))
                .collect(),
            keys: peer_keys(size, channels, senders),
            senders: (0..senders)
                .map(|j| Sender::Nchan {
                    http: http.clone(),
                    base: base.to_owned(),
                    channel: names[j % channels].clone(),
                    key: j as i64,
                    order: Order::default(),
                })
                .collect(),
            members: size * channels,
            streams_per_node: vec![size * channels],
            senders_per_node: vec![senders],
            nchan_channels: names,
        }
    }

    /// socket.io rooms: every member holds a socket; a sender sends on its own.
    /// At most `in_flight` sends of one sender wait to be written.
    pub fn socketio(size: usize, channels: usize, senders: usize, in_flight: usize) -> Cast {
        let rooms = peer_channels(channels);
        let mut subscriptions: Vec<Subscription> = (0..size * channels)
            .map(|m| Subscription::SocketIo {
                room: rooms[m / size].clone(),
                outgoing: None,
            })
            .collect();
        let keys = peer_keys(size, channels, senders);
        let sender_count = senders;
        let senders = (0..senders)
            .map(|j| {
                let (sender, rx) = socketio::sender(&rooms[j % channels], in_flight);
                if let Subscription::SocketIo { outgoing, .. } =
                    &mut subscriptions[sender_member(j, size, channels)]
                {
                    *outgoing = Some(rx);
                }
                Sender::SocketIo {
                    sender,
                    key: j as i64,
                    order: Order::default(),
                }
            })
            .collect();
        Cast {
            subscriptions,
            keys,
            senders,
            members: size * channels,
            streams_per_node: vec![size * channels],
            senders_per_node: vec![sender_count],
            nchan_channels: Vec::new(),
        }
    }

    /// Waits, up to `deadline`, until the server has every subscriber of
    /// `crowd` in place. A connected Suda stream or socket.io socket is (the
    /// server registers it before it answers); an nchan subscriber is once
    /// it has received a probe, published again every half second until
    /// all have.
    pub async fn settled(&self, crowd: &Crowd, deadline: Duration) -> Result<()> {
        if self.nchan_channels.is_empty() {
            return Ok(());
        }
        let members = self.members as u64;
        let deadline = tokio::time::Instant::now() + deadline;
        loop {
            for channel in &self.nchan_channels {
                nchan::publish(&crowd.http, &crowd.base, channel, nchan::PROBE).await?;
            }
            let round = tokio::time::Instant::now() + Duration::from_millis(500);
            while tokio::time::Instant::now() < round {
                if crowd.probed.load(Ordering::Relaxed) >= members {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            if tokio::time::Instant::now() > deadline {
                return Err(Error::Timeout(format!(
                    "{} of {members} nchan subscribers received a probe",
                    crowd.probed.load(Ordering::Relaxed)
                )));
            }
        }
    }
}

/// How one sender sends, and what its acknowledgement says.
#[derive(Clone)]
pub(crate) enum Sender {
    /// A Suda member, over GraphQL.
    Suda {
        api: Api,
        token: String,
        channel: i64,
    },
    /// An HTTP publisher to an nchan channel. Its messages go one after
    /// another, in order: two POSTs in flight at once may reach nchan in
    /// either order, and nchan, which numbers nothing for the sender, would
    /// deliver them so. A message waiting its turn is late by the wait, as
    /// its send time is when it was due.
    Nchan {
        http: reqwest::Client,
        base: String,
        channel: String,
        key: i64,
        order: Order,
    },
    /// A socket.io member, on its own socket: its messages are written in
    /// order, and several may await their acks at once.
    SocketIo {
        sender: socketio::Sender,
        key: i64,
        order: Order,
    },
}

/// Keeps one sender's messages in the order they were due, whichever of
/// their tasks runs first: message `seq` goes once `seq - 1` has gone.
/// Sequence numbers start at 0 and each is sent once.
#[derive(Clone, Default)]
pub(crate) struct Order(Arc<watch::Sender<u64>>);

impl Order {
    /// Waits until message `seq` is next.
    async fn turn(&self, seq: u64) {
        let mut next = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close.
        let _ = next.wait_for(|&next| next == seq).await;
    }

    /// Message `seq` has gone (or failed): the next may go.
    fn done(&self, seq: u64) {
        self.0.send_replace(seq + 1);
    }
}

impl Sender {
    /// Sends `text`, this sender's message number `seq`, and waits for the
    /// acknowledgement; returns the key and the id its deliveries are
    /// checked under (Suda's: the channel and the event id it assigned).
    pub async fn send(&self, seq: u64, text: String) -> Result<(i64, i64)> {
        match self {
            Sender::Suda {
                api,
                token,
                channel,
            } => Ok((*channel, api.send(token, *channel, &text).await?)),
            Sender::Nchan {
                http,
                base,
                channel,
                key,
                order,
            } => {
                order.turn(seq).await;
                let published = nchan::publish(http, base, channel, &text).await;
                order.done(seq);
                published.map(|()| (*key, seq as i64))
            }
            Sender::SocketIo { sender, key, order } => {
                order.turn(seq).await;
                let queued = sender.send(text).await;
                order.done(seq);
                queued?.wait().await.map(|()| (*key, seq as i64))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_spread_over_channels_and_peers_check_per_sender() {
        // 3 channels of 4 members, 5 senders: channel 0 has senders 0 and 3,
        // channel 1 has 1 and 4, channel 2 has 2.
        assert_eq!(
            (0..5).map(|j| sender_member(j, 4, 3)).collect::<Vec<_>>(),
            vec![0, 4, 8, 1, 5]
        );
        let keys = peer_keys(4, 3, 5);
        assert_eq!(keys.len(), 12);
        assert_eq!(keys[0], vec![0, 3]);
        assert_eq!(keys[3], vec![0, 3]);
        assert_eq!(keys[4], vec![1, 4]);
        assert_eq!(keys[11], vec![2]);
    }

    #[test]
    fn each_socketio_sender_sends_on_its_members_socket() {
        let cast = Cast::socketio(4, 3, 5, 8);
        let senders: Vec<usize> = cast
            .subscriptions
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                matches!(
                    s,
                    Subscription::SocketIo {
                        outgoing: Some(_),
                        ..
                    }
                )
            })
            .map(|(m, _)| m)
            .collect();
        assert_eq!(senders, vec![0, 1, 4, 5, 8]);
    }
}
