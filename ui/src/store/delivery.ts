/**
 * Delivery domain: the member's messages on their way (the outbox), until
 * each is delivered.
 *
 * The one home of "delivered": an event that carries a `clientKey`, live or
 * in a history page, is that outbox entry arrived. The entry gives way to
 * the event (shown once, in the timeline), and the key is remembered so a
 * late outbox update for it cannot bring the entry back.
 */
import type { EventView, OutboxItem } from "../bindings/ipc";
import { isSignOut, type Step } from "./actions";

export interface DeliveryState {
  outbox: Record<string, OutboxItem>;
  /** Client keys whose event has arrived: their outbox entry is shown as that event. */
  deliveredKeys: ReadonlySet<string>;
}

export const initialDelivery: DeliveryState = { outbox: {}, deliveredKeys: new Set() };

/** After `events` arrived: the outbox without the delivered ones; `state` itself if none was. */
export function delivered(state: DeliveryState, events: readonly EventView[]): DeliveryState {
  const keys = events.flatMap((e) => (e.clientKey === null ? [] : [e.clientKey]));
  if (keys.length === 0) return state;
  const deliveredKeys = new Set(state.deliveredKeys);
  const outbox = { ...state.outbox };
  for (const k of keys) {
    deliveredKeys.add(k);
    delete outbox[k];
  }
  return { deliveredKeys, outbox };
}

/** An outbox entry changed: shown, unless its event is already. */
export function withOutboxItem(
  state: DeliveryState,
  item: OutboxItem,
): Partial<DeliveryState> | null {
  if (state.deliveredKeys.has(item.clientKey)) {
    // Its event is already shown; the outbox entry would show it twice.
    if (!(item.clientKey in state.outbox)) return null;
    return { outbox: without(state.outbox, item.clientKey) };
  }
  return { outbox: { ...state.outbox, [item.clientKey]: item } };
}

function without(
  outbox: Record<string, OutboxItem>,
  clientKey: string,
): Record<string, OutboxItem> {
  const rest = { ...outbox };
  delete rest[clientKey];
  return rest;
}

export function deliveryReducer(state: DeliveryState, step: Step): Partial<DeliveryState> | null {
  switch (step.type) {
    case "snapshot": {
      const outbox: Record<string, OutboxItem> = {};
      for (const item of step.snapshot.outbox) outbox[item.clientKey] = item;
      return { outbox, deliveredKeys: new Set() };
    }
    case "arrived":
    case "historyLoaded": {
      const events = step.type === "arrived" ? step.events : step.page.events;
      const next = delivered(state, events);
      return next === state ? null : next;
    }
    case "outbox":
    case "outboxUpdated":
      return withOutboxItem(state, step.item);
    case "outboxDiscarded":
      return { outbox: without(state.outbox, step.clientKey) };
    default:
      return isSignOut(step) ? initialDelivery : null;
  }
}

/**
 * Outbox entries of one channel still to be shown (their event has not
 * arrived): of the channel itself, or with `threadRoot` of that thread.
 */
export function pendingFor(
  outbox: Readonly<Record<string, OutboxItem>>,
  channelId: string,
  threadRoot: string | null = null,
): OutboxItem[] {
  return Object.values(outbox).filter(
    (o) => o.channelId === channelId && (o.threadRoot ?? null) === threadRoot,
  );
}
