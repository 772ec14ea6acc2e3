//! Keeping stored name keys in step with [`name::key`].
//!
//! Members are unique and found by `members.name_key`, which must be
//! exactly `name::key(name)` for the server's own version of `key`, or a
//! member could not be found by their own name (and a look-alike could sign
//! up beside them). SQL cannot compute the key, so a migration cannot
//! rewrite it; this does, once, at start, for every member, when
//! `server_meta.name_key_version` is behind [`name::KEY_VERSION`]: the same
//! plan on SQLite and PostgreSQL, each in one transaction of its own.

use std::collections::{hash_map::Entry, HashMap};

use sqlx::{PgConnection, PgPool, SqliteConnection, SqlitePool};

use crate::name;

/// Brings every stored key to [`name::KEY_VERSION`] if it is behind.
///
/// All in one transaction that also records the new version: a start that
/// fails half-way keeps the old keys and the old version, and the next
/// start does it all again. Another process opening the same database
/// waits for the transaction and then finds nothing to do.
///
/// Older keys let members whose names read alike sign up beside each other
/// (`alice` and `аlice` with a Cyrillic `а`). The oldest of them keeps the
/// name; each later one is retired from look-up, with a warning in the log:
/// it keeps its id, its messages and its open sessions, but nobody can sign
/// in as it or find it by name any more. So does a member whose name reads
/// as nothing at all (an old name made of filler characters).
pub(super) async fn bring_up_to_date(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    // Read first, outside a write transaction: an up-to-date database opens
    // even where it cannot be written, so that `check_writable` can say so.
    if stored_version(&mut conn).await? == name::KEY_VERSION {
        return Ok(());
    }
    let result = rewrite(&mut conn).await;
    if result.is_err() {
        // Closing rolls back whatever is still open, as in `sqlite::tx`.
        let _ = conn.close().await;
    }
    result
}

/// How the key of a retired member starts; its id follows, so it is
/// unique. It holds a default-ignorable character (WORD JOINER), which no
/// [`name::key`] ever does, so no spelling of any name finds it.
const RETIRED: &str = "\u{2060}retired:";

#[cfg(test)]
fn retired_key(id: i64) -> String {
    format!("{RETIRED}{id}")
}

async fn stored_version(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'name_key_version'")
            .fetch_optional(conn)
            .await?;
    // Migration 0003 writes version 1; a database without it is older.
    Ok(version.unwrap_or(1))
}

