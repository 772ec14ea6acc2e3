// Generated from crates/ipc by `cargo test -p suda-ipc` with SUDA_WRITE_BINDINGS=1.
// Do not edit by hand.

import { invoke } from "@tauri-apps/api/core";
import type { AttachmentArgs, AttachmentLimitsView, AttachmentView, AwayArgs, ChannelArgs, ChannelView, ChosenFileView, CreateGroupArgs, DeviceArgs, DeviceView, DirectoryArgs, DirectoryView, DraftView, EditArgs, FocusArgs, HistoryArgs, HistoryPage, InviteArgs, LevelArgs, MarkReadArgs, MemberArgs, MemberIdArgs, MemberPresenceView, MemberView, MessageArgs, OutboxArgs, OutboxItem, PresenceArgs, ReactArgs, RemoveMemberArgs, SearchArgs, SearchPageView, SendArgs, SessionView, Settings, SignInArgs, Snapshot, ThreadArgs, ThreadPageView, ThreadReadArgs, TypingArgs, TypingView, UpdateGroupArgs, UploadArgs, UploadBytesArgs, UploadFileArgs } from "./ipc";

/** Every command of the desktop shell, typed. Rejects with an `AppError`. */
export const commands = {
  snapshot: () => invoke<Snapshot>("snapshot"),
  signIn: (args: SignInArgs) => invoke<SessionView>("sign_in", { args }),
  signUp: (args: SignInArgs) => invoke<SessionView>("sign_up", { args }),
  signOut: () => invoke<void>("sign_out"),
  channels: () => invoke<Array<ChannelView>>("channels"),
  history: (args: HistoryArgs) => invoke<HistoryPage>("history", { args }),
  thread: (args: ThreadArgs) => invoke<ThreadPageView>("thread", { args }),
  markThreadRead: (args: ThreadReadArgs) => invoke<void>("mark_thread_read", { args }),
  searchMessages: (args: SearchArgs) => invoke<SearchPageView>("search_messages", { args }),
  send: (args: SendArgs) => invoke<OutboxItem>("send", { args }),
  retrySend: (args: OutboxArgs) => invoke<OutboxItem>("retry_send", { args }),
  discardSend: (args: OutboxArgs) => invoke<void>("discard_send", { args }),
  editMessage: (args: EditArgs) => invoke<void>("edit_message", { args }),
  deleteMessage: (args: MessageArgs) => invoke<void>("delete_message", { args }),
  react: (args: ReactArgs) => invoke<void>("react", { args }),
  markRead: (args: MarkReadArgs) => invoke<boolean>("mark_read", { args }),
  setNotificationLevel: (args: LevelArgs) => invoke<ChannelView>("set_notification_level", { args }),
  createGroup: (args: CreateGroupArgs) => invoke<ChannelView>("create_group", { args }),
  openDirect: (args: MemberArgs) => invoke<ChannelView>("open_direct", { args }),
  join: (args: ChannelArgs) => invoke<ChannelView>("join", { args }),
  leave: (args: ChannelArgs) => invoke<void>("leave", { args }),
  invite: (args: InviteArgs) => invoke<ChannelView>("invite", { args }),
  directory: (args: DirectoryArgs) => invoke<DirectoryView>("directory", { args }),
  updateGroup: (args: UpdateGroupArgs) => invoke<ChannelView>("update_group", { args }),
  removeMember: (args: RemoveMemberArgs) => invoke<void>("remove_member", { args }),
  members: (args: ChannelArgs) => invoke<Array<MemberView>>("members", { args }),
  settings: () => invoke<Settings>("settings"),
  setSettings: (args: Settings) => invoke<Settings>("set_settings", { args }),
  focusChannel: (args: FocusArgs) => invoke<void>("focus_channel", { args }),
  setDraft: (args: DraftView) => invoke<void>("set_draft", { args }),
  retryNow: () => invoke<void>("retry_now"),
  devices: () => invoke<Array<DeviceView>>("devices"),
  endDevice: (args: DeviceArgs) => invoke<void>("end_device", { args }),
  block: (args: MemberIdArgs) => invoke<void>("block", { args }),
  unblock: (args: MemberIdArgs) => invoke<void>("unblock", { args }),
  blocked: () => invoke<Array<MemberView>>("blocked"),
  attachmentLimits: () => invoke<AttachmentLimitsView>("attachment_limits"),
  chooseFiles: () => invoke<Array<ChosenFileView>>("choose_files"),
  pasteFiles: () => invoke<Array<ChosenFileView>>("paste_files"),
  uploadFile: (args: UploadFileArgs) => invoke<AttachmentView>("upload_file", { args }),
  uploadBytes: (args: UploadBytesArgs, bytes: ArrayBuffer) =>
    invoke<AttachmentView>("upload_bytes", bytes, {
      headers: { "suda-args": encodeURIComponent(JSON.stringify(args)) },
    }),
  cancelUpload: (args: UploadArgs) => invoke<void>("cancel_upload", { args }),
  saveAttachment: (args: AttachmentArgs) => invoke<boolean>("save_attachment", { args }),
  setTyping: (args: TypingArgs) => invoke<TypingView>("set_typing", { args }),
  presence: (args: PresenceArgs) => invoke<Array<MemberPresenceView>>("presence", { args }),
  setAway: (args: AwayArgs) => invoke<void>("set_away", { args }),
  openAttachment: (args: AttachmentArgs) => invoke<void>("open_attachment", { args }),
};

