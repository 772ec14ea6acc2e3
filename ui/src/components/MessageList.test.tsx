import { render } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { chat, me } from "../../test/fixtures";
import "../i18n";
import { MessageList } from "./MessageList";
import { buildRows } from "./rows";

// jsdom has no layout: give the scroll box a viewport's size.
const sizes = ["clientHeight", "clientWidth", "offsetHeight"] as const;
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, value: 600 });
  Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, value: 800 });
  Object.defineProperty(HTMLElement.prototype, "offsetHeight", { configurable: true, value: 40 });
});
afterAll(() => {
  for (const k of sizes) delete (HTMLElement.prototype as unknown as Record<string, unknown>)[k];
});

/** A loaded list of `events` in #general, at the newest page. */
function list(
  events: ReturnType<typeof chat>[],
  extra: Partial<Pick<Parameters<typeof MessageList>[0], "onAtBottomChange" | "pinned">> = {},
) {
  return (
    <MessageList
      rows={buildRows(events, [], -1, me.id, new Date().toISOString())}
      channelName="general"
      me={me}
      hasMore={false}
      loaded={true}
      loadingOlder={false}
      onLoadOlder={() => {}}
      onAtBottomChange={extra.onAtBottomChange ?? (() => {})}
      pinned={extra.pinned ?? { current: true }}
      onRetry={() => {}}
      jump={null}
      onDiscard={() => {}}
    />
  );
}

describe("MessageList", () => {
  it("puts only a window of 10,000 messages in the DOM", () => {
    const events = Array.from({ length: 10_000 }, (_, i) =>
      chat(String(i + 1), "a", { createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString() }),
    );
    const { container } = render(list(events));
    const shown = container.querySelectorAll(".row").length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(200);
    expect(container.querySelector('[role="log"]')).toHaveAccessibleName("Messages in general");
  });

  it("leaves a reader who scrolled up where they are, before their scroll event comes", () => {
    const at = (i: number) =>
      chat(String(i), "a", { createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString() });
    const events = Array.from({ length: 50 }, (_, i) => at(i + 1));
    const pinned = { current: true };
    const onAtBottomChange = vi.fn();
    const upTo = (n: number) => list(events.slice(0, n), { onAtBottomChange, pinned });
    const { container, rerender } = render(upTo(48));
    const el = container.querySelector<HTMLElement>(".message-scroll")!;
    Object.defineProperty(el, "scrollHeight", { configurable: true, get: () => 5000 });
    // A row arrives while at the bottom: the list follows it.
    rerender(upTo(49));
    expect(el.scrollTop).toBe(5000);
    expect(pinned.current).toBe(true);
    // The reader scrolls up; a row arrives before the scroll event does
    // (jsdom sends none): they stay where they went, and the list says it
    // is no longer at the bottom (so nothing is marked read).
    el.scrollTop = 2000;
    rerender(upTo(50));
    expect(el.scrollTop).toBe(2000);
    expect(pinned.current).toBe(false);
    expect(onAtBottomChange).toHaveBeenLastCalledWith(false);
  });
});
