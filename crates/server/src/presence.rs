//! Presence: online, away, offline, from the members' open streams.
//!
//! A member is online while a stream of theirs is open on any node (or
//! closed less than [`GRACE`] ago: a reconnect, or the gap between two long
//! polls, is not a departure), away when their client said so (idle, or the
//! window hidden a while; the last word wins, from any device), offline
//! otherwise. Each change goes to whoever shares a channel with them (small
//! enough channels only, as typing) as an ephemeral `MEMBER_PRESENCE_CHANGED`.
//!
//! In a cluster each node knows its own streams and hears the others':
//! what changes is announced at once, and everything every [`HEARTBEAT`],
//! so a node that crashed stops counting after [`REMOTE_FOR`].

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use suda_protocol::{MemberId, Presence};

/// How long a member whose last stream closed still counts as there, by
/// default (`Config::presence_grace`).
pub const GRACE: Duration = Duration::from_secs(10);

/// How often a node tells the others everyone it holds a stream of.
pub const HEARTBEAT: Duration = Duration::from_secs(20);

/// How long what another node told holds without being told again.
pub const REMOTE_FOR: Duration = Duration::from_secs(50);

/// What a node tells the others of its members.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Here {
    /// Members with a stream open on the node (all of them, in a heartbeat).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connected: Vec<MemberId>,
    /// Members whose last stream on the node went.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<MemberId>,
    /// Members whose client said they are away, or back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub away: Vec<(MemberId, bool)>,
}

#[derive(Debug, Default)]
struct Local {
    streams: u32,
    /// When the last stream closed (while `streams` is 0).
    gone_at: Option<Instant>,
}

#[derive(Debug, Default)]
struct State {
    local: HashMap<MemberId, Local>,
    /// By member: the other nodes holding a stream of theirs, until when.
    remote: HashMap<MemberId, HashMap<u64, Instant>>,
    away: HashMap<MemberId, bool>,
    /// The presence last told, of everyone not offline.
    shown: HashMap<MemberId, Presence>,
}

impl State {
    fn of(&self, member: MemberId, now: Instant) -> Presence {
        let here = self.local.contains_key(&member)
            || self
                .remote
                .get(&member)
                .is_some_and(|nodes| nodes.values().any(|until| *until > now));
        match (here, self.away.get(&member).copied().unwrap_or(false)) {
            (false, _) => Presence::Offline,
            (true, true) => Presence::Away,
            (true, false) => Presence::Online,
        }
    }

    /// The member's presence if it is not what was told last.
    fn changed(&mut self, member: MemberId, now: Instant) -> Option<Presence> {
        let now_is = self.of(member, now);
        let was = self
            .shown
            .get(&member)
            .copied()
            .unwrap_or(Presence::Offline);
        if now_is == was {
            return None;
        }
        if now_is == Presence::Offline {
            self.shown.remove(&member);
            self.away.remove(&member);
        } else {
            self.shown.insert(member, now_is);
        }
        Some(now_is)
    }
}

/// Every member's presence as this node knows it.
#[derive(Debug)]
pub struct Presences {
    state: Mutex<State>,
    /// How long a member whose last stream closed still counts as there.
    grace: Duration,
}

impl Default for Presences {
    fn default() -> Self {
        Presences::new(GRACE)
    }
}

/// A change to tell: whose presence, and what it is now.
pub type Told = Vec<(MemberId, Presence)>;

impl Presences {
    /// Presence where a departure counts after `grace`.
    pub fn new(grace: Duration) -> Presences {
        Presences {
            state: Mutex::default(),
            grace,
        }
    }

