/**
 * What changes the UI's state: the shell's snapshot and `AppEvent`s and the
 * answers to the UI's own commands (`Action`, what the store dispatches), and
 * the `Step`s the root reducer turns them into for every domain.
 */
import type {
  AppEvent,
  ChannelView,
  EventView,
  HistoryPage,
  OutboxItem,
  SessionView,
  Snapshot,
  ThreadPageView,
} from "../bindings/ipc";

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
  | { type: "jump"; channelId: string; messageId: string }
  | { type: "channelAdded"; channel: ChannelView }
  | { type: "channelLeft"; channelId: string }
  | { type: "threadOpened"; channelId: string; rootId: string }
  | { type: "threadLoaded"; page: ThreadPageView; older: boolean }
  | { type: "threadFailed"; rootId: string }
  | { type: "threadClosed" }
  | { type: "noticeDismissed"; index: number }
  | { type: "resyncedDismissed" };

/**
 * One thing that happened, as each domain sees it: an action, an `AppEvent`
 * other than channel events, or a run of channel events that arrived
 * together (`arrived`, oldest first), which every domain applies at once with
 * the result of applying them one by one.
 */
export type Step =
  | Exclude<Action, { type: "appEvent" | "appEvents" }>
  | Exclude<AppEvent, { type: "event" | "events" }>
  | { type: "arrived"; events: readonly EventView[] };

/** The session ended: every domain but the settings and notices starts over. */
export function isSignOut(step: Step): boolean {
  return step.type === "session" && step.session === null;
}
