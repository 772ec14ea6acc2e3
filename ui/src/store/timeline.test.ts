import { describe, expect, it } from "vitest";
import { chat } from "../../test/fixtures";
import { emptyTimeline, mergeEvents, timelinesReducer, type TimelinesState } from "./timeline";

const page = (ids: string[], hasMore: boolean, nextCursor: string | null) => ({
  channelId: "a",
  events: ids.map((id) => chat(id, "a")),
  hasMore,
  nextCursor,
});

describe("timeline", () => {
  it("merges events oldest first, unique by id", () => {
    const t = mergeEvents(emptyTimeline(), [chat("10", "a"), chat("9", "a"), chat("10", "a")]);
    expect(mergeEvents(t, [chat("8", "a")]).events.map((e) => e.id)).toEqual(["8", "9", "10"]);
    expect(mergeEvents(t, [chat("9", "a")])).toBe(t);
  });

  it("puts live events only into timelines already loaded", () => {
    const state = { timelines: { a: emptyTimeline() } };
    const changed = timelinesReducer(state, {
      type: "arrived",
      events: [chat("1", "a"), chat("2", "b")],
    });
    expect(Object.keys(changed!.timelines!)).toEqual(["a"]);
    expect(timelinesReducer(state, { type: "arrived", events: [chat("2", "b")] })).toBeNull();
  });

  it("keeps paging from the older pages when the newest page is fetched again", () => {
    const load = (state: TimelinesState, ids: string[], cursor: string, older: boolean) => ({
      ...state,
      ...timelinesReducer(state, { type: "historyLoaded", page: page(ids, true, cursor), older }),
    });
    let state: TimelinesState = { timelines: {} };
    state = load(state, ["5", "6"], "5", false);
    state = load(state, ["3", "4"], "3", true);
    state = load(state, ["6", "7"], "6", false);
    const t = state.timelines.a!;
    expect(t.events.map((e) => e.id)).toEqual(["3", "4", "5", "6", "7"]);
    expect(t.nextCursor).toBe("3");
    expect(t.loaded).toBe(true);
  });

  it("forgets what was loaded after a resync and for a channel left", () => {
    const state = { timelines: { a: emptyTimeline(), b: emptyTimeline() } };
    expect(timelinesReducer(state, { type: "resynced" })).toEqual({ timelines: {} });
    expect(
      Object.keys(timelinesReducer(state, { type: "channelLeft", channelId: "a" })!.timelines!),
    ).toEqual(["b"]);
  });
});
