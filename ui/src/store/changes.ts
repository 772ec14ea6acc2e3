/**
 * Changes to messages already loaded: an edit, a deletion, a reaction
 * added or taken back. Each is folded into the message it names, and into
 * the quotes of the replies to it, so the timeline shows every message as
 * it is now without fetching it again.
 */
import type { ChangeView, EventView, MemberView, ReactionView } from "../bindings/ipc";

/** As many members as the server lists with a reaction. */
export const REACTION_MEMBERS_LISTED = 5;
/** A quote's text, at most this many characters (as the server cuts it). */
export const PREVIEW_CHARS = 120;

/** What a quote shows of a message: its first line with something on it. */
export function previewOf(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  return Array.from(line.trim()).slice(0, PREVIEW_CHARS).join("");
}

function reacted(
  reactions: readonly ReactionView[],
  change: Extract<ChangeView, { kind: "reaction" }>,
): ReactionView[] {
  const at = reactions.findIndex((r) => r.emoji === change.emoji);
  const before = at >= 0 ? reactions[at]! : null;
  if (change.count === 0) return reactions.filter((r) => r.emoji !== change.emoji);
  const others = (before?.members ?? []).filter((m) => m.id !== change.member.id);
  const members: MemberView[] = change.on
    ? [...others, change.member].slice(0, REACTION_MEMBERS_LISTED)
    : others;
  const next: ReactionView = {
    emoji: change.emoji,
    count: change.count,
    mine: change.byMe ? change.on : (before?.mine ?? false),
    members,
  };
  const list = at >= 0 ? reactions.map((r, i) => (i === at ? next : r)) : [...reactions, next];
  // Most reacted first; a stable sort keeps ties in the order first reacted.
  return list.slice().sort((a, b) => b.count - a.count);
}

/** A change to one message (not a thread's read marker). */
type MessageChange = Exclude<ChangeView, { kind: "threadRead" }>;

/** `event` after `change`, or `event` itself when the change is not about it. */
function changed(event: EventView, change: MessageChange): EventView {
  if (event.id === change.messageId) {
    switch (change.kind) {
      case "edited":
        return event.deleted ? event : { ...event, text: change.text, editedAt: change.editedAt };
      case "deleted":
        return { ...event, deleted: true, text: "", reactions: [], attachments: [] };
      case "reaction":
        return event.deleted ? event : { ...event, reactions: reacted(event.reactions, change) };
    }
  }
  const quoted = event.replyTo;
  if (quoted?.id === change.messageId && !quoted.deleted && change.kind !== "reaction") {
    const replyTo =
      change.kind === "edited"
        ? { ...quoted, preview: previewOf(change.text) }
        : { ...quoted, preview: "", deleted: true };
    return { ...event, replyTo };
  }
  return event;
}

/** The events with `change` applied; `events` itself when none changed. */
export function withChange(events: EventView[], change: ChangeView): EventView[] {
  if (change.kind === "threadRead") return events;
  let next: EventView[] | null = null;
  events.forEach((e, i) => {
    const after = changed(e, change);
    if (after !== e) {
      next ??= events.slice();
      next[i] = after;
    }
  });
  return next ?? events;
}
