//! Conversations in the shell: changes reach the conversation the UI
//! holds, deletions withdraw notifications, drafts and levels are kept,
//! and threads are read, replied in and counted as the server says.

use serde_json::json;

use crate::harness::*;

#[test]
fn changes_reach_the_conversation_a_deletion_withdraws_its_notification_and_reacting_keeps_recent_emoji(
) {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    app.wait_event("live", |e| {
        e["type"] == "connection" && e["connection"]["state"] == "live"
    });
    let general = app.channel_id("general");
    let random = app.channel_id("random");
    app.invoke("focus_channel", Some(json!({"channelId": general})))
        .unwrap();
    app.invoke(
        "history",
        Some(json!({"channelId": general, "before": null})),
    )
    .unwrap();
    let bob = server.member("bob");
    let sent = |channel: &str, text: &str| -> String {
        let entry = server
            .block_on(bob.send(channel.parse().unwrap(), text))
            .unwrap();
        match entry.state {
            suda_client::outbox::OutboxState::Sent { event_id } => event_id.to_string(),
            other => panic!("{other:?}"),
        }
    };
    // In the conversation the UI holds: the message, then its changes.
    let shown = sent(&general, "typo");
    server
        .block_on(bob.edit(shown.parse().unwrap(), "fixed"))
        .unwrap();
    let edited = app.wait_event("the edit", |e| {
        e["type"] == "changed" && e["change"]["kind"] == "edited"
    });
    assert_eq!(edited["change"]["messageId"], shown.as_str());
    assert_eq!(edited["change"]["text"], "fixed");
    app.invoke(
        "react",
        Some(json!({"messageId": shown, "emoji": "🎉", "on": true})),
    )
    .unwrap();
    let reaction = app.wait_event("alice's own reaction", |e| {
        e["type"] == "changed" && e["change"]["kind"] == "reaction"
    });
    assert_eq!(reaction["change"]["byMe"], true);
    assert_eq!(reaction["change"]["count"], 1);
    let settings = app.invoke("settings", None).unwrap();
    assert_eq!(settings["recentEmoji"], json!(["🎉"]));

    // Elsewhere: it notifies, and its deletion takes the notification back
    // without sending the web view a change for a conversation it lacks.
    let notified = sent(&random, "oops, wrong channel");
    wait("the notification", || {
        app.notified
            .shown()
            .iter()
            .any(|t| t.message_id == notified)
    });
    server
        .block_on(bob.delete(notified.parse().unwrap()))
        .unwrap();
    wait("the withdrawal", || {
        app.notified.withdrawn() == [notified.clone()]
    });
    assert!(
        !app.events
            .lock()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "changed" && e["change"]["channelId"] == random.as_str()),
        "a change of a conversation the UI does not hold stays out of it"
    );

    // Bad input is refused with a coded error and changes nothing.
    let not_hers = app
        .invoke(
            "edit_message",
            Some(json!({"messageId": shown, "text": "mine now"})),
        )
        .unwrap_err();
    assert_eq!(not_hers["kind"], "forbidden", "{not_hers}");
    let bad_id = app
        .invoke("delete_message", Some(json!({"messageId": "general"})))
        .unwrap_err();
    assert_eq!(bad_id["kind"], "badInput", "{bad_id}");
    let not_emoji = app
        .invoke(
            "react",
            Some(json!({"messageId": shown, "emoji": "ok", "on": true})),
        )
        .unwrap_err();
    assert_eq!(not_emoji["kind"], "badInput", "{not_emoji}");
    let settings = app.invoke("settings", None).unwrap();
    assert_eq!(
        settings["recentEmoji"],
        json!(["🎉"]),
        "a refused reaction is not recent"
    );
}

