//! The session's end of the member's subscription: starts it over the real
//! transports and applies what it reports (connection states, events,
//! refetches, a refused token) to the session's state.
//!
//! The subscription itself (`crate::subscription`) knows nothing of the
//! session; everything it touches goes through [`Report`] here. The retry
//! of deferred sends while live is the session's too: the subscription only
//! says that it is live.

use std::{future::Future, sync::Arc};

use suda_protocol::ChatEvent;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{ClientEvent, Shared};
use crate::{
    subscription::{Change, ConnectionState, OfflineReason, Report, Resync, Subscription},
    transport::Network,
};

/// Starts the member's subscription in a task of its own; it runs until
/// `stop` is cancelled, the member signs out or the token is refused, and
/// the retry of deferred sends runs exactly as long.
pub(super) fn spawn(shared: &Arc<Shared>, stop: CancellationToken) -> JoinHandle<()> {
    let api = shared.api.clone();
    let config = shared.config.clone();
    let network = Network::new(
        api.http().clone(),
        api.base(),
        config.read_timeout,
        config.poll_wait,
    );
    let subscription = Subscription::new(
        config,
        network,
        Box::new(move || api.token()),
        Arc::clone(&shared.wake),
    );
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        tokio::select! {
            () = subscription.run(ToSession(Arc::clone(&shared)), stop) => {}
            () = retry_sends(shared) => {}
        }
    })
}

/// The subscription's reports, applied to the session.
struct ToSession(Arc<Shared>);

impl Report for ToSession {
    fn connection(&self, state: ConnectionState) {
        let live = matches!(state, ConnectionState::Live { .. });
        self.0.set_connection(state);
        if live {
            // Sends made while away go out as soon as the stream is back.
            self.0.spawn_flush();
        }
    }

    fn event(&self, event: ChatEvent) -> impl Future<Output = ()> + Send {
        self.0.on_event(event)
    }

    fn change(&self, change: Change) -> impl Future<Output = ()> + Send {
        self.0.on_change(change)
    }

    async fn resync(&self, why: Resync) {
        self.0.refresh_quietly().await;
        if let Resync::Required(_) = why {
            self.0.emit(ClientEvent::Resynced);
        }
    }

    fn unauthorized(&self) {
        self.0.set_connection(ConnectionState::Offline {
            reason: OfflineReason::SignInAgain,
        });
    }

    fn typing(&self, typing: suda_protocol::Typing) {
        self.0.emit(ClientEvent::Typing(typing));
    }

    fn presence(&self, presence: suda_protocol::PresenceChanged) {
        self.0.emit(ClientEvent::Presence(presence));
    }
}

/// While the stream is live, retries the sends that a passing failure (a
/// rate limit, a server error) deferred, every `outbox_retry`, counted from
/// when the stream went live. Runs beside the subscription, in its task.
async fn retry_sends(shared: Arc<Shared>) {
    let every = shared.config.outbox_retry;
    let mut connection = shared.connection.subscribe();
    let is_live = |c: &ConnectionState| matches!(c, ConnectionState::Live { .. });
    loop {
        if connection.wait_for(is_live).await.is_err() {
            return;
        }
        let mut retry = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tokio::select! {
                _ = retry.tick() => if shared.has_pending() {
                    shared.spawn_flush();
                },
                changed = connection.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if !is_live(&connection.borrow_and_update()) {
                        break;
                    }
                }
            }
        }
    }
}
