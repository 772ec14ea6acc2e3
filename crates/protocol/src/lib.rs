//! The Suda wire contract in Rust, shared by the server and every client.
//!
//! What lives here is what crosses the network: the GraphQL schema
//! (`schema.graphql`, checked against the server's code-first schema in the
//! server's tests) and the operation documents clients send, the envelope of
//! every event on the member's stream, the ids and cursors, and the error
//! codes. Nothing here knows about storage, HTTP frameworks or Tauri.

pub mod attachment;
pub mod error;
pub mod event;
pub mod ids;

pub use attachment::{Attachment, ImageSize};
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use event::{
    ChannelChanged, ChatEvent, Connected, EventType, InThread, LevelChanged, MemberRef,
    MessageDeleted, MessageEdited, MessagePreview, NotificationLevel, Presence, PresenceChanged,
    ReactionChanged, ReadMarkerMoved, ResyncReason, ResyncRequired, SseEnvelope, SseType,
    ThreadReadMarkerMoved, ThreadReplies, Typing, TYPING_EVERY_MS, TYPING_SHOWN_FOR_MS,
};
pub use ids::{AttachmentId, ChannelId, Cursor, EventId, IdError, MemberId, Position};

/// The SDL of the server's GraphQL schema, as committed.
pub const SCHEMA_GRAPHQL: &str = include_str!("../schema.graphql");

/// The GraphQL operation documents, by file name. The first three are the
/// compatibility core from the contract, kept verbatim.
pub const OPERATIONS: &[(&str, &str)] = &[
    (
        "MyChatChannels.graphql",
        include_str!("../operations/MyChatChannels.graphql"),
    ),
    (
        "ChatChannelEvents.graphql",
        include_str!("../operations/ChatChannelEvents.graphql"),
    ),
    (
        "SendChatMessage.graphql",
        include_str!("../operations/SendChatMessage.graphql"),
    ),
    (
        "Extensions.graphql",
        include_str!("../operations/Extensions.graphql"),
    ),
    (
        "Conversations.graphql",
        include_str!("../operations/Conversations.graphql"),
    ),
];

/// Path of the per-member event stream over Server-Sent Events.
pub const SSE_PATH: &str = "/v1/chats/subscriptions/channels";
/// Path of the same stream over WebSocket (one JSON text frame per event).
pub const WS_PATH: &str = "/v1/chats/subscriptions/ws";
/// Path of the same stream over HTTP long polling.
pub const POLL_PATH: &str = "/v1/chats/subscriptions/poll";
/// Path of the GraphQL endpoint.
pub const GRAPHQL_PATH: &str = "/graphql";

/// The longest message the server accepts, in characters (Unicode scalar values).
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// The longest preview of a replied-to message, in characters: its first line, cut.
pub const MAX_PREVIEW_CHARS: usize = 120;

/// The most different reactions one member may have on one message.
pub const MAX_REACTIONS_PER_MEMBER: usize = 20;

/// The most different emoji one message may carry as reactions.
pub const MAX_EMOJI_PER_MESSAGE: usize = 50;

/// How many of the members who reacted with one emoji a message lists
/// (the first to react); `count` says how many there are in all.
pub const MAX_REACTION_MEMBERS_LISTED: usize = 5;

/// The most different names one message mentions: `@name`s past these
/// stay text (each is a look-up).
pub const MAX_MENTIONS_PER_MESSAGE: usize = 50;

/// One frame of the long-polling transport: the events after the position the
/// client asked from, and the position to ask from next.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollBatch {
    /// Each event with the stream position it was sent under.
    pub events: Vec<PolledEvent>,
    /// Where the next poll starts (`after=`): the id of the last event here,
    /// or the position the poll started from when there was none.
    pub position: Position,
}

/// An event as carried by long polling and WebSocket: the SSE `id:` and the
/// SSE `data:` object side by side.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PolledEvent {
    /// The stream position (the SSE `id:`).
    pub id: Position,
    /// The envelope (the SSE `data:`).
    pub data: SseEnvelope,
}
