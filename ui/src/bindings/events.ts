// Generated from crates/ipc by `cargo test -p suda-ipc` with SUDA_WRITE_BINDINGS=1.
// Do not edit by hand.

import type { AppEvent } from "./ipc";

/** The one event the shell emits to the UI; its payload is an `AppEvent`. */
export const EVENT = "suda://event";

/** Every event the shell emits, by name, with its payload. */
export type Events = { [EVENT]: AppEvent };
