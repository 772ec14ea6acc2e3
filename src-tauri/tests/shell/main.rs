//! The desktop shell under Tauri's mock runtime, against a real server in
//! this process: commands call the client and return typed results, client
//! events reach the webview as `suda://event`, and notifications are
//! decided by the client's policy and raised through the platform layer
//! (a recording double here).

mod conversations;
mod files;
mod groups;
mod harness;

use std::{path::Path, time::Duration};

use serde_json::{json, Value};

use crate::harness::*;

#[test]
fn every_command_the_ui_may_invoke_is_registered() {
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    for spec in suda_ipc::command_specs() {
        let args = spec.args.as_ref().map(|_| json!({}));
        if let Err(e) = app.invoke(spec.name, args) {
            let text = e.to_string();
            assert!(
                !text.contains("not found") || text.contains("Sign in"),
                "{} is not registered: {text}",
                spec.name
            );
        }
    }
}

#[test]
fn a_message_in_another_channel_is_relayed_notified_and_counted_in_the_tray() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    let session = app.sign_in(&server, "alice");
    assert_eq!(session["member"]["name"], "alice");
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
    server.block_on(async {
        bob.send(random.parse().unwrap(), "elsewhere")
            .await
            .unwrap();
        bob.send(general.parse().unwrap(), "in view").await.unwrap();
    });
    // The conversation the UI loaded gets the message itself.
    let event = app.wait_event("bob's message in general", |e| {
        e["type"] == "event" && e["event"]["text"] == "in view"
    });
    assert_eq!(event["event"]["member"]["name"], "bob");
    assert_eq!(event["event"]["channelId"], general.as_str());
    // One the UI has not loaded is only counted (below) and notified: its
    // text is not sent to the web view, which would not show it.
    assert!(
        !app.events
            .lock()
            .unwrap()
            .iter()
            .any(|e| e.to_string().contains("elsewhere")),
        "random's message reached the web view though it holds no random conversation"
    );
    wait("a notification", || !app.notified.shown().is_empty());
    let shown = app.notified.shown();
    assert_eq!(
        shown.len(),
        1,
        "only the channel not in view notifies: {shown:?}"
    );
    assert_eq!(shown[0].channel_id, random);
    assert!(shown[0].title.contains("bob"), "{:?}", shown[0]);
    assert_eq!(shown[0].body, "elsewhere");
    wait("the tray to show the unread message", || {
        app.trays
            .lock()
            .unwrap()
            .last()
            .is_some_and(|t| t.unread && t.tooltip.contains("unread"))
    });
    let channels = app.wait_event("random's unread count", |e| {
        e["type"] == "channels"
            && e["channels"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == random.as_str() && c["unread"] == 1)
    });
    assert!(channels["channels"].is_array());

    // Alice's own message never notifies.
    let before = app.notified.shown().len();
    let sent = app
        .invoke("send", Some(json!({"channelId": random, "text": "my own"})))
        .unwrap();
    assert!(matches!(sent["state"].as_str(), Some("sent" | "pending")));
    app.wait_event("alice's own message", |e| {
        e["type"] == "event" && e["event"]["text"] == "my own"
    });
    assert_eq!(app.notified.shown().len(), before);
}

#[test]
fn reading_while_the_window_is_unfocused_does_not_mark_read() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "bob");
    let general = app.channel_id("general");
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
    assert!(
        unread(&app) > 0,
        "the demo has unread messages for bob in general"
    );
    let shell = app.shell();
    server.block_on(shell.window_changed(|w| w.focused = false));
    let marked = app
        .invoke(
            "mark_read",
            Some(json!({"channelId": general, "upTo": null})),
        )
        .unwrap();
    assert_eq!(marked, false, "the UI is told nothing was marked");
    assert!(unread(&app) > 0, "not read while unfocused");
    server.block_on(shell.window_changed(|w| w.focused = true));
    let marked = app
        .invoke(
            "mark_read",
            Some(json!({"channelId": general, "upTo": null})),
        )
        .unwrap();
    assert_eq!(marked, true);
    assert_eq!(unread(&app), 0);
}

