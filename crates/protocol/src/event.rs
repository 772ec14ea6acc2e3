//! The events of a member's stream.
//!
//! Every event is sent on SSE's default event type with one JSON object as
//! its `data:`, told apart by `sseType`. The original clients read `sseType`
//! and `ssePayload.chatChannelId` and then refetch; Suda's payload also
//! carries the whole channel event, so a client need not refetch.

use serde::{Deserialize, Serialize};

use crate::ids::{ChannelId, EventId, MemberId};

/// The kind of a channel event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    /// A chat message.
    Chat,
    /// A member joined the channel.
    Join,
    /// A member left the channel.
    Leave,
}

impl EventType {
    /// The name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Chat => "CHAT",
            EventType::Join => "JOIN",
            EventType::Leave => "LEAVE",
        }
    }

    /// Reads the stored name back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "CHAT" => Some(EventType::Chat),
            "JOIN" => Some(EventType::Join),
            "LEAVE" => Some(EventType::Leave),
            _ => None,
        }
    }
}

/// A member as shown next to an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRef {
    /// The member's id.
    pub id: MemberId,
    /// The member's display name (unique).
    pub member_name: String,
    /// A URL of the member's picture, if they set one.
    pub profile_image: Option<String>,
}

/// A channel event as carried in `ssePayload` of `CHAT_MESSAGE_PUBLISHED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEvent {
    /// The channel the event belongs to.
    pub chat_channel_id: ChannelId,
    /// The event's id, equal to its stream position.
    pub id: EventId,
    /// What kind of event it is.
    pub event_type: EventType,
    /// When the server committed it (RFC 3339, UTC).
    pub created_at: String,
    /// The text of a `CHAT` event; `None` for join and leave.
    pub message: Option<String>,
    /// Who sent the message, or who joined or left.
    pub sender: MemberRef,
    /// The sender's idempotency key, so the sender's client can match its
    /// pending message; `None` when it sent none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// For a reply, the message it answers as that message is now; absent
    /// for anything else. (Boxed: most events are no reply, and every
    /// envelope is as large as its largest kind.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Box<MessagePreview>>,
    /// The members a message mentions (`@name` in its text, resolved by the
    /// server to members of the channel); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<MemberId>,
    /// For a reply in a thread, the thread as it is right after it;
    /// absent for anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_thread: Option<Box<InThread>>,
    /// The files sent with a message, in the order they were attached;
    /// absent when none (and once the message is deleted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::Attachment>,
    /// Of a `LEAVE`, the group's creator who removed the member; absent
    /// when they left by themselves (and for anything else).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_by: Option<MemberRef>,
}

/// The thread a reply was posted in, as the stream carries it with the
/// reply: enough to update the root's "N replies" and to know whether the
/// reply is the member's to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InThread {
    /// The thread's root message.
    pub root_id: EventId,
    /// How many replies the thread has right after this one (deleted ones
    /// not counted).
    pub reply_count: u32,
    /// Whether the member whose stream this is follows the thread: they
    /// sent its root, replied in it or were mentioned in it by then. A
    /// reply from someone else then counts as unread and may notify; one in
    /// a thread they do not follow never does.
    pub following: bool,
}

/// A thread after one of its replies was deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReplies {
    /// The thread's root message.
    pub root_id: EventId,
    /// How many replies it has left.
    pub reply_count: u32,
}

/// The message a reply answers, as it is now: enough to show a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePreview {
    /// The original's id.
    pub id: EventId,
    /// Who sent the original.
    pub sender: MemberRef,
    /// Its first line, at most [`crate::MAX_PREVIEW_CHARS`] characters;
    /// empty once it was deleted.
    pub preview: String,
    /// Whether the original was deleted.
    pub deleted: bool,
}

/// `sseType: CHAT_MESSAGE_EDITED`: the sender edited a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageEdited {
    /// The message's channel.
    pub chat_channel_id: ChannelId,
    /// The message edited.
    pub message_id: EventId,
    /// Its text after this edit; empty when the message was deleted since
    /// (the text is gone everywhere, replay included).
    pub message: String,
    /// When the edit was committed (RFC 3339, UTC).
    pub edited_at: String,
}

/// `sseType: CHAT_MESSAGE_DELETED`: the sender deleted a message; its
/// text is gone, and it no longer counts as unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDeleted {
    /// The message's channel.
    pub chat_channel_id: ChannelId,
    /// The message deleted.
    pub message_id: EventId,
    /// When the deletion was committed (RFC 3339, UTC).
    pub deleted_at: String,
    /// For a reply in a thread, the thread after the deletion; absent for
    /// anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_thread: Option<ThreadReplies>,
}

