//! Files the member attaches in the app: chosen in the system's dialog (a
//! double here that answers with a path; the real dialog is driven in the
//! end-to-end tests), pasted or dropped (bytes from the web view), uploaded
//! with progress, cancelled, sent with a message, saved and opened; and a
//! clear error, with nothing sent, for each kind of bad input.

use serde_json::{json, Value};

use crate::harness::*;

/// Signed in as alice with `general`'s conversation loaded: its id.
fn ready(app: &Desktop, server: &Server) -> String {
    app.sign_in(server, "alice");
    app.wait_event("live", |e| {
        e["type"] == "connection" && e["connection"]["state"] == "live"
    });
    let general = app.channel_id("general");
    app.invoke(
        "history",
        Some(json!({"channelId": general, "before": null})),
    )
    .unwrap();
    general
}

/// The newest message of `channel`'s history.
fn newest(app: &Desktop, channel: &str) -> Value {
    let page = app
        .invoke(
            "history",
            Some(json!({"channelId": channel, "before": null})),
        )
        .unwrap();
    page["events"].as_array().unwrap().last().unwrap().clone()
}

fn progress_of(app: &Desktop, upload: &str) -> Vec<(u64, u64)> {
    app.events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "uploadProgress" && e["uploadId"] == upload)
        .map(|e| (e["sent"].as_u64().unwrap(), e["total"].as_u64().unwrap()))
        .collect()
}

