//! Stored rows turned into wire types, once, at the edge.

use suda_protocol::{ChatEvent, MemberRef};

use crate::store::{EventRow, MemberRow};

/// Milliseconds since the epoch as RFC 3339 in UTC with milliseconds,
/// e.g. `2026-11-25T23:29:03.123Z`.
pub fn timestamp(millis: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&format).unwrap_or_default()
}

/// A member as shown beside an event.
pub fn member_ref(member: &MemberRow) -> MemberRef {
    MemberRef {
        id: member.id,
        member_name: member.name.clone(),
        profile_image: member.profile_image.clone(),
    }
}

/// A stored event as the stream carries it.
pub fn chat_event(row: &EventRow) -> ChatEvent {
    ChatEvent {
        chat_channel_id: row.channel_id,
        id: row.id,
        event_type: row.event_type,
        created_at: timestamp(row.created_at),
        message: row.message.clone(),
        sender: member_ref(&row.member),
        client_key: row.client_key.clone(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_rfc3339_utc_with_millis() {
        assert_eq!(super::timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::timestamp(1_764_113_343_123),
            "2025-11-25T23:29:03.123Z"
        );
    }
}
