//! The typed IPC between the desktop shell (`src-tauri`) and its webview UI.
//!
//! These are the only shapes that cross the Rust/TypeScript boundary: the
//! arguments and results of every command the UI may invoke, and the one
//! event stream (`suda://event`) the shell emits. They are written once, here,
//! and exported to `ui/src/bindings/` by [`typescript`]; a test fails when the
//! committed TypeScript differs, so the two sides cannot drift. Another
//! serialises every payload and fails on a key that is not camelCase, which
//! the drift test cannot see (both sides come from the same attributes).
//!
//! Names are camelCase on the wire (TypeScript's convention); ids are
//! strings, as in GraphQL.

mod args;
mod commands;
mod files;
mod groups;
mod search;
mod threads;
mod types;
mod typing;

pub use commands::{command_specs, CommandSpec, ARGS_HEADER};
pub use types::*;

/// The name of the one event the shell emits to the UI; its payload is an
/// [`AppEvent`]. Exported to TypeScript as `EVENT` in `events.ts`.
pub const EVENT: &str = "suda://event";

/// The first lines of every generated file.
const HEADER: &str = "// Generated from crates/ipc by `cargo test -p suda-ipc` with SUDA_WRITE_BINDINGS=1.\n// Do not edit by hand.\n\n";

/// The generated TypeScript: `(file name, contents)` for every file under
/// `ui/src/bindings/`.
pub fn typescript() -> Vec<(&'static str, String)> {
    vec![
        ("ipc.ts", types::typescript()),
        ("commands.ts", commands::typescript()),
        ("events.ts", events_typescript()),
    ]
}

/// The event names, so the UI (and its stand-ins) never spell them by hand.
fn events_typescript() -> String {
    let mut out = String::from(HEADER);
    out.push_str("import type { AppEvent } from \"./ipc\";\n\n");
    out.push_str("/** The one event the shell emits to the UI; its payload is an `AppEvent`. */\n");
    out.push_str(&format!("export const EVENT = {EVENT:?};\n\n"));
    out.push_str("/** Every event the shell emits, by name, with its payload. */\n");
    out.push_str("export type Events = { [EVENT]: AppEvent };\n");
    out
}
