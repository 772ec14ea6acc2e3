import { memo } from "react";
import { useTranslation } from "react-i18next";
import type { EventView, MemberView, OutboxItem } from "../bindings/ipc";
import { timeOf } from "../format";
import { Avatar } from "./Avatar";
import { useMessageActions } from "./messageActions";
import { Attachments } from "./Attachments";
import { EditBox, Quote, Reactions, Toolbar } from "./MessageParts";

/** Message text, always as a text node: never parsed as HTML. */
function Text({ text }: { text: string }) {
  return (
    <div className="text" dir="auto">
      {text}
    </div>
  );
}

function Header({ member, time, self }: { member: MemberView; time: string; self: boolean }) {
  return (
    <div className="message-head">
      <span className={`sender${self ? " self" : ""}`} dir="auto">
        {member.name}
      </span>
      <span className="time">{time}</span>
    </div>
  );
}

export const MessageRow = memo(function MessageRow({
  event,
  continuation,
  self,
  me,
  highlighted = false,
  mentionsMe = false,
}: {
  event: EventView;
  continuation: boolean;
  self: boolean;
  /** The signed-in member's name (for "who reacted"). */
  me: string;
  /** A quote was clicked to bring this message into view. */
  highlighted?: boolean;
  /** It mentions the signed-in member. */
  mentionsMe?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const { editingId } = useMessageActions();
  const time = timeOf(event.createdAt, i18n.language);
  const editing = editingId === event.id && !event.deleted;
  return (
    <article
      className={`message${continuation ? " continuation" : ""}${highlighted ? " highlighted" : ""}${mentionsMe ? " mentions-me" : ""}`}
      aria-label={event.member.name}
      data-message-id={event.id}
    >
      <div className="gutter">
        {continuation ? (
          <span className="hover-time">{time}</span>
        ) : (
          <Avatar id={event.member.id} name={event.member.name} />
        )}
      </div>
      <div className="body">
        {!continuation && <Header member={event.member} time={time} self={self} />}
        {event.replyTo && <Quote original={event.replyTo} />}
        {event.deleted ? (
          <div className="text deleted">{t("message.deleted")}</div>
        ) : editing ? (
          <EditBox event={event} />
        ) : event.text === "" && event.attachments.length > 0 && !event.editedAt ? null : (
          <div className="text-line">
            <Text text={event.text ?? ""} />
            {event.editedAt && (
              <span className="edited" title={event.editedAt}>
                {t("message.edited")}
              </span>
            )}
          </div>
        )}
        {!event.deleted && <Attachments files={event.attachments} />}
        {!event.deleted && event.reactions.length > 0 && <Reactions event={event} me={me} />}
        {event.thread && event.thread.replyCount > 0 && <ThreadSummary event={event} />}
      </div>
      {!event.deleted && !editing && <Toolbar event={event} self={self} />}
    </article>
  );
});

/** "3 replies, last at 10:42 · 1 new" under a root: opens its thread. */
function ThreadSummary({ event }: { event: EventView }) {
  const { t, i18n } = useTranslation();
  const { openThread } = useMessageActions();
  const thread = event.thread!;
  // Inside the thread, its count is the panel's own.
  if (!openThread) return null;
  const replies = t("thread.replies", { count: thread.replyCount });
  const last = t("thread.lastAt", { time: timeOf(thread.lastReplyAt, i18n.language) });
  return (
    <button
      type="button"
      className={`thread-summary${thread.unread > 0 ? " unread" : ""}`}
      aria-label={t("thread.show", { replies })}
      onClick={() => openThread(event)}
    >
      <span className="replies">{replies}</span>
      <span className="last">{last}</span>
      {thread.unread > 0 && (
        <span className="badge">{t("thread.unread", { count: thread.unread })}</span>
      )}
    </button>
  );
}

export const SystemRow = memo(function SystemRow({ event }: { event: EventView }) {
  const { t, i18n } = useTranslation();
  const text =
    event.kind === "join"
      ? t("conversation.joined", { name: event.member.name })
      : event.removedBy
        ? t("conversation.removed", { name: event.member.name, by: event.removedBy.name })
        : t("conversation.left", { name: event.member.name });
  return (
    <div className="system-line">
      <span dir="auto">{text}</span>
      <span className="time">{timeOf(event.createdAt, i18n.language)}</span>
    </div>
  );
});

export function OutboxRow({
  item,
  me,
  continuation,
  onRetry,
  onDiscard,
}: {
  item: OutboxItem;
  me: MemberView;
  continuation: boolean;
  onRetry: (clientKey: string) => void;
  onDiscard: (clientKey: string) => void;
}) {
  const { t } = useTranslation();
  const status =
    item.state === "pending"
      ? t("composer.pending")
      : item.state === "sent"
        ? t("composer.sent")
        : item.error
          ? t("composer.failed", { error: item.error })
          : t("composer.failedNoReason");
  return (
    <article
      className={`message outbox ${item.state}${continuation ? " continuation" : ""}`}
      aria-label={me.name}
      data-state={item.state}
    >
      <div className="gutter">{!continuation && <Avatar id={me.id} name={me.name} />}</div>
      <div className="body">
        {!continuation && (
          <div className="message-head">
            <span className="sender self" dir="auto">
              {me.name}
            </span>
          </div>
        )}
        <Text text={item.text} />
        <div className="delivery">
          <span className="delivery-state">{status}</span>
          {item.state === "failed" && (
            <>
              <button type="button" className="link" onClick={() => onRetry(item.clientKey)}>
                {t("composer.retry")}
              </button>
              <button type="button" className="link" onClick={() => onDiscard(item.clientKey)}>
                {t("composer.discard")}
              </button>
            </>
          )}
        </div>
      </div>
    </article>
  );
}
