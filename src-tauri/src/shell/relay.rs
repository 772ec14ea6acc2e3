//! The relay: one task per session that turns client events into UI
//! events, notifications and tray updates, until the session ends.
//!
//! A burst of messages is held back three ways, each by a [`Coalescer`]
//! this task drives in its one `select!` loop (no timer tasks of their
//! own): messages go to the UI in batches, the channel list at most every
//! [`CHANNELS_EVERY`], the tray at most every [`TRAY_EVERY`]; the latest
//! state always goes out. Everything else goes at once, after the messages
//! held back, so the UI sees what happened in the order it happened.

use std::{
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    },
    time::Duration,
};

use suda_client::{Change, ClientEvent, ConnectionState, Session};
use suda_ipc::{AppEvent, EventView};
use tokio::{sync::broadcast::error::RecvError, task::JoinHandle};

use super::{Emit, Shared};
use crate::{
    coalesce::{sleep_until, Coalescer},
    notify::{Notifier, Toast},
    tray::TrayModel,
    view,
};

/// Messages that arrive within this long of the last ones sent to the UI
/// wait and go together: each send to the web view is a script run there.
const EVENTS_EVERY: Duration = Duration::from_millis(16);

/// In a burst, every message changes the channel list (counts, order). The
/// UI applies each message event to its list itself, so the whole list is
/// sent at most this often, always ending on the latest one.
const CHANNELS_EVERY: Duration = Duration::from_millis(200);

/// The tray is redrawn at most this often. A burst of messages changes the
/// unread counts hundreds of times a second, and every redraw writes an
/// icon file and rebuilds the menu; the last state is always drawn.
const TRAY_EVERY: Duration = Duration::from_millis(250);

/// Keeps a renewed token for the next start.
pub(super) type KeepToken = Arc<dyn Fn(String) + Send + Sync>;

/// What a relay needs.
pub(super) struct Relay {
    pub(super) session: Arc<Session>,
    pub(super) notifier: Arc<dyn Notifier>,
    pub(super) emit: Emit,
    pub(super) reconnects: Arc<AtomicU32>,
    pub(super) shared: Arc<Shared>,
    pub(super) keep_token: KeepToken,
}

/// Starts the relay for a session. Its events are subscribed to here,
/// before the session starts, so none is missed. The caller owns the
/// handle and ends it with [`stop`].
pub(super) fn start(relay: Relay) -> JoinHandle<()> {
    let events = relay.session.events();
    relay.shared.relaying.store(true, Ordering::Release);
    tokio::spawn(run(relay, events))
}

/// Ends a relay and waits until it has: tray redraws go back to the shell,
/// which draws the state as it is now.
pub(super) async fn stop(shared: &Shared, relay: JoinHandle<()>) {
    relay.abort();
    let _ = relay.await;
    shared.relaying.store(false, Ordering::Release);
    shared.refresh_tray();
}

/// What the relay sends to the UI and the tray, in the order it happened,
/// with bursts held back.
struct Outgoing {
    emit: Emit,
    shared: Arc<Shared>,
    events: Coalescer<Vec<EventView>>,
    channels: Coalescer<Vec<suda_client::Channel>>,
    tray: Coalescer<TrayModel>,
}

impl Outgoing {
    fn new(emit: Emit, shared: Arc<Shared>) -> Self {
        Outgoing {
            emit,
            shared,
            events: Coalescer::batching(EVENTS_EVERY),
            channels: Coalescer::latest(CHANNELS_EVERY),
            tray: Coalescer::latest(TRAY_EVERY),
        }
    }

