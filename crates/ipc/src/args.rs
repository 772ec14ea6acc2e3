//! The arguments of commands (the UI's side of each call).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::types::NotificationLevel;

/// Sign in or sign up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInArgs {
    pub server_url: String,
    pub member_name: String,
    pub password: String,
}

/// A page of a channel's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryArgs {
    pub channel_id: String,
    /// A `nextCursor` from the previous page; `null` for the newest page.
    pub before: Option<String>,
    /// Instead of `before`: the page around this message (to jump to it).
    #[serde(default)]
    pub around: Option<String>,
}

/// Send a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SendArgs {
    pub channel_id: String,
    pub text: String,
    /// The message of the same channel this one replies to.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// The root of the thread it is a reply in (`null`: the channel itself).
    #[serde(default)]
    pub thread_root: Option<String>,
    /// Files uploaded for it (`upload_file`, `upload_bytes`), in order;
    /// with any, the text may be empty.
    #[serde(default)]
    pub attachment_ids: Vec<String>,
}

/// Replace the text of one of the member's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EditArgs {
    pub message_id: String,
    pub text: String,
}

/// A message by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageArgs {
    pub message_id: String,
}

/// Add (`on`) or take back the member's reaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReactArgs {
    pub message_id: String,
    pub emoji: String,
    pub on: bool,
}

/// A channel by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChannelArgs {
    pub channel_id: String,
}

/// Choose what of a channel notifies the member (kept by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LevelArgs {
    pub channel_id: String,
    pub level: NotificationLevel,
}

/// Mark a channel read up to an event (default: its newest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MarkReadArgs {
    pub channel_id: String,
    pub up_to: Option<String>,
}

/// Create a group channel with members named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CreateGroupArgs {
    pub name: String,
    pub member_names: Vec<String>,
    /// What it is about ("" for nothing yet).
    #[serde(default)]
    pub topic: String,
    /// Neither listed nor joinable: only invites bring people in.
    #[serde(default)]
    pub private: bool,
}

/// A member by name (open a direct channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MemberArgs {
    pub member_name: String,
}

/// A member by id (block, unblock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MemberIdArgs {
    pub member_id: String,
}

/// A device (session) by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceArgs {
    pub id: String,
}

/// Invite a member into a group channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InviteArgs {
    pub channel_id: String,
    pub member_name: String,
}

/// The outbox item to act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxArgs {
    pub client_key: String,
}

/// Which channel the UI shows, and whether the member can see it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FocusArgs {
    /// `null` when no conversation is open.
    pub channel_id: Option<String>,
    /// The thread open beside it, by its root (`null`: none).
    #[serde(default)]
    pub thread_root: Option<String>,
}

/// A page of a thread: replies older than `before` (a `nextCursor`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadArgs {
    pub root_id: String,
    /// `null` for the newest replies.
    #[serde(default)]
    pub before: Option<String>,
}

/// Mark a thread read up to its newest reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadArgs {
    pub channel_id: String,
    pub root_id: String,
}