#[test]
fn a_chosen_file_and_a_pasted_image_upload_with_progress_and_go_with_one_message() {
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    let general = ready(&app, &server);
    let limits = app.invoke("attachment_limits", None).unwrap();
    assert_eq!(
        limits,
        json!({"maxBytes": 25 * 1024 * 1024, "perMessage": 10})
    );

    // Chosen in the dialog: the UI learns a name and a size, never the path.
    let notes = dirs.path().join("packing list.txt");
    std::fs::write(&notes, "towels\nsunscreen\n").unwrap();
    *app.dialogs.picks.lock().unwrap() = vec![notes.clone(), dirs.path().to_owned()];
    let chosen = app.invoke("choose_files", None).unwrap();
    let chosen = chosen.as_array().unwrap();
    assert_eq!(chosen.len(), 1, "a folder is passed over: {chosen:?}");
    assert_eq!(chosen[0]["name"], "packing list.txt");
    assert_eq!(chosen[0]["size"], 17);
    assert!(!chosen[0]
        .to_string()
        .contains(dirs.path().to_str().unwrap()));
    let file = app
        .invoke(
            "upload_file",
            Some(json!({"uploadId": "u1", "fileId": chosen[0]["fileId"]})),
        )
        .unwrap();
    assert_eq!(file["name"], "packing list.txt");
    assert_eq!(file["contentType"], "text/plain");
    assert_eq!(progress_of(&app, "u1").last(), Some(&(17, 17)));

    // Pasted: the bytes as the body, the arguments in a header.
    let png = suda_testkit::images::png(900, 300);
    let image = app
        .invoke_bytes(
            "upload_bytes",
            json!({"uploadId": "u2", "name": "스크린샷.png", "mediaType": "image/png"}),
            png.clone(),
        )
        .unwrap();
    assert_eq!(image["image"], json!({"width": 900, "height": 300}));
    let told = progress_of(&app, "u2");
    assert_eq!(told.last(), Some(&(png.len() as u64, png.len() as u64)));

    // One message carries both, in the order given; the outbox knows them.
    let item = app
        .invoke(
            "send",
            Some(json!({
                "channelId": general, "text": "for the trip",
                "attachmentIds": [image["id"], file["id"]],
            })),
        )
        .unwrap();
    assert_eq!(item["attachments"].as_array().unwrap().len(), 2, "{item}");
    let message = newest(&app, &general);
    assert_eq!(message["text"], "for the trip");
    let names: Vec<&str> = message["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["스크린샷.png", "packing list.txt"]);

    // Sent once: the same uploads do not go out again.
    let e = app
        .invoke(
            "send",
            Some(json!({"channelId": general, "text": "", "attachmentIds": [file["id"]]})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
    assert_eq!(newest(&app, &general)["id"], message["id"]);

    // Saved where the dialog says (replacing what is there), then opened.
    let saved = dirs.path().join("saved.txt");
    std::fs::write(&saved, "old").unwrap();
    *app.dialogs.save_to.lock().unwrap() = Some(saved.clone());
    let args = json!({"attachmentId": file["id"], "name": "packing list.txt"});
    assert_eq!(
        app.invoke("save_attachment", Some(args.clone())).unwrap(),
        true
    );
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap(),
        "towels\nsunscreen\n"
    );
    assert_eq!(*app.dialogs.offered.lock().unwrap(), ["packing list.txt"]);
    *app.dialogs.save_to.lock().unwrap() = None;
    assert_eq!(
        app.invoke("save_attachment", Some(args.clone())).unwrap(),
        false
    );
    app.invoke("open_attachment", Some(args)).unwrap();
    let opened = app.dialogs.opened.lock().unwrap().clone();
    assert_eq!(opened.len(), 1);
    assert!(opened[0].ends_with("packing list.txt"), "{opened:?}");
    assert_eq!(
        std::fs::read_to_string(&opened[0]).unwrap(),
        "towels\nsunscreen\n"
    );

    // Signed out: the opened copy goes with the cache.
    app.invoke("sign_out", None).unwrap();
    assert!(!opened[0].exists());
}

#[test]
fn each_kind_of_bad_file_input_gets_a_clear_error_and_nothing_is_sent() {
    let server = Server::start_with(|c| c.max_upload_bytes = 1024);
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    let general = ready(&app, &server);
    let before = newest(&app, &general)["id"].clone();
    let bytes = |args: Value, body: Vec<u8>| app.invoke_bytes("upload_bytes", args, body);

    // Larger than the server takes: said before a byte is sent.
    let e = bytes(
        json!({"uploadId": "big", "name": "big.bin", "mediaType": ""}),
        vec![0; 2048],
    )
    .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
    assert_eq!(
        e["message"],
        "“big.bin” is 2 KB; this server takes files up to 1 KB."
    );
    assert!(progress_of(&app, "big").is_empty());
    // The same of a chosen file, which is not even read.
    let big = dirs.path().join("big.iso");
    std::fs::write(&big, vec![0u8; 4096]).unwrap();
    *app.dialogs.picks.lock().unwrap() = vec![big];
    let chosen = app.invoke("choose_files", None).unwrap();
    let e = app
        .invoke(
            "upload_file",
            Some(json!({"uploadId": "iso", "fileId": chosen[0]["fileId"]})),
        )
        .unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("4 KB"), "{e}");

    // A file that says it is an image and is not: the server's word.
    let e = bytes(
        json!({"uploadId": "lie", "name": "cat.png", "mediaType": "image/png"}),
        b"<html><script>alert(1)</script>".to_vec(),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
    // Empty.
    let e = bytes(
        json!({"uploadId": "empty", "name": "nothing.txt", "mediaType": "text/plain"}),
        Vec::new(),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
    // A path for a name is only ever a name.
    let odd = bytes(
        json!({"uploadId": "path", "name": "../../etc/passwd", "mediaType": "nonsense"}),
        b"root".to_vec(),
    )
    .unwrap();
    assert_eq!(odd["name"], "passwd");
    assert_eq!(odd["contentType"], "application/octet-stream");

    // Arguments missing or broken, a body that is JSON, an id too long.
    let raw = |headers: tauri::http::HeaderMap| {
        let e = app
            .request_raw("upload_bytes", b"x".to_vec(), headers)
            .unwrap_err();
        assert_eq!(e["kind"], "badInput", "{e}");
    };
    raw(Default::default());
    let mut broken = tauri::http::HeaderMap::new();
    broken.insert(suda_ipc::ARGS_HEADER, "%7B%zz".parse().unwrap());
    raw(broken);
    let e = app
        .invoke(
            "upload_bytes",
            Some(json!({"uploadId": "json", "name": "a.txt"})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
    let e = bytes(
        json!({"uploadId": "u".repeat(65), "name": "a.txt", "mediaType": ""}),
        b"a".to_vec(),
    )
    .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");

    // Ids the shell never gave out.
    let e = app
        .invoke(
            "upload_file",
            Some(json!({"uploadId": "x", "fileId": "f999"})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
    for ids in [json!(["not-a-number"]), json!(["123456789012345678"])] {
        let e = app
            .invoke(
                "send",
                Some(json!({"channelId": general, "text": "hi", "attachmentIds": ids})),
            )
            .unwrap_err();
        assert_eq!(e["kind"], "badInput", "{e}");
    }
    // A program is saved, never opened from the chat.
    let e = app
        .invoke(
            "open_attachment",
            Some(json!({"attachmentId": odd["id"], "name": "setup.exe"})),
        )
        .unwrap_err();
    assert_eq!(e["kind"], "badInput", "{e}");
    assert!(app.dialogs.opened.lock().unwrap().is_empty());

    assert_eq!(newest(&app, &general)["id"], before, "nothing was sent");
}

#[test]
fn a_cancelled_upload_stops_and_says_so() {
    let server = Server::start_with(|c| c.max_upload_bytes = 256 * 1024 * 1024);
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    ready(&app, &server);
    let big = vec![7u8; 200 * 1024 * 1024];
    let total = big.len() as u64;
    let webview = app.webview();
    std::thread::scope(|s| {
        let uploading = s.spawn(move || {
            invoke_bytes(
                &webview,
                "upload_bytes",
                json!({"uploadId": "big", "name": "big.bin", "mediaType": ""}),
                big,
            )
        });
        wait("the upload to start", || {
            !progress_of(&app, "big").is_empty()
        });
        app.invoke("cancel_upload", Some(json!({"uploadId": "big"})))
            .unwrap();
        let e = uploading.join().unwrap().unwrap_err();
        assert_eq!(e["kind"], "cancelled", "{e}");
        assert_eq!(e["message"], "The upload was cancelled.");
    });
    assert!(
        progress_of(&app, "big")
            .iter()
            .all(|&(sent, _)| sent < total),
        "it stopped before the end"
    );
    // Cancelling what is not under way does nothing; the name is free again.
    app.invoke("cancel_upload", Some(json!({"uploadId": "big"})))
        .unwrap();
    let small = app
        .invoke_bytes(
            "upload_bytes",
            json!({"uploadId": "big", "name": "small.txt", "mediaType": "text/plain"}),
            b"small".to_vec(),
        )
        .unwrap();
    assert_eq!(small["size"], 5);
}

#[test]
fn a_paste_the_web_view_cannot_read_is_read_from_the_systems_clipboard() {
    use suda_desktop::dialogs::Pasted;
    let server = Server::start();
    let dirs = tempfile::tempdir().unwrap();
    let app = Desktop::start(dirs.path());
    ready(&app, &server);
    let set = |pasted: Pasted| *app.dialogs.clipboard.lock().unwrap() = Some(pasted);

    // Text only: nothing to attach.
    assert_eq!(app.invoke("paste_files", None).unwrap(), json!([]));

    // A screenshot: kept as a file named for when it was pasted, and
    // uploaded from there like a chosen one.
    let png = suda_testkit::images::png(640, 400);
    set(Pasted::Image {
        bytes: png.clone(),
        extension: "png",
    });
    let pasted = app.invoke("paste_files", None).unwrap();
    let name = pasted[0]["name"].as_str().unwrap();
    assert!(
        name.starts_with("Pasted 20") && name.ends_with(".png"),
        "{name}"
    );
    assert_eq!(pasted[0]["size"], png.len());
    let image = app
        .invoke(
            "upload_file",
            Some(json!({"uploadId": "shot", "fileId": pasted[0]["fileId"]})),
        )
        .unwrap();
    assert_eq!(image["image"], json!({"width": 640, "height": 400}));

    // Files copied in a file manager: those files.
    let copied = dirs.path().join("minutes.txt");
    std::fs::write(&copied, "decided: yes").unwrap();
    set(Pasted::Files(vec![copied]));
    let pasted = app.invoke("paste_files", None).unwrap();
    assert_eq!(pasted[0]["name"], "minutes.txt");
    assert_eq!(pasted[0]["size"], 12);
}
