//! Stored rows turned into wire types, once, at the edge.

use suda_protocol::{
    ChannelChanged, ChatEvent, EventId, InThread, LevelChanged, MemberId, MemberRef,
    MessageDeleted, MessageEdited, MessagePreview, ReactionChanged, ReadMarkerMoved, SseEnvelope,
    ThreadReadMarkerMoved, ThreadReplies,
};

use crate::store::{EventKind, EventRow, MemberRow, Preview};

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

/// The original of a reply as the stream carries it.
pub fn preview(p: &Preview) -> MessagePreview {
    MessagePreview {
        id: p.id,
        sender: member_ref(&p.sender),
        preview: p.text.clone(),
        deleted: p.deleted,
    }
}

/// A stored message, join or leave as `CHAT_MESSAGE_PUBLISHED` carries it
/// to a member who does (`following`) or does not follow the thread it is
/// a reply in, if any (`None` for a change, which has an envelope of its
/// own: [`envelope`]).
fn chat_event(row: &EventRow, following: bool) -> Option<ChatEvent> {
    let event_type = row.kind.content()?;
    let message = match row.kind {
        // A deleted message's text is gone: empty, never absent.
        EventKind::Chat => Some(row.message.clone().unwrap_or_default()),
        _ => None,
    };
    Some(ChatEvent {
        chat_channel_id: row.channel_id,
        id: row.id,
        event_type,
        created_at: timestamp(row.created_at),
        message,
        sender: member_ref(&row.member),
        client_key: row.client_key.clone(),
        reply_to: row.reply_to.as_deref().map(|p| Box::new(preview(p))),
        mentions: row.mentions.clone(),
        in_thread: match (row.kind, row.thread_root) {
            (EventKind::Chat, Some(root)) => Some(Box::new(InThread {
                root_id: root,
                reply_count: count(row.tally),
                following,
            })),
            _ => None,
        },
        attachments: row.attachments.clone(),
        removed_by: match row.kind {
            EventKind::Leave => row.actor.as_ref().map(member_ref),
            _ => None,
        },
    })
}

/// A stored count as the wire carries it.
fn count(tally: Option<i64>) -> u32 {
    u32::try_from(tally.unwrap_or(0)).unwrap_or(u32::MAX)
}

/// Whether `row` is a reply in a thread, which followers of the thread see
/// otherwise than others (see [`envelope_for`]).
pub fn is_thread_reply(row: &EventRow) -> bool {
    row.kind == EventKind::Chat && row.thread_root.is_some()
}

/// A stored event as the stream of `member` carries it: as [`envelope`],
/// but a reply in a thread the member followed by then says so.
pub fn envelope_for(row: &EventRow, member: MemberId) -> SseEnvelope {
    envelope_as(row, row.followers.contains(&member))
}

/// A stored event as the stream carries it to the followers of its thread
/// (of a reply in a thread; for anything else, the same as [`envelope`]).
pub fn follower_envelope(row: &EventRow) -> SseEnvelope {
    envelope_as(row, true)
}

/// A stored event as the stream carries it to a member who follows no
/// thread: messages, joins and leaves as `CHAT_MESSAGE_PUBLISHED`, each
/// change under its own `sseType`.
pub fn envelope(row: &EventRow) -> SseEnvelope {
    envelope_as(row, false)
}

fn envelope_as(row: &EventRow, following: bool) -> SseEnvelope {
    let target = row.target.unwrap_or(EventId(0));
    let tally = count;
    match row.kind {
        EventKind::Chat | EventKind::Join | EventKind::Leave => SseEnvelope::ChatMessagePublished(
            chat_event(row, following).expect("messages, joins and leaves are chat events"),
        ),
        EventKind::Edit => SseEnvelope::ChatMessageEdited(MessageEdited {
            chat_channel_id: row.channel_id,
            message_id: target,
            message: row.message.clone().unwrap_or_default(),
            edited_at: timestamp(row.created_at),
        }),
        EventKind::Delete => SseEnvelope::ChatMessageDeleted(MessageDeleted {
            chat_channel_id: row.channel_id,
            message_id: target,
            deleted_at: timestamp(row.created_at),
            in_thread: row.thread_root.map(|root| ThreadReplies {
                root_id: root,
                reply_count: tally(row.tally),
            }),
        }),
        EventKind::React | EventKind::Unreact => {
            SseEnvelope::ChatReactionChanged(ReactionChanged {
                chat_channel_id: row.channel_id,
                message_id: target,
                emoji: row.emoji.clone().unwrap_or_default(),
                member: member_ref(&row.member),
                on: row.kind == EventKind::React,
                count: tally(row.tally),
            })
        }
        EventKind::Read => match row.thread_root {
            Some(root) => SseEnvelope::ChatThreadReadMarkerMoved(ThreadReadMarkerMoved {
                chat_channel_id: row.channel_id,
                thread_root: root,
                up_to: target,
                un_read_cnt: tally(row.tally),
            }),
            None => SseEnvelope::ChatReadMarkerMoved(ReadMarkerMoved {
                chat_channel_id: row.channel_id,
                up_to: target,
                un_read_cnt: tally(row.tally),
            }),
        },
        EventKind::Channel => {
            // Every stored change has its settings (a row without fails
            // to load); one made in memory without them reads as empty.
            let settings = row.settings.as_deref().cloned().unwrap_or_default();
            SseEnvelope::ChatChannelChanged(ChannelChanged {
                chat_channel_id: row.channel_id,
                id: row.id,
                name: settings.name,
                topic: settings.topic,
                archived: settings.archived,
                changed_by: member_ref(&row.member),
                changed_at: timestamp(row.created_at),
            })
        }
        EventKind::Level => SseEnvelope::ChatNotificationLevelChanged(LevelChanged {
            chat_channel_id: row.channel_id,
            level: row.level.unwrap_or_default(),
        }),
    }
}

/// Who of a channel's members gets an event: everyone, or for a read
/// marker or a notification level only the member whose it is.
pub fn audience(row: &EventRow) -> Option<MemberId> {
    matches!(row.kind, EventKind::Read | EventKind::Level).then_some(row.member.id)
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
