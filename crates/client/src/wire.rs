//! GraphQL answers into the client's own types, once, at the edge.
//!
//! `graphql_client` generates one struct per selection, so the same
//! channel comes back as four different types; they are all converted here
//! into [`Channel`], [`MemberRef`] and the protocol's [`ChatEvent`] (the same
//! type the stream carries), so the rest of the client sees one shape.

use std::str::FromStr;

use suda_protocol::{
    Attachment, ChannelId, ChatEvent, EventType, ImageSize, MemberRef, MessagePreview,
    NotificationLevel,
};

use crate::{
    error::{ClientError, ClientResult},
    graphql::ops,
    history::{HistoryItem, Reaction, ThreadSummary},
    state::{Channel, ChannelKind},
};

pub(crate) fn id<T: FromStr<Err = suda_protocol::IdError>>(s: &str) -> ClientResult<T> {
    s.parse()
        .map_err(|e: suda_protocol::IdError| ClientError::Protocol(e.to_string()))
}

fn opt_id<T: FromStr<Err = suda_protocol::IdError>>(s: Option<&String>) -> ClientResult<Option<T>> {
    s.map(|s| id(s)).transpose()
}

pub(crate) fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

macro_rules! channel_from {
    ($ty:path, $kind:path, $level:path) => {
        impl TryFrom<$ty> for Channel {
            type Error = ClientError;
            fn try_from(c: $ty) -> ClientResult<Channel> {
                use $kind as K;
                use $level as L;
                Ok(Channel {
                    id: id(&c.id)?,
                    kind: match c.ctype {
                        K::DIRECT => ChannelKind::Direct,
                        _ => ChannelKind::Group,
                    },
                    name: c.name,
                    unread: count(c.un_read_cnt),
                    mentions: count(c.mention_cnt),
                    notify_level: match c.notification_level {
                        L::ALL => NotificationLevel::All,
                        L::MENTIONS => NotificationLevel::Mentions,
                        L::NOTHING => NotificationLevel::Nothing,
                        L::Other(other) => {
                            return Err(ClientError::Protocol(format!(
                                "a notification level this client does not know: {other}"
                            )))
                        }
                    },
                    created_at: c.created_at,
                    last_event_id: opt_id(c.last_event_id.as_ref())?,
                    last_read_event_id: opt_id(c.last_read_event_id.as_ref())?,
                    member_count: count(c.member_count),
                    direct_member: opt_id(c.direct_member_id.as_ref())?,
                    topic: c.topic,
                    private: c.private,
                    archived: c.archived,
                    creator: opt_id(c.creator_id.as_ref())?,
                })
            }
        }
    };
}

channel_from!(
    ops::channels::ChannelsMyChatChannels,
    ops::channels::ChatChannelType,
    ops::channels::NotificationLevel
);
channel_from!(
    ops::create_group::CreateGroupCreateGroupChannel,
    ops::create_group::ChatChannelType,
    ops::create_group::NotificationLevel
);
channel_from!(
    ops::open_direct::OpenDirectOpenDirectChannel,
    ops::open_direct::ChatChannelType,
    ops::open_direct::NotificationLevel
);
channel_from!(
    ops::join::JoinJoinChannel,
    ops::join::ChatChannelType,
    ops::join::NotificationLevel
);
channel_from!(
    ops::update_channel::UpdateChannelUpdateChannel,
    ops::update_channel::ChatChannelType,
    ops::update_channel::NotificationLevel
);
channel_from!(
    ops::set_notification_level::SetNotificationLevelSetNotificationLevel,
    ops::set_notification_level::ChatChannelType,
    ops::set_notification_level::NotificationLevel
);

macro_rules! member_from {
    ($($ty:path),* $(,)?) => {$(
        impl TryFrom<$ty> for MemberRefWire {
            type Error = ClientError;
            fn try_from(m: $ty) -> ClientResult<MemberRefWire> {
                Ok(MemberRefWire(MemberRef {
                    id: id(&m.id)?,
                    member_name: m.member_name,
                    profile_image: m.profile_image,
                }))
            }
        }
    )*};
}

/// The same for members a history line names without their picture.
macro_rules! named_member_from {
    ($($ty:path),* $(,)?) => {$(
        impl TryFrom<$ty> for MemberRefWire {
            type Error = ClientError;
            fn try_from(m: $ty) -> ClientResult<MemberRefWire> {
                Ok(MemberRefWire(MemberRef {
                    id: id(&m.id)?,
                    member_name: m.member_name,
                    profile_image: None,
                }))
            }
        }
    )*};
}

named_member_from!(
    ops::conversation_page::ConversationPageChatChannelEventsContentsOnChatChannelJoinEventMember,
    ops::conversation_page::ConversationPageChatChannelEventsContentsOnChatChannelLeaveEventMember,
    ops::conversation_page::ConversationPageChatChannelEventsContentsOnChatChannelLeaveEventRemovedBy,
);

/// A wrapper so the conversions can be written here (both types are foreign).
pub(crate) struct MemberRefWire(pub MemberRef);

member_from!(
    ops::sign_up::SignUpSignUpMember,
    ops::sign_in::SignInSignInMember,
    ops::me::MeMe,
    ops::find_member::FindMemberMember,
    ops::channel_members::ChannelMembersChatChannelMembers,
    ops::send::SendSendChatMessageSender,
    ops::conversation_page::ChatMessageSender,
    ops::conversation_page::ChatMessageReplyToSender,
    ops::conversation_page::ChatMessageReactionsMembers,
    ops::message::ChatMessageSender,
    ops::message::ChatMessageReplyToSender,
    ops::message::ChatMessageReactionsMembers,
    ops::thread::ChatMessageSender,
    ops::thread::ChatMessageReplyToSender,
    ops::thread::ChatMessageReactionsMembers,
    ops::search_messages::ChatMessageSender,
    ops::search_messages::ChatMessageReplyToSender,
    ops::search_messages::ChatMessageReactionsMembers,
    ops::blocked_members::BlockedMembersBlockedMembers,
);

