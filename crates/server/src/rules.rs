//! Who may do what: membership, what an outsider may see, sending
//! (idempotent by `clientKey`, replies), editing, deleting, reacting,
//! moving read markers, creating, opening, joining, inviting, leaving, and
//! blocking. Decided here, once, above the store, for every
//! store: the GraphQL reads ask [`require_member`] and [`channel_view`], and
//! the ledger runs its batches through [`apply_batch`], which runs each
//! [`Command`] against the primitives of a store transaction ([`Tx`]).
//!
//! The one visibility rule: a direct channel exists only for its two
//! members, a private group only for its members. To anyone else it is
//! `NOT_FOUND`, like a channel that does not exist; a public group one is
//! not in is there (it can be joined) but acting in it is `FORBIDDEN`.
//!
//! An archived group is read, never written: no message, change, join or
//! invite (`FORBIDDEN`); its members still read it, mark it read, choose
//! its notification level and leave. Its creator removes members and
//! archives it (and brings it back); any member renames it and sets its
//! topic.

use suda_protocol::{AttachmentId, ChannelId, EventId, MemberId, NotificationLevel};

use crate::{
    error::{ApiError, ApiResult},
    store::{
        ChannelAccess, ChannelKind, ChannelRow, ChannelSettings, EventKind, EventRow, MemberRow,
        NewEvent, NewGroup, Store, Tx,
    },
};

mod messages;
#[cfg(test)]
mod tests;
mod threads;

use self::{
    messages::{delete, edit, mark_read, react, send, set_level},
    threads::mark_thread_read,
};

/// A write that produces channel events; applied by the ledger.
#[derive(Debug, Clone)]
pub enum Command {
    /// Post a chat message; with a client key, a second send with the same
    /// key, channel and text returns the first message and writes nothing,
    /// and one with the same key but another channel or text is `Conflict`
    /// (a key names one message, so a client's retry can never be confused
    /// with a new message that would be dropped).
    Send {
        channel: ChannelId,
        sender: MemberId,
        text: String,
        client_key: Option<String>,
        /// The message of the same channel it answers.
        reply_to: Option<EventId>,
        /// The root of the thread it is a reply in; `None`: a message of
        /// the channel itself.
        thread: Option<EventId>,
        /// Files the sender uploaded, sent with it in this order (then the
        /// text may be empty).
        attachments: Vec<AttachmentId>,
    },
    /// Replace a message's text; only its sender may. With a client key,
    /// the same edit again edits once.
    Edit {
        message: EventId,
        editor: MemberId,
        text: String,
        client_key: Option<String>,
    },
    /// Delete a message: its text and its edits' are emptied for good.
    /// Only its sender may; deleting it again changes nothing.
    Delete { message: EventId, member: MemberId },
    /// Add (`on`) or take back a reaction; one that is already so changes
    /// nothing. `emoji` is one emoji in its fully-qualified form
    /// ([`crate::validate::emoji`]).
    React {
        message: EventId,
        member: MemberId,
        emoji: String,
        on: bool,
    },
    /// Move the member's read marker forward to `up_to` (or the newest
    /// message, join or leave), never back; one that does not move changes
    /// nothing.
    MarkRead {
        channel: ChannelId,
        member: MemberId,
        up_to: Option<EventId>,
    },
    /// Move the member's read marker of a thread they follow forward to
    /// `up_to` (or its newest reply), never back; one that does not move,
    /// or of a thread they do not follow, changes nothing.
    MarkThreadRead {
        root: EventId,
        member: MemberId,
        up_to: Option<EventId>,
    },
    /// Set the member's notification level of a channel they are in; the
    /// same level again changes nothing.
    SetLevel {
        channel: ChannelId,
        member: MemberId,
        level: NotificationLevel,
    },
    /// Create a group channel with its creator and initial members in it.
    CreateGroup {
        creator: MemberId,
        name: String,
        members: Vec<MemberId>,
        /// What it is about ("" for nothing yet).
        topic: String,
        /// Neither listed nor joinable without an invite.
        private: bool,
    },
    /// Rename a group, set its topic, archive it or bring it back (each
    /// `None` stays as it is); the same settings again change nothing.
    UpdateChannel {
        channel: ChannelId,
        member: MemberId,
        name: Option<String>,
        topic: Option<String>,
        archived: Option<bool>,
    },
    /// The creator takes a member out of the group; one not in it changes
    /// nothing.
    Remove {
        channel: ChannelId,
        remover: MemberId,
        member: MemberId,
    },
    /// Open (or find) the direct channel between two members.
    OpenDirect { from: MemberId, to: MemberId },
    /// Join a group channel.
    Join {
        channel: ChannelId,
        member: MemberId,
    },
    /// Add someone else to a group channel the inviter is in.
    Invite {
        channel: ChannelId,
        inviter: MemberId,
        invitee: MemberId,
    },
    /// Leave a group channel.
    Leave {
        channel: ChannelId,
        member: MemberId,
    },
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The channel it acted on.
    pub channel: ChannelId,
    /// The events it wrote, in id order; for a repeated idempotent send, the
    /// first send's event (then `fresh` is false).
    pub events: Vec<EventRow>,
    /// Whether the events are new (and so must be published).
    pub fresh: bool,
}

