import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ChannelView, SearchHitView, TextRangeView } from "../bindings/ipc";
import { commands, errorText } from "../ipc";
import { dayLabel, timeOf } from "../format";
import { openFound } from "../store/store";

/** `text` in parts, the found ones marked; ranges count code points, as the server does. */
export function highlightParts(
  text: string,
  ranges: TextRangeView[],
): { text: string; found: boolean }[] {
  const chars = Array.from(text);
  const parts: { text: string; found: boolean }[] = [];
  let at = 0;
  for (const { start, length } of ranges) {
    const end = start + length;
    // Out of order, empty or past the end: not trusted, not marked.
    if (start < at || length <= 0 || end > chars.length) continue;
    if (start > at) parts.push({ text: chars.slice(at, start).join(""), found: false });
    parts.push({ text: chars.slice(start, end).join(""), found: true });
    at = end;
  }
  if (at < chars.length) parts.push({ text: chars.slice(at).join(""), found: false });
  return parts;
}

function Highlighted({ text, ranges }: { text: string; ranges: TextRangeView[] }) {
  return (
    <>
      {highlightParts(text, ranges).map((p, i) =>
        p.found ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>,
      )}
    </>
  );
}

type Results = {
  query: string;
  hits: SearchHitView[];
  hasMore: boolean;
  nextCursor: string | null;
};

/**
 * Search results beside the conversation: the member's query (words and
 * filters, which the shell reads), each message found with its words
 * marked, newest first, and older pages on demand. Choosing one opens its
 * conversation at it.
 */
export function SearchPanel({
  query,
  channels,
  onClose,
}: {
  /** What the member typed, as they typed it (a new search is a new panel). */
  query: string;
  channels: ChannelView[];
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [results, setResults] = useState<Results | null>(null);
  // A new search mounts a new panel (its parent keys it), so the first
  // answer is on its way from the start.
  const [busy, setBusy] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const asked = useRef(0);

  useEffect(() => {
    const mine = ++asked.current;
    commands
      .searchMessages({ query, channelId: null, before: null })
      .then((page) => {
        if (asked.current === mine) setResults({ query, ...page });
      })
      .catch((e: unknown) => {
        if (asked.current === mine) setProblem(errorText(e, t("search.failed")));
      })
      .finally(() => {
        if (asked.current === mine) setBusy(false);
      });
  }, [query, t]);

  const more = () => {
    if (!results?.nextCursor || busy) return;
    const mine = ++asked.current;
    setBusy(true);
    commands
      .searchMessages({ query, channelId: null, before: results.nextCursor })
      .then((page) => {
        if (asked.current !== mine) return;
        setResults((r) => r && { ...page, query, hits: [...r.hits, ...page.hits] });
      })
      .catch((e: unknown) => {
        if (asked.current === mine) setProblem(errorText(e, t("search.failed")));
      })
      .finally(() => {
        if (asked.current === mine) setBusy(false);
      });
  };

  const channelName = (id: string) => {
    const c = channels.find((c) => c.id === id);
    if (!c) return id;
    return c.kind === "group" ? `#${c.name}` : c.name;
  };
  const now = new Date();
  const day = { today: t("conversation.today"), yesterday: t("conversation.yesterday") };

  return (
    <aside
      className="search-panel"
      aria-label={t("search.title")}
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <header className="panel-head">
        <h2>{t("search.title")}</h2>
        <button
          type="button"
          className="icon-button"
          aria-label={t("search.close")}
          title={t("search.close")}
          onClick={onClose}
        >
          ×
        </button>
      </header>
      <div className="search-body">
        {problem && (
          <p className="conversation-problem" role="alert">
            {problem}
          </p>
        )}
        {results && (
          <p className="search-count" role="status">
            {results.hits.length === 0
              ? t("search.none")
              : t("search.found", { count: results.hits.length })}
          </p>
        )}
        <ul className="search-hits">
          {results?.hits.map(({ message: m, highlights }) => (
            <li key={m.id}>
              <button
                type="button"
                className="search-hit"
                aria-label={t("search.open", {
                  name: m.member.name,
                  channel: channelName(m.channelId),
                })}
                onClick={() => {
                  void openFound(m).then((found) => {
                    if (!found) setProblem(t("search.tooFarBack"));
                  });
                }}
              >
                <span className="search-hit-head">
                  <span className="search-hit-channel" dir="auto">
                    {channelName(m.channelId)}
                  </span>
                  {m.threadRoot && <span className="muted-text">{t("search.inThread")}</span>}
                  <time dateTime={m.createdAt}>
                    {dayLabel(m.createdAt, now, i18n.language, day)}{" "}
                    {timeOf(m.createdAt, i18n.language)}
                  </time>
                </span>
                <span className="search-hit-sender" dir="auto">
                  {m.member.name}
                </span>
                <span className="search-hit-text" dir="auto">
                  <Highlighted text={m.text ?? ""} ranges={highlights} />
                </span>
              </button>
            </li>
          ))}
        </ul>
        {busy && <p className="muted-text">{t("search.searching")}</p>}
        {results?.hasMore && !busy && (
          <button type="button" className="link" onClick={more}>
            {t("search.more")}
          </button>
        )}
      </div>
    </aside>
  );
}
