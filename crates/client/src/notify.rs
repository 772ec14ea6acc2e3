//! When a message deserves a desktop notification, and what it shows.
//!
//! A pure policy so it can be pinned by a table test and reused by every
//! shell: the desktop app raises what [`Notifier::decide`] returns, the CLI
//! and tests just look at it. Notify only about someone else's message that
//! the member cannot already see (another channel, or the app in the
//! background), unless the channel is muted or do-not-disturb is on, and
//! as the member's notification level of the channel says: every message,
//! only those that mention them, or nothing. A burst in one channel
//! becomes one notification, and the preview shows no more than the
//! member allowed (the lock screen may be public).

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use suda_protocol::{ChannelId, ChatEvent, EventId, EventType, MemberId, NotificationLevel};

/// How much of a message a notification may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Preview {
    /// Who wrote it and the text.
    #[default]
    SenderAndText,
    /// Who wrote it, not what.
    SenderOnly,
    /// Only that something arrived.
    Nothing,
}

/// The member's notification settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifySettings {
    /// Channels that never notify (this app's own mute).
    pub muted: HashSet<ChannelId>,
    /// Nothing notifies.
    pub do_not_disturb: bool,
    /// What a notification shows.
    pub preview: Preview,
    /// Messages in one channel closer together than this are one burst.
    pub coalesce_window: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            muted: HashSet::new(),
            do_not_disturb: false,
            preview: Preview::default(),
            coalesce_window: Duration::from_secs(10),
        }
    }
}

/// What the member can see right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attention {
    /// The signed-in member.
    pub me: MemberId,
    /// The channel on screen.
    pub in_view: Option<ChannelId>,
    /// The thread open beside it, by its root.
    pub thread_in_view: Option<EventId>,
    /// Whether the app has the focus.
    pub focused: bool,
}

/// The policy without memory: whether this event, on its own, deserves a
/// notification, in a channel whose notification level is `level`.
pub fn deserves_notification(
    event: &ChatEvent,
    level: NotificationLevel,
    attention: &Attention,
    settings: &NotifySettings,
) -> bool {
    let someone_else = event.event_type == EventType::Chat && event.sender.id != attention.me;
    // A reply in a thread is the member's only when they follow the
    // thread, and seen only while the thread is open.
    let (theirs, on_screen) = match &event.in_thread {
        Some(t) => (t.following, attention.thread_in_view == Some(t.root_id)),
        None => (true, attention.in_view == Some(event.chat_channel_id)),
    };
    let unseen = !on_screen || !attention.focused;
    let wanted = match level {
        NotificationLevel::All => true,
        NotificationLevel::Mentions => event.mentions.contains(&attention.me),
        NotificationLevel::Nothing => false,
    };
    someone_else
        && theirs
        && unseen
        && wanted
        && !settings.muted.contains(&event.chat_channel_id)
        && !settings.do_not_disturb
}

/// A notification to raise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The channel to open when it is clicked.
    pub channel_id: ChannelId,
    /// The message that raised it.
    pub event_id: EventId,
    /// The headline.
    pub title: String,
    /// The text under it.
    pub body: String,
}

/// The policy with memory of recent notifications, for coalescing.
#[derive(Debug, Default)]
pub struct Notifier {
    /// Per channel, its latest burst.
    bursts: HashMap<ChannelId, Burst>,
}

/// A channel's notification and the messages that came on its heels.
#[derive(Debug)]
struct Burst {
    /// When its notification was raised.
    at: Instant,
    /// The message that raised it.
    raised_by: EventId,
    /// The newest message the notification stood for without showing it.
    held: Option<Held>,
}

#[derive(Debug)]
struct Held {
    event: ChatEvent,
    place: Option<String>,
    level: NotificationLevel,
}

/// What a notification says of a message: its text, or for files alone
/// what they are (`📎 sunset.png`, `📎 sunset.png and 2 more`).
pub fn shown_text(event: &ChatEvent) -> String {
    let text = event.message.clone().unwrap_or_default();
    let Some(first) = event.attachments.first() else {
        return text;
    };
    if !text.trim().is_empty() {
        return text;
    }
    match event.attachments.len() {
        1 => format!("📎 {}", first.name),
        n => format!("📎 {} and {} more", first.name, n - 1),
    }
}

impl Notifier {
    /// Decides about one event at time `now`. A message within the
    /// coalescing window after the channel's last notification is part of
    /// the same burst and raises nothing new; a conversation that goes on
    /// still notifies once per window, so it is never silent for long.
    pub fn decide(
        &mut self,
        event: &ChatEvent,
        // Where it was said, e.g. "#general"; `None` for a direct channel,
        // whose notification is titled with the sender alone.
        channel_name: Option<&str>,
        level: NotificationLevel,
        attention: &Attention,
        settings: &NotifySettings,
        now: Instant,
    ) -> Option<Notification> {
        if !deserves_notification(event, level, attention, settings) {
            return None;
        }
        if let Some(burst) = self.bursts.get_mut(&event.chat_channel_id) {
            if now.saturating_duration_since(burst.at) < settings.coalesce_window {
                burst.held = Some(Held {
                    event: event.clone(),
                    place: channel_name.map(str::to_owned),
                    level,
                });
                return None;
            }
        }
        self.bursts.insert(
            event.chat_channel_id,
            Burst {
                at: now,
                raised_by: event.id,
                held: None,
            },
        );
        let sender = &event.sender.member_name;
        let title = match channel_name {
            Some(place) => format!("{sender} in {place}"),
            None => sender.clone(),
        };
        let (title, body) = match settings.preview {
            Preview::SenderAndText => (title, shown_text(event)),
            Preview::SenderOnly => (title, "New message".to_owned()),
            Preview::Nothing => ("Suda".to_owned(), "New message".to_owned()),
        };
        Some(Notification {
            channel_id: event.chat_channel_id,
            event_id: event.id,
            title,
            body,
        })
    }

    /// A message was deleted (the shell withdraws a notification it
    /// raised). When it raised the channel's latest one, that burst ends
    /// with it: the newest message the notification also stood for, if
    /// any, is raised now in its place, and the next message notifies at
    /// once, so a withdrawn notification never silences what came after.
    pub fn deleted(
        &mut self,
        channel: ChannelId,
        message: EventId,
        attention: &Attention,
        settings: &NotifySettings,
        now: Instant,
    ) -> Option<Notification> {
        let burst = self.bursts.get_mut(&channel)?;
        if burst.held.as_ref().is_some_and(|h| h.event.id == message) {
            burst.held = None;
        }
        if burst.raised_by != message {
            return None;
        }
        let held = self.bursts.remove(&channel)?.held?;
        let place = held.place.as_deref();
        self.decide(&held.event, place, held.level, attention, settings, now)
    }

    /// A message was edited: should it be raised later, it says what it
    /// says now.
    pub fn edited(&mut self, channel: ChannelId, message: EventId, text: &str) {
        let held = self.bursts.get_mut(&channel).and_then(|b| b.held.as_mut());
        if let Some(held) = held.filter(|h| h.event.id == message) {
            held.event.message = Some(text.to_owned());
        }
    }

    /// Forgets a channel's burst (the member opened it).
    pub fn seen(&mut self, channel: ChannelId) {
        self.bursts.remove(&channel);
    }
}

#[cfg(test)]
mod tests;
