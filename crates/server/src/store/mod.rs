//! Storage behind traits, so a later PostgreSQL store needs no change to
//! the API code and repeats none of its rules.
//!
//! A store knows no rules: who may send, invite or leave, what an outsider
//! may see, idempotent sends and blocking are decided in [`crate::rules`],
//! above it. A store implements reads ([`Store`]) and, for the writes that
//! make channel events, a write transaction of small primitives ([`Tx`],
//! from [`Store::begin`]) that the rules run each command against. The
//! ledger commits a whole batch of commands in one such transaction (each
//! command all-or-nothing, by a savepoint): that is how sends are
//! group-committed and how event ids come out in the order the fan-out
//! publishes them.

mod attachments;
mod name_keys;
pub mod postgres;
mod records;
mod search;
pub mod sqlite;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
mod threads;

use async_trait::async_trait;
use suda_protocol::{ChannelId, EventId, EventType, MemberId, NotificationLevel};

pub use self::{
    attachments::{
        AttachmentRow, AttachmentStore, AttachmentTx, ByteStream, NewAttachment, Part,
        PENDING_LIFETIME_MS,
    },
    records::preview_of,
    search::{IndexChange, IndexChanges, SearchAsk, SearchStore, SearchTx},
    threads::{Scope, ThreadRow, ThreadStore, ThreadTx},
};

use crate::error::ApiResult;

/// The most JSON one announcement of an ephemeral event carries
/// ([`Store::announce`]): below PostgreSQL's 8,000 bytes a `NOTIFY` takes.
pub const ANNOUNCEMENT_BYTES: usize = 4_000;

/// Whether a channel is one-to-one or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// A one-to-one channel between two members.
    Direct,
    /// A named channel any member can join.
    Group,
}

impl ChannelKind {
    /// The kind as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Direct => "DIRECT",
            ChannelKind::Group => "GROUP",
        }
    }

    /// The kind stored as `s`; `None` for anything else (a store reports
    /// that as an error: an unknown kind is never taken for a group).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "DIRECT" => Some(ChannelKind::Direct),
            "GROUP" => Some(ChannelKind::Group),
            _ => None,
        }
    }
}

/// What a stored event is: a message, a join or a leave (what history
/// shows), or a change to a message or to a read marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A chat message (a reply too).
    Chat,
    /// A member joined.
    Join,
    /// A member left.
    Leave,
    /// The sender edited a message (`target`); `message` is the new text.
    Edit,
    /// The sender deleted a message (`target`).
    Delete,
    /// A member added a reaction (`emoji`) to a message (`target`).
    React,
    /// A member took a reaction back.
    Unreact,
    /// A member's read marker moved to `target`.
    Read,
    /// A member chose another notification level (`level`) for the channel.
    Level,
    /// A member renamed the group, set its topic, archived it or brought
    /// it back (`settings`: the group's after).
    Channel,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 10] = [
        EventKind::Chat,
        EventKind::Join,
        EventKind::Leave,
        EventKind::Edit,
        EventKind::Delete,
        EventKind::React,
        EventKind::Unreact,
        EventKind::Read,
        EventKind::Level,
        EventKind::Channel,
    ];

    /// The kind as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Chat => "CHAT",
            EventKind::Join => "JOIN",
            EventKind::Leave => "LEAVE",
            EventKind::Edit => "EDIT",
            EventKind::Delete => "DELETE",
            EventKind::React => "REACT",
            EventKind::Unreact => "UNREACT",
            EventKind::Read => "READ",
            EventKind::Level => "LEVEL",
            EventKind::Channel => "CHANNEL",
        }
    }

    /// The kind stored as `s`; `None` for anything else (a store reports
    /// that as an error, never a default).
    pub fn parse(s: &str) -> Option<Self> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What history shows it as: messages, joins and leaves; `None` for a
    /// change, which history shows folded into its message.
    pub fn content(self) -> Option<EventType> {
        match self {
            EventKind::Chat => Some(EventType::Chat),
            EventKind::Join => Some(EventType::Join),
            EventKind::Leave => Some(EventType::Leave),
            _ => None,
        }
    }
}

