//! Rate limits: sends per member; sign-in attempts per address, per name
//! and address, and per name from strangers' addresses; sign-ups per
//! address and overall.
//!
//! Keyed limiters remember every key they saw; a task owned by the server
//! forgets keys that are back to full every minute, so they do not grow
//! without bound.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use suda_protocol::MemberId;
use tokio_util::sync::CancellationToken;

use crate::{
    error::{ApiError, ApiResult},
    Config,
};

/// The server's rate limiters.
pub struct Limits {
    sends: DefaultKeyedRateLimiter<MemberId>,
    changes: DefaultKeyedRateLimiter<MemberId>,
    channel_creations: DefaultKeyedRateLimiter<MemberId>,
    marks: DefaultKeyedRateLimiter<MemberId>,
    sign_ins: DefaultKeyedRateLimiter<String>,
    sign_ins_by_address: DefaultKeyedRateLimiter<IpAddr>,
    sign_ins_by_name_and_address: DefaultKeyedRateLimiter<(String, IpAddr)>,
    sign_ups: DefaultDirectRateLimiter,
    sign_ups_by_address: DefaultKeyedRateLimiter<IpAddr>,
    /// Argon2 takes 19 MiB per hash: at most this many run at once, so a
    /// burst of sign-ups or sign-ins costs bounded memory and does not
    /// flood the blocking pool (one per core is as fast as it gets anyway).
    hashing: tokio::sync::Semaphore,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("at least one")
}

