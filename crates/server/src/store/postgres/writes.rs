//! The PostgreSQL store's writes outside the ledger that take more than one
//! statement (a member with their first token), and how such a
//! transaction ends: committed, rolled back after a refusal, or its
//! connection closed after a storage error.

use sqlx::{pool::PoolConnection, PgConnection, PgPool, Postgres};
use suda_protocol::MemberId;

use super::{now_millis, sessions, whole};
use crate::{
    error::{ApiError, ApiResult},
    name,
    store::{MemberRow, NewToken},
};

/// Whether `name` could be some member's name as typed, as on SQLite; and
/// not one with a NUL, which no stored name holds and PostgreSQL's text
/// cannot even be asked for (it would be a storage error, not "no one").
pub(super) fn could_be_stored_name(name: &str) -> bool {
    crate::validate::could_be_member_name(name) && !name.contains('\0')
}

/// Never reuses a connection after an error: its transaction may still be
/// open (aborted, or waiting for a COMMIT that will not come). Closing it
/// ends the transaction on the server; the pool opens a fresh one.
pub(super) async fn discard_after_error<T>(conn: PoolConnection<Postgres>, result: &ApiResult<T>) {
    if result.as_ref().is_err_and(ApiError::is_storage) {
        if let Err(e) = conn.close().await {
            tracing::warn!(error = %e, "closing a failed connection");
        }
    }
}

/// Ends a transaction begun with `BEGIN`: commits on success, rolls back a
/// refusal; after a storage error leaves it to `discard_after_error`.
pub(super) async fn finish<T>(conn: &mut PgConnection, result: ApiResult<T>) -> ApiResult<T> {
    match result {
        Ok(done) => {
            sqlx::query("COMMIT").execute(&mut *conn).await?;
            Ok(done)
        }
        Err(e) if e.is_storage() => Err(e),
        Err(e) => {
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            Err(e)
        }
    }
}

/// A member and their first token, in one transaction (see the SQLite
/// store's `create_member`).
pub(super) async fn create_member(
    conn: &mut PgConnection,
    name: &str,
    password_hash: &str,
    token: Option<&NewToken>,
) -> ApiResult<MemberRow> {
    let now = now_millis();
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO members (name, name_key, password_hash, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(name)
    .bind(name::key(name))
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut *conn)
    .await;
    let id = match inserted {
        Ok(id) => MemberId(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            return Err(ApiError::name_taken(name));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(token) = token {
        sessions::insert(conn, id, token).await?;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(MemberRow {
        id,
        name: name.to_owned(),
        profile_image: None,
        created_at: now,
    })
}

/// See [`Store::insert_token`].
pub(super) async fn insert_token(
    pool: &PgPool,
    member: MemberId,
    token: &NewToken,
) -> ApiResult<()> {
    let (pool, token) = (pool.clone(), token.clone());
    whole(async move {
        let mut conn = pool.acquire().await?;
        let result = async {
            sqlx::query("BEGIN").execute(&mut *conn).await?;
            let inserted = sessions::insert(&mut conn, member, &token).await;
            finish(&mut conn, inserted).await
        }
        .await;
        discard_after_error(conn, &result).await;
        result
    })
    .await
}

/// See [`Store::create_member`].
pub(super) async fn create_member_with_token(
    pool: &PgPool,
    name: &str,
    password_hash: &str,
    token: Option<&NewToken>,
) -> ApiResult<MemberRow> {
    let (pool, name, hash) = (pool.clone(), name.to_owned(), password_hash.to_owned());
    let token = token.cloned();
    whole(async move {
        let mut conn = pool.acquire().await?;
        let result = create_member(&mut conn, &name, &hash, token.as_ref()).await;
        discard_after_error(conn, &result).await;
        result
    })
    .await
}

/// See [`Store::renew_token`].
pub(super) async fn renew_token(
    pool: &PgPool,
    member: MemberId,
    old: &[u8],
    new: &NewToken,
    old_until: i64,
) -> ApiResult<bool> {
    let (pool, old, new) = (pool.clone(), old.to_vec(), new.clone());
    whole(async move {
        let mut conn = pool.acquire().await?;
        let result = async {
            sqlx::query("BEGIN").execute(&mut *conn).await?;
            let renewed = async {
                if !sessions::expire_at(&mut conn, &old, old_until).await? {
                    return Ok(false);
                }
                sessions::insert(&mut conn, member, &new).await?;
                sessions::record_revocation(&mut conn, &old).await?;
                Ok(true)
            }
            .await;
            finish(&mut conn, renewed).await
        }
        .await;
        discard_after_error(conn, &result).await;
        result
    })
    .await
}
