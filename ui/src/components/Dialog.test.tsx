import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import "../i18n";
import { Dialog } from "./Dialog";

describe("Dialog", () => {
  it("focuses its first field, closes on Esc and gives focus back", () => {
    const opener = document.createElement("button");
    document.body.appendChild(opener);
    opener.focus();
    const onClose = vi.fn();
    const { unmount } = render(
      <Dialog title="New group" onClose={onClose}>
        <input aria-label="Group name" />
        <button type="button">Create</button>
      </Dialog>,
    );
    expect(screen.getByRole("dialog", { name: "New group" })).toBeInTheDocument();
    expect(screen.getByLabelText("Group name")).toHaveFocus();
    fireEvent.keyDown(screen.getByLabelText("Group name"), { key: "Escape" });
    expect(onClose).toHaveBeenCalledOnce();
    unmount();
    expect(opener).toHaveFocus();
    opener.remove();
  });

  it("keeps Tab inside the dialog", () => {
    render(
      <Dialog title="Settings" onClose={() => {}}>
        <input aria-label="First" />
        <button type="button">Last</button>
      </Dialog>,
    );
    const last = screen.getByRole("button", { name: "Last" });
    last.focus();
    fireEvent.keyDown(last, { key: "Tab" });
    expect(screen.getByRole("button", { name: "Close" })).toHaveFocus();
    fireEvent.keyDown(screen.getByRole("button", { name: "Close" }), {
      key: "Tab",
      shiftKey: true,
    });
    expect(last).toHaveFocus();
  });
});