    /// When the earliest thing held back is due.
    fn deadline(&self) -> Option<tokio::time::Instant> {
        [
            self.events.deadline(),
            self.channels.deadline(),
            self.tray.deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn message(&mut self, event: EventView) {
        if let Some(batch) = self.events.push(vec![event]) {
            self.send_events(batch);
        }
    }

    fn send_events(&self, mut events: Vec<EventView>) {
        match events.len() {
            0 => {}
            1 => (self.emit)(AppEvent::Event {
                event: Box::new(events.remove(0)),
            }),
            _ => (self.emit)(AppEvent::Events { events }),
        }
    }

    fn flush_events(&mut self) {
        if let Some(batch) = self.events.flush() {
            self.send_events(batch);
        }
    }

    fn channels(&mut self, list: Vec<suda_client::Channel>) {
        if let Some(list) = self.channels.push(list) {
            self.send_channels(&list);
        }
    }

    fn send_channels(&mut self, list: &[suda_client::Channel]) {
        // Messages first: the list is newer than they are.
        self.flush_events();
        let channels = self.shared.channels(list);
        (self.emit)(AppEvent::Channels { channels });
        self.tray_changed();
    }

    /// The tray's state changed (channels, window, settings).
    fn tray_changed(&mut self) {
        if let Some(model) = self.tray.push(self.shared.tray_model()) {
            self.shared.draw_tray(model);
        }
    }

    /// Sends held-back messages, then `event`, so the UI sees the order.
    fn now(&mut self, event: AppEvent) {
        self.flush_events();
        (self.emit)(event);
    }

    fn send_due(&mut self) {
        if let Some(batch) = self.events.take_due() {
            self.send_events(batch);
        }
        if let Some(list) = self.channels.take_due() {
            self.send_channels(&list);
        }
        if let Some(model) = self.tray.take_due() {
            self.shared.draw_tray(model);
        }
    }

    /// The UI fell behind the client: send it the whole state again.
    fn resend_all(&mut self, session: &Session) {
        self.channels.superseded();
        let channels = self.shared.channels(&session.snapshot().channels);
        self.now(AppEvent::Channels { channels });
        self.tray_changed();
        self.shared.forget_loaded();
        self.now(AppEvent::Resynced);
    }

    /// The stream ended: whatever is held back goes now.
    fn finish(&mut self) {
        self.flush_events();
        if let Some(list) = self.channels.flush() {
            self.send_channels(&list);
        }
        if let Some(model) = self.tray.flush() {
            self.shared.draw_tray(model);
        }
    }
}

async fn run(relay: Relay, mut events: tokio::sync::broadcast::Receiver<ClientEvent>) {
    let Relay {
        session,
        notifier,
        emit,
        reconnects,
        shared,
        keep_token,
    } = relay;
    let me = session.snapshot().me.map(|m| m.id);
    // The groups' names as last listed: a removal names the group it
    // took the member out of, which is no longer in the list by then.
    let mut names: std::collections::HashMap<suda_protocol::ChannelId, String> = session
        .snapshot()
        .channels
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let mut out = Outgoing::new(emit, Arc::clone(&shared));
    loop {
        let received = tokio::select! {
            received = events.recv() => received,
            () = shared.tray_wake.notified() => {
                out.tray_changed();
                continue;
            }
            () = sleep_until(out.deadline()) => {
                out.send_due();
                continue;
            }
        };
        let event = match received {
            Ok(e) => e,
            Err(RecvError::Lagged(_)) => {
                out.resend_all(&session);
                continue;
            }
            Err(RecvError::Closed) => {
                out.finish();
                return;
            }
        };
        match event {
            ClientEvent::Message(e) => {
                if let Some(by) = e.removed_by.as_ref().filter(|_| Some(e.sender.id) == me) {
                    let group = names
                        .get(&e.chat_channel_id)
                        .map_or_else(|| "a group".to_owned(), |n| format!("#{n}"));
                    out.now(AppEvent::Notice {
                        message: format!("{} removed you from {group}.", by.member_name),
                    });
                }
                if shared.wants(e.chat_channel_id, Some(e.sender.id) == me) {
                    out.message(view::event(&e));
                }
            }
            ClientEvent::ChannelsChanged(list) => {
                names.extend(list.iter().map(|c| (c.id, c.name.clone())));
                out.channels(list);
            }
            ClientEvent::Changed(change) => {
                if let Change::Deleted(d) = &change {
                    notifier.withdraw(&d.message_id.to_string());
                }
                // A read marker moved elsewhere arrives as ChannelsChanged
                // too; the other changes are for a conversation the UI holds.
                if shared.wants(change.channel(), false) {
                    if let Some(change) = view::change(&change, me) {
                        out.now(AppEvent::Changed { change });
                    }
                }
            }
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
                    message_id: n.event_id.to_string(),
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
            // Every channel's: the sidebar shows it for direct messages.
            ClientEvent::Typing(t) => out.now(view::typing(&t)),
            ClientEvent::Presence(p) => out.now(AppEvent::Presence {
                member_id: p.member_id.to_string(),
                presence: view::presence(p.presence),
            }),
        }
    }
}
