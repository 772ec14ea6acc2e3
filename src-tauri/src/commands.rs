//! The commands the UI invokes: each a few lines into the shell or the
//! client session (ids parsed, the answer turned into the IPC's types).
//! Their names, arguments and results are declared in `suda-ipc` (and
//! generated for TypeScript from there).

use suda_ipc::*;
use suda_protocol::{ChannelId, EventId, MemberId};
use tauri::State;

use crate::{
    shell::{Shell, ShellResult},
    view,
};

fn bad_id(what: &str, given: &str) -> AppError {
    view::app_error(
        ErrorKind::BadInput,
        format!("“{given}” is not a valid {what} id."),
    )
}

fn channel_id(given: &str) -> ShellResult<ChannelId> {
    given.parse().map_err(|_| bad_id("channel", given))
}

fn message_id(given: &str) -> ShellResult<EventId> {
    given.parse().map_err(|_| bad_id("message", given))
}

fn member_id(given: &str) -> ShellResult<MemberId> {
    given.parse().map_err(|_| bad_id("member", given))
}

fn client<T>(r: suda_client::ClientResult<T>) -> ShellResult<T> {
    r.map_err(|e| view::error(&e))
}

/// One channel as the UI shows it.
fn channel_view(shell: &Shell, channel: suda_client::Channel) -> ChannelView {
    shell.channel_views(&[channel]).remove(0)
}

#[tauri::command]
pub async fn snapshot(shell: State<'_, Shell>) -> ShellResult<Snapshot> {
    Ok(shell.snapshot().await)
}

#[tauri::command]
pub async fn sign_in(args: SignInArgs, shell: State<'_, Shell>) -> ShellResult<SessionView> {
    shell.sign_in(args, false).await
}

#[tauri::command]
pub async fn sign_up(args: SignInArgs, shell: State<'_, Shell>) -> ShellResult<SessionView> {
    shell.sign_in(args, true).await
}

#[tauri::command]
pub async fn sign_out(shell: State<'_, Shell>) -> ShellResult<()> {
    shell.sign_out().await
}

#[tauri::command]
pub async fn channels(shell: State<'_, Shell>) -> ShellResult<Vec<ChannelView>> {
    let list = client(shell.active()?.channels().await)?;
    Ok(shell.channel_views(&list))
}

#[tauri::command]
pub async fn history(args: HistoryArgs, shell: State<'_, Shell>) -> ShellResult<HistoryPage> {
    let session = shell.active()?;
    let channel = channel_id(&args.channel_id)?;
    shell.conversation_loaded(channel);
    let page = match args.around.as_deref() {
        Some(id) => session.history_around(channel, message_id(id)?, 50).await,
        None => session.history(channel, args.before, 50).await,
    };
    let page = client(page)?;
    Ok(HistoryPage {
        channel_id: args.channel_id,
        // The server sends newest first; the UI shows oldest first.
        events: page.events.iter().rev().map(view::item).collect(),
        has_more: page.has_more,
        next_cursor: page.next_cursor,
    })
}

#[tauri::command]
pub async fn send(args: SendArgs, shell: State<'_, Shell>) -> ShellResult<OutboxItem> {
    let session = shell.active()?;
    let channel = channel_id(&args.channel_id)?;
    let reply_to = args.reply_to.as_deref().map(message_id).transpose()?;
    let thread_root = args.thread_root.as_deref().map(message_id).transpose()?;
    if !args.attachment_ids.is_empty() {
        let files = shell.ready_attachments(&args.attachment_ids)?;
        let at = suda_client::outbox::Placement {
            reply_to,
            thread_root,
        };
        let entry = client(
            session
                .send_with_files(channel, &args.text, at, files.clone())
                .await,
        )?;
        shell.attachments_sent(&files);
        return Ok(view::outbox(&entry));
    }
    let entry = match thread_root {
        Some(root) => {
            session
                .send_in_thread(channel, root, &args.text, reply_to)
                .await
        }
        None => session.send_reply(channel, &args.text, reply_to).await,
    };
    Ok(view::outbox(&client(entry)?))
}

/// A page of a thread, oldest first.
#[tauri::command]
pub async fn thread(args: ThreadArgs, shell: State<'_, Shell>) -> ShellResult<ThreadPageView> {
    let session = shell.active()?;
    let root = message_id(&args.root_id)?;
    let page = client(session.thread(root, args.before, 50).await)?;
    shell.conversation_loaded(page.root.event.chat_channel_id);
    Ok(view::thread(&page))
}

