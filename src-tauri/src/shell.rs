//! The shell's state: the member's one client session, the app's settings
//! and kept session, and the relay that turns client events into UI events,
//! notifications and tray updates.
//!
//! Nothing here speaks a protocol: every read and write is a call into
//! `suda_client::Session`; this module only adapts it to the desktop (where
//! things are stored, what the window is doing, what the tray shows).
//! It is written against small function handles rather than a Tauri
//! `AppHandle`, so the same code runs under Tauri's mock runtime in tests.

use std::{
    collections::HashSet,
    path::PathBuf,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use suda_client::{ClientError, ClientEvent, ConnectionState, Session, SessionOptions};
use suda_ipc::{AppError, AppEvent, ErrorKind, SessionView, Settings};
use suda_protocol::{ChannelId, MemberRef};
use tokio::{sync::broadcast::error::RecvError, task::JoinHandle};

use crate::{
    keychain::{StoredSession, TokenStore},
    notify::{Notifier, Toast},
    settings::SettingsStore,
    tray::{self, TrayModel},
    view,
};

/// Sends an event to the webview.
pub type Emit = Arc<dyn Fn(AppEvent) + Send + Sync>;
/// Shows a tray model.
pub type ShowTray = Arc<dyn Fn(&TrayModel) + Send + Sync>;

/// What the window is doing, as the OS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowState {
    pub visible: bool,
    pub focused: bool,
}

/// Where the shell keeps things, and how it reaches the outside.
pub struct ShellParts {
    /// The app's data directory (the outbox, a kept session without keychain).
    pub data_dir: PathBuf,
    /// The app's config directory (settings).
    pub config_dir: PathBuf,
    pub notifier: Arc<dyn Notifier>,
    pub emit: Emit,
    pub show_tray: ShowTray,
    /// Turns start-at-login on or off in the OS.
    pub autostart: Arc<dyn Fn(bool) -> Result<(), String> + Send + Sync>,
}

struct Active {
    session: Arc<Session>,
    server_url: String,
    me: MemberRef,
    relay: JoinHandle<()>,
}

/// What the shell and its relay task share.
struct Shared {
    settings: SettingsStore,
    window: Mutex<WindowState>,
    /// The last channel list, for the tray.
    channels: Mutex<Vec<suda_ipc::ChannelView>>,
    show_tray: ShowTray,
    tray: Mutex<TrayRedraws>,
    /// The channels whose conversation the UI has loaded (asked for their
    /// history). Only their messages are sent to the web view; for the
    /// others the channel list (counts, order) is all the UI shows, so
    /// their message bodies would be a script run there for nothing.
    loaded: Mutex<HashSet<ChannelId>>,
}

/// The tray is redrawn at most this often. A burst of messages changes the
/// unread counts hundreds of times a second, and every redraw writes an
/// icon file and rebuilds the menu; the last state is always drawn.
const TRAY_EVERY: Duration = Duration::from_millis(250);

#[derive(Default)]
struct TrayRedraws {
    shown: Option<TrayModel>,
    at: Option<Instant>,
    scheduled: bool,
}

impl Shared {
    /// Redraws the tray from the last channel list and the current state:
    /// now if it changed and the last redraw was long enough ago, else once
    /// the interval is over (with whatever the state is then).
    fn refresh_tray(self: &Arc<Self>) {
        let channels = self.channels.lock().expect("channels").clone();
        let visible = self.window.lock().expect("window").visible;
        let dnd = self.settings.get().do_not_disturb;
        let model = tray::model(&channels, visible, dnd);
        let mut redraws = self.tray.lock().expect("tray");
        if redraws.scheduled || redraws.shown.as_ref() == Some(&model) {
            return;
        }
        let wait = redraws
            .at
            .map_or(Duration::ZERO, |at| TRAY_EVERY.saturating_sub(at.elapsed()));
        if wait.is_zero() {
            redraws.shown = Some(model.clone());
            redraws.at = Some(Instant::now());
            drop(redraws);
            (self.show_tray)(&model);
            return;
        }
        redraws.scheduled = true;
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            shared.tray.lock().expect("tray").scheduled = false;
            shared.refresh_tray();
        });
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
    /// remembered for the tray, which is redrawn.
    fn channels(self: &Arc<Self>, list: &[suda_client::Channel]) -> Vec<suda_ipc::ChannelView> {
        let channels = view::channels(list, &self.settings.get().muted_channels);
        *self.channels.lock().expect("channels") = channels.clone();
        self.refresh_tray();
        channels
    }
}

