//! The sequencer: hands every committed event to this node's fan-out,
//! once and in id order, whichever node wrote it.
//!
//! The store gives every event an id from one gapless sequence, in commit
//! order (SQLite: one writer; PostgreSQL: a head row locked by every write
//! transaction until it commits). So "published up to N" is one number,
//! and the next event to publish is always N + 1:
//! - a batch this node's ledger committed that starts at N + 1 is
//!   published straight from memory, with no read (always so on SQLite);
//! - one that starts later means other nodes committed in between: those
//!   are read from the store first, then the batch;
//! - a ring of the doorbell (another node committed), a reconnect of its
//!   listener, or the timer (rings can be lost) makes it read forward.
//!
//! Nothing is ever skipped: a read that fails is retried on the next ring
//! or tick, and what was committed meanwhile waits in the store.

use std::{sync::Arc, time::Duration};

use tokio::{
    sync::{mpsc, oneshot, watch},
    task::JoinHandle,
};

use crate::{
    error::ApiResult,
    fanout::{Change, Fanout, Followers, Frame, Published},
    store::{EventKind, EventRow, Store},
    wire,
};

/// Events read from the store per query when catching up.
const READ_PAGE: u32 = 1000;

/// Events one batch of this node's ledger committed, in id order.
struct Committed {
    events: Vec<EventRow>,
    done: oneshot::Sender<()>,
}

/// A handle for the ledger: publishes what it committed. Cheap to clone.
#[derive(Clone)]
pub struct Sequencer {
    tx: mpsc::Sender<Committed>,
    /// The newest id this node committed, for the doorbell.
    committed: Arc<watch::Sender<i64>>,
}

impl Sequencer {
    /// Starts the sequencer, publishing everything after `head` (where the
    /// fan-out's seed was read). On a shared store it also watches for the
    /// other nodes' commits as `watching` says: their rings, and a read
    /// forward every `watching.poll`. It runs until the ledger that holds the
    /// handle is gone, having handed over every batch it committed.
    pub fn start(
        store: Arc<dyn Store>,
        fanout: Arc<dyn Fanout>,
        head: i64,
        watching: Watch,
    ) -> (Sequencer, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(64);
        let (committed, newest) = watch::channel(head);
        let runner = Runner {
            store,
            fanout,
            published: head,
            behind: false,
            ready: Vec::new(),
        };
        let task = tokio::spawn(runner.run(rx, newest, watching));
        let sequencer = Sequencer {
            tx,
            committed: Arc::new(committed),
        };
        (sequencer, task)
    }

    /// Publishes events this node just committed (in id order), after any
    /// that other nodes committed before them; returns once they are
    /// published, or once they are sure to be (when the store cannot be
    /// read now, they are read from it later, in order).
    pub async fn committed(&self, events: Vec<EventRow>) {
        let Some(last) = events.last().map(|e| e.id.get()) else {
            return;
        };
        self.committed.send_if_modified(|newest| {
            let newer = last > *newest;
            if newer {
                *newest = last;
            }
            newer
        });
        let (done, published) = oneshot::channel();
        if self.tx.send(Committed { events, done }).await.is_ok() {
            let _ = published.await;
        }
    }
}

struct Runner {
    store: Arc<dyn Store>,
    fanout: Arc<dyn Fanout>,
    /// Every event up to this id has been handed to the fan-out.
    published: i64,
    /// A read failed: read forward at the next chance.
    behind: bool,
    /// Frames made and not yet handed to the fan-out ([`Runner::flush`]).
    ready: Vec<Published>,
}