impl From<EventType> for EventKind {
    fn from(t: EventType) -> Self {
        match t {
            EventType::Chat => EventKind::Chat,
            EventType::Join => EventKind::Join,
            EventType::Leave => EventKind::Leave,
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

/// What decides who may do what in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelAccess {
    pub kind: ChannelKind,
    /// A group neither listed nor joinable without an invite.
    pub private: bool,
    /// Archived: read, never written.
    pub archived: bool,
    /// Who created the group (`None` for a direct channel).
    pub creator: Option<MemberId>,
}

/// What the members of a group may change of it, as it is after a change
/// (what a `CHANNEL` event records).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChannelSettings {
    pub name: String,
    pub topic: String,
    pub archived: bool,
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
    /// Of the unread messages, those that mention the viewer.
    pub mentions: i64,
    /// The viewer's notification level of the channel.
    pub notify_level: NotificationLevel,
    /// What the group is about ("" for none, and for a direct channel).
    pub topic: String,
    /// A group neither listed nor joinable without an invite.
    pub private: bool,
    /// Archived: read, never written.
    pub archived: bool,
    /// Who created the group (`None` for a direct channel).
    pub creator: Option<MemberId>,
}

/// A channel event as stored, a message as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: EventId,
    pub channel_id: ChannelId,
    pub kind: EventKind,
    /// The sender, who joined or left, edited, deleted, reacted or read.
    pub member: MemberRow,
    /// A message's text as it is now (its latest edit), an edit's text;
    /// empty once the message was deleted. `None` for other kinds.
    pub message: Option<String>,
    pub client_key: Option<String>,
    pub created_at: i64,
    /// The message a reply answers, an edit, deletion or reaction changes;
    /// the new read marker of a read.
    pub target: Option<EventId>,
    /// A reaction's emoji.
    pub emoji: Option<String>,
    /// A reaction's count for its emoji after it; a read's unread count
    /// after it.
    pub tally: Option<i64>,
    /// A message's last edit, if it was edited.
    pub edited_at: Option<i64>,
    /// Whether a message was deleted.
    pub deleted: bool,
    /// For a reply, the message it answers, as that message is now.
    pub reply_to: Option<Box<Preview>>,
    /// The members a message mentions.
    pub mentions: Vec<MemberId>,
    /// A level change's level.
    pub level: Option<NotificationLevel>,
    /// The thread it belongs to, by its root: of a reply in a thread, of
    /// the deletion of one, of a read marker of a thread.
    pub thread_root: Option<EventId>,
    /// Of a reply in a thread: who followed the thread by then, by id, in
    /// order (of a replay, only whether the member replayed to did: then
    /// them or nobody). Empty for anything else.
    pub followers: Vec<MemberId>,
    /// A message's files, in order; empty once it is deleted.
    pub attachments: Vec<suda_protocol::Attachment>,
    /// Of a leave, who removed the member (`None` when they left).
    pub actor: Option<MemberRow>,
    /// Of a change of the group, its settings after it.
    pub settings: Option<Box<ChannelSettings>>,
}

/// The message a reply answers, as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub id: EventId,
    pub sender: MemberRow,
    /// Its first line, cut to [`suda_protocol::MAX_PREVIEW_CHARS`]; empty
    /// once deleted.
    pub text: String,
    pub deleted: bool,
}

/// An event to append (see [`Tx::insert_event`]).
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    pub channel: ChannelId,
    pub kind: EventKind,
    pub member: &'a MemberRow,
    pub message: Option<&'a str>,
    pub client_key: Option<&'a str>,
    pub target: Option<EventId>,
    pub emoji: Option<&'a str>,
    pub tally: Option<i64>,
    pub mentions: &'a [MemberId],
    pub level: Option<NotificationLevel>,
    pub thread: Option<EventId>,
    /// Of a leave, who removed the member.
    pub actor: Option<&'a MemberRow>,
    /// Of a change of the group, its settings after it (stored as JSON in
    /// `message`).
    pub settings: Option<&'a ChannelSettings>,
}

