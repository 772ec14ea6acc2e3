//! Measuring a run: one clock for send and receipt, what each subscriber
//! received, and the check that every acknowledged message reached every
//! subscriber of its channel exactly once.
//!
//! Sender and receivers live in this one process, so a send timestamp
//! written into the message text and read back at receipt needs no clock
//! synchronisation: latency is measured on one monotonic clock, from just
//! before the send request to the moment the event was parsed.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use serde::Serialize;

/// A monotonic clock shared by senders and subscribers.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base: Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            base: Instant::now(),
        }
    }
}

impl Clock {
    /// Microseconds since the clock started.
    pub fn now_micros(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// A message text carrying the send time (and a tag that makes it readable).
    pub fn stamp(&self, tag: &str) -> String {
        format!("t={} {tag}", self.now_micros())
    }
}

/// The send time in a text made by [`Clock::stamp`].
pub fn stamp_of(text: &str) -> Option<u64> {
    text.strip_prefix("t=")?.split(' ').next()?.parse().ok()
}

/// The tag of sender `sender`'s message number `seq`, for [`Clock::stamp`].
pub fn tag(sender: usize, seq: u64) -> String {
    format!("s{sender} n{seq}")
}

/// The sender and sequence number in a text stamped with a [`tag`]. Peers
/// number nothing themselves, so their deliveries are checked by these:
/// per sender, every number once and in order.
pub fn sender_and_seq(text: &str) -> Option<(i64, i64)> {
    let mut words = text.split(' ');
    let sender = words.find_map(|w| w.strip_prefix('s'))?.parse().ok()?;
    let seq = words.find_map(|w| w.strip_prefix('n'))?.parse().ok()?;
    Some((sender, seq))
}

/// What one subscriber received.
///
/// Deliveries are kept per *key*, the unit in which ids are ordered: the
/// channel on Suda (its event ids are the channel's order), the sender on a
/// peer (which orders only what one publisher sent).
#[derive(Debug, Default)]
pub struct Received {
    /// Chat event ids per key, in order of arrival.
    pub ids: HashMap<i64, Vec<i64>>,
    /// Send-to-receipt latency of each delivery, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Times the stream ended and was resumed from the last position.
    pub resumes: u64,
    /// Whether the stream ended and could not be resumed (a peer keeps no
    /// position to resume from).
    pub ended: bool,
}

impl Received {
    /// Records one chat delivery at `now_us` on the run's clock, and its
    /// latency if it was sent at `measured_from_us` or later (a message of
    /// the warm-up is checked for completeness but not measured).
    pub fn record(&mut self, key: i64, id: i64, text: &str, now_us: u64, measured_from_us: u64) {
        self.ids.entry(key).or_default().push(id);
        if let Some(sent) = stamp_of(text).filter(|&sent| sent >= measured_from_us) {
            let us = now_us.saturating_sub(sent);
            self.latencies_us
                .push(u32::try_from(us).unwrap_or(u32::MAX));
        }
    }
}

/// Deliveries checked against what the server acknowledged.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Completeness {
    /// Acknowledged messages times the subscribers of their channel.
    pub expected: u64,
    /// Chat events received, duplicates included.
    pub received: u64,
    /// Expected deliveries that never arrived.
    pub lost: u64,
    /// Deliveries of an event the subscriber had already received.
    pub duplicated: u64,
    /// Deliveries that arrived after a later event under the same key.
    pub out_of_order: u64,
    /// Deliveries of messages no sender saw acknowledged (a send that
    /// failed or timed out on the client but was committed).
    pub unacknowledged: u64,
    /// Subscribers that received every acknowledged message of their channels.
    pub complete_subscribers: u64,
}

/// Checks each subscriber's deliveries (with the keys it should receive:
/// its channels, or on a peer the senders of its channel) against the
/// acknowledged ids under every key.
pub fn check<'a>(
    acked: &HashMap<i64, Vec<i64>>,
    subscribers: impl IntoIterator<Item = (&'a [i64], &'a Received)>,
) -> Completeness {
    let mut sorted_acked: HashMap<i64, Vec<i64>> = acked.clone();
    for ids in sorted_acked.values_mut() {
        ids.sort_unstable();
    }
    let mut c = Completeness::default();
    for (keys, received) in subscribers {
        let mut complete = true;
        for key in keys {
            let expected: &[i64] = sorted_acked.get(key).map_or(&[], Vec::as_slice);
            let got: &[i64] = received.ids.get(key).map_or(&[], Vec::as_slice);
            c.expected += expected.len() as u64;
            c.received += got.len() as u64;
            c.out_of_order += got.windows(2).filter(|w| w[1] < w[0]).count() as u64;
            let mut unique = got.to_vec();
            unique.sort_unstable();
            let before = unique.len();
            unique.dedup();
            c.duplicated += (before - unique.len()) as u64;
            let (lost, extra) = differences(expected, &unique);
            c.lost += lost;
            c.unacknowledged += extra;
            complete &= lost == 0;
        }
        c.complete_subscribers += u64::from(complete);
    }
    c
}

