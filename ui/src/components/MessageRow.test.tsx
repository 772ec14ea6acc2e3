import { fireEvent, render, screen } from "@testing-library/react";
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { bo, chat, me, outbox } from "../../test/fixtures";
import "../i18n";
import { MessageRow, OutboxRow } from "./MessageRow";

const HOSTILE = [
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  '"><svg onload=alert(1)>',
  "&lt;b&gt;not bold&lt;/b&gt;",
];

describe("MessageRow", () => {
  it.each(HOSTILE)("renders %s as plain text, never as markup", (text) => {
    const { container } = render(
      <MessageRow event={chat("1", "a", { text })} continuation={false} self={false} me="Mina" />,
    );
    const body = container.querySelector(".text")!;
    expect(body.textContent).toBe(text);
    expect(body.children).toHaveLength(0);
    expect(container.querySelector("script, img, svg, b")).toBeNull();
  });

  it("renders a hostile sender name as text", () => {
    const member = { ...bo, name: "<img src=x onerror=alert(1)>" };
    const { container } = render(
      <MessageRow event={chat("1", "a", { member })} continuation={false} self={false} me="Mina" />,
    );
    expect(screen.getByText("<img src=x onerror=alert(1)>")).toBeInTheDocument();
    expect(container.querySelector("img")).toBeNull();
  });

  it("keeps a 5,000-character unbroken string whole, in a wrapping box", () => {
    const text = "x".repeat(5000);
    const { container } = render(
      <MessageRow event={chat("1", "a", { text })} continuation={false} self={false} me="Mina" />,
    );
    const body = container.querySelector(".text")!;
    expect(body.textContent).toHaveLength(5000);
    const css = readFileSync("src/styles.css", "utf8");
    const rule = css.slice(css.indexOf("\n.text {"), css.indexOf("}", css.indexOf("\n.text {")));
    expect(rule).toContain("overflow-wrap: anywhere");
    expect(rule).toContain("white-space: pre-wrap");
    expect(rule).toContain("min-width: 0");
  });

  it("lets the browser pick the direction of RTL text and names", () => {
    const member = { ...bo, name: "ليلى" };
    const text = "مرحبا بالجميع";
    const { container } = render(
      <MessageRow
        event={chat("1", "a", { text, member })}
        continuation={false}
        self={false}
        me="Mina"
      />,
    );
    expect(container.querySelector(".text")).toHaveAttribute("dir", "auto");
    expect(container.querySelector(".sender")).toHaveAttribute("dir", "auto");
    expect(screen.getByText(text)).toBeInTheDocument();
  });

  it("shows sender, initials and time only at the head of a group", () => {
    const { container, rerender } = render(
      <MessageRow event={chat("1", "a")} continuation={false} self={false} me="Mina" />,
    );
    expect(screen.getByText("Bo")).toBeInTheDocument();
    expect(container.querySelector(".avatar")?.textContent).toBe("B");
    rerender(<MessageRow event={chat("1", "a")} continuation={true} self={false} me="Mina" />);
    expect(container.querySelector(".sender")).toBeNull();
  });
});

describe("OutboxRow", () => {
  it("shows pending as sending, without actions", () => {
    render(
      <OutboxRow
        item={outbox("k", "a")}
        me={me}
        continuation={false}
        onRetry={() => {}}
        onDiscard={() => {}}
      />,
    );
    expect(screen.getByText("Sending…")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Retry" })).toBeNull();
  });

  it("offers Retry and Discard on a failed send, with the reason in words", () => {
    const onRetry = vi.fn();
    const onDiscard = vi.fn();
    render(
      <OutboxRow
        item={outbox("k", "a", { state: "failed", error: "The server is unreachable." })}
        me={me}
        continuation={false}
        onRetry={onRetry}
        onDiscard={onDiscard}
      />,
    );
    expect(screen.getByText("Not sent: The server is unreachable.")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    fireEvent.click(screen.getByRole("button", { name: "Discard" }));
    expect(onRetry).toHaveBeenCalledWith("k");
    expect(onDiscard).toHaveBeenCalledWith("k");
  });
});
