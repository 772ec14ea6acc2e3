/**
 * The one store: the pure reducer's state in zustand, plus the actions that
 * ask the shell to do something and dispatch what it answers.
 */
import { create } from "zustand";
import type {
  AppEvent,
  ChannelView,
  EventView,
  NotificationLevel,
  Settings,
} from "../bindings/ipc";
import { incoming } from "../announce";
import { commands, listenAppEvents } from "../ipc";
import { forgetPresence, heardPresence } from "./presence";
import { forgetTyping, heardTyping, messageArrived } from "./typing";
import { forgetUploads, uploadProgress } from "./uploads";
import { isUnread } from "./channels";
import { flushDrafts, seedDrafts } from "./drafts";
import { isNewer } from "./ids";
import { type Action, initialState, reducer, type State } from "./reducer";

interface Store {
  state: State;
  dispatch: (action: Action) => void;
}

export const useStore = create<Store>((set) => ({
  state: initialState,
  dispatch: (action) => set((s) => ({ state: reducer(s.state, action) })),
}));

export function useAppState<T>(select: (s: State) => T): T {
  return useStore((s) => select(s.state));
}

const dispatch = (action: Action) => useStore.getState().dispatch(action);
const getState = () => useStore.getState().state;

/** How long events wait to be applied together (about a frame). */
const BATCH_MS = 16;

let started: Promise<void> | null = null;
let unlisten: (() => void) | null = null;

/** Forgets a failed start so `start()` can try again. */
export function resetStart(): void {
  unlisten?.();
  unlisten = null;
  started = null;
}

/** Subscribes to the shell's events, then applies the snapshot; idempotent. */
export function start(): Promise<void> {
  started ??= (async () => {
    // Listen first so nothing emitted between the snapshot and the listener is lost;
    // events that the snapshot already contains are deduplicated by the reducer.
    const buffered: AppEvent[] = [];
    let live = false;
    let flushing: ReturnType<typeof setTimeout> | null = null;
    // Events are applied in batches, one state change (and one render) per
    // batch: a burst of hundreds of messages a second would otherwise
    // render the app hundreds of times a second.
    const flush = () => {
      flushing = null;
      const events = buffered.splice(0);
      if (events.length > 0) dispatch({ type: "appEvents", events });
    };
    unlisten = await listenAppEvents((event) => {
      buffered.push(event);
      if (live) flushing ??= setTimeout(flush, BATCH_MS);
      if (event.type === "event") arrived(event.event);
      if (event.type === "events") event.events.forEach(arrived);
      if (event.type === "typing") heardTyping(event);
      if (event.type === "presence") heardPresence(event.memberId, event.presence);
      if (event.type === "resynced") forgetPresence();
      if (event.type === "resynced") void reloadAfterResync();
      if (event.type === "openChannel") void afterOpen(event.channelId);
      if (event.type === "uploadProgress") uploadProgress(event.uploadId, event.sent);
      if (event.type === "session") {
        forgetUploads();
        forgetTyping();
        forgetPresence();
      }
    });
    const snapshot = await commands.snapshot();
    seedDrafts(snapshot.drafts);
    dispatch({ type: "snapshot", snapshot });
    // After a reload (the web view's process ended), the shell still knows
    // which conversation was open: open it again.
    if (snapshot.openChannel) await openChannel(snapshot.openChannel);
    followView();
    live = true;
    flush();
  })();
  return started;
}

// The page going (a reload, the app quitting) saves drafts still waiting.
if (typeof window !== "undefined") window.addEventListener("pagehide", flushDrafts);

/** A message arrived: announced, and its sender is done typing it. */
function arrived(event: EventView): void {
  incoming(event);
  if (event.kind === "chat") messageArrived(event.channelId, event.member.id);
}

let following = false;

/**
 * Tells the shell whenever the conversation in view changes, whatever changed
 * it (a click, a shortcut, a notification, leaving, signing out).
 */
function followView(): void {
  if (following) return;
  following = true;
  useStore.subscribe((now, before) => {
    const id = now.state.view?.channelId ?? null;
    const root = now.state.thread?.rootId ?? null;
    if (
      id !== (before.state.view?.channelId ?? null) ||
      root !== (before.state.thread?.rootId ?? null)
    ) {
      commands.focusChannel({ channelId: id, threadRoot: root }).catch(() => undefined);
    }
  });
}

async function reloadAfterResync(): Promise<void> {
  const channels = await commands.channels().catch(() => null);
  if (channels) dispatch({ type: "appEvent", event: { type: "channels", channels } });
  const id = getState().view?.channelId;
  if (id) await loadNewest(id);
}

async function loadNewest(channelId: string): Promise<void> {
  try {
    const page = await commands.history({ channelId, before: null, around: null });
    dispatch({ type: "historyLoaded", page, older: false });
  } catch {
    dispatch({ type: "historyFailed", channelId });
  }
}

