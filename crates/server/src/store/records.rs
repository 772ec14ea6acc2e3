//! Rows as the SQL stores return them, and their conversion to the store's
//! types: the same for SQLite and PostgreSQL (`sqlx::FromRow` decodes a
//! row of either; each store keeps its own SQL text).
//!
//! Every row is decoded by `sqlx::FromRow` (so a missing or mistyped column
//! is an error, never a panicking task), and every stored name of a kind or
//! an event type is parsed failing closed: a value this server does not
//! know is an internal error with a log line, never a default. An unknown
//! channel kind read as a group would let strangers into a direct channel.

use suda_protocol::{ChannelId, EventId, MemberId, NotificationLevel, MAX_PREVIEW_CHARS};

use crate::{
    error::{ApiError, ApiResult},
    store::{
        ChannelAccess, ChannelKind, ChannelRow, ChannelSettings, EventKind, EventRow, KeyedEvent,
        MemberRow, Preview, ReactionRow, SessionRow,
    },
};

/// The columns of [`MemberRecord`], for `SELECT {MEMBER_COLS} FROM members`.
pub(super) const MEMBER_COLS: &str = "id, name, profile_image, created_at";

/// The columns of [`EventRecord`]: events `e`, their members `m`, and
/// [`EVENT_JOINS`]. A message reads as it is now: the text of its latest
/// edit (`ed`), and for a reply the original (`o`, its sender `om`, its
/// latest edit `oed`).
pub(super) const EVENT_COLS: &str = "
  e.seq, e.channel_id, e.event_type, e.member_id, m.name, m.profile_image,
  m.created_at AS member_created_at, COALESCE(ed.message, e.message) AS message,
  e.client_key, e.created_at, e.target_seq, e.emoji, e.tally,
  ed.created_at AS edited_at, e.deleted_seq IS NOT NULL AS deleted,
  o.seq AS reply_seq, o.member_id AS reply_member_id, om.name AS reply_name,
  om.profile_image AS reply_profile_image, om.created_at AS reply_member_created_at,
  COALESCE(oed.message, o.message) AS reply_message, o.deleted_seq IS NOT NULL AS reply_deleted,
  e.mentions, e.level, e.thread_seq, e.attachments,
  e.actor_id, am.name AS actor_name, am.profile_image AS actor_profile_image,
  am.created_at AS actor_created_at";

/// What [`EVENT_COLS`] needs beside `events e JOIN members m`.
pub(super) const EVENT_JOINS: &str = "
  LEFT JOIN events ed ON ed.seq = e.edited_seq
  LEFT JOIN events o ON e.event_type = 'CHAT' AND o.seq = e.target_seq
  LEFT JOIN members om ON om.id = o.member_id
  LEFT JOIN events oed ON oed.seq = o.edited_seq
  LEFT JOIN members am ON am.id = e.actor_id";

/// Events with their members; callers add WHERE and ORDER BY.
pub(super) fn event_select() -> String {
    format!("SELECT {EVENT_COLS} FROM events e JOIN members m ON m.id = e.member_id {EVENT_JOINS}")
}

/// The columns of [`KeyedRecord`] (events `e`).
pub(super) const KEYED_COLS: &str =
    "e.seq, e.channel_id, e.event_type, e.message, e.target_seq, e.deleted_seq IS NOT NULL AS deleted,
     e.thread_seq";

/// Messages, joins and leaves: what history and last activity go by.
pub(super) const CONTENT: &str = "event_type IN ('CHAT', 'JOIN', 'LEAVE')";

/// A message's preview: its first line with something on it, at most
/// [`MAX_PREVIEW_CHARS`] characters.
pub fn preview_of(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    line.chars().take(MAX_PREVIEW_CHARS).collect()
}

/// The columns of [`SessionRecord`] (tokens `t`).
pub(super) const SESSION_COLS: &str =
    "t.token_hash, t.member_id, t.device, t.address, t.created_at AS token_created_at,
     t.last_seen_at, t.expires_at";

