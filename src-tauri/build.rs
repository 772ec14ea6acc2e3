//! Generates Tauri's context and the permission set of the app's own
//! commands: only the commands listed in `suda-ipc` exist for the webview,
//! and the capability file grants exactly those.
//!
//! The app's configuration is edited in the top-level `tauri.conf.json`.
//! Tauri's tools read the one beside this crate, which is a plain copy: a
//! symbolic link would be checked out as a text file on Windows. The build
//! stops when the copy is stale, so the two cannot drift apart.

use std::path::Path;

fn main() {
    check_config_copy(
        Path::new("../tauri.conf.json"),
        Path::new("tauri.conf.json"),
    );
    let names: &'static [&'static str] =
        Vec::leak(suda_ipc::command_specs().iter().map(|c| c.name).collect());
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(names)),
    )
    .expect("tauri build step");
}

fn check_config_copy(edited: &Path, copy: &Path) {
    println!("cargo:rerun-if-changed={}", edited.display());
    println!("cargo:rerun-if-changed={}", copy.display());
    let read = |path: &Path| {
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    };
    if read(edited) != read(copy) {
        panic!(
            "src-tauri/tauri.conf.json differs from the top-level tauri.conf.json, \
             which is the one to edit; copy it over: cp tauri.conf.json src-tauri/"
        );
    }
}