impl Limits {
    /// Limiters as configured.
    pub fn new(config: &Config) -> Self {
        Limits {
            sends: RateLimiter::keyed(
                Quota::per_second(nz(config.sends_per_second)).allow_burst(nz(config.send_burst)),
            ),
            changes: RateLimiter::keyed(
                Quota::per_second(nz(config.changes_per_second))
                    .allow_burst(nz(config.change_burst)),
            ),
            channel_creations: RateLimiter::keyed(Quota::per_hour(nz(config.channels_per_hour))),
            marks: RateLimiter::keyed(
                Quota::per_second(nz(config.marks_per_second)).allow_burst(nz(config.mark_burst)),
            ),
            sign_ins: RateLimiter::keyed(Quota::per_minute(nz(config.sign_ins_per_minute))),
            sign_ins_by_address: RateLimiter::keyed(Quota::per_minute(nz(
                config.sign_ins_per_address_per_minute
            ))),
            sign_ins_by_name_and_address: RateLimiter::keyed(Quota::per_minute(nz(
                config.sign_ins_per_name_and_address_per_minute
            ))),
            sign_ups: RateLimiter::direct(Quota::per_minute(nz(config.sign_ups_per_minute))),
            sign_ups_by_address: RateLimiter::keyed(Quota::per_minute(nz(
                config.sign_ups_per_address_per_minute
            ))),
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
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
    pub fn send(&self, member: MemberId) -> ApiResult<()> {
        self.sends.check_key(&member).map_err(|_| {
            ApiError::RateLimited("you are sending too fast; wait a moment and retry".into())
        })
    }

    /// One change by `member` (joining, leaving, inviting, opening a direct
    /// channel, blocking, session changes), or `RATE_LIMITED`.
    pub fn change(&self, member: MemberId) -> ApiResult<()> {
        self.changes.check_key(&member).map_err(|_| {
            ApiError::RateLimited("you are making changes too fast; wait a moment and retry".into())
        })
    }

    /// One new group channel by `member` (a change too), or `RATE_LIMITED`.
    pub fn create_channel(&self, member: MemberId) -> ApiResult<()> {
        self.change(member)?;
        self.channel_creations.check_key(&member).map_err(|_| {
            ApiError::RateLimited(
                "you have created as many channels as one member may in an hour; wait and retry"
                    .into(),
            )
        })
    }

    /// One read-marker move by `member`, or `RATE_LIMITED`.
    pub fn mark(&self, member: MemberId) -> ApiResult<()> {
        self.marks.check_key(&member).map_err(|_| {
            ApiError::RateLimited("you are marking channels read too fast; wait a moment".into())
        })
    }

    /// One sign-in attempt from `address` for `name`: limited per address
    /// and per name and address, or `RATE_LIMITED`.
    pub fn sign_in_from(&self, address: IpAddr, name: &str) -> ApiResult<()> {
        self.sign_in_address(address)?;
        self.sign_in_name_at(address, name)
    }

    fn too_many_from_address() -> ApiError {
        ApiError::RateLimited(
            "too many sign-in attempts from your address; wait a minute and retry".into(),
        )
    }

    /// One sign-in attempt from `address`, for any name, or `RATE_LIMITED`.
    /// Checked before anything is done with the name.
    pub fn sign_in_address(&self, address: IpAddr) -> ApiResult<()> {
        self.sign_ins_by_address
            .check_key(&crate::admission::address_key(address))
            .map_err(|_| Self::too_many_from_address())
    }

    /// One sign-in attempt for `name` (its key) from `address`, or
    /// `RATE_LIMITED`.
    pub fn sign_in_name_at(&self, address: IpAddr, name: &str) -> ApiResult<()> {
        let address = crate::admission::address_key(address);
        self.sign_ins_by_name_and_address
            .check_key(&(name.to_owned(), address))
            .map_err(|_| Self::too_many_from_address())
    }

    /// One sign-in attempt for a member name from an address the member
    /// never signed in from, or `RATE_LIMITED`.
    pub fn sign_in_from_stranger(&self, name: &str) -> ApiResult<()> {
        self.sign_ins.check_key(&name.to_lowercase()).map_err(|_| {
            ApiError::RateLimited(
                "too many sign-in attempts for this member from new places; wait a minute and retry, or sign in where you usually do".into(),
            )
        })
    }

    /// One sign-up from `address`: limited per address and overall, or
    /// `RATE_LIMITED`.
    pub fn sign_up(&self, address: IpAddr) -> ApiResult<()> {
        let address = crate::admission::address_key(address);
        self.sign_ups_by_address.check_key(&address).map_err(|_| {
            ApiError::RateLimited(
                "too many sign-ups from your address; wait a minute and retry".into(),
            )
        })?;
        self.sign_ups.check().map_err(|_| {
            ApiError::RateLimited("too many sign-ups right now; wait a minute and retry".into())
        })
    }

    fn prune(&self) {
        self.sends.retain_recent();
        self.changes.retain_recent();
        self.channel_creations.retain_recent();
        self.marks.retain_recent();
        self.sign_ins.retain_recent();
        self.sign_ins_by_address.retain_recent();
        self.sign_ins_by_name_and_address.retain_recent();
        self.sign_ups_by_address.retain_recent();
    }
}

/// Forgets idle keys every minute until `stop`.
pub async fn prune_every_minute(limits: Arc<Limits>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tick.tick() => limits.prune(),
            _ = stop.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_beyond_the_burst_are_refused_per_member() {
        let config = Config {
            sends_per_second: 1,
            send_burst: 3,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        for _ in 0..3 {
            limits.send(MemberId(1)).unwrap();
        }
        assert!(matches!(
            limits.send(MemberId(1)),
            Err(ApiError::RateLimited(_))
        ));
        limits
            .send(MemberId(2))
            .expect("another member is not limited");
    }

    #[test]
    fn changes_and_channel_creations_are_limited_per_member() {
        let config = Config {
            changes_per_second: 1,
            change_burst: 5,
            channels_per_hour: 2,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        limits.create_channel(MemberId(1)).unwrap();
        limits.create_channel(MemberId(1)).unwrap();
        let third = limits.create_channel(MemberId(1)).unwrap_err();
        assert!(third.to_string().contains("in an hour"), "{third}");
        // Other changes still have their own budget left, then run out.
        limits.change(MemberId(1)).unwrap();
        limits.change(MemberId(1)).unwrap();
        assert!(limits.change(MemberId(1)).is_err());
        limits.create_channel(MemberId(2)).expect("another member");
    }

    #[test]
    fn sign_in_attempts_from_strangers_are_limited_per_name_ignoring_case() {
        let config = Config {
            sign_ins_per_minute: 2,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        limits.sign_in_from_stranger("Bob").unwrap();
        limits.sign_in_from_stranger("bob").unwrap();
        assert!(limits.sign_in_from_stranger("BOB").is_err());
        limits.sign_in_from_stranger("alice").unwrap();
    }

    #[test]
    fn sign_in_attempts_are_limited_per_address_and_per_name_there() {
        let config = Config {
            sign_ins_per_address_per_minute: 4,
            sign_ins_per_name_and_address_per_minute: 2,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        let (here, there): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        limits.sign_in_from(here, "bob").unwrap();
        limits.sign_in_from(here, "bob").unwrap();
        assert!(limits.sign_in_from(here, "bob").is_err(), "bob from here");
        limits
            .sign_in_from(there, "bob")
            .expect("bob from elsewhere is another budget");
        // Every attempt counts against the address, refused ones too.
        limits.sign_in_from(here, "carol").unwrap();
        assert!(
            limits.sign_in_from(here, "dave").is_err(),
            "here is out of attempts"
        );
    }

    #[test]
    fn sign_ups_are_limited_per_address() {
        let config = Config {
            sign_ups_per_address_per_minute: 2,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        let (here, there): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        limits.sign_up(here).unwrap();
        limits.sign_up(here).unwrap();
        assert!(limits.sign_up(here).is_err());
        limits
            .sign_up(there)
            .expect("a newcomer elsewhere is not held back");
    }
}
