//! What the UI is told of threads: a root's "N replies", the thread a
//! reply that just arrived is in, and a page of a thread.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::types::EventView;

/// A thread under its root: "3 replies, last at ...".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadView {
    pub reply_count: u32,
    /// When the newest reply was sent (RFC 3339).
    pub last_reply_at: String,
    /// The member follows it: its replies count as unread and notify.
    pub following: bool,
    /// Replies from others the member has not read.
    pub unread: u32,
}

/// The thread a reply that just arrived was posted in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InThreadView {
    pub root_id: String,
    /// Its replies right after this one.
    pub reply_count: u32,
    /// The member follows the thread (the reply is theirs to read).
    pub following: bool,
}

/// A page of a thread, oldest first (ready to display).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadPageView {
    pub channel_id: String,
    /// The root as it is now, with its thread.
    pub root: EventView,
    pub replies: Vec<EventView>,
    /// Older replies exist: ask again with `before: nextCursor`.
    pub has_more: bool,
    pub next_cursor: Option<String>,
}
