//! Presence: where things stand (`presence`), and the member's own word
//! that they are away (`setAway`). Its changes come on the stream as
//! ephemeral `MEMBER_PRESENCE_CHANGED` events (crate::presence).

use std::collections::HashSet;

use async_graphql::{Context, Enum, Object, Result, SimpleObject, ID};
use suda_protocol::MemberId;

use super::{caller_member, parse_id, state};
use crate::error::ApiError;

/// The most members one `presence` asks of.
pub const MAX_ASKED: usize = 500;

/// Whether a member is there.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "Presence")]
pub enum PresenceKind {
    /// A stream open (on any node), and not away.
    Online,
    /// A stream open, and their client says they are away.
    Away,
    /// No stream open.
    Offline,
}

impl From<suda_protocol::Presence> for PresenceKind {
    fn from(p: suda_protocol::Presence) -> Self {
        match p {
            suda_protocol::Presence::Online => PresenceKind::Online,
            suda_protocol::Presence::Away => PresenceKind::Away,
            suda_protocol::Presence::Offline => PresenceKind::Offline,
        }
    }
}

/// One member's presence.
#[derive(SimpleObject)]
pub struct MemberPresence {
    pub member_id: ID,
    pub presence: PresenceKind,
}

#[derive(Default)]
pub struct PresenceQuery;

#[Object]
impl PresenceQuery {
    /// The presence of these members (at most 500), in the order asked.
    /// Only of members who share a channel with the caller, and the
    /// caller: anyone else reads `OFFLINE`, as if never there.
    #[graphql(complexity = "member_ids.len()")]
    async fn presence(
        &self,
        ctx: &Context<'_>,
        member_ids: Vec<ID>,
    ) -> Result<Vec<MemberPresence>> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        if member_ids.len() > MAX_ASKED {
            return Err(ApiError::BadInput(format!(
                "presence asks of at most {MAX_ASKED} members at once"
            ))
            .into());
        }
        let ids = member_ids
            .iter()
            .map(|id| parse_id::<MemberId>(id))
            .collect::<Result<Vec<_>, _>>()?;
        let known: HashSet<MemberId> = app.ephemeral.co_members(me.id).into_iter().collect();
        Ok(ids
            .into_iter()
            .map(|id| MemberPresence {
                member_id: ID(id.to_string()),
                presence: if id == me.id || known.contains(&id) {
                    app.ephemeral.presence(id).into()
                } else {
                    PresenceKind::Offline
                },
            })
            .collect())
    }
}

#[derive(Default)]
pub struct PresenceMutation;

#[Object]
impl PresenceMutation {
    /// The caller is away (idle, or their window hidden a while), or back:
    /// their presence is `AWAY` while a stream of theirs is open, until
    /// they say otherwise (from any device: the last word wins). At most
    /// as often as other changes (`RATE_LIMITED`).
    async fn set_away(&self, ctx: &Context<'_>, away: bool) -> Result<bool> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        app.limits.change(me.id).await?;
        app.ephemeral.set_away(me.id, away);
        Ok(away)
    }
}
