//! The schema's object types, each a thin view over a stored row.

use async_graphql::{Enum, Interface, Object, SimpleObject, ID};

use crate::{
    store::{ChannelKind, ChannelRow, EventRow, MemberRow},
    wire::timestamp,
};

/// A member (a user account).
pub struct Member(pub MemberRow);

#[Object]
impl Member {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The member's unique name.
    async fn member_name(&self) -> &str {
        &self.0.name
    }
    /// A URL of the member's picture, if set.
    async fn profile_image(&self) -> Option<&str> {
        self.0.profile_image.as_deref()
    }
    async fn created_at(&self) -> String {
        timestamp(self.0.created_at)
    }
}

/// One-to-one or group.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ChatChannelType")]
pub enum ChannelType {
    /// Between two members; cannot be joined or left.
    Direct,
    /// Named; anyone can join by id, members can invite.
    Group,
}

/// A channel as the caller sees it.
pub struct ChatChannel(pub ChannelRow);

#[Object]
impl ChatChannel {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn ctype(&self) -> ChannelType {
        match self.0.kind {
            ChannelKind::Direct => ChannelType::Direct,
            ChannelKind::Group => ChannelType::Group,
        }
    }
    /// Chat messages from others after the caller's read marker.
    #[graphql(name = "unReadCnt")]
    async fn unread(&self) -> i32 {
        i32::try_from(self.0.unread).unwrap_or(i32::MAX)
    }
    /// The group's name, or the other member's name for a direct channel.
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn created_at(&self) -> String {
        timestamp(self.0.created_at)
    }
    /// The newest event's id: sort channels by it for "latest activity".
    async fn last_event_id(&self) -> Option<ID> {
        self.0.last_event.map(|e| ID(e.to_string()))
    }
    /// The caller's read marker: the newest event they have read.
    async fn last_read_event_id(&self) -> Option<ID> {
        (self.0.last_read > 0).then(|| ID(self.0.last_read.to_string()))
    }
    async fn member_count(&self) -> i32 {
        i32::try_from(self.0.member_count).unwrap_or(i32::MAX)
    }
    /// Whether the caller is a member now.
    async fn joined(&self) -> bool {
        self.0.is_member
    }
}

/// The kind of a channel event.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ChatEventType {
    Chat,
    Join,
    Leave,
}

impl From<suda_protocol::EventType> for ChatEventType {
    fn from(t: suda_protocol::EventType) -> Self {
        match t {
            suda_protocol::EventType::Chat => ChatEventType::Chat,
            suda_protocol::EventType::Join => ChatEventType::Join,
            suda_protocol::EventType::Leave => ChatEventType::Leave,
        }
    }
}

macro_rules! channel_event {
    ($(#[$doc:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$doc])*
        pub struct $name(pub EventRow);

        #[Object]
        impl $name {
            /// The event's id, which is also its position in the stream.
            async fn id(&self) -> ID {
                ID(self.0.id.to_string())
            }
            async fn event_type(&self) -> ChatEventType {
                self.0.event_type.into()
            }
            async fn created_at(&self) -> String {
                timestamp(self.0.created_at)
            }
            async fn chat_channel_id(&self) -> ID {
                ID(self.0.channel_id.to_string())
            }
            $($extra)*
        }
    };
}

channel_event!(
    /// A chat message.
    ChatChannelChatEvent {
        /// The text, exactly as sent.
        // Up to 4,000 characters (12 KB): it costs as much as 25 fields.
        #[graphql(complexity = 25)]
        async fn message(&self) -> &str {
            self.0.message.as_deref().unwrap_or_default()
        }
        async fn sender(&self) -> Member {
            Member(self.0.member.clone())
        }
        /// The idempotency key the sender sent it with, if any.
        async fn client_key(&self) -> Option<&str> {
            self.0.client_key.as_deref()
        }
    }
);

channel_event!(
    /// A member joined.
    ChatChannelJoinEvent {
        /// Who joined.
        async fn member(&self) -> Member {
            Member(self.0.member.clone())
        }
    }
);

channel_event!(
    /// A member left.
    ChatChannelLeaveEvent {
        /// Who left.
        async fn member(&self) -> Member {
            Member(self.0.member.clone())
        }
    }
);

/// Any channel event.
// The derive's repeated `field(..)` entries trip this lint; they are distinct.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "ID"),
    field(name = "event_type", ty = "ChatEventType"),
    field(name = "created_at", ty = "String"),
    field(name = "chat_channel_id", ty = "ID")
)]
pub enum ChatChannelEvent {
    Chat(ChatChannelChatEvent),
    Join(ChatChannelJoinEvent),
    Leave(ChatChannelLeaveEvent),
}

impl From<EventRow> for ChatChannelEvent {
    fn from(row: EventRow) -> Self {
        match row.event_type {
            suda_protocol::EventType::Chat => ChatChannelEvent::Chat(ChatChannelChatEvent(row)),
            suda_protocol::EventType::Join => ChatChannelEvent::Join(ChatChannelJoinEvent(row)),
            suda_protocol::EventType::Leave => ChatChannelEvent::Leave(ChatChannelLeaveEvent(row)),
        }
    }
}

/// A page of a channel's history.
#[derive(SimpleObject)]
pub struct ChatChannelEventPage {
    /// Newest first.
    pub contents: Vec<ChatChannelEvent>,
    /// Whether older events exist before this page.
    pub has_more: bool,
    /// Pass as `before` to get the next (older) page; null when there is none.
    pub next_cursor: Option<String>,
}

/// A signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// The bearer token: send as `Authorization: Bearer <token>`.
    pub token: String,
    pub member: Member,
    /// When the token stops working (RFC 3339). Renew it before
    /// (`renewSession`); after, sign in again.
    pub expires_at: String,
}

/// One signed-in device of the member: a token, never shown again.
pub struct Session {
    pub row: crate::store::SessionRow,
    pub expires_at: i64,
    pub current: bool,
}

#[Object]
impl Session {
    /// Its id, to end it with `endSession`.
    async fn id(&self) -> ID {
        ID(self.row.id.clone())
    }
    /// What the client called itself when it signed in (its User-Agent).
    async fn device(&self) -> Option<&str> {
        self.row.device.as_deref()
    }
    /// The address it signed in from.
    async fn address(&self) -> Option<&str> {
        self.row.address.as_deref()
    }
    /// When it signed in (RFC 3339).
    async fn created_at(&self) -> String {
        timestamp(self.row.created_at)
    }
    /// When it was last used, to the minute (RFC 3339).
    async fn last_seen_at(&self) -> Option<String> {
        self.row.last_seen_at.map(timestamp)
    }
    /// When it stops working unless renewed (RFC 3339).
    async fn expires_at(&self) -> String {
        timestamp(self.expires_at)
    }
    /// Whether it is the session this request was made with.
    async fn current(&self) -> bool {
        self.current
    }
}
