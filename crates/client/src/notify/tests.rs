//! The notification policy's tables and bursts.

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
        in_thread: None,
        attachments: Vec::new(),
        removed_by: None,
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
    for (i, (sender, channel, kind, focused, muted, dnd, want)) in rows.into_iter().enumerate() {
        let attention = Attention {
            me: ME,
            in_view: Some(HERE),
            thread_in_view: None,
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
fn a_reply_in_a_thread_notifies_only_a_follower_who_is_not_reading_that_thread() {
    let reply = |following: bool| ChatEvent {
        in_thread: Some(Box::new(suda_protocol::InThread {
            root_id: EventId(3),
            reply_count: 2,
            following,
        })),
        ..event(HERE, OTHER, EventType::Chat)
    };
    let settings = NotifySettings::default();
    let looking = |thread| Attention {
        me: ME,
        in_view: Some(HERE),
        thread_in_view: thread,
        focused: true,
    };
    let level = NotificationLevel::All;
    // The channel on screen is not the thread: a follower hears of it.
    assert!(deserves_notification(
        &reply(true),
        level,
        &looking(None),
        &settings
    ));
    // Not following: never, wherever the member looks.
    assert!(!deserves_notification(
        &reply(false),
        level,
        &looking(None),
        &settings
    ));
    // The thread open and focused: read as it comes.
    let open = looking(Some(EventId(3)));
    assert!(!deserves_notification(
        &reply(true),
        level,
        &open,
        &settings
    ));
    // Another thread open: this one still notifies.
    let other = looking(Some(EventId(4)));
    assert!(deserves_notification(
        &reply(true),
        level,
        &other,
        &settings
    ));
    // The level still decides: a followed reply in a "nothing" channel.
    let nothing = NotificationLevel::Nothing;
    assert!(!deserves_notification(
        &reply(true),
        nothing,
        &looking(None),
        &settings
    ));
}

#[test]
fn the_channels_level_decides_and_a_mention_gets_through_mentions_only() {
    let attention = Attention {
        me: ME,
        in_view: None,
        thread_in_view: None,
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
        thread_in_view: None,
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
        thread_in_view: None,
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
        thread_in_view: None,
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

#[test]
fn a_message_of_files_alone_says_what_they_are() {
    let attention = Attention {
        me: ME,
        in_view: None,
        thread_in_view: None,
        focused: false,
    };
    let file = |name: &str| suda_protocol::Attachment {
        id: suda_protocol::AttachmentId(123_456_789_012_345_678),
        name: name.into(),
        size: 10,
        content_type: "image/png".into(),
        image: None,
    };
    let mut ev = event(THERE, OTHER, EventType::Chat);
    ev.message = Some(String::new());
    ev.attachments = vec![file("sunset.png")];
    let said = Notifier::default()
        .decide(
            &ev,
            Some("#there"),
            NotificationLevel::All,
            &attention,
            &NotifySettings::default(),
            Instant::now(),
        )
        .unwrap();
    assert_eq!(said.body, "📎 sunset.png");
    ev.attachments.extend([file("b.png"), file("c.pdf")]);
    assert_eq!(shown_text(&ev), "📎 sunset.png and 2 more");
    // With a caption, the caption.
    ev.message = Some("the view".into());
    assert_eq!(shown_text(&ev), "the view");
    // Previews off say nothing of the files either.
    let hidden = NotifySettings {
        preview: Preview::SenderOnly,
        ..NotifySettings::default()
    };
    let said = Notifier::default()
        .decide(
            &ev,
            None,
            NotificationLevel::All,
            &attention,
            &hidden,
            Instant::now(),
        )
        .unwrap();
    assert_eq!(said.body, "New message");
}
