import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { channel, chat, snapshot } from "../../test/fixtures";
import { EVENT_NAME } from "../ipc";
import { jumpToFirstUnread, openChannel, resetStart, send, start, useStore } from "./store";

afterEach(() => clearMocks());

describe("store against the shell", () => {
  it("starts from the snapshot, applies events and asks for history on open", async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC(
      (cmd, payload) => {
        calls.push([cmd, payload]);
        switch (cmd) {
          case "snapshot":
            return snapshot({ channels: [channel("a", { lastEventId: "2" })] });
          case "history":
            return {
              channelId: "a",
              events: [chat("1", "a"), chat("2", "a")],
              hasMore: false,
              nextCursor: null,
            };
          case "send":
            return {
              clientKey: "k1",
              channelId: "a",
              text: "hi",
              state: "pending",
              error: null,
              eventId: null,
            };
          default:
            return null;
        }
      },
      { shouldMockEvents: true },
    );

    await start();
    expect(useStore.getState().state.ready).toBe(true);

    await openChannel("a");
    expect(calls).toContainEqual(["focus_channel", { args: { channelId: "a", threadRoot: null } }]);
    expect(calls).toContainEqual([
      "history",
      { args: { channelId: "a", before: null, around: null } },
    ]);
    expect(useStore.getState().state.timelines.a!.events).toHaveLength(2);

    await emit(EVENT_NAME, { type: "event", event: chat("3", "a") });
    // Applied with the next batch, within a frame.
    await vi.waitFor(() =>
      expect(useStore.getState().state.timelines.a!.events.map((e) => e.id)).toEqual([
        "1",
        "2",
        "3",
      ]),
    );
    expect(useStore.getState().state.channels[0]!.unread).toBe(1);

    // A burst is applied in a few state changes (renders), not one per message.
    let changes = 0;
    const stop = useStore.subscribe(() => changes++);
    for (let i = 10; i < 210; i++) {
      void emit(EVENT_NAME, { type: "event", event: chat(String(i), "a") });
    }
    await vi.waitFor(() => expect(useStore.getState().state.timelines.a!.events).toHaveLength(203));
    stop();
    expect(changes).toBeLessThan(20);
    expect(useStore.getState().state.channels[0]!.unread).toBe(201);

    await send("a", "hi");
    expect(calls).toContainEqual([
      "send",
      { args: { channelId: "a", text: "hi", replyTo: null, threadRoot: null, attachmentIds: [] } },
    ]);
    expect(useStore.getState().state.outbox.k1?.state).toBe("pending");
    await emit(EVENT_NAME, {
      type: "event",
      event: chat("400", "a", { clientKey: "k1", text: "hi" }),
    });
    await vi.waitFor(() => expect(useStore.getState().state.outbox.k1).toBeUndefined());
  });

  it("after a reload, opens again the conversation the shell says was open", async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC(
      (cmd, payload) => {
        calls.push([cmd, payload]);
        switch (cmd) {
          case "snapshot":
            return snapshot({
              channels: [channel("a"), channel("b", { lastEventId: "7" })],
              openChannel: "b",
            });
          case "history":
            return { channelId: "b", events: [chat("7", "b")], hasMore: false, nextCursor: null };
          default:
            return null;
        }
      },
      { shouldMockEvents: true },
    );
    resetStart();
    await start();
    expect(useStore.getState().state.view?.channelId).toBe("b");
    expect(calls).toContainEqual([
      "history",
      { args: { channelId: "b", before: null, around: null } },
    ]);
    expect(useStore.getState().state.timelines.b!.events.map((e) => e.id)).toEqual(["7"]);
  });

  it("jumps to the first unread message, loading older pages until it is there", async () => {
    // 120 messages; read up to 5; the newest page holds 71..120.
    const all = Array.from({ length: 120 }, (_, i) => chat(String(i + 1), "c"));
    mockIPC(
      (cmd, payload) => {
        const args = (payload as { args?: { before?: string | null } } | undefined)?.args;
        switch (cmd) {
          case "snapshot":
            return snapshot({
              channels: [channel("c", { lastEventId: "120", lastReadEventId: "5", unread: 115 })],
            });
          case "history": {
            const end = args?.before ? Number(args.before) - 1 : 120;
            const start = Math.max(0, end - 50);
            return {
              channelId: "c",
              events: all.slice(start, end),
              hasMore: start > 0,
              nextCursor: start > 0 ? String(start + 1) : null,
            };
          }
          default:
            return null;
        }
      },
      { shouldMockEvents: true },
    );
    resetStart();
    await start();
    await openChannel("c");
    expect(useStore.getState().state.timelines.c!.events[0]!.id).toBe("71");
    expect(await jumpToFirstUnread("c")).toBe(true);
    expect(useStore.getState().state.view?.jump?.messageId).toBe("6");
    expect(useStore.getState().state.timelines.c!.events[0]!.id).toBe("1");
    // Nothing unread in another conversation: nothing to jump to.
    expect(await jumpToFirstUnread("elsewhere")).toBe(false);
  });
});
