import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { charCount } from "../format";

export const MAX_CHARS = 4000;
/** The counter shows from here on, before the limit is hit. */
export const COUNTER_FROM = 3500;

/**
 * The message box: Enter sends, Shift+Enter is a new line (and Enter while
 * an IME is composing, e.g. Korean, finishes the syllable instead of sending).
 */
export function Composer({
  channelName,
  onSend,
  draft,
  onDraftChange,
}: {
  channelName: string;
  onSend: (text: string) => Promise<void>;
  draft: string;
  onDraftChange: (text: string) => void;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [error, setError] = useState<string | null>(null);
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
      <div className={`composer-box${over > 0 ? " over" : ""}`}>
        <textarea
          ref={ref}
          rows={1}
          dir="auto"
          value={draft}
          aria-label={t("composer.label", { name: channelName })}
          placeholder={t("composer.placeholder", { name: channelName })}
          aria-describedby="composer-counter"
          onChange={(e) => onDraftChange(e.target.value)}
          onKeyDown={onKeyDown}
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
