/**
 * The UI's only door to the Rust shell: the generated `commands` and the one
 * `suda://event` event. Nothing in the UI touches the network.
 */
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { EVENT, type Events } from "./bindings/events";
import type { AppError, AppEvent } from "./bindings/ipc";

export { commands } from "./bindings/commands";

/** The shell's one event, by the name generated from Rust. */
export const EVENT_NAME = EVENT;

export function listenAppEvents(handler: (event: AppEvent) => void): Promise<UnlistenFn> {
  return listen<Events[typeof EVENT]>(EVENT, (e) => handler(e.payload));
}

function isAppError(e: unknown): e is AppError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as AppError).message === "string" &&
    typeof (e as AppError).kind === "string"
  );
}

/** What to show a person for a failed command: the shell's words, never a code. */
export function errorText(e: unknown, fallback: string): string {
  if (isAppError(e) && e.message.trim() !== "") return e.message;
  if (typeof e === "string" && e.trim() !== "") return e;
  if (e instanceof Error && e.message) return e.message;
  return fallback;
}
