//! One function per command, each a few calls into the session.
//!
//! Errors are turned into sentences that say what to do next (start the
//! server, sign in again, list channels) in one place, [`explain`].

use std::{
    io::{BufRead, Write},
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context, Result};
use suda_client::{
    attachments::{Part, Upload},
    credentials::CredentialMode,
    normalize_server_url,
    outbox::{OutboxEntry, OutboxState, Placement},
    ClientError, ClientEvent, ConnectionState, OfflineReason, Session, SessionOptions,
};
use suda_protocol::{AttachmentId, ChannelId, ErrorCode, EventId, NotificationLevel};

use crate::{
    config::{Kept, DEFAULT_SERVER},
    show, Cli, Command,
};

/// Turns a client error into advice.
pub(crate) fn explain(err: ClientError, server: &str) -> anyhow::Error {
    match &err {
        ClientError::Unreachable { .. } => anyhow!(
            "{err}\n  is the server running? point suda at it with --server or SUDA_SERVER (now {server})"
        ),
        e if e.needs_sign_in() => {
            anyhow!("{err}\n  your sign-in is missing or no longer valid: run `suda login NAME`")
        }
        _ => anyhow!(err),
    }
}

fn password(given: Option<String>) -> Result<String> {
    if let Some(p) = given {
        return Ok(p);
    }
    eprint!("password: ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Finds a channel by id or (case-insensitive) name among the member's.
pub(crate) async fn channel(session: &Session, server: &str, given: &str) -> Result<ChannelId> {
    if let Ok(id) = given.parse::<ChannelId>() {
        return Ok(id);
    }
    let channels = session.channels().await.map_err(|e| explain(e, server))?;
    let wanted = given.trim_start_matches('#');
    channels
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(wanted))
        .map(|c| c.id)
        .ok_or_else(|| anyhow!("unknown channel {given:?}: `suda channels` lists yours"))
}

/// A message id as given on the command line.
fn message_id(given: &str) -> Result<EventId> {
    given
        .parse()
        .map_err(|_| anyhow!("{given:?} is not a message id: `suda history CHANNEL` shows them"))
}

/// What the server says of a message the member named, in words.
fn about_message(
    e: ClientError,
    given: &str,
    fail: impl Fn(ClientError) -> anyhow::Error,
) -> anyhow::Error {
    match e.code() {
        Some(ErrorCode::NotFound) => anyhow!("there is no message {given} (or it was deleted)"),
        Some(ErrorCode::Forbidden) => {
            anyhow!("message {given} is not yours: only its sender may change it")
        }
        _ => fail(e),
    }
}

/// How long `suda send` and `suda reply` keep trying a message the server
/// did not take at once (it was out of reach, or the member's send budget
/// was spent: 10 a second, 30 at once). The CLI's outbox ends with the
/// process, so giving up early would drop the message.
const SEND_PATIENCE: Duration = Duration::from_secs(20);

/// Tries a waiting send again, sooner first, until it is sent, refused or
/// [`SEND_PATIENCE`] runs out; answers it as it is then.
async fn settle(session: &Session, mut entry: OutboxEntry) -> OutboxEntry {
    let deadline = Instant::now() + SEND_PATIENCE;
    let mut wait = Duration::from_millis(100);
    while entry.state == OutboxState::Pending && Instant::now() + wait < deadline {
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
        session.flush_outbox().await;
        match session
            .snapshot()
            .outbox
            .into_iter()
            .find(|e| e.key == entry.key)
        {
            Some(now) => entry = now,
            None => break,
        }
    }
    entry
}

/// The name to save a file as: its own, found in the history it was sent
/// in, without anything that would make it a path.
async fn file_name_of(session: &Session, server: &str, id: AttachmentId) -> Result<String> {
    let fail = |e: ClientError| explain(e, server);
    let channels = session.channels().await.map_err(fail)?;
    for c in channels {
        let mut before = None;
        // The newest pages of each channel: a file from long ago needs -o.
        for _ in 0..5 {
            let page = session
                .history(c.id, before.clone(), 200)
                .await
                .map_err(fail)?;
            for item in &page.events {
                if let Some(a) = item.event.attachments.iter().find(|a| a.id == id) {
                    return Ok(safe_file_name(&a.name));
                }
            }
            match page.next_cursor {
                Some(next) => before = Some(next),
                None => break,
            }
        }
    }
    bail!("file {id} is not among your channels' recent messages; say where to save it with -o")
}

/// A sender's file name made safe to create here: no directories, no
/// hidden file, nothing a shell or a file system treats specially.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "download".into()
    } else {
        cleaned
    }
}