async fn rewrite(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let version = stored_version(conn).await?;
    if let Some(done) = settled(version) {
        sqlx::query(if done.is_ok() { "COMMIT" } else { "ROLLBACK" })
            .execute(&mut *conn)
            .await?;
        return done;
    }
    let members: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM members ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let plan = Plan::new(&members);
    // Every key becomes its retired form first, so that no update below
    // runs into a stale key of a member not yet rewritten; the retired ones
    // then simply stay so.
    sqlx::query(RETIRE_ALL)
        .bind(RETIRED)
        .execute(&mut *conn)
        .await?;
    for (id, key) in &plan.keys {
        sqlx::query(SET_KEY)
            .bind(key)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(SET_VERSION)
        .bind(name::KEY_VERSION)
        .execute(&mut *conn)
        .await?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    plan.log(members.len());
    Ok(())
}

/// The same for PostgreSQL, where the transaction holds the version's row
/// (so a node starting beside another waits for its rewrite, then finds
/// nothing to do).
pub(super) async fn bring_up_to_date_pg(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let result = rewrite_pg(&mut conn).await;
    if result.is_err() {
        // Closing ends whatever transaction is still open.
        let _ = conn.close().await;
    }
    result
}

async fn rewrite_pg(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let current = "SELECT value FROM server_meta WHERE key = 'name_key_version'";
    // Read first, outside a write transaction, as on SQLite.
    let version: Option<i64> = sqlx::query_scalar(current)
        .fetch_optional(&mut *conn)
        .await?;
    if version == Some(name::KEY_VERSION) {
        return Ok(());
    }
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let version: Option<i64> = sqlx::query_scalar(&format!("{current} FOR UPDATE"))
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(done) = settled(version.unwrap_or(1)) {
        sqlx::query(if done.is_ok() { "COMMIT" } else { "ROLLBACK" })
            .execute(&mut *conn)
            .await?;
        return done;
    }
    let members: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM members ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let plan = Plan::new(&members);
    sqlx::query(RETIRE_ALL)
        .bind(RETIRED)
        .execute(&mut *conn)
        .await?;
    for (id, key) in &plan.keys {
        sqlx::query(SET_KEY)
            .bind(key)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(SET_VERSION)
        .bind(name::KEY_VERSION)
        .execute(&mut *conn)
        .await?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    plan.log(members.len());
    Ok(())
}

// The rewrite's statements, in the `$n` placeholders both stores take.
const RETIRE_ALL: &str = "UPDATE members SET name_key = $1 || id";
const SET_KEY: &str = "UPDATE members SET name_key = $1 WHERE id = $2";
const SET_VERSION: &str = "INSERT INTO server_meta (key, value) VALUES ('name_key_version', $1)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// `Some` when a stored version needs no rewrite: `Ok` when it is this
/// server's, an error when a newer server wrote it.
fn settled(version: i64) -> Option<Result<(), sqlx::Error>> {
    if version == name::KEY_VERSION {
        return Some(Ok(()));
    }
    if version > name::KEY_VERSION {
        return Some(Err(sqlx::Error::Protocol(format!(
            "member names in this database are keyed by a newer server \
             (name_key_version {version}, this server knows {})",
            name::KEY_VERSION
        ))));
    }
    None
}

/// The new key of every member that keeps their name; the others are
/// retired (logged once each).
struct Plan {
    keys: Vec<(i64, String)>,
    retired: usize,
}

impl Plan {
    /// Plans the keys of `members`, oldest first.
    fn new(members: &[(i64, String)]) -> Plan {
        let mut owners: HashMap<String, i64> = HashMap::with_capacity(members.len());
        let mut plan = Plan {
            keys: Vec::with_capacity(members.len()),
            retired: 0,
        };
        for (id, member_name) in members {
            let key = name::key(member_name);
            if key.is_empty() {
                tracing::warn!(
                    member = id,
                    name = ?member_name,
                    "a member name reads as nothing; it can no longer be signed in with or found"
                );
                plan.retired += 1;
                continue;
            }
            match owners.entry(key) {
                Entry::Occupied(owner) => {
                    tracing::warn!(
                        member = id,
                        name = ?member_name,
                        reads_as_member = owner.get(),
                        "a member name reads the same as an older member's; \
                         it can no longer be signed in with or found"
                    );
                    plan.retired += 1;
                }
                Entry::Vacant(free) => {
                    plan.keys.push((*id, free.key().clone()));
                    free.insert(*id);
                }
            }
        }
        plan
    }

    fn log(&self, members: usize) {
        tracing::info!(
            members,
            retired = self.retired,
            version = name::KEY_VERSION,
            "member name keys rewritten"
        );
    }
}

#[cfg(test)]
mod tests {
    use suda_protocol::MemberId;

    use super::*;
    use crate::{
        error::ApiError,
        store::{sqlite::SqliteStore, Store},
    };

    /// A database as a server before name keys were skeletons left it:
    /// lower-cased keys, version 1, and so look-alike members side by side.
    async fn old_database(dir: &tempfile::TempDir) -> String {
        let url = format!("sqlite:{}", dir.path().join("suda.db").display());
        let store = SqliteStore::open(&url).await.unwrap();
        let pool = store.pool();
        for name in [
            "alice",
            "\u{430}lice", // Cyrillic а: a second "alice"
            "Bob",
            "ｂｏｂ", // fullwidth: a second "bob"
            "carol",
            "\u{3164}", // a Hangul filler: a name that reads as nothing
        ] {
            sqlx::query(
                "INSERT INTO members (name, name_key, password_hash, created_at)
                 VALUES (?1, ?2, 'h', 0)",
            )
            .bind(name)
            .bind(name.to_lowercase())
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query("UPDATE server_meta SET value = 1 WHERE key = 'name_key_version'")
            .execute(&pool)
            .await
            .unwrap();
        store.close().await;
        url
    }

    async fn keys(store: &SqliteStore) -> Vec<(i64, String)> {
        sqlx::query_as("SELECT id, name_key FROM members ORDER BY id")
            .fetch_all(&store.pool())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_new_database_starts_at_the_current_key_version() {
        let store = SqliteStore::open("sqlite::memory:").await.unwrap();
        assert_eq!(
            stored_version(&mut store.pool().acquire().await.unwrap())
                .await
                .unwrap(),
            name::KEY_VERSION
        );
    }

    #[tokio::test]
    async fn old_keys_are_rewritten_at_start_and_look_alikes_find_the_oldest_member() {
        let dir = tempfile::tempdir().unwrap();
        let url = old_database(&dir).await;
        let store = SqliteStore::open(&url).await.unwrap();

        let found = |name: &'static str| {
            let store = store.clone();
            async move {
                store
                    .member_by_name(name)
                    .await
                    .unwrap()
                    .map(|m| m.id.get())
            }
        };
        // Every spelling of alice finds the first alice; the Cyrillic one
        // who signed up after her is found by none, not even its own.
        for spelling in ["alice", "ALICE", "\u{430}lice", "ａｌｉｃｅ"] {
            assert_eq!(found(spelling).await, Some(1), "{spelling:?}");
        }
        for spelling in ["bob", "BOB", "ｂｏｂ"] {
            assert_eq!(found(spelling).await, Some(3), "{spelling:?}");
        }
        assert_eq!(found("Carol").await, Some(5));
        assert_eq!(found("").await, None, "the filler name is retired");
        assert_eq!(found("\u{3164}").await, None);
        let (member, _) = store
            .member_with_hash("\u{430}lice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            member.id.get(),
            1,
            "signing in as the look-alike is signing in as alice"
        );
        // The retired members are still there (their messages keep a sender).
        assert_eq!(
            store.member(MemberId(2)).await.unwrap().unwrap().name,
            "\u{430}lice"
        );
        // And no new look-alike can sign up.
        let err = store.create_member("АLICE", "h", None).await.unwrap_err();
        assert!(matches!(err, ApiError::Conflict(_)), "{err}");

        let keys_after = keys(&store).await;
        assert_eq!(keys_after[0].1, name::key("alice"));
        assert_eq!(keys_after[1].1, retired_key(2));
        assert_eq!(keys_after[5].1, retired_key(6));
        store.close().await;

        // The rewrite is done once: the next start changes nothing.
        let again = SqliteStore::open(&url).await.unwrap();
        assert_eq!(keys(&again).await, keys_after);
    }

    #[tokio::test]
    async fn a_database_keyed_by_a_newer_server_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let url = old_database(&dir).await;
        let pool = SqlitePool::connect(&url).await.unwrap();
        sqlx::query("UPDATE server_meta SET value = ?1 WHERE key = 'name_key_version'")
            .bind(name::KEY_VERSION + 1)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let err = SqliteStore::open(&url).await.err().expect("refused");
        assert!(err.to_string().contains("newer server"), "{err}");
    }

    #[tokio::test]
    async fn on_postgres_old_keys_are_rewritten_at_start_and_a_newer_servers_are_refused() {
        use crate::store::postgres::PgStore;
        if suda_testkit::postgres::skipped_unless_selected() {
            return;
        }
        let url = suda_testkit::postgres::fresh_database();
        let store = PgStore::open(&url).await.unwrap();
        let pool = store.pool();
        for name in ["alice", "\u{430}lice", "Bob", "ｂｏｂ", "carol", "\u{3164}"] {
            sqlx::query(
                "INSERT INTO members (name, name_key, password_hash, created_at)
                 VALUES ($1, $2, 'h', 0)",
            )
            .bind(name)
            .bind(name.to_lowercase())
            .execute(&pool)
            .await
            .unwrap();
        }
        let set_version = |v: i64| {
            let pool = pool.clone();
            async move {
                sqlx::query("UPDATE server_meta SET value = $1 WHERE key = 'name_key_version'")
                    .bind(v)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
        };
        set_version(1).await;
        let store = PgStore::open(&url).await.unwrap();
        let found = |name: &'static str| {
            let store = store.clone();
            async move {
                store
                    .member_by_name(name)
                    .await
                    .unwrap()
                    .map(|m| m.id.get())
            }
        };
        for spelling in ["alice", "ALICE", "\u{430}lice", "ａｌｉｃｅ"] {
            assert_eq!(found(spelling).await, Some(1), "{spelling:?}");
        }
        assert_eq!(found("bob").await, Some(3));
        assert_eq!(found("\u{3164}").await, None, "the filler name is retired");
        let keys: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name_key FROM members ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(keys[0].1, name::key("alice"));
        assert_eq!(keys[1].1, retired_key(2));
        assert_eq!(keys[5].1, retired_key(6));
        let err = store.create_member("АLICE", "h", None).await.unwrap_err();
        assert!(matches!(err, ApiError::Conflict(_)), "{err}");

        set_version(name::KEY_VERSION + 1).await;
        let err = PgStore::open(&url).await.err().expect("refused");
        assert!(err.to_string().contains("newer server"), "{err}");
    }
}
