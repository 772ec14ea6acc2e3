//! A signed-in member's client: the one handle a front end holds.
//!
//! The session owns the token, the GraphQL client, the member's one
//! subscription task, the channel state, the notification policy and the
//! outbox, and reports every change as a [`ClientEvent`] on one broadcast
//! channel. Front ends render events and call methods; they never touch the
//! network. State changes are applied here before the event goes out, so a
//! [`Session::snapshot`] taken after an event always includes it.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use serde::Serialize;
use suda_protocol::{ChannelId, ChatEvent, MemberRef};
use tokio::{
    sync::{broadcast, watch},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

use crate::{
    error::{ClientError, ClientResult},
    graphql::{ops, Api},
    notify::{Attention, Notification, Notifier, NotifySettings},
    outbox::{Outbox, OutboxEntry, OutboxState},
    state::{Channel, ChatState},
    subscription::{Change, ConnectionState, OfflineReason, SubscriptionConfig},
    wire,
};

/// Everything a front end hears from the client.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", content = "payload", rename_all = "camelCase")]
pub enum ClientEvent {
    /// A channel event from the stream, once, in order.
    Message(ChatEvent),
    /// A change to a message already delivered (edited, deleted, a
    /// reaction) or to the member's read marker, once, in the same order.
    Changed(Change),
    /// The channel list, unread counts or order changed.
    ChannelsChanged(Vec<Channel>),
    /// The subscription's state changed.
    Connection(ConnectionState),
    /// The server could not resume; channels were refetched and open
    /// conversations should be reloaded.
    Resynced,
    /// A send changed state.
    OutboxChanged(Vec<OutboxEntry>),
    /// A notification to raise.
    Notify(Notification),
    /// The token was renewed: keep [`Session::token`] for the next start.
    TokenRenewed,
    /// Another member started or stopped typing in one of the member's
    /// channels (ephemeral: show it for [`suda_protocol::TYPING_SHOWN_FOR_MS`]
    /// unless told again).
    Typing(suda_protocol::Typing),
    /// A member who shares a channel with the member came, went away or
    /// left (ephemeral; ask [`Session::presence`] where things stand).
    Presence(suda_protocol::PresenceChanged),
}

/// What the client knows right now.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// The signed-in member.
    pub me: Option<MemberRef>,
    /// The channels, most recently active first.
    pub channels: Vec<Channel>,
    /// The channel on screen.
    pub in_view: Option<ChannelId>,
    /// Whether the app has the focus.
    pub focused: bool,
    /// The subscription's state.
    pub connection: ConnectionState,
    /// Sends not yet settled, and failed ones.
    pub outbox: Vec<OutboxEntry>,
}

/// How to build a [`Session`].
#[derive(Clone)]
pub struct SessionOptions {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// A token kept from an earlier sign-in.
    pub token: Option<String>,
    /// Where the outbox lives; `None` keeps it in memory.
    pub data_dir: Option<PathBuf>,
    /// The subscription's timings.
    pub subscription: SubscriptionConfig,
    /// Notification settings.
    pub notify: NotifySettings,
    /// What the client calls itself to the server (its User-Agent), which
    /// the member sees in their list of sessions.
    pub device: String,
}

impl std::fmt::Debug for SessionOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionOptions")
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("data_dir", &self.data_dir)
            .field("subscription", &self.subscription)
            .field("notify", &self.notify)
            .field("device", &self.device)
            .finish()
    }
}

impl SessionOptions {
    /// Defaults for the server at `server`.
    pub fn new(server: impl Into<String>) -> Self {
        SessionOptions {
            server: server.into(),
            token: None,
            data_dir: None,
            subscription: SubscriptionConfig::default(),
            notify: NotifySettings::default(),
            device: format!(
                "suda-client/{} ({})",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::OS
            ),
        }
    }
}

