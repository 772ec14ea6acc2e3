import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ChannelView, EventView, MemberView } from "../bindings/ipc";
import { pendingFor } from "../store/delivery";
import { useTyping } from "../store/typing";
import { placeOf } from "../store/uploads";
import {
  closeThread,
  discardSend,
  loadOlderReplies,
  markThreadRead,
  retrySend,
  send,
  useAppState,
} from "../store/store";
import { Composer, TypingLine } from "./Composer";
import { MessageRow, OutboxRow } from "./MessageRow";

/** What each thread's composer holds, kept while the app runs. */
const drafts = new Map<string, string>();

/**
 * The thread open beside the conversation: its root, its replies oldest
 * first, the member's replies on their way, and a composer that replies in
 * it. Read up to date while it is open and the member can see the window.
 */
export function ThreadPanel({
  channel,
  me,
  attending,
}: {
  channel: ChannelView;
  me: MemberView;
  /** The member can see the window. */
  attending: boolean;
}) {
  const { t } = useTranslation();
  const thread = useAppState((s) => s.thread);
  const outboxAll = useAppState((s) => s.outbox);
  const rootId = thread?.rootId ?? "";
  const typing = useTyping(channel.id, rootId || null);
  const pending = useMemo(
    () => pendingFor(outboxAll, channel.id, rootId),
    [outboxAll, channel.id, rootId],
  );
  const [draft, setDraft] = useState(() => drafts.get(rootId) ?? "");
  const [replyTo, setReplyTo] = useState<EventView | null>(null);
  const end = useRef<HTMLDivElement>(null);

  const replies = thread?.replies ?? [];
  const newest = replies[replies.length - 1] ?? null;
  const unread = thread?.root?.thread?.unread ?? 0;
  // Read while open: once per newest reply (and whenever the server
  // still counts some), only while the member can see it.
  const marked = useRef<string | null>(null);
  useEffect(() => {
    if (!thread?.root || !attending) return;
    const key = `${newest?.id ?? ""}:${unread}`;
    if (marked.current === key) return;
    const theirs = newest !== null && newest.member.id !== me.id;
    if (unread === 0 && !theirs) return;
    marked.current = key;
    void markThreadRead(channel.id, thread.rootId);
  }, [thread?.root, thread?.rootId, newest, unread, attending, me.id, channel.id]);

  // The newest reply in view as replies arrive.
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [replies.length, pending.length]);

  if (!thread) return null;
  const root = thread.root;
  const count = root?.thread?.replyCount ?? replies.filter((r) => !r.deleted).length;
  return (
    <aside className="thread-panel" aria-label={t("thread.title")}>
      <header className="panel-head">
        <h2>{t("thread.title")}</h2>
        <button
          type="button"
          className="icon-button"
          aria-label={t("thread.close")}
          title={t("thread.close")}
          onClick={closeThread}
        >
          ×
        </button>
      </header>
      <div className="thread-body">
        {thread.failed && (
          <p className="conversation-problem" role="alert">
            {t("thread.failed")}
          </p>
        )}
        {!root && !thread.failed && <p className="muted-text">{t("thread.loading")}</p>}
        {root && (
          <>
            <MessageRow
              event={root}
              continuation={false}
              self={root.member.id === me.id}
              me={me.name}
            />
            <div className="thread-count" role="separator">
              {t("thread.replies", { count })}
            </div>
            {thread.hasMore && (
              <button type="button" className="link" onClick={() => void loadOlderReplies()}>
                {t("thread.older")}
              </button>
            )}
            {replies.map((reply, i) => (
              <MessageRow
                key={reply.id}
                event={reply}
                continuation={i > 0 && replies[i - 1]!.member.id === reply.member.id}
                self={reply.member.id === me.id}
                me={me.name}
                mentionsMe={reply.mentions.includes(me.id)}
              />
            ))}
            {pending.map((item) => (
              <OutboxRow
                key={item.clientKey}
                item={item}
                me={me}
                continuation={false}
                onRetry={(k) => void retrySend(k).catch(() => undefined)}
                onDiscard={(k) => void discardSend(k).catch(() => undefined)}
              />
            ))}
          </>
        )}
        <div ref={end} />
      </div>
      {root && <TypingLine members={typing} />}
      {root && (
        <Composer
          channelName={channel.name}
          label={t("thread.composer")}
          draft={draft}
          onDraftChange={(text) => {
            drafts.set(thread.rootId, text);
            setDraft(text);
          }}
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          selfId={me.id}
          place={placeOf(channel.id, thread.rootId)}
          onSend={async (text, attachmentIds) => {
            await send(channel.id, text, replyTo?.id ?? null, thread.rootId, attachmentIds);
            setReplyTo(null);
            drafts.delete(thread.rootId);
          }}
        />
      )}
    </aside>
  );
}