/// The desktop shell's state, managed by Tauri.
pub struct Shell {
    parts: ShellParts,
    shared: Arc<Shared>,
    tokens: TokenStore,
    active: tokio::sync::Mutex<Option<Active>>,
    notices: Mutex<Vec<String>>,
    reconnects: Arc<AtomicU32>,
    /// True while the kept session is being restored: the UI's snapshot
    /// waits for it, so a member who is signed in never sees the sign-in
    /// screen flash by at start.
    restoring: tokio::sync::watch::Sender<bool>,
}

/// How long a start waits for the server to confirm a kept session before
/// carrying on as the kept member (the subscription then keeps trying).
const RESTORE_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

fn app_error(kind: ErrorKind, message: impl Into<String>) -> AppError {
    view::app_error(kind, message)
}

/// Results of the shell's commands.
pub type ShellResult<T> = Result<T, AppError>;

fn err(e: ClientError) -> AppError {
    view::error(&e)
}

impl Shell {
    /// A shell with settings loaded (a corrupt file is set aside with a notice).
    pub fn new(parts: ShellParts) -> Shell {
        let (settings, notice) = SettingsStore::load(&parts.config_dir);
        let tokens = TokenStore::new(&parts.data_dir);
        let shared = Arc::new(Shared {
            settings,
            window: Mutex::new(WindowState {
                visible: true,
                focused: true,
            }),
            channels: Mutex::new(Vec::new()),
            show_tray: Arc::clone(&parts.show_tray),
            tray: Mutex::default(),
            loaded: Mutex::default(),
        });
        Shell {
            parts,
            shared,
            tokens,
            active: tokio::sync::Mutex::new(None),
            notices: Mutex::new(notice.into_iter().collect()),
            reconnects: Arc::new(AtomicU32::new(0)),
            restoring: tokio::sync::watch::Sender::new(false),
        }
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

    fn session_options(&self, server_url: &str, token: Option<String>) -> SessionOptions {
        let mut options = SessionOptions::new(server_url);
        options.token = token;
        options.device = format!(
            "Suda desktop/{} ({})",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS
        );
        options.data_dir = Some(self.parts.data_dir.join("outbox"));
        options.notify = notify_settings(&self.shared.settings.get());
        options
    }

    /// Builds a session; an outbox that cannot be opened falls back to one in
    /// memory, with a notice, rather than keeping the member out.
    fn new_session(&self, server_url: &str, token: Option<String>) -> ShellResult<Session> {
        let options = self.session_options(server_url, token.clone());
        match Session::new(options) {
            Ok(s) => Ok(s),
            Err(ClientError::Storage(e)) => {
                self.notice(format!(
                    "Your outbox in {} could not be opened ({e}). Messages you send now will \
                     not survive a restart of the app.",
                    self.parts.data_dir.join("outbox").display()
                ));
                let mut options = self.session_options(server_url, token);
                options.data_dir = None;
                Session::new(options).map_err(err)
            }
            Err(e) => Err(err(e)),
        }
    }

    /// Signs in (or up) and opens the member's subscription.
    pub async fn sign_in(
        &self,
        args: suda_ipc::SignInArgs,
        sign_up: bool,
    ) -> ShellResult<SessionView> {
        let server_url = server_url(&args.server_url)?;
        if args.member_name.trim().is_empty() || args.password.is_empty() {
            return Err(app_error(
                ErrorKind::BadInput,
                "Enter your member name and password.",
            ));
        }
        self.stop().await;
        let session = self.new_session(&server_url, None)?;
        let me = if sign_up {
            session
                .sign_up(args.member_name.trim(), &args.password)
                .await
        } else {
            session
                .sign_in(args.member_name.trim(), &args.password)
                .await
        }
        .map_err(|e| sign_in_error(e, &server_url))?;
        let token = session.token().unwrap_or_default();
        match self.tokens.save(&StoredSession {
            server_url: server_url.clone(),
            token,
            member: Some(me.clone()),
        }) {
            Ok(Some(notice)) => self.notice(notice),
            Ok(None) => {}
            Err(e) => self.notice(format!("{e}. You will have to sign in again next time.")),
        }
        match self
            .shared
            .settings
            .update(|s| s.last_server_url = Some(server_url.clone()))
        {
            Ok(settings) => (self.parts.emit)(AppEvent::Settings { settings }),
            Err(e) => tracing::warn!(error = %e, "could not remember the server"),
        }
        Ok(self.activate(session, server_url, me).await)
    }

    /// Marks the start as restoring before [`Shell::restore`] runs on
    /// another task, so that a snapshot asked for meanwhile waits for it.
    pub fn begin_restore(&self) {
        self.restoring.send_replace(true);
    }

    /// Restores the kept session at start, if there is one.
    pub async fn restore(&self) {
        self.restoring.send_replace(true);
        self.restore_kept().await;
        self.restoring.send_replace(false);
    }

    async fn restore_kept(&self) {
        let Some(kept) = self.tokens.load() else {
            return;
        };
        let session = match self.new_session(&kept.server_url, Some(kept.token.clone())) {
            Ok(s) => s,
            Err(e) => return self.notice(e.message),
        };
        let resumed = tokio::time::timeout(RESTORE_CHECK, session.resume()).await;
        let me = match resumed {
            Ok(Ok(me)) => me,
            Ok(Err(e)) if e.needs_sign_in() => {
                self.tokens.clear();
                (self.parts.emit)(AppEvent::Connection {
                    connection: suda_ipc::ConnectionView::SignInAgain,
                });
                return;
            }
            // The server is away or slow: carry on as the member we were;
            // the subscription reconnects when it is back.
            Ok(Err(_)) | Err(_) => match kept.member {
                Some(me) => {
                    session.assume(me.clone());
                    me
                }
                None => return,
            },
        };
        self.activate(session, kept.server_url, me).await;
    }

    async fn activate(&self, session: Session, server_url: String, me: MemberRef) -> SessionView {
        let session = Arc::new(session);
        let events = session.events();
        // The client renews the token by itself; the new one is kept here
        // for the next start.
        let keep_token: KeepToken = {
            let (tokens, server_url, me) = (self.tokens.clone(), server_url.clone(), me.clone());
            Arc::new(move |token| {
                let kept = StoredSession {
                    server_url: server_url.clone(),
                    token,
                    member: Some(me.clone()),
                };
                if let Err(e) = tokens.save(&kept) {
                    tracing::warn!(error = %e, "could not keep the renewed session");
                }
            })
        };
        let relay = tokio::spawn(relay(
            events,
            Arc::clone(&session),
            Arc::clone(&self.parts.notifier),
            Arc::clone(&self.parts.emit),
            Arc::clone(&self.reconnects),
            Arc::clone(&self.shared),
            keep_token,
        ));
        {
            let w = *self.shared.window.lock().expect("window");
            session.set_focused(w.visible && w.focused);
        }
        session.start();
        let view = SessionView {
            member: view::member(&me),
            server_url: server_url.clone(),
        };
        *self.active.lock().await = Some(Active {
            session,
            server_url,
            me,
            relay,
        });
        (self.parts.emit)(AppEvent::Session {
            session: Some(view.clone()),
        });
        view
    }

    /// Redraws the tray.
    pub fn refresh_tray(&self) {
        self.shared.refresh_tray();
    }

    async fn stop(&self) {
        if let Some(active) = self.active.lock().await.take() {
            active.session.stop().await;
            active.relay.abort();
        }
    }

    /// The active session, or `Unauthenticated`.
    async fn session(&self) -> ShellResult<Arc<Session>> {
        self.active
            .lock()
            .await
            .as_ref()
            .map(|a| Arc::clone(&a.session))
            .ok_or_else(|| app_error(ErrorKind::Unauthenticated, "Sign in first."))
    }

    /// Signs out: revokes the token, forgets it here, closes the stream.
    pub async fn sign_out(&self) -> ShellResult<()> {
        let active = self.active.lock().await.take();
        self.tokens.clear();
        if let Some(active) = active {
            let result = active.session.sign_out().await;
            active.relay.abort();
            if let Err(e) = result {
                // Forgotten here either way; the server could not be told.
                tracing::warn!(error = %e, "sign-out could not reach the server");
            }
        }
        (self.parts.emit)(AppEvent::Session { session: None });
        (self.parts.emit)(AppEvent::Connection {
            connection: suda_ipc::ConnectionView::SignedOut,
        });
        Ok(())
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

    /// Everything the UI starts from.
    pub async fn snapshot(&self) -> suda_ipc::Snapshot {
        // A UI asking for a snapshot has just started: it holds no conversation.
        self.shared.forget_loaded();
        let mut restoring = self.restoring.subscribe();
        // Bounded twice over (the check itself is), in case restore never ran.
        let _ = tokio::time::timeout(RESTORE_CHECK * 2, restoring.wait_for(|r| !r)).await;
        let settings = self.shared.settings.get();
        let notice = {
            let mut notices = self.notices.lock().expect("notices");
            (!notices.is_empty()).then(|| notices.drain(..).collect::<Vec<_>>().join("\n"))
        };
        let active = self.active.lock().await;
        match active.as_ref() {
            None => suda_ipc::Snapshot {
                session: None,
                channels: Vec::new(),
                connection: suda_ipc::ConnectionView::SignedOut,
                outbox: Vec::new(),
                settings,
                notice,
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
                }
            }
        }
    }

    /// Changes the settings: saved, applied to notifications, the tray and
    /// start-at-login, and told to the UI.
    pub async fn set_settings(&self, next: Settings) -> ShellResult<Settings> {
        let before = self.shared.settings.get();
        // The server URL is remembered by signing in, not by the settings
        // form: a form opened before a sign-in must not forget it.
        let next = Settings {
            last_server_url: before.last_server_url.clone(),
            ..next
        };
        if before.start_at_login != next.start_at_login {
            (self.parts.autostart)(next.start_at_login).map_err(|e| {
                app_error(
                    ErrorKind::Storage,
                    format!("Start at login could not be changed: {e}"),
                )
            })?;
        }
        let saved = self
            .shared
            .settings
            .set(next)
            .map_err(|e| app_error(ErrorKind::Storage, e.to_string()))?;
        if let Some(a) = self.active.lock().await.as_ref() {
            a.session.set_notify_settings(notify_settings(&saved));
            let channels = self.shared.channels(&a.session.snapshot().channels);
            (self.parts.emit)(AppEvent::Channels { channels });
        }
        self.refresh_tray();
        (self.parts.emit)(AppEvent::Settings {
            settings: saved.clone(),
        });
        Ok(saved)
    }

    /// The window was shown, hidden, focused or blurred.
    pub async fn window_changed(&self, change: impl FnOnce(&mut WindowState)) {
        self.change_window(change);
        self.window_sync().await;
    }

    /// Applies a change to the window's state at once, so changes apply in
    /// the order the window's events come (a focus lost and regained within
    /// a moment must end focused). Follow it with [`Shell::window_sync`].
    pub fn change_window(&self, change: impl FnOnce(&mut WindowState)) {
        change(&mut self.shared.window.lock().expect("window"));
    }

    /// Tells the session whether the member sees the window now, and redraws
    /// the tray. The state is read under the session's lock, so the last
    /// call to get it tells the session the newest state.
    pub async fn window_sync(&self) {
        let active = self.active.lock().await;
        let seen = self.window_seen();
        if let Some(a) = active.as_ref() {
            a.session.set_focused(seen);
        }
        drop(active);
        self.refresh_tray();
    }

    /// Whether the member can see the window now.
    pub fn window_seen(&self) -> bool {
        let w = *self.shared.window.lock().expect("window");
        w.visible && w.focused
    }

    /// Tells the UI to open a channel (a notification or the tray was clicked).
    pub fn open_channel(&self, channel_id: String) {
        (self.parts.emit)(AppEvent::OpenChannel { channel_id });
    }

    /// The active session, for the commands.
    pub async fn active(&self) -> ShellResult<Arc<Session>> {
        self.session().await
    }
}

fn notify_settings(s: &Settings) -> suda_client::notify::NotifySettings {
    use suda_client::notify::{NotifySettings, Preview};
    NotifySettings {
        muted: s
            .muted_channels
            .iter()
            .filter_map(|id| id.parse().ok())
            .collect(),
        do_not_disturb: s.do_not_disturb,
        preview: match s.preview {
            suda_ipc::PreviewPrivacy::SenderAndText => Preview::SenderAndText,
            suda_ipc::PreviewPrivacy::SenderOnly => Preview::SenderOnly,
            suda_ipc::PreviewPrivacy::Nothing => Preview::Nothing,
        },
        ..NotifySettings::default()
    }
}

/// Checks the server URL a member typed: an http(s) URL, without a trailing slash.
pub fn server_url(given: &str) -> ShellResult<String> {
    let given = given.trim();
    let bad = |why: &str| {
        app_error(
            ErrorKind::NotASudaServer,
            format!("“{given}” is not a server address ({why}). Try something like http://127.0.0.1:8080"),
        )
    };
    let (scheme, rest) = given
        .split_once("://")
        .ok_or_else(|| bad("no http:// or https://"))?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err(bad("only http and https are supported"));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad("no host name"));
    }
    Ok(given.trim_end_matches('/').to_owned())
}