/// Mentions as stored: member ids separated by commas (`None` for none).
pub(super) fn stored_mentions(mentions: &[MemberId]) -> Option<String> {
    (!mentions.is_empty()).then(|| {
        mentions
            .iter()
            .map(|m| m.get().to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn mention_ids(stored: &str) -> ApiResult<Vec<MemberId>> {
    stored
        .split(',')
        .map(|id| {
            id.parse()
                .map(MemberId)
                .map_err(|_| unknown("mentions", stored))
        })
        .collect()
}

/// A membership's stored level; a member with none stored has the default.
pub(super) fn stored_level(stored: Option<String>) -> ApiResult<NotificationLevel> {
    stored
        .as_deref()
        .map_or(Ok(NotificationLevel::default()), notify_level)
}

fn notify_level(stored: &str) -> ApiResult<NotificationLevel> {
    NotificationLevel::parse(stored)
        .filter(|l| l.as_str() == stored)
        .ok_or_else(|| unknown("notification level", stored))
}

/// An internal error for a stored value this server does not know, logged
/// where it is found.
fn unknown(column: &str, value: &str) -> ApiError {
    tracing::error!(column, value, "a stored value this server does not know");
    ApiError::Internal(format!(
        "stored {column} {value:?} is not one this server knows"
    ))
}

/// A stored channel kind; an unknown one is an error, never a group.
pub(super) fn channel_kind(stored: &str) -> ApiResult<ChannelKind> {
    ChannelKind::parse(stored).ok_or_else(|| unknown("channels.ctype", stored))
}

fn event_kind(stored: &str) -> ApiResult<EventKind> {
    EventKind::parse(stored).ok_or_else(|| unknown("events.event_type", stored))
}

#[derive(sqlx::FromRow)]
pub(super) struct MemberRecord {
    id: i64,
    name: String,
    profile_image: Option<String>,
    created_at: i64,
}

impl From<MemberRecord> for MemberRow {
    fn from(r: MemberRecord) -> Self {
        MemberRow {
            id: MemberId(r.id),
            name: r.name,
            profile_image: r.profile_image,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ChannelRecord {
    id: i64,
    ctype: String,
    name: String,
    created_at: i64,
    unread: i64,
    last_read: i64,
    last_event: Option<i64>,
    member_count: i64,
    is_member: bool,
    mentions: i64,
    notify_level: Option<String>,
    topic: String,
    private: bool,
    archived: bool,
    creator_id: Option<i64>,
}

impl TryFrom<ChannelRecord> for ChannelRow {
    type Error = ApiError;

    fn try_from(r: ChannelRecord) -> ApiResult<Self> {
        Ok(ChannelRow {
            id: ChannelId(r.id),
            kind: channel_kind(&r.ctype)?,
            name: r.name,
            created_at: r.created_at,
            unread: r.unread,
            last_read: r.last_read,
            last_event: r.last_event.map(EventId),
            member_count: r.member_count,
            is_member: r.is_member,
            mentions: r.mentions,
            // Not a member: nothing of theirs is stored, so the default.
            notify_level: match r.notify_level {
                Some(level) => notify_level(&level)?,
                None => NotificationLevel::default(),
            },
            topic: r.topic,
            private: r.private,
            archived: r.archived,
            creator: r.creator_id.map(MemberId),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct EventRecord {
    seq: i64,
    channel_id: i64,
    event_type: String,
    member_id: i64,
    name: String,
    profile_image: Option<String>,
    member_created_at: i64,
    message: Option<String>,
    client_key: Option<String>,
    created_at: i64,
    target_seq: Option<i64>,
    emoji: Option<String>,
    tally: Option<i64>,
    edited_at: Option<i64>,
    deleted: bool,
    reply_seq: Option<i64>,
    reply_member_id: Option<i64>,
    reply_name: Option<String>,
    reply_profile_image: Option<String>,
    reply_member_created_at: Option<i64>,
    reply_message: Option<String>,
    reply_deleted: bool,
    mentions: Option<String>,
    level: Option<String>,
    thread_seq: Option<i64>,
    attachments: Option<String>,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    actor_profile_image: Option<String>,
    actor_created_at: Option<i64>,
}

impl TryFrom<EventRecord> for EventRow {
    type Error = ApiError;

    fn try_from(r: EventRecord) -> ApiResult<Self> {
        let reply_to = match (r.reply_seq, r.reply_member_id, r.reply_name) {
            (Some(seq), Some(member), Some(name)) => Some(Box::new(Preview {
                id: EventId(seq),
                sender: MemberRow {
                    id: MemberId(member),
                    name,
                    profile_image: r.reply_profile_image,
                    created_at: r.reply_member_created_at.unwrap_or_default(),
                },
                text: if r.reply_deleted {
                    String::new()
                } else {
                    preview_of(r.reply_message.as_deref().unwrap_or_default())
                },
                deleted: r.reply_deleted,
            })),
            _ => None,
        };
        let kind = event_kind(&r.event_type)?;
        let actor = match (r.actor_id, r.actor_name) {
            (Some(id), Some(name)) => Some(MemberRow {
                id: MemberId(id),
                name,
                profile_image: r.actor_profile_image,
                created_at: r.actor_created_at.unwrap_or_default(),
            }),
            _ => None,
        };
        let settings = match kind {
            EventKind::Channel => Some(Box::new(channel_settings(r.message.as_deref())?)),
            _ => None,
        };
        Ok(EventRow {
            id: EventId(r.seq),
            channel_id: ChannelId(r.channel_id),
            kind,
            member: MemberRow {
                id: MemberId(r.member_id),
                name: r.name,
                profile_image: r.profile_image,
                created_at: r.member_created_at,
            },
            message: r.message,
            client_key: r.client_key,
            created_at: r.created_at,
            target: r.target_seq.map(EventId),
            emoji: r.emoji,
            tally: r.tally,
            edited_at: r.edited_at,
            deleted: r.deleted,
            reply_to,
            mentions: match r.mentions.as_deref() {
                Some(ids) => mention_ids(ids)?,
                None => Vec::new(),
            },
            level: r.level.as_deref().map(notify_level).transpose()?,
            thread_root: r.thread_seq.map(EventId),
            followers: Vec::new(),
            attachments: super::attachments::attachments_of(r.attachments.as_deref())?,
            actor,
            settings,
        })
    }
}

/// A `CHANNEL` event's settings as stored (JSON in `message`).
fn channel_settings(stored: Option<&str>) -> ApiResult<ChannelSettings> {
    let stored = stored.unwrap_or_default();
    serde_json::from_str(stored).map_err(|_| unknown("channel settings", stored))
}

/// A `CHANNEL` event's settings as they are stored.
pub(super) fn stored_settings(settings: Option<&ChannelSettings>) -> Option<String> {
    settings.map(|s| serde_json::to_string(s).expect("settings are plain strings and a flag"))
}

/// A channel's access as stored: its kind, whether private, whether
/// archived, its creator.
#[derive(sqlx::FromRow)]
pub(super) struct AccessRecord {
    ctype: String,
    private: bool,
    archived: bool,
    creator_id: Option<i64>,
}

/// The columns of [`AccessRecord`] (channels, no alias).
pub(super) const ACCESS_COLS: &str =
    "ctype, private, archived_at IS NOT NULL AS archived, creator_id";

impl TryFrom<AccessRecord> for ChannelAccess {
    type Error = ApiError;

    fn try_from(r: AccessRecord) -> ApiResult<Self> {
        Ok(ChannelAccess {
            kind: channel_kind(&r.ctype)?,
            private: r.private,
            archived: r.archived,
            creator: r.creator_id.map(MemberId),
        })
    }
}

/// A group's settings as stored.
#[derive(sqlx::FromRow)]
pub(super) struct SettingsRecord {
    name: String,
    topic: String,
    archived: bool,
}

/// The columns of [`SettingsRecord`] (channels, no alias).
pub(super) const SETTINGS_COLS: &str = "name, topic, archived_at IS NOT NULL AS archived";

impl From<SettingsRecord> for ChannelSettings {
    fn from(r: SettingsRecord) -> Self {
        ChannelSettings {
            name: r.name,
            topic: r.topic,
            archived: r.archived,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct KeyedRecord {
    seq: i64,
    channel_id: i64,
    event_type: String,
    message: Option<String>,
    target_seq: Option<i64>,
    deleted: bool,
    thread_seq: Option<i64>,
}

impl TryFrom<KeyedRecord> for KeyedEvent {
    type Error = ApiError;

    fn try_from(r: KeyedRecord) -> ApiResult<Self> {
        Ok(KeyedEvent {
            id: EventId(r.seq),
            channel_id: ChannelId(r.channel_id),
            kind: event_kind(&r.event_type)?,
            // A deleted message's text (and its edits') is gone: nothing
            // to compare a retry with.
            text: r.message.filter(|_| !r.deleted),
            target: r.target_seq.map(EventId),
            thread: r.thread_seq.map(EventId),
        })
    }
}

/// One of the first members to react with one emoji, with that emoji's
/// totals (see the stores' reaction queries).
#[derive(sqlx::FromRow)]
pub(super) struct ReactionRecord {
    message_seq: i64,
    emoji: String,
    n: i64,
    mine: bool,
    #[sqlx(flatten)]
    member: MemberRecord,
}

/// Folds reaction records, ordered by message, then most reacted, then
/// first reacted, then member, into one row per message and emoji.
pub(super) fn reactions(records: Vec<ReactionRecord>) -> Vec<ReactionRow> {
    let mut rows: Vec<ReactionRow> = Vec::new();
    for r in records {
        let message = EventId(r.message_seq);
        match rows.last_mut() {
            Some(last) if last.message == message && last.emoji == r.emoji => {
                last.members.push(r.member.into());
            }
            _ => rows.push(ReactionRow {
                message,
                emoji: r.emoji,
                count: r.n,
                mine: r.mine,
                members: vec![r.member.into()],
            }),
        }
    }
    rows
}

/// A thread as one viewer sees it (see the stores' thread queries).
#[derive(sqlx::FromRow)]
pub(super) struct ThreadRecord {
    root_seq: i64,
    replies: i64,
    last_reply_at: i64,
    following: bool,
    unread: i64,
}

impl From<ThreadRecord> for crate::store::ThreadRow {
    fn from(r: ThreadRecord) -> Self {
        crate::store::ThreadRow {
            root: EventId(r.root_seq),
            replies: r.replies,
            last_reply_at: r.last_reply_at,
            following: r.following,
            unread: r.unread,
        }
    }
}

/// A session's public id: the first 8 bytes of its token's digest, in hex.
pub(crate) fn session_id(digest: &[u8]) -> String {
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[derive(sqlx::FromRow)]
pub(super) struct SessionRecord {
    token_hash: Vec<u8>,
    member_id: i64,
    device: Option<String>,
    address: Option<String>,
    #[sqlx(rename = "token_created_at")]
    created_at: i64,
    last_seen_at: Option<i64>,
    expires_at: Option<i64>,
}

impl TryFrom<SessionRecord> for SessionRow {
    type Error = ApiError;

    /// Fails on a digest that is not 32 bytes: it names no token, and a
    /// made-up one would name the wrong one.
    fn try_from(r: SessionRecord) -> ApiResult<Self> {
        let id = session_id(&r.token_hash);
        let digest = r.token_hash.try_into().map_err(|stored: Vec<u8>| {
            tracing::error!(session = %id, len = stored.len(), "a stored token digest is not 32 bytes");
            ApiError::Internal(format!("session {id}: a stored digest of {} bytes", stored.len()))
        })?;
        Ok(SessionRow {
            id,
            digest,
            member: MemberId(r.member_id),
            device: r.device,
            address: r.address,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            expires_at: r.expires_at,
        })
    }
}

/// The member and session of a token, as `token_session` reads them (the
/// member's columns under their own names, the token's `created_at` as
/// `token_created_at`).
#[derive(sqlx::FromRow)]
pub(super) struct MemberSessionRecord {
    #[sqlx(flatten)]
    member: MemberRecord,
    #[sqlx(flatten)]
    session: SessionRecord,
}

impl TryFrom<MemberSessionRecord> for (MemberRow, SessionRow) {
    type Error = ApiError;

    fn try_from(r: MemberSessionRecord) -> ApiResult<Self> {
        Ok((MemberRow::from(r.member), r.session.try_into()?))
    }
}

/// A member with their password hash.
#[derive(sqlx::FromRow)]
pub(super) struct WithHash {
    #[sqlx(flatten)]
    member: MemberRecord,
    password_hash: String,
}

impl From<WithHash> for (MemberRow, String) {
    fn from(r: WithHash) -> Self {
        (r.member.into(), r.password_hash)
    }
}

/// Converts every record, failing on the first that does not convert.
pub(super) fn all<R, T>(records: Vec<R>) -> ApiResult<Vec<T>>
where
    T: TryFrom<R, Error = ApiError>,
{
    records.into_iter().map(T::try_from).collect()
}

#[cfg(test)]
mod tests {
    use crate::{error::ApiError, store::ChannelKind};

    #[test]
    fn event_kinds_parse_only_from_what_is_stored() {
        for kind in crate::store::EventKind::ALL {
            assert_eq!(super::event_kind(kind.as_str()).unwrap(), kind);
        }
        for stored in ["", "chat", "REACTION", "EDIT "] {
            assert!(super::event_kind(stored).is_err(), "{stored:?}");
        }
    }

    #[test]
    fn a_preview_is_the_first_line_with_something_on_it_cut_to_120() {
        assert_eq!(super::preview_of("hello\nworld"), "hello");
        assert_eq!(
            super::preview_of("\n  \n  second line  \nthird"),
            "second line"
        );
        assert_eq!(super::preview_of(&"가".repeat(500)).chars().count(), 120);
        assert_eq!(super::preview_of(""), "");
    }

    #[test]
    fn kinds_parse_only_from_what_is_stored() {
        for kind in [ChannelKind::Direct, ChannelKind::Group] {
            assert_eq!(super::channel_kind(kind.as_str()).unwrap(), kind);
        }
        for stored in ["", "group", "Group", "BROADCAST", " GROUP"] {
            match super::channel_kind(stored) {
                Err(ApiError::Internal(e)) => assert!(e.contains("not one this server knows")),
                other => panic!("{stored:?}: {other:?}"),
            }
        }
    }
}
