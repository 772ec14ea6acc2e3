//! Rate limits: sends per member; sign-in attempts per address, per name
//! and address, and per name from strangers' addresses; sign-ups per
//! address and overall.
//!
//! On one node each limit is a keyed limiter in memory; a task owned by the
//! server forgets keys that are back to full every minute, so they do not
//! grow without bound. On a cluster (a shared database) every limit is
//! kept in the database instead ([`SharedRates`]), so it holds for the
//! cluster as a whole: a member who sends through three nodes gets the
//! same budget as through one, and an attacker cannot multiply sign-in
//! attempts by the number of nodes. Both use the same rule (GCRA: one
//! more every `period / count`, at most `burst` at once).

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use async_trait::async_trait;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use suda_protocol::MemberId;
use tokio_util::sync::CancellationToken;

use crate::{
    error::{ApiError, ApiResult},
    Config,
};

/// Rate limits kept where every node of a cluster sees them.
#[async_trait]
pub trait SharedRates: Send + Sync + 'static {
    /// Takes one from the bucket `key`, which refills one every `interval`
    /// and holds at most `burst`; false (and nothing taken) when it is empty.
    async fn take(&self, key: &str, interval: Duration, burst: u32) -> ApiResult<bool>;
    /// Forgets buckets that are full again; how many.
    async fn prune(&self) -> ApiResult<u64>;
}

/// A limit at or above this is no limit (`--no-limits`): nothing is counted.
const UNLIMITED: u32 = 1_000_000;

/// One limit: its rule, and where its buckets are kept.
struct Rate {
    /// What the shared buckets' keys start with.
    name: &'static str,
    interval: Duration,
    burst: u32,
    local: DefaultKeyedRateLimiter<String>,
}

impl Rate {
    fn new(name: &'static str, count: u32, period: Duration, burst: u32) -> Rate {
        let count = count.max(1);
        let burst = burst.max(1);
        let interval = period / count;
        let quota = Quota::with_period(interval)
            .expect("a period of at least a nanosecond")
            .allow_burst(NonZeroU32::new(burst).expect("at least one"));
        Rate {
            name,
            interval,
            burst,
            local: RateLimiter::keyed(quota),
        }
    }

    fn per_second(name: &'static str, count: u32, burst: u32) -> Rate {
        Rate::new(name, count, Duration::from_secs(1), burst)
    }

    fn per_minute(name: &'static str, count: u32) -> Rate {
        Rate::new(name, count, Duration::from_secs(60), count)
    }

    fn per_hour(name: &'static str, count: u32) -> Rate {
        Rate::new(name, count, Duration::from_secs(3600), count)
    }

    fn unlimited(&self) -> bool {
        self.burst >= UNLIMITED
    }

    /// Takes one for `key`; false when its budget is spent.
    async fn take(&self, shared: Option<&dyn SharedRates>, key: String) -> ApiResult<bool> {
        if self.unlimited() {
            return Ok(true);
        }
        match shared {
            Some(shared) => {
                let key = format!("{}:{key}", self.name);
                shared.take(&key, self.interval, self.burst).await
            }
            None => Ok(self.local.check_key(&key).is_ok()),
        }
    }
}

/// The server's rate limiters.
pub struct Limits {
    shared: Option<Arc<dyn SharedRates>>,
    sends: Rate,
    changes: Rate,
    channel_creations: Rate,
    marks: Rate,
    searches: Rate,
    typings: Rate,
    uploads: Rate,
    sign_ins: Rate,
    sign_ins_by_address: Rate,
    sign_ins_by_name_and_address: Rate,
    sign_ups: Rate,
    sign_ups_by_address: Rate,
    /// Argon2 takes 19 MiB per hash: at most this many run at once, so a
    /// burst of sign-ups or sign-ins costs bounded memory and does not
    /// flood the blocking pool (one per core is as fast as it gets anyway).
    hashing: tokio::sync::Semaphore,
}

fn limited(message: &str) -> ApiError {
    ApiError::RateLimited(message.into())
}

impl Limits {
    /// Limiters as configured, kept in this process.
    pub fn new(config: &Config) -> Self {
        Limits::kept_in(config, None)
    }

