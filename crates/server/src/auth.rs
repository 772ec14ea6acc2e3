//! Passwords, bearer tokens, and who is asking.
//!
//! Passwords are hashed with Argon2id (default parameters) on the blocking
//! pool. Tokens are 32 random bytes, URL-safe base64; only their SHA-256 is
//! stored, so a leaked database yields no usable token. Signing out deletes
//! the digest, which revokes the token at once.

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
    store::MemberRow,
    AppState,
};

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

/// The member a token belongs to; `Unauthenticated` for an unknown or
/// revoked token.
pub async fn authenticate(state: &AppState, token: &str) -> ApiResult<MemberRow> {
    if token.len() > 256 {
        return Err(ApiError::Unauthenticated);
    }
    state
        .store
        .token_member(&digest(token))
        .await?
        .ok_or(ApiError::Unauthenticated)
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
