/**
 * The UI's whole state and the pure reducer that folds the shell's snapshot,
 * its `AppEvent`s and the answers to our own commands into it. Nothing here
 * talks to the shell; `store.ts` does that and dispatches the results.
 */
import type {
  AppEvent,
  ChannelView,
  ConnectionView,
  EventView,
  HistoryPage,
  OutboxItem,
  SessionView,
  Settings,
  Snapshot,
} from "../bindings/ipc";
import { compareIds, isNewer } from "./ids";

/** The loaded part of one channel's history, oldest first, unique by id. */
export interface Timeline {
  events: EventView[];
  ids: ReadonlySet<string>;
  /** Older events exist on the server. */
  hasMore: boolean;
  nextCursor: string | null;
  /** The newest page has been fetched at least once. */
  loaded: boolean;
  loadingOlder: boolean;
}

/** What the open conversation needs beyond its timeline. */
export interface View {
  channelId: string;
  /** The read marker when the conversation was opened: the "new" line goes after it. */
  markerAfter: string | null;
  /** There was something unread when the conversation was opened. */
  showMarker: boolean;
}

export interface State {
  ready: boolean;
  session: SessionView | null;
  channels: ChannelView[];
  connection: ConnectionView;
  settings: Settings;
  outbox: Record<string, OutboxItem>;
  /** Client keys whose event has arrived: their outbox entry is shown as that event. */
  deliveredKeys: ReadonlySet<string>;
  timelines: Record<string, Timeline>;
  view: View | null;
  notices: string[];
  /** Set by a `resynced` event until the member dismisses it. */
  resynced: boolean;
}

export const defaultSettings: Settings = {
  preview: "senderAndText",
  doNotDisturb: false,
  closeToTray: true,
  startAtLogin: false,
  theme: "system",
  language: null,
  mutedChannels: [],
  lastServerUrl: null,
};

export const initialState: State = {
  ready: false,
  session: null,
  channels: [],
  connection: { state: "connecting" },
  settings: defaultSettings,
  outbox: {},
  deliveredKeys: new Set(),
  timelines: {},
  view: null,
  notices: [],
  resynced: false,
};

export type Action =
  | { type: "snapshot"; snapshot: Snapshot }
  | { type: "appEvent"; event: AppEvent }
  | { type: "appEvents"; events: AppEvent[] }
  | { type: "sessionStarted"; session: SessionView }
  | { type: "open"; channelId: string | null }
  | { type: "historyRequested"; channelId: string }
  | { type: "historyLoaded"; page: HistoryPage; older: boolean }
  | { type: "historyFailed"; channelId: string }
  | { type: "outboxUpdated"; item: OutboxItem }
  | { type: "outboxDiscarded"; clientKey: string }
  | { type: "markedRead"; channelId: string; upTo: string | null }
  | { type: "channelAdded"; channel: ChannelView }
  | { type: "channelLeft"; channelId: string }
  | { type: "noticeDismissed"; index: number }
  | { type: "resyncedDismissed" };

export function emptyTimeline(): Timeline {
  return {
    events: [],
    ids: new Set(),
    hasMore: true,
    nextCursor: null,
    loaded: false,
    loadingOlder: false,
  };
}

/** Adds events to a timeline, keeping it sorted oldest first and unique by id. */
export function mergeEvents(timeline: Timeline, incoming: readonly EventView[]): Timeline {
  const fresh = incoming.filter((e) => !timeline.ids.has(e.id));
  if (fresh.length === 0) return timeline;
  const ids = new Set(timeline.ids);
  const unique: EventView[] = [];
  for (const e of fresh) {
    if (ids.has(e.id)) continue;
    ids.add(e.id);
    unique.push(e);
  }
  const last = timeline.events[timeline.events.length - 1];
  let events: EventView[];
  unique.sort((a, b) => compareIds(a.id, b.id));
  if (!last || compareIds(unique[0]!.id, last.id) > 0) {
    // The usual case: live events arrive newest last.
    events = timeline.events.concat(unique);
  } else {
    events = timeline.events.concat(unique).sort((a, b) => compareIds(a.id, b.id));
  }
  return { ...timeline, events, ids };
}

function sortChannels(channels: ChannelView[]): ChannelView[] {
  return [...channels].sort((a, b) => {
    if (a.lastEventId === b.lastEventId) return a.name.localeCompare(b.name);
    if (a.lastEventId === null) return 1;
    if (b.lastEventId === null) return -1;
    return compareIds(b.lastEventId, a.lastEventId);
  });
}

/** Muted state follows the settings at once, before the shell echoes a channel list. */
function applyMuted(channels: ChannelView[], settings: Settings): ChannelView[] {
  const muted = new Set(settings.mutedChannels);
  return channels.map((c) => (c.muted === muted.has(c.id) ? c : { ...c, muted: muted.has(c.id) }));
}

function withChannels(state: State, channels: ChannelView[]): State {
  let view = state.view;
  if (view && !channels.some((c) => c.id === view!.channelId)) view = null;
  return { ...state, channels: sortChannels(applyMuted(channels, state.settings)), view };
}