    /// Limiters as configured, kept in `shared` when given (a cluster's
    /// database), in this process otherwise.
    pub fn kept_in(config: &Config, shared: Option<Arc<dyn SharedRates>>) -> Self {
        let c = config;
        Limits {
            shared,
            sends: Rate::per_second("send", c.sends_per_second, c.send_burst),
            changes: Rate::per_second("change", c.changes_per_second, c.change_burst),
            channel_creations: Rate::per_hour("create", c.channels_per_hour),
            marks: Rate::per_second("mark", c.marks_per_second, c.mark_burst),
            searches: Rate::per_second("search", c.searches_per_second, c.search_burst),
            typings: Rate::per_second("typing", c.typings_per_second, c.typing_burst),
            uploads: Rate::per_second("upload", c.uploads_per_second, c.upload_burst),
            sign_ins: Rate::per_minute("sign-in", c.sign_ins_per_minute),
            sign_ins_by_address: Rate::per_minute(
                "sign-in-address",
                c.sign_ins_per_address_per_minute,
            ),
            sign_ins_by_name_and_address: Rate::per_minute(
                "sign-in-name-address",
                c.sign_ins_per_name_and_address_per_minute,
            ),
            sign_ups: Rate::per_minute("sign-up", c.sign_ups_per_minute),
            sign_ups_by_address: Rate::per_minute(
                "sign-up-address",
                c.sign_ups_per_address_per_minute,
            ),
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        }
    }

    async fn take(&self, rate: &Rate, key: String, refusal: &str) -> ApiResult<()> {
        if rate.take(self.shared.as_deref(), key).await? {
            Ok(())
        } else {
            Err(limited(refusal))
        }
    }

    /// A turn at password hashing.
    pub async fn hashing(&self) -> ApiResult<tokio::sync::SemaphorePermit<'_>> {
        self.hashing
            .acquire()
            .await
            .map_err(|_| ApiError::Internal("password hashing is closed".into()))
    }

    /// One send by `member`, or `RATE_LIMITED`.
    pub async fn send(&self, member: MemberId) -> ApiResult<()> {
        let refusal = "you are sending too fast; wait a moment and retry";
        self.take(&self.sends, member.to_string(), refusal).await
    }

    /// One change by `member` (joining, leaving, inviting, opening a direct
    /// channel, blocking, session changes), or `RATE_LIMITED`.
    pub async fn change(&self, member: MemberId) -> ApiResult<()> {
        let refusal = "you are making changes too fast; wait a moment and retry";
        self.take(&self.changes, member.to_string(), refusal).await
    }

    /// One new group channel by `member` (a change too), or `RATE_LIMITED`.
    pub async fn create_channel(&self, member: MemberId) -> ApiResult<()> {
        self.change(member).await?;
        let refusal =
            "you have created as many channels as one member may in an hour; wait and retry";
        self.take(&self.channel_creations, member.to_string(), refusal)
            .await
    }

    /// One read-marker move by `member`, or `RATE_LIMITED`.
    pub async fn mark(&self, member: MemberId) -> ApiResult<()> {
        let refusal = "you are marking channels read too fast; wait a moment";
        self.take(&self.marks, member.to_string(), refusal).await
    }

    /// One search by `member`, or `RATE_LIMITED`.
    pub async fn search(&self, member: MemberId) -> ApiResult<()> {
        let refusal = "you are searching too fast; wait a moment";
        self.take(&self.searches, member.to_string(), refusal).await
    }

    /// One "typing" signal by `member`, or `RATE_LIMITED`.
    pub async fn typing(&self, member: MemberId) -> ApiResult<()> {
        let refusal = "you are telling that you type too often; wait a moment";
        self.take(&self.typings, member.to_string(), refusal).await
    }

    /// One upload by `member`, or `RATE_LIMITED`.
    pub async fn upload(&self, member: MemberId) -> ApiResult<()> {
        let refusal = "you are uploading files too fast; wait a moment";
        self.take(&self.uploads, member.to_string(), refusal).await
    }

    /// One sign-in attempt from `address` for `name`: limited per address
    /// and per name and address, or `RATE_LIMITED`.
    pub async fn sign_in_from(&self, address: IpAddr, name: &str) -> ApiResult<()> {
        self.sign_in_address(address).await?;
        self.sign_in_name_at(address, name).await
    }

    /// One sign-in attempt from `address`, for any name, or `RATE_LIMITED`.
    /// Checked before anything is done with the name.
    pub async fn sign_in_address(&self, address: IpAddr) -> ApiResult<()> {
        let key = crate::admission::address_key(address).to_string();
        self.take(&self.sign_ins_by_address, key, TOO_MANY_FROM_ADDRESS)
            .await
    }

    /// One sign-in attempt for `name` (its key) from `address`, or
    /// `RATE_LIMITED`.
    pub async fn sign_in_name_at(&self, address: IpAddr, name: &str) -> ApiResult<()> {
        let key = format!("{}|{name}", crate::admission::address_key(address));
        self.take(
            &self.sign_ins_by_name_and_address,
            key,
            TOO_MANY_FROM_ADDRESS,
        )
        .await
    }

    /// One sign-in attempt for a member name from an address the member
    /// never signed in from, or `RATE_LIMITED`.
    pub async fn sign_in_from_stranger(&self, name: &str) -> ApiResult<()> {
        let refusal = "too many sign-in attempts for this member from new places; wait a minute and retry, or sign in where you usually do";
        self.take(&self.sign_ins, name.to_lowercase(), refusal)
            .await
    }

    /// One sign-up from `address`: limited per address and overall, or
    /// `RATE_LIMITED`.
    pub async fn sign_up(&self, address: IpAddr) -> ApiResult<()> {
        let key = crate::admission::address_key(address).to_string();
        let refusal = "too many sign-ups from your address; wait a minute and retry";
        self.take(&self.sign_ups_by_address, key, refusal).await?;
        let refusal = "too many sign-ups right now; wait a minute and retry";
        self.take(&self.sign_ups, String::new(), refusal).await
    }

    async fn prune(&self) {
        if let Some(shared) = &self.shared {
            if let Err(e) = shared.prune().await {
                tracing::debug!(error = %e, "could not forget full rate buckets");
            }
            return;
        }
        for rate in [
            &self.sends,
            &self.changes,
            &self.channel_creations,
            &self.marks,
            &self.searches,
            &self.typings,
            &self.uploads,
            &self.sign_ins,
            &self.sign_ins_by_address,
            &self.sign_ins_by_name_and_address,
            &self.sign_ups,
            &self.sign_ups_by_address,
        ] {
            rate.local.retain_recent();
        }
    }
}

