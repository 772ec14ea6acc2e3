//! The session's requests: signing in and out, reads and writes.
//!
//! Each is one GraphQL operation whose answer is converted at the edge and
//! folded into the session's state before it returns, so the front end sees
//! the same change whether it came from its own request or from the stream.

use suda_protocol::{
    Attachment, AttachmentId, ChannelId, ErrorCode, EventId, MemberId, MemberRef, NotificationLevel,
};

use super::groups::NewGroup;
use super::{lock, Session};
use crate::{
    error::{ClientError, ClientResult},
    graphql::ops,
    history::{HistoryItem, HistoryPage},
    notify::NotifySettings,
    outbox::{OutboxEntry, Placement},
    state::Channel,
    subscription::{ConnectionState, OfflineReason},
    wire,
};

impl Session {
    fn signed_in(&self, token: String, expires_at: &str, me: MemberRef) -> ClientResult<MemberRef> {
        let expires = super::renewal::parse_time(expires_at)?;
        self.shared.api.set_token(Some(token));
        *lock(&self.shared.token_life) = Some(super::renewal::TokenLife {
            issued: super::renewal::now_millis(),
            expires,
        });
        lock(&self.shared.state).set_me(Some(me.clone()));
        Ok(me)
    }

    /// Creates a member and signs in. Call [`Session::start`] to subscribe.
    pub async fn sign_up(&self, name: &str, password: &str) -> ClientResult<MemberRef> {
        let vars = ops::sign_up::Variables {
            member_name: name.to_owned(),
            password: password.to_owned(),
        };
        let data = self.shared.api.run::<ops::SignUp>(vars).await?.sign_up;
        self.signed_in(data.token, &data.expires_at, wire::member(data.member)?)
    }

    /// Signs in. Call [`Session::start`] to subscribe.
    pub async fn sign_in(&self, name: &str, password: &str) -> ClientResult<MemberRef> {
        let vars = ops::sign_in::Variables {
            member_name: name.to_owned(),
            password: password.to_owned(),
        };
        let data = self.shared.api.run::<ops::SignIn>(vars).await?.sign_in;
        self.signed_in(data.token, &data.expires_at, wire::member(data.member)?)
    }

    /// Checks a kept token and learns who it belongs to.
    pub async fn resume(&self) -> ClientResult<MemberRef> {
        if self.shared.api.token().is_none() {
            return Err(ClientError::NotSignedIn);
        }
        let me = wire::member(self.shared.api.run::<ops::Me>(ops::me::Variables).await?.me)?;
        lock(&self.shared.state).set_me(Some(me.clone()));
        Ok(me)
    }

    /// Takes `me` as the signed-in member without asking the server: for a
    /// session restored while the server cannot be reached. [`Session::resume`]
    /// checks it once the server answers.
    pub fn assume(&self, me: MemberRef) {
        lock(&self.shared.state).set_me(Some(me));
    }

    /// The signed-in member, asking the server when not yet known.
    pub async fn me(&self) -> ClientResult<MemberRef> {
        let known = lock(&self.shared.state).me().cloned();
        match known {
            Some(me) => Ok(me),
            None => self.resume().await,
        }
    }

    /// Stops the subscription, revokes the token on the server and forgets
    /// it here. The token is forgotten even when the server cannot be told.
    pub async fn sign_out(&self) -> ClientResult<()> {
        self.stop().await;
        let revoked = match self.shared.api.token() {
            Some(_) => self
                .shared
                .api
                .run::<ops::SignOut>(ops::sign_out::Variables)
                .await
                .map(|_| ()),
            None => Ok(()),
        };
        self.shared.api.set_token(None);
        *lock(&self.shared.token_life) = None;
        lock(&self.shared.state).set_me(None);
        self.shared.set_connection(ConnectionState::Offline {
            reason: OfflineReason::SignedOut,
        });
        match revoked {
            Err(e) if !e.needs_sign_in() => Err(e),
            _ => Ok(()),
        }
    }

    /// Sets what of a channel notifies the member, on every device of
    /// theirs (the server keeps it, and tells their other streams).
    pub async fn set_notification_level(
        &self,
        channel: ChannelId,
        level: NotificationLevel,
    ) -> ClientResult<Channel> {
        use ops::set_notification_level::NotificationLevel as L;
        let vars = ops::set_notification_level::Variables {
            channel_id: channel.to_string(),
            level: match level {
                NotificationLevel::All => L::ALL,
                NotificationLevel::Mentions => L::MENTIONS,
                NotificationLevel::Nothing => L::NOTHING,
            },
        };
        let answer = self
            .shared
            .api
            .run::<ops::SetNotificationLevel>(vars)
            .await?
            .set_notification_level;
        let channel = Channel::try_from(answer)?;
        lock(&self.shared.state).upsert(channel.clone());
        self.shared.channels_changed();
        Ok(channel)
    }