/// The member's messages that match what they typed in the search box,
/// newest first, a page at a time.
#[tauri::command]
pub async fn search_messages(
    args: SearchArgs,
    shell: State<'_, Shell>,
) -> ShellResult<SearchPageView> {
    let session = shell.active()?;
    let within = args.channel_id.as_deref().map(channel_id).transpose()?;
    let page = client(session.search(&args.query, within, args.before, 20).await)?;
    Ok(view::search(&page))
}

/// Marks a thread read, while the member can see the window (as
/// `mark_read`).
#[tauri::command]
pub async fn mark_thread_read(args: ThreadReadArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active()?;
    let channel = channel_id(&args.channel_id)?;
    let root = message_id(&args.root_id)?;
    if shell.window_seen() {
        client(session.mark_thread_read(channel, root).await)?;
    }
    Ok(())
}

#[tauri::command]
pub async fn edit_message(args: EditArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active()?;
    client(
        session
            .edit(message_id(&args.message_id)?, &args.text)
            .await,
    )
}

#[tauri::command]
pub async fn delete_message(args: MessageArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active()?;
    client(session.delete(message_id(&args.message_id)?).await)
}

/// Adds or takes back a reaction; an emoji added goes first in the
/// picker's recent list.
#[tauri::command]
pub async fn react(args: ReactArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active()?;
    let message = message_id(&args.message_id)?;
    client(session.react(message, &args.emoji, args.on).await)?;
    if args.on {
        shell.used_emoji(&args.emoji);
    }
    Ok(())
}

#[tauri::command]
pub async fn retry_send(args: OutboxArgs, shell: State<'_, Shell>) -> ShellResult<OutboxItem> {
    let sent = client(shell.active()?.resend(&args.client_key).await)?;
    Ok(view::outbox(&sent))
}

#[tauri::command]
pub async fn discard_send(args: OutboxArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    client(shell.active()?.dismiss(&args.client_key))
}

/// Marks a channel read; `false` (nothing marked) while the member cannot
/// see the window, so the UI keeps counting it as unread and asks again: a
/// channel "read" behind a minimised or unfocused window was not read.
#[tauri::command]
pub async fn mark_read(args: MarkReadArgs, shell: State<'_, Shell>) -> ShellResult<bool> {
    let session = shell.active()?;
    let channel = channel_id(&args.channel_id)?;
    let up_to = match args.up_to.as_deref() {
        None => None,
        Some(id) => Some(message_id(id)?),
    };
    if !shell.window_seen() {
        return Ok(false);
    }
    client(session.mark_read(channel, up_to).await)?;
    Ok(true)
}

#[tauri::command]
pub async fn set_notification_level(
    args: LevelArgs,
    shell: State<'_, Shell>,
) -> ShellResult<ChannelView> {
    let session = shell.active()?;
    let level = match args.level {
        NotificationLevel::All => suda_protocol::NotificationLevel::All,
        NotificationLevel::Mentions => suda_protocol::NotificationLevel::Mentions,
        NotificationLevel::Nothing => suda_protocol::NotificationLevel::Nothing,
    };
    let channel = session.set_notification_level(channel_id(&args.channel_id)?, level);
    Ok(channel_view(&shell, client(channel.await)?))
}

#[tauri::command]
pub async fn create_group(
    args: CreateGroupArgs,
    shell: State<'_, Shell>,
) -> ShellResult<ChannelView> {
    let session = shell.active()?;
    let channel =
        session.create_group_with_names(&args.name, &args.member_names, &args.topic, args.private);
    Ok(channel_view(&shell, client(channel.await)?))
}

/// How many groups a page of the directory holds.
const DIRECTORY_PAGE: u32 = 50;

#[tauri::command]
pub async fn directory(args: DirectoryArgs, shell: State<'_, Shell>) -> ShellResult<DirectoryView> {
    let session = shell.active()?;
    let page = session.directory(args.query.trim(), DIRECTORY_PAGE, args.offset);
    Ok(view::directory(&client(page.await)?))
}

#[tauri::command]
pub async fn update_group(
    args: UpdateGroupArgs,
    shell: State<'_, Shell>,
) -> ShellResult<ChannelView> {
    let session = shell.active()?;
    let change = suda_client::GroupChange {
        name: args.name,
        topic: args.topic,
        archived: args.archived,
    };
    let channel = session.update_group(channel_id(&args.channel_id)?, change);
    Ok(channel_view(&shell, client(channel.await)?))
}

