//! Threads: reading one, replying in one (through the outbox, like any
//! message), reading it up to date, and saying which one is open, so its
//! replies neither count nor notify while the member looks at them.

use suda_protocol::{ChannelId, EventId};

use super::{lock, Session};
use crate::{
    error::ClientResult, graphql::ops, history::ThreadPage, outbox::OutboxEntry, outbox::Placement,
    wire,
};

impl Session {
    /// A page of `root`'s thread: the root as it is now and up to `limit`
    /// replies, newest first, older than `before` (a `next_cursor`).
    pub async fn thread(
        &self,
        root: EventId,
        before: Option<String>,
        limit: u32,
    ) -> ClientResult<ThreadPage> {
        let vars = ops::thread::Variables {
            root_id: root.to_string(),
            before,
            limit: i64::from(limit),
        };
        let page = self.shared.api.run::<ops::Thread>(vars).await?.chat_thread;
        Ok(ThreadPage {
            root: wire::thread_message(page.root)?,
            replies: page
                .contents
                .into_iter()
                .map(wire::thread_message)
                .collect::<ClientResult<_>>()?,
            has_more: page.has_more,
            next_cursor: page.next_cursor,
        })
    }

    /// [`Session::send`] as a reply in `root`'s thread (a message of
    /// `channel`), answering `reply_to` too when given.
    pub async fn send_in_thread(
        &self,
        channel: ChannelId,
        root: EventId,
        text: &str,
        reply_to: Option<EventId>,
    ) -> ClientResult<OutboxEntry> {
        let at = Placement {
            reply_to,
            thread_root: Some(root),
        };
        self.send_placed(channel, text, at).await
    }

    /// Marks `root`'s thread read up to its newest reply: the channel's
    /// count follows at once, and the member's other devices hear of it
    /// from the stream.
    pub async fn mark_thread_read(&self, channel: ChannelId, root: EventId) -> ClientResult<()> {
        let vars = ops::mark_thread_read::Variables {
            root_id: root.to_string(),
            up_to: None,
        };
        let read = self
            .shared
            .api
            .run::<ops::MarkThreadRead>(vars)
            .await?
            .mark_thread_read;
        let unread = u32::try_from(read.un_read_cnt).unwrap_or(0);
        if lock(&self.shared.state).thread_read(channel, unread) {
            self.shared.channels_changed();
        }
        Ok(())
    }

    /// Records the thread open beside the channel on screen (`None` when
    /// none is).
    pub fn set_thread_in_view(&self, root: Option<EventId>) {
        lock(&self.shared.state).set_thread_in_view(root);
    }
}