const TOO_MANY_FROM_ADDRESS: &str =
    "too many sign-in attempts from your address; wait a minute and retry";

/// Forgets idle keys every minute until `stop`.
pub async fn prune_every_minute(limits: Arc<Limits>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tick.tick() => limits.prune().await,
            _ = stop.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sends_beyond_the_burst_are_refused_per_member() {
        let config = Config {
            sends_per_second: 1,
            send_burst: 3,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        for _ in 0..3 {
            limits.send(MemberId(1)).await.unwrap();
        }
        assert!(matches!(
            limits.send(MemberId(1)).await,
            Err(ApiError::RateLimited(_))
        ));
        limits
            .send(MemberId(2))
            .await
            .expect("another member is not limited");
    }

    #[tokio::test]
    async fn changes_and_channel_creations_are_limited_per_member() {
        let config = Config {
            changes_per_second: 1,
            change_burst: 5,
            channels_per_hour: 2,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        limits.create_channel(MemberId(1)).await.unwrap();
        limits.create_channel(MemberId(1)).await.unwrap();
        let third = limits.create_channel(MemberId(1)).await.unwrap_err();
        assert!(third.to_string().contains("in an hour"), "{third}");
        // Other changes still have their own budget left, then run out.
        limits.change(MemberId(1)).await.unwrap();
        limits.change(MemberId(1)).await.unwrap();
        assert!(limits.change(MemberId(1)).await.is_err());
        limits
            .create_channel(MemberId(2))
            .await
            .expect("another member");
    }

    #[tokio::test]
    async fn sign_in_attempts_from_strangers_are_limited_per_name_ignoring_case() {
        let config = Config {
            sign_ins_per_minute: 2,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        limits.sign_in_from_stranger("Bob").await.unwrap();
        limits.sign_in_from_stranger("bob").await.unwrap();
        assert!(limits.sign_in_from_stranger("BOB").await.is_err());
        limits.sign_in_from_stranger("alice").await.unwrap();
    }

    #[tokio::test]
    async fn sign_in_attempts_are_limited_per_address_and_per_name_there() {
        let config = Config {
            sign_ins_per_address_per_minute: 4,
            sign_ins_per_name_and_address_per_minute: 2,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        let (here, there): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        limits.sign_in_from(here, "bob").await.unwrap();
        limits.sign_in_from(here, "bob").await.unwrap();
        assert!(
            limits.sign_in_from(here, "bob").await.is_err(),
            "bob from here"
        );
        limits
            .sign_in_from(there, "bob")
            .await
            .expect("bob from elsewhere is another budget");
        // Every attempt counts against the address, refused ones too.
        limits.sign_in_from(here, "carol").await.unwrap();
        assert!(
            limits.sign_in_from(here, "dave").await.is_err(),
            "here is out of attempts"
        );
    }

    #[tokio::test]
    async fn sign_ups_are_limited_per_address() {
        let config = Config {
            sign_ups_per_address_per_minute: 2,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        let (here, there): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        limits.sign_up(here).await.unwrap();
        limits.sign_up(here).await.unwrap();
        assert!(limits.sign_up(here).await.is_err());
        limits
            .sign_up(there)
            .await
            .expect("a newcomer elsewhere is not held back");
    }
}
