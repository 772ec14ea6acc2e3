import { fireEvent, render, screen, within } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { channel, chat } from "../../test/fixtures";
import "../i18n";
import { highlightParts, SearchPanel } from "./SearchPanel";

afterEach(() => clearMocks());

describe("highlightParts", () => {
  it("marks code points, not UTF-16 units, and leaves bad ranges unmarked", () => {
    // 😀 is two UTF-16 units and one code point, as the server counts.
    expect(
      highlightParts("😀 안녕하세요 lunch", [
        { start: 2, length: 2 },
        { start: 8, length: 5 },
      ]),
    ).toEqual([
      { text: "😀 ", found: false },
      { text: "안녕", found: true },
      { text: "하세요 ", found: false },
      { text: "lunch", found: true },
    ]);
    expect(highlightParts("lunch", [{ start: 3, length: 9 }])).toEqual([
      { text: "lunch", found: false },
    ]);
    expect(
      highlightParts("lunch", [
        { start: 0, length: 3 },
        { start: 1, length: 2 },
        { start: 4, length: 0 },
      ]),
    ).toEqual([
      { text: "lun", found: true },
      { text: "ch", found: false },
    ]);
  });
});

describe("SearchPanel", () => {
  it("asks the shell with the query as typed, shows hits with their words marked, and pages", async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, payload) => {
      if (cmd !== "search_messages") return null;
      const args = (payload as { args: { before: string | null } }).args;
      asked.push(args);
      if (args.before === null) {
        return {
          hits: [
            {
              message: chat("9", "g1", { text: "<b>lunch</b> at noon" }),
              highlights: [{ start: 3, length: 5 }],
            },
          ],
          hasMore: true,
          nextCursor: "9",
        };
      }
      return {
        hits: [
          { message: chat("4", "g1", { text: "lunch?" }), highlights: [{ start: 0, length: 5 }] },
        ],
        hasMore: false,
        nextCursor: null,
      };
    });
    render(
      <SearchPanel
        query="lunch from:bo"
        channels={[channel("g1", { name: "general" })]}
        onClose={() => {}}
      />,
    );
    const first = await screen.findByRole("button", { name: "Open Bo's message in #general" });
    // Text stays text: the markup in a message is never rendered.
    expect(first.querySelector("b")).toBeNull();
    expect(within(first).getByText("lunch", { selector: "mark" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("1 message found");
    fireEvent.click(screen.getByRole("button", { name: "Show older results" }));
    expect(await screen.findByText("?")).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("2 messages found");
    expect(screen.queryByRole("button", { name: "Show older results" })).toBeNull();
    expect(asked).toEqual([
      { query: "lunch from:bo", channelId: null, before: null },
      { query: "lunch from:bo", channelId: null, before: "9" },
    ]);
  });

  it("says what the shell refused, in its words", async () => {
    mockIPC(() => Promise.reject({ kind: "badInput", message: '"on:" takes a day' }));
    render(<SearchPanel query="lunch on:someday" channels={[]} onClose={() => {}} />);
    expect(await screen.findByRole("alert")).toHaveTextContent('"on:" takes a day');
  });
});
