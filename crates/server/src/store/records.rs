//! Rows as the SQL stores return them, and their conversion to the store's
//! types: the same for SQLite and PostgreSQL (`sqlx::FromRow` decodes a
//! row of either; each store keeps its own SQL text).
//!
//! Every row is decoded by `sqlx::FromRow` (so a missing or mistyped column
//! is an error, never a panicking task), and every stored name of a kind or
//! an event type is parsed failing closed: a value this server does not
//! know is an internal error with a log line, never a default. An unknown
//! channel kind read as a group would let strangers into a direct channel.

use suda_protocol::{ChannelId, EventId, EventType, MemberId};

use crate::{
    error::{ApiError, ApiResult},
    store::{ChannelKind, ChannelRow, EventRow, MemberRow, SessionRow},
};

/// The columns of [`MemberRecord`], for `SELECT {MEMBER_COLS} FROM members`.
pub(super) const MEMBER_COLS: &str = "id, name, profile_image, created_at";

/// The columns of [`EventRecord`] (events `e`, their members `m`).
pub(super) const EVENT_COLS: &str = "
  e.seq, e.channel_id, e.event_type, e.member_id, m.name, m.profile_image,
  m.created_at AS member_created_at, e.message, e.client_key, e.created_at";

/// Events with their members; callers add WHERE and ORDER BY.
pub(super) fn event_select() -> String {
    format!("SELECT {EVENT_COLS} FROM events e JOIN members m ON m.id = e.member_id")
}

/// The columns of [`SessionRecord`] (tokens `t`).
pub(super) const SESSION_COLS: &str =
    "t.token_hash, t.member_id, t.device, t.address, t.created_at AS token_created_at,
     t.last_seen_at, t.expires_at";

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

fn event_type(stored: &str) -> ApiResult<EventType> {
    EventType::parse(stored).ok_or_else(|| unknown("events.event_type", stored))
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
}

impl TryFrom<EventRecord> for EventRow {
    type Error = ApiError;

    fn try_from(r: EventRecord) -> ApiResult<Self> {
        Ok(EventRow {
            id: EventId(r.seq),
            channel_id: ChannelId(r.channel_id),
            event_type: event_type(&r.event_type)?,
            member: MemberRow {
                id: MemberId(r.member_id),
                name: r.name,
                profile_image: r.profile_image,
                created_at: r.member_created_at,
            },
            message: r.message,
            client_key: r.client_key,
            created_at: r.created_at,
        })
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
