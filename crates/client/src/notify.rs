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
    let unseen = attention.in_view != Some(event.chat_channel_id) || !attention.focused;
    let wanted = match level {
        NotificationLevel::All => true,
        NotificationLevel::Mentions => event.mentions.contains(&attention.me),
        NotificationLevel::Nothing => false,
    };
    someone_else
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
            Preview::SenderAndText => (title, event.message.clone().unwrap_or_default()),
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
mod tests {
    use suda_protocol::MemberRef;

    use super::*;

    const ME: MemberId = MemberId(1);
    const OTHER: MemberId = MemberId(2);
    const HERE: ChannelId = ChannelId(10);
    const THERE: ChannelId = ChannelId(20);

    fn event(channel: ChannelId, sender: MemberId, kind: EventType) -> ChatEvent {
        ChatEvent {
            chat_channel_id: channel,
            id: EventId(5),
            event_type: kind,
            created_at: String::new(),
            message: Some("secret plans".into()),
            sender: MemberRef {
                id: sender,
                member_name: "bob".into(),
                profile_image: None,
            },
            client_key: None,
            reply_to: None,
            mentions: Vec::new(),
        }
    }

    #[test]
    fn the_policy_table() {
        use EventType::*;
        // (sender, channel, kind, focused, muted, dnd) => notify?
        let rows = [
            (OTHER, THERE, Chat, true, false, false, true),
            (OTHER, HERE, Chat, true, false, false, false),
            (OTHER, HERE, Chat, false, false, false, true),
            (ME, THERE, Chat, false, false, false, false),
            (OTHER, THERE, Chat, true, true, false, false),
            (OTHER, THERE, Chat, false, false, true, false),
            (OTHER, THERE, Join, false, false, false, false),
            (OTHER, THERE, Leave, false, false, false, false),
        ];
        for (i, (sender, channel, kind, focused, muted, dnd, want)) in rows.into_iter().enumerate()
        {
            let attention = Attention {
                me: ME,
                in_view: Some(HERE),
                focused,
            };
            let mut settings = NotifySettings {
                do_not_disturb: dnd,
                ..NotifySettings::default()
            };
            if muted {
                settings.muted.insert(channel);
            }
            let got = deserves_notification(
                &event(channel, sender, kind),
                NotificationLevel::All,
                &attention,
                &settings,
            );
            assert_eq!(got, want, "row {i}");
        }
    }

    #[test]
    fn the_channels_level_decides_and_a_mention_gets_through_mentions_only() {
        let attention = Attention {
            me: ME,
            in_view: None,
            focused: true,
        };
        let plain = event(THERE, OTHER, EventType::Chat);
        let mention = ChatEvent {
            mentions: vec![MemberId(7), ME],
            ..plain.clone()
        };
        let others = ChatEvent {
            mentions: vec![MemberId(7)],
            ..plain.clone()
        };
        let dnd = NotifySettings {
            do_not_disturb: true,
            ..NotifySettings::default()
        };
        let settings = NotifySettings::default();
        use NotificationLevel::*;
        for (ev, level, settings, want) in [
            (&plain, All, &settings, true),
            (&plain, Mentions, &settings, false),
            (&others, Mentions, &settings, false),
            (&mention, Mentions, &settings, true),
            (&mention, All, &settings, true),
            (&mention, Nothing, &settings, false),
            // Do-not-disturb still wins over a mention.
            (&mention, Mentions, &dnd, false),
        ] {
            assert_eq!(
                deserves_notification(ev, level, &attention, settings),
                want,
                "{level:?} {:?}",
                ev.mentions
            );
        }
    }

    #[test]
    fn a_burst_in_one_channel_is_one_notification() {
        let attention = Attention {
            me: ME,
            in_view: None,
            focused: true,
        };
        let settings = NotifySettings::default();
        let mut n = Notifier::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let ev = event(THERE, OTHER, EventType::Chat);
        let mut decide = |ev: &ChatEvent, s: u64| {
            n.decide(
                ev,
                Some("#there"),
                NotificationLevel::All,
                &attention,
                &settings,
                at(s),
            )
            .is_some()
        };
        assert!(decide(&ev, 0));
        assert!(!decide(&ev, 5));
        assert!(!decide(&ev, 9));
        // Another channel is its own burst.
        assert!(decide(&event(ChannelId(30), OTHER, EventType::Chat), 9));
        // Once the window has passed, the conversation notifies again.
        assert!(decide(&ev, 12));
        assert!(!decide(&ev, 15));
    }

