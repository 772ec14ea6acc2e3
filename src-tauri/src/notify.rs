//! Raising desktop notifications, and bringing the window up on a click.
//!
//! Whether a message deserves a notification, and what it says, is the
//! client's policy (`suda_client`); this module only raises what it is
//! given, through one small trait so the shell's tests can record what was
//! raised. `tauri-plugin-notification` has no click callback on desktop, so
//! on Linux notifications go through `notify-rust` with a default action
//! whose invocation reports the channel back; elsewhere the plugin raises
//! them and the OS's activation brings the app forward.
//!
//! A message deleted after it notified takes its notification back: on
//! Linux the notification is closed on the notification server. The
//! notification plugin has no way to remove a desktop notification on
//! Windows and macOS, so there it stays until the member dismisses it.

use std::sync::{Arc, Mutex};

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// The channel to open when it is clicked.
    pub channel_id: String,
    /// The message that raised it (to withdraw it if that is deleted).
    pub message_id: String,
    pub title: String,
    pub body: String,
}

/// Where notifications go.
pub trait Notifier: Send + Sync + 'static {
    /// Shows the notification; an error says why it could not be shown.
    fn show(&self, toast: &Toast) -> Result<(), String>;

    /// Takes back the notification `message_id` raised, if it is still
    /// shown (its message was deleted).
    fn withdraw(&self, message_id: &str);
}

/// How many notifications are remembered to be withdrawn: a deletion
/// arrives within moments of its message, and a notification server keeps
/// few on screen.
#[cfg(target_os = "linux")]
const WITHDRAWABLE: usize = 64;

/// Called with the channel id when a notification is clicked.
pub type OnClick = Arc<dyn Fn(String) + Send + Sync>;

/// Linux: freedesktop notifications with a default action.
#[cfg(target_os = "linux")]
pub struct DesktopNotifier {
    on_click: OnClick,
    /// The latest notifications, oldest first, by the message that raised them.
    shown: Mutex<std::collections::VecDeque<(String, notify_rust::NotificationHandle)>>,
}

#[cfg(target_os = "linux")]
impl DesktopNotifier {
    /// Notifications whose clicks call `on_click`.
    pub fn new(on_click: OnClick) -> Self {
        DesktopNotifier {
            on_click,
            shown: Mutex::default(),
        }
    }
}

#[cfg(target_os = "linux")]
impl Notifier for DesktopNotifier {
    fn show(&self, toast: &Toast) -> Result<(), String> {
        let handle = notify_rust::Notification::new()
            .appname("Suda")
            .summary(&toast.title)
            .body(&escape_markup(&toast.body))
            .icon("app.suda.desktop")
            .action("default", "Open")
            .hint(notify_rust::Hint::Category("im.received".into()))
            .show()
            .map_err(|e| format!("the notification could not be shown: {e}"))?;
        let on_click = Arc::clone(&self.on_click);
        let channel = toast.channel_id.clone();
        let id = handle.id();
        // Waiting for the action blocks until the notification is clicked
        // or closed (the server's timeout, or a withdrawal), so it gets its
        // own thread; the handle stays here, to close it.
        std::thread::spawn(move || {
            let _ = notify_rust::handle_action(id, |action| {
                if matches!(action, notify_rust::ActionResponse::Custom("default")) {
                    on_click(channel);
                }
            });
        });
        let mut shown = self.shown.lock().expect("notifications");
        if shown.len() == WITHDRAWABLE {
            shown.pop_front();
        }
        shown.push_back((toast.message_id.clone(), handle));
        Ok(())
    }

    fn withdraw(&self, message_id: &str) {
        let handle = {
            let mut shown = self.shown.lock().expect("notifications");
            let at = shown.iter().position(|(m, _)| m == message_id);
            at.and_then(|i| shown.remove(i))
        };
        // Closing one the member already dismissed is harmless.
        if let Some((_, handle)) = handle {
            handle.close();
        }
    }
}

/// Freedesktop notification servers read the body as a small markup
/// language: message text must reach the member as the text it is.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
    out
}

/// Windows and macOS: the notification plugin, whose desktop `on_action`
/// reports a click on the notification (`tap`) as the platform tells it
/// (Windows: while the toast is on screen; macOS: from Notification Center).
/// Each notification carries its channel id, and a click opens that channel.
#[cfg(not(target_os = "linux"))]
pub struct DesktopNotifier<R: tauri::Runtime> {
    app: tauri::AppHandle<R>,
}

/// The notification's extra field naming its channel.
#[cfg(not(target_os = "linux"))]
const CHANNEL_KEY: &str = "sudaChannelId";

#[cfg(not(target_os = "linux"))]
impl<R: tauri::Runtime> DesktopNotifier<R> {
    /// Notifications raised through the plugin; a click runs `on_click` with
    /// the channel id (on a background thread).
    pub fn new(app: tauri::AppHandle<R>, on_click: OnClick) -> Self {
        use tauri_plugin_notification::NotificationExt;
        let registered = app.notification().on_action(move |performed| {
            if performed.action_id() != "tap" {
                return;
            }
            let channel = performed
                .notification()
                .and_then(|n| n.extra().get(CHANNEL_KEY))
                .and_then(|v| v.as_str());
            if let Some(channel) = channel {
                on_click(channel.to_owned());
            }
        });
        if let Err(e) = registered {
            tracing::warn!(error = %e, "clicks on notifications will not open their channel");
        }
        DesktopNotifier { app }
    }
}

#[cfg(not(target_os = "linux"))]
impl<R: tauri::Runtime> Notifier for DesktopNotifier<R> {
    fn show(&self, toast: &Toast) -> Result<(), String> {
        use tauri_plugin_notification::NotificationExt;
        self.app
            .notification()
            .builder()
            .title(&toast.title)
            .body(&toast.body)
            .extra(CHANNEL_KEY, &toast.channel_id)
            .show()
            .map_err(|e| format!("the notification could not be shown: {e}"))
    }

    /// The plugin removes only mobile notifications: this one stays.
    fn withdraw(&self, _message_id: &str) {}
}

/// A notifier that records instead of showing: for tests.
#[derive(Default, Clone)]
pub struct Recording {
    shown: Arc<Mutex<Vec<Toast>>>,
    withdrawn: Arc<Mutex<Vec<String>>>,
}

impl Recording {
    /// Everything shown so far.
    pub fn shown(&self) -> Vec<Toast> {
        self.shown.lock().expect("recording lock").clone()
    }

    /// The messages whose notifications were withdrawn, in order.
    pub fn withdrawn(&self) -> Vec<String> {
        self.withdrawn.lock().expect("recording lock").clone()
    }
}

impl Notifier for Recording {
    fn show(&self, toast: &Toast) -> Result<(), String> {
        self.shown
            .lock()
            .expect("recording lock")
            .push(toast.clone());
        Ok(())
    }

    fn withdraw(&self, message_id: &str) {
        self.withdrawn
            .lock()
            .expect("recording lock")
            .push(message_id.to_owned());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn message_text_is_escaped_for_notification_markup() {
        assert_eq!(
            super::escape_markup("1 < 2 && <b>bold</b>"),
            "1 &lt; 2 &amp;&amp; &lt;b&gt;bold&lt;/b&gt;"
        );
        assert_eq!(super::escape_markup("plain 한글"), "plain 한글");
    }
}
