//! The schema's object types, each a thin view over a stored row.

use async_graphql::{Context, Enum, Interface, Object, SimpleObject, ID};

use crate::{
    error::{ApiError, ApiResult},
    store::{
        ChannelKind, ChannelRow, EventKind, EventRow, MemberRow, Preview, ReactionRow, ThreadRow,
    },
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
    /// Chat messages from others after the caller's read marker (not
    /// deleted ones; edits, reactions and read markers never count).
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
    /// The newest message, join or leave's id: sort channels by it for
    /// "latest activity" (edits, reactions and read markers do not move it).
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
    /// Of a direct channel, the other member's id (for their presence);
    /// `null` for a group.
    async fn direct_member_id(&self, ctx: &Context<'_>) -> Option<ID> {
        if self.0.kind != ChannelKind::Direct {
            return None;
        }
        let me = super::caller_member(ctx).ok()?.id;
        let members = super::state(ctx).fanout.members_of(self.0.id, 2)?;
        members
            .into_iter()
            .find(|m| *m != me)
            .map(|m| ID(m.to_string()))
    }
    /// Of the messages `unReadCnt` counts, those that mention the caller.
    #[graphql(name = "mentionCnt")]
    async fn mentions(&self) -> i32 {
        i32::try_from(self.0.mentions).unwrap_or(i32::MAX)
    }
    /// What of this channel notifies the caller; theirs, kept by the
    /// server, so it follows them to every device. `ALL` when they are not
    /// a member.
    async fn notification_level(&self) -> NotificationLevel {
        self.0.notify_level.into()
    }
    /// What the group is about ("" for none; always "" for a direct
    /// channel). Any member sets it.
    async fn topic(&self) -> &str {
        &self.0.topic
    }
    /// A private group is neither in the directory nor joinable: only an
    /// invite brings someone in, and to anyone else it does not exist.
    async fn private(&self) -> bool {
        self.0.private
    }
    /// An archived group is read, never written (no message, change, join
    /// or invite); its creator can bring it back.
    async fn archived(&self) -> bool {
        self.0.archived
    }
    /// Who created the group: they remove members and archive it. `null`
    /// for a direct channel.
    async fn creator_id(&self) -> Option<ID> {
        self.0.creator.map(|m| ID(m.to_string()))
    }
}

/// A page of the directory of groups.
#[derive(SimpleObject)]
pub struct ChatChannelDirectoryPage {
    /// Public groups that are not archived, by name.
    pub channels: Vec<ChatChannel>,
    /// Whether more follow (ask again with `offset` moved on by `limit`).
    pub has_more: bool,
}

/// How much of a channel notifies a member.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum NotificationLevel {
    /// Every message from others.
    All,
    /// Only messages that mention them.
    Mentions,
    /// Nothing (and the channel is not counted in a tray or badge total).
    Nothing,
}

impl From<suda_protocol::NotificationLevel> for NotificationLevel {
    fn from(l: suda_protocol::NotificationLevel) -> Self {
        match l {
            suda_protocol::NotificationLevel::All => NotificationLevel::All,
            suda_protocol::NotificationLevel::Mentions => NotificationLevel::Mentions,
            suda_protocol::NotificationLevel::Nothing => NotificationLevel::Nothing,
        }
    }
}

