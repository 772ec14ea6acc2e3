import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import type { EventView } from "../bindings/ipc";
import { bo, chat, me } from "../../test/fixtures";
import "../i18n";
import { Composer } from "./Composer";
import { type MessageActions, MessageActionsContext } from "./messageActions";
import { MessageRow } from "./MessageRow";

function actions(over: Partial<MessageActions> = {}): MessageActions {
  return {
    editingId: null,
    reply: vi.fn(),
    startEdit: vi.fn(),
    cancelEdit: vi.fn(),
    saveEdit: vi.fn().mockResolvedValue(undefined),
    askDelete: vi.fn(),
    toggleReaction: vi.fn(),
    openPicker: vi.fn(),
    jump: vi.fn(),
    ...over,
  };
}

function row(event: EventView, given: MessageActions, self = false) {
  return render(
    <MessageActionsContext.Provider value={given}>
      <MessageRow event={event} continuation={false} self={self} me="Mina" />
    </MessageActionsContext.Provider>,
  );
}

describe("a message's parts", () => {
  it("an edited message says so; a deleted one shows only that it was deleted", () => {
    const { container, rerender } = row(
      chat("1", "a", { text: "fixed", editedAt: "2026-11-25T10:05:00Z" }),
      actions(),
    );
    expect(screen.getByText("fixed")).toBeInTheDocument();
    expect(screen.getByText("(edited)")).toBeInTheDocument();
    rerender(
      <MessageRow
        event={chat("1", "a", { text: "", deleted: true })}
        continuation={false}
        self={false}
        me="Mina"
      />,
    );
    expect(screen.getByText("Message deleted")).toBeInTheDocument();
    expect(screen.queryByText("(edited)")).toBeNull();
    expect(container.querySelector(".message-actions")).toBeNull();
  });

  it("a reply quotes its original, and the quote jumps to it", () => {
    const given = actions();
    row(
      chat("2", "a", {
        text: "yes",
        replyTo: { id: "1", member: bo, preview: "lunch?", deleted: false },
      }),
      given,
    );
    fireEvent.click(screen.getByRole("button", { name: /Reply to Bo: lunch\?/ }));
    expect(given.jump).toHaveBeenCalledWith("1");
  });

  it("reactions toggle the member's own, and name who reacted", () => {
    const given = actions();
    const event = chat("1", "a", {
      reactions: [
        { emoji: "👍", count: 3, mine: true, members: [me, bo] },
        { emoji: "🎉", count: 1, mine: false, members: [bo] },
      ],
    });
    row(event, given);
    const thumbs = screen.getByRole("button", { name: "👍 3 reactions from Mina, Bo +1" });
    expect(thumbs).toHaveAttribute("aria-pressed", "true");
    fireEvent.click(thumbs);
    expect(given.toggleReaction).toHaveBeenCalledWith(event, "👍", false);
    fireEvent.click(screen.getByRole("button", { name: "🎉 1 reaction from Bo" }));
    expect(given.toggleReaction).toHaveBeenCalledWith(event, "🎉", true);
  });

  it("only the sender is offered edit and delete", () => {
    const given = actions();
    const event = chat("1", "a");
    const { unmount } = row(event, given);
    expect(screen.queryByRole("button", { name: "Edit" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Reply" }));
    expect(given.reply).toHaveBeenCalledWith(event);
    unmount();
    row({ ...event, member: me }, given, true);
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    expect(given.startEdit).toHaveBeenCalled();
    expect(given.askDelete).toHaveBeenCalled();
  });

  it("editing in place: Enter saves, Esc cancels, an error keeps the text", async () => {
    const saveEdit = vi.fn().mockRejectedValueOnce({ kind: "badInput", message: "Too long." });
    const given = actions({ editingId: "1", saveEdit });
    const event = chat("1", "a", { member: me, text: "typo" });
    row(event, given, true);
    const box = screen.getByRole("textbox", { name: "Edit message" });
    fireEvent.change(box, { target: { value: "fixed" } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(saveEdit).toHaveBeenCalledWith(event, "fixed");
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Too long."));
    expect(box).toHaveValue("fixed");
    fireEvent.keyDown(box, { key: "Escape" });
    expect(given.cancelEdit).toHaveBeenCalled();
  });
});

function ReplyHarness({
  onSend,
  onEditLast,
}: {
  onSend: () => Promise<void>;
  onEditLast: () => boolean;
}) {
  const [draft, setDraft] = useState("");
  const [replyTo, setReplyTo] = useState<EventView | null>(
    chat("1", "a", { text: "\nlunch at noon?\nor one" }),
  );
  return (
    <Composer
      channelName="general"
      draft={draft}
      onDraftChange={setDraft}
      onSend={onSend}
      replyTo={replyTo}
      onCancelReply={() => setReplyTo(null)}
      onEditLast={onEditLast}
    />
  );
}

describe("the composer replying", () => {
  it("shows what it replies to, and Esc stops replying; Up in an empty box edits the last message", () => {
    const onEditLast = vi.fn(() => true);
    render(<ReplyHarness onSend={vi.fn().mockResolvedValue(undefined)} onEditLast={onEditLast} />);
    expect(screen.getByText("Replying to Bo")).toBeInTheDocument();
    expect(screen.getByText("lunch at noon?")).toBeInTheDocument();
    const box = screen.getByRole("textbox", { name: "Message general" });
    fireEvent.keyDown(box, { key: "ArrowUp" });
    expect(onEditLast).toHaveBeenCalledTimes(1);
    fireEvent.change(box, { target: { value: "draft" } });
    fireEvent.keyDown(box, { key: "ArrowUp" });
    expect(onEditLast).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(box, { key: "Escape" });
    expect(screen.queryByText("Replying to Bo")).toBeNull();
    expect(box).toHaveValue("draft");
  });

  it("completes an @name and what is typed right after goes after it, in order", async () => {
    const user = userEvent.setup();
    function Harness() {
      const [draft, setDraft] = useState("");
      return (
        <Composer
          channelName="general"
          draft={draft}
          onDraftChange={setDraft}
          onSend={() => Promise.resolve()}
          members={[me, bo, { id: "m9", name: "Boris", profileImage: null }]}
          selfId={me.id}
        />
      );
    }
    render(<Harness />);
    const box = screen.getByRole("textbox", { name: "Message general" });
    await user.type(box, "@bo");
    const options = screen.getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(["Bo", "Boris"]);
    await user.keyboard("{ArrowDown}{Enter}please review");
    expect(box).toHaveValue("@Boris please review");
    expect(screen.queryByRole("listbox")).toBeNull();
  });
});