/// Applies a batch of commands in one transaction of `store`, a savepoint
/// per command: each command either fully happens or leaves no trace, and
/// its own result says which; the rest of the batch commits either way.
/// A storage error fails the whole batch (nothing of it is kept, and the
/// transaction is abandoned, so the store never reuses its connection).
pub async fn apply_batch(
    store: &dyn Store,
    batch: &[Command],
) -> ApiResult<Vec<ApiResult<Applied>>> {
    let mut tx = store.begin().await?;
    match apply_each(tx.as_mut(), batch).await {
        Ok(results) => {
            tx.commit().await?;
            Ok(results)
        }
        Err(e) => {
            tx.abandon().await;
            Err(e)
        }
    }
}

async fn apply_each(tx: &mut dyn Tx, batch: &[Command]) -> ApiResult<Vec<ApiResult<Applied>>> {
    let mut results = Vec::with_capacity(batch.len());
    for command in batch {
        tx.savepoint().await?;
        match apply(tx, command).await {
            Ok(applied) => {
                tx.release_savepoint().await?;
                results.push(Ok(applied));
            }
            // The transaction's state is unknown: give up on all of it.
            Err(e) if e.is_storage() => return Err(e),
            // A refused command leaves no trace; the others still commit.
            Err(e) => {
                tx.rollback_to_savepoint().await?;
                results.push(Err(e));
            }
        }
    }
    Ok(results)
}

/// Runs one command inside `tx`; a refusal is an error and the caller
/// undoes whatever it wrote.
pub async fn apply(tx: &mut dyn Tx, command: &Command) -> ApiResult<Applied> {
    match command {
        Command::Send {
            channel,
            sender,
            text,
            client_key,
            reply_to,
            thread,
            attachments,
        } => {
            let to = messages::SendTo {
                channel: *channel,
                reply_to: *reply_to,
                thread: *thread,
                attachments,
            };
            send(tx, to, *sender, text, client_key.as_deref()).await
        }
        Command::Edit {
            message,
            editor,
            text,
            client_key,
        } => edit(tx, *message, *editor, text, client_key.as_deref()).await,
        Command::Delete { message, member } => delete(tx, *message, *member).await,
        Command::React {
            message,
            member,
            emoji,
            on,
        } => react(tx, *message, *member, emoji, *on).await,
        Command::MarkRead {
            channel,
            member,
            up_to,
        } => mark_read(tx, *channel, *member, *up_to).await,
        Command::MarkThreadRead {
            root,
            member,
            up_to,
        } => mark_thread_read(tx, *root, *member, *up_to).await,
        Command::SetLevel {
            channel,
            member,
            level,
        } => set_level(tx, *channel, *member, *level).await,
        Command::CreateGroup {
            creator,
            name,
            members,
            topic,
            private,
        } => {
            let group = NewGroup {
                name,
                topic,
                private: *private,
                creator: *creator,
            };
            create_group(tx, group, members).await
        }
        Command::UpdateChannel {
            channel,
            member,
            name,
            topic,
            archived,
        } => {
            let change = SettingsChange {
                name: name.as_deref(),
                topic: topic.as_deref(),
                archived: *archived,
            };
            update_channel(tx, *channel, *member, change).await
        }
        Command::Remove {
            channel,
            remover,
            member,
        } => remove(tx, *channel, *remover, *member).await,
        Command::OpenDirect { from, to } => open_direct(tx, *from, *to).await,
        Command::Join { channel, member } => join(tx, *channel, *member).await,
        Command::Invite {
            channel,
            inviter,
            invitee,
        } => invite(tx, *channel, *inviter, *invitee).await,
        Command::Leave { channel, member } => leave(tx, *channel, *member).await,
    }
}

