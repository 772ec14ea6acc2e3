//! The Suda chat server.
//!
//! A GraphQL endpoint for everything a client asks or sends, and one event
//! stream per member (over SSE, WebSocket or long polling) for everything
//! that happens in the member's channels. Start it with [`run`]: the binary
//! and the tests do it the same way.

pub mod admission;
pub mod attachments;
pub mod auth;
pub mod demo;
pub mod direct;
pub mod ephemeral;
pub mod error;
pub mod fanout;
pub mod graphql;
pub mod ledger;
pub mod limits;
pub mod name;
pub mod presence;
pub mod proxy;
pub mod rules;
pub mod search;
pub mod sequencer;
pub mod store;
pub mod subscription;
pub mod transport;
pub mod validate;
pub mod wire;

use std::{
    future::Future,
    sync::{atomic::AtomicUsize, Arc},
    time::Duration,
};

use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
    Router,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    fanout::{Fanout, LocalFanout},
    ledger::Ledger,
    limits::Limits,
    sequencer::Sequencer,
    store::{postgres::PgStore, sqlite::SqliteStore, Store},
};

/// How the server behaves; [`Config::default`] is what the binary uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database: `sqlite:PATH` (created if missing) or
    /// `sqlite::memory:` for one server on one machine, or
    /// `postgres://USER:PASS@HOST[:PORT]/DB` (also `postgresql://`) for a
    /// database several servers share.
    pub database_url: String,
    /// How often an idle stream gets a keep-alive (SSE comment, WebSocket ping).
    pub keep_alive: Duration,
    /// How many events a member may have missed and still resume; beyond
    /// that the client is told to resync (refetching is cheaper than a
    /// replay that long).
    pub replay_window: u32,
    /// Frames queued per subscription before it counts as too slow and is
    /// dropped (to resume).
    pub subscriber_queue: usize,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The largest GraphQL answer sent, in bytes; a larger one is refused
    /// (`BAD_USER_INPUT`: ask for fewer items). A full history page of the
    /// longest messages is about 2.5 MB.
    pub max_response_bytes: usize,
    /// Sends allowed per second per member, sustained.
    pub sends_per_second: u32,
    /// Sends allowed at once per member.
    pub send_burst: u32,
    /// Changes per second per member, sustained (joining, leaving,
    /// inviting, creating and opening channels, blocking, session changes).
    pub changes_per_second: u32,
    /// Changes allowed at once per member.
    pub change_burst: u32,
    /// Group channels one member may create per hour.
    pub channels_per_hour: u32,
    /// Read-marker moves per second per member, sustained.
    pub marks_per_second: u32,
    /// Read-marker moves allowed at once per member.
    pub mark_burst: u32,
    /// Searches per second per member, sustained: a search can read far
    /// more than any other request (docs/security.md).
    pub searches_per_second: u32,
    /// Searches allowed at once per member.
    pub search_burst: u32,
    /// "Typing" signals per second per member, sustained (a typing client
    /// says so every few seconds, and once when it stops).
    pub typings_per_second: u32,
    /// "Typing" signals allowed at once per member.
    pub typing_burst: u32,
    /// The most members a channel may have for "typing" to be shown in it:
    /// each signal goes to every member's streams, and in a crowd nobody
    /// reads who is typing anyway.
    pub typing_max_members: usize,
    /// How long a member whose last stream closed still shows as there (a
    /// reconnect, or the gap between two long polls, is no departure).
    pub presence_grace: Duration,
    /// The largest file a member may upload, in bytes.
    pub max_upload_bytes: u64,
    /// Bytes one member may upload in 24 hours (sent or not).
    pub upload_bytes_per_day: u64,
    /// Uploads per second per member, sustained.
    pub uploads_per_second: u32,
    /// Uploads allowed at once per member (started in a burst; at most
    /// two run at the same time).
    pub upload_burst: u32,
    /// Uploads running at once, server-wide: each holds its file in
    /// memory while it is read.
    pub uploads_at_once: usize,
    /// Sign-in attempts per member name per minute, from addresses the
    /// member has never signed in from (so strangers cannot lock the owner
    /// out of the places they use).
    pub sign_ins_per_minute: u32,
    /// Sign-in attempts per minute from one client address, for any names.
    pub sign_ins_per_address_per_minute: u32,
    /// Sign-in attempts per minute for one name from one address.
    pub sign_ins_per_name_and_address_per_minute: u32,
    /// Sign-ups per minute, server-wide.
    pub sign_ups_per_minute: u32,
    /// Sign-ups per minute from one client address.
    pub sign_ups_per_address_per_minute: u32,
    /// How long a token works after it is issued; clients renew it before.
    pub token_lifetime: Duration,
    /// The longest a long poll waits for an event.
    pub max_poll_wait: Duration,
    /// How long one write to an event stream may wait for its client to
    /// read before the server ends the stream (the client resumes from its
    /// last id when it comes back).
    pub stream_write_timeout: Duration,
    /// How long a client may take to send a request head, and how long a
    /// kept-alive connection may sit idle between requests.
    pub head_timeout: Duration,
    /// How long a client may take to send a request body.
    pub body_timeout: Duration,
    /// Connections held at once (0: no cap). Keep it below the process's
    /// open-file limit, so the server refuses with an answer rather than
    /// failing to accept.
    pub max_connections: usize,
    /// Connections held at once from one client address (0: no cap). Behind
    /// a reverse proxy every connection comes from the proxy: set 0 there
    /// and cap per client at the proxy.
    pub max_connections_per_address: usize,
    /// Event streams one member may hold open at once (0: no cap).
    pub max_streams_per_member: usize,
    /// Event streams one token (one signed-in device) may hold (0: no cap).
    pub max_streams_per_token: usize,
    /// Seed demo members, channels and a conversation at start (once).
    pub demo: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed: a request from
    /// one of them is from the address it forwarded for (see [`proxy`]).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// On a shared database, how often a node reads forward for events
    /// other nodes committed, in case their ring did not arrive (and reads
    /// the other nodes' revocations).
    pub cluster_poll: Duration,
    /// On a shared database, whether a node rings the others after its
    /// commits and listens for their rings. Off, other nodes' events come
    /// only with the node's own next commit or its next poll: a setting
    /// for measuring what the ring buys, not for serving.
    pub cluster_doorbell: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite:suda.db".into(),
            keep_alive: Duration::from_secs(10),
            replay_window: 10_000,
            subscriber_queue: 1024,
            body_limit: 64 * 1024,
            max_response_bytes: 4 * 1024 * 1024,
            sends_per_second: 10,
            send_burst: 30,
            changes_per_second: 2,
            change_burst: 30,
            channels_per_hour: 30,
            marks_per_second: 10,
            mark_burst: 60,
            searches_per_second: 2,
            search_burst: 20,
            typings_per_second: 1,
            typing_burst: 10,
            typing_max_members: 1_000,
            presence_grace: presence::GRACE,
            max_upload_bytes: suda_protocol::attachment::DEFAULT_MAX_UPLOAD_BYTES,
            upload_bytes_per_day: 2 * 1024 * 1024 * 1024,
            uploads_per_second: 1,
            upload_burst: 10,
            uploads_at_once: 16,
            sign_ins_per_minute: 10,
            sign_ins_per_address_per_minute: 30,
            sign_ins_per_name_and_address_per_minute: 10,
            sign_ups_per_minute: 600,
            sign_ups_per_address_per_minute: 20,
            token_lifetime: Duration::from_secs(30 * 24 * 3600),
            max_poll_wait: Duration::from_secs(30),
            stream_write_timeout: Duration::from_secs(30),
            head_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_connections: 15_000,
            max_connections_per_address: 1_000,
            max_streams_per_member: 16,
            max_streams_per_token: 4,
            demo: false,
            trusted_proxies: Vec::new(),
            cluster_poll: sequencer::DEFAULT_POLL,
            cluster_doorbell: true,
        }
    }
}

