import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { EventView, MemberView } from "../bindings/ipc";
import { charCount } from "../format";
import { previewOf } from "../store/changes";
import { complete, mentionAt, suggestions } from "./mentions";

export const MAX_CHARS = 4000;
/** The counter shows from here on, before the limit is hit. */
export const COUNTER_FROM = 3500;

/**
 * The message box: Enter sends, Shift+Enter is a new line (and Enter while
 * an IME is composing, e.g. Korean, finishes the syllable instead of sending).
 * Replying, it shows what it replies to; Esc stops replying. Up in an empty
 * box edits the member's last message.
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
}: {
  channelName: string;
  /** What it is labelled (and shows when empty) instead of "Message #name". */
  label?: string;
  onSend: (text: string) => Promise<void>;
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
  const count = charCount(draft);
  const over = count - MAX_CHARS;
  const empty = draft.trim() === "";

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
    if (empty || over > 0) return;
    const text = draft;
    onDraftChange("");
    setError(null);
    try {
      await onSend(text);
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
      <div className={`composer-box${over > 0 ? " over" : ""}`}>
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
            setCaret(e.target.selectionStart);
            setActive(0);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
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
          <button type="submit" className="primary send" disabled={empty || over > 0}>
            {t("composer.send")}
          </button>
        </div>
      </div>
    </form>
  );
}