/// `sseType: CHAT_REACTION_CHANGED`: a member added or took back a
/// reaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactionChanged {
    /// The message's channel.
    pub chat_channel_id: ChannelId,
    /// The message reacted to.
    pub message_id: EventId,
    /// The emoji, in its fully-qualified form.
    pub emoji: String,
    /// Who reacted.
    pub member: MemberRef,
    /// `true`: added; `false`: taken back.
    pub on: bool,
    /// How many members have this emoji on the message after the change.
    pub count: u32,
}

/// `sseType: CHAT_READ_MARKER_MOVED`: the member's own read marker moved
/// (on this device or another). Only that member's streams carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadMarkerMoved {
    /// The channel.
    pub chat_channel_id: ChannelId,
    /// The newest event read now.
    pub up_to: EventId,
    /// The member's unread count in the channel after the move.
    pub un_read_cnt: u32,
}

/// `sseType: CHAT_THREAD_READ_MARKER_MOVED`: the member's read marker of
/// a thread they follow moved (on this device or another). Only that
/// member's streams carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadMarkerMoved {
    /// The thread's channel.
    pub chat_channel_id: ChannelId,
    /// The thread's root message.
    pub thread_root: EventId,
    /// The newest reply of the thread read now.
    pub up_to: EventId,
    /// The member's unread count in the channel after the move (its
    /// messages and the replies of the threads they follow).
    pub un_read_cnt: u32,
}

/// How much of a channel notifies a member: their choice, kept by the
/// server, so it follows them to every device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationLevel {
    /// Every message from others.
    #[default]
    All,
    /// Only messages that mention the member.
    Mentions,
    /// Nothing; the channel is not counted in the tray either.
    Nothing,
}

impl NotificationLevel {
    /// Every level.
    pub const ALL: [NotificationLevel; 3] = [
        NotificationLevel::All,
        NotificationLevel::Mentions,
        NotificationLevel::Nothing,
    ];

    /// The level as the wire and the store spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationLevel::All => "ALL",
            NotificationLevel::Mentions => "MENTIONS",
            NotificationLevel::Nothing => "NOTHING",
        }
    }

    /// The level spelled `s` (as [`Self::as_str`], any case); `None` for
    /// anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
    }
}

/// `sseType: CHAT_NOTIFICATION_LEVEL_CHANGED`: the member chose another
/// notification level for a channel (on this device or another); only the
/// member's own streams get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LevelChanged {
    /// The channel.
    pub chat_channel_id: ChannelId,
    /// The level now.
    pub level: NotificationLevel,
}

/// `sseType: CHAT_CHANNEL_CHANGED`: a member renamed a group, set its
/// topic, or its creator archived it or brought it back. Every member of
/// the group gets it, and it is replayed like a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelChanged {
    /// The group.
    pub chat_channel_id: ChannelId,
    /// The change's event id.
    pub id: EventId,
    /// Its name after the change.
    pub name: String,
    /// Its topic after the change ("" for none).
    pub topic: String,
    /// Whether it is archived after the change (read, never written).
    pub archived: bool,
    /// Who changed it.
    pub changed_by: MemberRef,
    /// When (RFC 3339, UTC).
    pub changed_at: String,
}

/// `sseType: CHAT_TYPING`, ephemeral: a member of the channel started or
/// stopped typing in it (or in a thread of it). Not stored, not replayed;
/// its `id:` is the last one the stream delivered. A client shows it for
/// a few seconds ([`TYPING_SHOWN_FOR_MS`]) unless told again: a member
/// who goes away without saying so stops showing by themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Typing {
    /// The channel.
    pub chat_channel_id: ChannelId,
    /// The thread, when they type a reply in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_root: Option<EventId>,
    /// Who.
    pub member: MemberRef,
    /// `true`: typing; `false`: stopped (sent, or cleared the box).
    pub typing: bool,
}

/// Whether a member is there: a stream open (on any node) and not away,
/// open but away (idle, or the window hidden, as their client says), or
/// none open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Presence {
    /// A stream open, and not away.
    Online,
    /// A stream open, but away.
    Away,
    /// No stream open (for a few seconds: a reconnect is not a departure).
    Offline,
}

/// `sseType: MEMBER_PRESENCE_CHANGED`, ephemeral: a member who shares a
/// channel with the stream's member came, went away, came back or left.
/// Not stored, not replayed: a client asks `presence(memberIds)` for where
/// things stand, and follows these from then on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceChanged {
    /// Whose.
    pub member_id: MemberId,
    /// Theirs now.
    pub presence: Presence,
}

/// How long a client shows "typing" after the last `CHAT_TYPING` that said
/// so; a typing client says it again before then ([`TYPING_EVERY_MS`]).
pub const TYPING_SHOWN_FOR_MS: u64 = 6_000;

/// How often a client that keeps typing says so again.
pub const TYPING_EVERY_MS: u64 = 3_000;

/// Why the server cannot resume from the position a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResyncReason {
    /// More events were missed than the server replays; refetch instead.
    TooOld,
    /// The position is not one this server ever gave out (a later one, or
    /// one from another server or database).
    UnknownPosition,
}

