//! `suda upload` and `suda download`: files sent from the command line
//! with their progress, shown in history, saved back by another member,
//! and a sentence for each refusal.

use suda_testkit::images::PLACE;

use crate::{members, server, server_with, suda, suda_in};

/// A 600 × 300 PNG whose EXIF block names a place.
fn photo() -> Vec<u8> {
    suda_testkit::images::photo_with_place(600, 300)
}

/// The ids of the files a history shows, in order.
fn file_ids(history: &str) -> Vec<String> {
    history
        .lines()
        .filter_map(|l| l.trim().strip_prefix("[file "))
        .map(|rest| rest.split(']').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn files_are_uploaded_shown_and_saved_from_the_command_line() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let [alice, bob, eve] =
        <[_; 3]>::try_from(members(&s, dir.path(), &["alice", "bob", "eve"]).await).unwrap();
    assert!(
        suda(&s.url, &alice, &["create", "photos", "--member", "bob"])
            .await
            .ok
    );
    let (png, notes) = (dir.path().join("beach.png"), dir.path().join("notes.txt"));
    std::fs::write(&png, photo()).unwrap();
    std::fs::write(&notes, "bring towels\n").unwrap();

    let up = suda(
        &s.url,
        &alice,
        &[
            "upload",
            "photos",
            png.to_str().unwrap(),
            notes.to_str().unwrap(),
            "-m",
            "holiday",
        ],
    )
    .await;
    assert!(up.ok, "{}", up.stderr);
    assert!(
        up.stderr.contains("uploading beach.png: 100%"),
        "{}",
        up.stderr
    );
    assert!(up.stderr.contains("sent (event"), "{}", up.stderr);

    let history = suda(&s.url, &bob, &["history", "photos"]).await;
    assert!(history.ok, "{}", history.stderr);
    assert!(
        history.stdout.contains("alice: holiday"),
        "{}",
        history.stdout
    );
    assert!(history.stdout.contains("beach.png"), "{}", history.stdout);
    assert!(
        history.stdout.contains("image 600×300"),
        "{}",
        history.stdout
    );
    assert!(
        history.stdout.contains("notes.txt (13 B)"),
        "{}",
        history.stdout
    );
    let ids = file_ids(&history.stdout);
    assert_eq!(ids.len(), 2, "{}", history.stdout);

    // Bob saves both: the text as it was, the picture without its place.
    let saved = dir.path().join("saved");
    std::fs::create_dir(&saved).unwrap();
    let got = suda_in(Some(&saved), &s.url, &bob, &["download", &ids[1]]).await;
    assert!(got.ok, "{}", got.stderr);
    assert_eq!(
        std::fs::read_to_string(saved.join("notes.txt")).unwrap(),
        "bring towels\n"
    );
    let out = saved.join("copy.png");
    let got = suda(
        &s.url,
        &bob,
        &["download", &ids[0], "-o", out.to_str().unwrap()],
    )
    .await;
    assert!(got.ok, "{}", got.stderr);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && !bytes.windows(PLACE.len()).any(|w| w == PLACE));
    let thumb = saved.join("thumb.jpg");
    let got = suda(
        &s.url,
        &bob,
        &[
            "download",
            &ids[0],
            "--thumbnail",
            "-o",
            thumb.to_str().unwrap(),
        ],
    )
    .await;
    assert!(got.ok, "{}", got.stderr);
    let small = image::load_from_memory(&std::fs::read(&thumb).unwrap()).unwrap();
    assert_eq!((small.width(), small.height()), (480, 240));

    // Refusals, each a sentence and nothing written.
    let again = suda(
        &s.url,
        &bob,
        &["download", &ids[0], "-o", out.to_str().unwrap()],
    )
    .await;
    assert!(
        !again.ok && again.stderr.contains("is there already"),
        "{}",
        again.stderr
    );
    let stranger = eve.parent().unwrap().join("eve-copy.png");
    let refused = suda(
        &s.url,
        &eve,
        &["download", &ids[0], "-o", stranger.to_str().unwrap()],
    )
    .await;
    assert!(
        !refused.ok && refused.stderr.contains("no file"),
        "{}",
        refused.stderr
    );
    assert!(!stranger.exists());
    let bad = suda(&s.url, &bob, &["download", "not-an-id"]).await;
    assert!(
        !bad.ok && bad.stderr.contains("file's id"),
        "{}",
        bad.stderr
    );
    let missing = suda(&s.url, &alice, &["upload", "photos", "/nonexistent/x.png"]).await;
    assert!(
        !missing.ok && missing.stderr.contains("cannot read"),
        "{}",
        missing.stderr
    );
    // A page saying it is a picture.
    let fake = dir.path().join("cat.png");
    std::fs::write(&fake, "<html><script></script></html>").unwrap();
    let lie = suda(
        &s.url,
        &alice,
        &["upload", "photos", fake.to_str().unwrap()],
    )
    .await;
    assert!(
        !lie.ok && lie.stderr.contains("its bytes are not one"),
        "{}",
        lie.stderr
    );
}

#[tokio::test]
async fn a_file_over_the_servers_limit_is_refused_unsent_saying_the_limit() {
    let s = server_with(suda_server::Config {
        max_upload_bytes: 1000,
        ..suda_testkit::config()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let [alice] = <[_; 1]>::try_from(members(&s, dir.path(), &["alice"]).await).unwrap();
    assert!(suda(&s.url, &alice, &["create", "files"]).await.ok);
    let big = dir.path().join("big.bin");
    std::fs::write(&big, vec![0u8; 1001]).unwrap();
    let up = suda(&s.url, &alice, &["upload", "files", big.to_str().unwrap()]).await;
    assert!(!up.ok, "{}", up.stdout);
    assert!(
        up.stderr
            .contains("“big.bin” is 1001 B; this server takes files up to 1000 B."),
        "{}",
        up.stderr
    );
    let history = suda(&s.url, &alice, &["history", "files"]).await;
    assert!(
        !history.stdout.contains("[file"),
        "nothing was sent: {}",
        history.stdout
    );
}