/// Says how a send went: sent, or why not.
fn sent(entry: &OutboxEntry, server: &str, json: bool) -> Result<()> {
    match &entry.state {
        OutboxState::Sent { event_id } => {
            if json {
                return print_json(entry);
            }
            eprintln!("sent (event {event_id})");
            Ok(())
        }
        OutboxState::Pending => bail!(
            "not sent: the server at {server} did not take it within {} s (it could not be \
             reached, or you sent faster than it accepts); try again",
            SEND_PATIENCE.as_secs()
        ),
        OutboxState::Failed { reason } => bail!("not sent: {reason}"),
    }
}

pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// Runs one command; `credentials` says whether `suda login` may use the
/// OS keychain.
pub async fn run(cli: Cli, credentials: CredentialMode) -> Result<()> {
    let kept = Kept::open(credentials)?;
    let file = kept.config()?;
    let server = cli
        .server
        .clone()
        .or_else(|| file.server.clone())
        .unwrap_or_else(|| DEFAULT_SERVER.to_owned());
    let server = normalize_server_url(&server)?;
    let mut options = SessionOptions::new(server.clone());
    options.device = format!(
        "suda-cli/{} ({})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    );
    options.token = cli
        .token
        .clone()
        .or_else(|| file.token.clone())
        .or_else(|| kept.token(&server));
    // A token given on the command line is the caller's to keep; one kept
    // by `suda login` is renewed and kept again here.
    let renews = cli.token.is_none() && options.token.is_some();
    let session = Session::new(options).map_err(|e| explain(e, &server))?;
    let fail = |e: ClientError| explain(e, &server);

    let signup = matches!(cli.command, Command::Signup { .. });
    let signing = matches!(
        cli.command,
        Command::Signup { .. } | Command::Login { .. } | Command::Logout
    );
    if renews && !signing {
        // Renewed before its lifetime is half gone, so a member who uses
        // suda now and then never has to sign in again; a failure here is
        // the command's to report.
        if let Ok(Some(token)) = session.renew_if_due().await {
            kept.keep(&server, &token)?;
        }
    }
    match cli.command {
        Command::Signup { name, password: p } | Command::Login { name, password: p } => {
            let p = password(p)?;
            let me = if signup {
                session.sign_up(&name, &p).await
            } else {
                session.sign_in(&name, &p).await
            }
            .map_err(fail)?;
            let token = session.token().unwrap_or_default();
            let in_keychain = kept.keep(&server, &token)?;
            eprintln!("signed in as {} (id {})", me.member_name, me.id);
            if !in_keychain {
                eprintln!(
                    "no OS keychain is available: the token is kept in {} (readable only by you)",
                    kept.path().display()
                );
            }
        }
        Command::Logout => {
            session.sign_out().await.map_err(fail)?;
            kept.forget(&server, file.server)?;
            eprintln!("signed out");
        }
        Command::Channels => {
            let channels = session.channels().await.map_err(fail)?;
            if cli.json {
                return print_json(&channels);
            }
            for c in channels {
                println!("{}", show::channel(&c));
            }
        }
        Command::History {
            channel: given,
            limit,
        } => {
            let id = channel(&session, &server, &given).await?;
            let page = session.history(id, None, limit).await.map_err(fail)?;
            if cli.json {
                return print_json(&page);
            }
            for item in page.events.iter().rev() {
                println!("{}", show::history(item));
            }
        }
        Command::Send {
            channel: given,
            text,
        } => {
            let id = channel(&session, &server, &given).await?;
            let entry = session.send(id, &text).await.map_err(fail)?;
            sent(&settle(&session, entry).await, &server, cli.json)?;
        }
        Command::Upload {
            channel: given,
            files,
            message,
        } => {
            let id = channel(&session, &server, &given).await?;
            let limits = session.attachment_limits().await.map_err(fail)?;
            if files.len() > limits.per_message {
                bail!(
                    "a message carries at most {} files on this server; {} were given",
                    limits.per_message,
                    files.len()
                );
            }
            let mut carried = Vec::with_capacity(files.len());
            for path in &files {
                let upload = match Upload::read(path, limits.max_bytes).await {
                    Err(e @ ClientError::Api { .. }) => return Err(explain(e, &server)),
                    read => read.with_context(|| format!("cannot read {}", path.display()))?,
                };
                let name = upload.name.clone();
                let shown = name.clone();
                let progress = move |sent: u64, total: u64| {
                    eprint!("\ruploading {shown}: {}%", sent * 100 / total.max(1));
                };
                let attachment = session.upload(upload, progress).await;
                eprintln!();
                let attachment =
                    attachment.map_err(|e| anyhow!("{name}: {}", explain(e, &server)))?;
                carried.push(attachment);
            }
            let entry = session
                .send_with_files(id, &message, Placement::default(), carried)
                .await
                .map_err(fail)?;
            sent(&settle(&session, entry).await, &server, cli.json)?;
        }
        Command::Download {
            id,
            output,
            thumbnail,
        } => {
            let id: AttachmentId = id.parse().map_err(|_| {
                anyhow!("download takes a file's id (from `suda history`), not {id:?}")
            })?;
            let part = if thumbnail {
                Part::Thumbnail
            } else {
                Part::File
            };
            let dest = match output {
                Some(path) => path,
                None => std::path::PathBuf::from(file_name_of(&session, &server, id).await?),
            };
            let written = session.download(id, part, &dest).await.map_err(fail)?;
            eprintln!("saved {} ({written} bytes)", dest.display());
        }
        Command::Create {
            name,
            members,
            topic,
            private,
        } => {
            let c = session
                .create_group_with_names(&name, &members, &topic, private)
                .await
                .map_err(fail)?;
            if cli.json {
                return print_json(&c);
            }
            println!("{}", c.id);
        }
        command @ (Command::Directory { .. }
        | Command::Topic { .. }
        | Command::Rename { .. }
        | Command::Archive { .. }
        | Command::Remove { .. }) => {
            crate::groups::run(&session, &server, cli.json, command).await?;
        }
        Command::Join { channel: given } => {
            let id: ChannelId = given
                .parse()
                .map_err(|_| anyhow!("join takes a channel id, not {given:?}"))?;
            let c = session.join(id).await.map_err(|e| match e.code() {
                Some(ErrorCode::NotFound) => anyhow!("unknown channel {given:?}"),
                _ => fail(e),
            })?;
            eprintln!("joined {} ({})", c.name, c.id);
        }
        Command::Leave { channel: given } => {
            let id = channel(&session, &server, &given).await?;
            session.leave(id).await.map_err(fail)?;
            eprintln!("left {given}");
        }
        Command::Reply {
            message: given,
            text,
        } => {
            let id = message_id(&given)?;
            let entry = session
                .reply(id, &text)
                .await
                .map_err(|e| about_message(e, &given, fail))?;
            sent(&settle(&session, entry).await, &server, cli.json)?;
        }
        Command::Search {
            query,
            limit,
            before,
        } => {
            let input = show::search_input(&query);
            let page = session
                .search(&input, None, before, limit)
                .await
                .map_err(fail)?;
            if cli.json {
                return print_json(&page);
            }
            let channels = session.channels().await.map_err(fail)?;
            let bold = std::io::IsTerminal::is_terminal(&std::io::stdout());
            for hit in &page.hits {
                println!("{}", show::search_hit(hit, &channels, bold));
            }
            if page.hits.is_empty() {
                println!("nothing found");
            }
            if let (true, Some(cursor)) = (page.has_more, &page.next_cursor) {
                println!("next page: --before {cursor}");
            }
        }
        Command::Thread {
            message: given,
            text,
            limit,
        } => {
            let id = message_id(&given)?;
            let about = |e| about_message(e, &given, fail);
            // A reply names its thread's root; a root is its own.
            let named = session.message(id).await.map_err(about)?;
            let root = named.thread_root.unwrap_or(id);
            let channel = named.event.chat_channel_id;
            if let Some(text) = text {
                let entry = session
                    .send_in_thread(channel, root, &text, None)
                    .await
                    .map_err(about)?;
                return sent(&settle(&session, entry).await, &server, cli.json);
            }
            let page = session.thread(root, None, limit).await.map_err(about)?;
            session
                .mark_thread_read(channel, root)
                .await
                .map_err(fail)?;
            if cli.json {
                return print_json(&page);
            }
            println!("{}", show::history(&page.root));
            if page.has_more {
                println!("        (older replies not shown: --limit N shows more)");
            }
            for reply in page.replies.iter().rev() {
                println!("  {}", show::history(reply));
            }
        }
        Command::Edit {
            message: given,
            text,
        } => {
            let id = message_id(&given)?;
            session
                .edit(id, &text)
                .await
                .map_err(|e| about_message(e, &given, fail))?;
            eprintln!("edited message {id}");
        }
        Command::Delete { message: given } => {
            let id = message_id(&given)?;
            session
                .delete(id)
                .await
                .map_err(|e| about_message(e, &given, fail))?;
            eprintln!("deleted message {id}");
        }
        Command::React {
            message: given,
            emoji,
            off,
        } => {
            let id = message_id(&given)?;
            let count = session
                .react(id, &emoji, !off)
                .await
                .map_err(|e| about_message(e, &given, fail))?;
            if cli.json {
                return print_json(&serde_json::json!({ "emoji": emoji, "count": count }));
            }
            println!("{emoji} {count}");
        }
        Command::Notify {
            channel: given,
            level,
        } => {
            let level = NotificationLevel::parse(&level)
                .ok_or_else(|| anyhow!("{level:?} is not a level: say all, mentions or nothing"))?;
            let id = channel(&session, &server, &given).await?;
            let c = session
                .set_notification_level(id, level)
                .await
                .map_err(fail)?;
            if cli.json {
                return print_json(&c);
            }
            eprintln!("{}: {}", c.name, show::level(c.notify_level));
        }
        Command::Read { channel: given } => {
            let id = channel(&session, &server, &given).await?;
            session.mark_read(id, None).await.map_err(fail)?;
        }
        Command::Tail => tail(&session, &server, cli.json, renews.then_some(&kept)).await?,
        Command::Sessions => {
            let sessions = session.sessions().await.map_err(fail)?;
            if cli.json {
                return print_json(&sessions);
            }
            for s in sessions {
                let this = if s.current { "  (this one)" } else { "" };
                println!(
                    "{}  {}  from {}  signed in {}  last seen {}  expires {}{this}",
                    s.id,
                    s.device.as_deref().unwrap_or("unknown device"),
                    s.address.as_deref().unwrap_or("?"),
                    s.created_at,
                    s.last_seen_at.as_deref().unwrap_or("never"),
                    s.expires_at,
                );
            }
        }
        Command::EndSession { id } => {
            session.end_session(&id).await.map_err(|e| match e.code() {
                Some(ErrorCode::NotFound) => {
                    anyhow!("you have no session {id:?}: `suda sessions` lists yours")
                }
                _ => fail(e),
            })?;
            eprintln!("ended session {id}");
        }
        Command::Block { name } => {
            let member = session.find_member(&name).await.map_err(fail)?;
            session.block(member.id).await.map_err(fail)?;
            eprintln!(
                "blocked {}: they can no longer add, invite or message you",
                member.member_name
            );
        }
        Command::Unblock { name } => {
            let member = session.find_member(&name).await.map_err(fail)?;
            session.unblock(member.id).await.map_err(fail)?;
            eprintln!("unblocked {}", member.member_name);
        }
        Command::Blocked => {
            let blocked = session.blocked().await.map_err(fail)?;
            if cli.json {
                return print_json(&blocked);
            }
            for m in blocked {
                println!("{:>6}  {}", m.id, m.member_name);
            }
        }
    }
    Ok(())
}

/// Prints the member's events until Ctrl-C or a refused token; a renewed
/// token is kept in `renewed_into`, if given.
async fn tail(
    session: &Session,
    server: &str,
    json: bool,
    renewed_into: Option<&Kept>,
) -> Result<()> {
    session.resume().await.map_err(|e| explain(e, server))?;
    let mut events = session.events();
    session.start();
    let mut names = std::collections::HashMap::new();
    loop {
        let event = tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            event = events.recv() => match event {
                Ok(event) => event,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("(skipped {n} events: the terminal fell behind)");
                    continue;
                }
                Err(_) => return Ok(()),
            },
        };
        if json {
            print_json(&event)?;
        }
        match event {
            ClientEvent::ChannelsChanged(channels) => {
                names = channels.into_iter().map(|c| (c.id, c.name)).collect();
            }
            ClientEvent::Changed(change) if !json => {
                let channel = change.channel();
                let place = names
                    .get(&channel)
                    .cloned()
                    .unwrap_or_else(|| channel.to_string());
                if let Some(line) = show::change(&change, &place) {
                    println!("{line}");
                }
            }
            ClientEvent::Message(m) if !json => {
                let channel = names
                    .get(&m.chat_channel_id)
                    .cloned()
                    .unwrap_or_else(|| m.chat_channel_id.to_string());
                println!("[{channel}] {}", show::event(&m));
            }
            ClientEvent::Connection(ConnectionState::Offline {
                reason: OfflineReason::SignInAgain,
            }) => bail!("the server refused the token: run `suda login NAME`"),
            ClientEvent::Connection(state) if !json => eprintln!("({})", show::connection(&state)),
            ClientEvent::TokenRenewed => {
                if let (Some(kept), Some(token)) = (renewed_into, session.token()) {
                    kept.keep(server, &token)?;
                }
            }
            _ => {}
        }
    }
}
