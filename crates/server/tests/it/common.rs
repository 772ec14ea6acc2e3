//! The server's tests start servers and talk to them with the shared test
//! kit (`suda-testkit`), as every crate's tests do.

pub use suda_testkit::{
    code, config as test_config, eventually, graphql, sign_up, SseReader, TestServer,
};