#[test]
fn sign_in_mistakes_get_clear_messages() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    let attempt = |url: &str, password: &str| {
        app.invoke(
            "sign_in",
            Some(json!({"serverUrl": url, "memberName": "alice", "password": password})),
        )
        .unwrap_err()
    };
    let e = attempt("not a url", "suda-demo");
    assert_eq!(e["kind"], "notASudaServer");
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("not a server address"));
    let e = attempt("http://127.0.0.1:9", "suda-demo");
    assert_eq!(e["kind"], "unreachable");
    assert!(
        e["message"].as_str().unwrap().contains("Cannot reach"),
        "{e}"
    );
    let e = attempt(&server.url, "wrong-password");
    assert_eq!(e["kind"], "unauthenticated");
    assert_eq!(e["message"], "Wrong member name or password.");
    // Something that answers HTTP but is not a Suda server.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other_url = format!("http://{}", other.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in other.incoming().take(4) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot here!",
            );
        }
    });
    let e = attempt(&other_url, "suda-demo");
    assert_eq!(e["kind"], "notASudaServer", "{e}");
    // None of it signed anyone in.
    let snapshot = app.invoke("snapshot", None).unwrap();
    assert!(snapshot["session"].is_null());
}

#[test]
fn the_session_is_kept_without_a_keychain_and_restored_at_the_next_start() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    {
        let app = Desktop::start(dirs.path());
        app.sign_in(&server, "carol");
        let snapshot = app.invoke("snapshot", None).unwrap();
        assert!(
            snapshot["notice"]
                .as_str()
                .unwrap_or_default()
                .contains("keychain is turned off"),
            "the member is told where the session went: {snapshot}"
        );
    }
    let app = Desktop::start(dirs.path());
    server.block_on(app.shell().restore());
    let snapshot = app.invoke("snapshot", None).unwrap();
    assert_eq!(snapshot["session"]["member"]["name"], "carol");
    app.invoke("sign_out", None).unwrap();
    let again = Desktop::start(dirs.path());
    server.block_on(again.shell().restore());
    assert!(again.invoke("snapshot", None).unwrap()["session"].is_null());
}

#[test]
fn a_renewed_token_is_kept_and_restores_the_session_after_the_first_one_expired() {
    let server = Server::start_with(|c| c.token_lifetime = Duration::from_secs(3));
    let dirs = tempfile::tempdir().unwrap();
    let kept = |dirs: &Path| -> String {
        let text = std::fs::read_to_string(dirs.join("data").join("session.json")).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        v["token"].as_str().unwrap().to_owned()
    };
    {
        let app = Desktop::start(dirs.path());
        app.sign_in(&server, "carol");
        let first = kept(dirs.path());
        wait("the renewed token to be kept", || {
            kept(dirs.path()) != first
        });
        // Well past the first token's lifetime.
        std::thread::sleep(Duration::from_secs(3));
    }
    let app = Desktop::start(dirs.path());
    server.block_on(app.shell().restore());
    let snapshot = app.invoke("snapshot", None).unwrap();
    assert_eq!(
        snapshot["session"]["member"]["name"], "carol",
        "restored with the renewed token: {snapshot}"
    );
}

#[test]
fn the_app_lists_the_members_devices_and_signs_another_one_out() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "carol");
    let elsewhere = server.member("carol");
    let devices = app.invoke("devices", None).unwrap();
    let devices = devices.as_array().unwrap();
    assert_eq!(devices.len(), 2, "{devices:?}");
    let this = devices.iter().find(|d| d["current"] == true).unwrap();
    assert!(this["device"]
        .as_str()
        .unwrap()
        .starts_with("Suda desktop/"));
    let other = devices.iter().find(|d| d["current"] == false).unwrap();
    app.invoke("end_device", Some(json!({"id": other["id"]})))
        .unwrap();
    let refused = server.block_on(elsewhere.resume()).unwrap_err();
    assert!(refused.needs_sign_in(), "the other device is signed out");
    assert_eq!(
        app.invoke("devices", None)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // An id that is not one of the member's devices is refused in words.
    let e = app
        .invoke("end_device", Some(json!({"id": "0011223344556677"})))
        .unwrap_err();
    assert_eq!(e["kind"], "notFound", "{e}");
}

#[test]
fn the_app_blocks_and_unblocks_a_member() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "carol");
    let bob = server.member("bob");
    let bob_id = bob.snapshot().me.unwrap().id.to_string();
    let carol_id = server.block_on(async { bob.find_member("carol").await.unwrap().id });
    app.invoke("block", Some(json!({"memberId": bob_id})))
        .unwrap();
    let blocked = app.invoke("blocked", None).unwrap();
    assert_eq!(blocked[0]["name"], "bob", "{blocked}");
    let refused = server.block_on(bob.create_group("spam", &[carol_id]));
    assert!(refused.is_err(), "bob cannot add carol");
    app.invoke("unblock", Some(json!({"memberId": bob_id})))
        .unwrap();
    assert!(app
        .invoke("blocked", None)
        .unwrap()
        .as_array()
        .unwrap()
        .is_empty());
    server
        .block_on(bob.create_group("fine", &[carol_id]))
        .expect("unblocked, bob can add carol");
    let e = app
        .invoke("block", Some(json!({"memberId": "bob"})))
        .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
}

