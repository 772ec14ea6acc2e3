/**
 * Turns a timeline into the flat list of rows the virtualized list shows:
 * day separators, the "new messages" line, messages, system lines and the
 * member's own messages still in the outbox.
 */
import type { EventView, OutboxItem } from "../bindings/ipc";
import { dayKey } from "../format";

export type Row =
  | { kind: "top"; key: string }
  | { kind: "day"; key: string; iso: string }
  | { kind: "marker"; key: string }
  | { kind: "message"; key: string; event: EventView; continuation: boolean }
  | { kind: "system"; key: string; event: EventView }
  | { kind: "outbox"; key: string; item: OutboxItem; continuation: boolean };

/** Messages from the same sender within this many ms are grouped under one header. */
const GROUP_MS = 5 * 60 * 1000;

export function buildRows(
  events: readonly EventView[],
  outbox: readonly OutboxItem[],
  markerIndex: number,
  selfId: string | null,
  nowIso: string,
): Row[] {
  const rows: Row[] = [{ kind: "top", key: "top" }];
  let lastDay = "";
  let prev: EventView | null = null;
  events.forEach((event, i) => {
    const day = dayKey(event.createdAt);
    let breakGroup = false;
    if (day !== lastDay) {
      rows.push({ kind: "day", key: `day-${day}`, iso: event.createdAt });
      lastDay = day;
      breakGroup = true;
    }
    if (i === markerIndex) {
      rows.push({ kind: "marker", key: "marker" });
      breakGroup = true;
    }
    if (event.kind === "chat") {
      const continuation =
        !breakGroup &&
        prev !== null &&
        prev.kind === "chat" &&
        prev.member.id === event.member.id &&
        Date.parse(event.createdAt) - Date.parse(prev.createdAt) < GROUP_MS;
      rows.push({ kind: "message", key: event.id, event, continuation });
    } else {
      rows.push({ kind: "system", key: event.id, event });
    }
    prev = event;
  });
  if (outbox.length > 0 && dayKey(nowIso) !== lastDay) {
    rows.push({ kind: "day", key: `day-${dayKey(nowIso)}-outbox`, iso: nowIso });
    prev = null;
  }
  outbox.forEach((item, i) => {
    const last = prev as EventView | null;
    const continuation =
      i > 0 || (last !== null && last.kind === "chat" && last.member.id === selfId);
    rows.push({ kind: "outbox", key: `outbox-${item.clientKey}`, item, continuation });
  });
  return rows;
}
