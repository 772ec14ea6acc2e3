//! The server's one error type, and where it becomes a response.
//!
//! Every error a client can see has a stable code from the contract and a
//! sentence for a person. Resolvers return it with `?` (async-graphql keeps
//! it as the error's source); the GraphQL handler turns it into a message
//! and `extensions.code` in one place (`graphql::execute`), and its
//! `IntoResponse` turns it into an HTTP answer
//! (`{ "error": { "code", "message" } }`).

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use suda_protocol::{ErrorBody, ErrorCode, ErrorDetail, IdError};

/// Anything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, or a bad or revoked one.
    #[error("sign in first: the request carries no valid token")]
    Unauthenticated,
    /// Introspection asked for without signing in.
    #[error("introspection is for signed-in members; the schema is published as schema.graphql")]
    IntrospectionForMembers,
    /// Wrong member name or password.
    #[error("wrong member name or password")]
    BadCredentials,
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Unknown (or invisible) thing.
    #[error("{0}")]
    NotFound(String),
    /// Malformed or rule-breaking input.
    #[error("{0}")]
    BadInput(String),
    /// A malformed id or cursor.
    #[error(transparent)]
    BadId(#[from] IdError),
    /// A name already taken, or a state that forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// Too many requests of one kind.
    #[error("{0}")]
    RateLimited(String),
    /// The request does not say its body is JSON.
    #[error("send GraphQL requests as JSON: Content-Type: application/json")]
    NotJson,
    /// The request body is larger than the server accepts.
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    /// The database failed; the request changed nothing.
    #[error("storage failed")]
    Storage(#[from] sqlx::Error),
    /// Any other failure inside the server.
    #[error("internal error: {0}")]
    Internal(String),
    /// The request ran out of time; what it asked for may have happened.
    #[error("the request took longer than {0:?}; a change it asked for may still have been made, so check before retrying")]
    TimedOut(std::time::Duration),
    /// The server is at a capacity limit (connections); retry shortly.
    #[error("{0}")]
    Busy(String),
    /// A write could not be made durable (disk full or failing, database
    /// read-only or away); nothing of it was kept or published.
    #[error("the server cannot store anything right now; nothing was saved, try again shortly")]
    Unavailable,
}

impl ApiError {
    /// `Conflict`: a member already has this name, or one that reads the
    /// same (see [`crate::name::key`]).
    pub fn name_taken(name: &str) -> Self {
        ApiError::Conflict(format!(
            "the member name {name:?} is taken, or one that reads the same is"
        ))
    }

    /// The stable code the client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthenticated
            | ApiError::BadCredentials
            | ApiError::IntrospectionForMembers => ErrorCode::Unauthenticated,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::BadInput(_) | ApiError::BadId(_) | ApiError::NotJson => {
                ErrorCode::BadUserInput
            }
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::RateLimited(_) => ErrorCode::RateLimited,
            ApiError::TooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::Internal(_) | ApiError::TimedOut(_) => ErrorCode::Internal,
            ApiError::Storage(_) | ApiError::Unavailable | ApiError::Busy(_) => {
                ErrorCode::Unavailable
            }
        }
    }

    /// Whether the error came from storage itself (as opposed to a rule the
    /// request broke): after one, a transaction's state cannot be trusted.
    pub fn is_storage(&self) -> bool {
        matches!(self, ApiError::Storage(_) | ApiError::Internal(_))
    }

    /// The sentence the client sees. Internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Storage(e) => {
                tracing::error!(error = %e, "storage error");
                "the server could not complete the request; nothing was changed".to_owned()
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                "the server could not complete the request; nothing was changed".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// The error as an HTTP body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.public_message(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self {
            ApiError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::from_u16(self.code().http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        };
        (status, Json(self.body())).into_response()
    }
}

/// Results of the server's operations.
pub type ApiResult<T> = Result<T, ApiError>;