impl<'a> NewEvent<'a> {
    /// The row of this event once inserted with `id` at `created_at`.
    pub fn inserted(&self, id: EventId, created_at: i64) -> EventRow {
        EventRow {
            id,
            channel_id: self.channel,
            kind: self.kind,
            member: self.member.clone(),
            message: self.message.map(str::to_owned),
            client_key: self.client_key.map(str::to_owned),
            created_at,
            target: self.target,
            emoji: self.emoji.map(str::to_owned),
            tally: self.tally,
            edited_at: None,
            deleted: false,
            reply_to: None,
            mentions: self.mentions.to_vec(),
            level: self.level,
            thread_root: self.thread,
            followers: Vec::new(),
            attachments: Vec::new(),
            actor: self.actor.cloned(),
            settings: self.settings.map(|s| Box::new(s.clone())),
        }
    }

    /// An event of `kind` by `member` in `channel`, with nothing else.
    pub fn new(channel: ChannelId, kind: EventKind, member: &'a MemberRow) -> Self {
        NewEvent {
            channel,
            kind,
            member,
            message: None,
            client_key: None,
            target: None,
            emoji: None,
            tally: None,
            mentions: &[],
            level: None,
            thread: None,
            actor: None,
            settings: None,
        }
    }
}

/// A group channel to create (see [`Tx::create_group`]).
#[derive(Debug, Clone, Copy)]
pub struct NewGroup<'a> {
    pub name: &'a str,
    pub topic: &'a str,
    pub private: bool,
    pub creator: MemberId,
}

/// The event a member wrote with a client key, as first written (what a
/// retry is compared with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedEvent {
    pub id: EventId,
    pub channel_id: ChannelId,
    pub kind: EventKind,
    /// The text as sent (a message's original, an edit's); `None` once
    /// deleted.
    pub text: Option<String>,
    /// What it replied to or edited.
    pub target: Option<EventId>,
    /// The thread it was a reply in.
    pub thread: Option<EventId>,
}

/// The reactions with one emoji on one message, for one viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionRow {
    pub message: EventId,
    pub emoji: String,
    /// How many members reacted so.
    pub count: i64,
    /// Whether the viewer is one of them.
    pub mine: bool,
    /// The first [`suda_protocol::MAX_REACTION_MEMBERS_LISTED`] to react,
    /// in the order they did.
    pub members: Vec<MemberRow>,
}

/// The messages a read of reactions or threads is for: one query for a
/// whole page, whichever way the page was made.
#[derive(Debug, Clone, Copy)]
pub enum Messages<'a> {
    /// `channel`'s messages `from..=to`: those of a history page.
    Between {
        /// The channel.
        channel: ChannelId,
        /// The oldest.
        from: EventId,
        /// The newest.
        to: EventId,
    },
    /// These messages, of any channels: a page of search hits, or one.
    Listed(&'a [EventId]),
}

/// Which part of a channel's history a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    /// The newest events strictly before this one (or the newest of all).
    Before(Option<EventId>),
    /// This event and those around it: up to half the page newer, the
    /// rest older.
    Around(EventId),
}

/// A page of a channel's history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<EventRow>,
    pub has_more: bool,
}