#[test]
fn a_corrupt_settings_file_and_an_unopenable_outbox_are_reported_not_fatal() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start_with(dirs.path(), |d| {
        std::fs::create_dir_all(d.join("config")).unwrap();
        std::fs::write(d.join("config/settings.json"), "{ broken").unwrap();
        std::fs::create_dir_all(d.join("data")).unwrap();
        // A file where the outbox directory should be.
        std::fs::write(d.join("data/outbox"), "not a directory").unwrap();
    });
    let snapshot = app.invoke("snapshot", None).unwrap();
    assert!(snapshot["notice"]
        .as_str()
        .unwrap()
        .contains("settings file could not be read"));
    assert_eq!(
        snapshot["settings"]["closeToTray"], true,
        "defaults are used"
    );
    app.sign_in(&server, "alice");
    let notice = app.wait_event("the outbox notice", |e| {
        e["type"] == "notice" && e["message"].as_str().unwrap_or_default().contains("outbox")
    });
    assert!(notice["message"]
        .as_str()
        .unwrap()
        .contains("could not be opened"));
    let general = app.channel_id("general");
    let sent = app
        .invoke(
            "send",
            Some(json!({"channelId": general, "text": "still works"})),
        )
        .unwrap();
    assert_eq!(sent["text"], "still works");
}

#[test]
fn settings_changes_are_saved_applied_and_announced() {
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    let mut settings = app.invoke("settings", None).unwrap();
    settings["doNotDisturb"] = json!(true);
    settings["mutedChannels"] = json!(["1"]);
    let saved = app.invoke("set_settings", Some(settings)).unwrap();
    assert_eq!(saved["doNotDisturb"], true);
    app.wait_event("settings event", |e| e["type"] == "settings");
    assert!(app
        .trays
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .tooltip
        .contains("do not disturb"));
    let again = Desktop::start(dirs.path());
    assert_eq!(
        again.invoke("settings", None).unwrap()["mutedChannels"],
        json!(["1"])
    );
    // Bad input: not a settings object.
    assert!(app.invoke("set_settings", Some(json!("nope"))).is_err());
}

#[test]
fn the_server_url_is_remembered_by_signing_in_and_kept_by_the_settings_form() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    // The settings form was opened before signing in: it knows no server.
    let form = app.invoke("settings", None).unwrap();
    assert!(form["lastServerUrl"].is_null());
    app.sign_in(&server, "carol");
    // The UI hears about the remembered URL as soon as it is kept.
    app.wait_event("settings event with the server", |e| {
        e["type"] == "settings" && e["settings"]["lastServerUrl"] == json!(server.url)
    });
    // Saving that stale form changes what it shows, and keeps the server.
    let mut stale = form;
    stale["doNotDisturb"] = json!(true);
    let saved = app.invoke("set_settings", Some(stale)).unwrap();
    assert_eq!(saved["doNotDisturb"], true);
    assert_eq!(saved["lastServerUrl"], json!(server.url));
    app.invoke("sign_out", None).unwrap();
    let again = Desktop::start(dirs.path());
    assert_eq!(
        again.invoke("settings", None).unwrap()["lastServerUrl"],
        json!(server.url)
    );
}

