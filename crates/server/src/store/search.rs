//! What a store keeps for search: the terms ([`crate::search::terms`]) of
//! every message's current text, one entry per message not deleted, and the
//! look-up over them. The rules keep the entries in step in the same
//! transaction as the message (sent, edited, deleted), so a message is
//! found from the moment it is acknowledged and never after it is deleted.
//! An index made by an older [`crate::search::TERMS_VERSION`] is made again
//! at start.
//!
//! A transaction queues its index changes ([`IndexChanges`]) and writes
//! them all just before its `COMMIT`: one write for the batch of sends
//! rather than one per send. In SQLite that matters most: FTS5 writes what
//! it holds as a new segment at every savepoint, and the ledger takes one
//! per command, so indexing inside the commands made a segment (and merge
//! work) per message, and the batch's commit waited for all of it.

use async_trait::async_trait;
use suda_protocol::{ChannelId, EventId, MemberId};

use super::EventRow;
use crate::{error::ApiResult, search::Term};

#[cfg(test)]
mod tests;

/// What a search asks a store for.
#[derive(Debug, Clone)]
pub struct SearchAsk<'a> {
    /// Who searches: only channels they are in now are searched.
    pub viewer: MemberId,
    /// Every one of them must match ([`crate::search::query`]; not empty).
    pub terms: &'a [Term],
    /// Only this channel (one of the viewer's).
    pub channel: Option<ChannelId>,
    /// Only messages this member sent.
    pub sender: Option<MemberId>,
    /// Only messages sent at or after (unix ms).
    pub since: Option<i64>,
    /// Only messages sent before (unix ms).
    pub until: Option<i64>,
    /// Only messages older than this one (the page before).
    pub older_than: Option<EventId>,
    /// At most this many (the store returns one more, to say there is more).
    pub limit: u32,
}

/// The search reads of a store.
#[async_trait]
pub trait SearchStore {
    /// The messages that match `ask`, newest first: at most `limit + 1`,
    /// as they are now (edited text), none deleted.
    async fn search(&self, ask: &SearchAsk<'_>) -> ApiResult<Vec<EventRow>>;
}

/// The search side of a write transaction: its queue of index changes,
/// written with its commit and cut back with a command's rollback.
pub trait SearchTx {
    /// The transaction's index changes so far.
    fn index_changes(&mut self) -> &mut IndexChanges;
}

/// What a transaction changes in the index, in order, until its commit
/// writes it: [`IndexChanges::take`] keeps the last change per message.
#[derive(Debug, Default)]
pub struct IndexChanges {
    queued: Vec<IndexChange>,
    /// Where the running command's changes begin.
    command_start: usize,
}

/// One message's change to the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexChange {
    pub message: EventId,
    pub channel: ChannelId,
    pub sender: MemberId,
    /// Its text from now on; `None`: it is deleted, out of the index.
    pub text: Option<String>,
    /// It may be in the index already (an edit, a deletion): what is there
    /// goes first. A message sent in this transaction is not.
    pub replaces: bool,
}

impl IndexChanges {
    /// A message just sent, to be found by `text`.
    pub fn add(&mut self, message: &EventRow, text: &str) {
        self.push(message, Some(text), false);
    }

    /// An edited message, found by `text` and no longer by its old words.
    pub fn replace(&mut self, message: &EventRow, text: &str) {
        self.push(message, Some(text), true);
    }

    /// A deleted message, found no more.
    pub fn remove(&mut self, message: &EventRow) {
        self.push(message, None, true);
    }

    fn push(&mut self, message: &EventRow, text: Option<&str>, replaces: bool) {
        self.queued.push(IndexChange {
            message: message.id,
            channel: message.channel_id,
            sender: message.member.id,
            text: text.map(str::to_owned),
            replaces,
        });
    }

    /// A command begins: [`IndexChanges::undo_command`] goes back to here.
    pub fn begin_command(&mut self) {
        self.command_start = self.queued.len();
    }

    /// The command was undone: so are its changes.
    pub fn undo_command(&mut self) {
        self.queued.truncate(self.command_start);
    }

    /// Empties the queue: one change per message, its last, in the order
    /// the messages first changed. Nothing queued is in the index yet, so
    /// whether a message may be there already is its first change's word.
    pub fn take(&mut self) -> Vec<IndexChange> {
        self.command_start = 0;
        let queued = std::mem::take(&mut self.queued);
        let mut at = std::collections::HashMap::with_capacity(queued.len());
        let mut last: Vec<IndexChange> = Vec::with_capacity(queued.len());
        for change in queued {
            match at.entry(change.message) {
                std::collections::hash_map::Entry::Occupied(seen) => {
                    let kept: &mut IndexChange = &mut last[*seen.get()];
                    *kept = IndexChange {
                        replaces: kept.replaces,
                        ..change
                    };
                }
                std::collections::hash_map::Entry::Vacant(new) => {
                    new.insert(last.len());
                    last.push(change);
                }
            }
        }
        last
    }
}

/// A stored message, as the index is made again from it: `(seq, channel,
/// sender, text)`.
pub(super) type StoredMessage = (i64, i64, i64, String);

/// The changes that index `page` of stored messages anew.
pub(super) fn reindexed(page: &[StoredMessage]) -> Vec<IndexChange> {
    page.iter()
        .map(|(seq, channel, sender, text)| IndexChange {
            message: EventId(*seq),
            channel: ChannelId(*channel),
            sender: MemberId(*sender),
            text: Some(text.clone()),
            replaces: false,
        })
        .collect()
}

/// Terms as one string, in order, separated by spaces (what both stores
/// are handed; no term holds a space).
pub(super) fn joined(terms: &[String]) -> String {
    terms.join(" ")
}
