// Generated from crates/ipc by `cargo test -p suda-ipc` with SUDA_WRITE_BINDINGS=1.
// Do not edit by hand.

export type MemberView = { id: string, name: string, profileImage: string | null, };

export type ChannelKind = "direct" | "group";

export type NotificationLevel = "all" | "mentions" | "nothing";

export type ChannelView = { id: string, kind: ChannelKind, 
/**
 * The group's name, or the other member's name.
 */
name: string, 
/**
 * Messages from others after the member's read marker.
 */
unread: number, 
/**
 * The newest event's id (sort by it for latest activity).
 */
lastEventId: string | null, 
/**
 * The member's read marker.
 */
lastReadEventId: string | null, memberCount: number, 
/**
 * Muted in this app's settings before levels were kept by the server
 * (such mutes become the level `nothing` at the next start).
 */
muted: boolean, 
/**
 * Of the unread messages, those that mention the member.
 */
mentions: number, 
/**
 * What of it notifies the member (theirs, kept by the server).
 */
level: NotificationLevel, 
/**
 * Of a direct message, the other member's id (for their presence).
 */
directMemberId: string | null, 
/**
 * What the group is about (render as text; "" for none).
 */
topic: string, 
/**
 * Neither in the directory nor joinable: only invites bring people in.
 */
private: boolean, 
/**
 * Read, never written: no composer.
 */
archived: boolean, 
/**
 * Who created the group: they remove members and archive it.
 */
creatorId: string | null, };

export type EventKind = "chat" | "join" | "leave";

export type EventView = { id: string, channelId: string, kind: EventKind, 
/**
 * RFC 3339, UTC.
 */
createdAt: string, 
/**
 * The sender, or who joined or left.
 */
member: MemberView, 
/**
 * The message text (always render as text); `null` for join and leave.
 */
text: string | null, 
/**
 * The idempotency key the sender used, if any.
 */
clientKey: string | null, 
/**
 * The members the message mentions, by id.
 */
mentions: Array<string>, 
/**
 * When the sender last edited the message (RFC 3339); `null` if never.
 */
editedAt: string | null, 
/**
 * The sender deleted it: show "message deleted" (`text` is `""`).
 */
deleted: boolean, 
/**
 * The message this one replies to, as it was when loaded.
 */
replyTo: ReplyView | null, 
/**
 * Its reactions, most reacted first.
 */
reactions: Array<ReactionView>, 
/**
 * Of a reply in a thread, the thread's root.
 */
threadRoot: string | null, 
/**
 * Of a root that was replied to, its thread (from history).
 */
thread: ThreadView | null, 
/**
 * Of a reply in a thread that just arrived, the thread right after it.
 */
inThread: InThreadView | null, 
/**
 * The files it carries, in order; empty once deleted.
 */
attachments: Array<AttachmentView>, 
/**
 * Of a leave, the group's creator who removed the member.
 */
removedBy: MemberView | null, };

export type AttachmentView = { id: string, 
/**
 * Its name as the sender's file had it (render as text).
 */
name: string, 
/**
 * Bytes.
 */
size: number, 
/**
 * Its type as the sender declared it.
 */
contentType: string, 
/**
 * For an image shown inline, its size as shown; `null` for any other
 * file (a card with its name, size and type).
 */
image: ImageSizeView | null, 
/**
 * The file's bytes, for the web view.
 */
url: string, 
/**
 * An image's thumbnail; `null` for other files.
 */
thumbnailUrl: string | null, 
/**
 * Whether the app offers to open it with the system (documents,
 * pictures, sound, video); anything else is only saved.
 */
openable: boolean, };

export type ImageSizeView = { width: number, height: number, };

export type ReplyView = { id: string, member: MemberView, 
/**
 * Its first line, cut short; `""` once deleted.
 */
preview: string, deleted: boolean, };

export type ReactionView = { emoji: string, count: number, 
/**
 * The signed-in member is one of those who reacted.
 */
mine: boolean, 
/**
 * The first few who reacted (`count` says how many in all).
 */
members: Array<MemberView>, };

export type ThreadView = { replyCount: number, 
/**
 * When the newest reply was sent (RFC 3339).
 */
lastReplyAt: string, 
/**
 * The member follows it: its replies count as unread and notify.
 */
following: boolean, 
/**
 * Replies from others the member has not read.
 */
unread: number, };

export type InThreadView = { rootId: string, 
/**
 * Its replies right after this one.
 */
replyCount: number, 
/**
 * The member follows the thread (the reply is theirs to read).
 */
following: boolean, };

export type ThreadPageView = { channelId: string, 
/**
 * The root as it is now, with its thread.
 */
root: EventView, replies: Array<EventView>, 
/**
 * Older replies exist: ask again with `before: nextCursor`.
 */
hasMore: boolean, nextCursor: string | null, };

