import { act, render, screen } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createElement } from "react";
import type { MemberView } from "../bindings/ipc";
import "../i18n";
import { TypingLine } from "../components/Composer";
import {
  forgetTyping,
  heardTyping,
  messageArrived,
  stoppedTyping,
  typed,
  useTyping,
} from "./typing";

const member = (id: string, name: string): MemberView => ({ id, name, profileImage: null });
const ada = member("1", "ada");
const bo = member("2", "bo");
const yusuf = member("3", "yusuf");

function heard(who: MemberView, typing = true, threadRoot: string | null = null, channelId = "c") {
  heardTyping({ type: "typing", channelId, threadRoot, member: who, typing, forMs: 6000 });
}

function Shown({
  channelId,
  threadRoot = null,
}: {
  channelId: string;
  threadRoot?: string | null;
}) {
  return createElement(TypingLine, { members: useTyping(channelId, threadRoot) });
}

describe("who is typing", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    act(() => forgetTyping());
    vi.useRealTimers();
  });

  it("shows one, two or several, and each goes 6 s after the last word of it", () => {
    render(createElement(Shown, { channelId: "c" }));
    const line = () => document.querySelector(".typing-line")!.textContent;
    expect(line()).toBe("");
    act(() => heard(ada));
    expect(line()).toBe("ada is typing…");
    act(() => heard(bo));
    expect(line()).toBe("ada and bo are typing…");
    act(() => heard(yusuf));
    expect(line()).toBe("Several people are typing…");
    act(() => vi.advanceTimersByTime(4000));
    act(() => heard(ada)); // said again: shown 6 s from now
    act(() => vi.advanceTimersByTime(2500));
    expect(line()).toBe("ada is typing…");
    act(() => vi.advanceTimersByTime(4000));
    expect(line()).toBe("");
  });

  it("ends at once on their 'stopped' or their message, and keeps threads apart", () => {
    render(createElement(Shown, { channelId: "c" }));
    render(createElement(Shown, { channelId: "c", threadRoot: "r" }));
    const [channel, thread] = Array.from(document.querySelectorAll(".typing-line"));
    act(() => heard(ada));
    act(() => heard(bo, true, "r"));
    expect(channel!.textContent).toBe("ada is typing…");
    expect(thread!.textContent).toBe("bo is typing…");
    act(() => heard(ada, false));
    expect(channel!.textContent).toBe("");
    act(() => messageArrived("c", bo.id));
    expect(thread!.textContent).toBe("");
    expect(screen.queryByText(/typing/)).toBeNull();
  });
});

describe("the member's own typing", () => {
  let told: Array<{ channelId: string; threadRoot: string | null; typing: boolean }>;
  beforeEach(() => {
    told = [];
    mockIPC((cmd, payload) => {
      if (cmd !== "set_typing") return null;
      told.push((payload as { args: (typeof told)[number] }).args);
      return { shown: true, againInMs: 3000 };
    });
  });
  afterEach(() => clearMocks());

  it("is told at the first key, again every 3 s while typing, and stopped once", async () => {
    typed("c", "h", 0);
    typed("c", "he", 1000);
    typed("c", "hel", 2999);
    await Promise.resolve();
    expect(told).toEqual([{ channelId: "c", threadRoot: null, typing: true }]);
    typed("c", "hell", 3000);
    expect(told).toHaveLength(2);
    stoppedTyping("c");
    stoppedTyping("c");
    expect(told.map((t) => t.typing)).toEqual([true, true, false]);
    // Emptying the box is stopping too; in a thread, its root goes along.
    typed("c/r", "x", 10_000);
    typed("c/r", "", 10_001);
    expect(told.slice(3)).toEqual([
      { channelId: "c", threadRoot: "r", typing: true },
      { channelId: "c", threadRoot: "r", typing: false },
    ]);
  });

  it("is no longer told where the channel is too large for it", async () => {
    clearMocks();
    mockIPC((cmd) => {
      if (cmd === "set_typing") told.push({ channelId: "big", threadRoot: null, typing: true });
      return { shown: false, againInMs: 3000 };
    });
    typed("big", "a", 0);
    await new Promise((r) => setTimeout(r, 0));
    typed("big", "ab", 10_000);
    expect(told).toHaveLength(1);
  });
});
