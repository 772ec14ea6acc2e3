import { act, render } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { createElement } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../i18n";
import { PresenceDot } from "../components/Avatar";
import { askPresence, followAway, forgetPresence, heardPresence } from "./presence";

describe("presence", () => {
  let calls: Array<[string, unknown]>;
  beforeEach(() => {
    vi.useFakeTimers();
    calls = [];
    mockIPC((cmd, payload) => {
      calls.push([cmd, (payload as { args?: unknown })?.args]);
      if (cmd === "presence") return [{ memberId: "7", presence: "away" }];
      return null;
    });
  });
  afterEach(() => {
    act(() => forgetPresence());
    clearMocks();
    vi.useRealTimers();
  });

  it("shows what was asked, then follows what the shell tells", async () => {
    const { container } = render(createElement(PresenceDot, { memberId: "7" }));
    const dot = () => container.querySelector(".presence-dot")!;
    expect(dot().getAttribute("aria-label")).toBe("Offline");
    await act(async () => {
      askPresence(["7", "7"]);
      await vi.runAllTimersAsync();
    });
    expect(calls).toContainEqual(["presence", { memberIds: ["7"] }]);
    expect(dot().className).toBe("presence-dot away");
    act(() => heardPresence("7", "online"));
    expect(dot().getAttribute("aria-label")).toBe("Online");
  });

  it("is away after five minutes without input, and back at the next", () => {
    const stop = followAway();
    const said = () => calls.filter(([c]) => c === "set_away").map(([, a]) => a);
    act(() => vi.advanceTimersByTime(4 * 60 * 1000));
    window.dispatchEvent(new KeyboardEvent("keydown"));
    act(() => vi.advanceTimersByTime(4 * 60 * 1000));
    expect(said()).toEqual([]);
    act(() => vi.advanceTimersByTime(60 * 1000 + 1));
    expect(said()).toEqual([{ away: true }]);
    window.dispatchEvent(new Event("pointerdown"));
    window.dispatchEvent(new Event("pointerdown"));
    expect(said()).toEqual([{ away: true }, { away: false }]);
    stop();
  });
});
