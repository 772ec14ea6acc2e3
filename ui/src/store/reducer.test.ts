import { describe, expect, it } from "vitest";
import type { AppEvent } from "../bindings/ipc";
import { bo, channel, chat, ev, me, outbox, snapshot } from "../../test/fixtures";
import { firstUnreadIndex } from "./channels";
import { pendingFor } from "./delivery";
import { compareIds } from "./ids";
import { type Action, initialState, reducer, type State } from "./reducer";

function run(state: State, ...actions: Action[]): State {
  return actions.reduce(reducer, state);
}
const app = (event: AppEvent): Action => ({ type: "appEvent", event });

function withOpenChannel(...channels: ReturnType<typeof channel>[]): State {
  return run(
    initialState,
    { type: "snapshot", snapshot: snapshot({ channels }) },
    {
      type: "historyLoaded",
      page: { channelId: channels[0]!.id, events: [], hasMore: false, nextCursor: null },
      older: false,
    },
  );
}

describe("ids", () => {
  it("compares numeric ids as numbers", () => {
    expect(compareIds("9", "10")).toBeLessThan(0);
    expect(compareIds("10", "10")).toBe(0);
    expect(compareIds("b", "a")).toBeGreaterThan(0);
  });
});

describe("reducer", () => {
  it("sorts channels by latest activity, newest first", () => {
    const s = run(initialState, {
      type: "snapshot",
      snapshot: snapshot({
        channels: [
          channel("a", { lastEventId: "5" }),
          channel("b", { lastEventId: "12" }),
          channel("c", { lastEventId: null }),
        ],
      }),
    });
    expect(s.channels.map((c) => c.id)).toEqual(["b", "a", "c"]);
    expect(s.ready).toBe(true);
  });

  it("counts an incoming message from someone else as unread and moves its channel up", () => {
    const s = run(
      withOpenChannel(channel("a", { lastEventId: "5" }), channel("b", { lastEventId: "7" })),
      app(ev(chat("8", "a"))),
    );
    expect(s.channels[0]).toMatchObject({ id: "a", unread: 1, lastEventId: "8" });
  });

  it("does not count own messages or join lines as unread", () => {
    const s = run(
      withOpenChannel(channel("a")),
      app(ev(chat("1", "a", { member: me }))),
      app(ev(chat("2", "a", { kind: "join", text: null }))),
    );
    expect(s.channels[0]!.unread).toBe(0);
    expect(s.timelines.a!.events).toHaveLength(2);
  });

  it("deduplicates events by id, in the timeline and in the unread count", () => {
    const e = chat("3", "a");
    const s = run(withOpenChannel(channel("a")), app(ev(e)), app(ev(e)), app(ev({ ...e })));
    expect(s.timelines.a!.events).toHaveLength(1);
    expect(s.channels[0]!.unread).toBe(1);
  });

  it("applies a batch of events like the same events one by one", () => {
    const events = [chat("3", "a"), chat("4", "a"), chat("4", "a"), chat("5", "b")];
    const start = withOpenChannel(channel("a"), channel("b"));
    const batched = run(start, app({ type: "events", events }), {
      type: "appEvents",
      events: [ev(chat("6", "a"))],
    });
    const single = run(start, ...[...events, chat("6", "a")].map((e) => app(ev(e))));
    expect(batched.timelines).toEqual(single.timelines);
    expect(batched.channels).toEqual(single.channels);
    expect(batched.channels.find((c) => c.id === "a")!.unread).toBe(3);
  });

  it("does not count an event the snapshot already included", () => {
    const s = run(
      withOpenChannel(channel("a", { lastEventId: "9", unread: 2, lastReadEventId: "7" })),
      app(ev(chat("9", "a"))),
    );
    expect(s.channels[0]!.unread).toBe(2);
  });

  it("merges a history page with live events, oldest first, without duplicates", () => {
    const s = run(withOpenChannel(channel("a")), app(ev(chat("10", "a"))), {
      type: "historyLoaded",
      page: {
        channelId: "a",
        events: [chat("8", "a"), chat("9", "a"), chat("10", "a")],
        hasMore: true,
        nextCursor: "8",
      },
      older: true,
    });
    expect(s.timelines.a!.events.map((e) => e.id)).toEqual(["8", "9", "10"]);
    expect(s.timelines.a!.hasMore).toBe(true);
    expect(s.timelines.a!.nextCursor).toBe("8");
  });

  it("shows a sent message once: the outbox entry gives way to its event by clientKey", () => {
    let s = run(withOpenChannel(channel("a")), {
      type: "outboxUpdated",
      item: outbox("k1", "a"),
    });
    expect(pendingFor(s.outbox, "a")).toHaveLength(1);
    s = run(s, app({ type: "outbox", item: outbox("k1", "a", { state: "sent", eventId: "4" }) }));
    expect(pendingFor(s.outbox, "a")[0]!.state).toBe("sent");
    s = run(s, app(ev(chat("4", "a", { member: me, text: "hello", clientKey: "k1" }))));
    expect(pendingFor(s.outbox, "a")).toHaveLength(0);
    expect(s.timelines.a!.events).toHaveLength(1);
    // A late outbox update for the same key must not bring the entry back.
    s = run(s, app({ type: "outbox", item: outbox("k1", "a", { state: "sent", eventId: "4" }) }));
    expect(pendingFor(s.outbox, "a")).toHaveLength(0);
  });

  it("keeps a failed send with its reason until it is discarded", () => {
    let s = run(
      withOpenChannel(channel("a")),
      { type: "outboxUpdated", item: outbox("k2", "a") },
      app({ type: "outbox", item: outbox("k2", "a", { state: "failed", error: "Too long" }) }),
    );
    expect(pendingFor(s.outbox, "a")[0]).toMatchObject({ state: "failed", error: "Too long" });
    s = run(s, { type: "outboxDiscarded", clientKey: "k2" });
    expect(pendingFor(s.outbox, "a")).toHaveLength(0);
  });

  it("freezes the read marker when a conversation opens, even after marking read", () => {
    let s = run(
      initialState,
      {
        type: "snapshot",
        snapshot: snapshot({
          channels: [channel("a", { lastEventId: "5", lastReadEventId: "3", unread: 2 })],
        }),
      },
      { type: "open", channelId: "a" },
    );
    expect(s.view).toEqual({ channelId: "a", markerAfter: "3", showMarker: true, jump: null });
    s = run(s, { type: "markedRead", channelId: "a", upTo: "5" });
    expect(s.channels[0]).toMatchObject({ unread: 0, lastReadEventId: "5" });
    expect(s.view?.markerAfter).toBe("3");
  });

  it("shows no marker when nothing was unread", () => {
    const s = run(
      initialState,
      { type: "snapshot", snapshot: snapshot({ channels: [channel("a", { unread: 0 })] }) },
      { type: "open", channelId: "a" },
    );
    expect(s.view?.showMarker).toBe(false);
  });

  it("places the marker before the first message from someone else after the read marker", () => {
    const events = [
      chat("1", "a"),
      chat("2", "a", { member: me }),
      chat("3", "a", { member: me }),
      chat("4", "a", { kind: "join", text: null }),
      chat("5", "a", { member: bo }),
    ];
    expect(firstUnreadIndex(events, "1", me.id)).toBe(4);
    expect(firstUnreadIndex(events, null, me.id)).toBe(0);
    expect(firstUnreadIndex(events, "5", me.id)).toBe(-1);
  });

  it("follows the connection state and the resynced notice", () => {
    let s = run(
      withOpenChannel(channel("a")),
      app({ type: "connection", connection: { state: "reconnecting", inSecs: 4, attempt: 2 } }),
    );
    expect(s.connection).toEqual({ state: "reconnecting", inSecs: 4, attempt: 2 });
    s = run(s, app({ type: "resynced" }));
    expect(s.resynced).toBe(true);
    expect(s.timelines).toEqual({});
    s = run(s, { type: "resyncedDismissed" });
    expect(s.resynced).toBe(false);
  });

  it("returns to signed out, keeping settings, when the session ends", () => {
    const s = run(withOpenChannel(channel("a")), app({ type: "session", session: null }));
    expect(s.session).toBeNull();
    expect(s.channels).toEqual([]);
    expect(s.connection.state).toBe("signedOut");
  });

  it("opens the channel a notification asked for", () => {
    const s = run(
      withOpenChannel(channel("a"), channel("b")),
      app({ type: "openChannel", channelId: "b" }),
    );
    expect(s.view?.channelId).toBe("b");
  });

  it("dims a channel as soon as the settings mute it", () => {
    const s = run(
      withOpenChannel(channel("a")),
      app({ type: "settings", settings: { ...initialState.settings, mutedChannels: ["a"] } }),
    );
    expect(s.channels[0]!.muted).toBe(true);
  });

  it("closes the conversation of a channel that was left", () => {
    const s = run(
      withOpenChannel(channel("a"), channel("b")),
      { type: "open", channelId: "a" },
      { type: "channelLeft", channelId: "a" },
    );
    expect(s.view).toBeNull();
    expect(s.channels.map((c) => c.id)).toEqual(["b"]);
  });

  it("collects notices from the snapshot and events", () => {
    const s = run(
      initialState,
      { type: "snapshot", snapshot: snapshot({ notice: "Settings were reset" }) },
      app({ type: "notice", message: "Another" }),
      { type: "noticeDismissed", index: 0 },
    );
    expect(s.notices).toEqual(["Another"]);
  });

  it("is connecting, not signed out, once a session starts", () => {
    const s = run(
      initialState,
      {
        type: "snapshot",
        snapshot: snapshot({ session: null, connection: { state: "signedOut" } }),
      },
      { type: "sessionStarted", session: { member: me, serverUrl: "https://x" } },
    );
    expect(s.connection).toEqual({ state: "connecting" });
  });
});
