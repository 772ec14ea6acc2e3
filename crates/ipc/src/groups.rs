//! Groups beyond messages: the directory, renaming and topics, archiving,
//! and the creator removing members.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A page of the directory to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryArgs {
    /// Kept to groups whose name or topic holds it ("" for all).
    pub query: String,
    /// How many of the list to skip (a multiple of the page the shell gives).
    #[serde(default)]
    pub offset: u32,
}

/// A group as the directory lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListedGroupView {
    pub id: String,
    /// Render as text.
    pub name: String,
    /// Render as text; "" for none.
    pub topic: String,
    pub member_count: u32,
    /// Whether the member is in it (open it rather than join).
    pub joined: bool,
}

/// A page of the directory: public groups that are not archived, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryView {
    pub groups: Vec<ListedGroupView>,
    /// Ask again with `offset` moved on by `groups.length` for more.
    pub has_more: bool,
}

/// What to change of a group; what is `null` stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateGroupArgs {
    pub channel_id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// "" clears it.
    #[serde(default)]
    pub topic: Option<String>,
    /// Only the creator archives or brings back.
    #[serde(default)]
    pub archived: Option<bool>,
}

/// A member for the creator to take out of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoveMemberArgs {
    pub channel_id: String,
    pub member_id: String,
}
