//! Sending, replying, editing, deleting and reacting to messages, and
//! marking channels read: each a command of the ledger, each change an
//! event of its own on the members' streams.

use async_graphql::{Context, Object, Result, ID};
use suda_protocol::{AttachmentId, ChannelId, EventId, MemberId};

use super::{caller_member, parse_id, state, types::*};
use crate::{
    error::{ApiError, ApiResult},
    rules::{self, Command},
    store::Messages,
    validate, AppState,
};

/// A message as `member` may read it now, with its reactions.
pub(super) async fn message_view(
    app: &AppState,
    member: MemberId,
    id: EventId,
) -> ApiResult<ChatChannelChatEvent> {
    let row = rules::readable_message(app.store.as_ref(), member, id).await?;
    let one = [row.id];
    let reactions = app.store.reactions(member, Messages::Listed(&one)).await?;
    let threads = app.store.threads(member, Messages::Listed(&one)).await?;
    Ok(ChatChannelChatEvent::new(row, &reactions).with_thread(&threads))
}

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Tells the channel's other members that the caller is typing in it
    /// (in `threadRoot`'s thread, when given), or with `typing: false`
    /// that they stopped. Ephemeral: a `CHAT_TYPING` on their streams,
    /// never stored or replayed; a client says it again every 3 seconds
    /// while typing, and shows it for 6 after the last. `false`, and
    /// nothing sent, in a channel of more members than typing is shown
    /// to (the client may stop telling). Only a member of the channel may
    /// (as for a send); at most 1 a second, 10 at once.
    async fn set_typing(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        thread_root: Option<ID>,
        #[graphql(default = true)] typing: bool,
    ) -> Result<bool> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        let thread_root: Option<EventId> = thread_root.map(|id| parse_id(&id)).transpose()?;
        app.limits.typing(me.id).await?;
        rules::require_writer(app.store.as_ref(), me.id, channel).await?;
        let shown = app
            .ephemeral
            .typing(suda_protocol::Typing {
                chat_channel_id: channel,
                thread_root,
                member: crate::wire::member_ref(me),
                typing,
            })
            .await?;
        Ok(shown)
    }

    /// Posts a message. Acknowledged once committed. With a `clientKey`, a
    /// retried send (same channel, same text) returns the first message and
    /// writes nothing new; a key already used for another message is
    /// `CONFLICT`. With `replyTo`, it answers that message, which must be
    /// of the same channel and not deleted (`BAD_USER_INPUT`; an unknown
    /// one is `NOT_FOUND`). With `threadRoot`, it is a reply in that
    /// message's thread: the root must be a message of the same channel,
    /// not deleted and no reply in a thread itself (`BAD_USER_INPUT`; an
    /// unknown one is `NOT_FOUND`). The sender then follows the thread,
    /// and so do the root's sender and whoever the reply mentions. With
    /// `attachmentIds`, it carries those uploads (the caller's, not sent
    /// yet, at most 10, in this order) and its text may be empty; another
    /// member's upload, an unknown or an expired one is `NOT_FOUND`, one
    /// sent already `BAD_USER_INPUT`. Only then can the channel's members
    /// fetch them.
    #[allow(clippy::too_many_arguments)]
    async fn send_chat_message(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        message: String,
        client_key: Option<String>,
        reply_to: Option<ID>,
        thread_root: Option<ID>,
        attachment_ids: Option<Vec<ID>>,
    ) -> Result<ChatChannelChatEvent> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        let reply_to: Option<EventId> = reply_to.map(|id| parse_id(&id)).transpose()?;
        let thread: Option<EventId> = thread_root.map(|id| parse_id(&id)).transpose()?;
        let attachments = attachment_ids
            .unwrap_or_default()
            .iter()
            .map(|id| parse_id::<AttachmentId>(id))
            .collect::<Result<Vec<_>, _>>()?;
        let message = if attachments.is_empty() {
            validate::message(&message)?.to_owned()
        } else {
            validate::caption(&message)?.to_owned()
        };
        if let Some(key) = &client_key {
            validate::client_key(key)?;
        }
        app.limits.send(me.id).await?;
        let applied = app
            .ledger
            .submit(Command::Send {
                channel,
                sender: me.id,
                text: message,
                client_key,
                reply_to,
                thread,
                attachments,
            })
            .await?;
        let event = applied
            .events
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("a send wrote no event".into()))?;
        if !applied.fresh {
            // A retry: the first message as it is now (the ledger read
            // it), with its reactions. The sender's own message, so no
            // membership is asked: an outbox may retry after a leave.
            let one = [event.id];
            let reactions = app.store.reactions(me.id, Messages::Listed(&one)).await?;
            return Ok(ChatChannelChatEvent::new(event, &reactions));
        }
        Ok(ChatChannelChatEvent::new(event, &[]))
    }

    /// Replaces the text of one of the caller's messages; answers the
    /// message as it is now. Only its sender may (`FORBIDDEN`); an unknown
    /// or deleted message is `NOT_FOUND`; the text is checked as for a
    /// send. With a `clientKey`, the same edit sent again edits once.
    /// Members see `CHAT_MESSAGE_EDITED` on their streams.
    async fn edit_chat_message(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        message: String,
        client_key: Option<String>,
    ) -> Result<ChatChannelChatEvent> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let id: EventId = parse_id(&message_id)?;
        // Empty only for a message with files: the ledger knows.
        let message = validate::caption(&message)?.to_owned();
        if let Some(key) = &client_key {
            validate::client_key(key)?;
        }
        app.limits.send(me.id).await?;
        app.ledger
            .submit(Command::Edit {
                message: id,
                editor: me.id,
                text: message,
                client_key,
            })
            .await?;
        Ok(message_view(app, me.id, id).await?)
    }

    /// Deletes one of the caller's messages: its text, and the text of
    /// every earlier edit, is removed for good. Only its sender may
    /// (`FORBIDDEN`); an unknown message is `NOT_FOUND`; deleting a deleted
    /// one is `true` and changes nothing. Members see
    /// `CHAT_MESSAGE_DELETED` on their streams.
    async fn delete_chat_message(&self, ctx: &Context<'_>, message_id: ID) -> Result<bool> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let id: EventId = parse_id(&message_id)?;
        app.limits.send(me.id).await?;
        app.ledger
            .submit(Command::Delete {
                message: id,
                member: me.id,
            })
            .await?;
        Ok(true)
    }

    /// Adds (`on: true`) or takes back (`on: false`) the caller's
    /// reaction: the state wanted, so a retry never undoes itself, and a
    /// request that changes nothing writes nothing. `emoji` is exactly one
    /// emoji (a flag, a skin-toned or joined sequence is one), else
    /// `BAD_USER_INPUT`. A member has at most 20 different reactions on a
    /// message, and a message at most 50 different emoji
    /// (`BAD_USER_INPUT`). A deleted message is `NOT_FOUND`. Members see
    /// `CHAT_REACTION_CHANGED` on their streams.
    async fn react_to_message(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        emoji: String,
        on: bool,
    ) -> Result<ChatChannelChatEvent> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let id: EventId = parse_id(&message_id)?;
        let emoji = validate::emoji(&emoji)?;
        app.limits.send(me.id).await?;
        app.ledger
            .submit(Command::React {
                message: id,
                member: me.id,
                emoji: emoji.to_owned(),
                on,
            })
            .await?;
        Ok(message_view(app, me.id, id).await?)
    }

    /// Sets what of a channel notifies the caller (`ALL`, `MENTIONS`,
    /// `NOTHING`); kept by the server, so every device of theirs follows,
    /// and their streams get `CHAT_NOTIFICATION_LEVEL_CHANGED` when it
    /// changed. Only members of the channel have one (`FORBIDDEN`, or
    /// `NOT_FOUND` for a direct channel of others, as for any read).
    async fn set_notification_level(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        level: NotificationLevel,
    ) -> Result<ChatChannel> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        app.limits.change(me.id).await?;
        app.ledger
            .submit(Command::SetLevel {
                channel,
                member: me.id,
                level: level.into(),
            })
            .await?;
        let view = rules::channel_view(app.store.as_ref(), me.id, channel).await?;
        Ok(ChatChannel(view))
    }

    /// Moves the caller's read marker forward to `upTo` (default: the
    /// newest message, join or leave); it never moves back. `unReadCnt`
    /// follows it, and the caller's streams (their other devices) get
    /// `CHAT_READ_MARKER_MOVED` when it moved.
    async fn mark_channel_read(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        up_to: Option<ID>,
    ) -> Result<ChatChannel> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        let up_to: Option<EventId> = up_to.map(|id| parse_id(&id)).transpose()?;
        app.limits.mark(me.id).await?;
        app.ledger
            .submit(Command::MarkRead {
                channel,
                member: me.id,
                up_to,
            })
            .await?;
        let view = rules::channel_view(app.store.as_ref(), me.id, channel).await?;
        Ok(ChatChannel(view))
    }

    /// Moves the caller's read marker of a thread they follow forward to
    /// `upTo` (default: its newest reply); it never moves back. The
    /// channel's `unReadCnt` follows it, and the caller's streams get
    /// `CHAT_THREAD_READ_MARKER_MOVED` when it moved. A thread the caller
    /// does not follow has nothing unread: nothing changes. `rootId` must
    /// be a thread's root (`BAD_USER_INPUT` for a reply in one,
    /// `NOT_FOUND` for no message); `FORBIDDEN`/`NOT_FOUND` as for any
    /// read of its channel. Answers the channel as it is after.
    async fn mark_thread_read(
        &self,
        ctx: &Context<'_>,
        root_id: ID,
        up_to: Option<ID>,
    ) -> Result<ChatChannel> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let root: EventId = parse_id(&root_id)?;
        let up_to: Option<EventId> = up_to.map(|id| parse_id(&id)).transpose()?;
        app.limits.mark(me.id).await?;
        let applied = app
            .ledger
            .submit(Command::MarkThreadRead {
                root,
                member: me.id,
                up_to,
            })
            .await?;
        let view = rules::channel_view(app.store.as_ref(), me.id, applied.channel).await?;
        Ok(ChatChannel(view))
    }
}
