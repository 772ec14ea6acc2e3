//! Names, what may be opened, and saving in place.

use super::*;

#[test]
fn a_name_from_the_ui_is_only_ever_a_file_name() {
    assert_eq!(safe_name("notes.txt"), "notes.txt");
    assert_eq!(safe_name("../../.ssh/authorized_keys"), "authorized_keys");
    assert_eq!(safe_name("C:\\Windows\\evil.dll"), "evil.dll");
    assert_eq!(safe_name(".."), "file");
    assert_eq!(safe_name("  report.pdf. "), "report.pdf");
    assert_eq!(safe_name("a\u{0}b\nc?.txt"), "abc.txt");
    assert_eq!(safe_name("사진.png"), "사진.png");
    assert_eq!(safe_name(&"x".repeat(1000)).chars().count(), 200);
}

#[test]
fn a_pasted_picture_is_named_for_when_it_was_pasted() {
    let name = pasted_at();
    assert_eq!(name.len(), "2026-12-04 10.31.05".len(), "{name}");
    assert!(name.starts_with("20"), "{name}");
    assert_eq!(&name[4..5], "-");
    assert_eq!(&name[13..14], ".");
}

#[test]
fn only_documents_pictures_sound_and_video_are_opened() {
    for name in ["report.PDF", "photo.jpeg", "talk.mp4", "notes.txt"] {
        assert!(openable(name), "{name}");
    }
    for name in [
        "setup.exe",
        "run.sh",
        "page.html",
        "image.svg",
        "a.desktop",
        "noext",
        "x.pdf.exe",
    ] {
        assert!(!openable(name), "{name}");
    }
}

#[test]
fn a_saved_file_replaces_the_old_one_only_when_whole() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("notes.txt");
    std::fs::write(&dest, "old").unwrap();
    write_replacing(&dest, b"new").unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"new");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing is left beside it"
    );
    // Into a folder that is not there: an error, and the old file as it was.
    assert!(write_replacing(&dir.path().join("gone/notes.txt"), b"x").is_err());
}
