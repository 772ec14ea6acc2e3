//! Files and images, over real HTTP: uploaded, sent with a message,
//! carried on the stream and in history, served only to the channel's
//! members and never as a page of the server's origin, gone with their
//! message; and every kind of bad upload refused with a code, keeping
//! nothing.

use serde_json::{json, Value};
use suda_protocol::MemberId;
use suda_testkit::images::PLACE;

use crate::common::*;

const SEND: &str = "mutation($c:ID!,$m:String!,$a:[ID!],$k:String){sendChatMessage(channelId:$c,message:$m,attachmentIds:$a,clientKey:$k){id message attachments{id name size contentType image{width height}}}}";
const HISTORY: &str = "query($c:ID!){chatChannelEvents(channelId:$c,limit:10){contents{... on ChatChannelChatEvent{id message attachments{id name}}}}}";
const EDIT: &str =
    "mutation($id:ID!,$m:String!){editChatMessage(messageId:$id,message:$m){message}}";
const DELETE: &str = "mutation($id:ID!){deleteChatMessage(messageId:$id)}";

/// A 600 × 300 PNG whose EXIF block names a place.
fn photo() -> Vec<u8> {
    suda_testkit::images::photo_with_place(600, 300)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Uploads `bytes` as `name` of `content_type`: (status, JSON answer).
async fn upload(
    server: &TestServer,
    token: Option<&str>,
    name: Option<&str>,
    content_type: Option<&str>,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let mut request = server.http.post(server.url("/v1/attachments"));
    if let Some(name) = name {
        request = request.query(&[("name", name)]);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    let response = request.body(bytes).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn uploaded(
    server: &TestServer,
    token: &str,
    name: &str,
    kind: &str,
    bytes: Vec<u8>,
) -> Value {
    let (status, v) = upload(server, Some(token), Some(name), Some(kind), bytes).await;
    assert_eq!(status, 201, "{v}");
    v
}

async fn fetch(server: &TestServer, token: &str, path: &str) -> reqwest::Response {
    server
        .http
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// What the server keeps: the bytes `member` uploaded, and (on SQLite)
/// the files in the attachments directory.
async fn kept(server: &TestServer, member: &str) -> (u64, usize) {
    let id = MemberId(member.parse().unwrap());
    let bytes = server.state().store.uploaded_since(id, 0).await.unwrap();
    (bytes, walk(&files_dir(server)))
}

/// The directory beside a SQLite database that holds its attachments
/// (none on PostgreSQL).
fn files_dir(server: &TestServer) -> std::path::PathBuf {
    match server.database_url().strip_prefix("sqlite:") {
        Some(db) => std::path::PathBuf::from(format!("{db}-attachments")),
        None => std::path::PathBuf::from("/nonexistent"),
    }
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[tokio::test]
async fn an_image_is_sent_seen_by_the_channel_without_its_metadata_and_goes_with_its_message() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (eve, _) = server.member("eve").await;
    let channel = server.group(&alice, "photos", &[&bob_id]).await;
    let mut stream = server.sse(&bob, None).await;

    let photo = photo();
    let up = uploaded(
        &server,
        &alice,
        "여름 photo.png",
        "image/png",
        photo.clone(),
    )
    .await;
    let id = up["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 18, "an id drawn at random: {id}");
    assert_eq!(up["image"], json!({"width": 600, "height": 300}));
    assert_eq!(up["contentType"], "image/png");
    assert_eq!(up["name"], "여름 photo.png");
    // Pending: its uploader may see it, nobody else yet.
    assert_eq!(
        fetch(&server, &alice, &format!("/v1/attachments/{id}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        fetch(&server, &bob, &format!("/v1/attachments/{id}"))
            .await
            .status(),
        404
    );

    let sent = server
        .ok(&alice, SEND, json!({"c": channel, "m": "", "a": [id]}))
        .await;
    let message = &sent["sendChatMessage"];
    assert_eq!(message["message"], "", "files need no text");
    assert_eq!(message["attachments"][0]["id"], id.as_str());

    // On bob's stream, and in history.
    let event = stream.next_published().await;
    assert_eq!(
        event.data["ssePayload"]["attachments"][0]["id"],
        id.as_str()
    );
    assert_eq!(
        event.data["ssePayload"]["attachments"][0]["image"]["width"],
        600
    );
    let history = server.ok(&bob, HISTORY, json!({"c": channel})).await;
    assert_eq!(
        history["chatChannelEvents"]["contents"][0]["attachments"][0]["name"],
        "여름 photo.png"
    );

    // Bob gets it: the pixels, not the place it was taken.
    let got = fetch(&server, &bob, &format!("/v1/attachments/{id}")).await;
    assert_eq!(got.status(), 200);
    let headers = got.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("inline;"), "{disposition}");
    assert!(
        disposition.contains("UTF-8''%EC%97%AC%EB%A6%84%20photo.png"),
        "{disposition}"
    );
    let bytes = got.bytes().await.unwrap();
    assert!(contains(&photo, PLACE) && !contains(&bytes, PLACE));
    let shown = image::load_from_memory(&bytes).unwrap();
    assert_eq!((shown.width(), shown.height()), (600, 300));
    let thumb = fetch(&server, &bob, &format!("/v1/attachments/{id}/thumbnail")).await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (480, 240));
    // Eve is in no channel of it: there is no such file for her.
    for path in [
        format!("/v1/attachments/{id}"),
        format!("/v1/attachments/{id}/thumbnail"),
    ] {
        let v = fetch(&server, &eve, &path).await;
        assert_eq!(v.status(), 404);
        let v: Value = v.json().await.unwrap();
        assert_eq!(v["error"]["code"], "NOT_FOUND");
    }
    // Without a token, nobody.
    let anonymous = server
        .http
        .get(server.url(&format!("/v1/attachments/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // The caption can go and come back: the files are the message.
    let message_id = message["id"].as_str().unwrap().to_owned();
    server
        .ok(&alice, EDIT, json!({"id": message_id, "m": "summer"}))
        .await;
    server
        .ok(&alice, EDIT, json!({"id": message_id, "m": "  "}))
        .await;

    // Deleted: the file goes, bytes and all.
    let (_, files) = kept(&server, &bob_id).await;
    if !on_postgres() {
        assert_eq!(files, 2, "the file and its thumbnail, beside the database");
    }
    server.ok(&alice, DELETE, json!({"id": message_id})).await;
    assert_eq!(
        fetch(&server, &alice, &format!("/v1/attachments/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        fetch(&server, &bob, &format!("/v1/attachments/{id}"))
            .await
            .status(),
        404
    );
    let history = server.ok(&bob, HISTORY, json!({"c": channel})).await;
    assert_eq!(
        history["chatChannelEvents"]["contents"][0]["attachments"],
        json!([])
    );
    assert_eq!(kept(&server, &bob_id).await.1, 0, "both are removed");
}

#[tokio::test]
async fn any_other_file_is_served_as_a_download_never_as_a_page() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "files", &[&bob_id]).await;
    let page = b"<html><script>fetch('/graphql')</script></html>".to_vec();
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec();
    let html = uploaded(&server, &alice, "page.html", "text/html", page.clone()).await;
    let svg = uploaded(&server, &alice, "logo.svg", "image/svg+xml", svg).await;
    assert_eq!(html["image"], Value::Null);
    assert_eq!(svg["image"], Value::Null, "SVG is never shown inline");
    let ids = [html["id"].clone(), svg["id"].clone()];
    server
        .ok(
            &alice,
            SEND,
            json!({"c": channel, "m": "two files", "a": ids}),
        )
        .await;
    for id in &ids {
        let id = id.as_str().unwrap();
        let got = fetch(&server, &bob, &format!("/v1/attachments/{id}")).await;
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["content-type"], "application/octet-stream");
        assert_eq!(got.headers()["x-content-type-options"], "nosniff");
        let disposition = got.headers()["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        // Neither has a thumbnail.
        let thumb = fetch(&server, &bob, &format!("/v1/attachments/{id}/thumbnail")).await;
        assert_eq!(thumb.status(), 404);
    }
    let path = format!("/v1/attachments/{}", ids[0].as_str().unwrap());
    let got = fetch(&server, &bob, &path).await;
    let etag = got.headers()["etag"].clone();
    assert_eq!(
        got.bytes().await.unwrap().as_ref(),
        page.as_slice(),
        "served as uploaded"
    );
    // Asked again with its tag: not sent again.
    let again = server
        .http
        .get(server.url(&path))
        .bearer_auth(&bob)
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn bad_uploads_are_refused_with_a_code_and_keep_nothing() {
    let server = TestServer::start_with(suda_server::Config {
        max_upload_bytes: 100_000,
        ..test_config()
    })
    .await;
    let (alice, alice_id) = server.member("alice").await;
    let png = photo();
    let long = "n".repeat(300);
    // What, the name, the type, the bytes; the status, code and words answered.
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Vec<u8>,
        u16,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "empty",
            Some("a.txt"),
            Some("text/plain"),
            Vec::new(),
            400,
            "BAD_USER_INPUT",
            "empty",
        ),
        (
            "no name",
            None,
            Some("text/plain"),
            b"x".to_vec(),
            400,
            "BAD_USER_INPUT",
            "name",
        ),
        (
            "a path for a name",
            Some("../../etc/passwd"),
            None,
            b"x".to_vec(),
            400,
            "BAD_USER_INPUT",
            "directories",
        ),
        (
            "a name too long",
            Some(long.as_str()),
            None,
            b"x".to_vec(),
            400,
            "BAD_USER_INPUT",
            "at most 255",
        ),
        (
            "no media type",
            Some("a"),
            Some("png"),
            b"x".to_vec(),
            400,
            "BAD_USER_INPUT",
            "media type",
        ),
        (
            "over the limit",
            Some("big.bin"),
            None,
            vec![7; 100_001],
            413,
            "PAYLOAD_TOO_LARGE",
            "100000",
        ),
        (
            "a page calling itself a PNG",
            Some("cat.png"),
            Some("image/png"),
            b"<html></html>".to_vec(),
            400,
            "BAD_USER_INPUT",
            "not one",
        ),
        (
            "a PNG calling itself a PDF",
            Some("doc.pdf"),
            Some("application/pdf"),
            png.clone(),
            400,
            "BAD_USER_INPUT",
            "image/png image",
        ),
        (
            "a JPEG that is a PNG",
            Some("cat.jpg"),
            Some("image/jpeg"),
            png.clone(),
            400,
            "BAD_USER_INPUT",
            "not one",
        ),
        (
            "a decompression bomb",
            Some("bomb.png"),
            Some("image/png"),
            bomb(),
            400,
            "BAD_USER_INPUT",
            "pixels",
        ),
        (
            "a damaged image",
            Some("half.png"),
            Some("image/png"),
            png[..png.len() / 3].to_vec(),
            400,
            "BAD_USER_INPUT",
            "cannot be read",
        ),
    ];
    for (what, name, kind, bytes, status, code, says) in cases {
        let (got, v) = upload(&server, Some(&alice), name, kind, bytes).await;
        assert_eq!(got, status, "{what}: {v}");
        assert_eq!(v["error"]["code"], code, "{what}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{what}: {message}");
    }
    // Without a token.
    let (status, v) = upload(&server, None, Some("a.txt"), None, b"x".to_vec()).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
    // Over the limit without saying so first (no Content-Length): cut off.
    let body = reqwest::Body::wrap_stream(futures::stream::iter(
        (0..20).map(|_| Ok::<_, std::io::Error>(vec![1u8; 10_000])),
    ));
    let response = server
        .http
        .post(server.url("/v1/attachments"))
        .query(&[("name", "stream.bin")])
        .bearer_auth(&alice)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(kept(&server, &alice_id).await, (0, 0), "nothing was kept");
    // An image's type is kept by its one name.
    let (status, v) = upload(
        &server,
        Some(&alice),
        Some("p.jpg"),
        Some("image/jpg"),
        jpeg(),
    )
    .await;
    assert_eq!(
        (status, v["contentType"].as_str()),
        (201, Some("image/jpeg")),
        "{v}"
    );
}

/// A small JPEG.
fn jpeg() -> Vec<u8> {
    suda_testkit::images::jpeg(40, 30)
}

/// A PNG of 60 bytes declaring 100,000 × 100,000 pixels.
fn bomb() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (name, data) in [
        (&b"IHDR"[..], &ihdr[..]),
        (b"IDAT", &[0x78, 0x9c, 0x03, 0, 0, 0, 0, 1]),
        (b"IEND", &[]),
    ] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let chunk = [name, data].concat();
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    png
}

#[tokio::test]
async fn only_the_uploader_sends_an_upload_once_and_a_retry_is_the_same_message() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (mallory, mallory_id) = server.member("mallory").await;
    let channel = server.group(&alice, "general", &[&mallory_id]).await;
    let up = uploaded(
        &server,
        &alice,
        "notes.txt",
        "text/plain",
        b"notes".to_vec(),
    )
    .await;
    let id = up["id"].clone();
    let send = |token: &str, a: Value, k: Option<&str>| {
        let token = token.to_owned();
        let channel = channel.clone();
        let k = k.map(str::to_owned);
        let server = &server;
        async move {
            server
                .gql(
                    Some(&token),
                    SEND,
                    json!({"c": channel, "m": "", "a": a, "k": k}),
                )
                .await
        }
    };
    // Mallory cannot send alice's upload: to him it does not exist.
    let v = send(&mallory, json!([id]), None).await;
    assert_eq!(code(&v), "NOT_FOUND", "{v}");
    // Nor an id nobody uploaded, nor a malformed one.
    assert_eq!(
        code(&send(&alice, json!(["123456789012345678"]), None).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&send(&alice, json!(["x1"]), None).await),
        "BAD_USER_INPUT"
    );
    // One file twice, eleven files, and no text without files.
    assert_eq!(
        code(&send(&alice, json!([id, id]), None).await),
        "BAD_USER_INPUT"
    );
    let eleven: Vec<Value> = (0..11).map(|_| id.clone()).collect();
    let v = send(&alice, json!(eleven), None).await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 10"),
        "{v}"
    );
    assert_eq!(code(&send(&alice, json!([]), None).await), "BAD_USER_INPUT");

    let first = send(&alice, json!([id]), Some("k1")).await;
    assert!(first["errors"].is_null(), "{first}");
    // The same send again is the same message; other files under the key
    // are a conflict.
    let again = send(&alice, json!([id]), Some("k1")).await;
    assert_eq!(
        again["data"]["sendChatMessage"]["id"],
        first["data"]["sendChatMessage"]["id"]
    );
    let other = uploaded(&server, &alice, "more.txt", "text/plain", b"more".to_vec()).await;
    assert_eq!(
        code(&send(&alice, json!([other["id"]]), Some("k1")).await),
        "CONFLICT"
    );
    // Sent once: not again with another message.
    let v = send(&alice, json!([id]), None).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("another message"));
    // A text message never loses all its text.
    let text = server.send(&alice, &channel, "words").await;
    let v = server
        .gql(
            Some(&alice),
            EDIT,
            json!({"id": text.to_string(), "m": " "}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_limits_are_told_and_the_daily_allowance_holds() {
    let server = TestServer::start_with(suda_server::Config {
        upload_bytes_per_day: 10,
        ..test_config()
    })
    .await;
    let (alice, _) = server.member("alice").await;
    let limits = server
        .ok(
            &alice,
            "{attachmentLimits{maxBytes perMessage bytesPerDay}}",
            json!({}),
        )
        .await;
    assert_eq!(
        limits["attachmentLimits"],
        json!({"maxBytes": 25 * 1024 * 1024, "perMessage": 10, "bytesPerDay": 10})
    );
    uploaded(&server, &alice, "a.txt", "text/plain", b"12345678".to_vec()).await;
    let (status, v) = upload(
        &server,
        Some(&alice),
        Some("b.txt"),
        None,
        b"12345".to_vec(),
    )
    .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (429, Some("RATE_LIMITED")),
        "{v}"
    );
}

#[tokio::test]
async fn a_full_disk_refuses_an_upload_keeps_nothing_of_it_and_takes_one_again_once_room_is_made() {
    if skipped_on_postgres("files beside a SQLite database; PostgreSQL keeps them in its own") {
        return;
    }
    let disk = suda_testkit::disk::Tmpfs::mount("12m");
    let db = disk.path().join("suda.db");
    let server = TestServer::start_on(test_config(), &format!("sqlite:{}", db.display())).await;
    let (alice, alice_id) = server.member("alice").await;
    let channel = server.group(&alice, "files", &[]).await;
    // Files of 2 MB until the disk takes no more.
    let file = |n: u8| {
        (0..2_000_000u32)
            .map(|i| (i % 251) as u8 ^ n)
            .collect::<Vec<u8>>()
    };
    let mut sent = Vec::new();
    let refused = loop {
        let n = sent.len() as u8;
        let (status, v) = upload(&server, Some(&alice), Some("f.bin"), None, file(n)).await;
        if status != 201 {
            break (status, v);
        }
        let id = v["id"].as_str().unwrap().to_owned();
        let message = server
            .ok(&alice, SEND, json!({"c": channel, "m": "", "a": [id]}))
            .await;
        let message = message["sendChatMessage"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        sent.push((id, message));
        assert!(sent.len() < 10, "a 12 MB disk fills before ten 2 MB files");
    };
    assert_eq!(refused.0, 503, "{}", refused.1);
    assert_eq!(refused.1["error"]["code"], "UNAVAILABLE");
    let before = kept(&server, &alice_id).await;
    assert_eq!(
        before.0,
        sent.len() as u64 * 2_000_000,
        "the refused upload is not counted"
    );
    assert_eq!(
        before.1,
        sent.len(),
        "and none of its bytes are kept, staged or not"
    );
    // What was kept is whole.
    for (n, (id, _)) in sent.iter().enumerate() {
        let got = fetch(&server, &alice, &format!("/v1/attachments/{id}")).await;
        assert_eq!(
            got.bytes().await.unwrap().as_ref(),
            file(n as u8).as_slice()
        );
    }
    // Room made by deleting a message: its file goes, and an upload fits.
    server.ok(&alice, DELETE, json!({"id": sent[0].1})).await;
    uploaded(
        &server,
        &alice,
        "f.bin",
        "application/octet-stream",
        file(9),
    )
    .await;
}

#[tokio::test]
async fn the_sweep_removes_what_a_kill_left_and_uploads_nobody_sent() {
    use suda_protocol::AttachmentId;
    use suda_server::store::{AttachmentRow, NewAttachment};
    if skipped_on_postgres(
        "files beside a SQLite database; PostgreSQL writes bytes and row at once",
    ) {
        return;
    }
    let server = TestServer::start().await;
    let (alice, alice_id) = server.member("alice").await;
    let store = &server.state().store;
    let now = suda_server::store::now_millis();
    // An upload nobody sent for 25 hours, and one from just now.
    let pending = |id: i64, created_at: i64| NewAttachment {
        row: AttachmentRow {
            id: AttachmentId(id),
            uploader: MemberId(alice_id.parse().unwrap()),
            name: "old.txt".into(),
            content_type: "text/plain".into(),
            size: 3,
            image: None,
            thumbnail_type: None,
            message: None,
            channel: None,
            created_at,
        },
        file: bytes::Bytes::from_static(b"old"),
        thumbnail: None,
    };
    store
        .add_attachment(pending(111_111_111_111_111_111, now - 25 * 3600 * 1000))
        .await
        .unwrap();
    let fresh = uploaded(&server, &alice, "new.txt", "text/plain", b"new".to_vec()).await;
    // What a process killed between the bytes and the row leaves: bytes
    // no row names, and a file still being written.
    let dir = files_dir(&server);
    std::fs::create_dir_all(dir.join("22")).unwrap();
    std::fs::write(dir.join("22").join("222222222222222222.file"), b"orphan").unwrap();
    std::fs::write(dir.join("tmp").join("333333333333333333.file.1"), b"half").unwrap();
    assert_eq!(walk(&dir), 4);
    // Swept as of two hours from now: all of it is old enough.
    let later = now + 2 * 3600 * 1000;
    let removed = store
        .sweep_attachments(now - 24 * 3600 * 1000, later)
        .await
        .unwrap();
    assert_eq!(removed, 2, "the expired upload's bytes and the orphan");
    assert_eq!(walk(&dir), 1, "only the fresh upload is left");
    let id = fresh["id"].as_str().unwrap();
    assert_eq!(
        fetch(&server, &alice, &format!("/v1/attachments/{id}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        fetch(&server, &alice, "/v1/attachments/111111111111111111")
            .await
            .status(),
        404
    );
}
