//! The commands the UI invokes: each a thin call into the shell or the
//! client session. Their names, arguments and results are declared in
//! `suda-ipc` (and generated for TypeScript from there).

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

fn member_id(given: &str) -> ShellResult<MemberId> {
    given.parse().map_err(|_| bad_id("member", given))
}

fn client<T>(r: suda_client::ClientResult<T>) -> ShellResult<T> {
    r.map_err(|e| view::error(&e))
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
    let session = shell.active().await?;
    let list = client(session.channels().await)?;
    Ok(view::channels(&list, &shell.settings().muted_channels))
}

#[tauri::command]
pub async fn history(args: HistoryArgs, shell: State<'_, Shell>) -> ShellResult<HistoryPage> {
    let session = shell.active().await?;
    let channel = channel_id(&args.channel_id)?;
    shell.conversation_loaded(channel);
    let page = client(session.history(channel, args.before, 50).await)?;
    Ok(HistoryPage {
        channel_id: args.channel_id,
        // The server sends newest first; the UI shows oldest first.
        events: page.events.iter().rev().map(view::event).collect(),
        has_more: page.has_more,
        next_cursor: page.next_cursor,
    })
}

#[tauri::command]
pub async fn send(args: SendArgs, shell: State<'_, Shell>) -> ShellResult<OutboxItem> {
    let session = shell.active().await?;
    let channel = channel_id(&args.channel_id)?;
    let entry = client(session.send(channel, &args.text).await)?;
    Ok(view::outbox(&entry))
}

#[tauri::command]
pub async fn retry_send(args: OutboxArgs, shell: State<'_, Shell>) -> ShellResult<OutboxItem> {
    let session = shell.active().await?;
    let entry = session
        .snapshot()
        .outbox
        .into_iter()
        .find(|e| e.key == args.client_key)
        .ok_or_else(|| {
            view::app_error(
                ErrorKind::NotFound,
                "That message is no longer waiting to be sent.",
            )
        })?;
    // A failed send was refused for good under its key: send the text anew.
    client(session.dismiss(&entry.key))?;
    let sent = client(session.send(entry.channel, &entry.text).await)?;
    Ok(view::outbox(&sent))
}

#[tauri::command]
pub async fn discard_send(args: OutboxArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active().await?;
    client(session.dismiss(&args.client_key))
}

/// Marks a channel read, but only while the member can see the window: a
/// channel "read" behind a minimised or unfocused window was not read.
#[tauri::command]
/// Marks a channel read; `false` (nothing marked) while the member cannot
/// see the window, so the UI keeps counting it as unread and asks again.
pub async fn mark_read(args: MarkReadArgs, shell: State<'_, Shell>) -> ShellResult<bool> {
    let session = shell.active().await?;
    let channel = channel_id(&args.channel_id)?;
    let up_to = match args.up_to.as_deref() {
        None => None,
        Some(id) => Some(id.parse::<EventId>().map_err(|_| bad_id("event", id))?),
    };
    if !shell.window_seen() {
        return Ok(false);
    }
    client(session.mark_read(channel, up_to).await)?;
    Ok(true)
}

async fn member_named(session: &suda_client::Session, name: &str) -> ShellResult<MemberId> {
    Ok(client(session.find_member(name.trim()).await)?.id)
}

#[tauri::command]
pub async fn create_group(
    args: CreateGroupArgs,
    shell: State<'_, Shell>,
) -> ShellResult<ChannelView> {
    let session = shell.active().await?;
    let mut members = Vec::new();
    for name in args.member_names.iter().filter(|n| !n.trim().is_empty()) {
        members.push(member_named(&session, name).await?);
    }
    let channel = client(session.create_group(&args.name, &members).await)?;
    Ok(view::channels(&[channel], &shell.settings().muted_channels).remove(0))
}

#[tauri::command]
pub async fn open_direct(args: MemberArgs, shell: State<'_, Shell>) -> ShellResult<ChannelView> {
    let session = shell.active().await?;
    let member = member_named(&session, &args.member_name).await?;
    let channel = client(session.open_direct(member).await)?;
    Ok(view::channels(&[channel], &shell.settings().muted_channels).remove(0))
}

#[tauri::command]
pub async fn join(args: ChannelArgs, shell: State<'_, Shell>) -> ShellResult<ChannelView> {
    let session = shell.active().await?;
    let channel = client(session.join(channel_id(args.channel_id.trim())?).await)?;
    Ok(view::channels(&[channel], &shell.settings().muted_channels).remove(0))
}

#[tauri::command]
pub async fn leave(args: ChannelArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active().await?;
    let channel = channel_id(&args.channel_id)?;
    client(session.leave(channel).await)?;
    shell.conversation_dropped(channel);
    Ok(())
}

#[tauri::command]
pub async fn invite(args: InviteArgs, shell: State<'_, Shell>) -> ShellResult<ChannelView> {
    let session = shell.active().await?;
    let channel = channel_id(&args.channel_id)?;
    let member = member_named(&session, &args.member_name).await?;
    client(session.invite(channel, member).await)?;
    let list = client(session.channels().await)?;
    view::channels(&list, &shell.settings().muted_channels)
        .into_iter()
        .find(|c| c.id == args.channel_id)
        .ok_or_else(|| view::app_error(ErrorKind::NotFound, "That channel is gone."))
}

#[tauri::command]
pub async fn members(args: ChannelArgs, shell: State<'_, Shell>) -> ShellResult<Vec<MemberView>> {
    let session = shell.active().await?;
    let list = client(session.members(channel_id(&args.channel_id)?).await)?;
    Ok(list.iter().map(view::member).collect())
}

#[tauri::command]
pub async fn settings(shell: State<'_, Shell>) -> ShellResult<Settings> {
    Ok(shell.settings())
}

#[tauri::command]
pub async fn set_settings(args: Settings, shell: State<'_, Shell>) -> ShellResult<Settings> {
    shell.set_settings(args).await
}

#[tauri::command]
pub async fn focus_channel(args: FocusArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active().await?;
    let channel = match args.channel_id.as_deref() {
        None => None,
        Some(id) => Some(channel_id(id)?),
    };
    session.set_in_view(channel);
    Ok(())
}

#[tauri::command]
pub async fn retry_now(shell: State<'_, Shell>) -> ShellResult<()> {
    shell.active().await?.retry_now();
    Ok(())
}

#[tauri::command]
pub async fn devices(shell: State<'_, Shell>) -> ShellResult<Vec<DeviceView>> {
    let session = shell.active().await?;
    let list = client(session.sessions().await)?;
    Ok(list.iter().map(view::device).collect())
}

#[tauri::command]
pub async fn end_device(args: DeviceArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active().await?;
    client(session.end_session(&args.id).await)
}

#[tauri::command]
pub async fn block(args: MemberIdArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active().await?;
    client(session.block(member_id(&args.member_id)?).await)
}

#[tauri::command]
pub async fn unblock(args: MemberIdArgs, shell: State<'_, Shell>) -> ShellResult<()> {
    let session = shell.active().await?;
    client(session.unblock(member_id(&args.member_id)?).await)
}

#[tauri::command]
pub async fn blocked(shell: State<'_, Shell>) -> ShellResult<Vec<MemberView>> {
    let session = shell.active().await?;
    let list = client(session.blocked().await)?;
    Ok(list.iter().map(view::member).collect())
}
