//! Channels: listing, history, members, and creating, opening, joining,
//! leaving and inviting.

use async_graphql::{Context, Object, Result, ID};
use suda_protocol::{ChannelId, Cursor, EventId, MemberId};

use super::{caller_member, message::message_view, parse_id, state, types::*};
use crate::{
    error::{ApiError, ApiResult},
    rules::{self, Command},
    store::{
        ChannelRow, EventKind, EventPage, EventRow, MemberRow, Messages, PageAt, ReactionRow,
        Scope, ThreadRow,
    },
    validate, AppState,
};

const MAX_PAGE: i32 = 200;
const MAX_DIRECTORY_PAGE: i32 = 100;
const MAX_DIRECTORY_OFFSET: i32 = 10_000;

#[derive(Default)]
pub struct ChannelQuery;

#[Object]
impl ChannelQuery {
    /// The caller's channels, most recently active first.
    #[graphql(complexity = "super::LIST_GUESS * child_complexity")]
    async fn my_chat_channels(&self, ctx: &Context<'_>) -> Result<Vec<ChatChannel>> {
        let me = caller_member(ctx)?;
        let rows = state(ctx).store.channels_of(me.id).await?;
        Ok(rows.into_iter().map(ChatChannel).collect())
    }

    /// The directory: public groups that are not archived, by name, with
    /// their member counts and topics, whether the caller is in them or
    /// not. `query` keeps those whose name or topic holds it (ignoring
    /// the case of ASCII letters; at most 100 characters); `limit` 1 to
    /// 100 after the first `offset` (at most 10,000). Private groups are
    /// never listed. Spends the search budget.
    #[graphql(complexity = "limit.clamp(1, MAX_DIRECTORY_PAGE) as usize * child_complexity + 1")]
    async fn chat_channel_directory(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] query: String,
        #[graphql(default = 50)] limit: i32,
        #[graphql(default = 0)] offset: i32,
    ) -> Result<ChatChannelDirectoryPage> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let query = query.trim();
        if query.chars().count() > validate::MAX_DIRECTORY_QUERY_CHARS {
            return Err(ApiError::BadInput(format!(
                "a directory search is at most {} characters",
                validate::MAX_DIRECTORY_QUERY_CHARS
            ))
            .into());
        }
        if !(1..=MAX_DIRECTORY_PAGE).contains(&limit) {
            return Err(
                ApiError::BadInput(format!("limit must be 1 to {MAX_DIRECTORY_PAGE}")).into(),
            );
        }
        if !(0..=MAX_DIRECTORY_OFFSET).contains(&offset) {
            return Err(ApiError::BadInput(format!(
                "offset must be 0 to {MAX_DIRECTORY_OFFSET}: search instead"
            ))
            .into());
        }
        app.limits.search(me.id).await?;
        let mut rows = app
            .store
            .directory(me.id, query, limit as u32 + 1, offset as u32)
            .await?;
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Ok(ChatChannelDirectoryPage {
            channels: rows.into_iter().map(ChatChannel).collect(),
            has_more,
        })
    }

    /// One channel: any of the caller's, or any public group (to join it).
    async fn chat_channel(&self, ctx: &Context<'_>, channel_id: ID) -> Result<ChatChannel> {
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        Ok(ChatChannel(view(state(ctx), me, channel).await?))
    }

    /// A channel's history, newest first, `limit` (1 to 200, default 50) at
    /// a time, strictly older than `before` (a `nextCursor` from the
    /// previous page); or with `around` (a message of the channel), that
    /// message with up to half the page of newer events and older ones
    /// filling the rest, to jump to a message older than what is loaded
    /// (`nextCursor` goes on from its oldest). Messages are as they are
    /// now: edited, deleted, with their reactions.
    #[graphql(complexity = "limit.clamp(1, MAX_PAGE) as usize * child_complexity + 1")]
    async fn chat_channel_events(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        before: Option<String>,
        #[graphql(default = 50)] limit: i32,
        around: Option<ID>,
        #[graphql(
            default = true,
            desc = "Whether replies in threads are items of the page, as the original \
                    clients expect (`true`), or only summed up under their root's `thread` \
                    (`false`: the channel's own messages, joins and leaves)."
        )]
        thread_replies: bool,
    ) -> Result<ChatChannelEventPage> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        let before = before
            .map(|c| c.parse::<Cursor>().map_err(ApiError::from))
            .transpose()?;
        let around: Option<EventId> = around.map(|id| parse_id(&id)).transpose()?;
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::BadInput(format!("limit must be 1 to {MAX_PAGE}")).into());
        }
        let at = match (before, around) {
            (Some(_), Some(_)) => {
                return Err(ApiError::BadInput("give `before` or `around`, not both".into()).into())
            }
            (before, None) => PageAt::Before(before.map(|c| c.0)),
            (None, Some(around)) => PageAt::Around(around),
        };
        rules::require_member(app.store.as_ref(), me.id, channel).await?;
        if let PageAt::Around(around) = at {
            let found = app.store.event(around).await?;
            if !found.is_some_and(|e| e.channel_id == channel && e.kind.content().is_some()) {
                return Err(ApiError::NotFound(format!(
                    "there is no message {around} in channel {channel}"
                ))
                .into());
            }
        }
        let scope = if thread_replies {
            Scope::Everything
        } else {
            Scope::Channel
        };
        let page = app.store.page_of(channel, scope, at, limit as u32).await?;
        let (reactions, threads) = decorations(app, me.id, channel, &page.events).await?;
        let next_cursor = next_cursor(&page);
        let contents = page
            .events
            .into_iter()
            .map(|row| ChatChannelEvent::of(row, &reactions, &threads))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(ChatChannelEventPage {
            contents,
            has_more: page.has_more,
            next_cursor,
        })
    }

    /// A thread: its root as it is now, and its replies, newest first,
    /// `limit` (1 to 200, default 50) at a time, strictly older than
    /// `before` (a `nextCursor` of the previous page). `rootId` is a
    /// message that is no reply in a thread (`BAD_USER_INPUT` for one that
    /// is, `NOT_FOUND` for no message); `FORBIDDEN` or `NOT_FOUND` as for
    /// `chatChannelEvents` of its channel. A message never replied to has
    /// a thread with no replies.
    #[graphql(complexity = "(limit.clamp(1, MAX_PAGE) as usize + 1) * child_complexity + 1")]
    async fn chat_thread(
        &self,
        ctx: &Context<'_>,
        root_id: ID,
        before: Option<String>,
        #[graphql(default = 50)] limit: i32,
    ) -> Result<ChatThreadPage> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let root: EventId = parse_id(&root_id)?;
        let before = before
            .map(|c| c.parse::<Cursor>().map_err(ApiError::from))
            .transpose()?;
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::BadInput(format!("limit must be 1 to {MAX_PAGE}")).into());
        }
        let root_row = rules::readable_message(app.store.as_ref(), me.id, root).await?;
        if root_row.thread_root.is_some() {
            return Err(ApiError::BadInput(format!(
                "message {root} is a reply in a thread, not the root of one"
            ))
            .into());
        }
        let channel = root_row.channel_id;
        let at = PageAt::Before(before.map(|c| c.0));
        let page = app
            .store
            .page_of(channel, Scope::Thread(root), at, limit as u32)
            .await?;
        let mut rows = page.events.clone();
        rows.push(root_row.clone());
        let (reactions, threads) = decorations(app, me.id, channel, &rows).await?;
        let next_cursor = next_cursor(&page);
        Ok(ChatThreadPage {
            root: ChatChannelChatEvent::new(root_row, &reactions).with_thread(&threads),
            contents: page
                .events
                .into_iter()
                .map(|row| ChatChannelChatEvent::new(row, &reactions))
                .collect(),
            has_more: page.has_more,
            next_cursor,
        })
    }

    /// One message as it is now (to jump to a reply's original): edited,
    /// deleted, with its reactions. `FORBIDDEN` or `NOT_FOUND` as for
    /// `chatChannelEvents` of its channel; `NOT_FOUND` for an unknown one.
    async fn chat_message(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
    ) -> Result<ChatChannelChatEvent> {
        let me = caller_member(ctx)?;
        let id: EventId = parse_id(&message_id)?;
        Ok(message_view(state(ctx), me.id, id).await?)
    }

    /// The members of a channel the caller is in.
    #[graphql(complexity = "super::LIST_GUESS * child_complexity")]
    async fn chat_channel_members(&self, ctx: &Context<'_>, channel_id: ID) -> Result<Vec<Member>> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        rules::require_member(app.store.as_ref(), me.id, channel).await?;
        let members = app.store.channel_members(channel).await?;
        Ok(members.into_iter().map(Member).collect())
    }
}