    #[test]
    fn a_withdrawn_notification_hands_its_burst_on_and_never_silences_what_follows() {
        let attention = Attention {
            me: ME,
            in_view: None,
            focused: true,
        };
        let settings = NotifySettings::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let say = |id: i64, text: &str| ChatEvent {
            id: EventId(id),
            message: Some(text.into()),
            ..event(THERE, OTHER, EventType::Chat)
        };
        let mut n = Notifier::default();
        assert!(n
            .decide(
                &say(1, "wrong room"),
                Some("#there"),
                NotificationLevel::All,
                &attention,
                &settings,
                at(0)
            )
            .is_some());
        // Two more in the same burst: held back behind the first.
        assert!(n
            .decide(
                &say(2, "b"),
                Some("#there"),
                NotificationLevel::All,
                &attention,
                &settings,
                at(1)
            )
            .is_none());
        assert!(n
            .decide(
                &say(3, "c"),
                Some("#there"),
                NotificationLevel::All,
                &attention,
                &settings,
                at(2)
            )
            .is_none());
        n.edited(THERE, EventId(3), "c, edited");
        // Deleting a held one changes nothing yet; deleting the one that
        // notified raises the newest held one, as it reads now.
        assert!(n
            .deleted(THERE, EventId(2), &attention, &settings, at(3))
            .is_none());
        let again = n
            .deleted(THERE, EventId(1), &attention, &settings, at(3))
            .unwrap();
        assert_eq!(
            (again.event_id, again.body.as_str()),
            (EventId(3), "c, edited")
        );

        // With nothing held, the burst just ends: the next message notifies.
        let mut n = Notifier::default();
        assert!(n
            .decide(
                &say(1, "oops"),
                Some("#there"),
                NotificationLevel::All,
                &attention,
                &settings,
                at(0)
            )
            .is_some());
        assert!(n
            .deleted(THERE, EventId(1), &attention, &settings, at(1))
            .is_none());
        assert!(n
            .decide(
                &say(4, "real"),
                Some("#there"),
                NotificationLevel::All,
                &attention,
                &settings,
                at(2)
            )
            .is_some());
        // A deletion in a channel without a burst, or of another message, is nothing.
        assert!(n
            .deleted(ChannelId(30), EventId(4), &attention, &settings, at(3))
            .is_none());
        assert!(n
            .deleted(THERE, EventId(9), &attention, &settings, at(3))
            .is_none());
    }

    #[test]
    fn previews_show_no_more_than_allowed() {
        let attention = Attention {
            me: ME,
            in_view: None,
            focused: true,
        };
        let ev = event(THERE, OTHER, EventType::Chat);
        let show = |preview| {
            let settings = NotifySettings {
                preview,
                ..NotifySettings::default()
            };
            let n = Notifier::default()
                .decide(
                    &ev,
                    Some("#there"),
                    NotificationLevel::All,
                    &attention,
                    &settings,
                    Instant::now(),
                )
                .unwrap();
            (n.title, n.body)
        };
        assert_eq!(
            show(Preview::SenderAndText),
            ("bob in #there".into(), "secret plans".into())
        );
        assert_eq!(
            show(Preview::SenderOnly),
            ("bob in #there".into(), "New message".into())
        );
        // A direct message is titled with the sender alone.
        let direct = Notifier::default()
            .decide(
                &ev,
                None,
                NotificationLevel::All,
                &attention,
                &NotifySettings::default(),
                Instant::now(),
            )
            .unwrap();
        assert_eq!(direct.title, "bob");
        let (title, body) = show(Preview::Nothing);
        assert!(!title.contains("bob") && !body.contains("secret"));
    }
}
