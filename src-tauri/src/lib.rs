//! The Suda desktop shell: Tauri wiring around `suda-client`.
//!
//! The member's one subscription and GraphQL client live in a
//! `suda_client::Session` held by [`shell::Shell`]; this crate only adapts
//! it to the desktop: commands the UI invokes, the relay of client events to
//! the UI, native notifications, the tray, the window and app lifecycle.

pub mod coalesce;
pub mod commands;
pub mod dialogs;
pub mod drafts;
#[cfg(target_os = "linux")]
pub mod drawing;
pub mod files;
pub mod kept;
pub mod notify;
pub mod recovery;
pub mod settings;
pub mod shell;
pub mod tray;
pub mod view;

use std::sync::Arc;

use suda_client::credentials::CredentialMode;
use tauri::{Emitter, Manager, Runtime};

use crate::{
    shell::{Shell, ShellParts, WindowState},
    tray::TrayAction,
};

/// The invoke handler for every command in `suda_ipc::command_specs`.
pub fn handlers<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        commands::snapshot,
        commands::sign_in,
        commands::sign_up,
        commands::sign_out,
        commands::channels,
        commands::history,
        commands::thread,
        commands::mark_thread_read,
        commands::search_messages,
        commands::send,
        commands::retry_send,
        commands::discard_send,
        commands::edit_message,
        commands::delete_message,
        commands::react,
        commands::mark_read,
        commands::set_notification_level,
        commands::create_group,
        commands::open_direct,
        commands::join,
        commands::leave,
        commands::invite,
        commands::directory,
        commands::update_group,
        commands::remove_member,
        commands::members,
        commands::settings,
        commands::set_settings,
        commands::focus_channel,
        commands::set_draft,
        commands::retry_now,
        commands::devices,
        commands::end_device,
        commands::block,
        commands::unblock,
        commands::blocked,
        commands::attachment_limits,
        commands::choose_files,
        commands::paste_files,
        commands::upload_file,
        commands::upload_bytes,
        commands::cancel_upload,
        commands::save_attachment,
        commands::open_attachment,
        commands::set_typing,
        commands::presence,
        commands::set_away,
    ]
}

/// Brings the main window up and focuses it.
pub fn show_main<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    window_changed(app, |w| w.visible = true);
}

fn window_changed<R: Runtime>(app: &tauri::AppHandle<R>, change: impl FnOnce(&mut WindowState)) {
    // Applied here, on the thread the window's events come on, in their order.
    app.state::<Shell>().change_window(change);
}

fn on_tray<R: Runtime>(app: &tauri::AppHandle<R>, action: TrayAction) {
    match action {
        TrayAction::ToggleWindow => {
            let visible = app
                .get_webview_window("main")
                .and_then(|w| w.is_visible().ok())
                .unwrap_or(false);
            if visible {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.hide();
                }
                window_changed(app, |w| w.visible = false);
            } else {
                show_main(app);
            }
        }
        TrayAction::OpenChannel(id) => {
            show_main(app);
            app.state::<Shell>().open_channel(id);
        }
        TrayAction::ToggleDoNotDisturb => {
            let shell = app.state::<Shell>();
            let mut settings = shell.settings();
            settings.do_not_disturb = !settings.do_not_disturb;
            if let Err(e) = shell.set_settings(settings) {
                tracing::warn!(error = %e.message, "do-not-disturb not changed");
            }
        }
        TrayAction::Quit => app.exit(0),
    }
}

/// Native notifications whose click brings the window up on their channel.
fn platform_notifier<R: Runtime>(app: &tauri::AppHandle<R>) -> Arc<dyn notify::Notifier> {
    let handle = app.clone();
    let on_click: notify::OnClick = Arc::new(move |channel: String| {
        show_main(&handle);
        handle.state::<Shell>().open_channel(channel);
    });
    #[cfg(target_os = "linux")]
    return Arc::new(notify::DesktopNotifier::new(on_click));
    #[cfg(not(target_os = "linux"))]
    return Arc::new(notify::DesktopNotifier::new(app.clone(), on_click));
}

fn autostart<R: Runtime>(app: &tauri::AppHandle<R>, on: bool) -> Result<(), String> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    if on {
        launcher.enable()
    } else {
        launcher.disable()
    }
    .map_err(|e| e.to_string())
}

/// The shell's parts for a running app.
fn parts<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<ShellParts> {
    let emitter = app.clone();
    let tray = app.clone();
    let starter = app.clone();
    Ok(ShellParts {
        data_dir: app.path().app_data_dir()?,
        config_dir: app.path().app_config_dir()?,
        // Read once, here: tests and scripts set it to keep the session in
        // a file rather than the member's keychain.
        credentials: CredentialMode::keychain_unless(
            std::env::var_os("SUDA_NO_KEYCHAIN").is_some(),
        ),
        notifier: platform_notifier(app),
        emit: Arc::new(move |event| {
            if let Err(e) = emitter.emit(suda_ipc::EVENT, event) {
                tracing::warn!(error = %e, "event not delivered to the UI");
            }
        }),
        show_tray: Arc::new(move |model| {
            #[cfg(desktop)]
            if let Err(e) = tray::apply(&tray, model) {
                tracing::warn!(error = %e, "tray not updated");
            }
        }),
        autostart: Arc::new(move |on| autostart(&starter, on)),
        dialogs: Arc::new(dialogs::NativeDialogs { app: app.clone() }),
    })
}

