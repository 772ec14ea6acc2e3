/**
 * The parts of a message beyond its text: the quote of what it replies to,
 * its reactions, the toolbar of what can be done with it, and the box that
 * edits it in place.
 */
import { type KeyboardEvent, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { EventView, ReactionView, ReplyView } from "../bindings/ipc";
import { charCount } from "../format";
import { errorText } from "../ipc";
import { MAX_CHARS } from "./Composer";
import { useMessageActions } from "./messageActions";

/** Enter that sends: not Shift+Enter, not Enter finishing an IME syllable. */
export function isSendKey(e: KeyboardEvent): boolean {
  return e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing && e.keyCode !== 229;
}

/** The original a reply answers: click to jump to it. */
export function Quote({ original }: { original: ReplyView }) {
  const { t } = useTranslation();
  const { jump } = useMessageActions();
  const text = original.deleted ? t("message.deleted") : original.preview;
  return (
    <button
      type="button"
      className={`quote${original.deleted ? " deleted" : ""}`}
      onClick={() => jump(original.id)}
      aria-label={t("message.quoteLabel", { name: original.member.name, text })}
    >
      <span className="quote-sender" dir="auto">
        {original.member.name}
      </span>
      <span className="quote-text" dir="auto">
        {text}
      </span>
    </button>
  );
}

function who(r: ReactionView, you: string): string {
  const names = r.members.map((m) => m.name);
  if (r.mine && !r.members.some((m) => m.name === you)) names.unshift(you);
  const more = r.count - names.length;
  return more > 0 ? `${names.join(", ")} +${more}` : names.join(", ");
}

/** The message's reactions: each a toggle with its count and who reacted. */
export function Reactions({ event, me }: { event: EventView; me: string }) {
  const { t } = useTranslation();
  const { toggleReaction, openPicker } = useMessageActions();
  return (
    <div className="reactions" role="group" aria-label={t("message.reactions")}>
      {event.reactions.map((r) => {
        const names = who(r, me);
        return (
          <button
            key={r.emoji}
            type="button"
            className={`reaction${r.mine ? " mine" : ""}`}
            aria-pressed={r.mine}
            title={names}
            aria-label={t("message.reactionLabel", { emoji: r.emoji, count: r.count, names })}
            onClick={() => toggleReaction(event, r.emoji, !r.mine)}
          >
            <span className="reaction-emoji">{r.emoji}</span>
            <span className="reaction-count">{r.count}</span>
          </button>
        );
      })}
      <button
        type="button"
        className="reaction add"
        aria-label={t("message.addReaction")}
        title={t("message.addReaction")}
        onClick={(e) => openPicker(event, e.currentTarget)}
      >
        +
      </button>
    </div>
  );
}

/** What can be done with a message: shown on hover and on keyboard focus. */
export function Toolbar({ event, self }: { event: EventView; self: boolean }) {
  const { t } = useTranslation();
  const actions = useMessageActions();
  return (
    <div className="message-actions" role="toolbar" aria-label={t("message.actions")}>
      <button
        type="button"
        className="icon-button"
        aria-label={t("message.react")}
        title={t("message.react")}
        onClick={(e) => actions.openPicker(event, e.currentTarget)}
      >
        ☺
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label={t("message.reply")}
        title={t("message.reply")}
        onClick={() => actions.reply(event)}
      >
        ↩
      </button>
      {actions.openThread && event.threadRoot === null && (
        <button
          type="button"
          className="icon-button"
          aria-label={t("thread.open")}
          title={t("thread.open")}
          onClick={() => actions.openThread?.(event)}
        >
          💬
        </button>
      )}
      {self && (
        <>
          <button
            type="button"
            className="icon-button"
            aria-label={t("message.edit")}
            title={t("message.edit")}
            onClick={() => actions.startEdit(event)}
          >
            ✎
          </button>
          <button
            type="button"
            className="icon-button danger"
            aria-label={t("message.delete")}
            title={t("message.delete")}
            onClick={() => actions.askDelete(event)}
          >
            🗑
          </button>
        </>
      )}
    </div>
  );
}

/**
 * Edits a message in place: Enter saves, Esc cancels, Shift+Enter is a new
 * line. The composer's draft is a separate text and is never touched.
 */
export function EditBox({ event }: { event: EventView }) {
  const { t } = useTranslation();
  const { saveEdit, cancelEdit } = useMessageActions();
  const [text, setText] = useState(event.text ?? "");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const over = charCount(text) > MAX_CHARS;
  const empty = text.trim() === "";

  // Focused before the browser paints, so keys typed right after Up (or a
  // click on Edit) land in the edit, never in the composer behind it.
  useLayoutEffect(() => {
    const el = ref.current;
    el?.focus();
    el?.setSelectionRange(el.value.length, el.value.length);
  }, []);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  const save = async () => {
    if (empty || over || saving) return;
    if (text === event.text) return cancelEdit();
    setSaving(true);
    try {
      await saveEdit(event, text);
    } catch (e) {
      setError(errorText(e, t("message.editFailed")));
      setSaving(false);
    }
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      cancelEdit();
    } else if (isSendKey(e)) {
      e.preventDefault();
      void save();
    }
  };
  return (
    <div className="edit-box">
      <textarea
        ref={ref}
        rows={1}
        dir="auto"
        value={text}
        aria-label={t("message.editLabel")}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="edit-actions">
        <span className="hint">{t("message.editHint")}</span>
        <button type="button" className="ghost" onClick={cancelEdit}>
          {t("dialogs.cancel")}
        </button>
        <button
          type="button"
          className="primary"
          disabled={empty || over || saving}
          onClick={() => void save()}
        >
          {t("dialogs.save")}
        </button>
      </div>
    </div>
  );
}