#[tauri::command]
pub async fn remove_member(args: RemoveMemberArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active()?;
    let member: MemberId = args
        .member_id
        .parse()
        .map_err(|_| bad_id("member", &args.member_id))?;
    client(
        session
            .remove_member(channel_id(&args.channel_id)?, member)
            .await,
    )
}

#[tauri::command]
pub async fn open_direct(args: MemberArgs, shell: State<'_, Shell>) -> ShellResult<ChannelView> {
    let channel = client(shell.active()?.open_direct_by_name(&args.member_name).await)?;
    Ok(channel_view(&shell, channel))
}

#[tauri::command]
pub async fn join(args: ChannelArgs, shell: State<'_, Shell>) -> ShellResult<ChannelView> {
    let session = shell.active()?;
    let channel = client(session.join(channel_id(args.channel_id.trim())?).await)?;
    Ok(channel_view(&shell, channel))
}

#[tauri::command]
pub async fn leave(args: ChannelArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active()?;
    let channel = channel_id(&args.channel_id)?;
    client(session.leave(channel).await)?;
    shell.conversation_dropped(channel);
    Ok(())
}

#[tauri::command]
pub async fn invite(args: InviteArgs, shell: State<'_, Shell>) -> ShellResult<ChannelView> {
    let session = shell.active()?;
    let channel = channel_id(&args.channel_id)?;
    let invited = client(session.invite_by_name(channel, &args.member_name).await)?;
    Ok(channel_view(&shell, invited))
}

#[tauri::command]
pub async fn members(args: ChannelArgs, shell: State<'_, Shell>) -> ShellResult<Vec<MemberView>> {
    let session = shell.active()?;
    let list = client(session.members(channel_id(&args.channel_id)?).await)?;
    Ok(list.iter().map(view::member).collect())
}

#[tauri::command]
pub async fn settings(shell: State<'_, Shell>) -> ShellResult<Settings> {
    Ok(shell.settings())
}

#[tauri::command]
pub async fn set_settings(args: Settings, shell: State<'_, Shell>) -> ShellResult<Settings> {
    shell.set_settings(args)
}

/// Keeps what the member is typing in a conversation (blank forgets it).
#[tauri::command]
pub async fn set_draft(args: DraftView, shell: State<'_, Shell>) -> ShellResult<()> {
    channel_id(&args.channel_id)?;
    shell.set_draft(&args.channel_id, &args.text)
}

#[tauri::command]
pub async fn focus_channel(args: FocusArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active()?;
    let channel = args.channel_id.as_deref().map(channel_id).transpose()?;
    session.set_in_view(channel);
    let thread = args.thread_root.as_deref().map(message_id).transpose()?;
    session.set_thread_in_view(thread.filter(|_| channel.is_some()));
    Ok(())
}

#[tauri::command]
pub async fn retry_now(shell: State<'_, Shell>) -> ShellResult<()> {
    shell.active()?.retry_now();
    Ok(())
}

#[tauri::command]
pub async fn devices(shell: State<'_, Shell>) -> ShellResult<Vec<DeviceView>> {
    let list = client(shell.active()?.sessions().await)?;
    Ok(list.iter().map(view::device).collect())
}

#[tauri::command]
pub async fn end_device(args: DeviceArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    client(shell.active()?.end_session(&args.id).await)
}

#[tauri::command]
pub async fn block(args: MemberIdArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active()?;
    client(session.block(member_id(&args.member_id)?).await)
}

#[tauri::command]
pub async fn unblock(args: MemberIdArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active()?;
    client(session.unblock(member_id(&args.member_id)?).await)
}

#[tauri::command]
pub async fn blocked(shell: State<'_, Shell>) -> ShellResult<Vec<MemberView>> {
    let list = client(shell.active()?.blocked().await)?;
    Ok(list.iter().map(view::member).collect())
}

/// The member types in a conversation (or a thread of it), or stopped.
#[tauri::command]
pub async fn set_typing(args: TypingArgs, shell: State<'_, Shell>) -> ShellResult<TypingView> {
    let session = shell.active()?;
    let channel = channel_id(&args.channel_id)?;
    let root = args.thread_root.as_deref().map(message_id).transpose()?;
    let shown = client(session.set_typing(channel, root, args.typing).await)?;
    Ok(TypingView {
        shown,
        again_in_ms: suda_protocol::TYPING_EVERY_MS as u32,
    })
}

