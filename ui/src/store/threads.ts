/**
 * Threads domain: the thread open beside the conversation (its root and the
 * replies loaded, oldest first), and what replies do to the channel's
 * timeline: they are not items of it, they update their root's "N replies"
 * (and its unread count, for a thread the member follows).
 */
import type { ChangeView, EventView, ThreadView } from "../bindings/ipc";
import { isSignOut, type Step } from "./actions";
import { withChange } from "./changes";
import { compareIds } from "./ids";

/** The thread open beside the conversation. */
export interface OpenThread {
  channelId: string;
  rootId: string;
  /** `null` until its first page is loaded. */
  root: EventView | null;
  /** Oldest first, unique by id. */
  replies: EventView[];
  hasMore: boolean;
  nextCursor: string | null;
  loading: boolean;
  failed: boolean;
}

export interface ThreadsState {
  thread: OpenThread | null;
}

export const initialThreads: ThreadsState = { thread: null };

/** Adds replies, oldest first, unique by id. */
function mergeReplies(replies: readonly EventView[], incoming: readonly EventView[]): EventView[] {
  const known = new Set(replies.map((r) => r.id));
  const fresh = incoming.filter((r) => !known.has(r.id));
  if (fresh.length === 0) return replies as EventView[];
  return [...replies, ...fresh].sort((a, b) => compareIds(a.id, b.id));
}

/** The thread with a change applied to its root and replies. */
function threadChanged(thread: OpenThread, change: ChangeView): OpenThread {
  if (change.kind === "threadRead") {
    if (change.rootId !== thread.rootId || !thread.root?.thread) return thread;
    return { ...thread, root: { ...thread.root, thread: { ...thread.root.thread, unread: 0 } } };
  }
  const replies = withChange(thread.replies, change);
  const [root] = thread.root ? withChange([thread.root], change) : [null];
  const counted =
    change.kind === "deleted" && change.threadRoot === thread.rootId && root?.thread
      ? { ...root, thread: { ...root.thread, replyCount: change.replyCount ?? 0 } }
      : root;
  if (replies === thread.replies && counted === thread.root) return thread;
  return { ...thread, replies, root: counted ?? null };
}

export function threadsReducer(state: ThreadsState, step: Step): Partial<ThreadsState> | null {
  const thread = state.thread;
  switch (step.type) {
    case "threadOpened":
      if (thread?.rootId === step.rootId) return null;
      return {
        thread: {
          channelId: step.channelId,
          rootId: step.rootId,
          root: null,
          replies: [],
          hasMore: false,
          nextCursor: null,
          loading: true,
          failed: false,
        },
      };
    case "threadLoaded": {
      if (thread?.rootId !== step.page.root.id) return null;
      const keepPaging = step.older || thread.root === null;
      return {
        thread: {
          ...thread,
          root: step.page.root,
          replies: mergeReplies(thread.replies, step.page.replies),
          hasMore: keepPaging ? step.page.hasMore : thread.hasMore,
          nextCursor: keepPaging ? step.page.nextCursor : thread.nextCursor,
          loading: false,
          failed: false,
        },
      };
    }
    case "threadFailed":
      return thread?.rootId === step.rootId
        ? { thread: { ...thread, loading: false, failed: true } }
        : null;
    case "threadClosed":
      return thread ? { thread: null } : null;
    case "open":
      // Another conversation: its threads are its own.
      return thread && thread.channelId !== step.channelId ? { thread: null } : null;
    case "channelLeft":
      return thread?.channelId === step.channelId ? { thread: null } : null;
    case "arrived": {
      if (!thread || thread.root === null) return null;
      const mine = step.events.filter((e) => e.threadRoot === thread.rootId);
      if (mine.length === 0) return null;
      const replies = mergeReplies(thread.replies, mine);
      if (replies === thread.replies) return null;
      const last = mine[mine.length - 1]!;
      const root = {
        ...thread.root,
        thread: summaryAfter(thread.root.thread, last, false),
      };
      return { thread: { ...thread, replies, root } };
    }
    case "changed": {
      if (!thread) return null;
      const next = threadChanged(thread, step.change);
      return next === thread ? null : { thread: next };
    }
    case "snapshot":
    case "resynced":
      return thread ? { thread: null } : null;
    default:
      return isSignOut(step) && thread ? { thread: null } : null;
  }
}

/**
 * A root's thread after `reply` arrived; `counts` when the reply is the
 * member's to read (they follow the thread, it is someone else's, and the
 * thread is not open).
 */
export function summaryAfter(
  before: ThreadView | null,
  reply: EventView,
  counts: boolean,
): ThreadView {
  const following = (before?.following ?? false) || (reply.inThread?.following ?? false);
  return {
    replyCount: reply.inThread?.replyCount ?? (before?.replyCount ?? 0) + 1,
    lastReplyAt: reply.createdAt,
    following,
    unread: (before?.unread ?? 0) + (counts ? 1 : 0),
  };
}

/**
 * The channel's timeline after replies in threads arrived: each updates
 * its root, when the root is loaded; none is an item of it.
 */
export function withReplies(
  events: EventView[],
  replies: readonly EventView[],
  me: string | null,
  openRoot: string | null,
): EventView[] {
  let next: EventView[] | null = null;
  for (const reply of replies) {
    const list = next ?? events;
    const at = list.findIndex((e) => e.id === reply.threadRoot);
    if (at < 0) continue;
    const root = list[at]!;
    const counts =
      (reply.inThread?.following ?? false) &&
      reply.member.id !== me &&
      reply.threadRoot !== openRoot;
    next ??= events.slice();
    next[at] = { ...root, thread: summaryAfter(root.thread, reply, counts) };
  }
  return next ?? events;
}

/** A root's thread after a thread change (a reply deleted, the thread read). */
export function withThreadChange(events: EventView[], change: ChangeView): EventView[] {
  const rootId =
    change.kind === "threadRead"
      ? change.rootId
      : change.kind === "deleted"
        ? change.threadRoot
        : null;
  if (rootId === null) return events;
  const at = events.findIndex((e) => e.id === rootId);
  const thread = at >= 0 ? events[at]!.thread : null;
  if (!thread) return events;
  const after: ThreadView =
    change.kind === "threadRead"
      ? { ...thread, unread: 0 }
      : { ...thread, replyCount: change.kind === "deleted" ? (change.replyCount ?? 0) : 0 };
  const next = events.slice();
  next[at] = { ...events[at]!, thread: after };
  return next;
}