    /// Fetches the member's channels (and replaces the known list).
    pub async fn channels(&self) -> ClientResult<Vec<Channel>> {
        self.shared.refresh().await
    }

    /// One page of a channel's history, newest first.
    pub async fn history(
        &self,
        channel: ChannelId,
        before: Option<String>,
        limit: u32,
    ) -> ClientResult<HistoryPage> {
        self.page(channel, before, None, limit).await
    }

    /// A page of a channel's history holding `message` and what surrounds
    /// it, newest first (to jump to an original older than what is loaded).
    pub async fn history_around(
        &self,
        channel: ChannelId,
        message: EventId,
        limit: u32,
    ) -> ClientResult<HistoryPage> {
        self.page(channel, None, Some(message), limit).await
    }

    async fn page(
        &self,
        channel: ChannelId,
        before: Option<String>,
        around: Option<EventId>,
        limit: u32,
    ) -> ClientResult<HistoryPage> {
        let vars = ops::conversation_page::Variables {
            channel_id: channel.to_string(),
            before,
            around: around.map(|m| m.to_string()),
            limit: i64::from(limit),
            // The channel's own messages: replies in threads are summed
            // up under their roots (`Session::thread` lists them).
            thread_replies: false,
        };
        let page = self
            .shared
            .api
            .run::<ops::ConversationPage>(vars)
            .await?
            .chat_channel_events;
        Ok(HistoryPage {
            events: page
                .contents
                .into_iter()
                .map(|e| wire::history_item(channel, e))
                .collect::<ClientResult<_>>()?,
            has_more: page.has_more,
            next_cursor: page.next_cursor,
        })
    }

    /// Queues a message and tries to send it now. The returned entry says
    /// whether it went out; a pending one is retried on every reconnect
    /// (and after a restart, with a `data_dir`), a failed one is kept.
    pub async fn send(&self, channel: ChannelId, text: &str) -> ClientResult<OutboxEntry> {
        self.send_reply(channel, text, None).await
    }

    /// [`Session::send`], as a reply to `reply_to` (a message of the same
    /// channel) when one is given; the reply waits in the outbox like any
    /// message.
    pub async fn send_reply(
        &self,
        channel: ChannelId,
        text: &str,
        reply_to: Option<EventId>,
    ) -> ClientResult<OutboxEntry> {
        let at = Placement {
            reply_to,
            thread_root: None,
        };
        self.send_placed(channel, text, at).await
    }

    /// [`Session::send`] to a place in the channel (a reply, a thread).
    pub(super) async fn send_placed(
        &self,
        channel: ChannelId,
        text: &str,
        at: Placement,
    ) -> ClientResult<OutboxEntry> {
        self.send_with_files(channel, text, at, Vec::new()).await
    }

    /// Uploads a file for a message to carry ([`Session::send_with_files`]),
    /// telling `progress` the bytes sent so far and the total. Dropping the
    /// future cancels it.
    pub async fn upload(
        &self,
        upload: crate::attachments::Upload,
        progress: impl Fn(u64, u64) + Send + Sync + 'static,
    ) -> ClientResult<Attachment> {
        self.shared.api.upload(upload, progress).await
    }

    /// What the server takes of uploads (the largest file, how many a
    /// message carries).
    pub async fn attachment_limits(&self) -> ClientResult<crate::attachments::Limits> {
        self.shared.api.attachment_limits().await
    }

    /// Saves an attachment's bytes (or thumbnail) to `dest`, a new file.
    pub async fn download(
        &self,
        id: AttachmentId,
        part: crate::attachments::Part,
        dest: &std::path::Path,
    ) -> ClientResult<u64> {
        self.shared.api.download(id, part, dest).await
    }

    /// Queues a message carrying `attachments` (uploaded with
    /// [`Session::upload`]; its text may then be empty) and tries to send
    /// it now, as [`Session::send`].
    pub async fn send_with_files(
        &self,
        channel: ChannelId,
        text: &str,
        at: Placement,
        attachments: Vec<Attachment>,
    ) -> ClientResult<OutboxEntry> {
        if attachments.is_empty() {
            check_text(text)?;
        } else {
            check_caption(text, attachments.len())?;
        }
        let me = self.me().await?;
        let entry = lock(&self.shared.outbox).enqueue_with_files(
            me.id,
            channel,
            text.to_owned(),
            at,
            attachments,
        )?;
        self.shared.outbox_changed();
        self.shared.flush().await;
        let now = lock(&self.shared.outbox).get(&entry.key).cloned();
        Ok(now.unwrap_or(entry))
    }