/// Persistent state of the chat server.
#[async_trait]
pub trait Store: ThreadStore + SearchStore + AttachmentStore + Send + Sync + 'static {
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
    /// One channel as `viewer` would see it, whether or not they may:
    /// `None` only if it does not exist. Who may see it is
    /// [`crate::rules::channel_view`]'s to decide.
    async fn channel_seen_by(
        &self,
        viewer: MemberId,
        channel: ChannelId,
    ) -> ApiResult<Option<ChannelRow>>;
    /// What decides who may do what in a channel; `None` if it does not
    /// exist.
    async fn channel_access(&self, channel: ChannelId) -> ApiResult<Option<ChannelAccess>>;
    /// Whether the member is in the channel now.
    async fn is_member(&self, member: MemberId, channel: ChannelId) -> ApiResult<bool>;
    /// The directory's page of groups as `viewer` sees them: public, not
    /// archived, whose name or topic holds `query` (ASCII letters in any
    /// case; every group when it is empty), by name, `limit` of them after
    /// the first `offset`.
    async fn directory(
        &self,
        viewer: MemberId,
        query: &str,
        limit: u32,
        offset: u32,
    ) -> ApiResult<Vec<ChannelRow>>;
    /// The members of a channel now.
    async fn channel_members(&self, channel: ChannelId) -> ApiResult<Vec<MemberRow>>;
    /// A page of history (messages, joins and leaves, messages as they
    /// are now, replies in threads too), newest first, at most `limit`.
    /// `has_more` says whether older events come after its last.
    async fn events_page(
        &self,
        channel: ChannelId,
        at: PageAt,
        limit: u32,
    ) -> ApiResult<EventPage> {
        self.page_of(channel, Scope::Everything, at, limit).await
    }
    /// One event as it is now (a message with its latest text); `None` if
    /// there is none with that id.
    async fn event(&self, id: EventId) -> ApiResult<Option<EventRow>>;
    /// The reactions on `messages`, as `viewer` sees them: per message,
    /// most reacted first (then the first reacted).
    async fn reactions(
        &self,
        viewer: MemberId,
        messages: Messages<'_>,
    ) -> ApiResult<Vec<ReactionRow>>;

    /// Begins the write transaction a batch of commands runs in. It holds
    /// the store's write lock until it is committed or abandoned; dropped
    /// without either, it is rolled back and never reused.
    async fn begin(&self) -> ApiResult<Box<dyn Tx>>;

    /// The id of the newest event (0 when there is none).
    async fn head(&self) -> ApiResult<i64>;
    /// Events after `after` that the member saw or would have seen live
    /// (those inside their stretches of membership, and of read markers
    /// only their own), oldest first, at most `limit`.
    async fn replay(&self, member: MemberId, after: i64, limit: u32) -> ApiResult<Vec<EventRow>>;
    /// Blocks (or unblocks) `whom` for `member`: a blocked member cannot
    /// add `member` to channels, invite them or message them directly.
    async fn set_blocked(&self, member: MemberId, whom: MemberId, blocked: bool) -> ApiResult<()>;
    /// The members `member` has blocked, by name.
    async fn blocked_by(&self, member: MemberId) -> ApiResult<Vec<MemberRow>>;
    /// How many events after `after` the member saw or would have seen live
    /// (as [`Store::replay`] counts them), counting no further than `cap`.
    async fn missed(&self, member: MemberId, after: i64, cap: u32) -> ApiResult<u32>;
    /// Every current (channel, member) pair and the head they are current
    /// at, read at one moment: what the fan-out starts from, before it
    /// publishes the events after that head.
    async fn memberships(&self) -> ApiResult<(i64, Vec<(ChannelId, MemberId)>)>;
    /// Every channel's events after `after`, oldest first, at most `limit`:
    /// how a node publishes events that other nodes wrote (see
    /// [`crate::sequencer`]). The ids are gapless: an id below the head
    /// never appears later.
    async fn events_after(&self, after: i64, limit: u32) -> ApiResult<Vec<EventRow>>;

    /// Whether other server processes may write to this store too (on a
    /// shared database). A store only this process writes has no doorbell
    /// and no revocations from elsewhere.
    fn shared(&self) -> bool {
        false
    }
    /// Where rate limits are kept so that they hold for the whole cluster;
    /// `None` for a store nobody else writes (limits are kept in memory).
    fn shared_rates(&self) -> Option<std::sync::Arc<dyn crate::limits::SharedRates>> {
        None
    }
    /// Tells the other nodes that events up to `head` are committed; sent
    /// after the commit, never inside it. Losing a ring only adds latency:
    /// nodes also read forward on a timer.
    async fn ring(&self, _head: i64) -> ApiResult<()> {
        Ok(())
    }
    /// Rings from the other nodes: one item per ring, and one after every
    /// reconnect of the listener (rings sent while it was away are lost, so
    /// the receiver reads forward). `None` for a store nobody else writes.
    async fn doorbell(&self) -> ApiResult<Option<tokio::sync::mpsc::Receiver<()>>> {
        Ok(None)
    }
    /// Tells every node (this one too) of an ephemeral event: `payload`, at
    /// most [`ANNOUNCEMENT_BYTES`] of JSON. Best effort, never stored.
    async fn announce(&self, _payload: &str) -> ApiResult<()> {
        Ok(())
    }
    /// What the nodes announce ([`Store::announce`]), from now on; a full
    /// queue drops what does not fit. `None` for a store nobody else
    /// writes.
    async fn announcements(&self) -> ApiResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        Ok(None)
    }
    /// Digests of tokens revoked on any node in the last minute or so, by
    /// the database's clock: each node ends its own streams of them. A
    /// shared store records a revocation in the same transaction as
    /// [`Store::delete_token`] and [`Store::renew_token`] (which ends the
    /// old token's streams). Empty for a store nobody else writes (this
    /// process already ended them).
    async fn recent_revocations(&self) -> ApiResult<Vec<[u8; 32]>> {
        Ok(Vec::new())
    }

    /// Closes the store, waiting for work in progress; at shutdown (the
    /// announcements' queue closes with it).
    async fn close(&self);
}

