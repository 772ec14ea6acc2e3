//! The rules for messages: sending (idempotent by `clientKey`, replies),
//! editing, deleting, reacting, and moving read markers. Each change is an
//! event of its own kind naming its message, so it is delivered and
//! replayed like the message.

use suda_protocol::{
    attachment::MAX_ATTACHMENTS_PER_MESSAGE, Attachment, AttachmentId, ChannelId, EventId,
    MemberId, NotificationLevel, MAX_EMOJI_PER_MESSAGE, MAX_MENTIONS_PER_MESSAGE,
    MAX_REACTIONS_PER_MEMBER,
};

use super::{
    fresh, member_row, no_message, refuse_if_blocked, require_member_in, threads, unchanged,
    writable, Applied,
};
use crate::{
    error::{ApiError, ApiResult},
    store::{
        now_millis, preview_of, ChannelKind, EventKind, EventRow, NewEvent, Preview, Tx,
        PENDING_LIFETIME_MS,
    },
};

/// Where a message goes: a channel, maybe answering one of its messages,
/// maybe as a reply in one of its threads.
#[derive(Debug, Clone, Copy)]
pub(super) struct SendTo<'a> {
    pub channel: ChannelId,
    pub reply_to: Option<EventId>,
    pub thread: Option<EventId>,
    /// The sender's uploads it carries.
    pub attachments: &'a [AttachmentId],
}

pub(super) async fn send(
    tx: &mut dyn Tx,
    to: SendTo<'_>,
    sender: MemberId,
    text: &str,
    client_key: Option<&str>,
) -> ApiResult<Applied> {
    let SendTo {
        channel,
        reply_to,
        thread,
        attachments,
    } = to;
    if let Some(key) = client_key {
        if let Some(first) = tx.event_by_client_key(sender, key).await? {
            // A retry is the same message again. Anything else under the
            // same key would be lost if answered with the first message, so
            // it is refused for the client to see. A message deleted since
            // has no text left to compare: the same channel and reply is
            // taken for a retry (and gets the deleted message).
            let same = first.kind == EventKind::Chat
                && first.channel_id == channel
                && first.target == reply_to
                && first.thread == thread
                && first.text.as_deref().is_none_or(|t| t == text);
            if !same {
                return Err(key_used());
            }
            let first = event_or_gone(tx, first.id).await?;
            let carried: Vec<AttachmentId> = first.attachments.iter().map(|a| a.id).collect();
            if !first.deleted && carried != attachments {
                return Err(key_used());
            }
            return Ok(unchanged(first.channel_id, vec![first]));
        }
    }
    let access = require_member_in(tx, sender, channel).await?;
    writable(channel, access)?;
    if access.kind == ChannelKind::Direct {
        if let Some(other) = tx.other_member(channel, sender).await? {
            let other = member_row(tx, other).await?;
            refuse_if_blocked(tx, &other, sender).await?;
        }
    }
    let original = match reply_to {
        Some(id) => Some(reply_target(tx, channel, id).await?),
        None => None,
    };
    let root = match thread {
        Some(id) => Some(threads::thread_root(tx, channel, id).await?),
        None => None,
    };
    let files = uploads_to_send(tx, sender, attachments).await?;
    if text.trim().is_empty() && files.is_empty() {
        return Err(ApiError::BadInput("the message is empty".into()));
    }
    let sender = member_row(tx, sender).await?;
    let mentions = mentioned(tx, channel, text).await?;
    let replies = match &root {
        Some(root) => Some(threads::count_reply(tx, root).await?),
        None => None,
    };
    let mut event = tx
        .insert_event(NewEvent {
            message: Some(text),
            client_key,
            target: reply_to,
            mentions: &mentions,
            thread,
            tally: replies,
            ..NewEvent::new(channel, EventKind::Chat, &sender)
        })
        .await?;
    if !files.is_empty() {
        tx.attach(event.id, channel, &files).await?;
        event.attachments = files;
    }
    tx.index_changes()
        .add(&event, &searchable(text, &event.attachments));
    if let Some(root) = &root {
        threads::follow_after(tx, root, &mut event).await?;
    }
    event.reply_to = original.map(|o| {
        Box::new(Preview {
            id: o.id,
            text: preview_of(o.message.as_deref().unwrap_or_default()),
            sender: o.member,
            deleted: false,
        })
    });
    Ok(fresh(channel, vec![event]))
}

