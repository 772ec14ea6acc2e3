//! The server's tests start servers and talk to them with the shared test
//! kit (`suda-testkit`), as every crate's tests do.

pub use suda_testkit::{
    code, config as test_config, eventually, graphql, sign_up, SseEvent, SseReader, TestServer,
};

/// Whether the tests run on PostgreSQL (`SUDA_TEST_STORE=postgres`).
pub use suda_testkit::postgres::selected as on_postgres;

/// True (after saying why, so the skip shows in the output) when a test
/// that is about SQLite itself runs in PostgreSQL mode; the test then
/// returns at once.
pub fn skipped_on_postgres(why: &str) -> bool {
    let skip = on_postgres();
    if skip {
        suda_testkit::postgres::say_skipped(&format!("on PostgreSQL: {why}"));
    }
    skip
}

/// True (after saying why) when a PostgreSQL test runs in SQLite mode.
pub use suda_testkit::postgres::skipped_unless_selected as skipped_on_sqlite;
