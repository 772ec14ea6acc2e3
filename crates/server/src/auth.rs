//! Passwords, bearer tokens, and who is asking.
//!
//! Passwords are hashed with Argon2id (default parameters) on the blocking
//! pool. Tokens are 32 random bytes, URL-safe base64; only their SHA-256 is
//! stored, so a leaked database yields no usable token. A token lives
//! `Config::token_lifetime` from when it was issued; clients renew it
//! before then (`renewSession`), so a stolen token ages out. Signing out,
//! or ending the session from another device, deletes the digest, which
//! revokes the token at once, open streams included.

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use axum::http::{header::AUTHORIZATION, HeaderMap};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{
    error::{ApiError, ApiResult},
    limits::Limits,
    store::{MemberRow, NewToken, SessionRow},
    AppState,
};

/// How often a session's "last seen" is written: at most once a minute.
const TOUCH_EVERY_MS: i64 = 60_000;

/// A token that checked out: whose it is, and its session.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub member: MemberRow,
    pub session: SessionRow,
    /// When the token stops working (unix ms).
    pub expires_at: i64,
}

impl Authenticated {
    /// How long the token has left.
    pub fn remaining(&self) -> std::time::Duration {
        let left = self.expires_at - crate::store::sqlite::now_millis();
        std::time::Duration::from_millis(left.max(0) as u64)
    }
}

/// A new token, and what is stored of it.
pub fn issue(state: &AppState, device: Option<&str>, address: Option<&str>) -> (String, NewToken) {
    let token = new_token();
    let lifetime = i64::try_from(state.config.token_lifetime.as_millis()).unwrap_or(i64::MAX);
    let stored = NewToken {
        digest: digest(&token),
        expires_at: crate::store::sqlite::now_millis().saturating_add(lifetime),
        device: device.map(str::to_owned),
        address: address.map(str::to_owned),
    };
    (token, stored)
}

/// Hashes a password (slow on purpose; runs off the async threads, at most
/// as many at once as `limits` allows).
pub async fn hash_password(limits: &Limits, password: String) -> ApiResult<String> {
    let _slot = limits.hashing().await?;
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt =
            SaltString::encode_b64(&salt).map_err(|e| ApiError::Internal(format!("salt: {e}")))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("hashing task failed: {e}")))?
}

/// Checks a password against a stored hash.
pub async fn verify_password(limits: &Limits, password: String, hash: String) -> ApiResult<bool> {
    let _slot = limits.hashing().await?;
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| ApiError::Internal(format!("stored hash unreadable: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("verify task failed: {e}")))?
}

/// A new random bearer token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a token.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The bearer token of a request, if it has an `Authorization` header.
/// A header that is there but not `Bearer <token>` is refused.
pub fn bearer(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthenticated)?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthenticated)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Some(token.to_owned()))
}

/// The member a token belongs to; `Unauthenticated` for an unknown,
/// revoked or expired token.
pub async fn authenticate(state: &AppState, token: &str) -> ApiResult<Authenticated> {
    if token.len() > 256 {
        return Err(ApiError::Unauthenticated);
    }
    let digest = digest(token);
    let (member, session) = state
        .store
        .token_session(&digest)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let lifetime = i64::try_from(state.config.token_lifetime.as_millis()).unwrap_or(i64::MAX);
    // Tokens made before lifetimes live one lifetime from their making.
    let expires_at = session
        .expires_at
        .unwrap_or_else(|| session.created_at.saturating_add(lifetime));
    let now = crate::store::sqlite::now_millis();
    if now >= expires_at {
        return Err(ApiError::Unauthenticated);
    }
    if session
        .last_seen_at
        .is_none_or(|seen| now - seen >= TOUCH_EVERY_MS)
    {
        // Best effort and brief: "last seen" is worth no one's request
        // waiting on a busy or failing disk.
        let touched = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            state.store.touch_token(&digest),
        );
        if let Ok(Err(e)) = touched.await {
            tracing::debug!(error = %e, "could not note a session's last use");
        }
    }
    Ok(Authenticated {
        member,
        session,
        expires_at,
    })
}

/// Deletes tokens a day past their expiry, every ten minutes, until `stop`.
pub async fn sweep_expired_tokens(
    store: std::sync::Arc<dyn crate::store::Store>,
    stop: tokio_util::sync::CancellationToken,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let before = crate::store::sqlite::now_millis() - 86_400_000;
                match store.delete_expired_tokens(before).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(tokens = n, "forgot expired tokens"),
                    Err(e) => tracing::warn!(error = %e, "could not forget expired tokens"),
                }
            }
            () = stop.cancelled() => return,
        }
    }
}

/// On a shared database: ends this node's streams of tokens other nodes
/// revoked (signed out, ended, renewed), every `every`, until `stop`. A
/// request made with a revoked token fails on any node at once (tokens are
/// looked up in the database on every request); a stream already open
/// ends within `every`.
pub async fn follow_revocations(
    store: std::sync::Arc<dyn crate::store::Store>,
    admission: std::sync::Arc<crate::admission::Admission>,
    every: std::time::Duration,
    stop: tokio_util::sync::CancellationToken,
) {
    if !store.shared() {
        return;
    }
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = tick.tick() => match store.recent_revocations().await {
                Ok(digests) => {
                    failing = false;
                    for digest in &digests {
                        admission.revoke(digest);
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "cannot read other nodes' revocations; retrying");
                    }
                    failing = true;
                }
            },
            () = stop.cancelled() => return,
        }
    }
}

/// What a client calls itself (its `User-Agent`), fit for a session list:
/// printable, at most 120 characters.
pub fn device(headers: &HeaderMap) -> Option<String> {
    let agent = headers.get(axum::http::header::USER_AGENT)?.to_str().ok()?;
    let clean: String = agent
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_owned())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_themselves() {
        let limits = Limits::new(&crate::Config::default());
        let hash = hash_password(&limits, "correct horse".into())
            .await
            .unwrap();
        let right = verify_password(&limits, "correct horse".into(), hash.clone());
        assert!(right.await.unwrap());
        let wrong = verify_password(&limits, "wrong horse".into(), hash);
        assert!(!wrong.await.unwrap());
    }

    #[test]
    fn tokens_are_random_and_digests_fixed_size() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
    }

    #[test]
    fn bearer_header_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h).unwrap(), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer(&h).unwrap().as_deref(), Some("abc"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("bearer   abc "));
        assert_eq!(bearer(&h).unwrap().as_deref(), Some("abc"));
        for bad in ["Basic abc", "Bearer", "Bearer ", "abc"] {
            h.insert(AUTHORIZATION, HeaderValue::from_static(bad));
            assert!(bearer(&h).is_err(), "{bad}");
        }
    }
}