impl From<NotificationLevel> for suda_protocol::NotificationLevel {
    fn from(l: NotificationLevel) -> Self {
        match l {
            NotificationLevel::All => suda_protocol::NotificationLevel::All,
            NotificationLevel::Mentions => suda_protocol::NotificationLevel::Mentions,
            NotificationLevel::Nothing => suda_protocol::NotificationLevel::Nothing,
        }
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
    ($(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty),* } { $($extra:tt)* }) => {
        $(#[$doc])*
        pub struct $name {
            pub row: EventRow,
            $(pub $field: $ty,)*
        }

        #[Object]
        impl $name {
            /// The event's id, which is also its position in the stream.
            async fn id(&self) -> ID {
                ID(self.row.id.to_string())
            }
            async fn event_type(&self) -> ChatEventType {
                // Only messages, joins and leaves are shown as events.
                self.row.kind.content().map_or(ChatEventType::Chat, Into::into)
            }
            async fn created_at(&self) -> String {
                timestamp(self.row.created_at)
            }
            async fn chat_channel_id(&self) -> ID {
                ID(self.row.channel_id.to_string())
            }
            $($extra)*
        }
    };
}

channel_event!(
    /// A chat message, as it is now.
    ChatChannelChatEvent { reactions: Vec<ReactionRow>, thread: Option<ThreadRow> } {
        /// The text, exactly as sent or as last edited; empty once deleted.
        // Up to 4,000 characters (12 KB): it costs as much as 50 fields,
        // which is what makes two pages of bare texts cost more than one
        // page of whole messages (see `MAX_COMPLEXITY`).
        #[graphql(complexity = 50)]
        async fn message(&self) -> &str {
            self.row.message.as_deref().unwrap_or_default()
        }
        async fn sender(&self) -> Member {
            Member(self.row.member.clone())
        }
        /// The idempotency key the sender sent it with, if any.
        async fn client_key(&self) -> Option<&str> {
            self.row.client_key.as_deref()
        }
        /// When it was last edited (RFC 3339); null until it is.
        async fn edited_at(&self) -> Option<String> {
            self.row.edited_at.map(timestamp)
        }
        /// Whether its sender deleted it; then `message` is empty.
        async fn deleted(&self) -> bool {
            self.row.deleted
        }
        /// The members its text mentions (`@name`, resolved by the server
        /// to members of the channel when it was sent or last edited), by
        /// id; their names are in the text.
        async fn mentions(&self) -> Vec<ID> {
            self.row.mentions.iter().map(|m| ID(m.to_string())).collect()
        }
        /// The files sent with it, in order; empty once it is deleted.
        // At most 10 of a few short fields, read with the message's own
        // row (no query of its own): costed as nothing, so one whole page
        // of 200 as the client asks for it still fits `MAX_COMPLEXITY`
        // (its 20,000 were spent before files). The answer limit bounds
        // them all the same (200 × 10 files is about 400 KB).
        #[graphql(complexity = 0)]
        async fn attachments(&self) -> Vec<ChatAttachment> {
            self.row.attachments.iter().cloned().map(ChatAttachment).collect()
        }
        /// For a reply, the message it answers, as that message is now.
        async fn reply_to(&self) -> Option<ChatMessagePreview> {
            self.row.reply_to.as_deref().cloned().map(ChatMessagePreview)
        }
        /// The reactions on it, most reacted first (then the first
        /// reacted). A message carries at most 50 different emoji, and
        /// each lists its first five members, so this is costed as one.
        async fn reactions(&self) -> Vec<ChatReaction> {
            self.reactions.iter().cloned().map(ChatReaction).collect()
        }
        /// For a reply in a thread, the thread's root; null for a message
        /// of the channel itself.
        async fn thread_root(&self) -> Option<ID> {
            self.row.thread_root.map(|id| ID(id.to_string()))
        }
        /// For a root that was replied to, its thread as the caller sees
        /// it; null for any other message.
        // Four numbers read with the page in one query: costed as one.
        #[graphql(complexity = 1)]
        async fn thread(&self) -> Option<ChatThread> {
            self.thread.clone().map(ChatThread)
        }
    }
);

impl ChatChannelChatEvent {
    /// A message and its reactions (`reactions` may hold other messages'
    /// too: only this one's are kept).
    pub fn new(row: EventRow, reactions: &[ReactionRow]) -> Self {
        let reactions = reactions
            .iter()
            .filter(|r| r.message == row.id)
            .cloned()
            .collect();
        ChatChannelChatEvent {
            row,
            reactions,
            thread: None,
        }
    }