/// Counts of ids only in `expected` and only in `got`; both sorted, unique.
fn differences(expected: &[i64], got: &[i64]) -> (u64, u64) {
    let (mut i, mut j, mut missing, mut extra) = (0, 0, 0, 0);
    while i < expected.len() && j < got.len() {
        match expected[i].cmp(&got[j]) {
            std::cmp::Ordering::Equal => (i, j) = (i + 1, j + 1),
            std::cmp::Ordering::Less => (i, missing) = (i + 1, missing + 1),
            std::cmp::Ordering::Greater => (j, extra) = (j + 1, extra + 1),
        }
    }
    (
        missing + (expected.len() - i) as u64,
        extra + (got.len() - j) as u64,
    )
}

/// Latency percentiles, in milliseconds.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Latency {
    /// Deliveries measured.
    pub count: u64,
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// The slowest delivery.
    pub max_ms: f64,
}

impl Latency {
    /// Percentiles of all samples (microseconds); sorts them in place.
    pub fn of(samples: &mut [u32]) -> Latency {
        if samples.is_empty() {
            return Latency::default();
        }
        samples.sort_unstable();
        let at = |q: f64| {
            let rank = ((samples.len() as f64) * q).ceil() as usize;
            f64::from(samples[rank.clamp(1, samples.len()) - 1]) / 1000.0
        };
        Latency {
            count: samples.len() as u64,
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            p999_ms: at(0.999),
            max_ms: at(1.0),
        }
    }
}

/// `count` per second over `elapsed`.
pub fn per_second(count: u64, elapsed: Duration) -> f64 {
    if elapsed.is_zero() {
        return 0.0;
    }
    count as f64 / elapsed.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip() {
        let clock = Clock::default();
        let text = clock.stamp("s1");
        assert!(stamp_of(&text).is_some());
        assert_eq!(stamp_of("hello"), None);
    }

    #[test]
    fn tags_round_trip_through_a_stamped_text() {
        let text = Clock::default().stamp(&tag(12, 345));
        assert_eq!(sender_and_seq(&text), Some((12, 345)));
        assert_eq!(sender_and_seq("t=1 s1"), None);
        assert_eq!(sender_and_seq("t=1 sx n1"), None);
    }

    #[test]
    fn latency_is_measured_only_from_the_window_on() {
        let mut r = Received::default();
        r.record(1, 10, "t=100 s0 n0", 150, 200);
        r.record(1, 11, "t=200 s0 n1", 260, 200);
        assert_eq!(r.ids[&1], vec![10, 11]);
        assert_eq!(r.latencies_us, vec![60]);
    }

    #[test]
    fn check_counts_lost_duplicated_and_unacknowledged() {
        let acked = HashMap::from([(1, vec![10, 12, 11]), (2, vec![20])]);
        let mut perfect = Received::default();
        perfect.ids.insert(1, vec![10, 11, 12]);
        let mut flawed = Received::default();
        flawed.ids.insert(1, vec![10, 12, 12, 11, 13]);
        flawed.ids.insert(2, vec![]);
        let c = check(&acked, [(&[1][..], &perfect), (&[1, 2][..], &flawed)]);
        assert_eq!(c.expected, 3 + 4);
        assert_eq!(c.received, 3 + 5);
        assert_eq!(c.lost, 1);
        assert_eq!(c.duplicated, 1);
        assert_eq!(c.out_of_order, 1);
        assert_eq!(c.unacknowledged, 1);
        assert_eq!(c.complete_subscribers, 1);
    }

    #[test]
    fn percentiles_pick_ranks() {
        let mut samples: Vec<u32> = (1..=1000).map(|ms| ms * 1000).collect();
        let l = Latency::of(&mut samples);
        assert_eq!(l.p50_ms, 500.0);
        assert_eq!(l.p99_ms, 990.0);
        assert_eq!(l.max_ms, 1000.0);
    }
}
