//! Typing: telling a channel that the member types in it, and hearing who
//! else does (`ClientEvent::Typing`, from the stream; never stored).

use suda_protocol::{ChannelId, EventId};

use super::Session;
use crate::{error::ClientResult, graphql::ops};

impl Session {
    /// Tells `channel`'s other members that the member is typing there (in
    /// `thread_root`'s thread, when given), or, `typing: false`, that they
    /// stopped. Say it again every [`suda_protocol::TYPING_EVERY_MS`] while
    /// typing. `false` when the channel is too large for typing to show
    /// (telling it again is no use).
    pub async fn set_typing(
        &self,
        channel: ChannelId,
        thread_root: Option<EventId>,
        typing: bool,
    ) -> ClientResult<bool> {
        let vars = ops::set_typing::Variables {
            channel_id: channel.to_string(),
            thread_root: thread_root.map(|r| r.to_string()),
            typing,
        };
        Ok(self
            .shared
            .api
            .run::<ops::SetTyping>(vars)
            .await?
            .set_typing)
    }
}