/// The presence of these members (who shares no channel with the member
/// reads as offline).
#[tauri::command]
pub async fn presence(
    args: PresenceArgs,
    shell: State<'_, Shell>,
) -> ShellResult<Vec<MemberPresenceView>> {
    let session = shell.active()?;
    let ids = args
        .member_ids
        .iter()
        .map(|id| member_id(id))
        .collect::<ShellResult<Vec<_>>>()?;
    let known = client(session.presence(&ids).await)?;
    Ok(known
        .into_iter()
        .map(|(id, p)| MemberPresenceView {
            member_id: id.to_string(),
            presence: view::presence(p),
        })
        .collect())
}

/// The member is away (idle, the window hidden a while), or back.
#[tauri::command]
pub async fn set_away(args: AwayArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    client(shell.active()?.set_away(args.away).await)
}

/// What the server takes of uploads (the composer checks a file against it
/// before sending any of it).
#[tauri::command]
pub async fn attachment_limits(shell: State<'_, Shell>) -> ShellResult<AttachmentLimitsView> {
    shell.attachment_limits().await
}

/// Files to attach, chosen in the system's dialog (none: cancelled).
#[tauri::command]
pub async fn choose_files(shell: State<'_, Shell>) -> ShellResult<Vec<ChosenFileView>> {
    shell.choose_files().await
}

/// The files or picture on the system's clipboard, as chosen files (none:
/// it holds neither). For where a paste event shows the page neither.
#[tauri::command]
pub async fn paste_files(shell: State<'_, Shell>) -> ShellResult<Vec<ChosenFileView>> {
    shell.paste_files().await
}

/// Uploads a chosen file; resolves once it is whole on the server, ready
/// for a message to carry.
#[tauri::command]
pub async fn upload_file(
    args: UploadFileArgs,
    shell: State<'_, Shell>,
) -> ShellResult<AttachmentView> {
    shell.upload_file(args).await
}

/// Uploads a pasted or dropped file: its bytes are the request's body, its
/// arguments the `suda-args` header (as `suda_ipc::ARGS_HEADER` says).
#[tauri::command]
pub async fn upload_bytes(
    request: tauri::ipc::Request<'_>,
    shell: State<'_, Shell>,
) -> ShellResult<AttachmentView> {
    let bad = |why: &str| view::app_error(ErrorKind::BadInput, format!("upload_bytes: {why}"));
    let header = request
        .headers()
        .get(ARGS_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| bad("its arguments are missing"))?;
    let json =
        percent_decode(header).ok_or_else(|| bad("its arguments are not percent-encoded UTF-8"))?;
    let args: UploadBytesArgs =
        serde_json::from_str(&json).map_err(|e| bad(&format!("its arguments do not read: {e}")))?;
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(bad("the file's bytes are to be the body"));
    };
    shell.upload_bytes(args, bytes.clone()).await
}

/// Stops an upload under way (its `upload_*` then fails as cancelled).
#[tauri::command]
pub fn cancel_upload(args: UploadArgs, shell: State<'_, Shell>) {
    shell.cancel_upload(&args.upload_id);
}

/// Saves an attachment where the member picks, in the system's dialog;
/// `false` when they cancelled.
#[tauri::command]
pub async fn save_attachment(args: AttachmentArgs, shell: State<'_, Shell>) -> ShellResult<bool> {
    shell.save_attachment(args).await
}

/// Opens an attachment with the system's application for its type.
#[tauri::command]
pub async fn open_attachment(args: AttachmentArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    shell.open_attachment(args).await
}

/// `%XX` escapes (what `encodeURIComponent` writes) read back; `None` when
/// they are broken or the bytes are not UTF-8.
fn percent_decode(given: &str) -> Option<String> {
    let bytes = given.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = given.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_in_a_header_read_back_as_encode_uri_component_wrote_them() {
        assert_eq!(
            percent_decode("%7B%22name%22%3A%22%EC%82%AC%EC%A7%84.png%22%7D").as_deref(),
            Some(r#"{"name":"사진.png"}"#)
        );
        assert_eq!(
            percent_decode("plain-text_1.png").as_deref(),
            Some("plain-text_1.png")
        );
        for broken in ["%", "%4", "%zz", "%FF%FE"] {
            assert_eq!(percent_decode(broken), None, "{broken}");
        }
    }
}
