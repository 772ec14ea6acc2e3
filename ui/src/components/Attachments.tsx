/**
 * The files a message carries: images as their thumbnails, at their own
 * shape, opening full size in a viewer; any other file as a card with its
 * name, size and type. The bytes come from the shell (`suda-file:` URLs),
 * never from the network.
 */
import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import type { AttachmentView } from "../bindings/ipc";
import { fileSize } from "../format";
import { commands, errorText } from "../ipc";

/** The longest side a thumbnail is shown at, in CSS pixels. */
const SHOWN = 320;

/** Width and height to show an image at: its shape, at most `SHOWN`. */
export function shownSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, SHOWN / Math.max(width, height, 1));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * Saving and opening a file, through the shell (it asks where, in the
 * system's dialog), with what went wrong in words.
 */
function useFileActions(file: AttachmentView) {
  const { t } = useTranslation();
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const args = { attachmentId: file.id, name: file.name };
  return {
    problem,
    saved,
    save: () => {
      setProblem(null);
      commands
        .saveAttachment(args)
        .then(setSaved)
        .catch((e: unknown) => setProblem(errorText(e, t("files.saveFailed"))));
    },
    open: () => {
      setProblem(null);
      commands
        .openAttachment(args)
        .catch((e: unknown) => setProblem(errorText(e, t("files.openFailed"))));
    },
  };
}

export function Attachments({ files }: { files: AttachmentView[] }) {
  const [open, setOpen] = useState<AttachmentView | null>(null);
  if (files.length === 0) return null;
  return (
    <div className="attachments">
      {files.map((f) =>
        f.image && f.thumbnailUrl ? (
          <ImageThumb key={f.id} file={f} onOpen={() => setOpen(f)} />
        ) : (
          <FileCard key={f.id} file={f} />
        ),
      )}
      {open && <Viewer file={open} onClose={() => setOpen(null)} />}
    </div>
  );
}

function ImageThumb({ file, onOpen }: { file: AttachmentView; onOpen: () => void }) {
  const { t } = useTranslation();
  const size = shownSize(file.image?.width ?? SHOWN, file.image?.height ?? SHOWN);
  return (
    <button
      type="button"
      className="attachment-image"
      onClick={onOpen}
      aria-label={t("files.openImage", { name: file.name })}
      title={file.name}
    >
      <img
        src={file.thumbnailUrl ?? ""}
        alt={file.name}
        width={size.width}
        height={size.height}
        loading="lazy"
      />
    </button>
  );
}

function FileCard({ file }: { file: AttachmentView }) {
  const { t } = useTranslation();
  const actions = useFileActions(file);
  return (
    <div className="attachment-file" role="group" aria-label={t("files.card", { name: file.name })}>
      <span className="attachment-icon" aria-hidden="true">
        📄
      </span>
      <span className="attachment-name" title={file.name}>
        {file.name}
      </span>
      <span className="attachment-meta">
        {fileSize(file.size)} · {file.contentType}
      </span>
      <span className="attachment-actions">
        {file.openable && (
          <button
            type="button"
            className="link"
            onClick={actions.open}
            aria-label={t("files.openNamed", { name: file.name })}
          >
            {t("files.open")}
          </button>
        )}
        <button
          type="button"
          className="link"
          onClick={actions.save}
          aria-label={t("files.saveNamed", { name: file.name })}
        >
          {actions.saved ? t("files.saved") : t("files.save")}
        </button>
      </span>
      {actions.problem && (
        <span className="attachment-problem" role="alert">
          {actions.problem}
        </span>
      )}
    </div>
  );
}

/** The image at full size over the app; Esc or a click outside closes it. */
function Viewer({ file, onClose }: { file: AttachmentView; onClose: () => void }) {
  const { t } = useTranslation();
  const actions = useFileActions(file);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  // Over the whole window: the message list is a containing block of its
  // own (fixed positioning inside it would stay inside it).
  return createPortal(
    <div
      className="viewer"
      role="dialog"
      aria-modal="true"
      aria-label={file.name}
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <figure>
        <img src={file.url} alt={file.name} />
        <figcaption>
          {file.name} · {file.image ? `${file.image.width}×${file.image.height} · ` : ""}
          {fileSize(file.size)}
        </figcaption>
        {actions.problem && (
          <p className="attachment-problem" role="alert">
            {actions.problem}
          </p>
        )}
      </figure>
      <div className="viewer-actions">
        <button
          type="button"
          className="ghost"
          onClick={actions.save}
          aria-label={t("files.saveNamed", { name: file.name })}
        >
          {actions.saved ? t("files.saved") : t("files.save")}
        </button>
        <button ref={close} type="button" className="viewer-close" onClick={onClose}>
          {t("files.close")}
        </button>
      </div>
    </div>,
    document.body,
  );
}
