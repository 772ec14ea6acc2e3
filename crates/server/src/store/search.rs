//! What a store keeps for search: the terms ([`crate::search::terms`]) of
//! every message's current text, one entry per message not deleted, and the
//! look-up over them. The rules keep the entries in step in the same
//! transaction as the message (sent, edited, deleted), so a message is
//! found from the moment it is acknowledged and never after it is deleted.
//! An index made by an older [`crate::search::TERMS_VERSION`] is made again
//! at start.

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

/// The search primitives of a write transaction; none refuses anything.
#[async_trait]
pub trait SearchTx {
    /// Indexes `message` (of `channel`) by `text`, its text from now on.
    async fn index_text(
        &mut self,
        message: EventId,
        channel: ChannelId,
        text: &str,
    ) -> ApiResult<()>;
    /// Takes `message` out of the index (it was deleted).
    async fn unindex(&mut self, message: EventId) -> ApiResult<()>;
}

/// Terms as one string, in order, separated by spaces (what both stores
/// are handed; no term holds a space).
pub(super) fn joined(terms: &[String]) -> String {
    terms.join(" ")
}