/// One write transaction (from [`Store::begin`]): the primitives the rules
/// build every command from. None of them refuses anything; each reads or
/// writes exactly what it says. Any error is a storage error: the caller
/// fails the whole batch and calls [`Tx::abandon`].
///
/// A command runs between [`Tx::savepoint`] and either
/// [`Tx::release_savepoint`] (it happened) or [`Tx::rollback_to_savepoint`]
/// (it was refused and leaves no trace); the batch ends with [`Tx::commit`].
#[async_trait]
pub trait Tx: ThreadTx + SearchTx + AttachmentTx + Send {
    /// Marks where the next command starts.
    async fn savepoint(&mut self) -> ApiResult<()>;
    /// Keeps what the command wrote, as part of the transaction.
    async fn release_savepoint(&mut self) -> ApiResult<()>;
    /// Undoes everything since the savepoint, and ends it.
    async fn rollback_to_savepoint(&mut self) -> ApiResult<()>;
    /// Makes the whole transaction durable before returning. When that
    /// fails nothing of it is kept, and the store has already thrown away
    /// what it ran on.
    async fn commit(self: Box<Self>) -> ApiResult<()>;
    /// Gives the transaction up after a storage error: nothing of it is
    /// kept, and what it ran on (a connection whose state is unknown) is
    /// never reused.
    async fn abandon(self: Box<Self>);

