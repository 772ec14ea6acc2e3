//! Rate-limit buckets in the shared database, so that a limit holds for
//! the whole cluster (see `crate::limits`). One statement per attempt:
//! GCRA keeps one number per bucket, the "theoretical arrival time" after
//! which the bucket is full again; an attempt is allowed when taking one
//! more keeps that within `burst` intervals of now. Time is the database's,
//! so the nodes' clocks do not matter.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::PgPool;

use crate::{error::ApiResult, limits::SharedRates};

/// `$1` the key, `$2` the interval (µs), `$3` the burst. The inserted
/// row's `tat` is now + interval, so `excluded.tat - $2` is now. Returns a
/// row when the attempt is allowed (and then counts it), none otherwise.
const TAKE: &str = "
INSERT INTO rate_limits AS r (key, tat)
VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint + $2)
ON CONFLICT (key) DO UPDATE
    SET tat = greatest(r.tat, excluded.tat - $2) + $2
    WHERE greatest(r.tat, excluded.tat - $2) + $2 - (excluded.tat - $2) <= $2 * $3
RETURNING tat";

/// [`SharedRates`] on a PostgreSQL pool.
pub struct PgRates {
    pool: PgPool,
}

impl PgRates {
    pub fn new(pool: PgPool) -> PgRates {
        PgRates { pool }
    }
}

#[async_trait]
impl SharedRates for PgRates {
    async fn take(&self, key: &str, interval: Duration, burst: u32) -> ApiResult<bool> {
        let interval = i64::try_from(interval.as_micros())
            .unwrap_or(i64::MAX / 4)
            .max(1);
        let allowed: Option<i64> = sqlx::query_scalar(TAKE)
            .bind(key)
            .bind(interval)
            .bind(i64::from(burst.max(1)))
            .fetch_optional(&self.pool)
            .await?;
        Ok(allowed.is_some())
    }

    async fn prune(&self) -> ApiResult<u64> {
        let done = sqlx::query(
            "DELETE FROM rate_limits
             WHERE tat < (extract(epoch FROM clock_timestamp()) * 1000000)::bigint",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::postgres::PgStore;

    async fn rates() -> (PgRates, PgRates) {
        let url = tokio::task::spawn_blocking(suda_testkit::postgres::fresh_database)
            .await
            .unwrap();
        let one = PgStore::open(&url).await.unwrap();
        let two = PgStore::open(&url).await.unwrap();
        (
            PgRates::new(one.pool.clone()),
            PgRates::new(two.pool.clone()),
        )
    }

    #[tokio::test]
    async fn a_burst_is_shared_by_every_node_and_refusals_take_nothing() {
        let (here, there) = rates().await;
        let slow = Duration::from_secs(60);
        assert!(here.take("send:1", slow, 3).await.unwrap());
        assert!(there.take("send:1", slow, 3).await.unwrap());
        assert!(here.take("send:1", slow, 3).await.unwrap());
        for node in [&here, &there, &here] {
            assert!(
                !node.take("send:1", slow, 3).await.unwrap(),
                "the burst is spent"
            );
        }
        assert!(there.take("send:2", slow, 3).await.unwrap(), "another key");
        // Nothing refused was counted: the bucket is exactly three deep.
        let tat: i64 = sqlx::query_scalar("SELECT tat FROM rate_limits WHERE key = 'send:1'")
            .fetch_one(&here.pool)
            .await
            .unwrap();
        let now: i64 =
            sqlx::query_scalar("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint")
                .fetch_one(&here.pool)
                .await
                .unwrap();
        let ahead = tat - now;
        assert!(
            ahead > 170_000_000 && ahead <= 180_000_000,
            "{ahead} µs ahead"
        );
    }

    #[tokio::test]
    async fn a_bucket_refills_at_its_rate_and_full_buckets_are_forgotten() {
        let (here, there) = rates().await;
        let fast = Duration::from_millis(100);
        assert!(here.take("mark:1", fast, 1).await.unwrap());
        assert!(!there.take("mark:1", fast, 1).await.unwrap());
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(there.take("mark:1", fast, 1).await.unwrap(), "refilled");
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(here.prune().await.unwrap(), 1, "full again: forgotten");
    }
}
