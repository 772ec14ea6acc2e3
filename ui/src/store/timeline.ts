/**
 * Timeline domain: the loaded part of each channel's history, merged from
 * history pages and live events, oldest first and unique by id.
 */
import type { EventView } from "../bindings/ipc";
import { isSignOut, type Step } from "./actions";
import { withChange } from "./changes";
import { compareIds } from "./ids";
import type { SessionState } from "./session";
import { type ThreadsState, withReplies, withThreadChange } from "./threads";

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

export interface TimelinesState {
  timelines: Record<string, Timeline>;
}

export const initialTimelines: TimelinesState = { timelines: {} };

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

/**
 * Live events go into the timelines already loaded (each copied once);
 * the others are fetched when their conversation opens.
 */
function withArrivals(
  timelines: Record<string, Timeline>,
  events: readonly EventView[],
  me: string | null,
  openRoot: string | null,
): Record<string, Timeline> {
  const byTimeline = new Map<string, EventView[]>();
  const replies = new Map<string, EventView[]>();
  for (const e of events) {
    if (!timelines[e.channelId]) continue;
    if (e.threadRoot !== null) {
      // A reply in a thread is no item of the channel: it updates its root.
      const list = replies.get(e.channelId);
      if (list) list.push(e);
      else replies.set(e.channelId, [e]);
      continue;
    }
    const list = byTimeline.get(e.channelId);
    if (list) list.push(e);
    else byTimeline.set(e.channelId, [e]);
  }
  let next = timelines;
  for (const [id, list] of byTimeline) {
    const merged = mergeEvents(timelines[id]!, list);
    if (merged !== timelines[id]) {
      if (next === timelines) next = { ...timelines };
      next[id] = merged;
    }
  }
  for (const [id, list] of replies) {
    const t = next[id]!;
    const events = withReplies(t.events, list, me, openRoot);
    if (events !== t.events) {
      if (next === timelines) next = { ...timelines };
      next[id] = { ...t, events };
    }
  }
  return next;
}

function withTimeline(
  timelines: Record<string, Timeline>,
  channelId: string,
  f: (t: Timeline) => Timeline,
): TimelinesState {
  return { timelines: { ...timelines, [channelId]: f(timelines[channelId] ?? emptyTimeline()) } };
}

export function timelinesReducer(
  state: TimelinesState & Partial<ThreadsState & SessionState>,
  step: Step,
): Partial<TimelinesState> | null {
  switch (step.type) {
    case "snapshot":
      return initialTimelines;
    case "arrived": {
      const timelines = withArrivals(
        state.timelines,
        step.events,
        state.session?.member.id ?? null,
        state.thread?.rootId ?? null,
      );
      return timelines === state.timelines ? null : { timelines };
    }
    case "changed": {
      const t = state.timelines[step.change.channelId];
      if (!t) return null;
      const events = withThreadChange(withChange(t.events, step.change), step.change);
      return events === t.events
        ? null
        : { timelines: { ...state.timelines, [step.change.channelId]: { ...t, events } } };
    }
    case "historyRequested":
      return withTimeline(state.timelines, step.channelId, (t) => ({ ...t, loadingOlder: true }));
    case "historyFailed":
      return withTimeline(state.timelines, step.channelId, (t) => ({ ...t, loadingOlder: false }));
    case "historyLoaded": {
      const { page, older } = step;
      return withTimeline(state.timelines, page.channelId, (t) => {
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
    }
    case "resynced":
      // What was loaded may have gaps now: timelines are fetched again on demand.
      return initialTimelines;
    case "channelLeft": {
      const timelines = { ...state.timelines };
      delete timelines[step.channelId];
      return { timelines };
    }
    default:
      return isSignOut(step) ? initialTimelines : null;
  }
}
