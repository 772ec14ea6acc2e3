/**
 * What the member is typing in each conversation. Held here while the UI
 * runs, and kept by the shell (on disk) a moment after typing stops, so a
 * draft survives switching conversations, a reload of the web view, a
 * restart of the app and an update. A save that fails keeps the draft
 * here; the next keystroke tries again.
 */
import type { DraftView } from "../bindings/ipc";
import { commands } from "../ipc";

/** How long after the last keystroke a draft is saved. */
export const SAVE_AFTER_MS = 400;

const drafts = new Map<string, string>();
const waiting = new Map<string, ReturnType<typeof setTimeout>>();

/** The drafts the shell kept (from the snapshot) replace the ones held. */
export function seedDrafts(kept: readonly DraftView[]): void {
  drafts.clear();
  for (const d of kept) drafts.set(d.channelId, d.text);
}

export function draftOf(channelId: string): string {
  return drafts.get(channelId) ?? "";
}

function save(channelId: string): void {
  waiting.delete(channelId);
  const text = drafts.get(channelId) ?? "";
  commands.setDraft({ channelId, text }).catch(() => undefined);
}

/** Holds the draft now and saves it once typing pauses. */
export function setDraft(channelId: string, text: string): void {
  if (text === "") drafts.delete(channelId);
  else drafts.set(channelId, text);
  const pending = waiting.get(channelId);
  if (pending) clearTimeout(pending);
  waiting.set(
    channelId,
    setTimeout(() => save(channelId), SAVE_AFTER_MS),
  );
}

/** Saves at once whatever is waiting (leaving a conversation, the page going). */
export function flushDrafts(): void {
  for (const [channelId, timer] of waiting) {
    clearTimeout(timer);
    save(channelId);
  }
}