/// What the session and its tasks (the subscription's reports, renewal,
/// flushes) share.
pub(crate) struct Shared {
    api: Api,
    config: SubscriptionConfig,
    state: Mutex<ChatState>,
    connection: watch::Sender<ConnectionState>,
    events: broadcast::Sender<ClientEvent>,
    outbox: Mutex<Outbox>,
    /// Held while the outbox is flushed, so no send is in flight twice.
    flushing: tokio::sync::Mutex<()>,
    /// Woken by [`Session::retry_now`] to cut a reconnect wait short.
    wake: Arc<tokio::sync::Notify>,
    notifier: Mutex<Notifier>,
    notify: Mutex<NotifySettings>,
    /// Child tasks (outbox flushes, token renewal); aborted when the
    /// subscription stops.
    children: Mutex<Vec<JoinHandle<()>>>,
    /// When the token in hand was issued and expires, once known.
    token_life: Mutex<Option<renewal::TokenLife>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn emit(&self, event: ClientEvent) {
        // No receiver is fine: nobody is listening yet.
        let _ = self.events.send(event);
    }

    fn set_connection(&self, state: ConnectionState) {
        let changed = self.connection.send_if_modified(|s| {
            let changed = *s != state;
            *s = state.clone();
            changed
        });
        if changed {
            self.emit(ClientEvent::Connection(state));
        }
    }

    fn channels_changed(&self) {
        let channels = lock(&self.state).channels().to_vec();
        self.emit(ClientEvent::ChannelsChanged(channels));
    }

    fn outbox_changed(&self) {
        let entries = lock(&self.outbox).entries().to_vec();
        self.emit(ClientEvent::OutboxChanged(entries));
    }

    async fn refresh(&self) -> ClientResult<Vec<Channel>> {
        let data = self
            .api
            .run::<ops::Channels>(ops::channels::Variables)
            .await?;
        let channels = data
            .my_chat_channels
            .into_iter()
            .map(Channel::try_from)
            .collect::<ClientResult<Vec<_>>>()?;
        lock(&self.state).replace_channels(channels.clone());
        self.channels_changed();
        Ok(channels)
    }

