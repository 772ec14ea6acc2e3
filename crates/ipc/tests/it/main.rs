//! The crate's integration tests, in one binary (one link).

mod bindings;
mod wire;
