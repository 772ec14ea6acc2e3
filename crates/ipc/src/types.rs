//! Payload types of commands and events.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::{args::*, files::*, groups::*, search::*, threads::*, typing::*};

/// A member as the UI shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub profile_image: Option<String>,
}

/// One-to-one or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ChannelKind {
    Direct,
    Group,
}

/// A channel in the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView {
    pub id: String,
    pub kind: ChannelKind,
    /// The group's name, or the other member's name.
    pub name: String,
    /// Messages from others after the member's read marker.
    pub unread: u32,
    /// The newest event's id (sort by it for latest activity).
    pub last_event_id: Option<String>,
    /// The member's read marker.
    pub last_read_event_id: Option<String>,
    pub member_count: u32,
    /// Muted in this app's settings before levels were kept by the server
    /// (such mutes become the level `nothing` at the next start).
    pub muted: bool,
    /// Of the unread messages, those that mention the member.
    pub mentions: u32,
    /// What of it notifies the member (theirs, kept by the server).
    pub level: NotificationLevel,
    /// Of a direct message, the other member's id (for their presence).
    pub direct_member_id: Option<String>,
    /// What the group is about (render as text; "" for none).
    pub topic: String,
    /// Neither in the directory nor joinable: only invites bring people in.
    pub private: bool,
    /// Read, never written: no composer.
    pub archived: bool,
    /// Who created the group: they remove members and archive it.
    pub creator_id: Option<String>,
}

/// How much of a channel notifies the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "camelCase")]
pub enum NotificationLevel {
    /// Every message from others.
    #[default]
    All,
    /// Only messages that mention them.
    Mentions,
    /// Nothing; not counted in the tray.
    Nothing,
}

/// The kind of a channel event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum EventKind {
    Chat,
    Join,
    Leave,
}

/// A channel event: a message, or someone joining or leaving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    pub id: String,
    pub channel_id: String,
    pub kind: EventKind,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The sender, or who joined or left.
    pub member: MemberView,
    /// The message text (always render as text); `null` for join and leave.
    pub text: Option<String>,
    /// The idempotency key the sender used, if any.
    pub client_key: Option<String>,
    /// The members the message mentions, by id.
    pub mentions: Vec<String>,
    /// When the sender last edited the message (RFC 3339); `null` if never.
    pub edited_at: Option<String>,
    /// The sender deleted it: show "message deleted" (`text` is `""`).
    pub deleted: bool,
    /// The message this one replies to, as it was when loaded.
    pub reply_to: Option<ReplyView>,
    /// Its reactions, most reacted first.
    pub reactions: Vec<ReactionView>,
    /// Of a reply in a thread, the thread's root.
    pub thread_root: Option<String>,
    /// Of a root that was replied to, its thread (from history).
    pub thread: Option<ThreadView>,
    /// Of a reply in a thread that just arrived, the thread right after it.
    pub in_thread: Option<InThreadView>,
    /// The files it carries, in order; empty once deleted.
    pub attachments: Vec<AttachmentView>,
    /// Of a leave, the group's creator who removed the member.
    pub removed_by: Option<MemberView>,
}

/// A file a message carries. Its bytes reach the web view only through the
/// shell, at `url` (and an image's thumbnail at `thumbnailUrl`): put them
/// in an `<img>`, never fetch them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    pub id: String,
    /// Its name as the sender's file had it (render as text).
    pub name: String,
    /// Bytes.
    pub size: u32,
    /// Its type as the sender declared it.
    pub content_type: String,
    /// For an image shown inline, its size as shown; `null` for any other
    /// file (a card with its name, size and type).
    pub image: Option<ImageSizeView>,
    /// The file's bytes, for the web view.
    pub url: String,
    /// An image's thumbnail; `null` for other files.
    pub thumbnail_url: Option<String>,
    /// Whether the app offers to open it with the system (documents,
    /// pictures, sound, video); anything else is only saved.
    pub openable: bool,
}

/// An image's size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageSizeView {
    pub width: u32,
    pub height: u32,
}

/// The message a reply answers: enough for a quote to click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplyView {
    pub id: String,
    pub member: MemberView,
    /// Its first line, cut short; `""` once deleted.
    pub preview: String,
    pub deleted: bool,
}

/// One emoji on a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReactionView {
    pub emoji: String,
    pub count: u32,
    /// The signed-in member is one of those who reacted.
    pub mine: bool,
    /// The first few who reacted (`count` says how many in all).
    pub members: Vec<MemberView>,
}

