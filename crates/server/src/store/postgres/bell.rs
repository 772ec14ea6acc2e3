//! The doorbell: a task that listens on `suda_events` and turns every
//! notification into one ring, plus one after every reconnect (what was
//! rung while the listener was away is lost, so the receiver reads
//! forward from the database then).
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

use super::CHANNEL;

/// Rings queued for the receiver. A full queue already means "read
/// forward", so a ring that finds it full is not needed and is dropped.
pub(super) const QUEUE: usize = 16;

/// A listener on the doorbell's channel.
pub(super) async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Rings `rings` for every notification until `closing` is cancelled, the
/// pool is closed or the receiver is gone.
pub(super) async fn run(
    listener: PgListener,
    pool: PgPool,
    rings: mpsc::Sender<()>,
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
            match listen(&pool).await {
                Ok(fresh) => {
                    tracing::info!("listening for other nodes' commits again");
                    listener = Some(fresh);
                    pause = Duration::from_millis(100);
                    // Whatever was rung meanwhile is lost: read forward.
                    if !ring(&rings) {
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
            () = rings.closed() => return,
            received = current.try_recv() => received,
        };
        match received {
            Ok(Some(_)) => {
                if !ring(&rings) {
                    return;
                }
            }
            _ if pool.is_closed() => return,
            // The connection was lost and the listener made a new one.
            Ok(None) => {
                tracing::info!("the listener for other nodes' commits reconnected");
                if !ring(&rings) {
                    return;
                }
            }
            // Lost for good, or the server ended it: start over with a
            // listener of our own.
            Err(e) => {
                tracing::warn!(error = %e, "lost the listener for other nodes' commits; reconnecting");
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
