//! The client's types turned into the IPC's, once, at the edge.

use std::collections::HashSet;

use suda_client::{
    attachments::Part,
    outbox::{OutboxEntry, OutboxState as ClientOutboxState},
    search::SearchPage,
    state::{Channel, ChannelKind as ClientKind},
    subscription::{ConnectionState, OfflineReason},
    transport::TransportKind,
    Change, ClientError, HistoryItem, ThreadPage,
};
use suda_ipc::{
    AppError, AttachmentView, ChangeView, ChannelKind, ChannelView, ConnectionView, DeviceView,
    ErrorKind, EventKind, EventView, ImageSizeView, InThreadView, MemberView, NotificationLevel,
    OutboxItem, OutboxState, ReactionView, ReplyView, SearchHitView, SearchPageView, TextRangeView,
    ThreadPageView, ThreadView,
};
use suda_protocol::{Attachment, ChatEvent, ErrorCode, EventType, MemberId, MemberRef};

use crate::files;

pub fn device(s: &suda_client::SessionInfo) -> DeviceView {
    DeviceView {
        id: s.id.clone(),
        device: s.device.clone(),
        address: s.address.clone(),
        created_at: s.created_at.clone(),
        last_seen_at: s.last_seen_at.clone(),
        current: s.current,
    }
}

pub fn member(m: &MemberRef) -> MemberView {
    MemberView {
        id: m.id.to_string(),
        name: m.member_name.clone(),
        profile_image: m.profile_image.clone(),
    }
}

pub fn channel(c: &Channel, muted: &HashSet<String>) -> ChannelView {
    let id = c.id.to_string();
    ChannelView {
        muted: muted.contains(&id),
        id,
        kind: match c.kind {
            ClientKind::Direct => ChannelKind::Direct,
            ClientKind::Group => ChannelKind::Group,
        },
        name: c.name.clone(),
        unread: c.unread,
        last_event_id: c.last_event_id.map(|e| e.to_string()),
        last_read_event_id: c.last_read_event_id.map(|e| e.to_string()),
        member_count: c.member_count,
        mentions: c.mentions,
        level: match c.notify_level {
            suda_protocol::NotificationLevel::All => NotificationLevel::All,
            suda_protocol::NotificationLevel::Mentions => NotificationLevel::Mentions,
            suda_protocol::NotificationLevel::Nothing => NotificationLevel::Nothing,
        },
        direct_member_id: c.direct_member.map(|m| m.to_string()),
        topic: c.topic.clone(),
        private: c.private,
        archived: c.archived,
        creator_id: c.creator.map(|m| m.to_string()),
    }
}

/// A page of the directory, for the UI.
pub fn directory(page: &suda_client::DirectoryPage) -> suda_ipc::DirectoryView {
    suda_ipc::DirectoryView {
        groups: page
            .groups
            .iter()
            .map(|g| suda_ipc::ListedGroupView {
                id: g.id.to_string(),
                name: g.name.clone(),
                topic: g.topic.clone(),
                member_count: g.member_count,
                joined: g.joined,
            })
            .collect(),
        has_more: page.has_more,
    }
}

/// A presence, for the UI.
pub fn presence(p: suda_protocol::Presence) -> suda_ipc::PresenceView {
    match p {
        suda_protocol::Presence::Online => suda_ipc::PresenceView::Online,
        suda_protocol::Presence::Away => suda_ipc::PresenceView::Away,
        suda_protocol::Presence::Offline => suda_ipc::PresenceView::Offline,
    }
}

pub fn channels(list: &[Channel], muted: &[String]) -> Vec<ChannelView> {
    let muted: HashSet<String> = muted.iter().cloned().collect();
    list.iter().map(|c| channel(c, &muted)).collect()
}

