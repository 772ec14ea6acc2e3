/**
 * Who is there: each member's presence as the shell last told it (asked
 * with `presence` when a list of members shows, then followed by the
 * `presence` events), and the member's own being away, told to the shell
 * after a while without input in the window.
 */
import { useSyncExternalStore } from "react";
import type { PresenceView } from "../bindings/ipc";
import { commands } from "../ipc";

const known = new Map<string, PresenceView>();
const listeners = new Set<() => void>();

function changed(): void {
  listeners.forEach((l) => l());
}

/** The shell told of a change. */
export function heardPresence(memberId: string, presence: PresenceView): void {
  if (known.get(memberId) === presence) return;
  known.set(memberId, presence);
  changed();
}

/** Asks where these members stand (what shows of them from then on). */
export function askPresence(memberIds: readonly string[]): void {
  const ids = [...new Set(memberIds)].slice(0, 500);
  if (ids.length === 0) return;
  commands
    .presence({ memberIds: ids })
    .then((list) => {
      let any = false;
      for (const p of list) {
        if (known.get(p.memberId) !== p.presence) {
          known.set(p.memberId, p.presence);
          any = true;
        }
      }
      if (any) changed();
    })
    .catch(() => undefined);
}

/** Signed out, or the stream started again: ask anew. */
export function forgetPresence(): void {
  known.clear();
  changed();
}

export function usePresence(memberId: string | null): PresenceView {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => (memberId ? (known.get(memberId) ?? "offline") : "offline"),
  );
}

/** After this long without input in the window, the member is away. */
export const AWAY_AFTER_MS = 5 * 60 * 1000;

/**
 * Follows the member's input: away once the window has had none for
 * `after` (idle, or hidden: a hidden window gets none), back at the next.
 * Returns the way to stop following.
 */
export function followAway(after: number = AWAY_AFTER_MS): () => void {
  let away = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const say = (now: boolean) => {
    if (away === now) return;
    away = now;
    commands.setAway({ away: now }).catch(() => {
      // Not told: told again at the next change.
      away = !now;
    });
  };
  const active = () => {
    say(false);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => say(true), after);
  };
  const kinds = ["keydown", "pointerdown", "pointermove", "wheel", "focus"] as const;
  kinds.forEach((k) => window.addEventListener(k, active, { passive: true }));
  active();
  return () => {
    kinds.forEach((k) => window.removeEventListener(k, active));
    if (timer) clearTimeout(timer);
  };
}