impl Runner {
    async fn run(
        mut self,
        mut local: mpsc::Receiver<Committed>,
        newest: watch::Receiver<i64>,
        watching: Watch,
    ) {
        let shared = self.store.shared();
        let rings = shared && watching.doorbell;
        let mut doorbell = if rings { self.listen().await } else { None };
        let bell = rings.then(|| tokio::spawn(ring_after_commits(Arc::clone(&self.store), newest)));
        let mut tick = tokio::time::interval(watching.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                batch = local.recv() => match batch {
                    Some(batch) => self.publish_local(batch).await,
                    None => break,
                },
                rung = ring(&mut doorbell) => {
                    if rung.is_none() {
                        // The listener is gone for good: reopen it at the
                        // next tick, and poll until then.
                        doorbell = None;
                    }
                    self.read_forward().await;
                }
                _ = tick.tick(), if shared || self.behind => {
                    if rings && doorbell.is_none() {
                        doorbell = self.listen().await;
                    }
                    self.read_forward().await;
                }
            }
        }
        if let Some(bell) = bell {
            bell.abort();
            let _ = bell.await;
        }
    }

    async fn listen(&self) -> Option<mpsc::Receiver<()>> {
        match self.store.doorbell().await {
            Ok(bell) => bell,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other nodes' events; polling");
                None
            }
        }
    }

    async fn publish_local(&mut self, batch: Committed) {
        let first = batch.events.first().map_or(0, |e| e.id.get());
        if first > self.published + 1 {
            // Others committed in between: those go first, from the store.
            self.catch_up_to(first - 1).await;
        }
        if first <= self.published + 1 {
            for event in &batch.events {
                if event.id.get() > self.published {
                    self.publish(event);
                }
            }
        }
        // Otherwise the gap could not be read now: the batch waits in the
        // store and is read, in order, after the gap.
        self.flush();
        let _ = batch.done.send(());
    }

    /// Reads forward until at least `upto` is published or the store
    /// cannot be read.
    async fn catch_up_to(&mut self, upto: i64) {
        while self.published < upto {
            if !self.read_page().await {
                return;
            }
        }
    }

    /// Reads forward to the end of what is committed.
    async fn read_forward(&mut self) {
        while self.read_page().await {}
    }

    /// Reads and publishes one page; whether there may be more.
    async fn read_page(&mut self) -> bool {
        match self.store.events_after(self.published, READ_PAGE).await {
            Ok(page) => {
                self.behind = false;
                for event in &page {
                    self.publish(event);
                }
                self.flush();
                page.len() == READ_PAGE as usize
            }
            Err(e) => {
                if !self.behind {
                    tracing::warn!(error = %e, after = self.published, "cannot read new events; retrying");
                }
                self.behind = true;
                false
            }
        }
    }

    fn publish(&mut self, event: &EventRow) {
        let id = event.id.get();
        if id <= self.published {
            return;
        }
        if id != self.published + 1 {
            // Ids are gapless by the store's contract; a gap would mean an
            // event lost for every subscriber, so say so loudly.
            tracing::error!(
                expected = self.published + 1,
                got = id,
                "event ids skipped a number"
            );
        }
        let change = match event.kind {
            EventKind::Join => Some(Change::Joined(event.member.id)),
            EventKind::Leave => Some(Change::Left(event.member.id)),
            _ => None,
        };
        let frame = Arc::new(Frame::new(id, &wire::envelope(event)));
        // A reply in a thread says to its followers that they follow it.
        let followers = wire::is_thread_reply(event).then(|| Followers {
            members: event.followers.iter().copied().collect(),
            frame: Arc::new(Frame::new(id, &wire::follower_envelope(event))),
        });
        self.ready.push(Published {
            channel: event.channel_id,
            frame,
            change,
            only: wire::audience(event),
            followers,
        });
        self.published = id;
    }

    /// Hands the frames made so far to the fan-out, in one go.
    fn flush(&mut self) {
        if !self.ready.is_empty() {
            self.fanout.publish_all(&self.ready);
            self.ready.clear();
        }
    }
}

/// The next ring, or never when there is no doorbell; `None` once the
/// doorbell is gone.
async fn ring(doorbell: &mut Option<mpsc::Receiver<()>>) -> Option<()> {
    match doorbell {
        Some(bell) => bell.recv().await,
        None => std::future::pending().await,
    }
}

/// Rings the other nodes after this node's commits, one ring for however
/// many commits happened while the last ring was being sent.
async fn ring_after_commits(store: Arc<dyn Store>, mut newest: watch::Receiver<i64>) {
    while newest.changed().await.is_ok() {
        let head = *newest.borrow_and_update();
        if let Err(e) = store.ring(head).await {
            // The others find the events by their timer.
            tracing::debug!(error = %e, "could not ring the other nodes");
        }
    }
}

/// A ring only adds latency if lost; this is the most a lost one adds.
pub const DEFAULT_POLL: Duration = Duration::from_millis(500);

/// How a node on a shared store finds the events other nodes committed
/// (besides its own next commit, which reads forward to itself).
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    /// Read forward this often in any case.
    pub poll: Duration,
    /// Ring the others after every commit and listen for their rings.
    /// Off only to measure what the ring buys (`suda-server
    /// --no-doorbell`): then other nodes' events wait for the poll.
    pub doorbell: bool,
}

/// What a caller of [`Sequencer::committed`] needs of a batch's results.
pub fn fresh_events<'a>(
    results: impl IntoIterator<Item = &'a ApiResult<crate::rules::Applied>>,
) -> Vec<EventRow> {
    results
        .into_iter()
        .filter_map(|r| r.as_ref().ok())
        .filter(|applied| applied.fresh)
        .flat_map(|applied| applied.events.iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests;