#[test]
fn drafts_are_kept_per_member_across_a_restart_and_levels_are_the_servers() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let general = {
        let app = Desktop::start(dirs.path());
        app.sign_in(&server, "carol");
        let general = app.channel_id("general");
        app.invoke(
            "set_draft",
            Some(json!({"channelId": general, "text": "half a thought"})),
        )
        .unwrap();
        let bad = app
            .invoke("set_draft", Some(json!({"channelId": "nope", "text": "x"})))
            .unwrap_err();
        assert_eq!(bad["kind"], "badInput", "{bad}");
        // A level set here is the server's: the channel list says so.
        let set = app
            .invoke(
                "set_notification_level",
                Some(json!({"channelId": general, "level": "mentions"})),
            )
            .unwrap();
        assert_eq!(set["level"], "mentions");
        general
    };
    let app = Desktop::start(dirs.path());
    server.block_on(app.shell().restore());
    let snapshot = app.invoke("snapshot", None).unwrap();
    assert_eq!(
        snapshot["drafts"],
        json!([{"channelId": general, "text": "half a thought"}])
    );
    let channels = app.invoke("channels", None).unwrap();
    let listed = channels
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == general.as_str())
        .cloned()
        .unwrap();
    assert_eq!(listed["level"], "mentions");
    // Another member on this machine has drafts of their own.
    app.invoke("sign_out", None).unwrap();
    app.sign_in(&server, "bob");
    assert_eq!(app.invoke("snapshot", None).unwrap()["drafts"], json!([]));
}

#[test]
fn channels_muted_in_the_app_before_levels_become_nothing_on_the_server_at_sign_in() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    // Find general's id as carol sees it, then start an app whose settings
    // muted it (and a channel that is gone) the old way.
    let general = {
        let app = Desktop::start(dirs.path());
        app.sign_in(&server, "carol");
        let id = app.channel_id("general");
        app.invoke("sign_out", None).unwrap();
        id
    };
    let app = Desktop::start_with(dirs.path(), |dirs| {
        let settings = json!({"mutedChannels": [general, "999999"]});
        std::fs::create_dir_all(dirs.join("config")).unwrap();
        std::fs::write(dirs.join("config/settings.json"), settings.to_string()).unwrap();
    });
    app.sign_in(&server, "carol");
    app.wait_event("the mutes moved out of the settings", |e| {
        e["type"] == "settings" && e["settings"]["mutedChannels"] == json!([])
    });
    let channels = app.invoke("channels", None).unwrap();
    let listed = channels
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == general.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (listed["level"].as_str(), listed["muted"].as_bool()),
        (Some("nothing"), Some(false))
    );
    // Carol's CLI (another device) sees the same level.
    let cli = server.member("carol");
    let level = server
        .block_on(cli.channels())
        .unwrap()
        .into_iter()
        .find(|c| c.id.to_string() == general)
        .map(|c| c.notify_level);
    assert_eq!(level, Some(suda_protocol::NotificationLevel::Nothing));
}

