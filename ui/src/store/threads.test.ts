import { describe, expect, it } from "vitest";
import type { EventView, ThreadPageView } from "../bindings/ipc";
import { bo, chat, me } from "../../test/fixtures";
import { initialState, reducer, type State } from "./reducer";
import { emptyTimeline, mergeEvents } from "./timeline";

const root = chat("10", "a", {
  member: me,
  text: "who reviews?",
  thread: { replyCount: 1, lastReplyAt: "2026-11-25T10:01:00Z", following: true, unread: 0 },
});

/** A reply in root 10's thread as the stream brings it. */
function reply(id: string, over: Partial<EventView> = {}): EventView {
  return chat(id, "a", {
    threadRoot: "10",
    inThread: { rootId: "10", replyCount: Number(id) - 10, following: true },
    createdAt: `2026-11-25T10:${id}:00Z`,
    ...over,
  });
}

function loaded(): State {
  const timeline = { ...mergeEvents(emptyTimeline(), [chat("9", "a"), root]), loaded: true };
  return {
    ...initialState,
    session: { member: me, serverUrl: "https://chat.example" },
    timelines: { a: timeline },
  };
}

const page = (replies: EventView[]): ThreadPageView => ({
  channelId: "a",
  root,
  replies,
  hasMore: false,
  nextCursor: null,
});

describe("threads", () => {
  it("a reply is no item of the channel: it updates its root's count and unread", () => {
    const s = reducer(loaded(), { type: "appEvent", event: { type: "event", event: reply("12") } });
    const events = s.timelines.a!.events;
    expect(events.map((e) => e.id)).toEqual(["9", "10"]);
    expect(events[1]!.thread).toEqual({
      replyCount: 2,
      lastReplyAt: "2026-11-25T10:12:00Z",
      following: true,
      unread: 1,
    });
  });

  it("counts a reply only in a followed thread, from others, while the thread is closed", () => {
    let s = loaded();
    const arrive = (e: EventView) =>
      (s = reducer(s, { type: "appEvent", event: { type: "event", event: e } }));
    arrive(reply("12", { member: me }));
    arrive(reply("13", { inThread: { rootId: "10", replyCount: 3, following: false } }));
    expect(s.timelines.a!.events[1]!.thread!.unread).toBe(0);
    s = reducer(s, { type: "threadOpened", channelId: "a", rootId: "10" });
    s = reducer(s, { type: "threadLoaded", page: page([reply("11")]), older: false });
    arrive(reply("14", { member: bo }));
    expect(s.timelines.a!.events[1]!.thread!.unread).toBe(0);
    // The open thread lists it, oldest first, and counts it under its root.
    expect(s.thread!.replies.map((r) => r.id)).toEqual(["11", "14"]);
    expect(s.thread!.root!.thread!.replyCount).toBe(4);
  });

  it("reading the thread anywhere clears its count; a deleted reply leaves the count", () => {
    let s = reducer(loaded(), {
      type: "appEvent",
      event: { type: "event", event: reply("12") },
    });
    s = reducer(s, {
      type: "appEvent",
      event: { type: "changed", change: { kind: "threadRead", channelId: "a", rootId: "10" } },
    });
    expect(s.timelines.a!.events[1]!.thread!.unread).toBe(0);
    s = reducer(s, { type: "threadOpened", channelId: "a", rootId: "10" });
    s = reducer(s, { type: "threadLoaded", page: page([reply("12")]), older: false });
    s = reducer(s, {
      type: "appEvent",
      event: {
        type: "changed",
        change: {
          kind: "deleted",
          channelId: "a",
          messageId: "12",
          threadRoot: "10",
          replyCount: 0,
        },
      },
    });
    expect(s.timelines.a!.events[1]!.thread!.replyCount).toBe(0);
    expect(s.thread!.replies[0]).toMatchObject({ deleted: true, text: "" });
    expect(s.thread!.root!.thread!.replyCount).toBe(0);
  });

  it("closes with its conversation, and a page of another thread is not taken for it", () => {
    let s = reducer(loaded(), { type: "threadOpened", channelId: "a", rootId: "10" });
    const other = { ...page([]), root: chat("20", "a") };
    expect(reducer(s, { type: "threadLoaded", page: other, older: false }).thread!.root).toBe(null);
    s = reducer(s, { type: "open", channelId: "b" });
    expect(s.thread).toBe(null);
  });
});
