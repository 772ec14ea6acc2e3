/**
 * A fake Suda shell for the e2e tests, injected before the app loads. It
 * stands in for Tauri's IPC (`window.__TAURI_INTERNALS__`, as
 * `@tauri-apps/api/mocks` does it) and lets a test emit `AppEvent`s through
 * `window.__fake.emit(...)`. Configure it with `window.__FAKE_CONFIG__`.
 *
 * It is written against the bindings generated from crates/ipc: every
 * command of `Commands` must have a handler taking that command's arguments
 * and resolving to its result, so a changed command fails `npm run
 * typecheck` here. `helpers.ts` bundles it (with the event name it imports)
 * into the one classic script Playwright's `addInitScript` runs.
 */
import type { Commands } from "../src/bindings/commands";
import { EVENT } from "../src/bindings/events";
import type {
  AppError,
  AppEvent,
  AttachmentView,
  ChannelKind,
  ChannelView,
  ConnectionView,
  DeviceView,
  EventView,
  ListedGroupView,
  MemberView,
  OutboxItem,
  SessionView,
  Settings,
} from "../src/bindings/ipc";

/** How a test sets the fake up (as `window.__FAKE_CONFIG__`, before the app loads). */
export interface FakeConfig {
  signedIn?: boolean;
  settings?: Partial<Settings>;
  connection?: ConnectionView;
  /** Deliver a sent message after this many ms; `null` (the default): only when a test says. */
  autoDeliverMs?: number | null;
  /** Add a channel `c-big` with this many messages. */
  bigChannel?: number;
  bigUnread?: number;
  notice?: string;
  /** The first snapshot fails (the data folder cannot be read). */
  failSnapshot?: boolean;
  /** The shell refuses this many mark-reads (the window is not seen yet). */
  refuseMarkRead?: number;
  /** Drafts the shell kept from before, by channel id. */
  drafts?: Record<string, string>;
}

/** A command's Tauri name. */
export type CommandName = keyof Commands;

/** What the app passed to a command (`{ args }`, or nothing). */
export interface Payload<K extends CommandName = CommandName> {
  args: Commands[K]["args"];
}

/** What a test reaches as `window.__fake`. */
export interface FakeBackend {
  /** Every command the app invoked, in order, with what it passed. */
  calls: Array<{ cmd: string; args: Partial<Payload> }>;
  emit(event: AppEvent): void;
  deliver(item: OutboxItem): void;
  me: MemberView;
  people: Record<"bo" | "ada" | "yusuf" | "layla", MemberView>;
  newId(): string;
  autoDeliverMs: number | null;
  refuseMarkRead: number;
  snapshotFailed: boolean;
  /** A message from `member` arrives in `channelId` now. */
  message(channelId: string, member: MemberView, text: string): EventView;
  pending(): OutboxItem[];
}

/** Each command, as the fake answers it: its arguments in, its result out. */
type Handlers = {
  [K in CommandName]: (
    args: Commands[K]["args"],
    /** The body of a command that takes bytes. */
    bytes?: ArrayBuffer,
  ) => Commands[K]["returns"] | Promise<Commands[K]["returns"]>;
};

type Callback = (data: unknown) => unknown;

/** The parts of Tauri's injected globals that `@tauri-apps/api` uses. */
interface FakeWindow {
  __FAKE_CONFIG__?: FakeConfig;
  __fake: FakeBackend;
  __TAURI_INTERNALS__?: {
    transformCallback?: (callback?: Callback, once?: boolean) => number;
    unregisterCallback?: (id: number) => void;
    runCallback?: (id: number, data: unknown) => void;
    callbacks?: Map<number, Callback>;
    invoke?: (
      cmd: string,
      payload?: Record<string, unknown> | ArrayBuffer,
      options?: { headers?: Record<string, string> },
    ) => Promise<unknown>;
  };
  __TAURI_EVENT_PLUGIN_INTERNALS__?: {
    unregisterListener?: (event: string, id: number) => void;
  };
}

const w = window as unknown as FakeWindow;
const config: FakeConfig = w.__FAKE_CONFIG__ ?? {};
const now = Date.now();
const minute = 60 * 1000;
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

const me: MemberView = { id: "m-me", name: "Mina Park", profileImage: null };
const people: FakeBackend["people"] = {
  bo: { id: "m-bo", name: "Bo Kim", profileImage: null },
  ada: { id: "m-ada", name: "Ada Lovelace", profileImage: null },
  yusuf: { id: "m-yusuf", name: "Yusuf Demir", profileImage: null },
  layla: { id: "m-layla", name: "ليلى", profileImage: null },
};

