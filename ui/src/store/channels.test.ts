import { describe, expect, it } from "vitest";
import { bo, channel, chat, me, snapshot } from "../../test/fixtures";
import {
  channelsReducer,
  firstUnreadIndex,
  isUnread,
  withArrivals,
  withMarkedRead,
} from "./channels";
import { defaultSettings } from "./settings";

describe("unread", () => {
  it("counts a chat message from someone else after the read marker, nothing else", () => {
    expect(isUnread(chat("5", "a"), "4", me.id)).toBe(true);
    expect(isUnread(chat("5", "a"), null, me.id)).toBe(true);
    expect(isUnread(chat("5", "a"), "5", me.id)).toBe(false);
    expect(isUnread(chat("5", "a", { member: me }), "4", me.id)).toBe(false);
    expect(isUnread(chat("5", "a", { kind: "join", text: null }), "4", me.id)).toBe(false);
    expect(isUnread(chat("5", "a", { kind: "leave", text: null }), "4", me.id)).toBe(false);
  });

  it("counts every message when no one is signed in to tell own ones apart", () => {
    expect(isUnread(chat("5", "a", { member: me }), null, null)).toBe(true);
  });

  it("adds arrivals to their channel and moves it up", () => {
    const channels = [channel("a", { lastEventId: "5" }), channel("b", { lastEventId: "7" })];
    const next = withArrivals(channels, [chat("8", "a"), chat("9", "a")], me.id);
    expect(next.map((c) => [c.id, c.unread, c.lastEventId])).toEqual([
      ["a", 2, "9"],
      ["b", 0, "7"],
    ]);
  });

  it("moves a channel up for the member's own message without counting it", () => {
    const channels = [channel("a", { lastEventId: "5" }), channel("b", { lastEventId: "7" })];
    const next = withArrivals(channels, [chat("8", "a", { member: me })], me.id);
    expect(next[0]).toMatchObject({ id: "a", unread: 0, lastEventId: "8" });
  });

  it("counts an event once, however often it arrives, and not if the snapshot had it", () => {
    const channels = [channel("a", { lastEventId: "9", lastReadEventId: "7", unread: 2 })];
    expect(withArrivals(channels, [chat("8", "a"), chat("9", "a")], me.id)).toBe(channels);
    const once = withArrivals(channels, [chat("10", "a"), chat("10", "a")], me.id);
    expect(once[0]!.unread).toBe(3);
  });

  it("leaves the list as it is for events of channels it does not have", () => {
    const channels = [channel("a")];
    expect(withArrivals(channels, [chat("3", "zzz")], me.id)).toBe(channels);
  });

  it("gives the same counts for a burst as for its events one by one", () => {
    const channels = [channel("a"), channel("b", { lastReadEventId: "4" })];
    const events = [chat("3", "b"), chat("5", "a"), chat("6", "b"), chat("6", "b"), chat("7", "a")];
    const oneByOne = events.reduce((cs, e) => withArrivals(cs, [e], me.id), channels);
    expect(withArrivals(channels, events, me.id)).toEqual(oneByOne);
  });

  it("clears the count on mark-read, and never moves the read marker back", () => {
    const channels = [
      channel("a", { unread: 3, lastReadEventId: "7" }),
      channel("b", { unread: 1 }),
    ];
    expect(withMarkedRead(channels, "a", "9")[0]).toMatchObject({
      unread: 0,
      lastReadEventId: "9",
    });
    expect(withMarkedRead(channels, "a", "5")[0]).toMatchObject({
      unread: 0,
      lastReadEventId: "7",
    });
    expect(withMarkedRead(channels, "a", null)[0]).toMatchObject({
      unread: 0,
      lastReadEventId: "7",
    });
    expect(withMarkedRead(channels, "a", "9")[1]).toBe(channels[1]);
  });

  it("puts the new-messages line before the first event the count would count", () => {
    const events = [chat("1", "a"), chat("2", "a", { member: me }), chat("3", "a", { member: bo })];
    expect(firstUnreadIndex(events, "1", me.id)).toBe(2);
    expect(events.filter((e) => isUnread(e, "1", me.id))).toEqual([events[2]]);
  });
});

describe("channels reducer", () => {
  const reads = { settings: defaultSettings, session: snapshot().session };

  it("counts arrivals as the signed-in member sees them", () => {
    const state = { channels: [channel("a")], view: null, ...reads };
    const changed = channelsReducer(state, {
      type: "arrived",
      events: [chat("1", "a"), chat("2", "a", { member: me })],
    });
    expect(changed?.channels?.[0]).toMatchObject({ unread: 1, lastEventId: "2" });
  });

  it("changes nothing when what arrived was already counted", () => {
    const state = { channels: [channel("a", { lastEventId: "2" })], view: null, ...reads };
    expect(channelsReducer(state, { type: "arrived", events: [chat("2", "a")] })).toBeNull();
  });

  it("opens a conversation with the marker where the unread count started", () => {
    const state = {
      channels: [channel("a", { lastReadEventId: "3", unread: 2 })],
      view: null,
      ...reads,
    };
    expect(channelsReducer(state, { type: "openChannel", channelId: "a" })).toEqual({
      view: { channelId: "a", markerAfter: "3", showMarker: true, jump: null },
    });
    expect(channelsReducer(state, { type: "open", channelId: "nope" })).toBeNull();
  });

  it("applies the step's settings to a fresh list", () => {
    const settings = { ...defaultSettings, mutedChannels: ["b"] };
    const changed = channelsReducer(
      { channels: [], view: null, settings, session: null },
      { type: "channels", channels: [channel("a"), channel("b")] },
    );
    expect(changed?.channels?.map((c) => [c.id, c.muted])).toEqual([
      ["a", false],
      ["b", true],
    ]);
  });
});
