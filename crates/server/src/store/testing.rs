//! The store the unit tests run against: SQLite, or with
//! `SUDA_TEST_STORE=postgres` a fresh database in the test kit's
//! PostgreSQL cluster. Tests of behaviour take it as a `&dyn Store`; the
//! few that must write around the store (a value a newer server might
//! have stored) say what to run on each.

use std::ops::Deref;

use super::{postgres::PgStore, sqlite::SqliteStore, Store};

/// A store for one test, on the database `SUDA_TEST_STORE` selects.
pub(crate) enum TestStore {
    Sqlite {
        store: SqliteStore,
        /// Where its file is, for as long as the store lives.
        _dir: Option<tempfile::TempDir>,
    },
    Postgres(PgStore),
}

impl TestStore {
    /// A store on an empty database (SQLite: in memory).
    pub(crate) async fn new() -> TestStore {
        if suda_testkit::postgres::selected() {
            TestStore::postgres().await
        } else {
            TestStore::Sqlite {
                store: SqliteStore::open("sqlite::memory:").await.unwrap(),
                _dir: None,
            }
        }
    }

    /// A store on an empty database that outlives a closed connection
    /// (SQLite: a file; a failed batch closes its connection, which would
    /// take an in-memory database with it).
    pub(crate) async fn on_disk() -> TestStore {
        if suda_testkit::postgres::selected() {
            return TestStore::postgres().await;
        }
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("suda.db").display());
        TestStore::Sqlite {
            store: SqliteStore::open(&url).await.unwrap(),
            _dir: Some(dir),
        }
    }

    async fn postgres() -> TestStore {
        let url = suda_testkit::postgres::fresh_database();
        TestStore::Postgres(PgStore::open(&url).await.unwrap())
    }

    /// Runs statements around the store, past its CHECK constraints (as a
    /// newer or broken server might have written): `sqlite` on SQLite,
    /// `postgres` (which drops what it must first) on PostgreSQL.
    pub(crate) async fn write_raw(&self, sqlite: &str, postgres: &str) {
        match self {
            TestStore::Sqlite { store: s, .. } => {
                let mut conn = s.pool().acquire().await.unwrap();
                for sql in [
                    "PRAGMA ignore_check_constraints = ON",
                    sqlite,
                    "PRAGMA ignore_check_constraints = OFF",
                ] {
                    sqlx::query(sql).execute(&mut *conn).await.unwrap();
                }
            }
            TestStore::Postgres(s) => {
                sqlx::raw_sql(postgres).execute(&s.pool()).await.unwrap();
            }
        }
    }

    /// The number a `SELECT count(*) ...` that reads the same on both
    /// stores returns.
    pub(crate) async fn count(&self, sql: &str) -> i64 {
        match self {
            TestStore::Sqlite { store: s, .. } => {
                sqlx::query_scalar(sql).fetch_one(&s.pool()).await.unwrap()
            }
            TestStore::Postgres(s) => sqlx::query_scalar(sql).fetch_one(&s.pool()).await.unwrap(),
        }
    }
}

impl TestStore {
    /// Makes the search index again if its version is behind, as a start
    /// of the server does.
    pub(crate) async fn bring_search_up_to_date(&self) {
        match self {
            TestStore::Sqlite { store: s, .. } => s.bring_search_up_to_date().await.unwrap(),
            TestStore::Postgres(s) => s.bring_search_up_to_date().await.unwrap(),
        }
    }
}

impl Deref for TestStore {
    type Target = dyn Store;

    fn deref(&self) -> &(dyn Store + 'static) {
        match self {
            TestStore::Sqlite { store: s, .. } => s,
            TestStore::Postgres(s) => s,
        }
    }
}