    /// One message as it is now (deleted or not), from any channel the
    /// member can read.
    pub async fn message(&self, message: EventId) -> ClientResult<HistoryItem> {
        let vars = ops::message::Variables {
            message_id: message.to_string(),
        };
        let m = self
            .shared
            .api
            .run::<ops::Message>(vars)
            .await?
            .chat_message;
        wire::one_message(m)
    }

    /// Replaces the text of one of the member's messages. The stream
    /// carries the edit to every member, this one's other devices too.
    pub async fn edit(&self, message: EventId, text: &str) -> ClientResult<()> {
        check_text(text)?;
        let vars = ops::edit_message::Variables {
            message_id: message.to_string(),
            message: text.to_owned(),
            client_key: None,
        };
        self.shared.api.run::<ops::EditMessage>(vars).await?;
        Ok(())
    }

    /// Deletes one of the member's messages, its text and every earlier
    /// edit's, for good.
    pub async fn delete(&self, message: EventId) -> ClientResult<()> {
        let vars = ops::delete_message::Variables {
            message_id: message.to_string(),
        };
        self.shared.api.run::<ops::DeleteMessage>(vars).await?;
        Ok(())
    }

    /// Adds (`on`) or takes back the member's `emoji` on a message; answers
    /// how many members have that emoji on it now.
    pub async fn react(&self, message: EventId, emoji: &str, on: bool) -> ClientResult<u32> {
        let vars = ops::react::Variables {
            message_id: message.to_string(),
            emoji: emoji.to_owned(),
            on,
        };
        let reacted = self
            .shared
            .api
            .run::<ops::React>(vars)
            .await?
            .react_to_message;
        Ok(reacted
            .reactions
            .iter()
            .find(|r| r.emoji == emoji)
            .map_or(0, |r| u32::try_from(r.count).unwrap_or(0)))
    }

    /// Retries every pending send now.
    pub async fn flush_outbox(&self) {
        self.shared.flush().await;
    }

    /// Forgets a failed send the member has seen.
    pub fn dismiss(&self, key: &str) -> ClientResult<()> {
        lock(&self.shared.outbox).dismiss(key)?;
        self.shared.outbox_changed();
        Ok(())
    }

    /// Marks a channel read up to `up_to` (default: everything).
    pub async fn mark_read(&self, channel: ChannelId, up_to: Option<EventId>) -> ClientResult<()> {
        let vars = ops::mark_read::Variables {
            channel_id: channel.to_string(),
            up_to: up_to.map(|e| e.to_string()),
        };
        let read = self
            .shared
            .api
            .run::<ops::MarkRead>(vars)
            .await?
            .mark_channel_read;
        let marker = read
            .last_read_event_id
            .as_deref()
            .map(wire::id::<EventId>)
            .transpose()?;
        lock(&self.shared.state).set_read(
            channel,
            u32::try_from(read.un_read_cnt).unwrap_or(0),
            marker,
        );
        lock(&self.shared.notifier).seen(channel);
        self.shared.channels_changed();
        Ok(())
    }

    pub(super) fn learned(&self, channel: Channel) -> Channel {
        lock(&self.shared.state).upsert(channel.clone());
        self.shared.channels_changed();
        channel
    }

    /// Creates a group channel with the member and `members` in it.
    pub async fn create_group(&self, name: &str, members: &[MemberId]) -> ClientResult<Channel> {
        let group = NewGroup {
            name,
            members,
            topic: "",
            private: false,
        };
        self.create_group_with(group).await
    }

    /// Finds a member by name.
    pub async fn find_member(&self, name: &str) -> ClientResult<MemberRef> {
        let vars = ops::find_member::Variables {
            member_name: name.to_owned(),
        };
        wire::member(self.shared.api.run::<ops::FindMember>(vars).await?.member)
    }

    /// Opens the direct channel with another member.
    pub async fn open_direct(&self, member: MemberId) -> ClientResult<Channel> {
        let vars = ops::open_direct::Variables {
            member_id: member.to_string(),
        };
        let c = self.shared.api.run::<ops::OpenDirect>(vars).await?;
        Ok(self.learned(Channel::try_from(c.open_direct_channel)?))
    }

    /// Joins a group channel.
    pub async fn join(&self, channel: ChannelId) -> ClientResult<Channel> {
        let vars = ops::join::Variables {
            channel_id: channel.to_string(),
        };
        let c = self.shared.api.run::<ops::Join>(vars).await?;
        Ok(self.learned(Channel::try_from(c.join_channel)?))
    }

    /// Leaves a group channel.
    pub async fn leave(&self, channel: ChannelId) -> ClientResult<()> {
        let vars = ops::leave::Variables {
            channel_id: channel.to_string(),
        };
        self.shared.api.run::<ops::Leave>(vars).await?;
        lock(&self.shared.state).remove(channel);
        self.shared.channels_changed();
        Ok(())
    }