/// What a message is found by: its text, and its files' names
/// (`report.pdf` is found by `report`). The stores make the index again
/// from the same (`store::search`).
pub(crate) fn searchable<'a>(text: &'a str, files: &[Attachment]) -> std::borrow::Cow<'a, str> {
    if files.is_empty() {
        return text.into();
    }
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    format!("{text}\n{}", names.join("\n")).into()
}

/// The sender's uploads a message is to carry, in order: each pending (no
/// message took it yet), uploaded by the sender, not expired; at most
/// [`MAX_ATTACHMENTS_PER_MESSAGE`], none twice. Another member's upload is
/// as unknown as one that does not exist.
async fn uploads_to_send(
    tx: &mut dyn Tx,
    sender: MemberId,
    ids: &[AttachmentId],
) -> ApiResult<Vec<Attachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if ids.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(ApiError::BadInput(format!(
            "a message carries at most {MAX_ATTACHMENTS_PER_MESSAGE} files; this one has {}",
            ids.len()
        )));
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(ApiError::BadInput(format!(
                "the file {id} is attached twice"
            )));
        }
    }
    let found = tx.uploads(ids).await?;
    let expired = now_millis() - PENDING_LIFETIME_MS;
    ids.iter()
        .map(|id| {
            let row = found
                .iter()
                .find(|r| r.id == *id && r.uploader == sender)
                .ok_or_else(|| ApiError::NotFound(format!("you uploaded no file {id}")))?;
            if row.message.is_some() {
                return Err(ApiError::BadInput(format!(
                    "the file {id} was sent with another message already; upload it again"
                )));
            }
            if row.created_at < expired {
                return Err(ApiError::NotFound(format!(
                    "the upload {id} expired: uploads wait a day for their message"
                )));
            }
            Ok(row.wire())
        })
        .collect()
}

/// The members of `channel` that `text` mentions: each `@name` whose name
/// reads as a member's (the same key as sign-in's, so `@Bob` and `@bob`
/// are bob), in the channel now. A name that is no member of the channel
/// stays text; past [`MAX_MENTIONS_PER_MESSAGE`] different names, the rest
/// do too (each is a look-up).
async fn mentioned(tx: &mut dyn Tx, channel: ChannelId, text: &str) -> ApiResult<Vec<MemberId>> {
    tx.members_by_keys(channel, &mention_keys(text)).await
}

/// The name keys of the `@name`s in `text`, each once, in order, at most
/// [`MAX_MENTIONS_PER_MESSAGE`]. A name is what a member name may hold
/// (letters, digits, `_`, `-`, `.`) right after an `@` that does not
/// follow a letter or digit (`bob@example.com` mentions nobody), without a
/// sentence's final dots (`thanks @bob.`).
pub(crate) fn mention_keys(text: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for (at, c) in text.char_indices() {
        let starts = c == '@' && !prev.is_some_and(char::is_alphanumeric);
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[at + 1..];
        let len: usize = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .take(32)
            .map(char::len_utf8)
            .sum();
        let name = rest[..len].trim_end_matches('.');
        if name.is_empty() {
            continue;
        }
        let key = crate::name::key(name);
        if !keys.contains(&key) {
            keys.push(key);
            if keys.len() == MAX_MENTIONS_PER_MESSAGE {
                break;
            }
        }
    }
    keys
}

fn key_used() -> ApiError {
    ApiError::Conflict(
        "this clientKey was already used for another message or edit; \
         send it with a new key"
            .to_owned(),
    )
}

/// The message a reply in `channel` answers: of the same channel, not
/// deleted.
async fn reply_target(tx: &mut dyn Tx, channel: ChannelId, id: EventId) -> ApiResult<EventRow> {
    let original = tx
        .event(id)
        .await?
        .filter(|e| e.kind == EventKind::Chat)
        .ok_or_else(|| no_message(id))?;
    if original.channel_id != channel {
        return Err(ApiError::BadInput(format!(
            "message {id} is in another channel; a reply answers a message of its own channel"
        )));
    }
    if original.deleted {
        return Err(ApiError::BadInput(format!(
            "message {id} was deleted; there is nothing to reply to"
        )));
    }
    Ok(original)
}