pub(crate) fn member<T: TryInto<MemberRefWire, Error = ClientError>>(
    m: T,
) -> ClientResult<MemberRef> {
    m.try_into().map(|MemberRefWire(m)| m)
}

/// A sent message as the server acknowledged it.
pub(crate) fn sent(m: ops::send::SendSendChatMessage) -> ClientResult<ChatEvent> {
    Ok(ChatEvent {
        chat_channel_id: id(&m.chat_channel_id)?,
        id: id(&m.id)?,
        event_type: EventType::Chat,
        created_at: m.created_at,
        message: Some(m.message),
        sender: member(m.sender)?,
        client_key: m.client_key,
        reply_to: None,
        mentions: Vec::new(),
        in_thread: None,
        removed_by: None,
        attachments: m
            .attachments
            .into_iter()
            .map(|a| {
                attachment(
                    a.id,
                    a.name,
                    a.size,
                    a.content_type,
                    a.image.map(|i| (i.width, i.height)),
                )
            })
            .collect::<ClientResult<_>>()?,
    })
}

/// A file as an answer tells it.
fn attachment(
    id_: String,
    name: String,
    size: i64,
    content_type: String,
    image: Option<(i64, i64)>,
) -> ClientResult<Attachment> {
    Ok(Attachment {
        id: id(&id_)?,
        name,
        size: u64::try_from(size).unwrap_or_default(),
        content_type,
        image: image.map(|(width, height)| ImageSize {
            width: u32::try_from(width).unwrap_or_default(),
            height: u32::try_from(height).unwrap_or_default(),
        }),
    })
}

/// One history item of `channel`, as it is now.
pub(crate) fn history_item(
    channel: ChannelId,
    e: ops::conversation_page::ConversationPageChatChannelEventsContents,
) -> ClientResult<HistoryItem> {
    use ops::conversation_page::ConversationPageChatChannelEventsContents as On;
    macro_rules! plain {
        ($e:expr, $kind:expr, $removed_by:expr) => {
            Ok(HistoryItem::plain(ChatEvent {
                chat_channel_id: channel,
                id: id(&$e.id)?,
                event_type: $kind,
                created_at: $e.created_at,
                message: None,
                sender: member($e.member)?,
                client_key: None,
                reply_to: None,
                mentions: Vec::new(),
                in_thread: None,
                attachments: Vec::new(),
                removed_by: $removed_by,
            }))
        };
    }
    match e {
        On::ChatChannelJoinEvent(j) => plain!(j, EventType::Join, None),
        On::ChatChannelLeaveEvent(l) => {
            let removed_by = l.removed_by.clone().map(member).transpose()?;
            plain!(l, EventType::Leave, removed_by)
        }
        On::ChatChannelChatEvent(c) => message(c),
    }
}

/// A message as the `ChatMessage` fragment tells it. The fragment comes
/// back as one type per operation, so the conversion is written once for
/// each of them.
macro_rules! message_from {
    ($($name:ident: $module:ident),* $(,)?) => {$(
        pub(crate) fn $name(m: ops::$module::ChatMessage) -> ClientResult<HistoryItem> {
            let reply_to = match m.reply_to {
                None => None,
                Some(r) => Some(Box::new(MessagePreview {
                    id: id(&r.id)?,
                    sender: member(r.sender)?,
                    preview: r.preview,
                    deleted: r.deleted,
                })),
            };
            let reactions = m
                .reactions
                .into_iter()
                .map(|r| {
                    Ok(Reaction {
                        emoji: r.emoji,
                        count: count(r.count),
                        mine: r.mine,
                        members: r.members.into_iter().map(member).collect::<ClientResult<_>>()?,
                    })
                })
                .collect::<ClientResult<_>>()?;
            Ok(HistoryItem {
                event: ChatEvent {
                    chat_channel_id: id(&m.chat_channel_id)?,
                    id: id(&m.id)?,
                    event_type: EventType::Chat,
                    created_at: m.created_at,
                    message: Some(m.message),
                    sender: member(m.sender)?,
                    client_key: m.client_key,
                    reply_to,
                    mentions: m
                        .mentions
                        .iter()
                        .map(|id_| id(id_))
                        .collect::<ClientResult<_>>()?,
                    in_thread: None,
                    removed_by: None,
                    attachments: m
                        .attachments
                        .into_iter()
                        .map(|a| {
                            let image = a.image.map(|i| (i.width, i.height));
                            attachment(a.id, a.name, a.size, a.content_type, image)
                        })
                        .collect::<ClientResult<_>>()?,
                },
                edited_at: m.edited_at,
                deleted: m.deleted,
                reactions,
                thread_root: opt_id(m.thread_root.as_ref())?,
                thread: m.thread.map(|t| ThreadSummary {
                    reply_count: count(t.reply_count),
                    last_reply_at: t.last_reply_at,
                    following: t.following,
                    unread: count(t.un_read_cnt),
                }),
            })
        }
    )*};
}

message_from!(
    message: conversation_page,
    one_message: message,
    thread_message: thread,
    found_message: search_messages
);