export type SearchArgs = { query: string, 
/**
 * Only this channel (an `in:` in the query wins); `null`: all of the
 * member's.
 */
channelId: string | null, 
/**
 * `null` for the newest results; else a `nextCursor`.
 */
before: string | null, };

export type TextRangeView = { start: number, length: number, };

export type SearchHitView = { message: EventView, 
/**
 * Where the search's words are in its text, in order.
 */
highlights: Array<TextRangeView>, };

export type SearchPageView = { hits: Array<SearchHitView>, 
/**
 * Older results exist: ask again with `before: nextCursor`.
 */
hasMore: boolean, nextCursor: string | null, };

export type ChangeView = { "kind": "edited", channelId: string, messageId: string, text: string, editedAt: string, } | { "kind": "deleted", channelId: string, messageId: string, 
/**
 * Of a reply in a thread, the thread's root and its replies left.
 */
threadRoot: string | null, replyCount: number | null, } | { "kind": "threadRead", channelId: string, rootId: string, } | { "kind": "reaction", channelId: string, messageId: string, emoji: string, member: MemberView, on: boolean, count: number, 
/**
 * `member` is the signed-in member (on this device or another).
 */
byMe: boolean, };

export type HistoryPage = { channelId: string, events: Array<EventView>, 
/**
 * Older events exist: ask again with `before: nextCursor`.
 */
hasMore: boolean, nextCursor: string | null, };

export type OutboxState = "pending" | "sent" | "failed";

export type OutboxItem = { clientKey: string, channelId: string, text: string, state: OutboxState, 
/**
 * Why it failed, in words.
 */
error: string | null, 
/**
 * The event id once sent.
 */
eventId: string | null, 
/**
 * The message it replies to, if it is a reply.
 */
replyTo: string | null, 
/**
 * The root of the thread it is posted in, if any.
 */
threadRoot: string | null, 
/**
 * The files it carries, in order.
 */
attachments: Array<AttachmentView>, };

export type ConnectionView = { "state": "connecting" } | { "state": "live", transport: string, } | { "state": "reconnecting", inSecs: number, attempt: number, } | { "state": "signedOut" } | { "state": "signInAgain" };

export type SessionView = { member: MemberView, serverUrl: string, };

export type PreviewPrivacy = "senderAndText" | "senderOnly" | "nothing";

export type Theme = "system" | "light" | "dark";

export type Settings = { preview: PreviewPrivacy, doNotDisturb: boolean, closeToTray: boolean, startAtLogin: boolean, theme: Theme, 
/**
 * `"en"`, `"ko"`, or `null` to follow the OS.
 */
language: string | null, mutedChannels: Array<string>, 
/**
 * The server URL last signed in to, to prefill the sign-in screen.
 */
lastServerUrl: string | null, 
/**
 * The emoji last reacted with, newest first (the picker shows them first).
 */
recentEmoji: Array<string>, };

export type ErrorKind = "unauthenticated" | "forbidden" | "notFound" | "badInput" | "rateLimited" | "conflict" | "unreachable" | "notASudaServer" | "storage" | "cancelled" | "internal";

export type AppError = { kind: ErrorKind, message: string, };

export type SignInArgs = { serverUrl: string, memberName: string, password: string, };

export type HistoryArgs = { channelId: string, 
/**
 * A `nextCursor` from the previous page; `null` for the newest page.
 */
before: string | null, 
/**
 * Instead of `before`: the page around this message (to jump to it).
 */
around: string | null, };

export type SendArgs = { channelId: string, text: string, 
/**
 * The message of the same channel this one replies to.
 */
replyTo: string | null, 
/**
 * The root of the thread it is a reply in (`null`: the channel itself).
 */
threadRoot: string | null, 
/**
 * Files uploaded for it (`upload_file`, `upload_bytes`), in order;
 * with any, the text may be empty.
 */
attachmentIds: Array<string>, };

export type EditArgs = { messageId: string, text: string, };

export type MessageArgs = { messageId: string, };

export type ReactArgs = { messageId: string, emoji: string, on: boolean, };

export type ChannelArgs = { channelId: string, };

export type LevelArgs = { channelId: string, level: NotificationLevel, };

export type MarkReadArgs = { channelId: string, upTo: string | null, };

export type CreateGroupArgs = { name: string, memberNames: Array<string>, 
/**
 * What it is about ("" for nothing yet).
 */
topic: string, 
/**
 * Neither listed nor joinable: only invites bring people in.
 */
private: boolean, };

export type MemberArgs = { memberName: string, };

