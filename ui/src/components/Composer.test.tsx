import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AttachmentView } from "../bindings/ipc";
import "../i18n";
import { forgetUploads, uploadProgress } from "../store/uploads";
import { Composer } from "./Composer";

function Harness({
  onSend,
  initial = "",
  place,
}: {
  onSend: (t: string, ids: string[]) => Promise<void>;
  initial?: string;
  place?: string;
}) {
  const [draft, setDraft] = useState(initial);
  return (
    <Composer
      channelName="general"
      draft={draft}
      onDraftChange={setDraft}
      onSend={onSend}
      place={place}
    />
  );
}

const box = () => screen.getByRole("textbox", { name: "Message general" });

describe("Composer", () => {
  it("sends on Enter and clears the box", async () => {
    const onSend = vi.fn().mockResolvedValue(undefined);
    render(<Harness onSend={onSend} initial="hello" />);
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("hello", []);
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

describe("Composer with files", () => {
  const uploaded = (id: string, name: string, size: number): AttachmentView => ({
    id,
    name,
    size,
    contentType: "image/png",
    image: { width: 10, height: 10 },
    url: `suda-file://localhost/${id}`,
    thumbnailUrl: `suda-file://localhost/${id}/thumbnail`,
    openable: true,
  });
  /** Each upload_bytes call, to finish when the test says. */
  let uploads: Array<{ args: Record<string, unknown>; finish: (a: AttachmentView) => void }>;
  let sent: Array<Record<string, unknown>>;
  let calls: string[];
  type Internals = {
    invoke: (
      cmd: string,
      payload: unknown,
      options?: { headers?: Record<string, string> },
    ) => Promise<unknown>;
  };

  beforeEach(() => {
    uploads = [];
    sent = [];
    calls = [];
    forgetUploads();
    URL.createObjectURL = vi.fn(() => "blob:preview");
    URL.revokeObjectURL = vi.fn();
    mockIPC((cmd) => {
      calls.push(cmd);
      switch (cmd) {
        case "attachment_limits":
          return { maxBytes: 1024, perMessage: 2 };
        case "paste_files":
          return [{ fileId: "f1", name: "Pasted 2026-12-04 10.31.05.png", size: 10 }];
        case "upload_file":
          return uploaded("901", "Pasted 2026-12-04 10.31.05.png", 10);
        case "upload_bytes":
          return new Promise((finish) => uploads.push({ args: sent.shift()!, finish }));
        default:
          return null;
      }
    });
    // A command that takes bytes has its arguments in a header, which the
    // mock does not pass on: read them on the way.
    const internals = (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__;
    const invoke = internals.invoke;
    internals.invoke = (cmd, payload, options) => {
      const header = options?.headers?.["suda-args"];
      if (header) sent.push(JSON.parse(decodeURIComponent(header)) as Record<string, unknown>);
      return invoke(cmd, payload, options);
    };
  });
  afterEach(() => clearMocks());

  const paste = (...files: File[]) =>
    act(async () => {
      fireEvent.paste(box(), { clipboardData: { files, types: ["Files"] } });
      await new Promise((r) => setTimeout(r, 0));
    });
  const png = (name: string, size: number) =>
    new File([new Uint8Array(size)], name, { type: "image/png" });

  it("uploads a pasted image at once, shows its progress, and sends it with the message", async () => {
    const onSend = vi.fn().mockResolvedValue(undefined);
    render(<Harness onSend={onSend} place="a" />);
    await paste(png("image.png", 600));
    const tray = screen.getByRole("list", { name: "Files to send" });
    const item = within(tray).getByRole("listitem");
    // A pasted picture has no name of its own: it is given one.
    expect(item.textContent).toMatch(/^Pasted \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.png/);
    expect(item.querySelector("img")?.getAttribute("src")).toBe("blob:preview");
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
    const [first] = uploads;
    expect(first).toBeDefined();
    expect(first!.args).toMatchObject({ mediaType: "image/png" });
    const id = first!.args.uploadId as string;
    act(() => uploadProgress(id, 300));
    expect(within(item).getByRole("progressbar")).toHaveAttribute("value", "50");
    await act(async () => first!.finish(uploaded("900", "shot.png", 600)));
    expect(item.textContent).toContain("600 B");
    expect(screen.getByRole("button", { name: "Send" })).toBeEnabled();
    // Sent with no text: the message is the file.
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("", ["900"]);
    await act(async () => {});
    expect(screen.queryByRole("list", { name: "Files to send" })).toBeNull();
  });

  it("says why a file is not attached, and uploads none of it", async () => {
    render(<Harness onSend={vi.fn()} place="b" />);
    await paste(png("huge.png", 4096));
    expect(screen.getByRole("alert").textContent).toBe(
      "“huge.png” is too large: this server takes files up to 1 KB.",
    );
    await paste(png("a.png", 1), png("b.png", 1), png("c.png", 1));
    expect(screen.getByRole("alert").textContent).toBe("A message carries at most 2 files.");
    expect(calls).not.toContain("upload_bytes");
    expect(screen.queryByRole("list", { name: "Files to send" })).toBeNull();
  });

  it("cancels an upload that is taken away, and shows a failed one until removed", async () => {
    render(<Harness onSend={vi.fn()} place="c" />);
    await paste(png("one.png", 10), png("two.png", 10));
    expect(uploads).toHaveLength(2);
    fireEvent.click(screen.getByRole("button", { name: "Cancel uploading one.png" }));
    expect(calls).toContain("cancel_upload");
    expect(screen.queryByText("one.png")).toBeNull();
    await act(async () => {
      // The shell refuses the other: its words show on it.
      uploads[1]!.finish(Promise.reject({ kind: "badInput", message: "Not a PNG." }) as never);
    });
    expect(screen.getByRole("alert").textContent).toBe("Not a PNG.");
    fireEvent.click(screen.getByRole("button", { name: "Remove two.png" }));
    expect(screen.queryByRole("list", { name: "Files to send" })).toBeNull();
  });

  it("where a paste shows the page nothing (WebKitGTK), asks the shell for the clipboard", async () => {
    const onSend = vi.fn().mockResolvedValue(undefined);
    render(<Harness onSend={onSend} place="d" />);
    await act(async () => {
      fireEvent.paste(box(), { clipboardData: { files: [], types: [], getData: () => "" } });
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(calls).toEqual(expect.arrayContaining(["paste_files", "upload_file"]));
    const item = within(screen.getByRole("list", { name: "Files to send" })).getByRole("listitem");
    expect(item.textContent).toContain("Pasted 2026-12-04 10.31.05.png");
    fireEvent.keyDown(box(), { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("", ["901"]);
  });

  it("takes no files where it has no place for them", async () => {
    render(<Harness onSend={vi.fn()} />);
    expect(screen.queryByRole("button", { name: "Attach files" })).toBeNull();
    await paste(png("x.png", 1));
    expect(calls).toHaveLength(0);
  });
});
