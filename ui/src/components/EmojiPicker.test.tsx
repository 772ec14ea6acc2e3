import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import "../i18n";
import { EmojiPicker } from "./EmojiPicker";

const RED_HEART = "\u2764\uFE0F";

function open(recent: string[] = []) {
  const onPick = vi.fn();
  const onClose = vi.fn();
  const view = render(<EmojiPicker recent={recent} onPick={onPick} onClose={onClose} />);
  return { onPick, onClose, ...view };
}

/** The picker once its list has arrived. */
async function loaded(recent: string[] = []) {
  const opened = open(recent);
  await screen.findByRole("group", { name: "Smileys & emotion" });
  return opened;
}

const search = () => screen.getByRole("searchbox", { name: "Search emoji" });
const groupNames = () =>
  screen.queryAllByRole("group").map((g) => within(g).getByRole("heading").textContent);
const emojiIn = (group: HTMLElement) =>
  within(group)
    .getAllByRole("button")
    .map((b) => b.textContent);

describe("EmojiPicker", () => {
  // First in the file: later tests find the list already loaded.
  it("shows Loading… with the search focused until the list arrives", async () => {
    open();
    expect(screen.getByRole("dialog", { name: "Pick an emoji" })).toBeInTheDocument();
    expect(screen.getByText("Loading…")).toBeInTheDocument();
    expect(search()).toHaveFocus();
    expect(await screen.findByRole("group", { name: "Flags" })).toBeInTheDocument();
    expect(screen.queryByText("Loading…")).not.toBeInTheDocument();
  });

  it("shows every group in order when not searching", async () => {
    await loaded();
    expect(groupNames()).toEqual([
      "Smileys & emotion",
      "People & body",
      "Animals & nature",
      "Food & drink",
      "Activities",
      "Travel & places",
      "Objects",
      "Symbols",
      "Flags",
    ]);
    expect(document.querySelectorAll(".emoji").length).toBeGreaterThan(1800);
  });

  it("narrows to the matches as you type; heart finds the red heart", async () => {
    const user = userEvent.setup();
    await loaded();
    const all = document.querySelectorAll(".emoji").length;
    await user.type(search(), "heart");
    expect(search()).toHaveFocus();
    const shown = within(screen.getByRole("group", { name: "Search results" })).getAllByRole(
      "button",
    );
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.length).toBeLessThan(all / 10);
    expect(screen.getByRole("button", { name: "red heart" })).toHaveTextContent(RED_HEART);
    expect(screen.queryByRole("button", { name: "grinning face" })).not.toBeInTheDocument();

    await user.clear(search());
    await user.type(search(), "THUMBS");
    expect(
      within(screen.getByRole("group", { name: "Search results" }))
        .getAllByRole("button")
        .map((b) => b.getAttribute("aria-label")),
    ).toEqual(["thumbs up", "thumbs down"]);
  });

  it("finds by keyword too: party and fire", async () => {
    const user = userEvent.setup();
    await loaded();
    await user.type(search(), "party");
    expect(screen.getByRole("button", { name: "party popper" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "partying face" })).toBeInTheDocument();
    await user.clear(search());
    await user.type(search(), "fire");
    const results = screen.getByRole("group", { name: "Search results" });
    expect(within(results).getAllByRole("button")[0]).toHaveAccessibleName("fire");
  });

  it("says so when nothing matches, and shows everything again when cleared", async () => {
    const user = userEvent.setup();
    await loaded();
    await user.type(search(), "qqxqq");
    expect(screen.getByText("No emoji found")).toBeInTheDocument();
    expect(screen.queryAllByRole("button")).toHaveLength(0);
    await user.clear(search());
    expect(screen.queryByText("No emoji found")).not.toBeInTheDocument();
    expect(groupNames()).toHaveLength(9);
  });

  it("puts Recent first and hides it while searching", async () => {
    const user = userEvent.setup();
    await loaded(["🎉", RED_HEART]);
    expect(groupNames()[0]).toBe("Recent");
    expect(groupNames()[1]).toBe("Smileys & emotion");
    const recent = screen.getByRole("group", { name: "Recent" });
    expect(emojiIn(recent)).toEqual(["🎉", RED_HEART]);
    expect(within(recent).getByRole("button", { name: "party popper" })).toBeInTheDocument();

    await user.type(search(), "party");
    expect(screen.queryByRole("group", { name: "Recent" })).not.toBeInTheDocument();
    await user.clear(search());
    expect(screen.getByRole("group", { name: "Recent" })).toBeInTheDocument();
  });

  it("has no Recent section when there are no recent emoji", async () => {
    await loaded([]);
    expect(screen.queryByRole("group", { name: "Recent" })).not.toBeInTheDocument();
    expect(groupNames()[0]).toBe("Smileys & emotion");
  });

  it("picks the fully-qualified emoji with Enter or Space on a focused emoji", async () => {
    const user = userEvent.setup();
    const { onPick } = await loaded();
    await user.type(search(), "red heart");
    await user.keyboard("{ArrowDown}");
    expect(screen.getByRole("button", { name: "red heart" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(onPick).toHaveBeenCalledExactlyOnceWith(RED_HEART);

    await user.clear(search());
    await user.type(search(), "thumbs up");
    await user.keyboard("{ArrowDown}[Space]");
    // No selector: 👍 defaults to emoji, so Unicode's (and the server's) form is bare.
    expect(onPick).toHaveBeenLastCalledWith("\u{1F44D}");
  });

  it("picks the best match with Enter in the search", async () => {
    const user = userEvent.setup();
    const { onPick } = await loaded();
    await user.type(search(), "fire{Enter}");
    expect(onPick).toHaveBeenCalledExactlyOnceWith("🔥");
  });

  it("picks with a click", async () => {
    const user = userEvent.setup();
    const { onPick } = await loaded([RED_HEART]);
    await user.click(
      within(screen.getByRole("group", { name: "Recent" })).getByRole("button", {
        name: "red heart",
      }),
    );
    expect(onPick).toHaveBeenCalledExactlyOnceWith(RED_HEART);
  });

  it("moves focus with the arrow keys, one Tab stop for the grid", async () => {
    const user = userEvent.setup();
    await loaded();
    const smileys = within(screen.getByRole("group", { name: "Smileys & emotion" }));
    const buttons = smileys.getAllByRole("button");
    await user.keyboard("{ArrowDown}");
    expect(buttons[0]).toHaveFocus();
    expect(buttons[0]).toHaveAccessibleName("grinning face");
    await user.keyboard("{ArrowRight}");
    expect(buttons[1]).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(buttons[9]).toHaveFocus();
    await user.keyboard("{ArrowLeft}");
    expect(buttons[8]).toHaveFocus();
    expect(document.querySelectorAll('.emoji[tabindex="0"]')).toHaveLength(1);
    expect(buttons[8]).toHaveAttribute("tabindex", "0");
    await user.keyboard("{ArrowUp}");
    expect(buttons[0]).toHaveFocus();
    await user.keyboard("{ArrowUp}");
    expect(search()).toHaveFocus();
  });

  it("closes on Esc, from the search and from an emoji", async () => {
    const user = userEvent.setup();
    const { onClose } = await loaded();
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledOnce();
    await user.keyboard("{ArrowDown}{Escape}");
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it("closes on a click outside, not on one inside", async () => {
    const user = userEvent.setup();
    const outside = document.createElement("button");
    document.body.appendChild(outside);
    const { onClose } = await loaded();
    await user.click(screen.getByRole("group", { name: "Flags" }));
    await user.click(search());
    expect(onClose).not.toHaveBeenCalled();
    await user.click(outside);
    expect(onClose).toHaveBeenCalledOnce();
    outside.remove();
  });

  it("gives focus back to the opener when it closes", async () => {
    const opener = document.createElement("button");
    document.body.appendChild(opener);
    opener.focus();
    const { unmount } = await loaded();
    expect(search()).toHaveFocus();
    unmount();
    expect(opener).toHaveFocus();
    opener.remove();
  });

  it("leaves focus alone when it has moved elsewhere before the close", async () => {
    const opener = document.createElement("button");
    const elsewhere = document.createElement("input");
    document.body.append(opener, elsewhere);
    opener.focus();
    const { unmount } = await loaded();
    elsewhere.focus();
    unmount();
    expect(elsewhere).toHaveFocus();
    opener.remove();
    elsewhere.remove();
  });

  it("names every emoji button and keeps it from submitting a form", async () => {
    await loaded([RED_HEART]);
    const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>(".emoji"));
    expect(buttons.length).toBeGreaterThan(1800);
    for (const b of buttons) {
      expect(b.type).toBe("button");
      const name = b.getAttribute("aria-label") ?? "";
      expect(name).toMatch(/[a-z]/i);
    }
    expect(screen.getAllByRole("button", { name: "red heart" })).toHaveLength(2);
  });
});