async function afterOpen(channelId: string | null): Promise<void> {
  if (channelId && !getState().timelines[channelId]?.loaded) await loadNewest(channelId);
}

/** Opens a conversation (or none) and loads its newest page if it has none yet. */
export function openChannel(channelId: string | null): Promise<void> {
  if (getState().view?.channelId === channelId) return Promise.resolve();
  dispatch({ type: "open", channelId });
  return afterOpen(channelId);
}

/** Loads the page before the oldest loaded one; `false` when there was none to load. */
export async function loadOlder(channelId: string): Promise<boolean> {
  const t = getState().timelines[channelId];
  if (!t || !t.loaded || !t.hasMore || t.loadingOlder || t.nextCursor === null) return false;
  dispatch({ type: "historyRequested", channelId });
  try {
    const page = await commands.history({ channelId, before: t.nextCursor, around: null });
    dispatch({ type: "historyLoaded", page, older: true });
    return true;
  } catch {
    dispatch({ type: "historyFailed", channelId });
    return false;
  }
}

/**
 * How many older pages (of 50) a jump to a quoted message loads at most:
 * the originals people click are nearly always recent, and the list shows
 * one contiguous stretch of history, so a jump further back than this
 * says so instead.
 */
const JUMP_PAGES = 40;

/**
 * Brings a message of the open conversation into view, loading older
 * history until it is there; `false` when it is further back than
 * `JUMP_PAGES` pages (or not there at all).
 */
