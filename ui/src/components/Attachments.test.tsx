import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { AttachmentView, EventView } from "../bindings/ipc";
import { chat } from "../../test/fixtures";
import "../i18n";
import { shownSize } from "./Attachments";
import { type MessageActions, MessageActionsContext } from "./messageActions";
import { MessageRow } from "./MessageRow";

const photo: AttachmentView = {
  id: "111111111111111111",
  name: "beach.png",
  size: 204_800,
  contentType: "image/png",
  image: { width: 1200, height: 600 },
  url: "suda-file://localhost/111111111111111111",
  thumbnailUrl: "suda-file://localhost/111111111111111111/thumbnail",
  openable: true,
};
const notes: AttachmentView = {
  id: "222222222222222222",
  name: "<b>notes</b>.txt",
  size: 13,
  contentType: "text/plain",
  image: null,
  url: "suda-file://localhost/222222222222222222",
  thumbnailUrl: null,
  openable: true,
};

function row(event: EventView) {
  const actions = {
    editingId: null,
    reply: vi.fn(),
    startEdit: vi.fn(),
    cancelEdit: vi.fn(),
    saveEdit: vi.fn(),
    askDelete: vi.fn(),
    toggleReaction: vi.fn(),
    openPicker: vi.fn(),
    jump: vi.fn(),
  } as MessageActions;
  return render(
    <MessageActionsContext.Provider value={actions}>
      <MessageRow event={event} continuation={false} self={false} me="Mina" />
    </MessageActionsContext.Provider>,
  );
}

describe("files a message carries", () => {
  it("shows an image at its shape from the shell, and any other file as a card", () => {
    const { container } = row(chat("1", "a", { text: "", attachments: [photo, notes] }));
    const img = screen.getByAltText("beach.png");
    expect(img.getAttribute("src")).toBe(photo.thumbnailUrl);
    expect([img.getAttribute("width"), img.getAttribute("height")]).toEqual(["320", "160"]);
    const card = screen.getByRole("group", { name: "File <b>notes</b>.txt" });
    // The name is text, never markup.
    expect(card.textContent).toContain("<b>notes</b>.txt");
    expect(card.textContent).toContain("13 B · text/plain");
    expect(container.querySelector("b")).toBeNull();
    // A message of files alone shows no empty text line.
    expect(container.querySelector(".text-line")).toBeNull();
  });

  it("opens an image full size and closes with Escape or a click outside", () => {
    row(chat("1", "a", { attachments: [photo] }));
    fireEvent.click(screen.getByRole("button", { name: "Open beach.png full size" }));
    const viewer = screen.getByRole("dialog", { name: "beach.png" });
    const full = viewer.querySelector("img");
    expect(full?.getAttribute("src")).toBe(photo.url);
    expect(viewer.textContent).toContain("1200×600");
    fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Open beach.png full size" }));
    fireEvent.click(screen.getByRole("dialog"));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("a deleted message shows none of its files", () => {
    row(chat("1", "a", { deleted: true, text: "", attachments: [photo] }));
    expect(screen.queryByAltText("beach.png")).toBeNull();
  });

  it("keeps an image's shape within the longest side shown", () => {
    expect(shownSize(100, 50)).toEqual({ width: 100, height: 50 });
    expect(shownSize(640, 1280)).toEqual({ width: 160, height: 320 });
    expect(shownSize(0, 0)).toEqual({ width: 1, height: 1 });
  });
});
