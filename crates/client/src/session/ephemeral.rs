//! Typing and presence: telling a channel that the member types in it,
//! and the server that they are away; hearing who else types and who is
//! there (`ClientEvent::Typing`, `ClientEvent::Presence`, from the stream;
//! never stored), and asking where presence stands.

use suda_protocol::{ChannelId, EventId, MemberId, Presence};

use super::Session;
use crate::{
    error::{ClientError, ClientResult},
    graphql::ops,
    wire,
};

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

impl Session {
    /// The presence of these members (at most 500): members the member
    /// shares no channel with read as offline.
    pub async fn presence(&self, members: &[MemberId]) -> ClientResult<Vec<(MemberId, Presence)>> {
        let vars = ops::presence::Variables {
            member_ids: members.iter().map(ToString::to_string).collect(),
        };
        let answer = self.shared.api.run::<ops::Presence>(vars).await?.presence;
        answer
            .into_iter()
            .map(|p| {
                use ops::presence::Presence as P;
                let presence = match p.presence {
                    P::ONLINE => Presence::Online,
                    P::AWAY => Presence::Away,
                    P::OFFLINE => Presence::Offline,
                    P::Other(other) => {
                        return Err(ClientError::Protocol(format!(
                            "a presence this client does not know: {other}"
                        )))
                    }
                };
                Ok((wire::id(&p.member_id)?, presence))
            })
            .collect()
    }

    /// Tells the server the member is away (idle, their window hidden a
    /// while), or back.
    pub async fn set_away(&self, away: bool) -> ClientResult<()> {
        self.shared
            .api
            .run::<ops::SetAway>(ops::set_away::Variables { away })
            .await?;
        Ok(())
    }
}