/// A message as it arrived on the stream: new, so unchanged.
pub fn event(e: &ChatEvent) -> EventView {
    EventView {
        id: e.id.to_string(),
        channel_id: e.chat_channel_id.to_string(),
        kind: match e.event_type {
            EventType::Chat => EventKind::Chat,
            EventType::Join => EventKind::Join,
            EventType::Leave => EventKind::Leave,
        },
        created_at: e.created_at.clone(),
        member: member(&e.sender),
        text: e.message.clone(),
        client_key: e.client_key.clone(),
        mentions: e.mentions.iter().map(ToString::to_string).collect(),
        edited_at: None,
        deleted: false,
        reply_to: e.reply_to.as_deref().map(|r| ReplyView {
            id: r.id.to_string(),
            member: member(&r.sender),
            preview: r.preview.clone(),
            deleted: r.deleted,
        }),
        reactions: Vec::new(),
        thread_root: e.in_thread.as_ref().map(|t| t.root_id.to_string()),
        thread: None,
        in_thread: e.in_thread.as_deref().map(|t| InThreadView {
            root_id: t.root_id.to_string(),
            reply_count: t.reply_count,
            following: t.following,
        }),
        attachments: e.attachments.iter().map(attachment).collect(),
        removed_by: e.removed_by.as_ref().map(member),
    }
}

/// A file a message carries, with the URLs the web view reads it by.
pub fn attachment(a: &Attachment) -> AttachmentView {
    AttachmentView {
        id: a.id.to_string(),
        name: a.name.clone(),
        size: u32::try_from(a.size).unwrap_or(u32::MAX),
        content_type: a.content_type.clone(),
        image: a.image.map(|i| ImageSizeView {
            width: i.width,
            height: i.height,
        }),
        url: files::url(a.id, Part::File),
        thumbnail_url: a.image.map(|_| files::url(a.id, Part::Thumbnail)),
        openable: crate::shell::openable(&a.name),
    }
}

/// Someone typing, for the UI.
pub fn typing(t: &suda_protocol::Typing) -> suda_ipc::AppEvent {
    suda_ipc::AppEvent::Typing {
        channel_id: t.chat_channel_id.to_string(),
        thread_root: t.thread_root.map(|r| r.to_string()),
        member: member(&t.member),
        typing: t.typing,
        for_ms: suda_protocol::TYPING_SHOWN_FOR_MS as u32,
    }
}

/// A history item: the event with its changes folded in.
pub fn item(h: &HistoryItem) -> EventView {
    EventView {
        edited_at: h.edited_at.clone(),
        deleted: h.deleted,
        reactions: h
            .reactions
            .iter()
            .map(|r| ReactionView {
                emoji: r.emoji.clone(),
                count: r.count,
                mine: r.mine,
                members: r.members.iter().map(member).collect(),
            })
            .collect(),
        thread_root: h.thread_root.map(|r| r.to_string()),
        thread: h.thread.as_ref().map(|t| ThreadView {
            reply_count: t.reply_count,
            last_reply_at: t.last_reply_at.clone(),
            following: t.following,
            unread: t.unread,
        }),
        in_thread: None,
        ..event(&h.event)
    }
}

/// A page of a thread, oldest first.
pub fn thread(page: &ThreadPage) -> ThreadPageView {
    ThreadPageView {
        channel_id: page.root.event.chat_channel_id.to_string(),
        root: item(&page.root),
        replies: page.replies.iter().rev().map(item).collect(),
        has_more: page.has_more,
        next_cursor: page.next_cursor.clone(),
    }
}

/// A page of search results, newest first as found.
pub fn search(page: &SearchPage) -> SearchPageView {
    SearchPageView {
        hits: page
            .hits
            .iter()
            .map(|hit| SearchHitView {
                message: item(&hit.message),
                highlights: hit
                    .highlights
                    .iter()
                    .map(|r| TextRangeView {
                        start: r.start,
                        length: r.length,
                    })
                    .collect(),
            })
            .collect(),
        has_more: page.has_more,
        next_cursor: page.next_cursor.clone(),
    }
}

