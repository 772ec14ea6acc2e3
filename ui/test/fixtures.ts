import type {
  AppEvent,
  ChannelView,
  EventView,
  MemberView,
  OutboxItem,
  Snapshot,
} from "../src/bindings/ipc";
import { defaultSettings } from "../src/store/settings";

export const me: MemberView = { id: "m1", name: "Mina", profileImage: null };
export const bo: MemberView = { id: "m2", name: "Bo", profileImage: null };

export function channel(id: string, over: Partial<ChannelView> = {}): ChannelView {
  return {
    id,
    kind: "group",
    name: `group ${id}`,
    unread: 0,
    lastEventId: null,
    lastReadEventId: null,
    memberCount: 2,
    muted: false,
    mentions: 0,
    level: "all",
    directMemberId: null,
    topic: "",
    private: false,
    archived: false,
    creatorId: null,
    ...over,
  };
}

export function chat(id: string, channelId: string, over: Partial<EventView> = {}): EventView {
  return {
    id,
    channelId,
    kind: "chat",
    createdAt: "2026-11-25T10:00:00Z",
    member: bo,
    text: `message ${id}`,
    clientKey: null,
    mentions: [],
    editedAt: null,
    deleted: false,
    replyTo: null,
    reactions: [],
    threadRoot: null,
    thread: null,
    inThread: null,
    attachments: [],
    removedBy: null,
    ...over,
  };
}

export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    session: { member: me, serverUrl: "https://chat.example" },
    channels: [],
    connection: { state: "live", transport: "sse" },
    outbox: [],
    settings: defaultSettings,
    notice: null,
    openChannel: null,
    drafts: [],
    ...over,
  };
}

export function outbox(clientKey: string, channelId: string, over: Partial<OutboxItem> = {}) {
  return {
    clientKey,
    channelId,
    text: "hello",
    state: "pending",
    error: null,
    eventId: null,
    replyTo: null,
    threadRoot: null,
    attachments: [],
    ...over,
  } satisfies OutboxItem;
}

export const ev = (event: EventView): AppEvent => ({ type: "event", event });
