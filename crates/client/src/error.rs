//! The client's one error type.
//!
//! Callers (the desktop shell, the CLI, tests) need to tell apart three
//! situations and act differently on each: the server could not be reached
//! (retry later, show "offline"), the server answered with a contract error
//! (show its message; on `UNAUTHENTICATED` ask the member to sign in again),
//! and the answer made no sense (a bug on one side). The mapping from the
//! wire to this type happens once, in `graphql`.

use suda_protocol::ErrorCode;

/// Anything a client operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No connection could be made, or it broke before an answer came.
    #[error("cannot reach the Suda server at {url}: {reason}")]
    Unreachable {
        /// The URL that was tried.
        url: String,
        /// What went wrong, for a person.
        reason: String,
    },
    /// The server answered with an HTTP status that is not the contract's.
    #[error("the server answered HTTP {status}: {message}")]
    Http {
        /// The status code.
        status: u16,
        /// The body's message, or the status text.
        message: String,
    },
    /// The server refused the request with a contract error code.
    #[error("{message} ({})", code.as_str())]
    Api {
        /// The stable code from `extensions.code`.
        code: ErrorCode,
        /// The server's sentence for a person.
        message: String,
    },
    /// The operation needs a signed-in member and there is none.
    #[error("not signed in: sign in first")]
    NotSignedIn,
    /// The answer could not be read (a client/server mismatch).
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// The local store (the outbox) could not be read or written.
    #[error("local storage: {0}")]
    Storage(#[from] std::io::Error),
}

impl ClientError {
    /// The contract code, when the server gave one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { code, .. } => Some(*code),
            ClientError::NotSignedIn => Some(ErrorCode::Unauthenticated),
            _ => None,
        }
    }

    /// Whether the member must sign in again (bad, expired or revoked token).
    pub fn needs_sign_in(&self) -> bool {
        self.code() == Some(ErrorCode::Unauthenticated)
    }

    /// Whether trying the same request later may succeed (network trouble,
    /// rate limits, server failures), as opposed to a request that will be
    /// refused every time.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } => true,
            ClientError::Http { status, .. } => *status >= 500 || *status == 429,
            ClientError::Api { code, .. } => {
                matches!(
                    code,
                    ErrorCode::RateLimited | ErrorCode::Internal | ErrorCode::Unavailable
                )
            }
            _ => false,
        }
    }

    pub(crate) fn unreachable(url: &str, err: &reqwest::Error) -> Self {
        let reason = if err.is_timeout() {
            "timed out".to_owned()
        } else if err.is_connect() {
            "connection refused or no route".to_owned()
        } else {
            // reqwest's Display hides the cause chain; the innermost is the useful one.
            let mut source: &dyn std::error::Error = err;
            while let Some(next) = source.source() {
                source = next;
            }
            source.to_string()
        };
        ClientError::Unreachable {
            url: url.to_owned(),
            reason,
        }
    }
}

/// Results of client operations.
pub type ClientResult<T> = Result<T, ClientError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_network_and_server_trouble_is_transient() {
        let unreachable = ClientError::Unreachable {
            url: "http://x".into(),
            reason: "refused".into(),
        };
        assert!(unreachable.is_transient());
        let api = |code| ClientError::Api {
            code,
            message: "m".into(),
        };
        assert!(api(ErrorCode::RateLimited).is_transient());
        assert!(api(ErrorCode::Unavailable).is_transient());
        assert!(!api(ErrorCode::Forbidden).is_transient());
        assert!(api(ErrorCode::Unauthenticated).needs_sign_in());
        assert_eq!(
            api(ErrorCode::NotFound).to_string(),
            "m (NOT_FOUND)".to_owned()
        );
    }
}
