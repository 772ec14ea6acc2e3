//! Sending messages and marking channels read.

use async_graphql::{Context, Object, Result, ID};
use suda_protocol::{ChannelId, EventId};

use super::{caller_member, parse_id, state, types::*};
use crate::{
    error::ApiError,
    rules::{self, Command},
    validate,
};

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Posts a message. Acknowledged once committed. With a `clientKey`, a
    /// retried send (same channel, same text) returns the first message and
    /// writes nothing new; a key already used for another message is
    /// `CONFLICT`.
    async fn send_chat_message(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        message: String,
        client_key: Option<String>,
    ) -> Result<ChatChannelChatEvent> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        validate::message(&message)?;
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
            })
            .await?;
        let event = applied
            .events
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("a send wrote no event".into()))?;
        Ok(ChatChannelChatEvent(event))
    }

    /// Moves the caller's read marker forward to `upTo` (default: the
    /// newest event); it never moves back. `unReadCnt` follows it.
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
        rules::require_member(app.store.as_ref(), me.id, channel).await?;
        app.store.mark_read(me.id, channel, up_to).await?;
        let view = rules::channel_view(app.store.as_ref(), me.id, channel).await?;
        Ok(ChatChannel(view))
    }
}
