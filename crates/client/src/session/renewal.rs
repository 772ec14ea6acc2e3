//! Keeping the token alive: the server gives every token a lifetime, and
//! the session renews it once half of that has passed, without the member
//! noticing. The new token replaces the old one at once (the subscription
//! reconnects with it and resumes); front ends hear
//! [`ClientEvent::TokenRenewed`] and keep [`Session::token`] for the next
//! start.

use std::{sync::Arc, time::Duration};

use time::{format_description::well_known::Rfc3339, OffsetDateTime};

use super::{lock, ClientEvent, Session, Shared};
use crate::{
    error::{ClientError, ClientResult},
    graphql::ops,
};

/// When the token in hand was issued and when it expires (unix ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenLife {
    pub(crate) issued: i64,
    pub(crate) expires: i64,
}

impl TokenLife {
    /// Halfway: when renewing is due.
    fn due(self) -> i64 {
        self.issued + (self.expires - self.issued) / 2
    }
}

/// The longest the renewal task sleeps between looks.
const MAX_WAIT: Duration = Duration::from_secs(6 * 3600);
/// How long it waits after a failed renewal (the server was away).
const RETRY_WAIT: Duration = Duration::from_secs(60);

pub(crate) fn now_millis() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A server time (RFC 3339) in unix ms.
pub(crate) fn parse_time(text: &str) -> ClientResult<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|e| ClientError::Protocol(format!("the server sent the time {text:?}: {e}")))
}

/// The life of the token in hand, asking the server when not known.
async fn life(shared: &Shared) -> ClientResult<TokenLife> {
    if let Some(life) = *lock(&shared.token_life) {
        return Ok(life);
    }
    let session = shared
        .api
        .run::<ops::CurrentSession>(ops::current_session::Variables)
        .await?
        .current_session;
    let life = TokenLife {
        issued: parse_time(&session.created_at)?,
        expires: parse_time(&session.expires_at)?,
    };
    *lock(&shared.token_life) = Some(life);
    Ok(life)
}

/// Renews the token if half its life has passed; the new token if it did.
pub(crate) async fn renew_if_due(shared: &Shared) -> ClientResult<Option<String>> {
    if shared.api.token().is_none() {
        return Ok(None);
    }
    if now_millis() < life(shared).await?.due() {
        return Ok(None);
    }
    let renewed = shared
        .api
        .run::<ops::RenewSession>(ops::renew_session::Variables)
        .await?
        .renew_session;
    let expires = parse_time(&renewed.expires_at)?;
    shared.api.set_token(Some(renewed.token.clone()));
    *lock(&shared.token_life) = Some(TokenLife {
        issued: now_millis(),
        expires,
    });
    let _ = shared.events.send(ClientEvent::TokenRenewed);
    Ok(Some(renewed.token))
}

/// Renews the token whenever it is due, until aborted (it is one of the
/// session's children, stopped with it).
pub(crate) async fn keep_renewed(shared: Arc<Shared>) {
    loop {
        let wait = match renew_if_due(&shared).await {
            Ok(_) => {
                let due = lock(&shared.token_life).map_or(i64::MAX, TokenLife::due);
                let left = due.saturating_sub(now_millis()).max(1_000);
                Duration::from_millis(left as u64).min(MAX_WAIT)
            }
            Err(e) if e.needs_sign_in() => return,
            Err(e) => {
                tracing::debug!(error = %e, "renewing the token failed; trying again later");
                RETRY_WAIT
            }
        };
        tokio::time::sleep(wait).await;
    }
}

impl Session {
    /// Renews the token now if half its life has passed (the session also
    /// does this by itself while started); the new token if it did.
    pub async fn renew_if_due(&self) -> ClientResult<Option<String>> {
        renew_if_due(&self.shared).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewing_is_due_at_half_life() {
        let life = TokenLife {
            issued: 1_000,
            expires: 3_000,
        };
        assert_eq!(life.due(), 2_000);
    }

    #[test]
    fn server_times_parse_and_bad_ones_are_protocol_errors() {
        assert_eq!(parse_time("1970-01-01T00:00:01.500Z").unwrap(), 1_500);
        assert!(matches!(
            parse_time("yesterday"),
            Err(ClientError::Protocol(_))
        ));
    }
}