/// A change to a message already shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum ChangeView {
    /// The sender edited it: its text is now `text`.
    Edited {
        channel_id: String,
        message_id: String,
        text: String,
        edited_at: String,
    },
    /// The sender deleted it.
    Deleted {
        channel_id: String,
        message_id: String,
        /// Of a reply in a thread, the thread's root and its replies left.
        thread_root: Option<String>,
        reply_count: Option<u32>,
    },
    /// The member read a thread (on this device or another).
    ThreadRead { channel_id: String, root_id: String },
    /// `member` added (`on`) or took back `emoji`; `count` is its total now.
    Reaction {
        channel_id: String,
        message_id: String,
        emoji: String,
        member: MemberView,
        on: bool,
        count: u32,
        /// `member` is the signed-in member (on this device or another).
        by_me: bool,
    },
}

/// A page of history, oldest first (ready to display).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub channel_id: String,
    pub events: Vec<EventView>,
    /// Older events exist: ask again with `before: nextCursor`.
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// Where a message written by the member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum OutboxState {
    /// Saved on this machine, not yet acknowledged by the server.
    Pending,
    /// Acknowledged: it is in the channel.
    Sent,
    /// The server refused it (the error says why); it can be retried or discarded.
    Failed,
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    pub client_key: String,
    pub channel_id: String,
    pub text: String,
    pub state: OutboxState,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// The event id once sent.
    pub event_id: Option<String>,
    /// The message it replies to, if it is a reply.
    pub reply_to: Option<String>,
    /// The root of the thread it is posted in, if any.
    pub thread_root: Option<String>,
    /// The files it carries, in order.
    pub attachments: Vec<AttachmentView>,
}

/// The connection to the server, always visible in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "state"
)]
pub enum ConnectionView {
    /// Opening the stream.
    Connecting,
    /// The stream is open; events arrive live over `transport`
    /// (`"sse"`, `"webSocket"` or `"longPoll"`).
    Live { transport: String },
    /// The stream dropped; try number `attempt` (from 1) is in `inSecs` seconds.
    Reconnecting { in_secs: u32, attempt: u32 },
    /// Not signed in.
    SignedOut,
    /// The server no longer accepts the session: sign in again.
    SignInAgain,
}

/// The signed-in member and their server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub member: MemberView,
    pub server_url: String,
}

/// How much of a message a notification shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "camelCase")]
pub enum PreviewPrivacy {
    #[default]
    SenderAndText,
    SenderOnly,
    Nothing,
}

/// Light, dark, or as the OS says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "camelCase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// The app's settings, persisted in its config directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub preview: PreviewPrivacy,
    pub do_not_disturb: bool,
    pub close_to_tray: bool,
    pub start_at_login: bool,
    pub theme: Theme,
    /// `"en"`, `"ko"`, or `null` to follow the OS.
    pub language: Option<String>,
    pub muted_channels: Vec<String>,
    /// The server URL last signed in to, to prefill the sign-in screen.
    pub last_server_url: Option<String>,
    /// The emoji last reacted with, newest first (the picker shows them first).
    pub recent_emoji: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            preview: PreviewPrivacy::default(),
            do_not_disturb: false,
            close_to_tray: true,
            start_at_login: false,
            theme: Theme::default(),
            language: None,
            muted_channels: Vec::new(),
            last_server_url: None,
            recent_emoji: Vec::new(),
        }
    }
}

/// What kind of failure a command met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// Not signed in, wrong password, or the session expired.
    Unauthenticated,
    Forbidden,
    NotFound,
    /// The input breaks a rule; the message says which.
    BadInput,
    RateLimited,
    /// The name is taken.
    Conflict,
    /// The server cannot be reached.
    Unreachable,
    /// The URL answers, but not as a Suda server (or is not a URL).
    NotASudaServer,
    /// Local storage (settings, outbox, keychain) failed.
    Storage,
    /// The member stopped it (an upload they cancelled).
    Cancelled,
    Internal,
}

/// A command's error: a kind for the UI's logic and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
}

/// One signed-in device of the member (a session on the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceView {
    /// Its id, to end it.
    pub id: String,
    /// What the client called itself when it signed in.
    pub device: Option<String>,
    /// The address it signed in from.
    pub address: Option<String>,
    /// When it signed in (RFC 3339).
    pub created_at: String,
    /// When it was last used, to the minute (RFC 3339).
    pub last_seen_at: Option<String>,
    /// Whether it is this app.
    pub current: bool,
}

