//! GraphQL answers into the client's own types, once, at the edge.
//!
//! `graphql_client` generates one struct per selection, so the same
//! channel comes back as four different types; they are all converted here
//! into [`Channel`], [`MemberRef`] and the protocol's [`ChatEvent`] (the same
//! type the stream carries), so the rest of the client sees one shape.

use std::str::FromStr;

use suda_protocol::{ChatEvent, EventType, MemberRef};

use crate::{
    error::{ClientError, ClientResult},
    graphql::ops,
    state::{Channel, ChannelKind},
};

pub(crate) fn id<T: FromStr<Err = suda_protocol::IdError>>(s: &str) -> ClientResult<T> {
    s.parse()
        .map_err(|e: suda_protocol::IdError| ClientError::Protocol(e.to_string()))
}

fn opt_id<T: FromStr<Err = suda_protocol::IdError>>(s: Option<&String>) -> ClientResult<Option<T>> {
    s.map(|s| id(s)).transpose()
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

macro_rules! channel_from {
    ($ty:path, $kind:path) => {
        impl TryFrom<$ty> for Channel {
            type Error = ClientError;
            fn try_from(c: $ty) -> ClientResult<Channel> {
                use $kind as K;
                Ok(Channel {
                    id: id(&c.id)?,
                    kind: match c.ctype {
                        K::DIRECT => ChannelKind::Direct,
                        _ => ChannelKind::Group,
                    },
                    name: c.name,
                    unread: count(c.un_read_cnt),
                    created_at: c.created_at,
                    last_event_id: opt_id(c.last_event_id.as_ref())?,
                    last_read_event_id: opt_id(c.last_read_event_id.as_ref())?,
                    member_count: count(c.member_count),
                })
            }
        }
    };
}

channel_from!(
    ops::channels::ChannelsMyChatChannels,
    ops::channels::ChatChannelType
);
channel_from!(
    ops::create_group::CreateGroupCreateGroupChannel,
    ops::create_group::ChatChannelType
);
channel_from!(
    ops::open_direct::OpenDirectOpenDirectChannel,
    ops::open_direct::ChatChannelType
);
channel_from!(ops::join::JoinJoinChannel, ops::join::ChatChannelType);

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

/// A wrapper so the conversions can be written here (both types are foreign).
pub(crate) struct MemberRefWire(pub MemberRef);

member_from!(
    ops::sign_up::SignUpSignUpMember,
    ops::sign_in::SignInSignInMember,
    ops::me::MeMe,
    ops::find_member::FindMemberMember,
    ops::channel_members::ChannelMembersChatChannelMembers,
    ops::send::SendSendChatMessageSender,
    ops::channel_page::ChannelPageChatChannelEventsContentsOnChatChannelChatEventSender,
    ops::channel_page::ChannelPageChatChannelEventsContentsOnChatChannelJoinEventMember,
    ops::channel_page::ChannelPageChatChannelEventsContentsOnChatChannelLeaveEventMember,
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
    })
}

/// One history item.
pub(crate) fn history_event(
    e: ops::channel_page::ChannelPageChatChannelEventsContents,
) -> ClientResult<ChatEvent> {
    use ops::channel_page::ChannelPageChatChannelEventsContentsOn as On;
    let (event_type, message, sender, client_key) = match e.on {
        On::ChatChannelChatEvent(c) => (
            EventType::Chat,
            Some(c.message),
            member(c.sender)?,
            c.client_key,
        ),
        On::ChatChannelJoinEvent(j) => (EventType::Join, None, member(j.member)?, None),
        On::ChatChannelLeaveEvent(l) => (EventType::Leave, None, member(l.member)?, None),
    };
    Ok(ChatEvent {
        chat_channel_id: id(&e.chat_channel_id)?,
        id: id(&e.id)?,
        event_type,
        created_at: e.created_at,
        message,
        sender,
        client_key,
        reply_to: None,
    })
}
