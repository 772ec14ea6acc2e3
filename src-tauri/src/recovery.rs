//! A dead web process must not leave a dead app. WebKitGTK runs the page in
//! a process of its own; when that process ends (a crash, WebKit's memory
//! limit, a kill), the window goes blank while the shell, the tray and the
//! subscription carry on. The shell hears it from WebKit, counts and logs
//! it, and reloads the page: a new web process starts the UI, which asks
//! the shell for its snapshot and is back where it was.

use tauri::{AppHandle, WebviewWindow};

/// Reloads `window`'s page whenever its web process ends.
#[cfg(target_os = "linux")]
pub fn watch(window: &WebviewWindow, app: AppHandle) -> tauri::Result<()> {
    window.with_webview(move |webview| {
        use tauri::Manager;
        use webkit2gtk::{WebProcessTerminationReason as Why, WebViewExt};

        use crate::shell::Shell;
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
                app.state::<Shell>().web_view_ended(why);
                view.reload();
            });
    })
}

/// Elsewhere the platform's web view reports a dead process differently
/// (WebView2's ProcessFailed, WKWebView's content-process termination); not
/// handled there yet.
#[cfg(not(target_os = "linux"))]
pub fn watch(_window: &WebviewWindow, _app: AppHandle) -> tauri::Result<()> {
    Ok(())
}
