//! The cluster's database: a fresh one in the test binary's shared
//! PostgreSQL, or a PostgreSQL of the test's own to stop and start.

use std::sync::Arc;

use suda_testkit::postgres::{self, Postgres};

pub struct Database {
    url: String,
    own: Option<Arc<Postgres>>,
}

impl Database {
    /// A new database in the shared cluster.
    pub async fn fresh() -> Database {
        let url = tokio::task::spawn_blocking(postgres::fresh_database)
            .await
            .unwrap();
        Database { url, own: None }
    }

    /// A database in a PostgreSQL of this test's own.
    pub async fn private() -> Database {
        let (own, url) = tokio::task::spawn_blocking(|| {
            let own = Postgres::start_private();
            let url = own.create_database();
            (own, url)
        })
        .await
        .unwrap();
        Database {
            url,
            own: Some(Arc::new(own)),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops this test's PostgreSQL at once (`immediate`: as a crash).
    pub async fn stop(&self) {
        let own = Arc::clone(self.own.as_ref().expect("a private database"));
        tokio::task::spawn_blocking(move || own.stop())
            .await
            .unwrap();
    }

    /// Starts it again on the same directory and port.
    pub async fn start(&self) {
        let own = Arc::clone(self.own.as_ref().expect("a private database"));
        tokio::task::spawn_blocking(move || own.start())
            .await
            .unwrap();
    }
}
