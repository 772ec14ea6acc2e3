/**
 * Channels domain: the sidebar's list (newest activity first), each
 * channel's unread count, and which conversation is open.
 *
 * The one home of "unread": `isUnread` says which events count, and both
 * the sidebar's counts (`withArrivals`) and the conversation's "new
 * messages" line (`firstUnreadIndex`) use it.
 */
import type { ChannelView, EventView, SessionView, Settings } from "../bindings/ipc";
import { isSignOut, type Step } from "./actions";
import { compareIds, isNewer } from "./ids";

/** What the open conversation needs beyond its timeline. */
export interface View {
  channelId: string;
  /** The read marker when the conversation was opened: the "new" line goes after it. */
  markerAfter: string | null;
  /** There was something unread when the conversation was opened. */
  showMarker: boolean;
  /** A message to bring into view (a quote was clicked); `seq` tells jumps apart. */
  jump: { messageId: string; seq: number } | null;
}

export interface ChannelsState {
  channels: ChannelView[];
  view: View | null;
}

/** What the channels domain reads from the others. */
interface Reads {
  /** For muting (already this step's, when the step changes them). */
  settings: Settings;
  /** For telling the member's own messages from others'. */
  session: SessionView | null;
}

export const initialChannels: ChannelsState = { channels: [], view: null };

/** A chat message from someone else, newer than the read marker. */
export function isUnread(event: EventView, readMarker: string | null, selfId: string | null) {
  return (
    event.kind === "chat" &&
    !event.deleted &&
    event.member.id !== selfId &&
    isNewer(event.id, readMarker)
  );
}

/**
 * The list after `events` arrived (oldest first), with the same result as
 * one by one: an event newer than its channel's last one moves the channel
 * up and, if unread, adds one to its count; one already counted (in the
 * snapshot or before) changes nothing. Sorted once; `channels` itself when
 * nothing changed.
 */
export function withArrivals(
  channels: ChannelView[],
  events: readonly EventView[],
  selfId: string | null,
): ChannelView[] {
  const byId = new Map(channels.map((c) => [c.id, c]));
  let changed = false;
  for (const e of events) {
    const channel = byId.get(e.channelId);
    if (!channel || !isNewer(e.id, channel.lastEventId)) continue;
    const counts = isUnread(e, channel.lastReadEventId, selfId);
    const unread = counts ? channel.unread + 1 : channel.unread;
    const mentions =
      counts && selfId !== null && e.mentions.includes(selfId)
        ? channel.mentions + 1
        : channel.mentions;
    byId.set(channel.id, { ...channel, lastEventId: e.id, unread, mentions });
    changed = true;
  }
  return changed ? sortChannels(channels.map((c) => byId.get(c.id)!)) : channels;
}

/** The shell marked a channel read up to `upTo`: nothing unread, and the marker never moves back. */
export function withMarkedRead(
  channels: ChannelView[],
  channelId: string,
  upTo: string | null,
): ChannelView[] {
  return channels.map((c) =>
    c.id === channelId
      ? {
          ...c,
          unread: 0,
          mentions: 0,
          lastReadEventId: isNewer(upTo, c.lastReadEventId) ? upTo : c.lastReadEventId,
        }
      : c,
  );
}

/**
 * Index of the first event the "new messages" line goes before: the first
 * unread one after the marker, or -1 for none.
 */
export function firstUnreadIndex(
  events: readonly EventView[],
  markerAfter: string | null,
  selfId: string | null,
): number {
  return events.findIndex((e) => isUnread(e, markerAfter, selfId));
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

/** A new list; the open conversation closes if its channel is gone. */
function listed(view: View | null, channels: ChannelView[], settings: Settings): ChannelsState {
  const kept = view && channels.some((c) => c.id === view.channelId) ? view : null;
  return { channels: sortChannels(applyMuted(channels, settings)), view: kept };
}

function open(state: ChannelsState, channelId: string | null): Partial<ChannelsState> | null {
  if (channelId === null) return { view: null };
  if (state.view?.channelId === channelId) return null;
  const channel = state.channels.find((c) => c.id === channelId);
  if (!channel) return null;
  return {
    view: {
      channelId,
      markerAfter: channel.lastReadEventId,
      showMarker: channel.unread > 0,
      jump: null,
    },
  };
}

export function channelsReducer(
  state: ChannelsState & Reads,
  step: Step,
): Partial<ChannelsState> | null {
  switch (step.type) {
    case "snapshot":
      return listed(null, step.snapshot.channels, state.settings);
    case "channels":
      return listed(state.view, step.channels, state.settings);
    case "arrived": {
      const channels = withArrivals(state.channels, step.events, state.session?.member.id ?? null);
      return channels === state.channels ? null : { channels };
    }
    case "settings":
      return { channels: applyMuted(state.channels, step.settings) };
    case "open":
    case "openChannel":
      return open(state, step.channelId);
    case "markedRead":
      return { channels: withMarkedRead(state.channels, step.channelId, step.upTo) };
    case "jump": {
      const view = state.view;
      if (view?.channelId !== step.channelId) return null;
      const seq = (view.jump?.seq ?? 0) + 1;
      return { view: { ...view, jump: { messageId: step.messageId, seq } } };
    }
    case "channelAdded": {
      const others = state.channels.filter((c) => c.id !== step.channel.id);
      return listed(state.view, [...others, step.channel], state.settings);
    }
    case "channelLeft": {
      const channels = state.channels.filter((c) => c.id !== step.channelId);
      return listed(state.view, channels, state.settings);
    }
    default:
      return isSignOut(step) ? initialChannels : null;
  }
}

/** The open conversation's channel, if any. */
export function currentChannel(state: ChannelsState): ChannelView | null {
  const id = state.view?.channelId;
  return id ? (state.channels.find((c) => c.id === id) ?? null) : null;
}
