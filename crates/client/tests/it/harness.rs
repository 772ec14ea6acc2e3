//! A server in-process, sessions against it, and waiting helpers.
//!
//! Tests wait for conditions with a deadline (`eventually`, `Recorder::wait`)
//! and never sleep and hope.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use suda_client::{ClientEvent, ConnectionState, Session, SessionOptions, SubscriptionConfig};
use suda_server::Config;
use tokio::task::JoinHandle;

use suda_testkit::proxy::Proxy;

/// Server settings for tests: the test kit's.
pub use suda_testkit::{config as server_config, eventually};

/// Client settings for tests: short waits, a read timeout well above the
/// test server's keep-alive.
pub fn client_config() -> SubscriptionConfig {
    SubscriptionConfig {
        read_timeout: Duration::from_secs(3),
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        poll_wait: Duration::from_secs(1),
        outbox_retry: Duration::from_millis(200),
        ..SubscriptionConfig::default()
    }
}

/// The test kit's server in this process, with client sessions against it.
pub struct TestServer {
    inner: suda_testkit::TestServer,
    pub addr: SocketAddr,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(server_config()).await
    }

    pub async fn start_with(config: Config) -> Self {
        let inner = suda_testkit::TestServer::start_with(config).await;
        TestServer {
            addr: inner.addr,
            inner,
        }
    }

    pub fn url(&self) -> String {
        self.inner.base()
    }

    /// A session to this server (or through `via`), not signed in.
    pub fn session(&self, via: Option<&Proxy>) -> Session {
        self.session_with(via, |_| {})
    }

    /// A session with adjusted options.
    pub fn session_with(
        &self,
        via: Option<&Proxy>,
        adjust: impl FnOnce(&mut SessionOptions),
    ) -> Session {
        let url = via.map_or_else(|| self.url(), Proxy::url);
        let mut options = SessionOptions::new(url);
        options.subscription = client_config();
        adjust(&mut options);
        Session::new(options).unwrap()
    }

    /// A signed-up member's session, subscribed and live.
    pub async fn member(&self, name: &str, via: Option<&Proxy>) -> (Session, Recorder) {
        let session = self.session(via);
        session.sign_up(name, suda_testkit::PASSWORD).await.unwrap();
        let recorder = Recorder::start(&session);
        session.start();
        wait_live(&session).await;
        (session, recorder)
    }
}

/// Waits until the session's subscription is live.
pub async fn wait_live(session: &Session) {
    let mut state = session.connection();
    tokio::time::timeout(
        Duration::from_secs(20),
        state.wait_for(|s| matches!(s, ConnectionState::Live { .. })),
    )
    .await
    .expect("live within 20 s")
    .unwrap();
}

/// Records every event a session emits, for tests to wait on.
#[derive(Clone)]
pub struct Recorder {
    events: Arc<Mutex<Vec<ClientEvent>>>,
    _task: Arc<AbortOnDrop>,
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Recorder {
    pub fn start(session: &Session) -> Self {
        let mut rx = session.events();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        let task = tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(e) => sink.lock().unwrap().push(e),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        panic!("the recorder lagged by {n} events")
                    }
                    Err(_) => return,
                }
            }
        });
        Recorder {
            events,
            _task: Arc::new(AbortOnDrop(task)),
        }
    }

    pub fn events(&self) -> Vec<ClientEvent> {
        self.events.lock().unwrap().clone()
    }

    /// The texts of the chat messages received, in order.
    pub fn texts(&self) -> Vec<String> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                ClientEvent::Message(m) => m.message,
                _ => None,
            })
            .collect()
    }

    /// The ids of the channel events seen, in order.
    pub fn event_ids(&self) -> Vec<i64> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                ClientEvent::Message(m) => Some(m.id.get()),
                _ => None,
            })
            .collect()
    }

    /// The connection states seen, in order.
    pub fn states(&self) -> Vec<ConnectionState> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                ClientEvent::Connection(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// Waits until `check` holds over the recorded events.
    pub async fn wait(&self, what: &str, check: impl Fn(&[ClientEvent]) -> bool) {
        eventually(what, || {
            let ok = check(&self.events.lock().unwrap());
            async move { ok }
        })
        .await;
    }

    /// Waits until the message `text` has been received.
    pub async fn wait_text(&self, text: &str) {
        self.wait(&format!("message {text:?}"), |events| {
            events
                .iter()
                .any(|e| matches!(e, ClientEvent::Message(m) if m.message.as_deref() == Some(text)))
        })
        .await;
    }
}
