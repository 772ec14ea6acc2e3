import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import type { ChannelView, MemberView } from "../bindings/ipc";
import { isNewer } from "../store/ids";
import { firstUnreadIndex } from "../store/channels";
import { pendingFor } from "../store/delivery";
import { emptyTimeline } from "../store/timeline";
import type { EventView } from "../bindings/ipc";
import { commands, errorText } from "../ipc";
import {
  deleteMessage,
  discardSend,
  editMessage,
  jumpTo,
  loadOlder,
  markRead,
  openThread,
  react,
  retrySend,
  send,
  useAppState,
} from "../store/store";
import { attachFiles, placeOf } from "../store/uploads";
import { useTyping } from "../store/typing";
import { Composer, refusalText, TypingLine } from "./Composer";
import { Dialog } from "./Dialog";
import { EmojiPicker } from "./EmojiPicker";
import { type MessageActions, MessageActionsContext } from "./messageActions";
import { MessageList } from "./MessageList";
import { ThreadPanel } from "./ThreadPanel";
import { buildRows } from "./rows";
import { draftOf, flushDrafts, setDraft as keepDraft } from "../store/drafts";

/** Whether the member can see the window right now. */
function useWindowAttention(): boolean {
  const read = () => document.visibilityState === "visible" && document.hasFocus();
  const [attending, setAttending] = useState(read);
  useEffect(() => {
    const update = () => setAttending(read());
    window.addEventListener("focus", update);
    window.addEventListener("blur", update);
    document.addEventListener("visibilitychange", update);
    return () => {
      window.removeEventListener("focus", update);
      window.removeEventListener("blur", update);
      document.removeEventListener("visibilitychange", update);
    };
  }, []);
  return attending;
}

/** Whether a drag carries files (not text or a link being moved). */
function carriesFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes("Files");
}

/**
 * Files dropped anywhere on the window attach to the open conversation
 * (or to the thread beside it, when dropped there). Every drag of files
 * is taken here: left alone, the web view would open a dropped file in
 * place of the app. `dragging` is true while files are held over it.
 */
function useFileDrop(onDrop: (files: File[], inThread: boolean) => void): boolean {
  const [dragging, setDragging] = useState(false);
  const handler = useRef(onDrop);
  useEffect(() => {
    handler.current = onDrop;
  });
  useEffect(() => {
    let ending: ReturnType<typeof setTimeout> | null = null;
    const over = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
      setDragging(true);
      // Leaving the window fires no event one can trust: a pause in
      // `dragover` is the end.
      if (ending) clearTimeout(ending);
      ending = setTimeout(() => setDragging(false), 200);
    };
    const drop = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      const files = Array.from(e.dataTransfer?.files ?? []);
      const inThread = e.target instanceof Element && e.target.closest(".thread-panel") !== null;
      if (files.length > 0) handler.current(files, inThread);
    };
    window.addEventListener("dragover", over);
    window.addEventListener("drop", drop);
    return () => {
      if (ending) clearTimeout(ending);
      window.removeEventListener("dragover", over);
      window.removeEventListener("drop", drop);
    };
  }, []);
  return dragging;
}

/** The message each conversation's composer replies to, kept while switching. */
const replies = new Map<string, EventView>();

/** The picker's size (styles.css), to keep it inside the window. */
const PICKER_W = 320;
const PICKER_H = 360;

/** Where the picker goes: above the button that opened it if it fits, else below. */
function pickerPlace(anchor: HTMLElement): { top: number; left: number } {
  const r = anchor.getBoundingClientRect();
  const top = r.top - PICKER_H - 6 >= 0 ? r.top - PICKER_H - 6 : r.bottom + 6;
  const left = Math.max(8, Math.min(r.right - PICKER_W, window.innerWidth - PICKER_W - 8));
  return { top: Math.max(8, Math.min(top, window.innerHeight - PICKER_H - 8)), left };
}

/**
 * A refused mark-read is asked again after 250 ms, then twice as long each
 * time up to 2 s, for as long as the conversation is in view and the page
 * has the focus: it goes through as soon as the shell sees the window too.
 */
const MARK_READ_RETRY_MS = 250;
const MARK_READ_RETRY_MAX_MS = 2000;