fn sign_in_error(e: ClientError, server_url: &str) -> AppError {
    match &e {
        ClientError::Unreachable { .. } => app_error(
            ErrorKind::Unreachable,
            format!("Cannot reach a server at {server_url}. Check the address and that the server is running."),
        ),
        ClientError::Api {
            code: suda_protocol::ErrorCode::Unauthenticated,
            ..
        } => app_error(ErrorKind::Unauthenticated, "Wrong member name or password."),
        _ => err(e),
    }
}

/// Turns client events into UI events, notifications and tray updates,
/// until the session ends.
/// In a burst, every message changes the channel list (counts, order). The
/// UI applies each message event to its list itself, so the whole list is
/// sent at most this often, always ending on the latest one.
const CHANNELS_EVERY: Duration = Duration::from_millis(200);

/// Messages that arrive within this long of the last ones sent to the UI
/// wait and go together: each send to the web view is a script run there.
const EVENTS_EVERY: Duration = Duration::from_millis(16);

/// What the relay sends to the UI, in the order it happened, with bursts of
/// messages batched and channel lists coalesced.
struct Outgoing {
    emit: Emit,
    shared: Arc<Shared>,
    events: Vec<suda_ipc::EventView>,
    events_at: Option<tokio::time::Instant>,
    channels: Option<Vec<suda_client::Channel>>,
    channels_at: Option<tokio::time::Instant>,
}

