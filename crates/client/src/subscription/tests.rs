//! The reconnect state machine against a scripted transport, in paused
//! time: backoff, fallback and return, resync, sleep, a refused token.
//! The end-to-end behaviour over real sockets is in `tests/it/`.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex,
    },
    time::Duration,
};

use suda_protocol::ResyncReason;

use self::script::{
    afters, away, chat, connected, dials, edit, edited, fails, gaps, has, kinds, lost, opens,
    reports, resync, states, stays, typing, Entry, Rig,
};
use super::*;
use crate::transport::TransportKind::{LongPoll, Sse, WebSocket};

mod backoff;
mod script;
mod stream;
mod tokens;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Waits from 100 ms up to 1 s; the default transports, fallback after 3
/// failed connects, SSE again after 300 s live on a fallback, clock checks
/// every second.
fn config() -> SubscriptionConfig {
    SubscriptionConfig {
        backoff_base: ms(100),
        backoff_max: secs(1),
        ..SubscriptionConfig::default()
    }
}

fn sse_only() -> SubscriptionConfig {
    SubscriptionConfig {
        transports: vec![Sse],
        ..config()
    }
}

fn live(transport: TransportKind) -> Entry {
    Entry::Connection(ConnectionState::Live { transport })
}
