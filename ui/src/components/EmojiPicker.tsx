import { memo, useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { move } from "../emoji/grid";
import { GROUPS, type Emoji } from "../emoji/emoji";
import { loadEmoji, loadedEmoji } from "../emoji/load";
import { search } from "../emoji/search";

/** Emoji per row: the grid's columns and the arrow keys both follow it. */
const COLUMNS = 8;

type Item = Pick<Emoji, "emoji" | "name">;
type Section = { key: string; title: string; items: Item[]; titleHidden?: boolean };

/**
 * A popover for picking a reaction: type to search, arrows to move, Enter or
 * Space to pick, Esc or a click outside to close. It stays open after a
 * pick (the opener closes it), and the opener places it on the screen.
 */
export function EmojiPicker({
  recent,
  onPick,
  onClose,
  label,
}: {
  /** Fully-qualified emoji, most recent first; see `withRecent`. */
  recent: readonly string[];
  onPick: (emoji: string) => void;
  onClose: () => void;
  /** The dialog's name, e.g. "React to Bo's message". */
  label?: string;
}) {
  const { t } = useTranslation();
  const [list, setList] = useState(loadedEmoji);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const scroll = useRef<HTMLDivElement>(null);
  const latest = useRef({ onPick, onClose });
  useEffect(() => {
    latest.current = { onPick, onClose };
  });

  useEffect(() => {
    if (list) return;
    let live = true;
    loadEmoji().then(
      (loaded) => live && setList(loaded),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [list]);

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const node = box.current;
    input.current?.focus();
    return () => {
      // Give focus back only if it is still ours (or lost with the picker):
      // a click outside may have put it somewhere the user chose.
      const now = document.activeElement;
      if (!now || now === document.body || node?.contains(now)) before?.focus?.();
    };
  }, []);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) latest.current.onClose();
    };
    document.addEventListener("mousedown", onDown, true);
    return () => document.removeEventListener("mousedown", onDown, true);
  }, []);

  const byEmoji = useMemo(() => new Map(list?.map((e) => [e.emoji, e])), [list]);
  const searching = query.trim() !== "";
  const sections = useMemo((): Section[] => {
    if (!list) return [];
    if (searching) {
      const found = search(list, query);
      if (found.length === 0) return [];
      return [{ key: "results", title: t("emoji.results"), items: found, titleHidden: true }];
    }
    // A recent emoji this list lacks (from a newer client) still shows, named by itself.
    const recentItems = [...new Set(recent)].map((e) => byEmoji.get(e) ?? { emoji: e, name: e });
    const groups = GROUPS.map((group) => ({
      key: group,
      title: t(`emoji.groups.${group}`),
      items: list.filter((e) => e.group === group),
    }));
    const recentSection = { key: "recent", title: t("emoji.recent"), items: recentItems };
    return [recentSection, ...groups].filter((s) => s.items.length > 0);
  }, [list, byEmoji, recent, searching, query, t]);

  const sizes = sections.map((s) => s.items.length);
  const total = sizes.reduce((sum, n) => sum + n, 0);
  const current = Math.min(active, total - 1);

  const focusAt = (index: number) => {
    setActive(index);
    scroll.current?.querySelector<HTMLElement>(`[data-index="${index}"]`)?.focus();
  };
  const pick = useCallback((emoji: string) => latest.current.onPick(emoji), []);

  const onSearchKey = (e: React.KeyboardEvent) => {
    if (e.key === "ArrowDown" && total > 0) {
      e.preventDefault();
      focusAt(0);
    } else if (e.key === "Enter" && searching && sections[0]?.items[0]) {
      e.preventDefault();
      pick(sections[0].items[0].emoji);
    }
  };

  const onGridKey = (e: React.KeyboardEvent) => {
    const from = Number((e.target as HTMLElement).dataset.index ?? current);
    const to = move(sizes, from, e.key, COLUMNS);
    if (to === undefined) return;
    e.preventDefault();
    if (to === "search") input.current?.focus();
    else focusAt(to);
  };

  let start = 0;
  return (
    <div
      ref={box}
      className="emoji-picker"
      role="dialog"
      aria-label={label ?? t("emoji.label")}
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        // The picker's own Esc: a dialog or view behind it keeps open.
        e.stopPropagation();
        latest.current.onClose();
      }}
    >
      <input
        ref={input}
        type="search"
        className="emoji-search"
        aria-label={t("emoji.search")}
        placeholder={t("emoji.search")}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
          scroll.current?.scrollTo({ top: 0 });
        }}
        onKeyDown={onSearchKey}
      />
      <div
        ref={scroll}
        className="emoji-scroll"
        onKeyDown={onGridKey}
        onFocus={(e) => {
          const index = (e.target as HTMLElement).dataset.index;
          if (index !== undefined) setActive(Number(index));
        }}
      >
        {failed ? (
          <p className="emoji-note" role="status">
            {t("emoji.failed")}
          </p>
        ) : !list ? (
          <p className="emoji-note" role="status">
            {t("emoji.loading")}
          </p>
        ) : sections.length === 0 ? (
          <p className="emoji-note" role="status">
            {t("emoji.none")}
          </p>
        ) : (
          sections.map((section) => {
            const first = start;
            start += section.items.length;
            const inside = current >= first && current < start;
            return (
              <EmojiSection
                key={section.key}
                section={section}
                first={first}
                active={inside ? current - first : -1}
                onPick={pick}
              />
            );
          })
        )}
      </div>
    </div>
  );
}

/**
 * One titled group of emoji. Memoized, so moving focus re-renders only the
 * sections it leaves and enters, not all ~1,900 buttons.
 */
const EmojiSection = memo(function EmojiSection({
  section,
  first,
  active,
  onPick,
}: {
  section: Section;
  /** The flat index of this section's first emoji. */
  first: number;
  /** The index within this section that takes Tab, or -1. */
  active: number;
  onPick: (emoji: string) => void;
}) {
  const titleId = useId();
  return (
    <div role="group" aria-labelledby={titleId} className="emoji-section">
      <h3 id={titleId} className={section.titleHidden ? "visually-hidden" : "emoji-title"}>
        {section.title}
      </h3>
      <div className="emoji-grid" style={{ gridTemplateColumns: `repeat(${COLUMNS}, 1fr)` }}>
        {section.items.map((item, i) => (
          <button
            key={item.emoji}
            type="button"
            className="emoji"
            aria-label={item.name}
            title={item.name}
            tabIndex={i === active ? 0 : -1}
            data-index={first + i}
            onClick={() => onPick(item.emoji)}
          >
            {item.emoji}
          </button>
        ))}
      </div>
    </div>
  );
});
