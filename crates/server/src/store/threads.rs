//! What a store keeps of threads: which messages are replies in which
//! thread (`events.thread_seq`), each thread's reply count, and who follows
//! it with how far they have read. The rules of threads are in
//! `crate::rules::threads`; these are the reads and primitives they and the
//! GraphQL reads use, beside [`super::Store`] and [`super::Tx`].

use async_trait::async_trait;
use suda_protocol::{ChannelId, EventId, MemberId};

use super::{EventPage, Messages, PageAt};
use crate::error::ApiResult;

/// A thread as one viewer sees it, beside its root in history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRow {
    /// The root message.
    pub root: EventId,
    /// Replies not deleted.
    pub replies: i64,
    /// When the newest reply was sent (unix ms).
    pub last_reply_at: i64,
    /// Whether the viewer follows it.
    pub following: bool,
    /// Replies from others after the viewer's read marker of it (0 when
    /// they do not follow it).
    pub unread: i64,
}

/// Which messages a history page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every message, replies in threads included: what the original
    /// clients page through.
    Everything,
    /// The channel's own messages, joins and leaves: replies in threads
    /// are summed up under their root instead.
    Channel,
    /// The replies of one thread (its root not included).
    Thread(EventId),
}

/// The thread reads of a store.
#[async_trait]
pub trait ThreadStore {
    /// A page of `channel`'s history (as [`super::Store::events_page`]) of
    /// the messages `scope` names.
    async fn page_of(
        &self,
        channel: ChannelId,
        scope: Scope,
        at: PageAt,
        limit: u32,
    ) -> ApiResult<EventPage>;
    /// The threads whose roots are among `messages`, as `viewer` sees
    /// them; only roots that were ever replied to.
    async fn threads(&self, viewer: MemberId, messages: Messages<'_>) -> ApiResult<Vec<ThreadRow>>;
}

/// The thread primitives of a write transaction. As [`super::Tx`]'s, none
/// refuses anything.
#[async_trait]
pub trait ThreadTx {
    /// Counts one more reply in `root`'s thread, sent at `at`; the count
    /// after it.
    async fn add_reply(&mut self, channel: ChannelId, root: EventId, at: i64) -> ApiResult<i64>;
    /// Counts one reply fewer in `root`'s thread; the count after it.
    async fn remove_reply(&mut self, root: EventId) -> ApiResult<i64>;
    /// Makes `member` follow `root`'s thread from `since` on, having read
    /// it up to `read_up_to`; a follower already keeps their `since`, and
    /// their marker moves to `read_up_to` only forward.
    async fn follow(
        &mut self,
        channel: ChannelId,
        root: EventId,
        member: MemberId,
        since: EventId,
        read_up_to: i64,
    ) -> ApiResult<()>;
    /// Who follows `root`'s thread now, by id.
    async fn followers(&mut self, root: EventId) -> ApiResult<Vec<MemberId>>;
    /// The member's read marker of `root`'s thread; `None` when they do
    /// not follow it.
    async fn thread_marker(&mut self, member: MemberId, root: EventId) -> ApiResult<Option<i64>>;
    /// Sets the member's read marker of `root`'s thread.
    async fn set_thread_marker(
        &mut self,
        member: MemberId,
        root: EventId,
        up_to: i64,
    ) -> ApiResult<()>;
    /// The newest reply of `root`'s thread, deleted or not (0 if none).
    async fn newest_reply(&mut self, root: EventId) -> ApiResult<i64>;
}
