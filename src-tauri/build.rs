//! Generates Tauri's context and the permission set of the app's own
//! commands: only the commands listed in `suda-ipc` exist for the webview,
//! and the capability file grants exactly those (the build stops when it
//! does not: a command added without its permission is refused at run
//! time, which only the real app would show).
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
    check_capability(Path::new("capabilities/main.json"), names);
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(names)),
    )
    .expect("tauri build step");
}

/// The main window's capability must allow each command, and no other.
fn check_capability(path: &Path, commands: &[&str]) {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let capability: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let granted: std::collections::BTreeSet<String> = capability["permissions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str())
        .filter(|p| !p.contains(':'))
        .map(str::to_owned)
        .collect();
    let wanted: std::collections::BTreeSet<String> = commands
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    let missing: Vec<_> = wanted.difference(&granted).collect();
    let extra: Vec<_> = granted.difference(&wanted).collect();
    if !missing.is_empty() || !extra.is_empty() {
        panic!(
            "{} does not grant exactly the commands of suda-ipc: missing {missing:?}, \
             not a command {extra:?}",
            path.display()
        );
    }
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
