//! The typed IPC between the desktop shell (`src-tauri`) and its webview UI.
//!
//! These are the only shapes that cross the Rust/TypeScript boundary: the
//! arguments and results of every command the UI may invoke, and the one
//! event stream (`suda://event`) the shell emits. They are written once, here,
//! and exported to `ui/src/bindings/` by [`typescript`]; a test fails when the
//! committed TypeScript differs, so the two sides cannot drift.
//!
//! Names are camelCase on the wire (TypeScript's convention); ids are
//! strings, as in GraphQL.

mod commands;
mod types;

pub use commands::{command_specs, CommandSpec};
pub use types::*;

/// The name of the one event the shell emits to the UI.
pub const EVENT: &str = "suda://event";

/// The generated TypeScript: `(file name, contents)` for every file under
/// `ui/src/bindings/`.
pub fn typescript() -> Vec<(&'static str, String)> {
    vec![
        ("ipc.ts", types::typescript()),
        ("commands.ts", commands::typescript()),
    ]
}
