//! The rules of threads: a reply in a thread names its root, a message of
//! the channel itself; the thread's followers are its root's sender, who
//! replied in it and who a reply mentioned; and each follower has a read
//! marker of the thread, which only moves forward.
//!
//! A reply from someone else counts as unread for a follower who had not
//! read that far, and is sent to them saying they follow the thread;
//! everyone else in the channel gets it too (to update "N replies"), but it
//! never counts for them.

use suda_protocol::{ChannelId, EventId, MemberId};

use super::{no_message, require_member_in, unchanged, Applied};
use crate::{
    error::{ApiError, ApiResult},
    store::{now_millis, EventKind, EventRow, Tx},
};

/// The root of a thread that a reply in `channel` is posted in: a message
/// of the same channel, itself no reply in a thread, not deleted.
pub(super) async fn thread_root(
    tx: &mut dyn Tx,
    channel: ChannelId,
    id: EventId,
) -> ApiResult<EventRow> {
    let root = tx
        .event(id)
        .await?
        .filter(|e| e.kind == EventKind::Chat)
        .ok_or_else(|| no_message(id))?;
    if root.channel_id != channel {
        return Err(ApiError::BadInput(format!(
            "message {id} is in another channel; a thread's replies are in its root's channel"
        )));
    }
    if root.thread_root.is_some() {
        return Err(ApiError::BadInput(format!(
            "message {id} is a reply in a thread; reply in that thread instead"
        )));
    }
    if root.deleted {
        return Err(ApiError::BadInput(format!(
            "message {id} was deleted; its thread takes no more replies"
        )));
    }
    Ok(root)
}

/// Counts a new reply in `root`'s thread and returns the count after it,
/// for the reply to carry.
pub(super) async fn count_reply(tx: &mut dyn Tx, root: &EventRow) -> ApiResult<i64> {
    tx.add_reply(root.channel_id, root.id, now_millis()).await
}

/// After `reply` was written in `root`'s thread: its sender follows the
/// thread and has read it up to their reply, the root's sender follows it
/// from the root on, and whoever it mentions follows it from this reply
/// on. The reply then carries who follows the thread.
pub(super) async fn follow_after(
    tx: &mut dyn Tx,
    root: &EventRow,
    reply: &mut EventRow,
) -> ApiResult<()> {
    let channel = root.channel_id;
    tx.follow(channel, root.id, root.member.id, root.id, root.id.get())
        .await?;
    tx.follow(channel, root.id, reply.member.id, reply.id, reply.id.get())
        .await?;
    for &mentioned in &reply.mentions {
        tx.follow(channel, root.id, mentioned, reply.id, root.id.get())
            .await?;
    }
    reply.followers = tx.followers(root.id).await?;
    Ok(())
}

/// Moves the member's read marker of `root`'s thread forward to `up_to`
/// (or its newest reply), never back, never past its newest reply. A
/// member who does not follow the thread has nothing of it unread: nothing
/// changes. Told to the member's own streams only.
pub(super) async fn mark_thread_read(
    tx: &mut dyn Tx,
    root: EventId,
    member: MemberId,
    up_to: Option<EventId>,
) -> ApiResult<Applied> {
    let root_row = tx
        .event(root)
        .await?
        .filter(|e| e.kind == EventKind::Chat)
        .ok_or_else(|| no_message(root))?;
    let channel = root_row.channel_id;
    require_member_in(tx, member, channel).await?;
    if root_row.thread_root.is_some() {
        return Err(ApiError::BadInput(format!(
            "message {root} is a reply in a thread, not the root of one"
        )));
    }
    let Some(marker) = tx.thread_marker(member, root).await? else {
        return Ok(unchanged(channel, Vec::new()));
    };
    let newest = tx.newest_reply(root).await?;
    let wanted = up_to.map_or(newest, |id| id.get().min(newest));
    if wanted <= marker {
        return Ok(unchanged(channel, Vec::new()));
    }
    tx.set_thread_marker(member, root, wanted).await?;
    super::messages::marker_moved(tx, channel, member, wanted, Some(root)).await
}