function withOutboxItem(state: State, item: OutboxItem): State {
  if (state.deliveredKeys.has(item.clientKey)) {
    // Its event is already shown; the outbox entry would show it twice.
    if (!(item.clientKey in state.outbox)) return state;
    const outbox = { ...state.outbox };
    delete outbox[item.clientKey];
    return { ...state, outbox };
  }
  return { ...state, outbox: { ...state.outbox, [item.clientKey]: item } };
}

function withEvent(state: State, event: EventView): State {
  let next = state;
  const timeline = state.timelines[event.channelId];
  if (timeline) {
    const merged = mergeEvents(timeline, [event]);
    if (merged !== timeline) {
      next = { ...next, timelines: { ...next.timelines, [event.channelId]: merged } };
    }
  }
  if (event.clientKey !== null) {
    const deliveredKeys = new Set(next.deliveredKeys).add(event.clientKey);
    const outbox = { ...next.outbox };
    delete outbox[event.clientKey];
    next = { ...next, deliveredKeys, outbox };
  }
  const channel = next.channels.find((c) => c.id === event.channelId);
  if (channel && isNewer(event.id, channel.lastEventId)) {
    const fromOther = event.kind === "chat" && event.member.id !== next.session?.member.id;
    const unread =
      fromOther && isNewer(event.id, channel.lastReadEventId) ? channel.unread + 1 : channel.unread;
    const updated: ChannelView = { ...channel, lastEventId: event.id, unread };
    next = {
      ...next,
      channels: sortChannels(next.channels.map((c) => (c.id === channel.id ? updated : c))),
    };
  }
  return next;
}

/**
 * Applies a run of channel events at once, with the same result as one by
 * one: each touched timeline is copied once and the channel list sorted
 * once, so a burst of messages costs little more than one.
 */
function withEvents(state: State, events: readonly EventView[]): State {
  if (events.length === 1) return withEvent(state, events[0]!);
  let next = state;
  const byTimeline = new Map<string, EventView[]>();
  for (const e of events) {
    if (!state.timelines[e.channelId]) continue;
    const list = byTimeline.get(e.channelId);
    if (list) list.push(e);
    else byTimeline.set(e.channelId, [e]);
  }
  if (byTimeline.size > 0) {
    const timelines = { ...next.timelines };
    for (const [id, list] of byTimeline) timelines[id] = mergeEvents(timelines[id]!, list);
    next = { ...next, timelines };
  }
  const keyed = events.filter((e) => e.clientKey !== null);
  if (keyed.length > 0) {
    const deliveredKeys = new Set(next.deliveredKeys);
    const outbox = { ...next.outbox };
    for (const e of keyed) {
      deliveredKeys.add(e.clientKey!);
      delete outbox[e.clientKey!];
    }
    next = { ...next, deliveredKeys, outbox };
  }
  const byId = new Map(next.channels.map((c) => [c.id, c]));
  let changed = false;
  for (const e of events) {
    const channel = byId.get(e.channelId);
    if (!channel || !isNewer(e.id, channel.lastEventId)) continue;
    const fromOther = e.kind === "chat" && e.member.id !== next.session?.member.id;
    const unread =
      fromOther && isNewer(e.id, channel.lastReadEventId) ? channel.unread + 1 : channel.unread;
    byId.set(channel.id, { ...channel, lastEventId: e.id, unread });
    changed = true;
  }
  if (changed)
    next = { ...next, channels: sortChannels(next.channels.map((c) => byId.get(c.id)!)) };
  return next;
}

/** Applies what arrived together, runs of channel events at once. */
function withAppEvents(state: State, events: readonly AppEvent[]): State {
  let next = state;
  let run: EventView[] = [];
  const flushRun = () => {
    if (run.length > 0) next = withEvents(next, run);
    run = [];
  };
  for (const e of events) {
    if (e.type === "event") run.push(e.event);
    else if (e.type === "events") run.push(...e.events);
    else {
      flushRun();
      next = applyAppEvent(next, e);
    }
  }
  flushRun();
  return next;
}

function signedOut(state: State): State {
  return {
    ...initialState,
    ready: true,
    settings: state.settings,
    connection: { state: "signedOut" },
    notices: state.notices,
  };
}

function withSession(state: State, session: SessionView): State {
  // Signed in, but the subscription is not up yet: not "signed out" any more.
  const connection: ConnectionView =
    state.connection.state === "signedOut" ? { state: "connecting" } : state.connection;
  return { ...state, session, connection };
}