/// Refuses unless `member` is in `channel` now: `FORBIDDEN` for a group
/// channel they are not in, `NOT_FOUND` when there is no such channel (or it
/// is a direct channel of others). For reads (history, members, markers).
pub async fn require_member(
    store: &dyn Store,
    member: MemberId,
    channel: ChannelId,
) -> ApiResult<()> {
    if store.is_member(member, channel).await? {
        return Ok(());
    }
    Err(outsider(channel, store.channel_access(channel).await?))
}

/// Refuses unless `member` may write in `channel` now: as
/// [`require_member`], and `FORBIDDEN` for an archived group. For what is
/// written without the ledger (typing).
pub async fn require_writer(
    store: &dyn Store,
    member: MemberId,
    channel: ChannelId,
) -> ApiResult<()> {
    require_member(store, member, channel).await?;
    match store.channel_access(channel).await? {
        Some(access) => writable(channel, access),
        None => Err(not_found(channel)),
    }
}

/// A message `member` may read (in a channel they are in now), as it is
/// now, deleted or not: `NOT_FOUND` when there is no such message,
/// otherwise as [`require_member`] for its channel.
pub async fn readable_message(
    store: &dyn Store,
    member: MemberId,
    message: EventId,
) -> ApiResult<EventRow> {
    let row = store
        .event(message)
        .await?
        .filter(|e| e.kind == EventKind::Chat)
        .ok_or_else(|| no_message(message))?;
    require_member(store, member, row.channel_id).await?;
    Ok(row)
}

/// One channel as `member` sees it: any of theirs, or any group channel (so
/// it can be joined); `NOT_FOUND` for a direct channel of others, as for a
/// channel that does not exist.
pub async fn channel_view(
    store: &dyn Store,
    member: MemberId,
    channel: ChannelId,
) -> ApiResult<ChannelRow> {
    store
        .channel_seen_by(member, channel)
        .await?
        .filter(|row| row.is_member || listed(row.kind, row.private))
        .ok_or_else(|| not_found(channel))
}

/// Whether a channel is there for someone who is not in it: a public group.
fn listed(kind: ChannelKind, private: bool) -> bool {
    kind == ChannelKind::Group && !private
}

/// What someone not in `channel` (`None` if there is no such channel)
/// hears when they try to act in it.
fn outsider(channel: ChannelId, access: Option<ChannelAccess>) -> ApiError {
    match access {
        Some(a) if listed(a.kind, a.private) => {
            ApiError::Forbidden(format!("you are not a member of channel {channel}"))
        }
        _ => not_found(channel),
    }
}

fn not_found(channel: ChannelId) -> ApiError {
    ApiError::NotFound(format!("there is no channel {channel}"))
}

fn no_message(message: EventId) -> ApiError {
    ApiError::NotFound(format!("there is no message {message}"))
}

/// The channel's access, if `member` may act in it; the right error
/// otherwise (see [`outsider`]).
async fn require_member_in(
    tx: &mut dyn Tx,
    member: MemberId,
    channel: ChannelId,
) -> ApiResult<ChannelAccess> {
    let Some(access) = tx.channel_access(channel).await? else {
        return Err(not_found(channel));
    };
    if tx.is_member(member, channel).await? {
        return Ok(access);
    }
    Err(outsider(channel, Some(access)))
}