/// An event that a committed command refers to; it cannot be missing.
async fn event_or_gone(tx: &mut dyn Tx, id: EventId) -> ApiResult<EventRow> {
    tx.event(id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("event {id} is gone")))
}

/// What a change to a message adds to its channel.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    /// New text or a reaction: in a direct channel, refused when the other
    /// member blocked the one who changes it, as a send is.
    Adds,
    /// Takes the text away: always the sender's to do.
    Removes,
}

/// A message `member` may change: it exists (`NOT_FOUND`), they are in its
/// channel now (as [`require_member_in`]), it is theirs when `own` is
/// asked (`FORBIDDEN`), and a change that adds something to a direct
/// channel is not from someone the other member blocked (`FORBIDDEN`). A
/// deleted one is returned as such; callers decide.
async fn changeable(
    tx: &mut dyn Tx,
    id: EventId,
    member: MemberId,
    own: bool,
    change: Change,
) -> ApiResult<EventRow> {
    let message = tx
        .event(id)
        .await?
        .filter(|e| e.kind == EventKind::Chat)
        .ok_or_else(|| no_message(id))?;
    let access = require_member_in(tx, member, message.channel_id).await?;
    writable(message.channel_id, access)?;
    if own && message.member.id != member {
        return Err(ApiError::Forbidden(format!(
            "message {id} is not yours: only its sender may change it"
        )));
    }
    if access.kind == ChannelKind::Direct && change == Change::Adds {
        if let Some(other) = tx.other_member(message.channel_id, member).await? {
            let other = member_row(tx, other).await?;
            refuse_if_blocked(tx, &other, member).await?;
        }
    }
    Ok(message)
}

pub(super) async fn edit(
    tx: &mut dyn Tx,
    id: EventId,
    editor: MemberId,
    text: &str,
    client_key: Option<&str>,
) -> ApiResult<Applied> {
    let message = changeable(tx, id, editor, true, Change::Adds).await?;
    if message.deleted {
        return Err(ApiError::NotFound(format!("message {id} was deleted")));
    }
    if let Some(key) = client_key {
        if let Some(first) = tx.event_by_client_key(editor, key).await? {
            let same = first.kind == EventKind::Edit
                && first.target == Some(id)
                && first.text.as_deref() == Some(text);
            if !same {
                return Err(key_used());
            }
            return Ok(unchanged(message.channel_id, vec![message]));
        }
    }
    if message.message.as_deref() == Some(text) {
        // Nothing changes: nothing is written, nobody is told.
        return Ok(unchanged(message.channel_id, vec![message]));
    }
    if text.trim().is_empty() && message.attachments.is_empty() {
        // Only a message with files may lose all its text.
        return Err(ApiError::BadInput("the message is empty".into()));
    }
    let editor = member_row(tx, editor).await?;
    let event = tx
        .insert_event(NewEvent {
            message: Some(text),
            client_key,
            target: Some(id),
            ..NewEvent::new(message.channel_id, EventKind::Edit, &editor)
        })
        .await?;
    // Counts follow the text as it is now; an edit notifies nobody anew.
    let mentions = mentioned(tx, message.channel_id, text).await?;
    tx.set_edited(id, event.id, &mentions).await?;
    // Found by its words as they are now, and no longer by the old ones.
    tx.index_changes()
        .replace(&message, &searchable(text, &message.attachments));
    Ok(fresh(message.channel_id, vec![event]))
}

pub(super) async fn delete(tx: &mut dyn Tx, id: EventId, member: MemberId) -> ApiResult<Applied> {
    let message = changeable(tx, id, member, true, Change::Removes).await?;
    if message.deleted {
        // A retried delete is harmless.
        return Ok(unchanged(message.channel_id, Vec::new()));
    }
    let member = member_row(tx, member).await?;
    // A reply in a thread leaves it: the deletion says how many are left.
    let replies = match message.thread_root {
        Some(root) => Some(tx.remove_reply(root).await?),
        None => None,
    };
    let event = tx
        .insert_event(NewEvent {
            target: Some(id),
            thread: message.thread_root,
            tally: replies,
            ..NewEvent::new(message.channel_id, EventKind::Delete, &member)
        })
        .await?;
    tx.delete_message(id, event.id).await?;
    tx.index_changes().remove(&message);
    Ok(fresh(message.channel_id, vec![event]))
}