export type DeviceView = { 
/**
 * Its id, to end it.
 */
id: string, 
/**
 * What the client called itself when it signed in.
 */
device: string | null, 
/**
 * The address it signed in from.
 */
address: string | null, 
/**
 * When it signed in (RFC 3339).
 */
createdAt: string, 
/**
 * When it was last used, to the minute (RFC 3339).
 */
lastSeenAt: string | null, 
/**
 * Whether it is this app.
 */
current: boolean, };

export type DeviceArgs = { id: string, };

export type MemberIdArgs = { memberId: string, };

export type InviteArgs = { channelId: string, memberName: string, };

export type OutboxArgs = { clientKey: string, };

export type DraftView = { channelId: string, text: string, };

export type FocusArgs = { 
/**
 * `null` when no conversation is open.
 */
channelId: string | null, 
/**
 * The thread open beside it, by its root (`null`: none).
 */
threadRoot: string | null, };

export type ThreadArgs = { rootId: string, 
/**
 * `null` for the newest replies.
 */
before: string | null, };

export type ThreadReadArgs = { channelId: string, rootId: string, };

export type ChosenFileView = { 
/**
 * The shell's name for it (not its path), good until the app quits.
 */
fileId: string, 
/**
 * Its name, without directories (render as text).
 */
name: string, 
/**
 * Bytes.
 */
size: number, };

export type AttachmentLimitsView = { 
/**
 * The largest file, in bytes.
 */
maxBytes: number, 
/**
 * The most files one message carries.
 */
perMessage: number, };

export type UploadFileArgs = { uploadId: string, fileId: string, };

export type UploadBytesArgs = { uploadId: string, 
/**
 * The file's name (a pasted image has none: the UI names it).
 */
name: string, 
/**
 * Its media type as the web view knows it (empty: from the name).
 */
mediaType: string, };

export type UploadArgs = { uploadId: string, };

export type AttachmentArgs = { attachmentId: string, 
/**
 * Its name, as the message shows it: what the file is called on disk.
 */
name: string, };

export type DirectoryArgs = { 
/**
 * Kept to groups whose name or topic holds it ("" for all).
 */
query: string, 
/**
 * How many of the list to skip (a multiple of the page the shell gives).
 */
offset: number, };

export type ListedGroupView = { id: string, 
/**
 * Render as text.
 */
name: string, 
/**
 * Render as text; "" for none.
 */
topic: string, memberCount: number, 
/**
 * Whether the member is in it (open it rather than join).
 */
joined: boolean, };

export type DirectoryView = { groups: Array<ListedGroupView>, 
/**
 * Ask again with `offset` moved on by `groups.length` for more.
 */
hasMore: boolean, };

export type UpdateGroupArgs = { channelId: string, name: string | null, 
/**
 * "" clears it.
 */
topic: string | null, 
/**
 * Only the creator archives or brings back.
 */
archived: boolean | null, };

export type RemoveMemberArgs = { channelId: string, memberId: string, };

export type TypingArgs = { channelId: string, 
/**
 * The thread they type a reply in (`null`: the channel itself).
 */
threadRoot: string | null, 
/**
 * `false`: they stopped (sent it, or emptied the box).
 */
typing: boolean, };

export type TypingView = { 
/**
 * `false` in a channel too large for typing to show: no use telling
 * it again there.
 */
shown: boolean, 
/**
 * While typing goes on, tell it again after this long.
 */
againInMs: number, };

export type PresenceView = "online" | "away" | "offline";

export type MemberPresenceView = { memberId: string, presence: PresenceView, };

export type PresenceArgs = { memberIds: Array<string>, };

export type AwayArgs = { away: boolean, };

export type Snapshot = { session: SessionView | null, channels: Array<ChannelView>, connection: ConnectionView, outbox: Array<OutboxItem>, settings: Settings, 
/**
 * A notice for the member (e.g. a corrupt settings file was set aside).
 */
notice: string | null, 
/**
 * The conversation the UI had open, when a reload (the web view's
 * process ended and was started again) should open it again.
 */
openChannel: string | null, 
/**
 * What the member was typing in each conversation (kept by the shell
 * across reloads, restarts and updates).
 */
drafts: Array<DraftView>, };

export type AppEvent = { "type": "event", event: EventView, } | { "type": "events", events: Array<EventView>, } | { "type": "changed", change: ChangeView, } | { "type": "channels", channels: Array<ChannelView>, } | { "type": "connection", connection: ConnectionView, } | { "type": "outbox", item: OutboxItem, } | { "type": "resynced" } | { "type": "session", session: SessionView | null, } | { "type": "settings", settings: Settings, } | { "type": "openChannel", channelId: string, } | { "type": "notice", message: string, } | { "type": "typing", channelId: string, threadRoot: string | null, member: MemberView, typing: boolean, forMs: number, } | { "type": "presence", memberId: string, presence: PresenceView, } | { "type": "uploadProgress", uploadId: string, sent: number, total: number, };