impl Outgoing {
    /// When something held back is due.
    fn due(&self) -> Option<tokio::time::Instant> {
        let events = (!self.events.is_empty()).then(|| later(self.events_at, EVENTS_EVERY));
        let channels = self
            .channels
            .is_some()
            .then(|| later(self.channels_at, CHANNELS_EVERY));
        events.into_iter().chain(channels).min()
    }

    fn message(&mut self, event: suda_ipc::EventView) {
        self.events.push(event);
        if is_due(self.events_at, EVENTS_EVERY) {
            self.flush_events();
        }
    }

    fn flush_events(&mut self) {
        let mut events = std::mem::take(&mut self.events);
        match events.len() {
            0 => return,
            1 => (self.emit)(AppEvent::Event {
                event: events.remove(0),
            }),
            _ => (self.emit)(AppEvent::Events { events }),
        }
        self.events_at = Some(tokio::time::Instant::now());
    }

    fn channels(&mut self, list: Vec<suda_client::Channel>) {
        self.channels = Some(list);
        if is_due(self.channels_at, CHANNELS_EVERY) {
            self.flush_channels();
        }
    }

    fn flush_channels(&mut self) {
        if let Some(list) = self.channels.take() {
            // Messages first: the list is newer than they are.
            self.flush_events();
            let channels = self.shared.channels(&list);
            (self.emit)(AppEvent::Channels { channels });
            self.channels_at = Some(tokio::time::Instant::now());
        }
    }