    /// Refetches the channel list; a failure only leaves it stale until the
    /// next connect.
    async fn refresh_quietly(&self) {
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "could not refetch channels");
        }
    }

    /// What the member can see now, for the notification policy; `None`
    /// when signed out.
    fn attention(state: &ChatState) -> Option<Attention> {
        state.me().map(|me| Attention {
            me: me.id,
            in_view: state.in_view(),
            thread_in_view: state.thread_in_view(),
            focused: state.focused(),
        })
    }

    /// Applies a change from the stream, then hands it on. A read marker
    /// moved on another device clears the count here too; a deletion may
    /// take an unread message with it (a deleted message is not unread),
    /// so the counts are read again when the channel had any, and it ends
    /// the notification burst it started (see `Notifier::deleted`).
    async fn on_change(&self, change: Change) {
        let mut notification = None;
        let (channels_changed, refetch) = {
            let mut state = lock(&self.state);
            match &change {
                Change::ReadMarker(moved) => {
                    let moved_here =
                        state.read_elsewhere(moved.chat_channel_id, moved.un_read_cnt, moved.up_to);
                    if moved_here {
                        lock(&self.notifier).seen(moved.chat_channel_id);
                    }
                    (moved_here, false)
                }
                Change::Deleted(deleted) => {
                    let had_unread = state
                        .channel(deleted.chat_channel_id)
                        .is_some_and(|c| c.unread > 0);
                    notification = Self::attention(&state).and_then(|attention| {
                        lock(&self.notifier).deleted(
                            deleted.chat_channel_id,
                            deleted.message_id,
                            &attention,
                            &lock(&self.notify),
                            Instant::now(),
                        )
                    });
                    (false, had_unread)
                }
                Change::Edited(edited) => {
                    lock(&self.notifier).edited(
                        edited.chat_channel_id,
                        edited.message_id,
                        &edited.message,
                    );
                    (false, false)
                }
                Change::Level(changed) => (
                    state.set_level(changed.chat_channel_id, changed.level),
                    false,
                ),
                Change::ThreadRead(read) => (
                    state.thread_read(read.chat_channel_id, read.un_read_cnt),
                    false,
                ),
                Change::Channel(changed) => (state.set_settings(changed), false),
                Change::Reaction(_) => (false, false),
            }
        };
        // The change first: the shell withdraws before it raises anew.
        self.emit(ClientEvent::Changed(change));
        if refetch {
            self.refresh_quietly().await;
        } else if channels_changed {
            self.channels_changed();
        }
        if let Some(n) = notification {
            self.emit(ClientEvent::Notify(n));
        }
    }

    /// Applies one stream event, decides on a notification, settles the
    /// matching send, then tells the front end.
    async fn on_event(&self, event: ChatEvent) {
        let (applied, notification) = {
            let mut state = lock(&self.state);
            let applied = state.apply(&event);
            let notification = Self::attention(&state).and_then(|attention| {
                let channel = state.channel(event.chat_channel_id);
                let place = match channel {
                    Some(c) if c.kind == crate::state::ChannelKind::Direct => None,
                    Some(c) => Some(format!("#{}", c.name)),
                    None => Some("a new channel".to_owned()),
                };
                // A channel not known yet (just added to it) is at its default.
                let level = channel.map(|c| c.notify_level).unwrap_or_default();
                lock(&self.notifier).decide(
                    &event,
                    place.as_deref(),
                    level,
                    &attention,
                    &lock(&self.notify),
                    Instant::now(),
                )
            });
            (applied, notification)
        };
        if let Some(key) = &event.client_key {
            let settled = lock(&self.outbox).settle(key, OutboxState::Sent { event_id: event.id });
            if matches!(settled, Ok(true)) {
                self.outbox_changed();
            }
        }
        self.emit(ClientEvent::Message(event));
        if applied.refetch {
            self.refresh_quietly().await;
        } else if applied.channels_changed {
            self.channels_changed();
        }
        if let Some(n) = notification {
            self.emit(ClientEvent::Notify(n));
        }
    }

    /// Sends every pending message of the member, oldest first, stopping at
    /// the first one that fails for a reason that may pass (the next
    /// connect retries it).
    async fn flush(&self) {
        let _one_at_a_time = self.flushing.lock().await;
        let Some(me) = lock(&self.state).me().map(|m| m.id) else {
            return;
        };
        let pending = lock(&self.outbox).pending(me);
        for entry in pending {
            if lock(&self.outbox).get(&entry.key).map(|e| &e.state) != Some(&OutboxState::Pending) {
                continue; // Settled by its stream event meanwhile.
            }
            let vars = ops::send::Variables {
                channel_id: entry.channel.to_string(),
                message: entry.text.clone(),
                client_key: Some(entry.key.clone()),
                reply_to: entry.reply_to.map(|r| r.to_string()),
                thread_root: entry.thread_root.map(|r| r.to_string()),
                attachment_ids: (!entry.attachments.is_empty())
                    .then(|| entry.attachments.iter().map(|a| a.id.to_string()).collect()),
            };
            let state = match self.api.run::<ops::Send>(vars).await {
                Ok(data) => match wire::sent(data.send_chat_message) {
                    Ok(event) => OutboxState::Sent { event_id: event.id },
                    Err(e) => OutboxState::Failed {
                        reason: e.to_string(),
                    },
                },
                Err(e) if e.is_transient() || e.needs_sign_in() => {
                    tracing::info!(error = %e, "send deferred");
                    return;
                }
                Err(e) => OutboxState::Failed {
                    reason: e.to_string(),
                },
            };
            let settled = lock(&self.outbox).settle(&entry.key, state);
            match settled {
                Ok(true) => self.outbox_changed(),
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "could not record a send"),
            }
        }
    }

    /// Whether the signed-in member has sends waiting.
    fn has_pending(&self) -> bool {
        let me = lock(&self.state).me().map(|m| m.id);
        me.is_some_and(|me| !lock(&self.outbox).pending(me).is_empty())
    }

    /// Flushes the outbox in a task of its own, so the stream keeps flowing.
    fn spawn_flush(self: &Arc<Self>) {
        let shared = Arc::clone(self);
        let task = tokio::spawn(async move { shared.flush().await });
        let mut children = lock(&self.children);
        children.retain(|t| !t.is_finished());
        children.push(task);
    }
}