    /// What decides who may do what in a channel; `None` if it does not
    /// exist.
    async fn channel_access(&mut self, channel: ChannelId) -> ApiResult<Option<ChannelAccess>>;
    /// A group's settings now; `None` if there is no such channel.
    async fn channel_settings(&mut self, channel: ChannelId) -> ApiResult<Option<ChannelSettings>>;
    /// Stores a group's settings (archived since now, when it was not).
    async fn set_channel_settings(
        &mut self,
        channel: ChannelId,
        settings: &ChannelSettings,
    ) -> ApiResult<()>;
    /// Whether the member is in the channel now.
    async fn is_member(&mut self, member: MemberId, channel: ChannelId) -> ApiResult<bool>;
    /// A member by id.
    async fn member(&mut self, id: MemberId) -> ApiResult<Option<MemberRow>>;
    /// Some member of `channel` other than `me`, in it now or before (of a
    /// direct channel: the other one).
    async fn other_member(
        &mut self,
        channel: ChannelId,
        me: MemberId,
    ) -> ApiResult<Option<MemberId>>;
    /// Whether `member` has blocked `whom`.
    async fn has_blocked(&mut self, member: MemberId, whom: MemberId) -> ApiResult<bool>;
    /// The event `sender` wrote with `client_key` (a message or an edit),
    /// if any, as first written.
    async fn event_by_client_key(
        &mut self,
        sender: MemberId,
        client_key: &str,
    ) -> ApiResult<Option<KeyedEvent>>;
    /// One event as it is now (as [`Store::event`]).
    async fn event(&mut self, id: EventId) -> ApiResult<Option<EventRow>>;
    /// The direct channel between `a` and `b` (in either order), if any.
    async fn direct_channel(&mut self, a: MemberId, b: MemberId) -> ApiResult<Option<ChannelId>>;
    /// A new group channel, with nobody in it.
    async fn create_group(&mut self, group: NewGroup<'_>) -> ApiResult<ChannelId>;
    /// A new direct channel between `a` and `b`, with nobody in it yet.
    async fn create_direct(&mut self, a: MemberId, b: MemberId) -> ApiResult<ChannelId>;
    /// Appends an event to a channel, with the next id of the one sequence.
    async fn insert_event(&mut self, event: NewEvent<'_>) -> ApiResult<EventRow>;
    /// Records `edit` as the latest edit of `message`, and whom its new
    /// text mentions.
    async fn set_edited(
        &mut self,
        message: EventId,
        edit: EventId,
        mentions: &[MemberId],
    ) -> ApiResult<()>;
    /// The members of `channel` now whose name keys are `keys` (at most
    /// [`suda_protocol::MAX_MENTIONS_PER_MESSAGE`]).
    async fn members_by_keys(
        &mut self,
        channel: ChannelId,
        keys: &[String],
    ) -> ApiResult<Vec<MemberId>>;
    /// The member's notification level of the channel (their current stretch).
    async fn notify_level(
        &mut self,
        member: MemberId,
        channel: ChannelId,
    ) -> ApiResult<NotificationLevel>;
    /// Sets the member's notification level of the channel.
    async fn set_notify_level(
        &mut self,
        member: MemberId,
        channel: ChannelId,
        level: NotificationLevel,
    ) -> ApiResult<()>;
    /// Marks `message` deleted by `deletion`, empties its text and the
    /// text of every edit of it, and removes its reactions.
    async fn delete_message(&mut self, message: EventId, deletion: EventId) -> ApiResult<()>;
    /// Whether `member` has reacted to `message` with `emoji`.
    async fn has_reaction(
        &mut self,
        message: EventId,
        member: MemberId,
        emoji: &str,
    ) -> ApiResult<bool>;
    /// How many different reactions `member` has on `message`.
    async fn reactions_by(&mut self, message: EventId, member: MemberId) -> ApiResult<i64>;
    /// How many different emoji `message` carries, and how many members
    /// reacted with `emoji`.
    async fn emoji_counts(&mut self, message: EventId, emoji: &str) -> ApiResult<(i64, i64)>;
    /// Adds `member`'s reaction (made by the event `seq`).
    async fn add_reaction(
        &mut self,
        channel: ChannelId,
        message: EventId,
        member: MemberId,
        emoji: &str,
        seq: EventId,
    ) -> ApiResult<()>;
    /// Removes `member`'s reaction.
    async fn remove_reaction(
        &mut self,
        message: EventId,
        member: MemberId,
        emoji: &str,
    ) -> ApiResult<()>;
    /// The member's read marker in the channel (their current stretch).
    async fn read_marker(&mut self, member: MemberId, channel: ChannelId) -> ApiResult<i64>;
    /// The newest message, join or leave of the channel (0 if none).
    async fn newest_content(&mut self, channel: ChannelId) -> ApiResult<i64>;
    /// Sets the member's read marker.
    async fn set_read_marker(
        &mut self,
        member: MemberId,
        channel: ChannelId,
        up_to: i64,
    ) -> ApiResult<()>;
    /// The member's unread count in the channel: its messages from others
    /// after their marker, and the replies from others in the threads they
    /// follow after their marker of each, not deleted.
    async fn unread(&mut self, member: MemberId, channel: ChannelId) -> ApiResult<i64>;
    /// Starts a stretch of membership at the member's join event (which is
    /// also where their read marker starts).
    async fn insert_membership(
        &mut self,
        channel: ChannelId,
        member: MemberId,
        joined: EventId,
    ) -> ApiResult<()>;
    /// Ends the member's current stretch of membership at their leave event.
    async fn end_membership(
        &mut self,
        channel: ChannelId,
        member: MemberId,
        left: EventId,
    ) -> ApiResult<()>;
}

/// A history page from `newer` (newest first, all of them) and `older`
/// (newest first, one more than `room` if there are more).
fn page(mut events: Vec<EventRow>, mut older: Vec<EventRow>, room: usize) -> EventPage {
    let has_more = older.len() > room;
    older.truncate(room);
    events.append(&mut older);
    EventPage { events, has_more }
}

/// Now, in unix milliseconds.
pub fn now_millis() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Runs a multi-statement write to its end on a task of its own. A request
/// handler's future is dropped when its client goes away or its time runs
/// out; dropped between `BEGIN` and `COMMIT`, it would hand the pool a
/// connection still inside the transaction (on SQLite holding the write
/// lock, so every other write waits and fails; on either, what is written
/// on it later is rolled back). A spawned task is not dropped with the
/// request: it commits or rolls back, then returns the connection.
async fn whole<T: Send + 'static>(
    work: impl std::future::Future<Output = ApiResult<T>> + Send + 'static,
) -> ApiResult<T> {
    tokio::spawn(work)
        .await
        .map_err(|e| crate::error::ApiError::Internal(format!("a storage task failed: {e}")))?
}