/// The reactions and threads of the messages among `events`, as `viewer`
/// sees them: one query each over the range of their ids.
async fn decorations(
    app: &AppState,
    viewer: MemberId,
    channel: ChannelId,
    events: &[EventRow],
) -> ApiResult<(Vec<ReactionRow>, Vec<ThreadRow>)> {
    let messages = events.iter().filter(|e| e.kind == EventKind::Chat);
    let (Some(from), Some(to)) = (
        messages.clone().map(|e| e.id).min(),
        messages.map(|e| e.id).max(),
    ) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let messages = Messages::Between { channel, from, to };
    let reactions = app.store.reactions(viewer, messages).await?;
    let threads = app.store.threads(viewer, messages).await?;
    Ok((reactions, threads))
}

/// The cursor of the page after `page`, if there is one.
fn next_cursor(page: &EventPage) -> Option<String> {
    if page.has_more {
        page.events.last().map(|e| Cursor(e.id).to_string())
    } else {
        None
    }
}

/// The channel as the caller may see it (see [`rules::channel_view`]).
async fn view(app: &AppState, me: &MemberRow, channel: ChannelId) -> ApiResult<ChannelRow> {
    rules::channel_view(app.store.as_ref(), me.id, channel).await
}

#[derive(Default)]
pub struct ChannelMutation;

