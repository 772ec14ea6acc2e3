import { describe, expect, it } from "vitest";
import type { ChangeView } from "../bindings/ipc";
import { bo, chat, me } from "../../test/fixtures";
import { previewOf, withChange } from "./changes";
import { emptyTimeline, mergeEvents, timelinesReducer } from "./timeline";

const reaction = (
  over: Partial<Extract<ChangeView, { kind: "reaction" }>>,
): Extract<ChangeView, { kind: "reaction" }> => ({
  kind: "reaction",
  channelId: "a",
  messageId: "1",
  emoji: "👍",
  member: bo,
  on: true,
  count: 1,
  byMe: false,
  ...over,
});

describe("changes", () => {
  it("an edit replaces the text, marks it edited, and updates the quotes of its replies", () => {
    const reply = chat("2", "a", {
      replyTo: { id: "1", member: bo, preview: "message 1", deleted: false },
    });
    const events = [chat("1", "a"), reply, chat("3", "a")];
    const after = withChange(events, {
      kind: "edited",
      channelId: "a",
      messageId: "1",
      text: "\n  lunch at one?  \nsecond line",
      editedAt: "2026-11-25T10:05:00Z",
    });
    expect(after[0]!.text).toBe("\n  lunch at one?  \nsecond line");
    expect(after[0]!.editedAt).toBe("2026-11-25T10:05:00Z");
    expect(after[1]!.replyTo!.preview).toBe("lunch at one?");
    expect(after[2]).toBe(events[2]);
  });

  it("a deletion empties the message, drops its reactions and its quotes' text", () => {
    const events = [
      chat("1", "a", { reactions: [{ emoji: "👍", count: 1, mine: true, members: [me] }] }),
      chat("2", "a", { replyTo: { id: "1", member: bo, preview: "message 1", deleted: false } }),
    ];
    const after = withChange(events, {
      kind: "deleted",
      channelId: "a",
      messageId: "1",
      threadRoot: null,
      replyCount: null,
    });
    expect(after[0]).toMatchObject({ deleted: true, text: "", reactions: [] });
    expect(after[1]!.replyTo).toMatchObject({ deleted: true, preview: "" });
    // A late edit or reaction does not bring a deleted message back.
    const late = withChange(after, {
      kind: "edited",
      channelId: "a",
      messageId: "1",
      text: "back?",
      editedAt: "x",
    });
    expect(withChange(late, reaction({}))).toBe(late);
    expect(late).toBe(after);
  });

  it("reactions count, know who reacted and whether one is mine, and go at zero", () => {
    let events = [chat("1", "a")];
    events = withChange(events, reaction({ emoji: "🎉", count: 1 }));
    events = withChange(events, reaction({ member: me, byMe: true, count: 1 }));
    events = withChange(events, reaction({ count: 2 }));
    const [first, second] = events[0]!.reactions;
    expect(first).toMatchObject({ emoji: "👍", count: 2, mine: true });
    expect(first!.members.map((m) => m.name)).toEqual(["Mina", "Bo"]);
    expect(second).toMatchObject({ emoji: "🎉", count: 1, mine: false });
    events = withChange(events, reaction({ member: me, byMe: true, on: false, count: 1 }));
    expect(events[0]!.reactions[0]).toMatchObject({ emoji: "👍", count: 1, mine: false });
    events = withChange(events, reaction({ on: false, count: 0 }));
    expect(events[0]!.reactions.map((r) => r.emoji)).toEqual(["🎉"]);
  });

  it("a change to a message not loaded changes nothing", () => {
    const t = mergeEvents(emptyTimeline(), [chat("5", "a")]);
    const state = { timelines: { a: t } };
    expect(
      timelinesReducer(state, { type: "changed", change: reaction({ messageId: "4" }) }),
    ).toBeNull();
    expect(
      timelinesReducer(state, { type: "changed", change: reaction({ channelId: "b" }) }),
    ).toBeNull();
    const changed = timelinesReducer(state, {
      type: "changed",
      change: reaction({ messageId: "5" }),
    });
    expect(changed!.timelines!.a!.events[0]!.reactions).toHaveLength(1);
  });

  it("quotes show the first line with something on it, cut at 120 characters", () => {
    expect(previewOf("\n\n  hi there \nmore")).toBe("hi there");
    expect(Array.from(previewOf("가".repeat(200)))).toHaveLength(120);
    expect(previewOf("   ")).toBe("");
  });
});
