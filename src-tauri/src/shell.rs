//! The shell's state: the member's one client session, the app's settings
//! and kept session, what the window is doing, and the relay that turns
//! client events into UI events, notifications and tray updates.
//!
//! Nothing here speaks a protocol: every read and write is a call into
//! `suda_client::Session`; this module only adapts it to the desktop (where
//! things are stored, what the window is doing, what the tray shows).
//! It is written against small function handles rather than a Tauri
//! `AppHandle`, so the same code runs under Tauri's mock runtime in tests.
//!
//! - `lifecycle`: signing in and out, restoring the kept session at start.
//! - `relay`: the one task per session that carries client events out.
//! - `window`: focus and visibility, which decide what counts as read.
//! - `files`: files attached (chosen, pasted, dropped), saved and opened.

mod files;
mod lifecycle;
mod relay;
mod window;

use std::{
    collections::HashSet,
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, AtomicU32, Ordering},
        Arc, Mutex,
    },
};

use suda_client::{credentials::CredentialMode, Session};
use suda_ipc::{AppError, AppEvent, ChannelView, ErrorKind, SessionView, Settings};
use suda_protocol::{ChannelId, MemberRef};
use tokio::task::JoinHandle;

pub use self::{
    files::{openable, safe_name},
    window::WindowState,
};
use crate::{
    dialogs::Dialogs,
    drafts::DraftStore,
    kept::KeptSession,
    notify::Notifier,
    settings::SettingsStore,
    tray::{self, TrayModel},
    view,
};

/// How many recent emoji the picker offers.
const RECENT_EMOJI: usize = 24;

/// Sends an event to the webview.
pub type Emit = Arc<dyn Fn(AppEvent) + Send + Sync>;
/// Shows a tray model.
pub type ShowTray = Arc<dyn Fn(&TrayModel) + Send + Sync>;

/// Where the shell keeps things, and how it reaches the outside.
pub struct ShellParts {
    /// The app's data directory (the outbox, a kept session without keychain).
    pub data_dir: PathBuf,
    /// The app's config directory (settings).
    pub config_dir: PathBuf,
    /// Whether the kept session may go to the OS keychain.
    pub credentials: CredentialMode,
    pub notifier: Arc<dyn Notifier>,
    pub emit: Emit,
    pub show_tray: ShowTray,
    /// Turns start-at-login on or off in the OS.
    pub autostart: Arc<dyn Fn(bool) -> Result<(), String> + Send + Sync>,
    /// The system's file dialogs, and its "open with".
    pub dialogs: Arc<dyn Dialogs>,
}

/// The signed-in member's session and the relay task that serves it.
struct Active {
    session: Arc<Session>,
    server_url: String,
    me: MemberRef,
    /// Aborted and awaited when the session ends (`lifecycle::stop`).
    relay: JoinHandle<()>,
}

/// What the shell and its relay task share.
struct Shared {
    settings: SettingsStore,
    window: Mutex<WindowState>,
    /// The last channel list, for the tray.
    channels: Mutex<Vec<ChannelView>>,
    show_tray: ShowTray,
    /// The tray model last drawn: an unchanged one is not drawn again.
    tray_shown: Mutex<Option<TrayModel>>,
    /// While a relay runs (`relaying`), tray redraws go through it, which
    /// holds back a burst; it is woken here.
    tray_wake: tokio::sync::Notify,
    relaying: AtomicBool,
    /// The channels whose conversation the UI has loaded (asked for their
    /// history). Only their messages are sent to the web view; for the
    /// others the channel list (counts, order) is all the UI shows, so
    /// their message bodies would be a script run there for nothing.
    loaded: Mutex<HashSet<ChannelId>>,
}

impl Shared {
    /// What the tray should show now.
    fn tray_model(&self) -> TrayModel {
        let channels = self.channels.lock().expect("channels").clone();
        let visible = self.window.lock().expect("window").visible;
        tray::model(&channels, visible, self.settings.get().do_not_disturb)
    }

