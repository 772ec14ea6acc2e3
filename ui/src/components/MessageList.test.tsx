import { render } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("MessageList", () => {
  it("puts only a window of 10,000 messages in the DOM", () => {
    const events = Array.from({ length: 10_000 }, (_, i) =>
      chat(String(i + 1), "a", { createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString() }),
    );
    const rows = buildRows(events, [], -1, me.id, new Date().toISOString());
    const { container } = render(
      <MessageList
        rows={rows}
        channelName="general"
        me={me}
        hasMore={false}
        loaded={true}
        loadingOlder={false}
        onLoadOlder={() => {}}
        onAtBottomChange={() => {}}
        onRetry={() => {}}
        jump={null}
        onDiscard={() => {}}
      />,
    );
    const shown = container.querySelectorAll(".row").length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(200);
    expect(container.querySelector('[role="log"]')).toHaveAccessibleName("Messages in general");
  });
});