#[test]
fn a_reply_in_a_followed_thread_counts_and_notifies_until_the_thread_is_open_and_read() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    app.wait_event("live", |e| {
        e["type"] == "connection" && e["connection"]["state"] == "live"
    });
    let general = app.channel_id("general");
    app.invoke(
        "mark_read",
        Some(json!({"channelId": general, "upTo": null})),
    )
    .unwrap();
    app.invoke("focus_channel", Some(json!({"channelId": general})))
        .unwrap();
    app.invoke(
        "history",
        Some(json!({"channelId": general, "before": null})),
    )
    .unwrap();
    let unread = |app: &Desktop| {
        app.invoke("channels", None)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == general.as_str())
            .unwrap()["unread"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(unread(&app), 0);

    // Alice posts a root from the app; bob replies in its thread.
    let root = app
        .invoke(
            "send",
            Some(json!({"channelId": general, "text": "who reviews?"})),
        )
        .unwrap();
    let root = app.wait_event("the root", |e| {
        e["type"] == "event" && e["event"]["clientKey"] == root["clientKey"]
    })["event"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = server.member("bob");
    let channel: suda_protocol::ChannelId = general.parse().unwrap();
    let root_id: suda_protocol::EventId = root.parse().unwrap();
    server
        .block_on(bob.send_in_thread(channel, root_id, "me", None))
        .unwrap();
    // The UI gets the reply with its thread; the channel on screen is not
    // the thread, so it counts and notifies.
    let reply = app.wait_event("bob's reply", |e| {
        e["type"] == "event" && e["event"]["text"] == "me"
    });
    assert_eq!(reply["event"]["threadRoot"], root.as_str());
    assert_eq!(
        reply["event"]["inThread"],
        json!({"rootId": root, "replyCount": 1, "following": true})
    );
    wait("the notification", || {
        app.notified.shown().iter().any(|n| n.body == "me")
    });
    wait("the count", || unread(&app) == 1);

    // The thread open: a page of it, and reading it clears the count.
    let page = app.invoke("thread", Some(json!({"rootId": root}))).unwrap();
    assert_eq!(page["root"]["text"], "who reviews?");
    assert_eq!(page["root"]["thread"]["replyCount"], 1);
    assert_eq!(page["replies"][0]["text"], "me");
    app.invoke(
        "focus_channel",
        Some(json!({"channelId": general, "threadRoot": root})),
    )
    .unwrap();
    app.invoke(
        "mark_thread_read",
        Some(json!({"channelId": general, "rootId": root})),
    )
    .unwrap();
    assert_eq!(unread(&app), 0);
    app.wait_event("the thread read", |e| {
        e["type"] == "changed"
            && e["change"]["kind"] == "threadRead"
            && e["change"]["rootId"] == root.as_str()
    });
    // While it is open, a reply neither counts nor notifies.
    let before = app.notified.shown().len();
    server
        .block_on(bob.send_in_thread(channel, root_id, "done", None))
        .unwrap();
    app.wait_event("bob's second reply", |e| {
        e["type"] == "event" && e["event"]["text"] == "done"
    });
    assert_eq!(app.notified.shown().len(), before);
    // The UI reads what arrives in the open thread, as in a channel.
    app.invoke(
        "mark_thread_read",
        Some(json!({"channelId": general, "rootId": root})),
    )
    .unwrap();
    assert_eq!(unread(&app), 0, "read as it came");
}

#[test]
fn the_search_box_finds_the_members_messages_with_highlights_and_refuses_bad_filters() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    let general = app.channel_id("general");
    let bob = server.member("bob");
    let channel: suda_protocol::ChannelId = general.parse().unwrap();
    server
        .block_on(bob.send(channel, "안녕하세요 lunch?"))
        .unwrap();
    server
        .block_on(bob.send(channel, "the build is green"))
        .unwrap();

    let page = app
        .invoke("search_messages", Some(json!({"query": "안녕 from:bob"})))
        .unwrap();
    assert_eq!(page["hits"][0]["message"]["text"], "안녕하세요 lunch?");
    assert_eq!(page["hits"][0]["message"]["channelId"], general.as_str());
    assert_eq!(
        page["hits"][0]["highlights"],
        json!([{"start": 0, "length": 2}])
    );
    assert_eq!(page["hasMore"], false);
    let within = app
        .invoke(
            "search_messages",
            Some(json!({"query": "green", "channelId": general})),
        )
        .unwrap();
    assert_eq!(within["hits"].as_array().unwrap().len(), 1);

    // Each bad search is a clear message, and nothing was asked for it.
    for (query, said) in [
        ("lunch on:someday", "\"on:\" takes a day"),
        ("lunch in:nowhere", "of your channels is named"),
        ("?!", "no words"),
    ] {
        let e = app
            .invoke("search_messages", Some(json!({"query": query})))
            .unwrap_err();
        assert!(
            e["message"].as_str().unwrap().contains(said),
            "{query}: {e}"
        );
    }
}

