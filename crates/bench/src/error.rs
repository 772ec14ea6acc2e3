//! What can go wrong while driving a server, as one error type, so the
//! scenarios can tell "the server refused" from "the network failed".

/// A scenario could not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An HTTP request failed below the application (connect, reset, body).
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    /// The WebSocket handshake or a frame failed.
    #[error("websocket: {0}")]
    WebSocket(#[from] Box<tokio_tungstenite::tungstenite::Error>),
    /// The server answered with a GraphQL or HTTP error.
    #[error("the server refused ({code}): {message}")]
    Refused {
        /// The contract's error code, e.g. `RATE_LIMITED`.
        code: String,
        /// The server's explanation.
        message: String,
    },
    /// The server answered something this tool does not understand.
    #[error("unexpected answer: {0}")]
    Protocol(String),
    /// A local resource (process, file, limit) failed.
    #[error("{0}")]
    Local(String),
    /// Something did not happen within its deadline.
    #[error("timed out: {0}")]
    Timeout(String),
}

impl From<tokio_tungstenite::tungstenite::Error> for Error {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        Error::WebSocket(Box::new(e))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Local(e.to_string())
    }
}

/// The result of a bench step.
pub type Result<T> = std::result::Result<T, Error>;
