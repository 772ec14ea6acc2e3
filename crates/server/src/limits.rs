//! Rate limits: sends per member, sign-in attempts per name, sign-ups.
//!
//! Keyed limiters remember every key they saw; a task owned by the server
//! forgets keys that are back to full every minute, so they do not grow
//! without bound.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

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
    sign_ins: DefaultKeyedRateLimiter<String>,
    sign_ups: DefaultDirectRateLimiter,
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
            sign_ins: RateLimiter::keyed(Quota::per_minute(nz(config.sign_ins_per_minute))),
            sign_ups: RateLimiter::direct(Quota::per_minute(nz(config.sign_ups_per_minute))),
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

    /// One sign-in attempt for a member name, or `RATE_LIMITED`.
    pub fn sign_in(&self, name: &str) -> ApiResult<()> {
        self.sign_ins.check_key(&name.to_lowercase()).map_err(|_| {
            ApiError::RateLimited(
                "too many sign-in attempts for this member; wait a minute and retry".into(),
            )
        })
    }

    /// One sign-up, or `RATE_LIMITED`.
    pub fn sign_up(&self) -> ApiResult<()> {
        self.sign_ups.check().map_err(|_| {
            ApiError::RateLimited("too many sign-ups right now; wait a minute and retry".into())
        })
    }

    fn prune(&self) {
        self.sends.retain_recent();
        self.sign_ins.retain_recent();
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
    fn sign_in_attempts_are_limited_per_name_ignoring_case() {
        let config = Config {
            sign_ins_per_minute: 2,
            ..Config::default()
        };
        let limits = Limits::new(&config);
        limits.sign_in("Bob").unwrap();
        limits.sign_in("bob").unwrap();
        assert!(limits.sign_in("BOB").is_err());
        limits.sign_in("alice").unwrap();
    }
}