/// Refuses a write to an archived group.
fn writable(channel: ChannelId, access: ChannelAccess) -> ApiResult<()> {
    if access.archived {
        return Err(ApiError::Forbidden(format!(
            "channel {channel} is archived: it can be read, not written"
        )));
    }
    Ok(())
}

/// Refuses unless `member` created the group.
fn require_creator(access: ChannelAccess, member: MemberId, what: &str) -> ApiResult<()> {
    if access.creator != Some(member) {
        return Err(ApiError::Forbidden(format!(
            "only the group's creator can {what}"
        )));
    }
    Ok(())
}

/// Refuses a direct channel where only a group makes sense.
fn require_group(access: ChannelAccess, what: &str) -> ApiResult<()> {
    if access.kind == ChannelKind::Direct {
        return Err(ApiError::BadInput(format!(
            "a direct channel cannot {what}; create a group"
        )));
    }
    Ok(())
}

/// Refuses when `member` has blocked `actor`: no adding them to channels,
/// inviting them or messaging them directly.
async fn refuse_if_blocked(tx: &mut dyn Tx, member: &MemberRow, actor: MemberId) -> ApiResult<()> {
    if tx.has_blocked(member.id, actor).await? {
        return Err(ApiError::Forbidden(format!(
            "{} does not take invitations or direct messages from you",
            member.name
        )));
    }
    Ok(())
}

async fn member_row(tx: &mut dyn Tx, id: MemberId) -> ApiResult<MemberRow> {
    tx.member(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no member {id}")))
}

/// Puts `member` into `channel`: their join event, and a stretch of
/// membership starting at it.
async fn enter(tx: &mut dyn Tx, channel: ChannelId, member: &MemberRow) -> ApiResult<EventRow> {
    let event = tx
        .insert_event(NewEvent::new(channel, EventKind::Join, member))
        .await?;
    tx.insert_membership(channel, member.id, event.id).await?;
    Ok(event)
}

async fn create_group(
    tx: &mut dyn Tx,
    group: NewGroup<'_>,
    members: &[MemberId],
) -> ApiResult<Applied> {
    let creator = group.creator;
    let channel = tx.create_group(group).await?;
    // The creator first, then each member once, in the order asked.
    let mut everyone = vec![creator];
    for m in members {
        if !everyone.contains(m) {
            everyone.push(*m);
        }
    }
    let mut events = Vec::with_capacity(everyone.len());
    for id in everyone {
        let member = member_row(tx, id).await?;
        if id != creator {
            refuse_if_blocked(tx, &member, creator).await?;
        }
        events.push(enter(tx, channel, &member).await?);
    }
    Ok(fresh(channel, events))
}

async fn open_direct(tx: &mut dyn Tx, from: MemberId, to: MemberId) -> ApiResult<Applied> {
    if from == to {
        return Err(ApiError::BadInput(
            "a direct channel needs another member".to_owned(),
        ));
    }
    let existing = tx.direct_channel(from, to).await?;
    let to = member_row(tx, to).await?;
    // Also for a channel that exists: someone blocked cannot find it again.
    refuse_if_blocked(tx, &to, from).await?;
    if let Some(channel) = existing {
        return Ok(unchanged(channel, Vec::new()));
    }
    let from = member_row(tx, from).await?;
    let channel = tx.create_direct(from.id, to.id).await?;
    let first = enter(tx, channel, &from).await?;
    let second = enter(tx, channel, &to).await?;
    Ok(fresh(channel, vec![first, second]))
}

async fn join(tx: &mut dyn Tx, channel: ChannelId, member: MemberId) -> ApiResult<Applied> {
    let Some(access) = tx.channel_access(channel).await? else {
        return Err(not_found(channel));
    };
    if tx.is_member(member, channel).await? {
        return Ok(unchanged(channel, Vec::new()));
    }
    if !listed(access.kind, access.private) {
        return Err(not_found(channel));
    }
    writable(channel, access)?;
    let member = member_row(tx, member).await?;
    let event = enter(tx, channel, &member).await?;
    Ok(fresh(channel, vec![event]))
}

async fn invite(
    tx: &mut dyn Tx,
    channel: ChannelId,
    inviter: MemberId,
    invitee: MemberId,
) -> ApiResult<Applied> {
    let access = require_member_in(tx, inviter, channel).await?;
    require_group(access, "take anyone else in")?;
    writable(channel, access)?;
    let invitee = member_row(tx, invitee).await?;
    if tx.is_member(invitee.id, channel).await? {
        return Ok(unchanged(channel, Vec::new()));
    }
    refuse_if_blocked(tx, &invitee, inviter).await?;
    let event = enter(tx, channel, &invitee).await?;
    Ok(fresh(channel, vec![event]))
}

async fn leave(tx: &mut dyn Tx, channel: ChannelId, member: MemberId) -> ApiResult<Applied> {
    let access = require_member_in(tx, member, channel).await?;
    require_group(access, "be left")?;
    let member = member_row(tx, member).await?;
    let event = tx
        .insert_event(NewEvent::new(channel, EventKind::Leave, &member))
        .await?;
    tx.end_membership(channel, member.id, event.id).await?;
    Ok(fresh(channel, vec![event]))
}

/// What an [`Command::UpdateChannel`] asks to change.
struct SettingsChange<'a> {
    name: Option<&'a str>,
    topic: Option<&'a str>,
    archived: Option<bool>,
}