/// The state the UI starts from (after a reload, for instance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub session: Option<SessionView>,
    pub channels: Vec<ChannelView>,
    pub connection: ConnectionView,
    pub outbox: Vec<OutboxItem>,
    pub settings: Settings,
    /// A notice for the member (e.g. a corrupt settings file was set aside).
    pub notice: Option<String>,
    /// The conversation the UI had open, when a reload (the web view's
    /// process ended and was started again) should open it again.
    pub open_channel: Option<String>,
    /// What the member was typing in each conversation (kept by the shell
    /// across reloads, restarts and updates).
    pub drafts: Vec<DraftView>,
}

/// A conversation's unsent text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    pub channel_id: String,
    pub text: String,
}

/// Everything the shell tells the UI, on the one event `suda://event`.
///
/// `rename_all` names the variants (the `type` tag); `rename_all_fields`
/// is what makes their fields camelCase too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "type"
)]
pub enum AppEvent {
    /// A new channel event (each id at most once). (Boxed: the other
    /// variants are small, and every event is as large as its largest.)
    Event { event: Box<EventView> },
    /// Several new channel events, oldest first: what arrived in a burst
    /// within about a frame, sent at once.
    Events { events: Vec<EventView> },
    /// A message was edited, deleted or reacted to (after the events
    /// before it).
    Changed { change: ChangeView },
    /// The channel list or unread counts changed.
    Channels { channels: Vec<ChannelView> },
    /// The connection changed.
    Connection { connection: ConnectionView },
    /// An outbox item changed.
    Outbox { item: OutboxItem },
    /// Missed events could not be replayed; lists were refetched. Reload the
    /// open conversation.
    Resynced,
    /// Signed in or out.
    Session { session: Option<SessionView> },
    /// Settings changed (also from the tray).
    Settings { settings: Settings },
    /// Open this channel (a notification or the tray was clicked).
    OpenChannel { channel_id: String },
    /// Something the member should know.
    Notice { message: String },
    /// Another member types in a conversation (in `threadRoot`'s thread,
    /// when given), or stopped: show it for `forMs` unless told again.
    Typing {
        channel_id: String,
        thread_root: Option<String>,
        member: MemberView,
        typing: bool,
        for_ms: u32,
    },
    /// A member who shares a channel with the member came, went away or
    /// left.
    Presence {
        member_id: String,
        presence: PresenceView,
    },
    /// How far an upload is (`upload_file`, `upload_bytes`): told a few
    /// times a second while it goes, and once whole.
    UploadProgress {
        upload_id: String,
        #[ts(type = "number")]
        sent: u64,
        #[ts(type = "number")]
        total: u64,
    },
}

macro_rules! declarations {
    ($($t:ty),* $(,)?) => {
        /// Every type, declared for TypeScript.
        pub(crate) fn typescript() -> String {
            let cfg = ts_rs::Config::default();
            let mut out = String::from(crate::HEADER);
            $(
                out.push_str("export ");
                out.push_str(&<$t as TS>::decl(&cfg));
                out.push_str("\n\n");
            )*
            out.truncate(out.trim_end().len());
            out.push('\n');
            out
        }
    };
}

declarations!(
    MemberView,
    ChannelKind,
    NotificationLevel,
    ChannelView,
    EventKind,
    EventView,
    AttachmentView,
    ImageSizeView,
    ReplyView,
    ReactionView,
    ThreadView,
    InThreadView,
    ThreadPageView,
    SearchArgs,
    TextRangeView,
    SearchHitView,
    SearchPageView,
    ChangeView,
    HistoryPage,
    OutboxState,
    OutboxItem,
    ConnectionView,
    SessionView,
    PreviewPrivacy,
    Theme,
    Settings,
    ErrorKind,
    AppError,
    SignInArgs,
    HistoryArgs,
    SendArgs,
    EditArgs,
    MessageArgs,
    ReactArgs,
    ChannelArgs,
    LevelArgs,
    MarkReadArgs,
    CreateGroupArgs,
    MemberArgs,
    DeviceView,
    DeviceArgs,
    MemberIdArgs,
    InviteArgs,
    OutboxArgs,
    DraftView,
    FocusArgs,
    ThreadArgs,
    ThreadReadArgs,
    ChosenFileView,
    AttachmentLimitsView,
    UploadFileArgs,
    UploadBytesArgs,
    UploadArgs,
    AttachmentArgs,
    DirectoryArgs,
    ListedGroupView,
    DirectoryView,
    UpdateGroupArgs,
    RemoveMemberArgs,
    TypingArgs,
    TypingView,
    PresenceView,
    MemberPresenceView,
    PresenceArgs,
    AwayArgs,
    Snapshot,
    AppEvent,
);