pub(super) async fn react(
    tx: &mut dyn Tx,
    id: EventId,
    member: MemberId,
    emoji: &str,
    on: bool,
) -> ApiResult<Applied> {
    let message = changeable(tx, id, member, false, Change::Adds).await?;
    if message.deleted {
        return Err(ApiError::NotFound(format!("message {id} was deleted")));
    }
    let channel = message.channel_id;
    if tx.has_reaction(id, member, emoji).await? == on {
        // Already as asked: a retry never undoes itself.
        return Ok(unchanged(channel, Vec::new()));
    }
    let (distinct, count) = tx.emoji_counts(id, emoji).await?;
    if on {
        if tx.reactions_by(id, member).await? >= MAX_REACTIONS_PER_MEMBER as i64 {
            return Err(ApiError::BadInput(format!(
                "you have {MAX_REACTIONS_PER_MEMBER} different reactions on this message \
                 already; take one back first"
            )));
        }
        if count == 0 && distinct >= MAX_EMOJI_PER_MESSAGE as i64 {
            return Err(ApiError::BadInput(format!(
                "this message carries {MAX_EMOJI_PER_MESSAGE} different emoji already; \
                 add to one of them"
            )));
        }
    }
    let tally = if on { count + 1 } else { count - 1 };
    let kind = if on {
        EventKind::React
    } else {
        EventKind::Unreact
    };
    let reactor = member_row(tx, member).await?;
    let event = tx
        .insert_event(NewEvent {
            target: Some(id),
            emoji: Some(emoji),
            tally: Some(tally),
            ..NewEvent::new(channel, kind, &reactor)
        })
        .await?;
    if on {
        tx.add_reaction(channel, id, member, emoji, event.id)
            .await?;
    } else {
        tx.remove_reaction(id, member, emoji).await?;
    }
    Ok(fresh(channel, vec![event]))
}

pub(super) async fn mark_read(
    tx: &mut dyn Tx,
    channel: ChannelId,
    member: MemberId,
    up_to: Option<EventId>,
) -> ApiResult<Applied> {
    require_member_in(tx, member, channel).await?;
    let marker = tx.read_marker(member, channel).await?;
    // Never past the newest message, join or leave: changes are not read,
    // and a marker on one would move again at every call.
    let newest = tx.newest_content(channel).await?;
    let wanted = up_to.map_or(newest, |id| id.get().min(newest));
    if wanted <= marker {
        return Ok(unchanged(channel, Vec::new()));
    }
    tx.set_read_marker(member, channel, wanted).await?;
    marker_moved(tx, channel, member, wanted, None).await
}

/// The event of a read marker that moved to `up_to` (of the channel, or of
/// `thread`'s), with the member's unread count of the channel after it;
/// told to the member's own streams only.
pub(super) async fn marker_moved(
    tx: &mut dyn Tx,
    channel: ChannelId,
    member: MemberId,
    up_to: i64,
    thread: Option<EventId>,
) -> ApiResult<Applied> {
    let unread = tx.unread(member, channel).await?;
    let member = member_row(tx, member).await?;
    let event = tx
        .insert_event(NewEvent {
            target: Some(EventId(up_to)),
            tally: Some(unread),
            thread,
            ..NewEvent::new(channel, EventKind::Read, &member)
        })
        .await?;
    Ok(fresh(channel, vec![event]))
}

/// Sets the member's notification level of the channel; the same level
/// again changes nothing. Told to the member's own streams only.
pub(super) async fn set_level(
    tx: &mut dyn Tx,
    channel: ChannelId,
    member: MemberId,
    level: NotificationLevel,
) -> ApiResult<Applied> {
    require_member_in(tx, member, channel).await?;
    if tx.notify_level(member, channel).await? == level {
        return Ok(unchanged(channel, Vec::new()));
    }
    tx.set_notify_level(member, channel, level).await?;
    let member = member_row(tx, member).await?;
    let event = tx
        .insert_event(NewEvent {
            level: Some(level),
            ..NewEvent::new(channel, EventKind::Level, &member)
        })
        .await?;
    Ok(fresh(channel, vec![event]))
}
