import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { bo, channel, chat, me } from "../../test/fixtures";
import "../i18n";
import { DirectoryDialog, NewGroupDialog } from "./ChannelDialogs";
import { SystemRow } from "./MessageRow";

afterEach(() => clearMocks());

const design = {
  id: "7",
  name: "Design",
  topic: "Pixels and fonts",
  memberCount: 12,
  joined: false,
};

describe("DirectoryDialog", () => {
  it("lists groups with counts and topics, asks again as the search changes, and joins", async () => {
    const asked: unknown[] = [];
    const joined: unknown[] = [];
    mockIPC((cmd, payload) => {
      const args = (payload as { args: unknown }).args;
      if (cmd === "directory") {
        asked.push(args);
        const { query, offset } = args as { query: string; offset: number };
        if (offset > 0) return { groups: [{ ...design, id: "8", name: "docs" }], hasMore: false };
        return { groups: query === "zzz" ? [] : [design], hasMore: query === "" };
      }
      if (cmd === "join") {
        joined.push(args);
        return channel("7", { name: "Design" });
      }
      return null;
    });
    let closed = false;
    render(<DirectoryDialog onClose={() => (closed = true)} />);
    expect(await screen.findByText("Pixels and fonts")).toBeInTheDocument();
    expect(screen.getByText("12 members")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Show more" }));
    expect(await screen.findByText("docs")).toBeInTheDocument();

    fireEvent.change(screen.getByRole("searchbox"), { target: { value: "zzz" } });
    expect(await screen.findByText("No channel matches “zzz”.")).toBeInTheDocument();
    fireEvent.change(screen.getByRole("searchbox"), { target: { value: "pix" } });
    fireEvent.click(await screen.findByRole("button", { name: "Join Design" }));
    await waitFor(() => expect(closed).toBe(true));
    expect(joined).toEqual([{ channelId: "7" }]);
    expect(asked).toEqual([
      { query: "", offset: 0 },
      { query: "", offset: 1 },
      { query: "zzz", offset: 0 },
      { query: "pix", offset: 0 },
    ]);
  });

  it("says what the shell refused", async () => {
    mockIPC(() =>
      Promise.reject({ kind: "badInput", message: "a directory search is at most 100 characters" }),
    );
    render(<DirectoryDialog onClose={() => {}} />);
    expect(await screen.findByText("a directory search is at most 100 characters")).toHaveAttribute(
      "role",
      "alert",
    );
  });
});

describe("NewGroupDialog", () => {
  it("creates a private group with a topic", async () => {
    const created: unknown[] = [];
    mockIPC((cmd, payload) => {
      if (cmd === "create_group") {
        created.push((payload as { args: unknown }).args);
        return channel("9", { name: "plans", private: true });
      }
      return null;
    });
    render(<NewGroupDialog onClose={() => {}} />);
    fireEvent.change(screen.getByLabelText("Group name"), { target: { value: " plans " } });
    fireEvent.change(screen.getByLabelText("Topic"), { target: { value: "Q1 " } });
    fireEvent.click(screen.getByLabelText(/Private/));
    fireEvent.click(screen.getByRole("button", { name: "Create" }));
    await waitFor(() =>
      expect(created).toEqual([{ name: "plans", memberNames: [], topic: "Q1", private: true }]),
    );
  });
});

describe("SystemRow", () => {
  it("says who removed a member, and a leave by oneself as a leave", () => {
    const removed = chat("5", "1", { kind: "leave", member: bo, text: null, removedBy: me });
    const { rerender } = render(<SystemRow event={removed} />);
    expect(screen.getByText("Mina removed Bo")).toBeInTheDocument();
    rerender(<SystemRow event={{ ...removed, removedBy: null }} />);
    expect(screen.getByText("Bo left")).toBeInTheDocument();
  });
});
