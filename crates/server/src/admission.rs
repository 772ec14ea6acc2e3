//! Who may hold what: connections overall and per client address, event
//! streams per member and per token.
//!
//! Every open connection costs a file descriptor and every stream a task
//! and a queue, and both are finite: one client that held idle or half-sent
//! connections up to the file limit once made every other client time out.
//! So each is counted on the way in and refused with a clear answer over
//! its cap; the count drops when the [`Ticket`] or [`StreamTicket`] that
//! admitted it is dropped, however the connection or stream ends.
//!
//! A stream also ends when its token does: at the token's expiry, or at
//! once when it is revoked ([`Admission::revoke`]: sign-out, a session
//! ended from another device, a renewal).

use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
};

use suda_protocol::MemberId;
use tokio_util::sync::CancellationToken;

use crate::{error::ApiError, Config};

/// The part of a client address that names one client, for counting and
/// rate limits: an IPv4 address, or an IPv6 address's /64 (one subscriber
/// usually holds a whole /64, and privacy addresses change within it). An
/// IPv4 address mapped into IPv6 counts as itself.
pub fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(prefix))
            }
        },
    }
}

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

/// The open streams of one token.
#[derive(Debug)]
struct TokenStreams {
    count: usize,
    /// Cancelled when the token is revoked: its streams end.
    revoked: CancellationToken,
    /// The same, to check without a lock on every frame.
    flag: Arc<AtomicBool>,
}

/// The server's caps on connections and streams.
#[derive(Debug)]
pub struct Admission {
    connections: Counts<()>,
    per_address: Counts<IpAddr>,
    per_member: Counts<MemberId>,
    per_token: usize,
    tokens: Mutex<HashMap<[u8; 32], TokenStreams>>,
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
    revoked: CancellationToken,
    flag: Arc<AtomicBool>,
    expires: tokio::time::Instant,
}

impl StreamTicket {
    /// Completes when the stream must end: its token expired or was revoked.
    pub async fn ended(&self) {
        tokio::select! {
            () = self.revoked.cancelled() => {}
            () = tokio::time::sleep_until(self.expires) => {}
        }
    }

    /// Makes the stream end within `left` if that is sooner than before.
    pub fn end_within(&mut self, left: std::time::Duration) {
        self.expires = self.expires.min(tokio::time::Instant::now() + left);
    }

    /// Whether the stream must end now. Cheap: checked on every frame.
    pub fn is_ended(&self) -> bool {
        self.flag.load(Ordering::Relaxed) || tokio::time::Instant::now() >= self.expires
    }
}

impl Drop for StreamTicket {
    fn drop(&mut self) {
        self.admission.per_member.give_back(&self.member);
        self.admission.give_back_token(&self.token);
    }
}

impl Admission {
    /// Caps as configured.
    pub fn new(config: &Config) -> Arc<Self> {
        Arc::new(Admission {
            connections: Counts::new(config.max_connections),
            per_address: Counts::new(config.max_connections_per_address),
            per_member: Counts::new(config.max_streams_per_member),
            per_token: config.max_streams_per_token,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    fn give_back_token(&self, token: &[u8; 32]) {
        let mut tokens = self.tokens.lock().expect("admission tokens");
        if let Some(streams) = tokens.get_mut(token) {
            streams.count -= 1;
            if streams.count == 0 {
                tokens.remove(token);
            }
        }
    }

    /// Ends every open stream of the token whose digest is `token`, now.
    pub fn revoke(&self, token: &[u8; 32]) {
        let tokens = self.tokens.lock().expect("admission tokens");
        if let Some(streams) = tokens.get(token) {
            streams.flag.store(true, Ordering::Relaxed);
            streams.revoked.cancel();
        }
    }

    /// Lets a connection from `address` in, or says why not.
    pub fn connection(self: &Arc<Self>, address: IpAddr) -> Result<Ticket, Refusal> {
        let address = address_key(address);
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
    /// is `token` and which expires in `lifetime`, in; `RATE_LIMITED` over
    /// either cap.
    pub fn stream(
        self: &Arc<Self>,
        member: MemberId,
        token: [u8; 32],
        lifetime: std::time::Duration,
        config: &Config,
    ) -> Result<StreamTicket, ApiError> {
        let (revoked, flag) = {
            let mut tokens = self.tokens.lock().expect("admission tokens");
            let streams = tokens.entry(token).or_insert_with(|| TokenStreams {
                count: 0,
                revoked: CancellationToken::new(),
                flag: Arc::default(),
            });
            if self.per_token != 0 && streams.count >= self.per_token {
                return Err(ApiError::RateLimited(format!(
                    "this session already has {} streams open; close one first",
                    config.max_streams_per_token
                )));
            }
            streams.count += 1;
            (streams.revoked.clone(), Arc::clone(&streams.flag))
        };
        if !self.per_member.take(&member) {
            self.give_back_token(&token);
            return Err(ApiError::RateLimited(format!(
                "you already have {} streams open; close one first",
                config.max_streams_per_member
            )));
        }
        Ok(StreamTicket {
            admission: Arc::clone(self),
            member,
            token,
            revoked,
            flag,
            expires: tokio::time::Instant::now() + lifetime,
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
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_is_itself() {
        let key = |a: &str| address_key(a.parse().unwrap()).to_string();
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::");
        assert_ne!(key("2001:db8:1:3::1"), "2001:db8:1:2::");
        assert_eq!(key("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(key("10.0.0.1"), "10.0.0.1");
        // So one /64 shares one cap.
        let admission = Admission::new(&config());
        let _a = admission
            .connection("2001:db8::1".parse().unwrap())
            .unwrap();
        let _b = admission
            .connection("2001:db8::2".parse().unwrap())
            .unwrap();
        assert_eq!(
            admission
                .connection("2001:db8::3".parse().unwrap())
                .unwrap_err(),
            Refusal::Address
        );
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

    const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);

    #[tokio::test]
    async fn streams_are_capped_per_token_and_per_member() {
        let config = config();
        let admission = Admission::new(&config);
        let (one, two, three) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        let stream = |member, token| admission.stream(MemberId(member), token, DAY, &config);
        let s1 = stream(1, one).unwrap();
        let _s2 = stream(1, one).unwrap();
        let refused = stream(1, one).unwrap_err();
        assert!(refused.to_string().contains("this session"), "{refused}");
        let _s3 = stream(1, two).unwrap();
        let refused = stream(1, three).unwrap_err();
        assert!(
            refused.to_string().contains("you already have 3"),
            "{refused}"
        );
        // Another member is not affected; a closed stream frees its place.
        let _other = stream(2, [9; 32]).unwrap();
        drop(s1);
        stream(1, three).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_ends_when_its_token_is_revoked_or_expires() {
        let config = config();
        let admission = Admission::new(&config);
        let a = admission
            .stream(MemberId(1), [1; 32], DAY, &config)
            .unwrap();
        let b = admission
            .stream(MemberId(2), [2; 32], DAY, &config)
            .unwrap();
        admission.revoke(&[1; 32]);
        assert!(a.is_ended());
        a.ended().await;
        assert!(!b.is_ended(), "another token's stream goes on");
        let short = admission
            .stream(
                MemberId(2),
                [3; 32],
                std::time::Duration::from_secs(5),
                &config,
            )
            .unwrap();
        assert!(!short.is_ended());
        short.ended().await;
        assert!(short.is_ended(), "it ends when its token expires");
        // Revoking a token with no streams leaves nothing behind.
        admission.revoke(&[7; 32]);
        drop((a, b, short));
        assert!(admission.tokens.lock().unwrap().is_empty());
    }
}
