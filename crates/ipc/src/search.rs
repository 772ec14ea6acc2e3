//! What the UI asks of search and is told back: the search box's text (the
//! shell reads its words and filters), and a page of messages found, each
//! with where the search's words are in its text.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::types::EventView;

/// A search: what the member typed, as typed (`lunch from:bob on:today`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchArgs {
    pub query: String,
    /// Only this channel (an `in:` in the query wins); `null`: all of the
    /// member's.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// `null` for the newest results; else a `nextCursor`.
    #[serde(default)]
    pub before: Option<String>,
}

/// A part of a message's text: `start` and `length` count characters
/// (Unicode code points), as `Array.from(text)` does, not UTF-16 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TextRangeView {
    pub start: u32,
    pub length: u32,
}

/// A message a search found, as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchHitView {
    pub message: EventView,
    /// Where the search's words are in its text, in order.
    pub highlights: Vec<TextRangeView>,
}

/// A page of results, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchPageView {
    pub hits: Vec<SearchHitView>,
    /// Older results exist: ask again with `before: nextCursor`.
    pub has_more: bool,
    pub next_cursor: Option<String>,
}
