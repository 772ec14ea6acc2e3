import { describe, expect, it } from "vitest";
import { chat, me, outbox, snapshot } from "../../test/fixtures";
import {
  delivered,
  deliveryReducer,
  type DeliveryState,
  initialDelivery,
  pendingFor,
} from "./delivery";

const pending = (...keys: string[]): DeliveryState => ({
  outbox: Object.fromEntries(keys.map((k) => [k, outbox(k, "a")])),
  deliveredKeys: new Set(),
});

describe("delivered", () => {
  it("replaces the outbox entry of an arrived event and remembers its key", () => {
    const next = delivered(pending("k1", "k2"), [chat("4", "a", { member: me, clientKey: "k1" })]);
    expect(Object.keys(next.outbox)).toEqual(["k2"]);
    expect([...next.deliveredKeys]).toEqual(["k1"]);
  });

  it("remembers a key whose event came before its outbox entry", () => {
    const next = delivered(initialDelivery, [chat("4", "a", { clientKey: "k1" })]);
    expect(next.deliveredKeys.has("k1")).toBe(true);
    expect(deliveryReducer(next, { type: "outboxUpdated", item: outbox("k1", "a") })).toBeNull();
  });

  it("is the same state when no event carries a client key", () => {
    const state = pending("k1");
    expect(delivered(state, [chat("4", "a"), chat("5", "a")])).toBe(state);
  });

  it("does not let a late outbox update bring a delivered entry back", () => {
    const state = delivered(pending("k1"), [chat("4", "a", { clientKey: "k1" })]);
    const late = outbox("k1", "a", { state: "sent", eventId: "4" });
    expect(deliveryReducer(state, { type: "outbox", item: late })).toBeNull();
  });

  it("drops an entry still shown once its key is known to be delivered", () => {
    const state: DeliveryState = { ...pending("k1"), deliveredKeys: new Set(["k1"]) };
    expect(deliveryReducer(state, { type: "outbox", item: outbox("k1", "a") })).toEqual({
      outbox: {},
    });
  });

  it("counts an event in a history page as delivered, as a live one", () => {
    const page = {
      channelId: "a",
      events: [chat("3", "a"), chat("4", "a", { clientKey: "k1" })],
      hasMore: false,
      nextCursor: null,
    };
    const live = deliveryReducer(pending("k1"), { type: "arrived", events: page.events });
    const history = deliveryReducer(pending("k1"), { type: "historyLoaded", page, older: true });
    expect(history).toEqual(live);
    expect(history?.outbox).toEqual({});
  });

  it("starts from the snapshot's outbox, with no key delivered yet", () => {
    const state = delivered(pending("k1"), [chat("4", "a", { clientKey: "k1" })]);
    const changed = deliveryReducer(state, {
      type: "snapshot",
      snapshot: snapshot({ outbox: [outbox("k9", "b")] }),
    });
    expect(Object.keys(changed!.outbox!)).toEqual(["k9"]);
    expect(changed!.deliveredKeys!.size).toBe(0);
  });

  it("lists a channel's pending entries", () => {
    const state = pending("k1");
    state.outbox.k2 = outbox("k2", "b");
    expect(pendingFor(state.outbox, "a").map((o) => o.clientKey)).toEqual(["k1"]);
  });
});
