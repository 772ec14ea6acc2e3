//! Storage behind a trait, so a later PostgreSQL store needs no change to
//! the API code.
//!
//! Reads are plain methods. Every write that makes channel events goes
//! through [`Store::apply`], which the ledger calls with a batch of commands
//! and which commits the whole batch at once (each command all-or-nothing):
//! that is how sends are group-committed and how event ids come out in the
//! order the fan-out publishes them.

mod name_keys;
pub mod sqlite;

use async_trait::async_trait;
use suda_protocol::{ChannelId, EventId, EventType, MemberId};

use crate::error::ApiResult;

/// Whether a channel is one-to-one or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// A one-to-one channel between two members.
    Direct,
    /// A named channel any member can join.
    Group,
}

impl ChannelKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Direct => "DIRECT",
            ChannelKind::Group => "GROUP",
        }
    }
}

/// A member as stored (without the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: MemberId,
    pub name: String,
    pub profile_image: Option<String>,
    pub created_at: i64,
}

/// A sign-in session: one token, as stored (its digest, never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Its public id (the first 8 bytes of the digest, in hex).
    pub id: String,
    /// The token's SHA-256.
    pub digest: [u8; 32],
    /// Whose it is.
    pub member: MemberId,
    /// What the client called itself when it signed in.
    pub device: Option<String>,
    /// The client address it signed in from.
    pub address: Option<String>,
    pub created_at: i64,
    /// The last request made with it (to the minute).
    pub last_seen_at: Option<i64>,
    /// When it stops working; `None` for tokens made before lifetimes.
    pub expires_at: Option<i64>,
}

/// A token to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// The token's SHA-256.
    pub digest: [u8; 32],
    /// When it stops working (unix ms).
    pub expires_at: i64,
    /// What the client calls itself.
    pub device: Option<String>,
    /// Where it signed in from.
    pub address: Option<String>,
}

/// A channel as one member sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub kind: ChannelKind,
    /// The group's name, or for a direct channel the other member's name.
    pub name: String,
    pub created_at: i64,
    /// Chat events from others after the viewer's read marker.
    pub unread: i64,
    /// The viewer's read marker (an event id, 0 before any).
    pub last_read: i64,
    /// The newest event of the channel.
    pub last_event: Option<EventId>,
    /// How many members it has now.
    pub member_count: i64,
    /// Whether the viewer is a member now.
    pub is_member: bool,
}

/// A channel event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: EventId,
    pub channel_id: ChannelId,
    pub event_type: EventType,
    pub member: MemberRow,
    pub message: Option<String>,
    pub client_key: Option<String>,
    pub created_at: i64,
}

/// A write that produces channel events; applied by the ledger.
#[derive(Debug, Clone)]
pub enum Command {
    /// Post a chat message; with a client key, a second send with the same
    /// key, channel and text returns the first message and writes nothing,
    /// and one with the same key but another channel or text is `Conflict`
    /// (a key names one message, so a client's retry can never be confused
    /// with a new message that would be dropped).
    Send {
        channel: ChannelId,
        sender: MemberId,
        text: String,
        client_key: Option<String>,
    },
    /// Create a group channel with its creator and initial members in it.
    CreateGroup {
        creator: MemberId,
        name: String,
        members: Vec<MemberId>,
    },
    /// Open (or find) the direct channel between two members.
    OpenDirect { from: MemberId, to: MemberId },
    /// Join a group channel.
    Join {
        channel: ChannelId,
        member: MemberId,
    },
    /// Add someone else to a group channel the inviter is in.
    Invite {
        channel: ChannelId,
        inviter: MemberId,
        invitee: MemberId,
    },
    /// Leave a group channel.
    Leave {
        channel: ChannelId,
        member: MemberId,
    },
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The channel it acted on.
    pub channel: ChannelId,
    /// The events it wrote, in id order; for a repeated idempotent send, the
    /// first send's event (then `fresh` is false).
    pub events: Vec<EventRow>,
    /// Whether the events are new (and so must be published).
    pub fresh: bool,
}

/// A page of a channel's history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<EventRow>,
    pub has_more: bool,
}

