import { describe, expect, it } from "vitest";
import { bo, chat, me, outbox } from "../../test/fixtures";
import { buildRows } from "./rows";

describe("buildRows", () => {
  it("puts day separators, groups a sender's run and places the marker", () => {
    const events = [
      chat("1", "a", { createdAt: "2026-11-20T10:00:00Z" }),
      chat("2", "a", { createdAt: "2026-11-20T10:01:00Z" }),
      chat("3", "a", { createdAt: "2026-11-21T10:00:00Z" }),
      chat("4", "a", { createdAt: "2026-11-21T10:02:00Z", kind: "join", text: null }),
      chat("5", "a", { createdAt: "2026-11-21T10:03:00Z", member: me }),
      chat("6", "a", { createdAt: "2026-11-21T10:04:00Z", member: bo }),
      chat("7", "a", { createdAt: "2026-11-21T10:05:00Z", member: bo }),
    ];
    const rows = buildRows(events, [], 5, me.id, "2026-11-21T12:00:00Z");
    expect(
      rows.map((r) => (r.kind === "message" ? `m${r.key}${r.continuation ? "+" : ""}` : r.kind)),
    ).toEqual(["top", "day", "m1", "m2+", "day", "m3", "system", "m5", "marker", "m6", "m7+"]);
  });

  it("appends outbox items after the events, as the member's own", () => {
    const events = [chat("1", "a", { member: me, createdAt: "2026-11-21T10:00:00Z" })];
    const rows = buildRows(events, [outbox("k", "a")], -1, me.id, "2026-11-21T10:01:00Z");
    const last = rows[rows.length - 1]!;
    expect(last).toMatchObject({ kind: "outbox", continuation: true });
  });
});