async fn update_channel(
    tx: &mut dyn Tx,
    channel: ChannelId,
    member: MemberId,
    change: SettingsChange<'_>,
) -> ApiResult<Applied> {
    let access = require_member_in(tx, member, channel).await?;
    require_group(access, "be renamed or given a topic")?;
    let Some(before) = tx.channel_settings(channel).await? else {
        return Err(not_found(channel));
    };
    let after = ChannelSettings {
        name: change.name.unwrap_or(&before.name).to_owned(),
        topic: change.topic.unwrap_or(&before.topic).to_owned(),
        archived: change.archived.unwrap_or(before.archived),
    };
    if after == before {
        return Ok(unchanged(channel, Vec::new()));
    }
    if after.archived != before.archived {
        let what = if after.archived {
            "archive it"
        } else {
            "bring it back from the archive"
        };
        require_creator(access, member, what)?;
    }
    // Renaming an archived group, or giving it a topic, writes to it;
    // bringing it back in the same change does not.
    let renamed = after.name != before.name || after.topic != before.topic;
    if renamed && after.archived {
        writable(channel, access)?;
    }
    tx.set_channel_settings(channel, &after).await?;
    let member = member_row(tx, member).await?;
    let event = tx
        .insert_event(NewEvent {
            settings: Some(&after),
            ..NewEvent::new(channel, EventKind::Channel, &member)
        })
        .await?;
    Ok(fresh(channel, vec![event]))
}

async fn remove(
    tx: &mut dyn Tx,
    channel: ChannelId,
    remover: MemberId,
    member: MemberId,
) -> ApiResult<Applied> {
    let access = require_member_in(tx, remover, channel).await?;
    require_group(access, "lose a member")?;
    require_creator(access, remover, "remove members")?;
    if member == remover {
        return Err(ApiError::BadInput(
            "the creator leaves a group by leaving it, not by removing themselves".to_owned(),
        ));
    }
    writable(channel, access)?;
    let removed = member_row(tx, member).await?;
    if !tx.is_member(member, channel).await? {
        return Ok(unchanged(channel, Vec::new()));
    }
    let remover = member_row(tx, remover).await?;
    let event = tx
        .insert_event(NewEvent {
            actor: Some(&remover),
            ..NewEvent::new(channel, EventKind::Leave, &removed)
        })
        .await?;
    tx.end_membership(channel, removed.id, event.id).await?;
    Ok(fresh(channel, vec![event]))
}

fn fresh(channel: ChannelId, events: Vec<EventRow>) -> Applied {
    Applied {
        channel,
        events,
        fresh: true,
    }
}

fn unchanged(channel: ChannelId, events: Vec<EventRow>) -> Applied {
    Applied {
        channel,
        events,
        fresh: false,
    }
}
