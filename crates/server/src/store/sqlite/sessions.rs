//! Tokens (sign-in sessions) and the addresses members signed in from, in
//! SQLite. Only a token's SHA-256 is stored; a session's public id is the
//! first 8 bytes of it, in hex (it reveals nothing of the token).

use sqlx::{SqliteConnection, SqlitePool};
use suda_protocol::MemberId;

use super::{
    now_millis,
    rows::{self, MemberSessionRecord, SessionRecord, SESSION_COLS},
};
use crate::{
    error::ApiResult,
    store::{MemberRow, NewToken, SessionRow},
};

/// Stores a token (and remembers its address as one the member signs in
/// from), on a connection inside the caller's transaction.
pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    member: MemberId,
    token: &NewToken,
) -> ApiResult<()> {
    let now = now_millis();
    sqlx::query(
        "INSERT INTO tokens (token_hash, member_id, created_at, expires_at, last_seen_at, device, address)
         VALUES (?1, ?2, ?3, ?4, ?3, ?5, ?6)",
    )
    .bind(&token.digest[..])
    .bind(member.get())
    .bind(now)
    .bind(token.expires_at)
    .bind(token.device.as_deref())
    .bind(token.address.as_deref())
    .execute(&mut *conn)
    .await?;
    // Remembered as the client's part of the address (its /64 for IPv6),
    // as `known_address` is asked.
    let client = token
        .address
        .as_deref()
        .and_then(|a| a.parse().ok())
        .map(|a| crate::admission::address_key(a).to_string());
    if let Some(address) = &client {
        sqlx::query(
            "INSERT INTO sign_in_addresses (member_id, address, last_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (member_id, address) DO UPDATE SET last_at = excluded.last_at",
        )
        .bind(member.get())
        .bind(address)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The member and session of a token digest, expired or not.
pub(crate) async fn find(
    pool: &SqlitePool,
    digest: &[u8],
) -> ApiResult<Option<(MemberRow, SessionRow)>> {
    // The member's columns under their own names (the token's `created_at`
    // is `token_created_at`).
    let found: Option<MemberSessionRecord> = sqlx::query_as(&format!(
        "SELECT m.id, m.name, m.profile_image, m.created_at, {SESSION_COLS}
         FROM tokens t JOIN members m ON m.id = t.member_id WHERE t.token_hash = ?1"
    ))
    .bind(digest)
    .fetch_optional(pool)
    .await?;
    found.map(TryInto::try_into).transpose()
}

/// Notes that a token was used now.
pub(crate) async fn touch(pool: &SqlitePool, digest: &[u8]) -> ApiResult<()> {
    sqlx::query("UPDATE tokens SET last_seen_at = ?2 WHERE token_hash = ?1")
        .bind(digest)
        .bind(now_millis())
        .execute(pool)
        .await?;
    Ok(())
}

/// Every session of a member, newest first.
pub(crate) async fn of_member(pool: &SqlitePool, member: MemberId) -> ApiResult<Vec<SessionRow>> {
    let found: Vec<SessionRecord> = sqlx::query_as(&format!(
        "SELECT {SESSION_COLS} FROM tokens t WHERE t.member_id = ?1 ORDER BY t.created_at DESC"
    ))
    .bind(member.get())
    .fetch_all(pool)
    .await?;
    rows::all(found)
}

/// Shortens a token's life to end at `until` (never lengthens it).
pub(crate) async fn expire_at(
    conn: &mut SqliteConnection,
    digest: &[u8],
    until: i64,
) -> ApiResult<bool> {
    let done = sqlx::query(
        "UPDATE tokens SET expires_at = min(COALESCE(expires_at, ?2), ?2) WHERE token_hash = ?1",
    )
    .bind(digest)
    .bind(until)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether the member has signed in from `address` before.
pub(crate) async fn known_address(
    pool: &SqlitePool,
    member: MemberId,
    address: &str,
) -> ApiResult<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM sign_in_addresses WHERE member_id = ?1 AND address = ?2")
            .bind(member.get())
            .bind(address)
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}

/// Deletes tokens that expired before `before`; how many.
pub(crate) async fn delete_expired(pool: &SqlitePool, before: i64) -> ApiResult<u64> {
    let done = sqlx::query("DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at < ?1")
        .bind(before)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