#[test]
fn files_reach_the_web_view_through_the_shell_cached_and_forgotten_at_sign_out() {
    use suda_client::attachments::{Part, Upload};
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    app.wait_event("live", |e| {
        e["type"] == "connection" && e["connection"]["state"] == "live"
    });
    let general = app.channel_id("general");
    app.invoke("focus_channel", Some(json!({"channelId": general})))
        .unwrap();
    app.invoke(
        "history",
        Some(json!({"channelId": general, "before": null})),
    )
    .unwrap();
    let bob = server.member("bob");
    let upload = |name: &str, media_type: &str, bytes: Vec<u8>| {
        let upload = Upload {
            name: name.into(),
            media_type: media_type.into(),
            bytes: bytes.into(),
        };
        server.block_on(bob.upload(upload, |_, _| {})).unwrap()
    };
    let photo = upload("sky.png", "image/png", suda_testkit::images::png(900, 300));
    let notes = upload("notes.txt", "text/plain", b"pack light".to_vec());
    server
        .block_on(bob.send_with_files(
            general.parse().unwrap(),
            "",
            Default::default(),
            vec![photo.clone(), notes.clone()],
        ))
        .unwrap();

    // Live, with the URLs the web view reads them by.
    let carries_files =
        |e: &serde_json::Value| e["attachments"].as_array().is_some_and(|a| !a.is_empty());
    let message = app.wait_event("the message with files", |e| {
        (e["type"] == "event" && carries_files(&e["event"]))
            || (e["type"] == "events"
                && e["events"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(carries_files)))
    });
    let event = match message["type"].as_str() {
        Some("event") => message["event"].clone(),
        _ => message["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| carries_files(e))
            .unwrap()
            .clone(),
    };
    let files = &event["attachments"];
    assert_eq!(files[0]["name"], "sky.png");
    assert_eq!(files[0]["image"], json!({"width": 900, "height": 300}));
    let thumbnail = files[0]["thumbnailUrl"].as_str().unwrap();
    assert!(
        thumbnail.ends_with(&format!("/{}/thumbnail", photo.id)),
        "{thumbnail}"
    );
    assert_eq!(files[1]["thumbnailUrl"], serde_json::Value::Null);
    // And in history, as the server keeps them.
    let page = app
        .invoke(
            "history",
            Some(json!({"channelId": general, "before": null})),
        )
        .unwrap();
    let newest = &page["events"].as_array().unwrap().last().unwrap()["attachments"];
    assert_eq!(newest.as_array().unwrap().len(), 2, "{page}");

    // The shell answers the scheme from its cache, fetching once.
    let shell = app.shell();
    let thumb = server
        .block_on(shell.file(photo.id, Part::Thumbnail))
        .unwrap();
    let small = image::load_from_memory(&thumb).unwrap();
    assert_eq!((small.width(), small.height()), (480, 160));
    let cached = dirs.path().join("data").join("files");
    let count = || {
        std::fs::read_dir(&cached)
            .map(|members| {
                members
                    .flatten()
                    .map(|m| std::fs::read_dir(m.path()).map_or(0, |f| f.count()))
                    .sum::<usize>()
            })
            .unwrap_or(0)
    };
    assert_eq!(count(), 1);
    let text = server.block_on(shell.file(notes.id, Part::File)).unwrap();
    assert_eq!(text, b"pack light");
    assert_eq!(count(), 2);
    // A file alice may not read is refused, and nothing is kept of it.
    let secret = upload("secret.txt", "text/plain", b"bob only".to_vec());
    let refused = server
        .block_on(shell.file(secret.id, Part::File))
        .unwrap_err();
    assert_eq!(refused.kind, suda_ipc::ErrorKind::NotFound, "{refused:?}");
    assert_eq!(count(), 2);

    app.invoke("sign_out", None).unwrap();
    assert_eq!(count(), 0, "the member's files go with their sign-in");
}

#[test]
fn typing_is_told_both_ways_and_relayed_for_every_channel() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    app.wait_event("live", |e| {
        e["type"] == "connection" && e["connection"]["state"] == "live"
    });
    // Random's conversation is not loaded: its typing comes all the same
    // (the sidebar shows it for direct messages).
    let random = app.channel_id("random");
    let bob = server.member("bob");
    server
        .block_on(bob.set_typing(random.parse().unwrap(), None, true))
        .unwrap();
    let told = app.wait_event("bob typing", |e| e["type"] == "typing");
    assert_eq!(told["channelId"], random);
    assert_eq!(told["member"]["name"], "bob");
    assert_eq!(told["typing"], true);
    assert_eq!(told["forMs"], 6000);
    let answer = app
        .invoke(
            "set_typing",
            Some(json!({"channelId": random, "typing": true})),
        )
        .unwrap();
    assert_eq!(answer, json!({"shown": true, "againInMs": 3000}));
    let e = app
        .invoke(
            "set_typing",
            Some(json!({"channelId": "x", "typing": true})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
}

#[test]
fn presence_is_asked_told_and_followed_through_the_shell() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    app.wait_event("live", |e| {
        e["type"] == "connection" && e["connection"]["state"] == "live"
    });
    // The demo's direct message with bob names him, for his dot.
    let channels = app.invoke("channels", None).unwrap();
    let direct = channels
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "direct")
        .unwrap()
        .clone();
    let bob_id = direct["directMemberId"].as_str().unwrap().to_owned();
    let asked = |ids: serde_json::Value| app.invoke("presence", Some(json!({"memberIds": ids})));
    assert_eq!(
        asked(json!([bob_id])).unwrap(),
        json!([{"memberId": bob_id, "presence": "offline"}])
    );
    // Bob's stream opens: the shell tells the UI.
    let bob = server.member("bob");
    server.block_on(async { bob.start() });
    let told = app.wait_event("bob online", |e| e["type"] == "presence");
    assert_eq!(
        told,
        json!({"type": "presence", "memberId": bob_id, "presence": "online"})
    );
    app.invoke("set_away", Some(json!({"away": true}))).unwrap();
    let e = asked(json!(["not-an-id"])).unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
}
