import {
  type ClipboardEvent,
  type KeyboardEvent,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { useTranslation } from "react-i18next";
import type { EventView, MemberView } from "../bindings/ipc";
import { charCount, fileSize } from "../format";
import { commands, errorText } from "../ipc";
import { previewOf } from "../store/changes";
import {
  attachChosen,
  attachFiles,
  filesSent,
  type PendingFile,
  type Refusal,
  removeFile,
  useUploads,
} from "../store/uploads";
import { stoppedTyping, typed } from "../store/typing";
import { complete, mentionAt, suggestions } from "./mentions";

export const MAX_CHARS = 4000;
/** The counter shows from here on, before the limit is hit. */
export const COUNTER_FROM = 3500;

/** Who types, in words: one, two, or several. */
export function TypingLine({ members }: { members: readonly MemberView[] }) {
  const { t } = useTranslation();
  const [a, b] = members;
  const text = !a
    ? ""
    : !b
      ? t("typing.one", { name: a.name })
      : members.length === 2
        ? t("typing.two", { a: a.name, b: b.name })
        : t("typing.many");
  // Always there, so its line does not move the composer as it comes and goes.
  return (
    <p className="typing-line" aria-live="polite" dir="auto">
      {text}
    </p>
  );
}

/** A file not attached, in words. */
export function refusalText(t: ReturnType<typeof useTranslation>["t"], r: Refusal): string {
  return r.kind === "tooMany"
    ? t("files.tooMany", { count: r.max })
    : t("files.tooLarge", { name: r.name, max: fileSize(r.max) });
}

/**
 * The message box: Enter sends, Shift+Enter is a new line (and Enter while
 * an IME is composing, e.g. Korean, finishes the syllable instead of sending).
 * Replying, it shows what it replies to; Esc stops replying. Up in an empty
 * box edits the member's last message. With a `place`, files attach to it
 * (the paperclip, or pasting): they upload at once, show above the box
 * with their progress, and go with the next message.
 */
export function Composer({
  channelName,
  label,
  onSend,
  draft,
  onDraftChange,
  replyTo = null,
  onCancelReply,
  onEditLast,
  members = null,
  selfId = "",
  onNeedMembers,
  place,
}: {
  channelName: string;
  /** What it is labelled (and shows when empty) instead of "Message #name". */
  label?: string;
  onSend: (text: string, attachmentIds: string[]) => Promise<void>;
  draft: string;
  onDraftChange: (text: string) => void;
  replyTo?: EventView | null;
  onCancelReply?: () => void;
  /** `false` when there is no message of the member's to edit. */
  onEditLast?: () => boolean;
  /** The channel's members, for `@name` completion; `null` until loaded. */
  members?: readonly MemberView[] | null;
  selfId?: string;
  /** Asked once an `@` is typed and no members are loaded. */
  onNeedMembers?: () => void;
  /** Where attached files go (`placeOf`); none: this box takes no files. */
  place?: string;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [caret, setCaret] = useState(0);
  const caretAfterRender = useRef<number | null>(null);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const typing = mentionAt(draft, caret);
  const offered =
    typing && members && dismissed !== typing.start
      ? suggestions(members, typing.query, selfId)
      : [];
  useEffect(() => {
    if (typing && !members) onNeedMembers?.();
  }, [typing, members, onNeedMembers]);
  const choose = (m: MemberView) => {
    if (!typing) return;
    const done = complete(draft, typing.start, caret, m.name);
    onDraftChange(done.text);
    setCaret(done.caret);
    setActive(0);
    // Put the caret after the name as the new text is committed, before
    // the next key is handled: set later (a frame on), it would move a
    // caret the member already typed past, and scramble what they typed.
    caretAfterRender.current = done.caret;
  };
  const files = useUploads(place ?? "");
  const ready = files.filter((f) => f.state === "done");
  const uploading = files.some((f) => f.state === "uploading");
  const count = charCount(draft);
  const over = count - MAX_CHARS;
  const empty = draft.trim() === "" && ready.length === 0;
  const attach = (asked: Promise<Refusal | null>) => {
    setError(null);
    asked
      .then((refused) => refused && setError(refusalText(t, refused)))
      .catch((e: unknown) => setError(errorText(e, t("files.attachFailed"))));
  };
  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    if (!place) return;
    const pasted = Array.from(e.clipboardData.files);
    if (pasted.length > 0) {
      // A copied picture often comes with its name or markup as text too:
      // the picture is what was meant.
      e.preventDefault();
      attach(attachFiles(place, pasted));
      return;
    }
    // WebKitGTK (Linux) shows a paste event no files and no pictures, nor
    // even its types: the shell reads the system's clipboard instead. The
    // text of files copied in a file manager is their paths: not typed in.
    if (e.clipboardData.types.length > 0) return;
    if (e.clipboardData.getData("text/uri-list").includes("file://")) e.preventDefault();
    attach(attachChosen(place, commands.pasteFiles));
  };

  // A newly opened conversation is ready to type in, as in other chat apps.
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (caretAfterRender.current !== null) {
      el.setSelectionRange(caretAfterRender.current, caretAfterRender.current);
      caretAfterRender.current = null;
    }
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [draft]);

  const submit = async () => {
    if (empty || over > 0 || uploading) return;
    const text = draft;
    const ids = ready.map((f) => f.attachment!.id);
    onDraftChange("");
    setError(null);
    if (place) stoppedTyping(place);
    try {
      await onSend(text, ids);
      if (place && ids.length > 0) filesSent(place, ids);
    } catch (e) {
      onDraftChange(text);
      setError(
        typeof e === "object" && e && "message" in e
          ? String((e as { message: unknown }).message)
          : t("composer.sendFailed"),
      );
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (offered.length > 0) {
      const chosen = offered[Math.min(active, offered.length - 1)]!;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const step = e.key === "ArrowDown" ? 1 : offered.length - 1;
        setActive((a) => (a + step) % offered.length);
        return;
      }
      if ((e.key === "Enter" || e.key === "Tab") && !e.nativeEvent.isComposing) {
        e.preventDefault();
        choose(chosen);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        setDismissed(typing!.start);
        return;
      }
    }
    if (e.key === "Escape" && replyTo && onCancelReply) {
      e.preventDefault();
      onCancelReply();
      return;
    }
    if (e.key === "ArrowUp" && draft === "" && !e.altKey && onEditLast?.()) {
      e.preventDefault();
      return;
    }
    if (e.key !== "Enter" || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    void submit();
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {replyTo && (
        <div className="replying">
          <span className="replying-to" dir="auto">
            {t("composer.replyingTo", { name: replyTo.member.name })}
          </span>
          <span className="replying-text" dir="auto">
            {previewOf(replyTo.text ?? "")}
          </span>
          <button
            type="button"
            className="icon-button"
            aria-label={t("composer.cancelReply")}
            title={t("composer.cancelReply")}
            onClick={onCancelReply}
          >
            ×
          </button>
        </div>
      )}
      {offered.length > 0 && (
        <ul
          className="mention-list"
          role="listbox"
          id="mention-list"
          aria-label={t("composer.mentionList")}
        >
          {offered.map((m, i) => (
            <li
              key={m.id}
              id={`mention-${m.id}`}
              role="option"
              aria-selected={i === Math.min(active, offered.length - 1)}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(m);
              }}
            >
              <span dir="auto">{m.name}</span>
            </li>
          ))}
        </ul>
      )}
      {files.length > 0 && place && (
        <ul className="composer-files" aria-label={t("files.attached")}>
          {files.map((f) => (
            <AttachedFile
              key={f.uploadId}
              file={f}
              onRemove={() => removeFile(place, f.uploadId)}
            />
          ))}
        </ul>
      )}
      <div className={`composer-box${over > 0 ? " over" : ""}`}>
        {place && (
          <button
            type="button"
            className="icon-button attach"
            aria-label={t("files.attach")}
            title={t("files.attach")}
            onClick={() => attach(attachChosen(place))}
          >
            📎
          </button>
        )}
        <textarea
          ref={ref}
          rows={1}
          dir="auto"
          value={draft}
          aria-label={label ?? t("composer.label", { name: channelName })}
          placeholder={label ?? t("composer.placeholder", { name: channelName })}
          aria-describedby="composer-counter"
          onChange={(e) => {
            onDraftChange(e.target.value);
            if (place) typed(place, e.target.value);
            setCaret(e.target.selectionStart);
            setActive(0);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          aria-autocomplete="list"
          aria-controls={offered.length > 0 ? "mention-list" : undefined}
          aria-activedescendant={
            offered.length > 0
              ? `mention-${offered[Math.min(active, offered.length - 1)]!.id}`
              : undefined
          }
        />
        <div className="composer-side">
          <span
            id="composer-counter"
            className={`counter${over > 0 ? " over" : ""}`}
            aria-live="polite"
          >
            {over > 0
              ? t("composer.tooLong", { count: over })
              : count >= COUNTER_FROM
                ? t("composer.counter", { count, max: MAX_CHARS })
                : ""}
          </span>
          <button
            type="submit"
            className="primary send"
            disabled={empty || over > 0 || uploading}
            title={uploading ? t("files.waiting") : undefined}
          >
            {t("composer.send")}
          </button>
        </div>
      </div>
    </form>
  );
}

/** A file attached and not yet sent: its picture or icon, name, progress. */
function AttachedFile({ file, onRemove }: { file: PendingFile; onRemove: () => void }) {
  const { t } = useTranslation();
  const percent = file.size > 0 ? Math.round((file.sent * 100) / file.size) : 100;
  // A dropped or pasted picture at once; a chosen one once the server
  // made its thumbnail (the uploader may read their upload).
  const picture = file.preview ?? file.attachment?.thumbnailUrl ?? null;
  return (
    <li className={`attached ${file.state}`}>
      {picture ? (
        <img className="attached-preview" src={picture} alt="" />
      ) : (
        <span className="attached-icon" aria-hidden="true">
          📄
        </span>
      )}
      <span className="attached-text">
        <span className="attached-name" dir="auto" title={file.name}>
          {file.name}
        </span>
        {file.state === "uploading" && (
          <progress
            max={100}
            value={percent}
            aria-label={t("files.uploading", { name: file.name, percent })}
          />
        )}
        {file.state === "done" && <span className="attached-meta">{fileSize(file.size)}</span>}
        {file.state === "failed" && (
          <span className="attached-error" role="alert">
            {file.error || t("files.uploadFailed")}
          </span>
        )}
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label={
          file.state === "uploading"
            ? t("files.cancel", { name: file.name })
            : t("files.remove", { name: file.name })
        }
        title={file.state === "uploading" ? t("files.cancelShort") : t("files.removeShort")}
        onClick={onRemove}
      >
        ×
      </button>
    </li>
  );
}