    /// How long a departure takes to count.
    pub fn grace(&self) -> Duration {
        self.grace
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().expect("presence lock"))
    }

    /// A stream of `member` opened here. Whether it is their first here.
    pub fn opened(&self, member: MemberId, now: Instant) -> (bool, Told) {
        self.with(|s| {
            let local = s.local.entry(member).or_default();
            local.streams += 1;
            local.gone_at = None;
            let first = local.streams == 1;
            (
                first,
                s.changed(member, now)
                    .map(|p| (member, p))
                    .into_iter()
                    .collect(),
            )
        })
    }

    /// A stream of `member` closed here (it counts for the grace more).
    pub fn closed(&self, member: MemberId, now: Instant) {
        self.with(|s| {
            if let Some(local) = s.local.get_mut(&member) {
                local.streams = local.streams.saturating_sub(1);
                if local.streams == 0 {
                    local.gone_at = Some(now);
                }
            }
        });
    }

    /// The member's client says they are away (or back).
    pub fn set_away(&self, member: MemberId, away: bool, now: Instant) -> Told {
        self.with(|s| {
            s.away.insert(member, away);
            s.changed(member, now)
                .map(|p| (member, p))
                .into_iter()
                .collect()
        })
    }

    /// What another node told.
    pub fn heard(&self, node: u64, here: &Here, now: Instant) -> Told {
        self.with(|s| {
            let mut told = Told::new();
            for &m in &here.connected {
                s.remote
                    .entry(m)
                    .or_default()
                    .insert(node, now + REMOTE_FOR);
            }
            for &m in &here.gone {
                if let Some(nodes) = s.remote.get_mut(&m) {
                    nodes.remove(&node);
                    if nodes.is_empty() {
                        s.remote.remove(&m);
                    }
                }
            }
            for &(m, away) in &here.away {
                s.away.insert(m, away);
            }
            let touched = here
                .connected
                .iter()
                .chain(&here.gone)
                .chain(here.away.iter().map(|(m, _)| m));
            for &m in touched {
                if let Some(p) = s.changed(m, now) {
                    told.push((m, p));
                }
            }
            told
        })
    }

    /// Ends what has run out: streams closed longer than the grace ago,
    /// and other nodes' word not told again within [`REMOTE_FOR`]. The
    /// changes, and the members whose last stream here is gone for good.
    pub fn tick(&self, now: Instant) -> (Told, Vec<MemberId>) {
        let grace = self.grace;
        self.with(|s| {
            let gone: Vec<MemberId> = s
                .local
                .iter()
                .filter(|(_, l)| l.streams == 0 && l.gone_at.is_some_and(|at| now - at >= grace))
                .map(|(m, _)| *m)
                .collect();
            for m in &gone {
                s.local.remove(m);
            }
            let mut expired = Vec::new();
            s.remote.retain(|m, nodes| {
                nodes.retain(|_, until| *until > now);
                if nodes.is_empty() {
                    expired.push(*m);
                }
                !nodes.is_empty()
            });
            let mut told = Told::new();
            for &m in gone.iter().chain(&expired) {
                if let Some(p) = s.changed(m, now) {
                    told.push((m, p));
                }
            }
            (told, gone)
        })
    }

    /// Everyone with a stream here, and the away flags of those: what a
    /// heartbeat tells.
    pub fn here(&self) -> Here {
        self.with(|s| {
            let connected: Vec<MemberId> = s.local.keys().copied().collect();
            let away = connected
                .iter()
                .filter_map(|m| s.away.get(m).map(|a| (*m, *a)))
                .collect();
            Here {
                connected,
                gone: Vec::new(),
                away,
            }
        })
    }

    /// A member's presence now.
    pub fn of(&self, member: MemberId, now: Instant) -> Presence {
        self.with(|s| s.of(member, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: MemberId = MemberId(1);

    #[test]
    fn a_member_is_online_while_a_stream_is_open_and_for_a_grace_after() {
        let p = Presences::default();
        let t = Instant::now();
        assert_eq!(p.of(A, t), Presence::Offline);
        assert_eq!(p.opened(A, t), (true, vec![(A, Presence::Online)]));
        // A second stream (another device) changes nothing.
        assert_eq!(p.opened(A, t), (false, vec![]));
        p.closed(A, t);
        p.closed(A, t);
        // A reconnect within the grace is no departure.
        assert_eq!(p.tick(t + GRACE / 2), (vec![], vec![]));
        assert_eq!(p.opened(A, t + GRACE / 2), (true, vec![]));
        p.closed(A, t + GRACE / 2);
        assert_eq!(
            p.tick(t + GRACE / 2 + GRACE),
            (vec![(A, Presence::Offline)], vec![A])
        );
    }

    #[test]
    fn away_is_said_by_the_client_and_forgotten_with_the_member() {
        let p = Presences::default();
        let t = Instant::now();
        p.opened(A, t);
        assert_eq!(p.set_away(A, true, t), vec![(A, Presence::Away)]);
        assert_eq!(p.set_away(A, true, t), vec![]);
        assert_eq!(p.set_away(A, false, t), vec![(A, Presence::Online)]);
        p.set_away(A, true, t);
        p.closed(A, t);
        p.tick(t + GRACE);
        // Back later: online, not away from before.
        assert_eq!(p.opened(A, t + GRACE * 2).1, vec![(A, Presence::Online)]);
    }

    #[test]
    fn another_nodes_word_counts_until_it_is_not_told_again() {
        let p = Presences::default();
        let t = Instant::now();
        let here = Here {
            connected: vec![A],
            ..Here::default()
        };
        assert_eq!(p.heard(7, &here, t), vec![(A, Presence::Online)]);
        // Told again by the heartbeat: still there past the first deadline.
        p.heard(7, &here, t + REMOTE_FOR / 2);
        assert_eq!(p.tick(t + REMOTE_FOR).0, vec![]);
        // Then the node goes quiet (it crashed): gone once its word runs out.
        assert_eq!(p.tick(t + REMOTE_FOR * 2).0, vec![(A, Presence::Offline)]);
        // Or it says so.
        p.heard(7, &here, t);
        let gone = Here {
            gone: vec![A],
            ..Here::default()
        };
        assert_eq!(p.heard(7, &gone, t), vec![(A, Presence::Offline)]);
    }
}