    /// Sends held-back messages, then `event`, so the UI sees the order.
    fn now(&mut self, event: AppEvent) {
        self.flush_events();
        (self.emit)(event);
    }

    fn flush_due(&mut self) {
        if is_due(self.events_at, EVENTS_EVERY) {
            self.flush_events();
        }
        if is_due(self.channels_at, CHANNELS_EVERY) {
            self.flush_channels();
        }
    }
}

/// When something held back since `last` may go (now, if nothing went yet).
fn later(last: Option<tokio::time::Instant>, every: Duration) -> tokio::time::Instant {
    last.map_or_else(tokio::time::Instant::now, |at| at + every)
}

/// Whether the interval since `last` is over (or nothing went yet).
fn is_due(last: Option<tokio::time::Instant>, every: Duration) -> bool {
    last.is_none_or(|at| tokio::time::Instant::now() >= at + every)
}

async fn sleep_until(due: Option<tokio::time::Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Keeps a renewed token for the next start.
type KeepToken = Arc<dyn Fn(String) + Send + Sync>;

async fn relay(
    mut events: tokio::sync::broadcast::Receiver<ClientEvent>,
    session: Arc<Session>,
    notifier: Arc<dyn Notifier>,
    emit: Emit,
    reconnects: Arc<AtomicU32>,
    shared: Arc<Shared>,
    keep_token: KeepToken,
) {
    let me = session.snapshot().me.map(|m| m.id);
    let mut out = Outgoing {
        emit,
        shared: Arc::clone(&shared),
        events: Vec::new(),
        events_at: None,
        channels: None,
        channels_at: None,
    };
    loop {
        let received = tokio::select! {
            received = events.recv() => received,
            () = sleep_until(out.due()) => {
                out.flush_due();
                continue;
            }
        };
        let event = match received {
            Ok(e) => e,
            // The UI fell behind the client: send it the whole state again.
            Err(RecvError::Lagged(_)) => {
                out.channels = None;
                out.channels_at = Some(tokio::time::Instant::now());
                let channels = shared.channels(&session.snapshot().channels);
                out.now(AppEvent::Channels { channels });
                shared.forget_loaded();
                out.now(AppEvent::Resynced);
                continue;
            }
            Err(RecvError::Closed) => {
                out.flush_events();
                out.flush_channels();
                return;
            }
        };
        match event {
            ClientEvent::Message(e) => {
                if shared.wants(e.chat_channel_id, Some(e.sender.id) == me) {
                    out.message(view::event(&e));
                }
            }
            ClientEvent::ChannelsChanged(list) => out.channels(list),
            ClientEvent::Connection(state) => {
                let attempt = match state {
                    ConnectionState::Reconnecting { .. } => {
                        reconnects.fetch_add(1, Ordering::Relaxed) + 1
                    }
                    ConnectionState::Live { .. } => {
                        reconnects.store(0, Ordering::Relaxed);
                        0
                    }
                    _ => reconnects.load(Ordering::Relaxed),
                };
                out.now(AppEvent::Connection {
                    connection: view::connection(&state, attempt),
                });
            }
            ClientEvent::Resynced => {
                // The UI drops its conversations and loads them again.
                shared.forget_loaded();
                out.now(AppEvent::Resynced);
            }
            ClientEvent::OutboxChanged(entries) => {
                for entry in &entries {
                    out.now(AppEvent::Outbox {
                        item: view::outbox(entry),
                    });
                }
            }
            ClientEvent::Notify(n) => {
                let toast = Toast {
                    channel_id: n.channel_id.to_string(),
                    title: n.title,
                    body: n.body,
                };
                if let Err(e) = notifier.show(&toast) {
                    tracing::warn!(error = %e, "notification not shown");
                }
            }
            ClientEvent::TokenRenewed => {
                if let Some(token) = session.token() {
                    keep_token(token);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_must_be_http_addresses() {
        assert_eq!(
            server_url(" http://127.0.0.1:8080/ ").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            server_url("https://chat.example").unwrap(),
            "https://chat.example"
        );
        for bad in [
            "",
            "localhost:8080",
            "ftp://x",
            "http://",
            "http:// x",
            "not a url",
        ] {
            let e = server_url(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::NotASudaServer, "{bad:?}");
            assert!(
                e.message.contains("is not a server address"),
                "{}",
                e.message
            );
        }
    }
}