/// The answer to a `suda-file:` request: the bytes, typed by what they
/// are, or a status that says why not.
async fn file_response(app: &tauri::AppHandle, path: &str) -> tauri::http::Response<Vec<u8>> {
    use tauri::http::{header, Response, StatusCode};
    let answer = |status: StatusCode, kind: &str, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, kind)
            .header("X-Content-Type-Options", "nosniff")
            .header(
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            )
            .body(body)
            .unwrap_or_default()
    };
    let Some((id, part)) = files::asked(path) else {
        return answer(
            StatusCode::NOT_FOUND,
            "text/plain",
            b"no such file".to_vec(),
        );
    };
    match app.state::<Shell>().file(id, part).await {
        Ok(bytes) => {
            let kind = files::media_type(&bytes);
            answer(StatusCode::OK, kind, bytes)
        }
        Err(e) => {
            let status = match e.kind {
                suda_ipc::ErrorKind::NotFound => StatusCode::NOT_FOUND,
                suda_ipc::ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
                _ => StatusCode::BAD_GATEWAY,
            };
            answer(status, "text/plain", e.message.into_bytes())
        }
    }
}

/// Runs the desktop app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    #[cfg(target_os = "linux")]
    drawing::apply();
    let builder = tauri::Builder::default()
        // A second launch focuses the first instead of opening another.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main(app);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        // Asked from Rust only (the shell's `Dialogs`): the web view is
        // granted none of their commands.
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .invoke_handler(handlers())
        // Attachments for <img>: answered by the shell from its cache.
        .register_asynchronous_uri_scheme_protocol(files::SCHEME, |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            tauri::async_runtime::spawn(async move {
                responder.respond(file_response(&app, request.uri().path()).await);
            });
        });
    #[cfg(target_os = "macos")]
    let builder = builder.on_web_content_process_terminate(recovery::on_mac_termination);
    let result = builder
        .setup(|app| {
            let handle = app.handle().clone();
            let shell = Shell::new(parts(&handle)?);
            let dnd = shell.settings().do_not_disturb;
            app.manage(shell);
            #[cfg(desktop)]
            tray::install(&handle, &tray::model(&[], true, dnd), on_tray)?;
            let shell = handle.state::<Shell>();
            shell.begin_restore();
            // The shell owns the task (it is aborted if the shell goes first).
            let restoring = tauri::async_runtime::handle().inner().spawn({
                let handle = handle.clone();
                async move { handle.state::<Shell>().restore().await }
            });
            shell.own_task(restoring);
            if let Some(window) = handle.get_webview_window("main") {
                recovery::watch(&window, handle.clone())?;
            }
            Ok(())
        })
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::CloseRequested { api, .. } => {
                let app = window.app_handle();
                if app.state::<Shell>().settings().close_to_tray {
                    api.prevent_close();
                    let _ = window.hide();
                    window_changed(app, |w| w.visible = false);
                }
            }
            tauri::WindowEvent::Focused(focused) => {
                let focused = *focused;
                window_changed(window.app_handle(), move |w| {
                    w.focused = focused;
                    if focused {
                        w.visible = true;
                    }
                });
            }
            _ => {}
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        if handing_over_failed(&e) && std::env::var_os(RELAUNCHED).is_none() {
            // The running Suda went away while this one handed over to it
            // (it was quitting): start afresh once it is gone, as the
            // member asked. Once only.
            tracing::warn!(error = %e, "the running instance went away; starting again");
            std::thread::sleep(std::time::Duration::from_millis(500));
            let args: Vec<_> = std::env::args_os().skip(1).collect();
            let relaunched = std::env::current_exe().and_then(|exe| {
                std::process::Command::new(exe)
                    .args(args)
                    .env(RELAUNCHED, "1")
                    .spawn()
            });
            if relaunched.is_ok() {
                std::process::exit(0);
            }
        }
        eprintln!("Suda could not start: {e}");
        std::process::exit(1);
    }
}

/// Set on a start that follows a failed handover, so it is tried once.
const RELAUNCHED: &str = "SUDA_RELAUNCHED";

/// Whether starting failed because the running instance this one handed
/// over to did not take it (single-instance could not forward).
fn handing_over_failed(e: &tauri::Error) -> bool {
    matches!(e, tauri::Error::PluginInitialization(plugin, _) if plugin == "single-instance")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_failed_handover_starts_again() {
        let handover = tauri::Error::PluginInitialization(
            "single-instance".into(),
            "failed to forward arguments to the running instance: NoReply".into(),
        );
        assert!(handing_over_failed(&handover));
        let other = tauri::Error::PluginInitialization("notification".into(), "no".into());
        assert!(!handing_over_failed(&other));
    }
}
