//! Who may hold what: connections overall and per client address, event
//! streams per member and per token.
//!
//! Every open connection costs a file descriptor and every stream a task
//! and a queue, and both are finite: one client that held idle or half-sent
//! connections up to the file limit once made every other client time out.
//! So each is counted on the way in and refused with a clear answer over
//! its cap; the count drops when the [`Ticket`] or [`StreamTicket`] that
//! admitted it is dropped, however the connection or stream ends.

use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::{Arc, Mutex},
};

use suda_protocol::MemberId;

use crate::{error::ApiError, Config};

/// Counts per key, each with a cap (0: no cap).
#[derive(Debug)]
struct Counts<K> {
    cap: usize,
    counts: Mutex<HashMap<K, usize>>,
}

impl<K: Hash + Eq + Clone> Counts<K> {
    fn new(cap: usize) -> Self {
        Counts {
            cap,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one more for `key` unless it is at its cap.
    fn take(&self, key: &K) -> bool {
        let mut counts = self.counts.lock().expect("admission counts");
        let n = counts.entry(key.clone()).or_default();
        if self.cap != 0 && *n >= self.cap {
            if *n == 0 {
                counts.remove(key);
            }
            return false;
        }
        *n += 1;
        true
    }

    fn give_back(&self, key: &K) {
        let mut counts = self.counts.lock().expect("admission counts");
        if let Some(n) = counts.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(key);
            }
        }
    }

    fn get(&self, key: &K) -> usize {
        let counts = self.counts.lock().expect("admission counts");
        counts.get(key).copied().unwrap_or(0)
    }
}

/// The server's caps on connections and streams.
#[derive(Debug)]
pub struct Admission {
    connections: Counts<()>,
    per_address: Counts<IpAddr>,
    per_member: Counts<MemberId>,
    per_token: Counts<[u8; 32]>,
}

/// Why a connection was not let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server holds as many connections as it takes.
    Full,
    /// This address holds as many as one address may.
    Address,
}

impl Refusal {
    /// The answer the client gets before the connection is closed.
    pub fn error(self, config: &Config) -> ApiError {
        match self {
            Refusal::Full => ApiError::Busy(format!(
                "the server holds as many connections as it takes ({}); retry shortly",
                config.max_connections
            )),
            Refusal::Address => ApiError::RateLimited(format!(
                "too many connections from your address (at most {}); close some and retry",
                config.max_connections_per_address
            )),
        }
    }
}

/// An admitted connection; dropping it gives its place back.
#[derive(Debug)]
pub struct Ticket {
    admission: Arc<Admission>,
    address: IpAddr,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admission.connections.give_back(&());
        self.admission.per_address.give_back(&self.address);
    }
}

/// An admitted stream; dropping it gives its place back.
#[derive(Debug)]
pub struct StreamTicket {
    admission: Arc<Admission>,
    member: MemberId,
    token: [u8; 32],
}

impl Drop for StreamTicket {
    fn drop(&mut self) {
        self.admission.per_member.give_back(&self.member);
        self.admission.per_token.give_back(&self.token);
    }
}

impl Admission {
    /// Caps as configured.
    pub fn new(config: &Config) -> Arc<Self> {
        Arc::new(Admission {
            connections: Counts::new(config.max_connections),
            per_address: Counts::new(config.max_connections_per_address),
            per_member: Counts::new(config.max_streams_per_member),
            per_token: Counts::new(config.max_streams_per_token),
        })
    }

    /// Lets a connection from `address` in, or says why not.
    pub fn connection(self: &Arc<Self>, address: IpAddr) -> Result<Ticket, Refusal> {
        if !self.connections.take(&()) {
            return Err(Refusal::Full);
        }
        if !self.per_address.take(&address) {
            self.connections.give_back(&());
            return Err(Refusal::Address);
        }
        Ok(Ticket {
            admission: Arc::clone(self),
            address,
        })
    }

    /// Lets one more stream of `member`, opened with the token whose digest
    /// is `token`, in; `RATE_LIMITED` over either cap.
    pub fn stream(
        self: &Arc<Self>,
        member: MemberId,
        token: [u8; 32],
        config: &Config,
    ) -> Result<StreamTicket, ApiError> {
        if !self.per_token.take(&token) {
            return Err(ApiError::RateLimited(format!(
                "this session already has {} streams open; close one first",
                config.max_streams_per_token
            )));
        }
        if !self.per_member.take(&member) {
            self.per_token.give_back(&token);
            return Err(ApiError::RateLimited(format!(
                "you already have {} streams open; close one first",
                config.max_streams_per_member
            )));
        }
        Ok(StreamTicket {
            admission: Arc::clone(self),
            member,
            token,
        })
    }

    /// Connections held now, overall.
    pub fn connections(&self) -> usize {
        self.connections.get(&())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            max_connections: 3,
            max_connections_per_address: 2,
            max_streams_per_member: 3,
            max_streams_per_token: 2,
            ..Config::default()
        }
    }

    #[test]
    fn connections_are_capped_per_address_and_overall_and_given_back() {
        let admission = Admission::new(&config());
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let a1 = admission.connection(a).unwrap();
        let _a2 = admission.connection(a).unwrap();
        assert_eq!(admission.connection(a).unwrap_err(), Refusal::Address);
        let _b1 = admission.connection(b).unwrap();
        assert_eq!(admission.connection(b).unwrap_err(), Refusal::Full);
        assert_eq!(admission.connections(), 3, "refusals hold nothing");
        drop(a1);
        let _b2 = admission.connection(b).unwrap();
    }

    #[test]
    fn zero_means_no_cap() {
        let admission = Admission::new(&Config {
            max_connections: 0,
            max_connections_per_address: 0,
            ..Config::default()
        });
        let tickets: Vec<_> = (0..10_000)
            .map(|_| admission.connection("127.0.0.1".parse().unwrap()).unwrap())
            .collect();
        assert_eq!(admission.connections(), 10_000);
        drop(tickets);
        assert_eq!(admission.connections(), 0);
        assert!(admission.per_address.counts.lock().unwrap().is_empty());
    }

    #[test]
    fn streams_are_capped_per_token_and_per_member() {
        let config = config();
        let admission = Admission::new(&config);
        let (one, two, three) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        let s1 = admission.stream(MemberId(1), one, &config).unwrap();
        let _s2 = admission.stream(MemberId(1), one, &config).unwrap();
        let refused = admission.stream(MemberId(1), one, &config).unwrap_err();
        assert!(refused.to_string().contains("this session"), "{refused}");
        let _s3 = admission.stream(MemberId(1), two, &config).unwrap();
        let refused = admission.stream(MemberId(1), three, &config).unwrap_err();
        assert!(
            refused.to_string().contains("you already have 3"),
            "{refused}"
        );
        // Another member is not affected; a closed stream frees its place.
        let _other = admission.stream(MemberId(2), [9; 32], &config).unwrap();
        drop(s1);
        admission.stream(MemberId(1), three, &config).unwrap();
    }
}