impl Config {
    /// The defaults with every rate limit and every connection and stream
    /// cap out of the way: for load tests and test suites, which drive
    /// thousands of members and streams from one address. Never for a
    /// server people use.
    pub fn unthrottled() -> Self {
        Config::default().without_limits()
    }

    /// These settings with every rate limit and connection cap off (what
    /// `suda-server --no-limits` runs with).
    pub fn without_limits(self) -> Self {
        const A_LOT: u32 = 1_000_000;
        Config {
            sends_per_second: A_LOT,
            send_burst: A_LOT,
            changes_per_second: A_LOT,
            change_burst: A_LOT,
            channels_per_hour: A_LOT,
            marks_per_second: A_LOT,
            mark_burst: A_LOT,
            searches_per_second: A_LOT,
            search_burst: A_LOT,
            typings_per_second: A_LOT,
            typing_burst: A_LOT,
            upload_bytes_per_day: u64::MAX / 2,
            uploads_per_second: A_LOT,
            upload_burst: A_LOT,
            sign_ins_per_minute: A_LOT,
            sign_ins_per_address_per_minute: A_LOT,
            sign_ins_per_name_and_address_per_minute: A_LOT,
            sign_ups_per_minute: A_LOT,
            sign_ups_per_address_per_minute: A_LOT,
            max_connections: 0,
            max_connections_per_address: 0,
            max_streams_per_member: 0,
            max_streams_per_token: 0,
            ..self
        }
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Persistent state.
    pub store: Arc<dyn Store>,
    /// Live delivery.
    pub fanout: Arc<dyn Fanout>,
    /// The one writer of channel events.
    pub ledger: Ledger,
    /// Rate limits.
    pub limits: Arc<Limits>,
    /// Caps on connections and streams.
    pub admission: Arc<admission::Admission>,
    /// Settings.
    pub config: Arc<Config>,
    /// Cancelled when the server stops: open streams end.
    pub shutdown: CancellationToken,
    /// SSE streams the direct path (`direct`) is writing now.
    pub streams_open: Arc<AtomicUsize>,
    /// The GraphQL schema.
    pub schema: graphql::SudaSchema,
    /// What bounds the uploads running.
    pub uploads: Arc<attachments::Uploads>,
    /// Typing, to this node's streams and the other nodes'.
    pub ephemeral: Arc<ephemeral::Ephemeral>,
}

/// The HTTP routes of the server.
pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit;
    Router::new()
        .route(
            suda_protocol::GRAPHQL_PATH,
            get(graphql::explorer).post(graphql::handle),
        )
        .route(suda_protocol::SSE_PATH, get(transport::sse))
        .route(suda_protocol::WS_PATH, get(transport::websocket))
        .route(suda_protocol::POLL_PATH, get(transport::poll))
        .route(
            suda_protocol::attachment::ATTACHMENTS_PATH,
            post(attachments::upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            &format!("{}/{{id}}", suda_protocol::attachment::ATTACHMENTS_PATH),
            get(attachments::download),
        )
        .route(
            &format!(
                "{}/{{id}}/thumbnail",
                suda_protocol::attachment::ATTACHMENTS_PATH
            ),
            get(attachments::thumbnail),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .fallback(transport::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// `GET /readyz`: 200 while this node can read its database, 503 while it
/// cannot (a load balancer with active checks sends it no new clients;
/// `/healthz` only says the process serves).
async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    match tokio::time::timeout(Duration::from_secs(2), state.store.head()).await {
        Ok(Ok(_)) => (axum::http::StatusCode::OK, "ready"),
        _ => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the database cannot be reached",
        ),
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database URL names no store this server has.
    #[error("the database URL {0:?} is not one this server knows: use sqlite:PATH or postgres://USER:PASS@HOST/DB")]
    UnknownDatabase(String),
    /// The database could not be opened (or reached) or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The database could not be reached, opened or migrated.
    #[error("cannot open the database {url}: {source}")]
    NotOpened {
        /// The database as configured, without its password.
        url: String,
        /// What the database said.
        source: sqlx::Error,
    },
    /// The database opened but cannot be written (read-only, full, failing).
    #[error("the database {url} cannot be written: {source}")]
    NotWritable {
        /// The database as configured, without its password.
        url: String,
        /// What the database said.
        source: sqlx::Error,
    },
    /// Reading the initial state failed.
    #[error("startup: {0}")]
    Startup(#[from] error::ApiError),
    /// Serving failed.
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the store `url` names (by its scheme: `sqlite:`, `postgres://`
/// or `postgresql://`), brings its schema up to date and proves it can be
/// written, so a database that cannot be reached or written stops the
/// server at start with a message that says so.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, ServerError> {
    let shown = || store::postgres::without_password(url);
    if url.starts_with("sqlite:") {
        let sqlite = SqliteStore::open(url).await?;
        sqlite
            .check_writable()
            .await
            .map_err(|source| ServerError::NotWritable {
                url: url.to_owned(),
                source,
            })?;
        Ok(Arc::new(sqlite))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let pg = PgStore::open(url).await.map_err(|source| {
            if store::postgres::is_read_only(&source) {
                // Found by the migrations, before `check_writable`.
                ServerError::NotWritable {
                    url: shown(),
                    source,
                }
            } else {
                ServerError::NotOpened {
                    url: shown(),
                    source,
                }
            }
        })?;
        if let Err(source) = pg.check_writable().await {
            pg.close().await;
            return Err(ServerError::NotWritable {
                url: shown(),
                source,
            });
        }
        Ok(Arc::new(pg))
    } else {
        Err(ServerError::UnknownDatabase(shown()))
    }
}

/// Opens the database and builds the state, with the ledger running. The
/// store is closed by whoever stops the ledger (`state.store.close()`).
pub async fn open(config: Config) -> Result<(AppState, tokio::task::JoinHandle<()>), ServerError> {
    let store = open_store(&config.database_url).await?;
    let fanout: Arc<dyn Fanout> = Arc::new(LocalFanout::new(config.subscriber_queue));
    let limits = Limits::kept_in(&config, store.shared_rates());
    let (head, memberships) = store.memberships().await?;
    fanout.seed(&memberships);
    let shutdown = CancellationToken::new();
    let (sequencer, sequencer_task) = Sequencer::start(
        Arc::clone(&store),
        Arc::clone(&fanout),
        head,
        sequencer::Watch {
            poll: config.cluster_poll,
            doorbell: config.cluster_doorbell,
        },
    );
    let (ledger, ledger_task) =
        Ledger::start(Arc::clone(&store), sequencer, shutdown.child_token());
    let ledger_task = tokio::spawn(async move {
        // The ledger hands its last batches to the sequencer, so it ends first.
        let _ = ledger_task.await;
        let _ = sequencer_task.await;
    });
    let config_uploads_at_once = config.uploads_at_once;
    let ephemeral = ephemeral::Ephemeral::new(
        Arc::clone(&fanout),
        Arc::clone(&store),
        config.typing_max_members,
        config.presence_grace,
    );
    if let Some(heard) = store.announcements().await? {
        // Ends when the store closes (and its queue with it).
        tokio::spawn(Arc::clone(&ephemeral).relay(heard));
    }
    tokio::spawn(Arc::clone(&ephemeral).run(shutdown.child_token()));
    let state = AppState {
        store,
        fanout,
        ledger,
        limits: Arc::new(limits),
        admission: admission::Admission::new(&config),
        config: Arc::new(config),
        shutdown,
        streams_open: Arc::default(),
        schema: graphql::schema(),
        uploads: attachments::Uploads::new(config_uploads_at_once),
        ephemeral,
    };
    Ok((state, ledger_task))
}

/// A server that is open but not yet serving: the database is open and
/// migrated, the demo data seeded if asked, the ledger running. `run` is
/// `Server::open` then `serve`; tests that read the state (the fan-out's
/// subscriptions, say) hold a `Server` and start it the same way.
pub struct Server {
    state: AppState,
    ledger: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Opens the database and builds the state (see [`open`]), seeding the
    /// demo data when `config.demo` is set.
    pub async fn open(config: Config) -> Result<Server, ServerError> {
        let demo = config.demo;
        let (state, ledger) = open(config).await?;
        if demo {
            demo::seed(&state).await?;
        }
        Ok(Server { state, ledger })
    }

    /// The server's state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves on `listener` until `stop` completes, then shuts down
    /// cleanly: open streams end, queued writes are committed, the database
    /// is closed.
    pub async fn serve<F>(self, listener: TcpListener, stop: F) -> Result<(), ServerError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Server { state, ledger } = self;
        let shutdown = state.shutdown.clone();
        let pruner = tokio::spawn(limits::prune_every_minute(
            Arc::clone(&state.limits),
            shutdown.clone(),
        ));
        let sweeper = tokio::spawn(auth::sweep_expired_tokens(
            Arc::clone(&state.store),
            shutdown.clone(),
        ));
        let sweeper_of_files = tokio::spawn(attachments::sweep_every_hour(
            Arc::clone(&state.store),
            shutdown.clone(),
        ));
        let revocations = tokio::spawn(auth::follow_revocations(
            Arc::clone(&state.store),
            Arc::clone(&state.admission),
            state.config.cluster_poll,
            shutdown.clone(),
        ));
        tracing::info!(addr = %listener.local_addr()?, "suda-server listening");
        let store = Arc::clone(&state.store);
        let app = router(state.clone());
        direct::serve(listener, app, state, stop).await;
        shutdown.cancel();
        let _ = ledger.await;
        let _ = pruner.await;
        let _ = sweeper.await;
        let _ = revocations.await;
        let _ = sweeper_of_files.await;
        store.close().await;
        Ok(())
    }
}

/// Serves on `listener` until `stop` completes, then shuts down cleanly:
/// open streams end, queued writes are committed, the database is closed.
pub async fn run<F>(listener: TcpListener, config: Config, stop: F) -> Result<(), ServerError>
where
    F: Future<Output = ()> + Send + 'static,
{
    Server::open(config).await?.serve(listener, stop).await
}
