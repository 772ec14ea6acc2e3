//! A dead web process must not leave a dead app. Every platform's web view
//! runs the page in a process of its own; when that process ends (a crash,
//! the engine's memory limit, a kill), the window goes blank while the
//! shell, the tray and the subscription carry on. The shell hears it from
//! the web view, counts and logs it, and reloads the page: a new web process
//! starts the UI, which asks the shell for its snapshot and is back where it
//! was.
//!
//! - Linux: WebKitGTK's `web-process-terminated`, with its reason.
//! - Windows: WebView2's `ProcessFailed`. A dead renderer is reloaded; a
//!   dead browser process takes every web view of the app with it, so the
//!   app restarts (its state is on disk and on the server).
//! - macOS: WKWebView's content-process termination, which Tauri hands to
//!   [`on_mac_termination`].

use tauri::{AppHandle, Manager, Runtime, WebviewWindow};

use crate::shell::Shell;

/// Counts and logs that the web view's process ended (`why`).
fn ended<R: Runtime>(app: &AppHandle<R>, why: &str) {
    app.state::<Shell>().web_view_ended(why);
}

/// Reloads `window`'s page whenever its web process ends.
#[cfg(target_os = "linux")]
pub fn watch(window: &WebviewWindow, app: AppHandle) -> tauri::Result<()> {
    window.with_webview(move |webview| {
        use webkit2gtk::{WebProcessTerminationReason as Why, WebViewExt};

        webview
            .inner()
            .connect_web_process_terminated(move |view, why| {
                let why = match why {
                    Why::Crashed => "its web process crashed",
                    Why::ExceededMemoryLimit => {
                        "its web process used more memory than WebKit allows"
                    }
                    Why::TerminatedByApi => "its web process was ended",
                    _ => "its web process ended",
                };
                ended(&app, why);
                view.reload();
            });
    })
}

/// Reloads `window`'s page whenever its renderer process fails, and
/// restarts the app when WebView2's browser process is gone.
#[cfg(windows)]
#[allow(unsafe_code)]
pub fn watch(window: &WebviewWindow, app: AppHandle) -> tauri::Result<()> {
    window.with_webview(move |webview| {
        use webview2_com::Microsoft::Web::WebView2::Win32::{
            COREWEBVIEW2_PROCESS_FAILED_KIND,
            COREWEBVIEW2_PROCESS_FAILED_KIND_BROWSER_PROCESS_EXITED,
            COREWEBVIEW2_PROCESS_FAILED_KIND_RENDER_PROCESS_EXITED,
            COREWEBVIEW2_PROCESS_FAILED_KIND_RENDER_PROCESS_UNRESPONSIVE,
        };
        use webview2_com::ProcessFailedEventHandler;

        let handler = ProcessFailedEventHandler::create(Box::new(move |view, args| {
            let mut kind = COREWEBVIEW2_PROCESS_FAILED_KIND::default();
            if let Some(args) = args {
                // SAFETY: a COM call on the event's own arguments, on the
                // thread WebView2 raised the event on.
                unsafe { args.ProcessFailedKind(&mut kind)? };
            }
            match kind {
                COREWEBVIEW2_PROCESS_FAILED_KIND_RENDER_PROCESS_EXITED
                | COREWEBVIEW2_PROCESS_FAILED_KIND_RENDER_PROCESS_UNRESPONSIVE => {
                    let why = if kind == COREWEBVIEW2_PROCESS_FAILED_KIND_RENDER_PROCESS_EXITED {
                        "its web process ended"
                    } else {
                        "its web process stopped responding"
                    };
                    ended(&app, why);
                    if let Some(view) = view {
                        // SAFETY: as above, on the web view that raised it.
                        unsafe { view.Reload()? };
                    }
                }
                COREWEBVIEW2_PROCESS_FAILED_KIND_BROWSER_PROCESS_EXITED => {
                    ended(&app, "its browser process ended");
                    app.request_restart();
                }
                // GPU, utility and frame processes: WebView2 starts them
                // again by itself and the page carries on.
                _ => {}
            }
            Ok(())
        }));
        let mut token = 0i64;
        // SAFETY: registering an event handler on the window's own web view,
        // on the main thread `with_webview` runs this on.
        let added = unsafe {
            webview
                .controller()
                .CoreWebView2()
                .and_then(|view| view.add_ProcessFailed(&handler, &mut token))
        };
        if let Err(e) = added {
            tracing::warn!(error = %e, "a failed web process will not be noticed");
        }
    })
}

/// macOS: the shell hears of the window's web view here and reloads it.
#[cfg(not(any(target_os = "linux", windows)))]
pub fn watch(_window: &WebviewWindow, _app: AppHandle) -> tauri::Result<()> {
    Ok(())
}

/// What Tauri calls on macOS when a web view's content process ended
/// (`tauri::Builder::on_web_content_process_terminate`; taking it over
/// replaces Tauri's own reload, so this reloads too).
#[cfg(target_os = "macos")]
pub fn on_mac_termination<R: Runtime>(webview: &tauri::Webview<R>) {
    ended(webview.app_handle(), "its web process ended");
    if let Err(e) = webview.reload() {
        tracing::warn!(error = %e, "the window could not be reloaded");
    }
}