    /// Adds another member to a group channel.
    pub async fn invite(&self, channel: ChannelId, member: MemberId) -> ClientResult<()> {
        let vars = ops::invite::Variables {
            channel_id: channel.to_string(),
            member_id: member.to_string(),
        };
        self.shared.api.run::<ops::Invite>(vars).await?;
        Ok(())
    }

    /// The members of a channel.
    pub async fn members(&self, channel: ChannelId) -> ClientResult<Vec<MemberRef>> {
        let vars = ops::channel_members::Variables {
            channel_id: channel.to_string(),
        };
        let data = self.shared.api.run::<ops::ChannelMembers>(vars).await?;
        data.chat_channel_members
            .into_iter()
            .map(wire::member)
            .collect()
    }

    /// Records the channel on screen: its messages stop counting as unread
    /// and its burst of notifications is forgotten.
    pub fn set_in_view(&self, channel: Option<ChannelId>) {
        lock(&self.shared.state).set_in_view(channel);
        if let Some(c) = channel {
            lock(&self.shared.notifier).seen(c);
        }
    }

    /// Records whether the app has the focus.
    pub fn set_focused(&self, focused: bool) {
        lock(&self.shared.state).set_focused(focused);
    }

    /// Replaces the notification settings.
    pub fn set_notify_settings(&self, settings: NotifySettings) {
        *lock(&self.shared.notify) = settings;
    }
}

/// One signed-in device of the member, as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// Its id, for [`Session::end_session`].
    pub id: String,
    /// What the client called itself when it signed in.
    pub device: Option<String>,
    /// The address it signed in from.
    pub address: Option<String>,
    /// When it signed in (RFC 3339).
    pub created_at: String,
    /// When it was last used, to the minute (RFC 3339).
    pub last_seen_at: Option<String>,
    /// When it stops working unless renewed (RFC 3339).
    pub expires_at: String,
    /// Whether it is this session.
    pub current: bool,
}

impl Session {
    /// The member's signed-in sessions (devices), newest first.
    pub async fn sessions(&self) -> ClientResult<Vec<SessionInfo>> {
        let list = self
            .shared
            .api
            .run::<ops::MySessions>(ops::my_sessions::Variables)
            .await?
            .my_sessions;
        Ok(list
            .into_iter()
            .map(|s| SessionInfo {
                id: s.id,
                device: s.device,
                address: s.address,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                expires_at: s.expires_at,
                current: s.current,
            })
            .collect())
    }

    /// Blocks a member: they can no longer add this member to channels,
    /// invite them or message them directly.
    pub async fn block(&self, member: MemberId) -> ClientResult<()> {
        let vars = ops::block_member::Variables {
            member_id: member.to_string(),
        };
        self.shared.api.run::<ops::BlockMember>(vars).await?;
        Ok(())
    }

    /// Unblocks a member.
    pub async fn unblock(&self, member: MemberId) -> ClientResult<()> {
        let vars = ops::unblock_member::Variables {
            member_id: member.to_string(),
        };
        self.shared.api.run::<ops::UnblockMember>(vars).await?;
        Ok(())
    }

    /// The members this member has blocked, by name.
    pub async fn blocked(&self) -> ClientResult<Vec<MemberRef>> {
        let list = self
            .shared
            .api
            .run::<ops::BlockedMembers>(ops::blocked_members::Variables)
            .await?
            .blocked_members;
        list.into_iter().map(wire::member).collect()
    }

    /// Ends one of the member's sessions at once: its token stops working
    /// and its streams end.
    pub async fn end_session(&self, id: &str) -> ClientResult<()> {
        let vars = ops::end_session::Variables { id: id.to_owned() };
        self.shared.api.run::<ops::EndSession>(vars).await?;
        Ok(())
    }
}

/// Refuses, before asking the server, a text no message may have.
/// A message with files: its text may be empty, not too long; at most
/// [`MAX_ATTACHMENTS_PER_MESSAGE`] files.
fn check_caption(text: &str, files: usize) -> ClientResult<()> {
    use suda_protocol::attachment::MAX_ATTACHMENTS_PER_MESSAGE;
    if files > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(ClientError::Api {
            code: ErrorCode::BadUserInput,
            message: format!("a message carries at most {MAX_ATTACHMENTS_PER_MESSAGE} files"),
        });
    }
    if text.chars().count() > suda_protocol::MAX_MESSAGE_CHARS {
        return check_text(text);
    }
    Ok(())
}

fn check_text(text: &str) -> ClientResult<()> {
    if text.trim().is_empty() || text.chars().count() > suda_protocol::MAX_MESSAGE_CHARS {
        return Err(ClientError::Api {
            code: ErrorCode::BadUserInput,
            message: format!(
                "a message must have 1 to {} characters",
                suda_protocol::MAX_MESSAGE_CHARS
            ),
        });
    }
    Ok(())
}
