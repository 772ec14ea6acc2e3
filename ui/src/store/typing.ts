/**
 * Who is typing where, as the shell tells it (`typing` events), and the
 * member's own typing, told to the shell. Ephemeral: held here only while
 * it shows. Each "typing" shows for the time its event says unless told
 * again; a "stopped", or a message from them arriving, ends it at once.
 */
import { useSyncExternalStore } from "react";
import type { AppEvent, MemberView } from "../bindings/ipc";
import { commands } from "../ipc";

type TypingEvent = Extract<AppEvent, { type: "typing" }>;

interface Typist {
  member: MemberView;
  threadRoot: string | null;
  timer: ReturnType<typeof setTimeout>;
}

/** By channel, then member id. */
const typists = new Map<string, Map<string, Typist>>();
const listeners = new Set<() => void>();
/** Names shown, by channel and thread, kept stable between changes. */
let shown = new Map<string, MemberView[]>();
const none: MemberView[] = [];

function key(channelId: string, threadRoot: string | null): string {
  return threadRoot ? `${channelId}/${threadRoot}` : channelId;
}

function changed(): void {
  const next = new Map<string, MemberView[]>();
  for (const [channelId, members] of typists) {
    for (const t of members.values()) {
      const k = key(channelId, t.threadRoot);
      next.set(k, [...(next.get(k) ?? []), t.member]);
    }
  }
  shown = next;
  listeners.forEach((l) => l());
}

function forget(channelId: string, memberId: string): boolean {
  const members = typists.get(channelId);
  const gone = members?.get(memberId);
  if (!members || !gone) return false;
  clearTimeout(gone.timer);
  members.delete(memberId);
  if (members.size === 0) typists.delete(channelId);
  return true;
}

/** The shell told that someone types, or stopped. */
export function heardTyping(e: TypingEvent): void {
  forget(e.channelId, e.member.id);
  if (e.typing) {
    const timer = setTimeout(() => {
      if (forget(e.channelId, e.member.id)) changed();
    }, e.forMs);
    const members = typists.get(e.channelId) ?? new Map<string, Typist>();
    members.set(e.member.id, { member: e.member, threadRoot: e.threadRoot, timer });
    typists.set(e.channelId, members);
  }
  changed();
}

/** A message from `memberId` arrived: they are done typing it. */
export function messageArrived(channelId: string, memberId: string): void {
  if (forget(channelId, memberId)) changed();
}

/** Signed out, or the stream started again: nobody is known to type. */
export function forgetTyping(): void {
  for (const members of typists.values()) members.forEach((t) => clearTimeout(t.timer));
  typists.clear();
  changed();
}

/** Who types in a conversation (`threadRoot` null) or a thread of it. */
export function useTyping(channelId: string, threadRoot: string | null = null): MemberView[] {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => shown.get(key(channelId, threadRoot)) ?? none,
  );
}

/** Whether anyone types in the channel at all (the sidebar's hint). */
export function useAnyoneTyping(channelId: string): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => typists.has(channelId),
  );
}

/** The member's own typing, per place (`placeOf`): when it was last told. */
const told = new Map<string, { at: number; again: number }>();
/** Channels too large for typing to show: not told again. */
const quiet = new Set<string>();

function where(place: string): { channelId: string; threadRoot: string | null } {
  const [channelId = place, threadRoot = null] = place.split("/");
  return { channelId, threadRoot };
}

/**
 * The member's draft at `place` is now `text`: typing is told when they
 * start and again every so often while they go on; emptying the box says
 * they stopped.
 */
export function typed(place: string, text: string, now: number = Date.now()): void {
  const at = where(place);
  if (quiet.has(at.channelId)) return;
  if (text.trim() === "") {
    stoppedTyping(place);
    return;
  }
  const last = told.get(place);
  if (last && now - last.at < last.again) return;
  told.set(place, { at: now, again: last?.again ?? 3000 });
  commands
    .setTyping({ ...at, typing: true })
    .then((answer) => {
      if (!answer.shown) quiet.add(at.channelId);
      const mine = told.get(place);
      if (mine) mine.again = answer.againInMs;
    })
    // Not told this time (offline, too often): the next keystroke tries.
    .catch(() => told.delete(place));
}

/** The member sent their message, or emptied the box: typing ends. */
export function stoppedTyping(place: string): void {
  if (!told.has(place)) return;
  told.delete(place);
  commands.setTyping({ ...where(place), typing: false }).catch(() => undefined);
}
