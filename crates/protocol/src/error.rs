//! Error codes every client can rely on.
//!
//! GraphQL errors carry one in `extensions.code`; HTTP endpoints answer with
//! `{ "error": { "code", "message" } }` and the matching status.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// No credentials, or a bad, expired or revoked token; also a wrong password.
    Unauthenticated,
    /// Signed in, but not allowed (not a member of the channel, someone else's id).
    Forbidden,
    /// The thing named does not exist (or is not visible to the caller).
    NotFound,
    /// The request is malformed or breaks a rule (empty message, bad id, ...).
    BadUserInput,
    /// Too many requests; try again later.
    RateLimited,
    /// The name is taken, or the state does not allow it.
    Conflict,
    /// The request body is too large.
    PayloadTooLarge,
    /// Something broke on the server; nothing was half-written.
    Internal,
    /// The server cannot store anything right now (its disk is full or
    /// failing, its database is away); nothing was written. Retry later:
    /// it recovers by itself once the fault is gone.
    Unavailable,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::Unavailable => "UNAVAILABLE",
        }
    }

    /// The code read back from the wire; `None` for a code this build does not know.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }

    /// The HTTP status that goes with the code on plain HTTP endpoints.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::BadUserInput => 400,
            ErrorCode::RateLimited => 429,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// The JSON body of an HTTP error: `{ "error": { "code", "message" } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong, for machines (`code`) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The stable code.
    pub code: ErrorCode,
    /// A sentence for a person.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in [
            ErrorCode::Unauthenticated,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::BadUserInput,
            ErrorCode::RateLimited,
            ErrorCode::Conflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::Internal,
        ] {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }
}
