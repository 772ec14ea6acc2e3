//! What the client knows about the member's channels.
//!
//! The server is the source of truth and the client refetches from it on
//! every fresh connect and resync; between refetches the client applies
//! each stream event to this state so that unread counts and channel order
//! change at once, without a round trip per message. The rules that decide
//! an unread increment live here, beside the data they change.
//!
//! A message in the channel on screen is not counted here, but the server
//! counts it until the read marker moves: the shell marks the channel read
//! while the member looks at it (`Session::mark_read`), or the next refetch
//! brings the server's count back.

use serde::Serialize;
use suda_protocol::{
    ChannelId, ChatEvent, EventId, EventType, MemberId, MemberRef, NotificationLevel,
};

/// One-to-one or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChannelKind {
    /// Between two members; cannot be joined or left.
    Direct,
    /// Named; anyone can join by id.
    Group,
}

/// A channel as the member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// Its id.
    pub id: ChannelId,
    /// Direct or group.
    pub kind: ChannelKind,
    /// The group's name, or the other member's name.
    pub name: String,
    /// Chat messages from others the member has not read.
    pub unread: u32,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// The newest event in it, if any.
    pub last_event_id: Option<EventId>,
    /// The member's read marker.
    pub last_read_event_id: Option<EventId>,
    /// How many members it has.
    pub member_count: u32,
    /// Of the unread messages, those that mention the member.
    pub mentions: u32,
    /// What of it notifies the member (theirs, kept by the server).
    pub notify_level: NotificationLevel,
    /// Of a direct channel, the other member (for their presence).
    pub direct_member: Option<MemberId>,
    /// What the group is about ("" for none).
    pub topic: String,
    /// A group neither listed nor joinable without an invite.
    pub private: bool,
    /// Archived: read, never written.
    pub archived: bool,
    /// Who created the group: they remove members and archive it.
    pub creator: Option<MemberId>,
}

/// What applying an event did, so the caller knows what to tell and fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// The channel list (order, unread, counts) changed.
    pub channels_changed: bool,
    /// The event names a channel this state does not know (the member was
    /// added to it): the list must be refetched.
    pub refetch: bool,
}

/// The member's channels, the channel on screen and whether the app has
/// the focus.
#[derive(Debug, Clone, Default)]
pub struct ChatState {
    me: Option<MemberRef>,
    channels: Vec<Channel>,
    in_view: Option<ChannelId>,
    thread_in_view: Option<EventId>,
    focused: bool,
}

impl ChatState {
    /// The signed-in member.
    pub fn me(&self) -> Option<&MemberRef> {
        self.me.as_ref()
    }

    /// Sets (or clears, on sign-out) the signed-in member.
    pub fn set_me(&mut self, me: Option<MemberRef>) {
        if me.is_none() {
            *self = ChatState::default();
        } else {
            self.me = me;
        }
    }

    /// The channels, most recently active first.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// One channel.
    pub fn channel(&self, id: ChannelId) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// The channel on screen, if any.
    pub fn in_view(&self) -> Option<ChannelId> {
        self.in_view
    }

    /// The thread open beside the channel on screen, by its root.
    pub fn thread_in_view(&self) -> Option<EventId> {
        self.thread_in_view
    }

    /// Records the thread open beside the channel on screen.
    pub fn set_thread_in_view(&mut self, root: Option<EventId>) {
        self.thread_in_view = root;
    }

    /// Whether the app's window has the focus.
    pub fn focused(&self) -> bool {
        self.focused
    }

    /// Records the channel on screen.
    pub fn set_in_view(&mut self, channel: Option<ChannelId>) {
        self.in_view = channel;
    }

    /// Records whether the app has the focus.
    pub fn set_focused(&mut self, focused: bool) {
        self.focused = focused;
    }

    /// Replaces the list with a fresh one from the server.
    pub fn replace_channels(&mut self, mut channels: Vec<Channel>) {
        sort(&mut channels);
        self.channels = channels;
    }

    /// Puts in (or updates) one channel from a server answer.
    pub fn upsert(&mut self, channel: Channel) {
        match self.channels.iter_mut().find(|c| c.id == channel.id) {
            Some(existing) => *existing = channel,
            None => self.channels.push(channel),
        }
        sort(&mut self.channels);
    }

    /// Takes a channel out (the member left it).
    pub fn remove(&mut self, id: ChannelId) {
        self.channels.retain(|c| c.id != id);
        if self.in_view == Some(id) {
            self.in_view = None;
        }
    }