/** The open conversation: header, messages, composer. */
export function Conversation({
  channel,
  me,
  membersOpen,
  onToggleMembers,
  onChannelSettings,
  threadSlot = null,
}: {
  channel: ChannelView;
  me: MemberView;
  membersOpen: boolean;
  onToggleMembers: () => void;
  onChannelSettings: () => void;
  /** Where the open thread is shown, beside the conversation. */
  threadSlot?: HTMLElement | null;
}) {
  const { t } = useTranslation();
  const timeline = useAppState((s) => s.timelines[channel.id]) ?? emptyTimeline();
  const view = useAppState((s) => s.view);
  const outboxAll = useAppState((s) => s.outbox);
  const outbox = useMemo(() => pendingFor(outboxAll, channel.id), [outboxAll, channel.id]);
  const [draft, setDraftState] = useState(() => draftOf(channel.id));
  const setDraft = (text: string) => {
    keepDraft(channel.id, text);
    setDraftState(text);
  };
  // Leaving the conversation saves what is waiting at once.
  useEffect(() => flushDrafts, []);
  const [replyTo, setReplyState] = useState<EventView | null>(
    () => replies.get(channel.id) ?? null,
  );
  const setReplyTo = useCallback(
    (event: EventView | null) => {
      if (event) replies.set(channel.id, event);
      else replies.delete(channel.id);
      setReplyState(event);
    },
    [channel.id],
  );
  const [editingId, setEditingId] = useState<string | null>(null);
  const [picker, setPicker] = useState<{
    event: EventView;
    top: number;
    left: number;
  } | null>(null);
  const [deleting, setDeleting] = useState<EventView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const recentEmoji = useAppState((s) => s.settings.recentEmoji);
  const [members, setMembers] = useState<MemberView[] | null>(null);
  const asked = useRef(false);
  const needMembers = useCallback(() => {
    if (asked.current) return;
    asked.current = true;
    commands
      .members({ channelId: channel.id })
      .then(setMembers)
      .catch(() => {
        asked.current = false;
      });
  }, [channel.id]);
  const [atBottom, setAtBottom] = useState(false);
  // The list's own, newer than `atBottom` (see MessageList's `pinned`).
  const pinned = useRef(true);
  const attending = useWindowAttention();

  const actions = useMemo<MessageActions>(
    () => ({
      editingId,
      reply: (event) => {
        setReplyTo(event);
        document.querySelector<HTMLTextAreaElement>(".composer textarea")?.focus();
      },
      startEdit: (event) => setEditingId(event.id),
      cancelEdit: () => {
        setEditingId(null);
        document.querySelector<HTMLTextAreaElement>(".composer textarea")?.focus();
      },
      saveEdit: async (event, text) => {
        await editMessage(event.id, text);
        setEditingId(null);
      },
      askDelete: (event) => setDeleting(event),
      toggleReaction: (event, emoji, on) => {
        react(event.id, emoji, on).catch((e: unknown) =>
          setProblem(errorText(e, t("message.reactFailed"))),
        );
      },
      openPicker: (event, anchor) => setPicker({ event, ...pickerPlace(anchor) }),
      jump: (messageId) => {
        void jumpTo(channel.id, messageId).then((found) => {
          if (!found) setProblem(t("message.tooFarBack"));
        });
      },
      openThread: (event) => void openThread(channel.id, event.id),
    }),
    [editingId, channel.id, setReplyTo, t],
  );
  // Inside the thread: the same edits, reactions and deletions, and no
  // thread of a reply.
  const threadActions = useMemo<MessageActions>(
    () => ({ ...actions, openThread: undefined }),
    [actions],
  );
  const threadOpen = useAppState((s) => s.thread?.channelId === channel.id);
  const threadRoot = useAppState((s) => s.thread?.rootId ?? null);
  const typing = useTyping(channel.id);
  const dragging = useFileDrop((files, inThread) => {
    const place = placeOf(channel.id, inThread && threadOpen ? threadRoot : null);
    attachFiles(place, files)
      .then((refused) => refused && setProblem(refusalText(t, refused)))
      .catch((e: unknown) => setProblem(errorText(e, t("files.attachFailed"))));
  });

  /** Up in an empty composer: edit the member's newest message. */
  const editLast = () => {
    const mine = [...timeline.events]
      .reverse()
      .find((e) => e.kind === "chat" && e.member.id === me.id && !e.deleted);
    if (mine) setEditingId(mine.id);
    return mine !== undefined;
  };

  const markerIndex =
    view?.channelId === channel.id && view.showMarker
      ? firstUnreadIndex(timeline.events, view.markerAfter, me.id)
      : -1;
  const rows = useMemo(
    () => buildRows(timeline.events, outbox, markerIndex, me.id, new Date().toISOString()),
    [timeline.events, outbox, markerIndex, me.id],
  );

  // Mark read only when the newest message has actually been seen.
  const newest = timeline.events[timeline.events.length - 1]?.id ?? null;
  const marking = useRef<string | null>(null);
  // The shell learns of the window's focus on its own, a moment before or
  // after this page does: a refusal is asked again (see MARK_READ_RETRY_MS).
  const [retry, setRetry] = useState({ key: "", count: 0 });
  useEffect(() => {
    if (!timeline.loaded || !atBottom || !pinned.current || !attending || newest === null) return;
    const behind = channel.unread > 0 || isNewer(newest, channel.lastReadEventId);
    // Once per state of the marker, so a stale echo from the shell asks again, but only once.
    const key = `${newest}:${channel.unread}:${channel.lastReadEventId}`;
    if (!behind || marking.current === key) return;
    marking.current = key;
    void markRead(channel.id, newest).then((marked) => {
      if (marked || marking.current !== key) return;
      marking.current = null;
      const count = retry.key === key ? retry.count + 1 : 1;
      const wait = Math.min(MARK_READ_RETRY_MS * 2 ** (count - 1), MARK_READ_RETRY_MAX_MS);
      setTimeout(() => setRetry({ key, count }), wait);
    });
  }, [timeline.loaded, atBottom, attending, newest, channel, retry]);

  const onLoadOlder = useCallback(() => void loadOlder(channel.id), [channel.id]);
  const onRetry = useCallback((k: string) => void retrySend(k).catch(() => undefined), []);
  const onDiscard = useCallback((k: string) => void discardSend(k).catch(() => undefined), []);

  return (
    <>
      <header className="conversation-head">
        <div className="title">
          <div className="title-line">
            <h1 dir="auto">
              {channel.kind === "group" && (
                <span className="hash" aria-hidden="true">
                  #
                </span>
              )}
              {channel.name}
            </h1>
            {channel.private && (
              <span className="channel-tag" title={t("conversation.privateHint")}>
                {t("conversation.private")}
              </span>
            )}
            {channel.archived && <span className="channel-tag">{t("conversation.archived")}</span>}
          </div>
          <span className="subtitle">
            {t("conversation.memberCount", { count: channel.memberCount })}
            {channel.topic !== "" && (
              <>
                {" · "}
                <span className="topic" dir="auto">
                  {channel.topic}
                </span>
              </>
            )}
          </span>
        </div>
        <div className="head-actions">
          <button
            type="button"
            className={`ghost${membersOpen ? " pressed" : ""}`}
            aria-pressed={membersOpen}
            onClick={onToggleMembers}
          >
            {t("conversation.members")}
          </button>
          <button type="button" className="ghost" onClick={onChannelSettings}>
            {t("conversation.channelSettings")}
          </button>
        </div>
      </header>
      {problem && (
        <p className="conversation-problem" role="alert">
          {problem}
          <button type="button" className="link" onClick={() => setProblem(null)}>
            {t("connection.dismiss")}
          </button>
        </p>
      )}
      <MessageActionsContext.Provider value={actions}>
        <MessageList
          rows={rows}
          channelName={channel.name}
          me={me}
          hasMore={timeline.hasMore}
          loaded={timeline.loaded}
          loadingOlder={timeline.loadingOlder}
          onLoadOlder={onLoadOlder}
          onAtBottomChange={setAtBottom}
          pinned={pinned}
          onRetry={onRetry}
          onDiscard={onDiscard}
          jump={view?.channelId === channel.id ? view.jump : null}
        />
      </MessageActionsContext.Provider>
      {threadSlot &&
        threadOpen &&
        createPortal(
          <MessageActionsContext.Provider value={threadActions}>
            <ThreadPanel channel={channel} me={me} attending={attending} />
          </MessageActionsContext.Provider>,
          threadSlot,
        )}
      <TypingLine members={typing} />
      {channel.archived ? (
        <p className="archived-note" role="status">
          {t("conversation.archivedNote")}
        </p>
      ) : (
        <Composer
          channelName={channel.name}
          draft={draft}
          onDraftChange={setDraft}
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          onEditLast={editLast}
          members={members}
          selfId={me.id}
          onNeedMembers={needMembers}
          place={placeOf(channel.id)}
          onSend={async (text, attachmentIds) => {
            await send(channel.id, text, replyTo?.id ?? null, null, attachmentIds);
            setReplyTo(null);
          }}
        />
      )}
      {dragging && (
        <div className="drop-zone" aria-hidden="true">
          <p>{t("files.dropHere", { name: channel.name })}</p>
        </div>
      )}
      {picker && (
        <div className="picker-popover" style={{ top: picker.top, left: picker.left }}>
          <EmojiPicker
            recent={recentEmoji}
            label={t("message.reactTo", { name: picker.event.member.name })}
            onClose={() => setPicker(null)}
            onPick={(emoji) => {
              const mine = picker.event.reactions.find((r) => r.emoji === emoji)?.mine ?? false;
              actions.toggleReaction(picker.event, emoji, !mine);
              setPicker(null);
            }}
          />
        </div>
      )}
      {deleting && (
        <Dialog title={t("message.deleteTitle")} onClose={() => setDeleting(null)}>
          <p>{t("message.deleteHint")}</p>
          <div className="dialog-actions">
            <button type="button" className="ghost" onClick={() => setDeleting(null)}>
              {t("dialogs.cancel")}
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                const gone = deleting;
                setDeleting(null);
                if (replyTo?.id === gone.id) setReplyTo(null);
                deleteMessage(gone.id).catch((e: unknown) =>
                  setProblem(errorText(e, t("message.deleteFailed"))),
                );
              }}
            >
              {t("message.deleteConfirm")}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
