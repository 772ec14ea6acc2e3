import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { channel } from "../../test/fixtures";
import "../i18n";
import { Sidebar } from "./Sidebar";

describe("Sidebar", () => {
  it("groups channels, shows unread badges and dims muted ones", () => {
    const onOpen = vi.fn();
    render(
      <Sidebar
        channels={[
          channel("g1", { name: "general", unread: 3 }),
          channel("d1", { name: "Bo", kind: "direct" }),
          channel("g2", { name: "<b>random</b>", muted: true }),
        ]}
        currentId="g1"
        memberName="Mina"
        memberId="m1"
        onOpen={onOpen}
        onDialog={() => {}}
        onSignOut={() => {}}
        onSearch={() => {}}
      />,
    );
    const direct = screen.getByRole("region", { name: "Direct messages" });
    const groups = screen.getByRole("region", { name: "Groups" });
    // A direct message says whether the other member is there.
    expect(within(direct).getByRole("button", { name: "Bo, Offline" })).toBeInTheDocument();
    const general = within(groups).getByRole("button", { name: /general/ });
    expect(general).toHaveAttribute("aria-current", "page");
    expect(within(general).getByLabelText("3 unread messages")).toHaveTextContent("3");
    const random = within(groups).getByRole("button", { name: /random/ });
    expect(random).toHaveClass("muted");
    expect(random.querySelector("b")).toBeNull();
    fireEvent.click(random);
    expect(onOpen).toHaveBeenCalledWith("g2");
  });

  it("marks unread mentions, quiets a mentions-only count and dims a channel set to nothing", () => {
    render(
      <Sidebar
        channels={[
          channel("g1", { name: "design", unread: 4, mentions: 2, level: "mentions" }),
          channel("g2", { name: "ops", unread: 3, level: "mentions" }),
          channel("g3", { name: "social", unread: 1, level: "nothing" }),
        ]}
        currentId={null}
        memberName="Mina"
        memberId="m1"
        onOpen={() => {}}
        onDialog={() => {}}
        onSignOut={() => {}}
        onSearch={() => {}}
      />,
    );
    const design = screen.getByRole("button", { name: /design/ });
    expect(within(design).getByLabelText("2 mentions of you")).toHaveTextContent("@");
    expect(within(design).getByLabelText("4 unread messages")).not.toHaveClass("quiet");
    const ops = screen.getByRole("button", { name: /ops/ });
    expect(within(ops).queryByLabelText(/mention/)).toBeNull();
    expect(within(ops).getByLabelText("3 unread messages")).toHaveClass("quiet");
    expect(screen.getByRole("button", { name: /social/ })).toHaveClass("muted");
  });
});
