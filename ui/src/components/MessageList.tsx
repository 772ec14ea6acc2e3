import { useVirtualizer } from "@tanstack/react-virtual";
import {
  type MutableRefObject,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { useTranslation } from "react-i18next";
import type { MemberView } from "../bindings/ipc";
import { dayLabel } from "../format";
import { MessageRow, OutboxRow, SystemRow } from "./MessageRow";
import type { Row } from "./rows";

/** How close to the bottom (px) still counts as "at the bottom". */
const STICK_PX = 48;
/** How long a message jumped to stays marked. */
const HIGHLIGHT_MS = 2000;
/** Start loading older history this far (px) from the top. */
const LOAD_OLDER_PX = 400;

function estimate(row: Row | undefined): number {
  switch (row?.kind) {
    case "day":
      return 44;
    case "marker":
      return 28;
    case "system":
      return 28;
    case "top":
      return 64;
    case "message":
    case "outbox":
      return row.continuation ? 26 : 56;
    default:
      return 40;
  }
}

/**
 * The conversation's messages, virtualized: only what is near the viewport
 * is in the DOM. Sticks to the bottom while the member is there, keeps its
 * place when older history is put on top, and asks for more near the top.
 */
export function MessageList({
  rows,
  channelName,
  me,
  hasMore,
  loadingOlder,
  loaded,
  onLoadOlder,
  onAtBottomChange,
  pinned,
  onRetry,
  onDiscard,
  jump,
}: {
  rows: Row[];
  channelName: string;
  me: MemberView;
  hasMore: boolean;
  loadingOlder: boolean;
  loaded: boolean;
  onLoadOlder: () => void;
  onAtBottomChange: (atBottom: boolean) => void;
  /** Whether the list follows the bottom, as of its last layout: ahead of
   * `onAtBottomChange`, whose scroll event comes a frame after the reader
   * moved. */
  pinned: MutableRefObject<boolean>;
  onRetry: (clientKey: string) => void;
  onDiscard: (clientKey: string) => void;
  /** A message to bring into view and mark for a moment. */
  jump: { messageId: string; seq: number } | null;
}) {
  const { t, i18n } = useTranslation();
  const scrollRef = useRef<HTMLDivElement>(null);
  const stick = pinned;
  // Where the list last was at the bottom: a reader who scrolled up from
  // there has left it, even before their scroll event says so.
  const bottomTop = useRef(0);
  const anchor = useRef<{ key: string; index: number; start: number } | null>(null);

  // eslint-disable-next-line react-hooks/incompatible-library -- the list re-renders on scroll anyway
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => estimate(rows[i]),
    getItemKey: (i) => rows[i]?.key ?? i,
    overscan: 10,
    initialRect: { width: 800, height: 600 },
  });

  const checkPosition = useCallback(() => {
    const el = scrollRef.current;
    // Nothing to report until the newest page is in: "at the bottom" of nothing is not "seen".
    if (!el || !loaded) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= STICK_PX;
    stick.current = atBottom;
    if (atBottom) bottomTop.current = el.scrollTop;
    onAtBottomChange(atBottom);
    if (el.scrollTop < LOAD_OLDER_PX && hasMore && !loadingOlder && loaded) onLoadOlder();
  }, [hasMore, loadingOlder, loaded, onLoadOlder, onAtBottomChange, stick]);

  // Older rows put on top: keep the first message that was there where it was.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    const prev = anchor.current;
    if (!el || !prev || stick.current) return;
    const at = rows.findIndex((r) => r.key === prev.key);
    if (at < 0 || at === prev.index) return;
    const start = virtualizer.measurementsCache[at]?.start;
    if (start !== undefined) el.scrollTop += start - prev.start;
  }, [rows, virtualizer, stick]);

  // Remember where the first message is, for the effect above.
  useLayoutEffect(() => {
    const index = rows.findIndex((r) => r.kind === "message" || r.kind === "system");
    const start = virtualizer.measurementsCache[index]?.start;
    anchor.current =
      index >= 0 && start !== undefined ? { key: rows[index]!.key, index, start } : null;
  });

  // On opening with unread messages above the fold, start at the "new messages" line.
  const placed = useRef(false);
  useLayoutEffect(() => {
    if (placed.current || !loaded) return;
    placed.current = true;
    const marker = rows.findIndex((r) => r.kind === "marker");
    if (marker < 0) return;
    stick.current = false;
    virtualizer.scrollToIndex(marker, { align: "start" });
  }, [loaded, rows, virtualizer, stick]);

  // A quote was clicked: show its original in the middle, marked for a moment.
  const [highlighted, setHighlighted] = useState<string | null>(null);
  useLayoutEffect(() => {
    if (!jump) return;
    const at = rows.findIndex((r) => r.kind === "message" && r.event.id === jump.messageId);
    if (at < 0) return;
    stick.current = false;
    virtualizer.scrollToIndex(at, { align: "center" });
    setHighlighted(jump.messageId);
    const done = setTimeout(() => setHighlighted(null), HIGHLIGHT_MS);
    return () => clearTimeout(done);
    // Only a new jump moves the list, not every new row.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jump?.seq]);

  // While at the bottom, stay there as rows arrive and get measured; but
  // not once the reader has scrolled up, though their scroll event (a frame
  // later) has not said so yet: pulling them back would lose their place,
  // and what arrives now is not seen.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || !stick.current) return;
    if (el.scrollTop < bottomTop.current - STICK_PX) {
      checkPosition();
      return;
    }
    el.scrollTop = el.scrollHeight;
    bottomTop.current = el.scrollTop;
  });

  // Load more if the first page does not fill the viewport.
  useEffect(() => {
    checkPosition();
  }, [rows.length, checkPosition]);

  const items = virtualizer.getVirtualItems();
  return (
    <div
      ref={scrollRef}
      className="message-scroll"
      onScroll={checkPosition}
      role="log"
      aria-label={t("conversation.messagesLabel", { name: channelName })}
      aria-live="off"
      tabIndex={0}
    >
      <div className="message-canvas" style={{ height: virtualizer.getTotalSize() }}>
        <div
          className="message-window"
          style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}
        >
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="row"
              >
                {renderRow(row)}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );

  function renderRow(row: Row) {
    switch (row.kind) {
      case "top":
        return (
          <div className="list-top">
            {!loaded
              ? t("conversation.loading")
              : hasMore
                ? t("conversation.loadingOlder")
                : t("conversation.beginning")}
          </div>
        );
      case "day":
        return (
          <div className="day-separator" role="separator">
            <span>
              {dayLabel(row.iso, new Date(), i18n.language, {
                today: t("conversation.today"),
                yesterday: t("conversation.yesterday"),
              })}
            </span>
          </div>
        );
      case "marker":
        return (
          <div className="new-marker" role="separator" aria-label={t("conversation.newMessages")}>
            <span>{t("conversation.newMessages")}</span>
          </div>
        );
      case "message":
        return (
          <MessageRow
            event={row.event}
            continuation={row.continuation}
            self={row.event.member.id === me.id}
            me={me.name}
            highlighted={highlighted === row.event.id}
            mentionsMe={row.event.mentions.includes(me.id)}
          />
        );
      case "system":
        return <SystemRow event={row.event} />;
      case "outbox":
        return (
          <OutboxRow
            item={row.item}
            me={me}
            continuation={row.continuation}
            onRetry={onRetry}
            onDiscard={onDiscard}
          />
        );
    }
  }
}