#[test]
fn a_burst_of_messages_redraws_the_tray_and_the_list_less_often_ending_on_the_last_count() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    app.wait_event("live", |e| {
        e["type"] == "connection" && e["connection"]["state"] == "live"
    });
    let random = app.channel_id("random");
    // The UI has random's conversation loaded, so it gets every message.
    app.invoke(
        "history",
        Some(json!({"channelId": random, "before": null})),
    )
    .unwrap();
    wait("the first tray", || !app.trays.lock().unwrap().is_empty());
    // The demo leaves some messages unread; settle on that count first.
    std::thread::sleep(std::time::Duration::from_millis(600));
    let (before, unread) = {
        let trays = app.trays.lock().unwrap();
        let badge = trays.last().unwrap().badge.clone();
        (trays.len(), badge.map_or(0, |b| b.parse::<u32>().unwrap()))
    };
    let expected = (unread + 25).to_string();
    let lists_before = app.count_events("channels");
    let bob = server.member("bob");
    // All at once, as a burst is: 25 requests in flight together, which
    // the server commits in a batch or two. Sent through bob's outbox they
    // went one after the other (each written to disk and acknowledged
    // first), and on a busy machine (CI) they came further apart than the
    // UI's batching interval (16 ms): each went to the web view by itself,
    // as it should, and the test measured the machine, not the batching.
    let api = suda_client::graphql::Api::new(reqwest::Client::new(), &server.url, bob.token());
    server.block_on(async {
        let sends = (0..25).map(|i| {
            api.run::<suda_client::graphql::ops::Send>(suda_client::graphql::ops::send::Variables {
                channel_id: random.clone(),
                message: format!("burst {i}"),
                client_key: None,
                reply_to: None,
                thread_root: None,
                attachment_ids: None,
            })
        });
        for sent in futures::future::join_all(sends).await {
            sent.unwrap();
        }
    });
    wait("the tray to count all 25", || {
        app.trays
            .lock()
            .unwrap()
            .last()
            .is_some_and(|t| t.badge.as_deref() == Some(expected.as_str()))
    });
    let redraws = app.trays.lock().unwrap().len() - before;
    assert!(
        redraws < 25,
        "25 messages redrew the tray {redraws} times: each redraw writes an icon file"
    );
    // The UI gets every message, in fewer sends (batches), and the whole
    // channel list less often, the last one with the final count.
    let (sends, messages) = {
        let events = app.events.lock().unwrap();
        let burst: Vec<&Value> = events
            .iter()
            .filter(|e| {
                (e["type"] == "event"
                    && e["event"]["text"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("burst"))
                    || e["type"] == "events"
            })
            .collect();
        let messages: usize = burst
            .iter()
            .map(|e| e["events"].as_array().map_or(1, Vec::len))
            .sum();
        (burst.len(), messages)
    };
    assert_eq!(messages, 25, "every message reaches the UI once");
    assert!(sends < 25, "25 messages took {sends} sends to the web view");
    let lists = app.count_events("channels") - lists_before;
    assert!(
        lists < 25,
        "25 messages sent the channel list {lists} times"
    );
    app.wait_event("the final count", |e| {
        e["type"] == "channels"
            && e["channels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["unread"].as_u64().unwrap())
                .sum::<u64>()
                .to_string()
                == expected
    });
    // Once the last state is drawn, nothing changes and nothing is redrawn.
    let drawn = app.trays.lock().unwrap().len();
    std::thread::sleep(std::time::Duration::from_millis(600));
    let trays = app.trays.lock().unwrap();
    assert_eq!(trays.len(), drawn, "{:#?}", &trays[drawn - 1..]);
}

#[test]
fn groups_are_created_and_members_invited_by_name_and_a_gone_send_is_not_found() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "alice");
    let created = app
        .invoke(
            "create_group",
            Some(json!({"name": "book-club", "memberNames": [" bob ", ""]})),
        )
        .unwrap();
    assert_eq!(created["name"], "book-club");
    assert_eq!(created["memberCount"], 2, "{created}");
    let invited = app
        .invoke(
            "invite",
            Some(json!({"channelId": created["id"], "memberName": "carol"})),
        )
        .unwrap();
    assert_eq!(invited["id"], created["id"]);
    assert_eq!(invited["memberCount"], 3, "{invited}");
    let e = app
        .invoke(
            "invite",
            Some(json!({"channelId": created["id"], "memberName": "nobody"})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "notFound", "{e}");
    let direct = app
        .invoke("open_direct", Some(json!({"memberName": "bob"})))
        .unwrap();
    assert_eq!(direct["kind"], "direct", "{direct}");
    let e = app
        .invoke("retry_send", Some(json!({"clientKey": "no-such-key"})))
        .unwrap_err();
    assert_eq!(e["kind"], "notFound", "{e}");
    assert_eq!(
        e["message"],
        "That message is no longer waiting to be sent."
    );
}

#[test]
fn a_reloaded_ui_starts_where_the_dead_one_was_and_is_told_why() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    app.sign_in(&server, "bob");
    let general = app.channel_id("general");
    app.invoke("focus_channel", Some(json!({"channelId": general})))
        .unwrap();
    let before = app.invoke("snapshot", None).unwrap();
    assert_eq!(app.shell().web_view_restarts(), 0);

    // The web process died; the shell counts it and reloads the page, whose
    // UI asks for its snapshot again.
    assert_eq!(app.shell().web_view_ended("its web process crashed"), 1);
    let after = app.invoke("snapshot", None).unwrap();
    assert_eq!(
        after["openChannel"],
        json!(general),
        "the same conversation"
    );
    assert_eq!(after["session"], before["session"], "the same account");
    assert_eq!(
        after["channels"], before["channels"],
        "the same unread counts"
    );
    assert_eq!(after["outbox"], before["outbox"]);
    let notice = after["notice"].as_str().unwrap_or_default();
    assert!(
        notice.contains("its web process crashed") && notice.contains("reloaded"),
        "{after}"
    );
    assert_eq!(app.shell().web_view_restarts(), 1);
    // Told once: the next snapshot has no notice.
    assert!(app.invoke("snapshot", None).unwrap()["notice"].is_null());
}
