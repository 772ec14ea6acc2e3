//! The ledger: the one writer of channel events.
//!
//! Every command that makes events (send, edit, delete, react, mark read,
//! create, join, leave, invite) is queued here. One task takes whatever is queued, up to a batch, commits it
//! in one transaction (group commit: one disk sync for many sends), then
//! hands the new events to the [`Sequencer`], which publishes them in id
//! order after any that other nodes committed first, and only then answers
//! each caller. So:
//! - a message is acknowledged only once it is committed;
//! - live delivery happens in exactly the order of the ids, which is what
//!   lets a subscriber resume from a single id with no gap.

use std::sync::Arc;

use tokio::{
    sync::{mpsc, oneshot},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

use crate::{
    error::{ApiError, ApiResult},
    rules::{self, Applied, Command},
    sequencer::{self, Sequencer},
    store::Store,
};

const MAX_BATCH: usize = 256;
const QUEUE: usize = 4096;

struct Job {
    command: Command,
    reply: oneshot::Sender<ApiResult<Applied>>,
}

/// A handle for submitting commands to the ledger task. Cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    tx: mpsc::Sender<Job>,
}

impl Ledger {
    /// Starts the ledger task. It runs until `stop` is cancelled, then
    /// finishes every command already queued and returns.
    pub fn start(
        store: Arc<dyn Store>,
        sequencer: Sequencer,
        stop: CancellationToken,
    ) -> (Ledger, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(run(rx, store, sequencer, stop));
        (Ledger { tx }, task)
    }

    /// Applies a command; returns once it is committed and published.
    pub async fn submit(&self, command: Command) -> ApiResult<Applied> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { command, reply })
            .await
            .map_err(|_| ApiError::Internal("the server is shutting down".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the server is shutting down".into()))?
    }
}

async fn run(
    mut rx: mpsc::Receiver<Job>,
    store: Arc<dyn Store>,
    sequencer: Sequencer,
    stop: CancellationToken,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    loop {
        let received = tokio::select! {
            biased;
            n = rx.recv_many(&mut batch, MAX_BATCH) => n,
            _ = stop.cancelled() => {
                // Refuse new work, finish what is queued.
                rx.close();
                rx.recv_many(&mut batch, MAX_BATCH).await
            }
        };
        if received == 0 {
            break;
        }
        commit(&mut batch, store.as_ref(), &sequencer).await;
    }
}

async fn commit(batch: &mut Vec<Job>, store: &dyn Store, sequencer: &Sequencer) {
    let commands: Vec<Command> = batch.iter().map(|j| j.command.clone()).collect();
    match rules::apply_batch(store, &commands).await {
        Ok(results) => {
            sequencer.committed(sequencer::fresh_events(&results)).await;
            for (job, result) in batch.drain(..).zip(results) {
                // A caller that went away still had its command committed.
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            // Nothing of the batch is durable, so nothing is published and
            // every caller hears so; the transaction was abandoned (the store
            // threw its connection away), and the next batch starts afresh.
            tracing::error!(error = %e, size = batch.len(), "batch commit failed; nothing of it was kept");
            for job in batch.drain(..) {
                let _ = job.reply.send(Err(ApiError::Unavailable));
            }
        }
    }
}