function applyAppEvent(state: State, event: AppEvent): State {
  switch (event.type) {
    case "event":
      return withEvent(state, event.event);
    case "events":
      return withEvents(state, event.events);
    case "channels":
      return withChannels(state, event.channels);
    case "connection":
      return { ...state, connection: event.connection };
    case "outbox":
      return withOutboxItem(state, event.item);
    case "resynced":
      // What was loaded may have gaps now: timelines are fetched again on demand.
      return { ...state, resynced: true, timelines: {} };
    case "session":
      if (event.session === null) return signedOut(state);
      return withSession(state, event.session);
    case "settings": {
      const next = { ...state, settings: event.settings };
      return { ...next, channels: applyMuted(next.channels, event.settings) };
    }
    case "openChannel":
      return open(state, event.channelId);
    case "notice":
      return { ...state, notices: [...state.notices, event.message] };
  }
}

function open(state: State, channelId: string | null): State {
  if (channelId === null) return { ...state, view: null };
  if (state.view?.channelId === channelId) return state;
  const channel = state.channels.find((c) => c.id === channelId);
  if (!channel) return state;
  return {
    ...state,
    view: {
      channelId,
      markerAfter: channel.lastReadEventId,
      showMarker: channel.unread > 0,
    },
  };
}

function withTimeline(state: State, channelId: string, f: (t: Timeline) => Timeline): State {
  const timeline = state.timelines[channelId] ?? emptyTimeline();
  return { ...state, timelines: { ...state.timelines, [channelId]: f(timeline) } };
}

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case "snapshot": {
      const { snapshot } = action;
      const outbox: Record<string, OutboxItem> = {};
      for (const item of snapshot.outbox) outbox[item.clientKey] = item;
      const base: State = {
        ...initialState,
        ready: true,
        session: snapshot.session,
        connection: snapshot.connection,
        settings: snapshot.settings,
        outbox,
        notices: snapshot.notice ? [snapshot.notice] : [],
      };
      return withChannels(base, snapshot.channels);
    }
    case "appEvent":
      return applyAppEvent(state, action.event);
    case "appEvents":
      return withAppEvents(state, action.events);
    case "sessionStarted":
      return withSession(state, action.session);
    case "open":
      return open(state, action.channelId);
    case "historyRequested":
      return withTimeline(state, action.channelId, (t) => ({ ...t, loadingOlder: true }));
    case "historyFailed":
      return withTimeline(state, action.channelId, (t) => ({ ...t, loadingOlder: false }));
    case "historyLoaded": {
      const { page, older } = action;
      let next = withTimeline(state, page.channelId, (t) => {
        const merged = mergeEvents(t, page.events);
        // A fresh newest page says nothing about older pages already loaded.
        const keepPaging = older || !t.loaded;
        return {
          ...merged,
          loaded: true,
          loadingOlder: false,
          hasMore: keepPaging ? page.hasMore : t.hasMore,
          nextCursor: keepPaging ? page.nextCursor : t.nextCursor,
        };
      });
      const keys = page.events.flatMap((e) => (e.clientKey === null ? [] : [e.clientKey]));
      if (keys.length > 0) {
        const deliveredKeys = new Set(next.deliveredKeys);
        const outbox = { ...next.outbox };
        for (const k of keys) {
          deliveredKeys.add(k);
          delete outbox[k];
        }
        next = { ...next, deliveredKeys, outbox };
      }
      return next;
    }
    case "outboxUpdated":
      return withOutboxItem(state, action.item);
    case "outboxDiscarded": {
      const outbox = { ...state.outbox };
      delete outbox[action.clientKey];
      return { ...state, outbox };
    }
    case "markedRead":
      return {
        ...state,
        channels: state.channels.map((c) =>
          c.id === action.channelId
            ? {
                ...c,
                unread: 0,
                lastReadEventId: isNewer(action.upTo, c.lastReadEventId)
                  ? action.upTo
                  : c.lastReadEventId,
              }
            : c,
        ),
      };
    case "channelAdded": {
      const others = state.channels.filter((c) => c.id !== action.channel.id);
      return withChannels(state, [...others, action.channel]);
    }
    case "channelLeft": {
      const channels = state.channels.filter((c) => c.id !== action.channelId);
      const timelines = { ...state.timelines };
      delete timelines[action.channelId];
      return { ...withChannels(state, channels), timelines };
    }
    case "noticeDismissed":
      return { ...state, notices: state.notices.filter((_, i) => i !== action.index) };
    case "resyncedDismissed":
      return { ...state, resynced: false };
  }
}

/** The open conversation's channel, if any. */
export function currentChannel(state: State): ChannelView | null {
  const id = state.view?.channelId;
  return id ? (state.channels.find((c) => c.id === id) ?? null) : null;
}

/** Outbox entries of one channel still to be shown (their event has not arrived). */
export function pendingFor(
  outbox: Readonly<Record<string, OutboxItem>>,
  channelId: string,
): OutboxItem[] {
  return Object.values(outbox).filter((o) => o.channelId === channelId);
}

/**
 * Index of the first event the "new messages" line goes before: the first
 * message from someone else newer than the read marker, or -1 for none.
 */
export function firstUnreadIndex(
  events: readonly EventView[],
  markerAfter: string | null,
  selfId: string | null,
): number {
  return events.findIndex(
    (e) => e.kind === "chat" && e.member.id !== selfId && isNewer(e.id, markerAfter),
  );
}
