/** A tiny hub so the live region hears each incoming message once, as it arrives. */
import type { EventView } from "./bindings/ipc";

type Listener = (event: EventView) => void;
const listeners = new Set<Listener>();

export function onIncoming(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function incoming(event: EventView): void {
  for (const l of listeners) l(event);
}