    /// The same, with its thread if it is the root of one of `threads`.
    pub fn with_thread(mut self, threads: &[ThreadRow]) -> Self {
        self.thread = threads.iter().find(|t| t.root == self.row.id).cloned();
        self
    }
}

/// A file sent with a message.
pub struct ChatAttachment(pub suda_protocol::Attachment);

/// A file sent with a message. Its bytes are at
/// `/v1/attachments/{id}` (an image's thumbnail at
/// `/v1/attachments/{id}/thumbnail`), for the members who can read the
/// message, with their token.
#[Object(name = "Attachment")]
impl ChatAttachment {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its name as the sender's file had it.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Its size in bytes.
    async fn size(&self) -> i64 {
        i64::try_from(self.0.size).unwrap_or(i64::MAX)
    }
    /// Its type as the sender declared it; for an image shown inline,
    /// checked against its bytes.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// For an image shown inline (PNG, JPEG, GIF, WebP), its size as shown;
    /// it has a thumbnail. Null for any other file.
    async fn image(&self) -> Option<ImageSize> {
        self.0.image.map(|i| ImageSize {
            width: i.width as i32,
            height: i.height as i32,
        })
    }
}

/// An image's size in pixels.
#[derive(async_graphql::SimpleObject)]
pub struct ImageSize {
    pub width: i32,
    pub height: i32,
}

/// What the server takes of uploads (`POST /v1/attachments`).
#[derive(async_graphql::SimpleObject)]
pub struct AttachmentLimits {
    /// The largest file, in bytes.
    pub max_bytes: i64,
    /// The most files one message carries.
    pub per_message: i32,
    /// Bytes one member may upload in 24 hours.
    pub bytes_per_day: i64,
}

/// A thread as the caller sees it, beside its root.
pub struct ChatThread(pub ThreadRow);

/// A thread as the caller sees it, beside its root: what a channel shows
/// as "N replies, last at ...".
#[Object]
impl ChatThread {
    /// Its replies, not counting deleted ones.
    async fn reply_count(&self) -> i32 {
        i32::try_from(self.0.replies).unwrap_or(i32::MAX)
    }
    /// When its newest reply was sent (RFC 3339), deleted since or not.
    async fn last_reply_at(&self) -> String {
        timestamp(self.0.last_reply_at)
    }
    /// Whether the caller follows it: they sent its root, replied in it,
    /// or a reply mentioned them. Only then do its replies count as
    /// unread for them and notify.
    async fn following(&self) -> bool {
        self.0.following
    }
    /// Replies from others after the caller's read marker of it (0 when
    /// they do not follow it); the channel's `unReadCnt` counts them too.
    async fn un_read_cnt(&self) -> i32 {
        i32::try_from(self.0.unread).unwrap_or(i32::MAX)
    }
}

/// A page of a thread's replies.
#[derive(SimpleObject)]
pub struct ChatThreadPage {
    /// The thread's root, as it is now (with its `thread`).
    pub root: ChatChannelChatEvent,
    /// Its replies, newest first.
    pub contents: Vec<ChatChannelChatEvent>,
    /// Whether older replies exist before this page.
    pub has_more: bool,
    /// Pass as `before` to get the next (older) page; null when there is none.
    pub next_cursor: Option<String>,
}

channel_event!(
    /// A member joined.
    ChatChannelJoinEvent {} {
        /// Who joined.
        async fn member(&self) -> Member {
            Member(self.row.member.clone())
        }
    }
);

/// A member left, or the group's creator removed them. (Written out, not
/// by `channel_event!`: a cost expression cannot name `child_complexity`
/// from inside a macro's tokens.)
pub struct ChatChannelLeaveEvent {
    pub row: EventRow,
}

#[Object]
impl ChatChannelLeaveEvent {
    /// The event's id, which is also its position in the stream.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn event_type(&self) -> ChatEventType {
        ChatEventType::Leave
    }
    async fn created_at(&self) -> String {
        timestamp(self.row.created_at)
    }
    async fn chat_channel_id(&self) -> ID {
        ID(self.row.channel_id.to_string())
    }
    /// Who left.
    async fn member(&self) -> Member {
        Member(self.row.member.clone())
    }
    /// The creator who removed them; `null` when they left.
    // Read with the leave itself (one join): it costs its member's fields,
    // not one more (a page of 200 is near the limit).
    #[graphql(complexity = "child_complexity")]
    async fn removed_by(&self) -> Option<Member> {
        self.row.actor.clone().map(Member)
    }
}

/// The message a reply answers, as it is now.
pub struct ChatMessagePreview(pub Preview);

/// The message a reply answers, as it is now: enough to show a quote.
#[Object]
impl ChatMessagePreview {
    /// The original's id (`chatMessage`, or `chatChannelEvents` with
    /// `around`, to jump to it).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Who sent the original.
    async fn sender(&self) -> Member {
        Member(self.0.sender.clone())
    }
    /// Its first line, at most 120 characters; empty once it was deleted.
    async fn preview(&self) -> &str {
        &self.0.text
    }
    /// Whether the original was deleted.
    async fn deleted(&self) -> bool {
        self.0.deleted
    }
}

/// The members who reacted to a message with one emoji.
pub struct ChatReaction(pub ReactionRow);

/// The members who reacted to a message with one emoji.
#[Object]
impl ChatReaction {
    /// The emoji, in its fully-qualified form.
    async fn emoji(&self) -> &str {
        &self.0.emoji
    }
    /// How many members reacted with it.
    async fn count(&self) -> i32 {
        i32::try_from(self.0.count).unwrap_or(i32::MAX)
    }
    /// Whether the caller is one of them.
    async fn mine(&self) -> bool {
        self.0.mine
    }
    /// The first five who reacted with it, in the order they did
    /// (`count` says how many in all).
    async fn members(&self) -> Vec<Member> {
        self.0.members.iter().cloned().map(Member).collect()
    }
}

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

impl ChatChannelEvent {
    /// A history item: a message (with its reactions, from `reactions`,
    /// and its thread, from `threads`),
    /// a join or a leave. A change is never one: it is folded into its
    /// message.
    pub fn of(row: EventRow, reactions: &[ReactionRow], threads: &[ThreadRow]) -> ApiResult<Self> {
        Ok(match row.kind {
            EventKind::Chat => ChatChannelEvent::Chat(
                ChatChannelChatEvent::new(row, reactions).with_thread(threads),
            ),
            EventKind::Join => ChatChannelEvent::Join(ChatChannelJoinEvent { row }),
            EventKind::Leave => ChatChannelEvent::Leave(ChatChannelLeaveEvent { row }),
            other => {
                return Err(ApiError::Internal(format!(
                    "a {} event in history",
                    other.as_str()
                )))
            }
        })
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