/// `sseType: CONNECTED`, always the first event of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    /// The member the stream belongs to.
    pub member_id: MemberId,
    /// Whether the stream resumes from the client's `Last-Event-ID`.
    pub resumed: bool,
}

/// `sseType: RESYNC_REQUIRED`: what was missed is not replayed; the client
/// refetches its channels and open conversations. Live events follow it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResyncRequired {
    /// Why.
    pub reason: ResyncReason,
}

/// The discriminant of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SseType {
    /// The stream is open.
    Connected,
    /// A channel event (chat, join, leave).
    ChatMessagePublished,
    /// Resume was impossible; refetch.
    ResyncRequired,
    /// A message was edited.
    ChatMessageEdited,
    /// A message was deleted.
    ChatMessageDeleted,
    /// A reaction was added or taken back.
    ChatReactionChanged,
    /// The member's read marker moved.
    ChatReadMarkerMoved,
    /// The member's notification level of a channel changed.
    ChatNotificationLevelChanged,
    /// The member's read marker of a thread moved.
    ChatThreadReadMarkerMoved,
    /// Someone started or stopped typing (ephemeral).
    ChatTyping,
    /// A member's presence changed (ephemeral).
    MemberPresenceChanged,
    /// A group was renamed, given a topic, archived or brought back.
    ChatChannelChanged,
}

/// The JSON object in each event's `data:`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "sseType",
    content = "ssePayload",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum SseEnvelope {
    /// `{"sseType":"CONNECTED","ssePayload":{...}}`
    Connected(Connected),
    /// `{"sseType":"CHAT_MESSAGE_PUBLISHED","ssePayload":{...}}`
    ChatMessagePublished(ChatEvent),
    /// `{"sseType":"RESYNC_REQUIRED","ssePayload":{...}}`
    ResyncRequired(ResyncRequired),
    /// `{"sseType":"CHAT_MESSAGE_EDITED","ssePayload":{...}}`
    ChatMessageEdited(MessageEdited),
    /// `{"sseType":"CHAT_MESSAGE_DELETED","ssePayload":{...}}`
    ChatMessageDeleted(MessageDeleted),
    /// `{"sseType":"CHAT_REACTION_CHANGED","ssePayload":{...}}`
    ChatReactionChanged(ReactionChanged),
    /// `{"sseType":"CHAT_READ_MARKER_MOVED","ssePayload":{...}}`
    ChatReadMarkerMoved(ReadMarkerMoved),
    /// `{"sseType":"CHAT_NOTIFICATION_LEVEL_CHANGED","ssePayload":{...}}`
    ChatNotificationLevelChanged(LevelChanged),
    /// `{"sseType":"CHAT_THREAD_READ_MARKER_MOVED","ssePayload":{...}}`
    ChatThreadReadMarkerMoved(ThreadReadMarkerMoved),
    /// `{"sseType":"CHAT_TYPING","ssePayload":{...}}` (ephemeral)
    ChatTyping(Typing),
    /// `{"sseType":"MEMBER_PRESENCE_CHANGED","ssePayload":{...}}` (ephemeral)
    MemberPresenceChanged(PresenceChanged),
    /// `{"sseType":"CHAT_CHANNEL_CHANGED","ssePayload":{...}}`
    ChatChannelChanged(ChannelChanged),
}

impl SseEnvelope {
    /// The discriminant.
    pub fn sse_type(&self) -> SseType {
        match self {
            SseEnvelope::Connected(_) => SseType::Connected,
            SseEnvelope::ChatMessagePublished(_) => SseType::ChatMessagePublished,
            SseEnvelope::ResyncRequired(_) => SseType::ResyncRequired,
            SseEnvelope::ChatMessageEdited(_) => SseType::ChatMessageEdited,
            SseEnvelope::ChatMessageDeleted(_) => SseType::ChatMessageDeleted,
            SseEnvelope::ChatReactionChanged(_) => SseType::ChatReactionChanged,
            SseEnvelope::ChatReadMarkerMoved(_) => SseType::ChatReadMarkerMoved,
            SseEnvelope::ChatNotificationLevelChanged(_) => SseType::ChatNotificationLevelChanged,
            SseEnvelope::ChatThreadReadMarkerMoved(_) => SseType::ChatThreadReadMarkerMoved,
            SseEnvelope::ChatTyping(_) => SseType::ChatTyping,
            SseEnvelope::MemberPresenceChanged(_) => SseType::MemberPresenceChanged,
            SseEnvelope::ChatChannelChanged(_) => SseType::ChatChannelChanged,
        }
    }

    /// Whether it is ephemeral: not stored, not replayed, carrying the id
    /// of the last event its stream delivered.
    pub fn is_ephemeral(&self) -> bool {
        matches!(
            self,
            SseEnvelope::ChatTyping(_) | SseEnvelope::MemberPresenceChanged(_)
        )
    }
}

#[cfg(test)]
mod tests;
