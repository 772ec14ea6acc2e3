/**
 * The UI's whole state and the pure reducer that folds the shell's snapshot,
 * its `AppEvent`s and the answers to our own commands into it. Nothing here
 * talks to the shell; `store.ts` does that and dispatches the results.
 *
 * The state is flat (what components select), but each part has one domain
 * that owns it: `session`, `settings` (with notices), `channels` (with
 * unread and the open conversation), `threads` (the thread open beside
 * it), `timeline` and `delivery` (the outbox). The root turns an action into steps and hands each step to every
 * domain, in that order, so a domain reads what the ones before it already
 * made of the step (the channel list reads this step's settings).
 */
import type { AppEvent, EventView } from "../bindings/ipc";
import type { Action, Step } from "./actions";
import { channelsReducer, type ChannelsState, initialChannels } from "./channels";
import { type DeliveryState, deliveryReducer, initialDelivery } from "./delivery";
import { initialSession, sessionReducer, type SessionState } from "./session";
import { initialSettings, settingsReducer, type SettingsState } from "./settings";
import { initialThreads, threadsReducer, type ThreadsState } from "./threads";
import { initialTimelines, timelinesReducer, type TimelinesState } from "./timeline";

export type { Action } from "./actions";

export type State = SessionState &
  SettingsState &
  ChannelsState &
  ThreadsState &
  TimelinesState &
  DeliveryState;

export const initialState: State = {
  ...initialSession,
  ...initialSettings,
  ...initialChannels,
  ...initialThreads,
  ...initialTimelines,
  ...initialDelivery,
};

/** Each domain returns only the parts it owns that changed, or `null`. */
type Domain = (state: State, step: Step) => Partial<State> | null;

const domains: readonly Domain[] = [
  sessionReducer,
  settingsReducer,
  channelsReducer,
  threadsReducer,
  timelinesReducer,
  deliveryReducer,
];

function apply(state: State, step: Step): State {
  let next = state;
  for (const domain of domains) {
    const changed = domain(next, step);
    if (changed) next = { ...next, ...changed };
  }
  return next;
}

/**
 * What arrived together, as steps: each run of channel events becomes one
 * `arrived` step, so a burst of messages costs little more than one.
 */
function steps(events: readonly AppEvent[]): Step[] {
  const out: Step[] = [];
  let run: EventView[] = [];
  const flushRun = () => {
    if (run.length > 0) out.push({ type: "arrived", events: run });
    run = [];
  };
  for (const e of events) {
    if (e.type === "event") run.push(e.event);
    else if (e.type === "events") run.push(...e.events);
    else {
      flushRun();
      out.push(e);
    }
  }
  flushRun();
  return out;
}

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case "appEvent":
      return steps([action.event]).reduce(apply, state);
    case "appEvents":
      return steps(action.events).reduce(apply, state);
    default:
      return apply(state, action);
  }
}
