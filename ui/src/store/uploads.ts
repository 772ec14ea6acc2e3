/**
 * Files attached in a composer and not yet sent, per place (a
 * conversation, or a thread in it): chosen in the system's dialog,
 * pasted or dropped. Each uploads as soon as it is attached, through the
 * shell, with its progress told by the shell's `uploadProgress` events;
 * a message then carries the ones that are whole. Held here, not in the
 * composer, so they survive switching conversations while they upload.
 */
import { useSyncExternalStore } from "react";
import type { AttachmentLimitsView, AttachmentView, ChosenFileView } from "../bindings/ipc";
import { commands, errorText } from "../ipc";

export interface PendingFile {
  /** The UI's own name for the upload (what progress and cancel use). */
  uploadId: string;
  name: string;
  size: number;
  /** Bytes sent so far. */
  sent: number;
  state: "uploading" | "done" | "failed";
  /** What the server made of it, once whole. */
  attachment: AttachmentView | null;
  /** Why it failed, in words. */
  error: string | null;
  /** A picture of a pasted or dropped image (an object URL), to show it. */
  preview: string | null;
}

/** A reason a file was not attached, for the composer to say. */
export type Refusal =
  { kind: "tooMany"; max: number } | { kind: "tooLarge"; name: string; max: number };

const byPlace = new Map<string, PendingFile[]>();
const listeners = new Set<() => void>();
const empty: PendingFile[] = [];
let limits: Promise<AttachmentLimitsView> | null = null;
let counter = 0;

/** Lets go of a file's picture. */
function release(file: PendingFile): void {
  if (file.preview) URL.revokeObjectURL(file.preview);
}

function changed(place: string, next: PendingFile[]): void {
  if (next.length === 0) byPlace.delete(place);
  else byPlace.set(place, next);
  listeners.forEach((l) => l());
}

function update(uploadId: string, change: (f: PendingFile) => PendingFile): void {
  for (const [place, files] of byPlace) {
    if (files.some((f) => f.uploadId === uploadId)) {
      changed(
        place,
        files.map((f) => (f.uploadId === uploadId ? change(f) : f)),
      );
      return;
    }
  }
}

/** The key of a conversation's composer, or of a thread's in it. */
export function placeOf(channelId: string, threadRoot: string | null = null): string {
  return threadRoot ? `${channelId}/${threadRoot}` : channelId;
}

export function pendingOf(place: string): PendingFile[] {
  return byPlace.get(place) ?? empty;
}

/** The files attached at `place`, re-rendering as they change. */
export function useUploads(place: string): PendingFile[] {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => pendingOf(place),
  );
}

/** What the server takes, asked once a session (and again after a failure). */
export function attachmentLimits(): Promise<AttachmentLimitsView> {
  limits ??= commands.attachmentLimits().catch((e: unknown) => {
    limits = null;
    throw e;
  });
  return limits;
}

/** Signed out or in as someone else: nothing attached is kept. */
export function forgetUploads(): void {
  for (const files of byPlace.values()) files.forEach(release);
  byPlace.clear();
  limits = null;
  listeners.forEach((l) => l());
}

/** The shell told how far an upload is. */
export function uploadProgress(uploadId: string, sent: number): void {
  update(uploadId, (f) => (f.state === "uploading" ? { ...f, sent } : f));
}

async function run(
  place: string,
  file: Omit<PendingFile, "uploadId" | "sent" | "state" | "attachment" | "error">,
  upload: (uploadId: string) => Promise<AttachmentView>,
): Promise<void> {
  counter += 1;
  const uploadId = `up-${Date.now().toString(36)}-${counter}`;
  changed(place, [
    ...pendingOf(place),
    { ...file, uploadId, sent: 0, state: "uploading", attachment: null, error: null },
  ]);
  try {
    const attachment = await upload(uploadId);
    update(uploadId, (f) => ({ ...f, state: "done", sent: f.size, attachment }));
  } catch (e) {
    const cancelled = typeof e === "object" && e !== null && "kind" in e && e.kind === "cancelled";
    if (cancelled) return; // Taken away already.
    update(uploadId, (f) => ({ ...f, state: "failed", error: errorText(e, "") }));
  }
}

/** How many more files `place` takes, or a refusal. */
async function room(place: string, adding: number): Promise<Refusal | AttachmentLimitsView> {
  const l = await attachmentLimits();
  if (pendingOf(place).length + adding > l.perMessage) {
    return { kind: "tooMany", max: l.perMessage };
  }
  return l;
}

/**
 * Asks the member for files in the system's dialog, and uploads them; or,
 * given `commands.pasteFiles`, takes what the system's clipboard holds.
 */
export async function attachChosen(
  place: string,
  choose: () => Promise<ChosenFileView[]> = commands.chooseFiles,
): Promise<Refusal | null> {
  const chosen = await choose();
  if (chosen.length === 0) return null;
  const l = await room(place, chosen.length);
  if ("kind" in l) return l;
  for (const c of chosen) {
    void run(place, { name: c.name, size: c.size, preview: null }, (uploadId) =>
      commands.uploadFile({ uploadId, fileId: c.fileId }),
    );
  }
  return null;
}

/** A pasted image has no name of its own (browsers call it "image.png"). */
function nameOf(file: File, index: number): string {
  if (file.name && file.name !== "image.png") return file.name;
  const stamp = new Date().toISOString().slice(0, 19).replace("T", " ").replaceAll(":", ".");
  const ext = file.type.startsWith("image/") ? file.type.slice(6).replace("jpeg", "jpg") : "bin";
  return `Pasted ${stamp}${index > 0 ? ` (${index + 1})` : ""}.${ext}`;
}

/** Uploads files the web view holds: pasted, or dropped on the conversation. */
export async function attachFiles(place: string, files: readonly File[]): Promise<Refusal | null> {
  if (files.length === 0) return null;
  const l = await room(place, files.length);
  if ("kind" in l) return l;
  const big = files.find((f) => f.size > l.maxBytes);
  if (big) return { kind: "tooLarge", name: big.name || nameOf(big, 0), max: l.maxBytes };
  files.forEach((file, i) => {
    const name = nameOf(file, i);
    const preview = file.type.startsWith("image/") ? URL.createObjectURL(file) : null;
    void run(place, { name, size: file.size, preview }, async (uploadId) =>
      commands.uploadBytes({ uploadId, name, mediaType: file.type }, await file.arrayBuffer()),
    );
  });
  return null;
}

/** Takes a file away: an upload under way is cancelled. */
export function removeFile(place: string, uploadId: string): void {
  const files = pendingOf(place);
  const gone = files.find((f) => f.uploadId === uploadId);
  if (!gone) return;
  if (gone.state === "uploading") void commands.cancelUpload({ uploadId }).catch(() => undefined);
  release(gone);
  changed(
    place,
    files.filter((f) => f.uploadId !== uploadId),
  );
}

/** The message carrying `sent` went: they are no longer attached. */
export function filesSent(place: string, sent: readonly string[]): void {
  const files = pendingOf(place);
  files.filter((f) => f.attachment && sent.includes(f.attachment.id)).forEach(release);
  changed(
    place,
    files.filter((f) => !(f.attachment && sent.includes(f.attachment.id))),
  );
}