    /// Draws `model`, unless it is what the tray shows already.
    fn draw_tray(&self, model: TrayModel) {
        let mut shown = self.tray_shown.lock().expect("tray");
        if shown.as_ref() == Some(&model) {
            return;
        }
        *shown = Some(model.clone());
        drop(shown);
        (self.show_tray)(&model);
    }

    /// The tray's state changed: the relay redraws it (at most every
    /// `relay::TRAY_EVERY`), or, with no session and so no burst to hold
    /// back, it is drawn now.
    fn refresh_tray(&self) {
        if self.relaying.load(Ordering::Acquire) {
            self.tray_wake.notify_one();
        } else {
            self.draw_tray(self.tray_model());
        }
    }

    /// Whether the UI holds this channel's conversation, or the message is
    /// the member's own (the UI settles its outbox with it).
    fn wants(&self, channel: ChannelId, own: bool) -> bool {
        own || self.loaded.lock().expect("loaded").contains(&channel)
    }

    /// The UI dropped every conversation it held (it started, or resynced).
    fn forget_loaded(&self) {
        self.loaded.lock().expect("loaded").clear();
    }

    /// The client's channels as the UI sees them (muted from settings),
    /// remembered for the tray. The caller redraws the tray.
    fn channels(&self, list: &[suda_client::Channel]) -> Vec<ChannelView> {
        let channels = view::channels(list, &self.settings.get().muted_channels);
        *self.channels.lock().expect("channels") = channels.clone();
        channels
    }
}

/// The desktop shell's state, managed by Tauri.
pub struct Shell {
    parts: ShellParts,
    shared: Arc<Shared>,
    kept: KeptSession,
    active: Mutex<Option<Active>>,
    /// Held by whatever starts or ends a session (sign-in, sign-out, the
    /// restore at start), so they happen one after the other.
    lifecycle: tokio::sync::Mutex<()>,
    notices: Mutex<Vec<String>>,
    reconnects: Arc<AtomicU32>,
    /// How often the web view's process ended and the window was reloaded.
    web_view_restarts: AtomicU32,
    /// True while the kept session is being restored: the UI's snapshot
    /// waits for it, so a member who is signed in never sees the sign-in
    /// screen flash by at start.
    restoring: tokio::sync::watch::Sender<bool>,
    /// Tasks the app started for the shell (the restore at start); aborted
    /// when the shell goes.
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// What the member was typing, per conversation.
    drafts: DraftStore,
    /// Files chosen, uploading and uploaded, of the session.
    files: files::Files,
}

/// Results of the shell's commands.
pub type ShellResult<T> = Result<T, AppError>;

impl Shell {
    /// A shell with settings loaded (a corrupt file is set aside with a notice).
    pub fn new(parts: ShellParts) -> Shell {
        let (settings, notice) = SettingsStore::load(&parts.config_dir);
        let kept = KeptSession::new(&parts.data_dir, parts.credentials);
        let drafts = DraftStore::load(&parts.data_dir);
        let shared = Arc::new(Shared {
            settings,
            window: Mutex::new(WindowState {
                visible: true,
                focused: true,
            }),
            channels: Mutex::new(Vec::new()),
            show_tray: Arc::clone(&parts.show_tray),
            tray_shown: Mutex::default(),
            tray_wake: tokio::sync::Notify::new(),
            relaying: AtomicBool::new(false),
            loaded: Mutex::default(),
        });
        Shell {
            parts,
            shared,
            kept,
            active: Mutex::new(None),
            lifecycle: tokio::sync::Mutex::new(()),
            notices: Mutex::new(notice.into_iter().collect()),
            reconnects: Arc::new(AtomicU32::new(0)),
            web_view_restarts: AtomicU32::new(0),
            restoring: tokio::sync::watch::Sender::new(false),
            tasks: Mutex::default(),
            drafts,
            files: files::Files::default(),
        }
    }

    /// Whose drafts: the member on their server (ids are per server).
    fn drafts_key(&self) -> Option<String> {
        let active = self.active.lock().expect("active");
        active
            .as_ref()
            .map(|a| format!("{} {}", a.server_url, a.me.id))
    }

