//! Starting and ending the member's session: signing in or up, restoring
//! the kept session at start, signing out. Each holds the shell's
//! lifecycle lock, so a sign-in never races the restore or a sign-out.

use std::{sync::Arc, time::Duration};

use suda_client::{normalize_server_url, ClientError, Session, SessionOptions};
use suda_ipc::{AppError, AppEvent, ErrorKind, SessionView, Settings};
use suda_protocol::MemberRef;

use super::{relay, Active, Shell, ShellResult};
use crate::{files::FileCache, kept::StoredSession, view};

/// How long a start waits for the server to confirm a kept session before
/// carrying on as the kept member (the subscription then keeps trying).
pub(super) const RESTORE_CHECK: Duration = Duration::from_secs(5);

impl Shell {
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
                Session::new(options).map_err(|e| view::error(&e))
            }
            Err(e) => Err(view::error(&e)),
        }
    }

    /// Signs in (or up) and opens the member's subscription.
    pub async fn sign_in(
        &self,
        args: suda_ipc::SignInArgs,
        sign_up: bool,
    ) -> ShellResult<SessionView> {
        let server_url = server_url(&args.server_url)?;
        let name = args.member_name.trim();
        if name.is_empty() || args.password.is_empty() {
            return Err(view::app_error(
                ErrorKind::BadInput,
                "Enter your member name and password.",
            ));
        }
        let _one_at_a_time = self.lifecycle.lock().await;
        self.stop().await;
        let session = self.new_session(&server_url, None)?;
        let me = if sign_up {
            session.sign_up(name, &args.password).await
        } else {
            session.sign_in(name, &args.password).await
        }
        .map_err(|e| sign_in_error(e, &server_url))?;
        let token = session.token().unwrap_or_default();
        match self.kept.save(&StoredSession {
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
        Ok(self.activate(session, server_url, me))
    }

    /// Marks the start as restoring before [`Shell::restore`] runs on
    /// another task, so that a snapshot asked for meanwhile waits for it.
    pub fn begin_restore(&self) {
        self.restoring.send_replace(true);
    }

    /// Restores the kept session at start, if there is one.
    pub async fn restore(&self) {
        self.restoring.send_replace(true);
        {
            let _one_at_a_time = self.lifecycle.lock().await;
            self.restore_kept().await;
        }
        self.restoring.send_replace(false);
    }

    async fn restore_kept(&self) {
        let Some(kept) = self.kept.load() else {
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
                self.kept.clear();
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
        self.activate(session, kept.server_url, me);
    }

    /// Makes `session` the active one: its relay starts, then its
    /// subscription, and the UI is told.
    fn activate(&self, session: Session, server_url: String, me: MemberRef) -> SessionView {
        let session = Arc::new(session);
        // The client renews the token by itself; the new one is kept here
        // for the next start.
        let keep_token: relay::KeepToken = {
            let (kept, server_url, me) = (self.kept.clone(), server_url.clone(), me.clone());
            Arc::new(move |token| {
                let stored = StoredSession {
                    server_url: server_url.clone(),
                    token,
                    member: Some(me.clone()),
                };
                if let Err(e) = kept.save(&stored) {
                    tracing::warn!(error = %e, "could not keep the renewed session");
                }
            })
        };
        let relay = relay::start(relay::Relay {
            session: Arc::clone(&session),
            notifier: Arc::clone(&self.parts.notifier),
            emit: Arc::clone(&self.parts.emit),
            reconnects: Arc::clone(&self.reconnects),
            shared: Arc::clone(&self.shared),
            keep_token,
        });
        let view = SessionView {
            member: view::member(&me),
            server_url: server_url.clone(),
        };
        {
            // Under the lock window changes take, so none falls between
            // reading the window and the session becoming the active one.
            let mut active = self.active.lock().expect("active");
            session.set_focused(self.window_seen());
            *active = Some(Active {
                session: Arc::clone(&session),
                server_url,
                me,
                relay,
            });
        }
        session.start();
        (self.parts.emit)(AppEvent::Session {
            session: Some(view.clone()),
        });
        self.move_mutes_to_the_server(&session);
        view
    }

    /// Channels muted in this app's settings, from before the server kept
    /// notification levels, become the level `nothing` there (so every
    /// device follows) and leave the settings. One that cannot be set now
    /// (the server is out of reach) stays muted here and is tried again at
    /// the next start; one the member is no longer in is dropped.
    fn move_mutes_to_the_server(&self, session: &Arc<Session>) {
        if self.shared.settings.get().muted_channels.is_empty() {
            return;
        }
        let (session, shared) = (Arc::clone(session), Arc::clone(&self.shared));
        let emit = Arc::clone(&self.parts.emit);
        self.own_task(tokio::spawn(async move {
            let muted = shared.settings.get().muted_channels;
            let mut moved = Vec::new();
            for id in &muted {
                let Ok(channel) = id.parse() else {
                    moved.push(id.clone());
                    continue;
                };
                let level = suda_protocol::NotificationLevel::Nothing;
                match session.set_notification_level(channel, level).await {
                    Ok(_) => moved.push(id.clone()),
                    Err(e) if e.is_transient() || e.needs_sign_in() => {
                        tracing::info!(error = %e, "a mute stays here until the next start");
                    }
                    Err(e) => {
                        tracing::info!(error = %e, channel = %id, "a mute of a channel left behind");
                        moved.push(id.clone());
                    }
                }
            }
            let mut settings = shared.settings.get();
            settings.muted_channels.retain(|id| !moved.contains(id));
            match shared.settings.set(settings) {
                Ok(saved) => {
                    let channels = shared.channels(&session.snapshot().channels);
                    emit(AppEvent::Settings { settings: saved });
                    emit(AppEvent::Channels { channels });
                    shared.refresh_tray();
                }
                Err(e) => tracing::warn!(error = %e, "the moved mutes stay in the settings"),
            }
        }));
    }

    /// Ends the active session, if any: its subscription stops and its
    /// relay is aborted and awaited, so no second relay ever runs beside the
    /// next one. The tray is drawn from the shell again.
    async fn stop(&self) -> Option<Arc<Session>> {
        let active = self.active.lock().expect("active").take()?;
        self.files.clear();
        active.session.stop().await;
        relay::stop(&self.shared, active.relay).await;
        Some(active.session)
    }

    /// The signed-in member's cache of files.
    pub(super) fn file_cache(&self) -> Option<FileCache> {
        let active = self.active.lock().expect("active");
        active
            .as_ref()
            .map(|a| FileCache::of(&self.parts.data_dir, &a.server_url, &a.me.id.to_string()))
    }

    /// Signs out: revokes the token, forgets it here, closes the stream.
    pub async fn sign_out(&self) -> ShellResult<()> {
        let _one_at_a_time = self.lifecycle.lock().await;
        self.kept.clear();
        // Their files go with their sign-in.
        if let Some(cache) = self.file_cache() {
            cache.clear();
        }
        if let Some(session) = self.stop().await {
            if let Err(e) = session.sign_out().await {
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
}

/// The app's settings as the client's notification policy reads them.
pub(super) fn notify_settings(s: &Settings) -> suda_client::notify::NotifySettings {
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

/// The server URL a member typed, checked and normalised by the client.
fn server_url(given: &str) -> ShellResult<String> {
    normalize_server_url(given)
        .map_err(|e| view::app_error(ErrorKind::NotASudaServer, e.to_string()))
}

fn sign_in_error(e: ClientError, server_url: &str) -> AppError {
    match &e {
        ClientError::Unreachable { .. } => view::app_error(
            ErrorKind::Unreachable,
            format!("Cannot reach a server at {server_url}. Check the address and that the server is running."),
        ),
        ClientError::Api {
            code: suda_protocol::ErrorCode::Unauthenticated,
            ..
        } => view::app_error(ErrorKind::Unauthenticated, "Wrong member name or password."),
        _ => view::error(&e),
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
