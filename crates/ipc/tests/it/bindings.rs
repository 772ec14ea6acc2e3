//! The committed TypeScript bindings must match the Rust types.

use std::path::PathBuf;

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    // Where cargo runs the test now: a test binary built in a checkout at
    // another path (a shared build cache) keeps that path in `env!`.
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let dir = crate_dir.join("../../ui/src/bindings");
    let write = std::env::var_os("SUDA_WRITE_BINDINGS").is_some();
    for (file, contents) in suda_ipc::typescript() {
        let path = dir.join(file);
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &contents).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == contents,
            "ui/src/bindings/{file} differs from the Rust types in crates/ipc.\n\
             Regenerate: SUDA_WRITE_BINDINGS=1 cargo test -p suda-ipc --test it bindings"
        );
    }
}

#[test]
fn events_and_errors_have_the_shapes_the_ui_reads() {
    use suda_ipc::*;
    let v = serde_json::to_value(AppEvent::Connection {
        connection: ConnectionView::Reconnecting {
            in_secs: 4,
            attempt: 2,
        },
    })
    .unwrap();
    assert_eq!(
        v,
        serde_json::json!({"type": "connection", "connection": {"state": "reconnecting", "inSecs": 4, "attempt": 2}})
    );
    let v = serde_json::to_value(AppError {
        kind: ErrorKind::NotASudaServer,
        message: "m".into(),
    })
    .unwrap();
    assert_eq!(v["kind"], "notASudaServer");
    // Settings from an older version (missing fields) still load.
    let s: Settings = serde_json::from_str(r#"{"doNotDisturb":true}"#).unwrap();
    assert!(s.do_not_disturb);
    assert!(s.close_to_tray);
}