    /// Keeps the member's draft of a conversation (blank forgets it).
    pub fn set_draft(&self, channel: &str, text: &str) -> ShellResult<()> {
        let key = self.drafts_key().ok_or_else(|| {
            view::app_error(ErrorKind::Unauthenticated, "Sign in first.".to_owned())
        })?;
        self.drafts
            .set(&key, channel, text, crate::drafts::now_millis())
            .map_err(|e| {
                view::app_error(
                    ErrorKind::Storage,
                    format!("Your draft could not be kept on this computer: {e}"),
                )
            })
    }

    /// Keeps a task the app started for the shell, so it is aborted when
    /// the shell goes rather than left running on its own.
    pub fn own_task(&self, task: JoinHandle<()>) {
        let mut tasks = self.tasks.lock().expect("tasks");
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    /// The web view's process ended (`why`: it crashed, outgrew WebKit's
    /// memory limit, was ended) and the window is being reloaded: counted,
    /// logged, and told to the member by the reloaded UI, which starts again
    /// from the snapshot (session, channels and unread counts, outbox, the
    /// open conversation) the shell still holds. Returns the count so far.
    pub fn web_view_ended(&self, why: &str) -> u32 {
        let restarts = self.web_view_restarts.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::warn!(
            why,
            restarts,
            "the web view's process ended; reloading the window"
        );
        self.notice(format!(
            "The window stopped ({why}) and was reloaded; nothing you sent or received was lost."
        ));
        restarts
    }

    /// How often the web view's process ended since the app started.
    pub fn web_view_restarts(&self) -> u32 {
        self.web_view_restarts.load(Ordering::Relaxed)
    }

    fn notice(&self, message: String) {
        tracing::info!(%message, "notice");
        self.notices.lock().expect("notices").push(message.clone());
        (self.parts.emit)(AppEvent::Notice { message });
    }

    /// The settings now.
    pub fn settings(&self) -> Settings {
        self.shared.settings.get()
    }

    /// Redraws the tray.
    pub fn refresh_tray(&self) {
        self.shared.refresh_tray();
    }

    /// An attachment's bytes (or thumbnail) for the web view, from the
    /// member's cache or fetched into it ([`crate::files`]).
    pub async fn file(
        &self,
        id: suda_protocol::AttachmentId,
        part: suda_client::attachments::Part,
    ) -> ShellResult<Vec<u8>> {
        let session = self.active()?;
        let cache = self
            .file_cache()
            .ok_or_else(|| view::app_error(ErrorKind::Unauthenticated, "Sign in first."))?;
        cache
            .get(&session, id, part)
            .await
            .map_err(|e| view::error(&e))
    }

    /// The active session, or `Unauthenticated`.
    pub fn active(&self) -> ShellResult<Arc<Session>> {
        self.active
            .lock()
            .expect("active")
            .as_ref()
            .map(|a| Arc::clone(&a.session))
            .ok_or_else(|| view::app_error(ErrorKind::Unauthenticated, "Sign in first."))
    }

    /// The UI is loading a channel's conversation: from now on its messages
    /// are sent to the web view. Called before the history is fetched, so a
    /// message is either in that page or sent after it (the UI merges both).
    pub fn conversation_loaded(&self, channel: ChannelId) {
        self.shared.loaded.lock().expect("loaded").insert(channel);
    }

    /// The UI no longer holds the channel's conversation (it left).
    pub fn conversation_dropped(&self, channel: ChannelId) {
        self.shared.loaded.lock().expect("loaded").remove(&channel);
    }

    /// The member's channels as the UI shows them (muted from settings).
    pub fn channel_views(&self, list: &[suda_client::Channel]) -> Vec<ChannelView> {
        view::channels(list, &self.settings().muted_channels)
    }

    /// Everything the UI starts from.
    pub async fn snapshot(&self) -> suda_ipc::Snapshot {
        // A UI asking for a snapshot has just started: it holds no conversation.
        self.shared.forget_loaded();
        let mut restoring = self.restoring.subscribe();
        // Bounded twice over (the check itself is), in case restore never ran.
        let _ =
            tokio::time::timeout(lifecycle::RESTORE_CHECK * 2, restoring.wait_for(|r| !r)).await;
        let settings = self.shared.settings.get();
        let notice = {
            let mut notices = self.notices.lock().expect("notices");
            (!notices.is_empty()).then(|| notices.drain(..).collect::<Vec<_>>().join("\n"))
        };
        let active = self.active.lock().expect("active");
        let snapshot = match active.as_ref() {
            None => suda_ipc::Snapshot {
                session: None,
                channels: Vec::new(),
                connection: suda_ipc::ConnectionView::SignedOut,
                outbox: Vec::new(),
                settings,
                notice,
                open_channel: None,
                drafts: Vec::new(),
            },
            Some(a) => {
                let snap = a.session.snapshot();
                suda_ipc::Snapshot {
                    session: Some(SessionView {
                        member: view::member(&a.me),
                        server_url: a.server_url.clone(),
                    }),
                    channels: self.shared.channels(&snap.channels),
                    connection: view::connection(
                        &snap.connection,
                        self.reconnects.load(Ordering::Relaxed),
                    ),
                    outbox: snap.outbox.iter().map(view::outbox).collect(),
                    settings,
                    notice,
                    open_channel: snap.in_view.map(|c| c.to_string()),
                    drafts: self
                        .drafts
                        .of(&format!("{} {}", a.server_url, a.me.id))
                        .into_iter()
                        .map(|(channel_id, text)| suda_ipc::DraftView { channel_id, text })
                        .collect(),
                }
            }
        };
        drop(active);
        self.refresh_tray();
        snapshot
    }

    /// Changes the settings: saved, applied to notifications, the tray and
    /// start-at-login, and told to the UI.
    pub fn set_settings(&self, next: Settings) -> ShellResult<Settings> {
        let before = self.shared.settings.get();
        // The server URL is remembered by signing in, not by the settings
        // form: a form opened before a sign-in must not forget it.
        // Nor do recent emoji come from the form: reacting keeps them.
        let next = Settings {
            last_server_url: before.last_server_url.clone(),
            recent_emoji: before.recent_emoji.clone(),
            ..next
        };
        if before.start_at_login != next.start_at_login {
            (self.parts.autostart)(next.start_at_login).map_err(|e| {
                view::app_error(
                    ErrorKind::Storage,
                    format!("Start at login could not be changed: {e}"),
                )
            })?;
        }
        let saved = self
            .shared
            .settings
            .set(next)
            .map_err(|e| view::app_error(ErrorKind::Storage, e.to_string()))?;
        if let Ok(session) = self.active() {
            session.set_notify_settings(lifecycle::notify_settings(&saved));
            let channels = self.shared.channels(&session.snapshot().channels);
            (self.parts.emit)(AppEvent::Channels { channels });
        }
        self.refresh_tray();
        (self.parts.emit)(AppEvent::Settings {
            settings: saved.clone(),
        });
        Ok(saved)
    }

    /// Puts `emoji` first among the recent ones the picker offers (kept with
    /// the settings, so they survive a restart).
    pub fn used_emoji(&self, emoji: &str) {
        let mut next = self.shared.settings.get();
        next.recent_emoji.retain(|e| e != emoji);
        next.recent_emoji.insert(0, emoji.to_owned());
        next.recent_emoji.truncate(RECENT_EMOJI);
        match self.shared.settings.set(next) {
            Ok(saved) => (self.parts.emit)(AppEvent::Settings { settings: saved }),
            Err(e) => tracing::warn!(error = %e, "recent emoji not kept"),
        }
    }

    /// Tells the UI to open a channel (a notification or the tray was clicked).
    pub fn open_channel(&self, channel_id: String) {
        (self.parts.emit)(AppEvent::OpenChannel { channel_id });
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        for task in self.tasks.lock().expect("tasks").drain(..) {
            task.abort();
        }
        if let Some(active) = self.active.lock().expect("active").take() {
            active.relay.abort();
        }
    }
}