export async function jumpTo(channelId: string, messageId: string): Promise<boolean> {
  const has = () => getState().timelines[channelId]?.ids.has(messageId) ?? false;
  for (let pages = 0; !has() && pages < JUMP_PAGES;) {
    const t = getState().timelines[channelId];
    if (!t?.loaded || !t.hasMore) break;
    if (t.loadingOlder) {
      // A page the list asked for is on its way: wait for it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    if (!(await loadOlder(channelId))) break;
    pages += 1;
  }
  if (!has()) return false;
  dispatch({ type: "jump", channelId, messageId });
  return true;
}

/**
 * Opens a message a search found: its conversation, scrolled to it (as
 * [`jumpTo`]); a reply in a thread opens at its root, with the thread open
 * beside it. `false` when it is further back than [`jumpTo`] goes.
 */
export async function openFound(event: EventView): Promise<boolean> {
  await openChannel(event.channelId);
  const at = event.threadRoot ?? event.id;
  const found = await jumpTo(event.channelId, at);
  if (event.threadRoot) await openThread(event.channelId, event.threadRoot);
  return found;
}

/**
 * Brings the first unread message of the open conversation into view
 * (the one after the read marker it was opened with), loading older
 * history until it is there, as [`jumpTo`] does; `false` when nothing is
 * unread or it is further back than that allows.
 */
export async function jumpToFirstUnread(channelId: string): Promise<boolean> {
  const view = getState().view;
  if (view?.channelId !== channelId) return false;
  const me = getState().session?.member.id ?? null;
  const marker = view.markerAfter;
  for (let pages = 0; pages < JUMP_PAGES; pages++) {
    const t = getState().timelines[channelId];
    if (!t?.loaded) return false;
    const oldest = t.events[0]?.id ?? null;
    // Loaded back to the marker (or to the beginning): the first unread is here if anywhere.
    if (!t.hasMore || marker === null || !isNewer(oldest, marker)) break;
    if (!(await loadOlder(channelId))) break;
  }
  const events = getState().timelines[channelId]?.events ?? [];
  const first = events.find((e) => isUnread(e, marker, me));
  if (!first) return false;
  dispatch({ type: "jump", channelId, messageId: first.id });
  return true;
}

export async function send(
  channelId: string,
  text: string,
  replyTo: string | null = null,
  threadRoot: string | null = null,
  attachmentIds: string[] = [],
): Promise<void> {
  const item = await commands.send({ channelId, text, replyTo, threadRoot, attachmentIds });
  dispatch({ type: "outboxUpdated", item });
}

/** Opens a message's thread beside its conversation and loads its newest replies. */
export async function openThread(channelId: string, rootId: string): Promise<void> {
  dispatch({ type: "threadOpened", channelId, rootId });
  try {
    const page = await commands.thread({ rootId, before: null });
    dispatch({ type: "threadLoaded", page, older: false });
  } catch {
    dispatch({ type: "threadFailed", rootId });
  }
}

export function closeThread(): void {
  dispatch({ type: "threadClosed" });
}

/** Loads the replies before the oldest loaded one. */
export async function loadOlderReplies(): Promise<void> {
  const thread = getState().thread;
  if (!thread?.hasMore || thread.nextCursor === null || thread.loading) return;
  try {
    const page = await commands.thread({ rootId: thread.rootId, before: thread.nextCursor });
    dispatch({ type: "threadLoaded", page, older: true });
  } catch {
    dispatch({ type: "threadFailed", rootId: thread.rootId });
  }
}

/**
 * Marks the open thread read up to its newest reply. The shell does it only
 * while the member can see the window; the stream's echo clears the
 * thread's count here and on the member's other devices.
 */
export function markThreadRead(channelId: string, rootId: string): Promise<void> {
  return commands.markThreadRead({ channelId, rootId }).catch(() => undefined);
}

/** Edits one of the member's messages; the change arrives as an event. */
export function editMessage(messageId: string, text: string): Promise<void> {
  return commands.editMessage({ messageId, text });
}

export function deleteMessage(messageId: string): Promise<void> {
  return commands.deleteMessage({ messageId });
}

export function react(messageId: string, emoji: string, on: boolean): Promise<void> {
  return commands.react({ messageId, emoji, on });
}

export async function retrySend(clientKey: string): Promise<void> {
  const item = await commands.retrySend({ clientKey });
  dispatch({ type: "outboxUpdated", item });
}

export async function discardSend(clientKey: string): Promise<void> {
  await commands.discardSend({ clientKey });
  dispatch({ type: "outboxDiscarded", clientKey });
}

/**
 * Marks a conversation read up to `upTo`. Only what the shell marked is shown
 * as read: it refuses (`false`) while the member cannot see the window, so the
 * sidebar and the tray keep agreeing.
 */
export async function markRead(channelId: string, upTo: string | null): Promise<boolean> {
  const marked = await commands.markRead({ channelId, upTo }).catch(() => false);
  if (marked) dispatch({ type: "markedRead", channelId, upTo });
  return marked;
}

export async function signIn(
  mode: "signIn" | "signUp",
  serverUrl: string,
  memberName: string,
  password: string,
): Promise<void> {
  const args = { serverUrl, memberName, password };
  const session = mode === "signIn" ? await commands.signIn(args) : await commands.signUp(args);
  forgetUploads();
  dispatch({ type: "sessionStarted", session });
  const channels = await commands.channels().catch(() => null);
  if (channels) dispatch({ type: "appEvent", event: { type: "channels", channels } });
}

export async function signOut(): Promise<void> {
  await commands.signOut();
  forgetUploads();
  dispatch({ type: "appEvent", event: { type: "session", session: null } });
}

async function added(channel: ChannelView): Promise<void> {
  dispatch({ type: "channelAdded", channel });
  await openChannel(channel.id);
}

export async function createGroup(
  name: string,
  memberNames: string[],
  topic = "",
  isPrivate = false,
): Promise<void> {
  await added(await commands.createGroup({ name, memberNames, topic, private: isPrivate }));
}

/** Renames a group, sets its topic, or (its creator) archives it or brings it back. */
export async function updateGroup(
  channelId: string,
  change: { name?: string; topic?: string; archived?: boolean },
): Promise<void> {
  const channel = await commands.updateGroup({
    channelId,
    name: change.name ?? null,
    topic: change.topic ?? null,
    archived: change.archived ?? null,
  });
  dispatch({ type: "channelAdded", channel });
}

/** The creator takes a member out of a group. */
export async function removeMember(channelId: string, memberId: string): Promise<void> {
  await commands.removeMember({ channelId, memberId });
}

export async function openDirect(memberName: string): Promise<void> {
  await added(await commands.openDirect({ memberName }));
}

export async function joinChannel(channelId: string): Promise<void> {
  await added(await commands.join({ channelId }));
}

export async function invite(channelId: string, memberName: string): Promise<void> {
  const channel = await commands.invite({ channelId, memberName });
  dispatch({ type: "channelAdded", channel });
}

export async function leaveChannel(channelId: string): Promise<void> {
  await commands.leave({ channelId });
  if (getState().view?.channelId === channelId) await openChannel(null);
  dispatch({ type: "channelLeft", channelId });
}

export async function saveSettings(settings: Settings): Promise<void> {
  const saved = await commands.setSettings(settings);
  dispatch({ type: "appEvent", event: { type: "settings", settings: saved } });
}

/** Chooses what of a channel notifies the member, on every device of theirs. */
export async function setLevel(channelId: string, level: NotificationLevel): Promise<void> {
  const channel = await commands.setNotificationLevel({ channelId, level });
  dispatch({ type: "channelAdded", channel });
}

export async function setMuted(channelId: string, muted: boolean): Promise<void> {
  const current = getState().settings;
  const others = current.mutedChannels.filter((id) => id !== channelId);
  await saveSettings({ ...current, mutedChannels: muted ? [...others, channelId] : others });
}

export function retryNow(): Promise<void> {
  return commands.retryNow();
}