/**
 * Every command by its Tauri name: the `args` it takes (`undefined`: none) and
 * what it resolves to (`null` for nothing), for stand-ins of the shell. A
 * command with `bytes` takes them as its body, and its `args` in the
 * `suda-args` header.
 */
export type Commands = {
  snapshot: { args: undefined; returns: Snapshot };
  sign_in: { args: SignInArgs; returns: SessionView };
  sign_up: { args: SignInArgs; returns: SessionView };
  sign_out: { args: undefined; returns: null };
  channels: { args: undefined; returns: Array<ChannelView> };
  history: { args: HistoryArgs; returns: HistoryPage };
  thread: { args: ThreadArgs; returns: ThreadPageView };
  mark_thread_read: { args: ThreadReadArgs; returns: null };
  search_messages: { args: SearchArgs; returns: SearchPageView };
  send: { args: SendArgs; returns: OutboxItem };
  retry_send: { args: OutboxArgs; returns: OutboxItem };
  discard_send: { args: OutboxArgs; returns: null };
  edit_message: { args: EditArgs; returns: null };
  delete_message: { args: MessageArgs; returns: null };
  react: { args: ReactArgs; returns: null };
  mark_read: { args: MarkReadArgs; returns: boolean };
  set_notification_level: { args: LevelArgs; returns: ChannelView };
  create_group: { args: CreateGroupArgs; returns: ChannelView };
  open_direct: { args: MemberArgs; returns: ChannelView };
  join: { args: ChannelArgs; returns: ChannelView };
  leave: { args: ChannelArgs; returns: null };
  invite: { args: InviteArgs; returns: ChannelView };
  directory: { args: DirectoryArgs; returns: DirectoryView };
  update_group: { args: UpdateGroupArgs; returns: ChannelView };
  remove_member: { args: RemoveMemberArgs; returns: null };
  members: { args: ChannelArgs; returns: Array<MemberView> };
  settings: { args: undefined; returns: Settings };
  set_settings: { args: Settings; returns: Settings };
  focus_channel: { args: FocusArgs; returns: null };
  set_draft: { args: DraftView; returns: null };
  retry_now: { args: undefined; returns: null };
  devices: { args: undefined; returns: Array<DeviceView> };
  end_device: { args: DeviceArgs; returns: null };
  block: { args: MemberIdArgs; returns: null };
  unblock: { args: MemberIdArgs; returns: null };
  blocked: { args: undefined; returns: Array<MemberView> };
  attachment_limits: { args: undefined; returns: AttachmentLimitsView };
  choose_files: { args: undefined; returns: Array<ChosenFileView> };
  paste_files: { args: undefined; returns: Array<ChosenFileView> };
  upload_file: { args: UploadFileArgs; returns: AttachmentView };
  upload_bytes: { args: UploadBytesArgs; returns: AttachmentView; bytes: true };
  cancel_upload: { args: UploadArgs; returns: null };
  save_attachment: { args: AttachmentArgs; returns: boolean };
  set_typing: { args: TypingArgs; returns: TypingView };
  presence: { args: PresenceArgs; returns: Array<MemberPresenceView> };
  set_away: { args: AwayArgs; returns: null };
  open_attachment: { args: AttachmentArgs; returns: null };
};
