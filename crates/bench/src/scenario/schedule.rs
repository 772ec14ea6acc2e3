//! The senders' open-loop schedule: send `i` is due at `start + i / rate`,
//! whether or not earlier sends were answered, so a slow server shows as
//! latency instead of quietly lowering the rate. At most `max_in_flight`
//! sends await their answer at once; beyond that the schedule waits (and
//! the sends it owes go out late, as fast as answers come).
//!
//! Sends go in ranges of the schedule's numbers, so a run can take its
//! measurement between the warm-up's range and the measured one without
//! a pause in the sending.

use std::{
    collections::HashMap,
    ops::Range,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::sync::Semaphore;

use super::cast::Sender;
use crate::{
    error::{Error, Result},
    metrics::{self, Clock},
};

/// The sends of one run, and what their answers said.
pub(crate) struct Schedule {
    senders: Vec<Sender>,
    clock: Clock,
    start: Instant,
    interval: Duration,
    in_flight: Arc<Semaphore>,
    max_in_flight: u32,
    acked: Arc<Mutex<HashMap<i64, Vec<i64>>>>,
    errors: Arc<Mutex<(u64, Option<String>)>>,
}

/// What the senders' answers said, once every send was answered.
pub(crate) struct Answers {
    /// The ids acknowledged, per key (see [`crate::metrics::Received`]).
    pub acked: HashMap<i64, Vec<i64>>,
    /// Sends that failed.
    pub errors: u64,
    /// The first failure's text.
    pub first_error: Option<String>,
}

impl Schedule {
    /// A schedule of `rate` sends a second over `senders` in turn,
    /// starting now.
    pub fn new(senders: Vec<Sender>, clock: Clock, rate: f64, max_in_flight: usize) -> Schedule {
        let max_in_flight = u32::try_from(max_in_flight.max(1)).unwrap_or(u32::MAX);
        Schedule {
            senders,
            clock,
            start: Instant::now(),
            interval: Duration::from_secs_f64(1.0 / rate.max(0.001)),
            in_flight: Arc::new(Semaphore::new(max_in_flight as usize)),
            max_in_flight,
            acked: Arc::default(),
            errors: Arc::default(),
        }
    }

    /// Waits until send `i` is due.
    pub async fn until(&self, i: u64) {
        tokio::time::sleep_until((self.start + self.interval.mul_f64(i as f64)).into()).await;
    }

    /// Makes sends `range`, each when it is due, and returns once the last
    /// is on its way (not answered).
    pub async fn send(&self, range: Range<u64>) -> Result<()> {
        let senders = self.senders.len() as u64;
        for i in range {
            self.until(i).await;
            let permit = Arc::clone(&self.in_flight)
                .acquire_owned()
                .await
                .map_err(|_| Error::Local("send gate closed".into()))?;
            let j = (i % senders) as usize;
            let seq = i / senders;
            let sender = self.senders[j].clone();
            let (acked, errors, clock) = (
                Arc::clone(&self.acked),
                Arc::clone(&self.errors),
                self.clock,
            );
            tokio::spawn(async move {
                let text = clock.stamp(&metrics::tag(j, seq));
                match sender.send(seq, text).await {
                    Ok((key, id)) => lock(&acked).entry(key).or_default().push(id),
                    Err(e) => {
                        let mut errors = lock(&errors);
                        errors.0 += 1;
                        errors.1.get_or_insert_with(|| e.to_string());
                    }
                }
                drop(permit);
            });
        }
        Ok(())
    }

    /// Waits until every send made is answered, and returns the answers.
    pub async fn answered(self) -> Answers {
        let _all = self.in_flight.acquire_many(self.max_in_flight).await;
        let acked = std::mem::take(&mut *lock(&self.acked));
        let (errors, first_error) = std::mem::take(&mut *lock(&self.errors));
        Answers {
            acked,
            errors,
            first_error,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