/// Persistent state of the chat server.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates a member, with their first token if given, all or nothing;
    /// `Conflict` when the name is taken: when another member's name has
    /// the same [`crate::name::key`] (reads the same, ignoring case and
    /// look-alike characters).
    async fn create_member(
        &self,
        name: &str,
        password_hash: &str,
        token: Option<&NewToken>,
    ) -> ApiResult<MemberRow>;
    /// A member and their password hash, by any spelling of their name
    /// (compared by [`crate::name::key`]).
    async fn member_with_hash(&self, name: &str) -> ApiResult<Option<(MemberRow, String)>>;
    /// A member by id.
    async fn member(&self, id: MemberId) -> ApiResult<Option<MemberRow>>;
    /// A member by any spelling of their name (compared by [`crate::name::key`]).
    async fn member_by_name(&self, name: &str) -> ApiResult<Option<MemberRow>>;

    /// Stores a new token for a member, and its address as one they sign
    /// in from.
    async fn insert_token(&self, member: MemberId, token: &NewToken) -> ApiResult<()>;
    /// The member and session a token digest belongs to, expired or not
    /// (the caller judges the lifetime).
    async fn token_session(&self, digest: &[u8]) -> ApiResult<Option<(MemberRow, SessionRow)>>;
    /// Notes that a token was used now.
    async fn touch_token(&self, digest: &[u8]) -> ApiResult<()>;
    /// Revokes a token; true if it existed.
    async fn delete_token(&self, digest: &[u8]) -> ApiResult<bool>;
    /// Every session of a member, newest first.
    async fn sessions_of(&self, member: MemberId) -> ApiResult<Vec<SessionRow>>;
    /// Replaces a token by a new one for the same member, in one
    /// transaction: the new one is stored and the old one's life is cut to
    /// end at `old_until`. False (and nothing written) if the old one is gone.
    async fn renew_token(
        &self,
        member: MemberId,
        old: &[u8],
        new: &NewToken,
        old_until: i64,
    ) -> ApiResult<bool>;
    /// Whether the member has signed in from `address` before.
    async fn known_address(&self, member: MemberId, address: &str) -> ApiResult<bool>;
    /// Forgets tokens that expired before `before`; how many.
    async fn delete_expired_tokens(&self, before: i64) -> ApiResult<u64>;

    /// The channels a member is in, with their unread counts.
    async fn channels_of(&self, member: MemberId) -> ApiResult<Vec<ChannelRow>>;
    /// One channel as a member sees it (also when not a member of a group
    /// channel, so it can be joined); `None` if it does not exist or is a
    /// direct channel of others.
    async fn channel_for(
        &self,
        member: MemberId,
        channel: ChannelId,
    ) -> ApiResult<Option<ChannelRow>>;
    /// Whether the member is in the channel now.
    async fn is_member(&self, member: MemberId, channel: ChannelId) -> ApiResult<bool>;
    /// The members of a channel now.
    async fn channel_members(&self, channel: ChannelId) -> ApiResult<Vec<MemberRow>>;
    /// A page of history, newest first, strictly before `before`.
    async fn events_page(
        &self,
        channel: ChannelId,
        before: Option<EventId>,
        limit: u32,
    ) -> ApiResult<EventPage>;
    /// Moves the member's read marker forward to `up_to` (or the newest
    /// event), never backward.
    async fn mark_read(
        &self,
        member: MemberId,
        channel: ChannelId,
        up_to: Option<EventId>,
    ) -> ApiResult<()>;

    /// Applies a batch of commands in one commit; each command either fully
    /// happens or not at all, and its own result says which.
    async fn apply(&self, batch: &[Command]) -> ApiResult<Vec<ApiResult<Applied>>>;

    /// The id of the newest event (0 when there is none).
    async fn head(&self) -> ApiResult<i64>;
    /// Events after `after` that the member saw or would have seen live
    /// (those inside their stretches of membership), oldest first, at most `limit`.
    async fn replay(&self, member: MemberId, after: i64, limit: u32) -> ApiResult<Vec<EventRow>>;
    /// Blocks (or unblocks) `whom` for `member`: a blocked member cannot
    /// add `member` to channels, invite them or message them directly.
    async fn set_blocked(&self, member: MemberId, whom: MemberId, blocked: bool) -> ApiResult<()>;
    /// The members `member` has blocked, by name.
    async fn blocked_by(&self, member: MemberId) -> ApiResult<Vec<MemberRow>>;
    /// How many events after `after` the member saw or would have seen live
    /// (as [`Store::replay`] counts them), counting no further than `cap`.
    async fn missed(&self, member: MemberId, after: i64, cap: u32) -> ApiResult<u32>;
    /// Every current (channel, member) pair, to seed the fan-out at start.
    async fn memberships(&self) -> ApiResult<Vec<(ChannelId, MemberId)>>;
}
