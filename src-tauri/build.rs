//! Generates Tauri's context and the permission set of the app's own
//! commands: only the commands listed in `suda-ipc` exist for the webview,
//! and the capability file grants exactly those.

fn main() {
    let names: &'static [&'static str] =
        Vec::leak(suda_ipc::command_specs().iter().map(|c| c.name).collect());
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(names)),
    )
    .expect("tauri build step");
}