/// A member's client. Dropping it stops the subscription.
pub struct Session {
    shared: Arc<Shared>,
    task: Mutex<Option<(JoinHandle<()>, CancellationToken)>>,
}

pub mod actions;
mod composite;
mod ephemeral;
pub mod groups;
mod renewal;
mod search;
pub mod server_url;
mod stream;
mod threads;

impl Session {
    /// A session against `options.server`; signed in when a token is given
    /// (call [`Session::resume`] to check it and start the subscription).
    pub fn new(options: SessionOptions) -> ClientResult<Session> {
        let http = reqwest::Client::builder()
            .user_agent(options.device.as_str())
            .read_timeout(options.subscription.read_timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ClientError::Protocol(format!("cannot build the HTTP client: {e}")))?;
        let outbox = match &options.data_dir {
            Some(dir) => Outbox::open(dir)?,
            None => Outbox::in_memory(),
        };
        let (connection, _) = watch::channel(ConnectionState::Offline {
            reason: OfflineReason::SignedOut,
        });
        let (events, _) = broadcast::channel(1024);
        let shared = Shared {
            api: Api::new(http, &options.server, options.token),
            config: options.subscription,
            state: Mutex::new(ChatState::default()),
            connection,
            events,
            outbox: Mutex::new(outbox),
            flushing: tokio::sync::Mutex::new(()),
            wake: Arc::new(tokio::sync::Notify::new()),
            notifier: Mutex::new(Notifier::default()),
            notify: Mutex::new(options.notify),
            children: Mutex::new(Vec::new()),
            token_life: Mutex::new(None),
        };
        Ok(Session {
            shared: Arc::new(shared),
            task: Mutex::new(None),
        })
    }

    /// Every change from now on. The channel holds 1024 events; a receiver
    /// that falls further behind gets `Lagged` and should take a
    /// [`Session::snapshot`].
    pub fn events(&self) -> broadcast::Receiver<ClientEvent> {
        self.shared.events.subscribe()
    }

    /// The subscription's state, as a watch (for waiting on a state).
    pub fn connection(&self) -> watch::Receiver<ConnectionState> {
        self.shared.connection.subscribe()
    }

    /// What the client knows right now.
    pub fn snapshot(&self) -> Snapshot {
        let state = lock(&self.shared.state);
        Snapshot {
            me: state.me().cloned(),
            channels: state.channels().to_vec(),
            in_view: state.in_view(),
            focused: state.focused(),
            connection: self.shared.connection.borrow().clone(),
            outbox: lock(&self.shared.outbox).entries().to_vec(),
        }
    }

    /// The bearer token, to keep for the next start.
    pub fn token(&self) -> Option<String> {
        self.shared.api.token()
    }

    /// Starts the member's subscription, unless it runs already.
    pub fn start(&self) {
        let mut task = lock(&self.task);
        if task.as_ref().is_some_and(|(t, _)| !t.is_finished()) {
            return;
        }
        let stop = CancellationToken::new();
        let handle = stream::spawn(&self.shared, stop.clone());
        *task = Some((handle, stop));
        let renewing = tokio::spawn(renewal::keep_renewed(Arc::clone(&self.shared)));
        lock(&self.shared.children).push(renewing);
    }

    /// Ends a reconnect wait now (the member pressed "retry now"). Does
    /// nothing while connected or connecting.
    pub fn retry_now(&self) {
        self.shared.wake.notify_waiters();
    }

    /// Stops the subscription and waits for it.
    pub async fn stop(&self) {
        let task = lock(&self.task).take();
        if let Some((handle, stop)) = task {
            stop.cancel();
            let _ = handle.await;
        }
        for child in lock(&self.shared.children).drain(..) {
            child.abort();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some((handle, stop)) = lock(&self.task).take() {
            stop.cancel();
            handle.abort();
        }
        for child in lock(&self.shared.children).drain(..) {
            child.abort();
        }
    }
}
