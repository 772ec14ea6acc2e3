//! History as it is now: each event with the changes made to it since
//! folded in (its latest text, whether it was deleted, its reactions).

use serde::Serialize;
use suda_protocol::{ChatEvent, EventId, MemberRef};

/// A page of a channel's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    /// Newest first, as the server sends them.
    pub events: Vec<HistoryItem>,
    /// Whether older events exist.
    pub has_more: bool,
    /// Pass as `before` for the next (older) page.
    pub next_cursor: Option<String>,
}

/// One event of a channel's history, as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    /// The event; a message's `message` is its latest text, `""` once
    /// deleted, and a reply's `reply_to` its original as that is now.
    #[serde(flatten)]
    pub event: ChatEvent,
    /// When the message was last edited (RFC 3339); `None` if never.
    pub edited_at: Option<String>,
    /// Whether the sender deleted the message.
    pub deleted: bool,
    /// Its reactions, most reacted first.
    pub reactions: Vec<Reaction>,
    /// Of a reply in a thread, the thread's root.
    pub thread_root: Option<EventId>,
    /// Of a root that was replied to, its thread as the member sees it.
    pub thread: Option<ThreadSummary>,
}

impl HistoryItem {
    /// A join, a leave or a message no one changed.
    pub fn plain(event: ChatEvent) -> Self {
        HistoryItem {
            thread_root: event.in_thread.as_ref().map(|t| t.root_id),
            event,
            edited_at: None,
            deleted: false,
            reactions: Vec::new(),
            thread: None,
        }
    }
}

/// A thread beside its root: "N replies, last at ...".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadSummary {
    /// Replies not deleted.
    pub reply_count: u32,
    /// When the newest reply was sent (RFC 3339).
    pub last_reply_at: String,
    /// Whether the member follows it (its replies count and notify).
    pub following: bool,
    /// Replies from others the member has not read.
    pub unread: u32,
}

/// A page of a thread: its root and replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadPage {
    /// The root, as it is now, with its thread.
    pub root: HistoryItem,
    /// Replies, newest first.
    pub replies: Vec<HistoryItem>,
    /// Whether older replies exist.
    pub has_more: bool,
    /// Pass as `before` for the next (older) page.
    pub next_cursor: Option<String>,
}

/// One emoji on a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reaction {
    /// The emoji, fully qualified.
    pub emoji: String,
    /// How many members reacted with it.
    pub count: u32,
    /// Whether the signed-in member is one of them.
    pub mine: bool,
    /// The first few who did, in the order they did.
    pub members: Vec<MemberRef>,
}
