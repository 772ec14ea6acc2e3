//! The doorbell: a task that listens on `suda_events` and turns every
//! notification into one ring, plus one after every reconnect (what was
//! rung while the listener was away is lost, so the receiver reads
//! forward from the database then). The same listening, on
//! `suda_ephemeral`, hands each node's announcements of ephemeral events
//! (typing) on as they come; those lost while away stay lost.
//!
//! `PgListener` reconnects by itself on some losses (it then says the
//! connection was lost: a ring) and not on others (an error from the
//! server, as when its backend is terminated, or a reconnect that failed,
//! is handed back). After those the listener is dropped and a new one made,
//! with a growing pause while the database is away, and a ring once it
//! listens again.

use std::time::Duration;

use sqlx::{postgres::PgListener, PgPool};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Rings queued for the receiver. A full queue already means "read
/// forward", so a ring that finds it full is not needed and is dropped.
pub(super) const QUEUE: usize = 16;

/// Announcements queued for the receiver; more are dropped.
pub(super) const ANNOUNCED: usize = 1024;

/// What the listener hears.
pub(super) enum Heard {
    /// A notification, with its payload.
    Notified(String),
    /// The listener was away and listens again: what came meanwhile is lost.
    Reconnected,
}

/// A listener on `channel`.
pub(super) async fn listen(pool: &PgPool, channel: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    Ok(listener)
}

/// Rings `rings` for every notification (and every reconnect).
pub(super) fn rings(rings: mpsc::Sender<()>) -> impl FnMut(Heard) -> bool + Send {
    move |_| ring(&rings)
}

/// Hands every notification's payload to `heard`, dropping what does not
/// fit.
pub(super) fn payloads(heard: mpsc::Sender<String>) -> impl FnMut(Heard) -> bool + Send {
    move |h| match h {
        Heard::Notified(payload) => !matches!(
            heard.try_send(payload),
            Err(mpsc::error::TrySendError::Closed(_))
        ),
        Heard::Reconnected => !heard.is_closed(),
    }
}

/// Tells `on` of every notification on `channel` until `closing` is
/// cancelled, the pool is closed or `on` says its receiver is gone.
pub(super) async fn run(
    listener: PgListener,
    pool: PgPool,
    channel: &'static str,
    mut on: impl FnMut(Heard) -> bool + Send,
    closing: CancellationToken,
) {
    let mut listener = Some(listener);
    let mut pause = Duration::from_millis(100);
    loop {
        let Some(current) = listener.as_mut() else {
            // Away: try again after a pause, without holding up `close`.
            tokio::select! {
                () = closing.cancelled() => return,
                () = tokio::time::sleep(pause) => {}
            }
            match listen(&pool, channel).await {
                Ok(fresh) => {
                    tracing::info!(channel, "listening to the other nodes again");
                    listener = Some(fresh);
                    pause = Duration::from_millis(100);
                    // Whatever was rung meanwhile is lost: read forward.
                    if !on(Heard::Reconnected) {
                        return;
                    }
                }
                Err(e) if pool.is_closed() => {
                    tracing::debug!(error = %e, "the store is closed");
                    return;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "cannot listen yet");
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
            }
            continue;
        };
        let received = tokio::select! {
            () = closing.cancelled() => return,
            received = current.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => {
                if !on(Heard::Notified(notification.payload().to_owned())) {
                    return;
                }
            }
            _ if pool.is_closed() => return,
            // The connection was lost and the listener made a new one.
            Ok(None) => {
                tracing::info!(channel, "the listener to the other nodes reconnected");
                if !on(Heard::Reconnected) {
                    return;
                }
            }
            // Lost for good, or the server ended it: start over with a
            // listener of our own.
            Err(e) => {
                tracing::warn!(channel, error = %e, "lost the listener to the other nodes; reconnecting");
                listener = None;
            }
        }
    }
}

/// One ring; false once the receiver is gone.
fn ring(rings: &mpsc::Sender<()>) -> bool {
    !matches!(
        rings.try_send(()),
        Err(mpsc::error::TrySendError::Closed(()))
    )
}