/// A change the conversation shows; `None` for a read marker (the channel
/// list tells that). `me` is the signed-in member.
pub fn change(c: &Change, me: Option<MemberId>) -> Option<ChangeView> {
    Some(match c {
        Change::Edited(e) => ChangeView::Edited {
            channel_id: e.chat_channel_id.to_string(),
            message_id: e.message_id.to_string(),
            text: e.message.clone(),
            edited_at: e.edited_at.clone(),
        },
        Change::Deleted(d) => ChangeView::Deleted {
            channel_id: d.chat_channel_id.to_string(),
            message_id: d.message_id.to_string(),
            thread_root: d.in_thread.as_ref().map(|t| t.root_id.to_string()),
            reply_count: d.in_thread.as_ref().map(|t| t.reply_count),
        },
        Change::ThreadRead(t) => ChangeView::ThreadRead {
            channel_id: t.chat_channel_id.to_string(),
            root_id: t.thread_root.to_string(),
        },
        Change::Reaction(r) => ChangeView::Reaction {
            channel_id: r.chat_channel_id.to_string(),
            message_id: r.message_id.to_string(),
            emoji: r.emoji.clone(),
            member: member(&r.member),
            on: r.on,
            count: r.count,
            by_me: Some(r.member.id) == me,
        },
        // The channel list tells these.
        Change::ReadMarker(_) | Change::Level(_) | Change::Channel(_) => return None,
    })
}

/// The connection as the UI shows it; `attempt` counts the reconnections
/// since the stream was last live.
pub fn connection(c: &ConnectionState, attempt: u32) -> ConnectionView {
    match c {
        ConnectionState::Connecting => ConnectionView::Connecting,
        ConnectionState::Live { transport } => ConnectionView::Live {
            transport: match transport {
                TransportKind::Sse => "sse",
                TransportKind::WebSocket => "webSocket",
                TransportKind::LongPoll => "longPoll",
            }
            .to_owned(),
        },
        ConnectionState::Reconnecting { in_secs } => ConnectionView::Reconnecting {
            in_secs: u32::try_from(*in_secs).unwrap_or(u32::MAX),
            attempt,
        },
        ConnectionState::Offline {
            reason: OfflineReason::SignedOut,
        } => ConnectionView::SignedOut,
        ConnectionState::Offline {
            reason: OfflineReason::SignInAgain,
        } => ConnectionView::SignInAgain,
    }
}

pub fn outbox(e: &OutboxEntry) -> OutboxItem {
    let (state, error, event_id) = match &e.state {
        ClientOutboxState::Pending => (OutboxState::Pending, None, None),
        ClientOutboxState::Sent { event_id } => {
            (OutboxState::Sent, None, Some(event_id.to_string()))
        }
        ClientOutboxState::Failed { reason } => (OutboxState::Failed, Some(reason.clone()), None),
    };
    OutboxItem {
        client_key: e.key.clone(),
        channel_id: e.channel.to_string(),
        text: e.text.clone(),
        state,
        error,
        event_id,
        reply_to: e.reply_to.map(|r| r.to_string()),
        thread_root: e.thread_root.map(|r| r.to_string()),
        attachments: e.attachments.iter().map(attachment).collect(),
    }
}

/// A client error as the UI shows it: a kind for its logic, a sentence for
/// the member.
pub fn error(e: &ClientError) -> AppError {
    let kind = match e {
        ClientError::Unreachable { .. } => ErrorKind::Unreachable,
        ClientError::Http { .. } | ClientError::Protocol(_) => ErrorKind::NotASudaServer,
        ClientError::NotSignedIn => ErrorKind::Unauthenticated,
        ClientError::Storage(_) => ErrorKind::Storage,
        ClientError::Api { code, .. } => match code {
            ErrorCode::Unauthenticated => ErrorKind::Unauthenticated,
            ErrorCode::Forbidden => ErrorKind::Forbidden,
            ErrorCode::NotFound => ErrorKind::NotFound,
            ErrorCode::BadUserInput | ErrorCode::PayloadTooLarge => ErrorKind::BadInput,
            ErrorCode::RateLimited => ErrorKind::RateLimited,
            ErrorCode::Conflict => ErrorKind::Conflict,
            ErrorCode::Internal | ErrorCode::Unavailable => ErrorKind::Internal,
        },
    };
    let message = match e {
        ClientError::Api { message, .. } => capitalize(message),
        ClientError::Http { .. } | ClientError::Protocol(_) => {
            "That address answers, but not as a Suda server. Check the server URL.".to_owned()
        }
        other => capitalize(&other.to_string()),
    };
    AppError { kind, message }
}

/// An error of the shell itself.
pub fn app_error(kind: ErrorKind, message: impl Into<String>) -> AppError {
    AppError {
        kind,
        message: message.into(),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
