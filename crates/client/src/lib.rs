//! The headless Suda chat client.
//!
//! Everything a Suda front end needs except the front end: signing in, the
//! GraphQL reads and writes, the member's one event subscription (resume,
//! backoff, transport fallback), channel and unread state, the notification
//! policy and a persistent outbox. It knows nothing of Tauri or terminals:
//! a [`Session`] hands out a typed stream of [`ClientEvent`]s and the desktop
//! shell, the CLI and the tests each render them their own way.

pub mod attachments;
pub mod credentials;
pub mod error;
pub mod graphql;
pub mod history;
pub mod notify;
pub mod outbox;
pub mod search;
pub mod session;
pub mod state;
pub mod subscription;
pub mod transport;
mod wire;

pub use error::{ClientError, ClientResult};
pub use history::{HistoryItem, HistoryPage, Reaction, ThreadPage, ThreadSummary};
pub use session::{
    actions::SessionInfo,
    groups::{DirectoryPage, GroupChange, ListedGroup, NewGroup},
    server_url::{normalize_server_url, BadServerUrl},
    ClientEvent, Session, SessionOptions, Snapshot,
};
pub use state::{Channel, ChannelKind};
pub use subscription::{Change, ConnectionState, OfflineReason, SubscriptionConfig};
pub use transport::TransportKind;