let nextId = 100000;
const newId = () => String(++nextId);
const events: Record<string, EventView[]> = {}; // oldest first

function chat(
  channelId: string,
  member: MemberView,
  text: string,
  msAgo: number,
  over: Partial<EventView> = {},
): EventView {
  const e: EventView = {
    id: newId(),
    channelId,
    kind: "chat",
    createdAt: iso(msAgo),
    member,
    text,
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
  (events[channelId] ??= []).push(e);
  return e;
}

function seed(): void {
  const day = 24 * 60 * minute;
  chat("c-general", people.ada, "Morning all! The release notes draft is up.", day + 90 * minute);
  chat("c-general", people.bo, "Thanks, I'll read it after standup.", day + 80 * minute);
  (events["c-general"] ??= []).push({
    id: newId(),
    channelId: "c-general",
    kind: "join",
    createdAt: iso(day + 60 * minute),
    member: people.yusuf,
    text: null,
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
  });
  chat("c-general", people.yusuf, "Hi everyone 👋", day + 59 * minute);
  chat("c-general", me, "Welcome Yusuf!", 50 * minute);
  chat("c-general", me, "Lunch at 12:30?", 49 * minute);
  chat("c-general", people.bo, "Sounds good. 점심 좋아요!", 30 * minute);
  chat("c-general", people.layla, "مرحبا بالجميع، سأنضم إليكم", 20 * minute);
  chat(
    "c-general",
    people.ada,
    "Reminder: the design review moved to Thursday. Bring the updated mock-ups and the list of open questions.",
    10 * minute,
  );
  chat("c-design", people.bo, "New icons are in the shared folder.", 3 * 60 * minute);
  chat("c-design", people.ada, "Love the rounded corners.", 2 * 60 * minute);
  chat("c-bo", people.bo, "Got a minute for a quick call?", 15 * minute);
  chat("c-ada", people.ada, "Sent you the doc.", 5 * 60 * minute);
  if (config.bigChannel) {
    const n = config.bigChannel;
    for (let i = 0; i < n; i++) {
      const unreadFrom = n - (config.bigUnread || 0);
      const who =
        i >= unreadFrom ? people.bo : i % 3 === 0 ? people.bo : i % 3 === 1 ? people.ada : me;
      chat("c-big", who, `Message number ${i + 1} in a very long conversation`, (n - i) * minute);
    }
  }
}
seed();
// Ids follow time, as the server's do.
{
  const all = Object.values(events).flat();
  all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  all.forEach((e, i) => (e.id = String(100000 + i)));
  nextId = 100000 + all.length;
}

const last = (id: string) => events[id]?.at(-1)?.id ?? null;
function channelView(
  id: string,
  kind: ChannelKind,
  name: string,
  unread: number,
  memberCount: number,
): ChannelView {
  const list = events[id] ?? [];
  const readIdx = Math.max(0, list.length - unread);
  return {
    id,
    kind,
    name,
    unread,
    lastEventId: last(id),
    lastReadEventId: readIdx > 0 ? (list[readIdx - 1]?.id ?? null) : null,
    memberCount,
    muted: false,
    mentions: 0,
    level: "all",
    directMemberId: kind === "direct" ? `m-${name}` : null,
    topic: "",
    private: false,
    archived: false,
    creatorId: kind === "group" ? me.id : null,
  };
}
const directory: ListedGroupView[] = [
  { id: "c-design", name: "design", topic: "Pixels and fonts", memberCount: 3, joined: true },
  { id: "c-music", name: "music", topic: "What we listen to", memberCount: 12, joined: false },
];
let channels: ChannelView[] = [
  channelView("c-general", "group", "general", 2, 5),
  channelView("c-design", "group", "design", 0, 3),
  { ...channelView("c-random", "group", "random", 0, 4), muted: true },
  channelView("c-bo", "direct", "Bo Kim", 1, 2),
  channelView("c-ada", "direct", "Ada Lovelace", 0, 2),
];
if (config.bigChannel) {
  channels.push(channelView("c-big", "group", "big-history", config.bigUnread || 0, 3));
}

let blocked: MemberView[] = [];
let devices: DeviceView[] = [
  {
    id: "a1b2c3d4e5f60718",
    device: "Suda desktop/0.1.0 (linux)",
    address: "192.0.2.10",
    createdAt: "2026-11-30T09:00:00.000Z",
    lastSeenAt: "2026-12-01T08:59:00.000Z",
    current: true,
  },
  {
    id: "0f1e2d3c4b5a6978",
    device: "suda-cli/0.1.0 (linux)",
    address: "198.51.100.7",
    createdAt: "2026-11-20T18:30:00.000Z",
    lastSeenAt: "2026-11-28T21:15:00.000Z",
    current: false,
  },
];
let settings: Settings = {
  preview: "senderAndText",
  doNotDisturb: false,
  closeToTray: true,
  startAtLogin: false,
  theme: "system",
  language: null,
  mutedChannels: ["c-random"],
  lastServerUrl: "https://chat.example.com",
  recentEmoji: [],
  ...config.settings,
};
let session: SessionView | null = config.signedIn
  ? { member: me, serverUrl: "https://chat.example.com" }
  : null;
let connection: ConnectionView =
  config.connection ?? (session ? { state: "live", transport: "sse" } : { state: "signedOut" });
const outbox: Record<string, OutboxItem> = {};
const drafts: Record<string, string> = { ...config.drafts };

// --- Tauri internals, as @tauri-apps/api/mocks sets them up ---
const callbacks = new Map<number, Callback>();
const listeners = new Map<string, number[]>();
let nextCallback = 1;
const internals = (w.__TAURI_INTERNALS__ ??= {});
const eventInternals = (w.__TAURI_EVENT_PLUGIN_INTERNALS__ ??= {});
internals.transformCallback = (callback, once) => {
  const id = nextCallback++;
  callbacks.set(id, (data) => {
    if (once) callbacks.delete(id);
    return callback && callback(data);
  });
  return id;
};
internals.unregisterCallback = (id) => callbacks.delete(id);
internals.runCallback = (id, data) => callbacks.get(id)?.(data);
internals.callbacks = callbacks;
eventInternals.unregisterListener = (_event, id) => callbacks.delete(id);

const calls: FakeBackend["calls"] = [];
function emit(payload: AppEvent): void {
  for (const handler of listeners.get(EVENT) ?? []) {
    callbacks.get(handler)?.({ event: EVENT, id: handler, payload });
  }
}
const fail = (kind: AppError["kind"], message: string): Promise<never> =>
  Promise.reject({ kind, message } satisfies AppError);
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** A loaded message by id, with its channel's list. */
function find(messageId: string): EventView | undefined {
  return [...Object.values(events), ...Object.values(threads)]
    .flat()
    .find((e) => e.id === messageId);
}

function replyView(messageId: string | null | undefined): EventView["replyTo"] {
  const original = messageId ? find(messageId) : undefined;
  if (!original) return null;
  const line = (original.text ?? "").split("\n").find((l) => l.trim() !== "") ?? "";
  return {
    id: original.id,
    member: original.member,
    preview: original.deleted ? "" : line.trim().slice(0, 120),
    deleted: original.deleted,
  };
}

/** Replies in threads, by root, oldest first (not items of their channel). */
const threads: Record<string, EventView[]> = {};

/** Files "uploaded" (their bytes are not kept), by id. */
const uploaded: Record<string, AttachmentView> = {};

function deliver(item: OutboxItem): void {
  const root = item.threadRoot ? find(item.threadRoot) : undefined;
  const e = chat(item.channelId, me, item.text, 0, {
    clientKey: item.clientKey,
    attachments: item.attachments,
    replyTo: replyView(item.replyTo),
    threadRoot: root?.id ?? null,
  });
  e.createdAt = new Date().toISOString();
  if (root) {
    // A reply lives in its thread, not in the channel's history.
    events[item.channelId]?.pop();
    const replies = (threads[root.id] ??= []);
    replies.push(e);
    root.thread = {
      replyCount: replies.length,
      lastReplyAt: e.createdAt,
      following: true,
      unread: root.thread?.unread ?? 0,
    };
    e.inThread = { rootId: root.id, replyCount: replies.length, following: true };
  }
  const sent: OutboxItem = { ...item, state: "sent", eventId: e.id };
  delete outbox[item.clientKey];
  emit({ type: "outbox", item: sent });
  emit({ type: "event", event: e });
}

const handlers: Handlers = {
  snapshot: () => {
    if (config.failSnapshot && !fake.snapshotFailed) {
      fake.snapshotFailed = true;
      return fail("storage", "Suda could not read its data folder.");
    }
    return {
      session,
      channels: session ? channels : [],
      connection,
      outbox: Object.values(outbox),
      settings,
      notice: config.notice ?? null,
      openChannel: null,
      drafts: Object.entries(drafts).map(([channelId, text]) => ({ channelId, text })),
    };
  },
  sign_in: (args) => {
    if (args.password !== "secret") return fail("unauthenticated", "Wrong name or password.");
    const started = { member: { ...me, name: args.memberName }, serverUrl: args.serverUrl };
    session = started;
    settings = { ...settings, lastServerUrl: args.serverUrl };
    setTimeout(() => {
      connection = { state: "live", transport: "sse" };
      emit({ type: "connection", connection });
    }, 50);
    return started;
  },
  sign_up: (args) => handlers.sign_in(args),
  sign_out: () => {
    session = null;
    return null;
  },
  channels: () => channels,
  // A stand-in for the server's search, enough for the screens: words
  // matched at the start of words, ignoring case; `from:` kept; newest first.
  search_messages: (args) => {
    const tokens = args.query.split(/\s+/).filter((w) => w !== "");
    const from = tokens
      .find((w) => w.startsWith("from:"))
      ?.slice(5)
      .replace(/^@/, "");
    const words = tokens.filter((w) => !/^(from|in|before|after|on):/.test(w));
    if (words.length === 0) return fail("badInput", "The search has no words to look for.");
    const hits = [...Object.values(events), ...Object.values(threads)]
      .flat()
      .filter((e) => e.kind === "chat" && !e.deleted && (!from || e.member.name === from))
      .map((e) => {
        const chars = Array.from(e.text ?? "");
        const lower = chars.map((c) => c.toLowerCase());
        const highlights: { start: number; length: number }[] = [];
        for (const word of words.map((w) => Array.from(w.toLowerCase()))) {
          const at = lower.findIndex(
            (_, i) =>
              (i === 0 || !/[\p{L}\p{N}]/u.test(lower[i - 1]!)) &&
              word.every((c, j) => lower[i + j] === c),
          );
          if (at < 0) return null;
          highlights.push({ start: at, length: word.length });
        }
        highlights.sort((a, b) => a.start - b.start);
        return { message: clone(e), highlights };
      })
      .filter((h) => h !== null)
      .sort((a, b) => Number(b.message.id) - Number(a.message.id));
    return { hits, hasMore: false, nextCursor: null };
  },
  thread: (args) => {
    const root = find(args.rootId);
    if (!root) return fail("notFound", "There is no such message.");
    return {
      channelId: root.channelId,
      root,
      replies: threads[root.id] ?? [],
      hasMore: false,
      nextCursor: null,
    };
  },
  mark_thread_read: (args) => {
    const root = find(args.rootId);
    if (root?.thread && root.thread.unread > 0) {
      root.thread = { ...root.thread, unread: 0 };
      emit({
        type: "changed",
        change: { kind: "threadRead", channelId: args.channelId, rootId: root.id },
      });
    }
    return null;
  },
  history: (args) => {
    const list = events[args.channelId] ?? [];
    const end = args.before ? list.findIndex((e) => e.id === args.before) : list.length;
    const start = Math.max(0, end - 50);
    return {
      channelId: args.channelId,
      events: list.slice(start, end),
      hasMore: start > 0,
      nextCursor: start > 0 ? (list[start]?.id ?? null) : null,
    };
  },
  send: (args) => {
    const item: OutboxItem = {
      clientKey: `ck-${Math.random().toString(36).slice(2)}`,
      channelId: args.channelId,
      text: args.text,
      state: "pending",
      error: null,
      eventId: null,
      replyTo: args.replyTo ?? null,
      threadRoot: args.threadRoot ?? null,
      attachments: (args.attachmentIds ?? []).flatMap((id) => uploaded[id] ?? []),
    };
    outbox[item.clientKey] = item;
    const after = fake.autoDeliverMs;
    if (after !== null) setTimeout(() => deliver(item), after);
    return item;
  },
  retry_send: (args) => {
    const failed = outbox[args.clientKey];
    if (!failed) return fail("notFound", "That message is no longer in the outbox.");
    const item: OutboxItem = { ...failed, state: "pending", error: null };
    outbox[args.clientKey] = item;
    setTimeout(() => deliver(item), 100);
    return item;
  },
  discard_send: (args) => {
    delete outbox[args.clientKey];
    return null;
  },
  edit_message: (args) => {
    const e = find(args.messageId);
    if (!e || e.deleted) return fail("notFound", "That message was deleted.");
    if (e.member.id !== me.id) return fail("forbidden", "Only its sender may change a message.");
    e.text = args.text;
    e.editedAt = new Date().toISOString();
    const { channelId, editedAt } = e;
    emit({
      type: "changed",
      change: { kind: "edited", channelId, messageId: e.id, text: args.text, editedAt },
    });
    return null;
  },
  delete_message: (args) => {
    const e = find(args.messageId);
    if (!e) return fail("notFound", "There is no such message.");
    if (e.member.id !== me.id) return fail("forbidden", "Only its sender may delete a message.");
    Object.assign(e, { deleted: true, text: "", reactions: [] });
    const root = e.threadRoot ? find(e.threadRoot) : undefined;
    const left = root ? (threads[root.id] ?? []).filter((r) => !r.deleted).length : null;
    if (root?.thread && left !== null) root.thread = { ...root.thread, replyCount: left };
    emit({
      type: "changed",
      change: {
        kind: "deleted",
        channelId: e.channelId,
        messageId: e.id,
        threadRoot: root?.id ?? null,
        replyCount: left,
      },
    });
    return null;
  },
  react: (args) => {
    const e = find(args.messageId);
    if (!e || e.deleted) return fail("notFound", "That message was deleted.");
    const r = e.reactions.find((x) => x.emoji === args.emoji);
    const had = r?.mine ?? false;
    if (had === args.on) return null;
    const count = (r?.count ?? 0) + (args.on ? 1 : -1);
    e.reactions = e.reactions.filter((x) => x.emoji !== args.emoji);
    if (count > 0) e.reactions.push({ emoji: args.emoji, count, mine: args.on, members: [me] });
    if (args.on) {
      const recent = [args.emoji, ...settings.recentEmoji.filter((x) => x !== args.emoji)];
      settings = { ...settings, recentEmoji: recent.slice(0, 24) };
      emit({ type: "settings", settings });
    }
    emit({
      type: "changed",
      change: {
        kind: "reaction",
        channelId: e.channelId,
        messageId: e.id,
        emoji: args.emoji,
        member: me,
        on: args.on,
        count,
        byMe: true,
      },
    });
    return null;
  },
  mark_read: () => {
    if (fake.refuseMarkRead > 0) {
      fake.refuseMarkRead -= 1;
      return false;
    }
    return true;
  },
  set_notification_level: (args) => {
    const c = channels.find((x) => x.id === args.channelId);
    if (!c) return fail("notFound", `There is no channel ${args.channelId}.`);
    const changed = { ...c, level: args.level };
    channels = channels.map((x) => (x.id === c.id ? changed : x));
    return changed;
  },
  create_group: (args) => {
    const c = channelView(`c-${newId()}`, "group", args.name, 0, args.memberNames.length + 1);
    channels = [...channels, c];
    return c;
  },
  open_direct: (args) => {
    if (args.memberName === "nobody") return fail("notFound", "No member is called nobody.");
    const c = channelView(`c-${newId()}`, "direct", args.memberName, 0, 2);
    channels = [...channels, c];
    return c;
  },
  join: (args) => {
    const listed = directory.find((g) => g.id === args.channelId);
    if (!listed) return fail("notFound", `There is no channel ${args.channelId}.`);
    const c = channelView(listed.id, "group", listed.name, 0, listed.memberCount + 1);
    channels = [...channels, c];
    return c;
  },
  directory: (args) => {
    const q = args.query.toLowerCase();
    const groups = directory
      .filter((g) => g.name.toLowerCase().includes(q) || g.topic.toLowerCase().includes(q))
      .map((g) => ({ ...g, joined: channels.some((c) => c.id === g.id) }));
    return { groups: groups.slice(args.offset), hasMore: false };
  },
  update_group: (args) => {
    const c = channels.find((x) => x.id === args.channelId);
    if (!c) return fail("notFound", `There is no channel ${args.channelId}.`);
    const changed = {
      ...c,
      name: args.name ?? c.name,
      topic: args.topic ?? c.topic,
      archived: args.archived ?? c.archived,
    };
    channels = channels.map((x) => (x.id === c.id ? changed : x));
    return changed;
  },
  remove_member: () => null,
  leave: (args) => {
    channels = channels.filter((c) => c.id !== args.channelId);
    return null;
  },
  invite: (args) =>
    channels.find((c) => c.id === args.channelId) ??
    fail("notFound", `There is no channel ${args.channelId}.`),
  members: () => [me, people.bo, people.ada, people.yusuf, people.layla],
  settings: () => settings,
  set_settings: (args) => {
    settings = args;
    channels = channels.map((c) => ({ ...c, muted: args.mutedChannels.includes(c.id) }));
    return settings;
  },
  focus_channel: () => null,
  set_draft: (args) => {
    if (args.text.trim() === "") delete drafts[args.channelId];
    else drafts[args.channelId] = args.text;
    return null;
  },
  retry_now: () => null,
  devices: () => devices,
  block: (args) => {
    const who = Object.values(people).find((p) => p.id === args.memberId);
    if (who && !blocked.some((b) => b.id === who.id)) blocked = [...blocked, who];
    return null;
  },
  unblock: (args) => {
    blocked = blocked.filter((b) => b.id !== args.memberId);
    return null;
  },
  blocked: () => blocked,
  end_device: (args) => {
    devices = devices.filter((d) => d.id !== args.id);
    return null;
  },
  attachment_limits: () => ({ maxBytes: 25 * 1024 * 1024, perMessage: 10 }),
  // No system dialog here: nothing is chosen, nothing saved.
  choose_files: () => [],
  paste_files: () => [],
  upload_file: () => fail("badInput", "That file is no longer at hand; choose it again."),
  upload_bytes: (args, bytes) => {
    const id = newId();
    const size = bytes?.byteLength ?? 0;
    emit({ type: "uploadProgress", uploadId: args.uploadId, sent: size, total: size });
    const file: AttachmentView = {
      id,
      name: args.name,
      size,
      contentType: args.mediaType || "application/octet-stream",
      image: null,
      url: `suda-file://localhost/${id}`,
      thumbnailUrl: null,
      openable: true,
    };
    uploaded[id] = file;
    return file;
  },
  cancel_upload: () => null,
  set_typing: () => ({ shown: true, againInMs: 3000 }),
  presence: (args) => args.memberIds.map((memberId) => ({ memberId, presence: "online" as const })),
  set_away: () => null,
  save_attachment: () => false,
  open_attachment: () => null,
};

const isCommand = (cmd: string): cmd is CommandName => Object.hasOwn(handlers, cmd);

internals.invoke = async (cmd, payload, options) => {
  if (cmd === "plugin:event|listen") {
    const { event, handler } = payload as { event: string; handler: number };
    if (!listeners.has(event)) listeners.set(event, []);
    listeners.get(event)!.push(handler);
    return handler;
  }
  if (cmd === "plugin:event|unlisten") {
    const { event, eventId } = payload as { event: string; eventId: number };
    const list = listeners.get(event) ?? [];
    const i = list.indexOf(eventId);
    if (i >= 0) list.splice(i, 1);
    return null;
  }
  if (!isCommand(cmd)) return fail("internal", `The fake backend has no command ${cmd}.`);
  // Each handler takes its own command's arguments; `cmd` picked it.
  const handler = handlers[cmd] as (args: unknown, bytes?: ArrayBuffer) => unknown;
  if (payload instanceof ArrayBuffer) {
    // A command that takes bytes: its arguments are in a header.
    const header = options?.headers?.["suda-args"] ?? "{}";
    const args = JSON.parse(decodeURIComponent(header)) as Record<string, unknown>;
    calls.push({ cmd, args: { args } as Partial<Payload> });
    return clone(await handler(args, payload));
  }
  calls.push({ cmd, args: clone(payload ?? {}) });
  return clone(await handler(payload?.args));
};

const fake: FakeBackend = {
  calls,
  emit,
  deliver,
  me,
  people,
  newId,
  autoDeliverMs: config.autoDeliverMs === undefined ? null : config.autoDeliverMs,
  refuseMarkRead: config.refuseMarkRead || 0,
  snapshotFailed: false,
  message(channelId, member, text) {
    const e = chat(channelId, member, text, 0);
    e.createdAt = new Date().toISOString();
    emit({ type: "event", event: e });
    return e;
  },
  pending: () => Object.values(outbox),
};
w.__fake = fake;