#[Object]
impl ChannelMutation {
    /// Creates a group channel with the caller and `memberIds` in it; the
    /// caller is its creator. `private`: neither listed in the directory
    /// nor joinable, only invited into. `topic`: one line of at most 250
    /// characters.
    async fn create_group_channel(
        &self,
        ctx: &Context<'_>,
        name: String,
        member_ids: Option<Vec<ID>>,
        #[graphql(default)] topic: String,
        #[graphql(default = false)] private: bool,
    ) -> Result<ChatChannel> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let name = validate::channel_name(&name)?;
        let topic = validate::topic(&topic)?;
        let members = member_ids
            .unwrap_or_default()
            .iter()
            .map(|id| parse_id::<MemberId>(id))
            .collect::<ApiResult<Vec<_>>>()?;
        if members.len() > 1000 {
            return Err(ApiError::BadInput("at most 1000 members at creation".into()).into());
        }
        app.limits.create_channel(me.id).await?;
        let applied = app
            .ledger
            .submit(Command::CreateGroup {
                creator: me.id,
                name,
                members,
                topic,
                private,
            })
            .await?;
        Ok(ChatChannel(view(app, me, applied.channel).await?))
    }

    /// Opens the direct channel with another member, creating it the first time.
    async fn open_direct_channel(&self, ctx: &Context<'_>, member_id: ID) -> Result<ChatChannel> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let to: MemberId = parse_id(&member_id)?;
        app.limits.change(me.id).await?;
        let applied = app
            .ledger
            .submit(Command::OpenDirect { from: me.id, to })
            .await?;
        Ok(ChatChannel(view(app, me, applied.channel).await?))
    }

    /// Joins a group channel (doing nothing if already in it).
    async fn join_channel(&self, ctx: &Context<'_>, channel_id: ID) -> Result<ChatChannel> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        app.limits.change(me.id).await?;
        app.ledger
            .submit(Command::Join {
                channel,
                member: me.id,
            })
            .await?;
        Ok(ChatChannel(view(app, me, channel).await?))
    }

    /// Leaves a group channel.
    async fn leave_channel(&self, ctx: &Context<'_>, channel_id: ID) -> Result<bool> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        app.limits.change(me.id).await?;
        app.ledger
            .submit(Command::Leave {
                channel,
                member: me.id,
            })
            .await?;
        Ok(true)
    }

    /// Renames a group, sets its topic (`""` clears it), or archives it or
    /// brings it back (its creator only): whatever is given, the rest stays.
    /// Any member renames and sets the topic; an archived group is neither
    /// renamed nor given a topic until it is back. The same settings again
    /// change nothing and send no event; giving nothing is
    /// `BAD_USER_INPUT`.
    async fn update_channel(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        name: Option<String>,
        topic: Option<String>,
        archived: Option<bool>,
    ) -> Result<ChatChannel> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        if name.is_none() && topic.is_none() && archived.is_none() {
            return Err(ApiError::BadInput(
                "give a name, a topic or whether it is archived".into(),
            )
            .into());
        }
        let name = name.map(|n| validate::channel_name(&n)).transpose()?;
        let topic = topic.map(|t| validate::topic(&t)).transpose()?;
        app.limits.change(me.id).await?;
        app.ledger
            .submit(Command::UpdateChannel {
                channel,
                member: me.id,
                name,
                topic,
                archived,
            })
            .await?;
        Ok(ChatChannel(view(app, me, channel).await?))
    }

    /// Takes a member out of a group: its creator only (`FORBIDDEN` for
    /// anyone else), never themselves (`BAD_USER_INPUT`: they leave).
    /// Their stream gets their leave, with `removedBy`, and nothing of the
    /// group after it. Someone not in it changes nothing. A removed member
    /// of a public group can join again; of a private one, only an invite
    /// brings them back.
    async fn remove_from_channel(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        member_id: ID,
    ) -> Result<ChatChannel> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        let member: MemberId = parse_id(&member_id)?;
        app.limits.change(me.id).await?;
        app.ledger
            .submit(Command::Remove {
                channel,
                remover: me.id,
                member,
            })
            .await?;
        Ok(ChatChannel(view(app, me, channel).await?))
    }

    /// Adds another member to a group channel the caller is in.
    async fn invite_to_channel(
        &self,
        ctx: &Context<'_>,
        channel_id: ID,
        member_id: ID,
    ) -> Result<ChatChannel> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let channel: ChannelId = parse_id(&channel_id)?;
        let invitee: MemberId = parse_id(&member_id)?;
        app.limits.change(me.id).await?;
        app.ledger
            .submit(Command::Invite {
                channel,
                inviter: me.id,
                invitee,
            })
            .await?;
        Ok(ChatChannel(view(app, me, channel).await?))
    }
}