    /// Sets a channel's unread count and read marker after a mark-read.
    pub fn set_read(&mut self, id: ChannelId, unread: u32, marker: Option<EventId>) {
        if let Some(c) = self.channels.iter_mut().find(|c| c.id == id) {
            c.unread = unread;
            c.mentions = c.mentions.min(unread);
            c.last_read_event_id = marker;
        }
    }

    /// Applies a thread's read marker that moved (on this device or
    /// another), with the server's unread count of the channel after it;
    /// returns whether the count changed.
    pub fn thread_read(&mut self, id: ChannelId, unread: u32) -> bool {
        match self.channels.iter_mut().find(|c| c.id == id) {
            Some(c) if c.unread != unread => {
                c.unread = unread;
                c.mentions = c.mentions.min(unread);
                true
            }
            _ => false,
        }
    }

    /// Applies a notification level chosen on this device or another;
    /// returns whether it changed.
    pub fn set_level(&mut self, id: ChannelId, level: NotificationLevel) -> bool {
        match self.channels.iter_mut().find(|c| c.id == id) {
            Some(c) if c.notify_level != level => {
                c.notify_level = level;
                true
            }
            _ => false,
        }
    }

    /// Takes a group's settings after a change (from any member, on any
    /// device); whether the list changed.
    pub fn set_settings(&mut self, changed: &suda_protocol::ChannelChanged) -> bool {
        match self
            .channels
            .iter_mut()
            .find(|c| c.id == changed.chat_channel_id)
        {
            Some(c) => {
                let before = (c.name.clone(), c.topic.clone(), c.archived);
                c.name.clone_from(&changed.name);
                c.topic.clone_from(&changed.topic);
                c.archived = changed.archived;
                before != (c.name.clone(), c.topic.clone(), c.archived)
            }
            None => false,
        }
    }

    /// Applies a read marker that moved to `marker` on another device (or
    /// this one, echoed by the stream), with the server's unread count
    /// after it. A marker behind the one held changes nothing: the stream
    /// is in order, so the one held came later. Returns whether it moved.
    pub fn read_elsewhere(&mut self, id: ChannelId, unread: u32, marker: EventId) -> bool {
        let Some(c) = self.channels.iter_mut().find(|c| c.id == id) else {
            return false;
        };
        if c.last_read_event_id.is_some_and(|held| held > marker)
            || (c.last_read_event_id == Some(marker) && c.unread == unread)
        {
            return false;
        }
        c.unread = unread;
        // The server tells the unread count after the move, not the
        // mentions: they are at most as many (the next refetch is exact).
        c.mentions = c.mentions.min(unread);
        c.last_read_event_id = Some(marker);
        true
    }

    /// Applies one stream event. A chat message from someone else in a
    /// channel that is not on screen counts as unread; a reply in a thread
    /// counts only when the member follows the thread and it is not open.
    pub fn apply(&mut self, event: &ChatEvent) -> Applied {
        let me: Option<MemberId> = self.me.as_ref().map(|m| m.id);
        let from_me = Some(event.sender.id) == me;
        if event.event_type == EventType::Leave && from_me {
            self.remove(event.chat_channel_id);
            return Applied {
                channels_changed: true,
                refetch: false,
            };
        }
        let in_view = self.in_view;
        let thread_in_view = self.thread_in_view;
        let Some(channel) = self
            .channels
            .iter_mut()
            .find(|c| c.id == event.chat_channel_id)
        else {
            return Applied {
                channels_changed: false,
                refetch: true,
            };
        };
        if channel.last_event_id.is_some_and(|last| last >= event.id) {
            // Already counted (the list was fetched after this event).
            return Applied::default();
        }
        channel.last_event_id = Some(event.id);
        let theirs_unseen = match &event.in_thread {
            Some(t) => t.following && thread_in_view != Some(t.root_id),
            None => in_view != Some(channel.id),
        };
        match event.event_type {
            EventType::Chat if !from_me && theirs_unseen => {
                channel.unread += 1;
                if me.is_some_and(|me| event.mentions.contains(&me)) {
                    channel.mentions += 1;
                }
            }
            EventType::Join => channel.member_count += 1,
            EventType::Leave => channel.member_count = channel.member_count.saturating_sub(1),
            EventType::Chat => {}
        }
        sort(&mut self.channels);
        Applied {
            channels_changed: true,
            refetch: false,
        }
    }
}

