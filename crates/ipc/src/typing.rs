//! Typing and presence: what the UI tells of the member's typing and of
//! their being away, and is told of others'. Ephemeral: nothing of it is
//! kept, on either side.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The member types in a conversation (or a thread), or stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TypingArgs {
    pub channel_id: String,
    /// The thread they type a reply in (`null`: the channel itself).
    #[serde(default)]
    pub thread_root: Option<String>,
    /// `false`: they stopped (sent it, or emptied the box).
    pub typing: bool,
}

/// What telling of typing came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TypingView {
    /// `false` in a channel too large for typing to show: no use telling
    /// it again there.
    pub shown: bool,
    /// While typing goes on, tell it again after this long.
    pub again_in_ms: u32,
}

/// Whether a member is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PresenceView {
    Online,
    Away,
    Offline,
}

/// One member's presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MemberPresenceView {
    pub member_id: String,
    pub presence: PresenceView,
}

/// The members to ask the presence of (at most 500).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PresenceArgs {
    pub member_ids: Vec<String>,
}

/// The member is away (idle, the window hidden a while), or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AwayArgs {
    pub away: bool,
}
