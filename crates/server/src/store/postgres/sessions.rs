//! Tokens (sign-in sessions), the addresses members signed in from, and
//! revocations, in PostgreSQL. Only a token's SHA-256 is stored, as on
//! SQLite.
//!
//! A revoked token (signed out, ended, renewed) is also written to
//! `revocations`, in the same transaction, stamped by the database's clock:
//! the other nodes read it there to end their streams of it.

use sqlx::{PgConnection, PgPool};
use suda_protocol::MemberId;

use super::{
    now_millis,
    rows::{self, MemberSessionRecord, SessionRecord, SESSION_COLS},
};
use crate::{
    error::ApiResult,
    store::{MemberRow, NewToken, SessionRow},
};

/// Now by the database's clock, in unix ms (so every node stamps and reads
/// revocations by one clock).
const DB_NOW_MS: &str = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/// How long a revocation is reported to the other nodes.
const RECENT_MS: i64 = 60_000;

/// How long a revocation is kept (a little more than it is reported).
const KEPT_MS: i64 = 2 * RECENT_MS;

/// Stores a token (and remembers its address as one the member signs in
/// from), on a connection inside the caller's transaction.
pub(super) async fn insert(
    conn: &mut PgConnection,
    member: MemberId,
    token: &NewToken,
) -> ApiResult<()> {
    let now = now_millis();
    sqlx::query(
        "INSERT INTO tokens (token_hash, member_id, created_at, expires_at, last_seen_at, device, address)
         VALUES ($1, $2, $3, $4, $3, $5, $6)",
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
            "INSERT INTO sign_in_addresses (member_id, address, last_at) VALUES ($1, $2, $3)
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
pub(super) async fn find(
    pool: &PgPool,
    digest: &[u8],
) -> ApiResult<Option<(MemberRow, SessionRow)>> {
    let found: Option<MemberSessionRecord> = sqlx::query_as(&format!(
        "SELECT m.id, m.name, m.profile_image, m.created_at, {SESSION_COLS}
         FROM tokens t JOIN members m ON m.id = t.member_id WHERE t.token_hash = $1"
    ))
    .bind(digest)
    .fetch_optional(pool)
    .await?;
    found.map(TryInto::try_into).transpose()
}

/// Notes that a token was used now.
pub(super) async fn touch(pool: &PgPool, digest: &[u8]) -> ApiResult<()> {
    sqlx::query("UPDATE tokens SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(digest)
        .bind(now_millis())
        .execute(pool)
        .await?;
    Ok(())
}

/// Revokes a token and records the revocation, in one statement (so one
/// transaction); true if it existed.
pub(super) async fn delete(pool: &PgPool, digest: &[u8]) -> ApiResult<bool> {
    let done = sqlx::query(&format!(
        "WITH gone AS (DELETE FROM tokens WHERE token_hash = $1 RETURNING token_hash)
         INSERT INTO revocations (digest, at) SELECT token_hash, {DB_NOW_MS} FROM gone"
    ))
    .bind(digest)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Records that the token `digest` was revoked (renewed), inside the
/// caller's transaction.
pub(super) async fn record_revocation(conn: &mut PgConnection, digest: &[u8]) -> ApiResult<()> {
    sqlx::query(&format!(
        "INSERT INTO revocations (digest, at) VALUES ($1, {DB_NOW_MS})"
    ))
    .bind(digest)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Digests revoked in the last minute, by the database's clock.
pub(super) async fn recent_revocations(pool: &PgPool) -> ApiResult<Vec<[u8; 32]>> {
    let found: Vec<Vec<u8>> = sqlx::query_scalar(&format!(
        "SELECT DISTINCT digest FROM revocations WHERE at > {DB_NOW_MS} - $1"
    ))
    .bind(RECENT_MS)
    .fetch_all(pool)
    .await?;
    // A digest that is not 32 bytes names no token.
    Ok(found
        .into_iter()
        .filter_map(|d| d.try_into().ok())
        .collect())
}

/// Every session of a member, newest first.
pub(super) async fn of_member(pool: &PgPool, member: MemberId) -> ApiResult<Vec<SessionRow>> {
    let found: Vec<SessionRecord> = sqlx::query_as(&format!(
        "SELECT {SESSION_COLS} FROM tokens t WHERE t.member_id = $1 ORDER BY t.created_at DESC"
    ))
    .bind(member.get())
    .fetch_all(pool)
    .await?;
    rows::all(found)
}

/// Shortens a token's life to end at `until` (never lengthens it).
pub(super) async fn expire_at(
    conn: &mut PgConnection,
    digest: &[u8],
    until: i64,
) -> ApiResult<bool> {
    let done = sqlx::query(
        "UPDATE tokens SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE token_hash = $1",
    )
    .bind(digest)
    .bind(until)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether the member has signed in from `address` before.
pub(super) async fn known_address(
    pool: &PgPool,
    member: MemberId,
    address: &str,
) -> ApiResult<bool> {
    let found: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sign_in_addresses WHERE member_id = $1 AND address = $2)",
    )
    .bind(member.get())
    .bind(address)
    .fetch_one(pool)
    .await?;
    Ok(found)
}

/// Deletes tokens that expired before `before` (how many), and
/// revocations too old to report.
pub(super) async fn delete_expired(pool: &PgPool, before: i64) -> ApiResult<u64> {
    let done = sqlx::query("DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at < $1")
        .bind(before)
        .execute(pool)
        .await?;
    sqlx::query(&format!(
        "DELETE FROM revocations WHERE at < {DB_NOW_MS} - $1"
    ))
    .bind(KEPT_MS)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