/// Most recently active first; a channel without events by creation.
fn sort(channels: &mut [Channel]) {
    channels.sort_by(|a, b| {
        b.last_event_id
            .cmp(&a.last_event_id)
            .then_with(|| b.id.cmp(&a.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64) -> MemberRef {
        MemberRef {
            id: MemberId(id),
            member_name: format!("m{id}"),
            profile_image: None,
        }
    }

    fn channel(id: i64, last: i64) -> Channel {
        Channel {
            id: ChannelId(id),
            kind: ChannelKind::Group,
            name: format!("c{id}"),
            unread: 0,
            created_at: String::new(),
            last_event_id: Some(EventId(last)),
            last_read_event_id: None,
            member_count: 2,
            mentions: 0,
            notify_level: NotificationLevel::All,
            direct_member: None,
            topic: String::new(),
            private: false,
            archived: false,
            creator: None,
        }
    }

    fn chat(channel: i64, id: i64, sender: i64) -> ChatEvent {
        ChatEvent {
            chat_channel_id: ChannelId(channel),
            id: EventId(id),
            event_type: EventType::Chat,
            created_at: String::new(),
            message: Some("hi".into()),
            sender: member(sender),
            client_key: None,
            reply_to: None,
            mentions: Vec::new(),
            in_thread: None,
            attachments: Vec::new(),
            removed_by: None,
        }
    }

    fn state() -> ChatState {
        let mut s = ChatState::default();
        s.set_me(Some(member(1)));
        s.replace_channels(vec![channel(10, 1), channel(20, 2)]);
        s
    }

    #[test]
    fn others_messages_outside_the_view_count_as_unread() {
        let mut s = state();
        s.set_in_view(Some(ChannelId(20)));
        assert!(s.apply(&chat(10, 5, 2)).channels_changed);
        s.apply(&chat(20, 6, 2));
        s.apply(&chat(10, 7, 1));
        assert_eq!(s.channel(ChannelId(10)).unwrap().unread, 1);
        assert_eq!(s.channel(ChannelId(20)).unwrap().unread, 0);
        // The most recently active channel comes first.
        assert_eq!(s.channels()[0].id, ChannelId(10));
    }

    #[test]
    fn an_event_already_in_the_fetched_list_is_not_counted_twice() {
        let mut s = state();
        assert_eq!(s.apply(&chat(20, 2, 2)), Applied::default());
        assert_eq!(s.channel(ChannelId(20)).unwrap().unread, 0);
    }

    #[test]
    fn a_read_marker_moved_elsewhere_clears_the_count_but_never_goes_back() {
        let mut s = state();
        for id in 5..8 {
            s.apply(&chat(10, id, 2));
        }
        assert_eq!(s.channel(ChannelId(10)).unwrap().unread, 3);
        // Another device read up to 6: one left.
        assert!(s.read_elsewhere(ChannelId(10), 1, EventId(6)));
        let c = s.channel(ChannelId(10)).unwrap();
        assert_eq!((c.unread, c.last_read_event_id), (1, Some(EventId(6))));
        // The same move again, or an older one, changes nothing.
        assert!(!s.read_elsewhere(ChannelId(10), 1, EventId(6)));
        assert!(!s.read_elsewhere(ChannelId(10), 2, EventId(5)));
        assert_eq!(s.channel(ChannelId(10)).unwrap().unread, 1);
        // A channel this client does not hold is left alone.
        assert!(!s.read_elsewhere(ChannelId(99), 0, EventId(9)));
    }

    #[test]
    fn a_reply_in_a_thread_counts_only_in_a_followed_thread_that_is_not_open() {
        let mut s = state();
        s.set_in_view(Some(ChannelId(10)));
        let reply = |id: i64, following: bool| {
            let mut e = chat(10, id, 2);
            e.in_thread = Some(Box::new(suda_protocol::InThread {
                root_id: EventId(3),
                reply_count: 1,
                following,
            }));
            e
        };
        // The channel is on screen but the thread is not: it counts.
        s.apply(&reply(5, true));
        s.apply(&reply(6, false));
        assert_eq!(s.channel(ChannelId(10)).unwrap().unread, 1);
        // With the thread open, its replies are read as they come.
        s.set_thread_in_view(Some(EventId(3)));
        s.apply(&reply(7, true));
        assert_eq!(s.channel(ChannelId(10)).unwrap().unread, 1);
        // Read on another device: the server's count stands.
        assert!(s.thread_read(ChannelId(10), 0));
        assert!(!s.thread_read(ChannelId(10), 0));
        assert_eq!(s.channel(ChannelId(10)).unwrap().unread, 0);
    }

    #[test]
    fn unknown_channels_ask_for_a_refetch_and_leaving_removes() {
        let mut s = state();
        assert!(s.apply(&chat(30, 9, 2)).refetch);
        let mut leave = chat(10, 10, 1);
        leave.event_type = EventType::Leave;
        s.apply(&leave);
        assert!(s.channel(ChannelId(10)).is_none());
    }
}
