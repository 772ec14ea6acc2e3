import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import "../i18n";
import { Composer } from "./Composer";

function Harness({
  onSend,
  initial = "",
}: {
  onSend: (t: string) => Promise<void>;
  initial?: string;
}) {
  const [draft, setDraft] = useState(initial);
  return <Composer channelName="general" draft={draft} onDraftChange={setDraft} onSend={onSend} />;
}

const box = () => screen.getByRole("textbox", { name: "Message general" });

describe("Composer", () => {
  it("sends on Enter and clears the box", async () => {
    const onSend = vi.fn().mockResolvedValue(undefined);
    render(<Harness onSend={onSend} initial="hello" />);
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("hello");
    expect(box()).toHaveValue("");
  });

  it("does not send on Shift+Enter or while an IME is composing", () => {
    const onSend = vi.fn().mockResolvedValue(undefined);
    render(<Harness onSend={onSend} initial="안녕" />);
    fireEvent.keyDown(box(), { key: "Enter", shiftKey: true });
    fireEvent.keyDown(box(), { key: "Enter", isComposing: true });
    fireEvent.keyDown(box(), { key: "Enter", keyCode: 229 });
    expect(onSend).not.toHaveBeenCalled();
  });

  it("does not send blank text", () => {
    const onSend = vi.fn().mockResolvedValue(undefined);
    render(<Harness onSend={onSend} initial={"  \n "} />);
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
  });

  it("shows the counter before the limit and disables send over it", () => {
    const onSend = vi.fn().mockResolvedValue(undefined);
    const { unmount } = render(<Harness onSend={onSend} initial={"a".repeat(3499)} />);
    expect(document.getElementById("composer-counter")).toHaveTextContent("");
    unmount();
    render(<Harness onSend={onSend} initial={"a".repeat(3900)} />);
    expect(document.getElementById("composer-counter")).toHaveTextContent("3900 / 4000");
    fireEvent.change(box(), { target: { value: "가".repeat(4002) } });
    expect(document.getElementById("composer-counter")).toHaveTextContent(
      "Too long by 2 characters",
    );
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(onSend).not.toHaveBeenCalled();
  });

  it("counts an emoji as one character", () => {
    render(<Harness onSend={vi.fn()} initial={"😀".repeat(3600)} />);
    expect(document.getElementById("composer-counter")).toHaveTextContent("3600 / 4000");
  });

  it("keeps the text and shows the reason when sending fails", async () => {
    const onSend = vi.fn().mockRejectedValue({ kind: "badInput", message: "Message is empty." });
    render(<Harness onSend={onSend} initial="oops" />);
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(await screen.findByRole("alert")).toHaveTextContent("Message is empty.");
    expect(box()).toHaveValue("oops");
  });
});
