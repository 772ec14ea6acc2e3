//! Holding back a burst so it goes out at most once per interval, always
//! ending on the latest state.
//!
//! A burst of messages would otherwise cost one script run in the web view
//! per message, one channel list per message and one tray redraw (an icon
//! file and a menu) per unread count. A [`Coalescer`] is plain data: pending
//! items and when the last ones went. It spawns nothing and owns no timer;
//! the loop that feeds it sleeps until [`Coalescer::deadline`] (in a
//! `tokio::select!` beside its other work) and then takes what is due, so
//! the relay's one task drives every coalescer there is.

use std::time::Duration;

use tokio::time::Instant;

/// Items held back until at least `every` after the last ones went.
pub struct Coalescer<T> {
    every: Duration,
    /// How a newer item joins the pending ones.
    merge: fn(&mut T, T),
    pending: Option<T>,
    last_sent: Option<Instant>,
}

impl<T> Coalescer<T> {
    /// A coalescer whose pending item is replaced by each newer one (a
    /// channel list, a tray model: only the latest matters).
    pub fn latest(every: Duration) -> Self {
        Self::merging(every, |pending, newer| *pending = newer)
    }

    /// A coalescer that joins a newer item to the pending one with `merge`.
    pub fn merging(every: Duration, merge: fn(&mut T, T)) -> Self {
        Coalescer {
            every,
            merge,
            pending: None,
            last_sent: None,
        }
    }

    /// Adds `item`; returns what is pending if it may go now (nothing went
    /// in the last interval), else keeps it until [`Coalescer::deadline`].
    #[must_use = "what is returned must be sent"]
    pub fn push(&mut self, item: T) -> Option<T> {
        match &mut self.pending {
            Some(pending) => (self.merge)(pending, item),
            None => self.pending = Some(item),
        }
        self.take_due()
    }

    /// When what is pending may go; `None` when nothing is pending.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending.as_ref()?;
        Some(
            self.last_sent
                .map_or_else(Instant::now, |at| at + self.every),
        )
    }

    /// What is pending, if its time has come.
    #[must_use = "what is returned must be sent"]
    pub fn take_due(&mut self) -> Option<T> {
        let due = self.deadline()?;
        if Instant::now() < due {
            return None;
        }
        self.flush()
    }

    /// What is pending, now, due or not (something that must not overtake
    /// it is about to go, or the stream ended).
    #[must_use = "what is returned must be sent"]
    pub fn flush(&mut self) -> Option<T> {
        let pending = self.pending.take()?;
        self.last_sent = Some(Instant::now());
        Some(pending)
    }

    /// Drops what is pending, counting as sent now: something newer that
    /// covers it went out by another way.
    pub fn superseded(&mut self) {
        self.pending = None;
        self.last_sent = Some(Instant::now());
    }
}

impl<U> Coalescer<Vec<U>> {
    /// A coalescer that sends every item, in order, in batches.
    pub fn batching(every: Duration) -> Self {
        Self::merging(every, |pending, newer| pending.extend(newer))
    }
}

/// Sleeps until `deadline`, or forever when there is none: for a
/// `tokio::select!` branch that fires when the earliest coalescer is due.
pub async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: Duration = Duration::from_millis(200);

    #[tokio::test(start_paused = true)]
    async fn the_first_item_goes_at_once_and_the_next_waits_for_the_interval() {
        let mut c = Coalescer::latest(EVERY);
        assert_eq!(c.deadline(), None, "nothing pending, nothing to wait for");
        assert_eq!(c.push(1), Some(1));
        assert_eq!(c.push(2), None, "held back");
        let due = c.deadline().expect("2 is pending");
        assert_eq!(due, Instant::now() + EVERY);
        tokio::time::advance(EVERY / 2).await;
        assert_eq!(c.take_due(), None, "not yet");
        sleep_until(c.deadline()).await;
        assert_eq!(Instant::now(), due);
        assert_eq!(c.take_due(), Some(2));
        assert_eq!(c.deadline(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn latest_keeps_only_the_newest_item_of_a_burst() {
        let mut c = Coalescer::latest(EVERY);
        assert_eq!(c.push("a"), Some("a"));
        for item in ["b", "c", "d"] {
            assert_eq!(c.push(item), None);
        }
        tokio::time::advance(EVERY).await;
        assert_eq!(c.take_due(), Some("d"));
    }

    #[tokio::test(start_paused = true)]
    async fn batching_sends_every_item_in_order() {
        let mut c = Coalescer::batching(EVERY);
        assert_eq!(c.push(vec![1]), Some(vec![1]));
        assert_eq!(c.push(vec![2]), None);
        assert_eq!(c.push(vec![3, 4]), None);
        tokio::time::advance(EVERY).await;
        assert_eq!(c.take_due(), Some(vec![2, 3, 4]));
    }

    #[tokio::test(start_paused = true)]
    async fn an_item_after_a_quiet_interval_goes_at_once() {
        let mut c = Coalescer::latest(EVERY);
        assert_eq!(c.push(1), Some(1));
        tokio::time::advance(EVERY * 3).await;
        assert_eq!(c.push(2), Some(2));
    }

    #[tokio::test(start_paused = true)]
    async fn flush_sends_now_and_restarts_the_interval() {
        let mut c = Coalescer::batching(EVERY);
        assert_eq!(c.push(vec![1]), Some(vec![1]));
        assert_eq!(c.push(vec![2]), None);
        tokio::time::advance(EVERY / 4).await;
        assert_eq!(c.flush(), Some(vec![2]));
        assert_eq!(c.flush(), None, "nothing left");
        assert_eq!(c.push(vec![3]), None, "the interval starts at the flush");
        assert_eq!(c.deadline(), Some(Instant::now() + EVERY));
    }

    #[tokio::test(start_paused = true)]
    async fn superseded_drops_the_pending_item_and_counts_as_sent() {
        let mut c = Coalescer::latest(EVERY);
        assert_eq!(c.push(1), Some(1));
        assert_eq!(c.push(2), None);
        tokio::time::advance(EVERY).await;
        c.superseded();
        assert_eq!(c.deadline(), None);
        assert_eq!(c.push(3), None, "something just went");
        tokio::time::advance(EVERY).await;
        assert_eq!(c.take_due(), Some(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_select_loop_drives_it_without_a_task_of_its_own() {
        // Items every 10 ms for 100 ms: the first goes at once, then one
        // batch per interval, the last one with the final item.
        let mut c = Coalescer::batching(Duration::from_millis(40));
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        let feeder = tokio::spawn(async move {
            for i in 0..10 {
                tx.send(i).await.unwrap();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        let mut sent = Vec::new();
        loop {
            tokio::select! {
                item = rx.recv() => match item {
                    Some(i) => sent.extend(c.push(vec![i])),
                    None => {
                        sent.extend(c.flush());
                        break;
                    }
                },
                () = sleep_until(c.deadline()) => sent.extend(c.take_due()),
            }
        }
        feeder.await.unwrap();
        assert_eq!(sent.concat(), (0..10).collect::<Vec<_>>(), "all, in order");
        assert!(sent.len() < 10, "in fewer sends: {sent:?}");
        assert_eq!(sent[0], vec![0], "the first at once");
    }
}
