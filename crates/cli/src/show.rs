//! What the terminal shows: events, history and changes in words, never in
//! Rust's debug formatting.

use suda_client::{
    search::{SearchHit, TextRange},
    Change, Channel, ChannelKind, ConnectionState, HistoryItem, OfflineReason, Reaction,
    ThreadSummary, TransportKind,
};
use suda_protocol::{ChatEvent, EventType, MessagePreview, NotificationLevel};

/// A channel's kind in words.
pub fn kind(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Direct => "direct",
        ChannelKind::Group => "group",
    }
}

/// A notification level in words.
pub fn level(level: NotificationLevel) -> &'static str {
    match level {
        NotificationLevel::All => "every message notifies",
        NotificationLevel::Mentions => "only mentions of you notify",
        NotificationLevel::Nothing => "nothing notifies",
    }
}

/// A line of `suda channels`: id, kind, name, what is unread, and the
/// notification level when it is not every message.
pub fn channel(c: &Channel) -> String {
    let mut line = format!("{:>6}  {:<6}  {}", c.id, kind(c.kind), c.name);
    if c.unread > 0 {
        line.push_str(&format!("  ({} unread", c.unread));
        match c.mentions {
            0 => {}
            1 => line.push_str(", 1 mention"),
            n => line.push_str(&format!(", {n} mentions")),
        }
        line.push(')');
    }
    match c.notify_level {
        NotificationLevel::All => {}
        NotificationLevel::Mentions => line.push_str("  [mentions only]"),
        NotificationLevel::Nothing => line.push_str("  [muted]"),
    }
    line
}

/// A connection state in words.
pub fn connection(state: &ConnectionState) -> String {
    match state {
        ConnectionState::Connecting => "connecting...".into(),
        ConnectionState::Live { transport } => {
            let over = match transport {
                TransportKind::Sse => "server-sent events",
                TransportKind::WebSocket => "WebSocket",
                TransportKind::LongPoll => "long polling",
            };
            format!("live (over {over})")
        }
        ConnectionState::Reconnecting { in_secs } => {
            format!("connection lost; trying again in {in_secs} s")
        }
        ConnectionState::Offline {
            reason: OfflineReason::SignedOut,
        } => "signed out".into(),
        ConnectionState::Offline {
            reason: OfflineReason::SignInAgain,
        } => "the server refused the token".into(),
    }
}

/// What a reply answers: `(replying to bob: "lunch?")`.
fn quote(original: &MessagePreview) -> String {
    if original.deleted {
        format!(
            "(replying to a deleted message of {})",
            original.sender.member_name
        )
    } else {
        format!(
            "(replying to {}: {:?})",
            original.sender.member_name, original.preview
        )
    }
}

/// A message, a join or a leave: `bob: hi`, `bob (replying to ...): hi`,
/// `bob joined`.
pub fn event(e: &ChatEvent) -> String {
    let who = match &e.in_thread {
        Some(t) => format!("{} (in the thread of {})", e.sender.member_name, t.root_id),
        None => e.sender.member_name.clone(),
    };
    let mut line = text_of(e, &who);
    for a in &e.attachments {
        line.push_str(&format!(
            "\n        [file {}] {} ({})",
            a.id,
            a.name,
            size(a.size)
        ));
        if let Some(image) = a.image {
            line.push_str(&format!(", image {}×{}", image.width, image.height));
        }
    }
    line
}

/// A size as people read it: `512 B`, `4.2 KB`, `25.0 MB`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{:.1} MB", b as f64 / 1e6),
    }
}

fn text_of(e: &ChatEvent, who: &str) -> String {
    // A message of files alone has no text to show.
    if !e.attachments.is_empty() && e.message.as_deref() == Some("") {
        return format!(
            "{who} sent {}",
            if e.attachments.len() == 1 {
                "a file".into()
            } else {
                format!("{} files", e.attachments.len())
            }
        );
    }
    match (&e.message, &e.reply_to) {
        // Sent text is never empty: a replayed message that was deleted
        // since comes with its text gone.
        (Some(text), _) if text.is_empty() => format!("{who}: (message deleted)"),
        (Some(text), Some(original)) => format!("{who} {}: {text}", quote(original)),
        (Some(text), None) => format!("{who}: {text}"),
        (None, _) => match e.event_type {
            EventType::Join => format!("{who} joined"),
            EventType::Leave => format!("{who} left"),
            EventType::Chat => format!("{who}: (no text)"),
        },
    }
}

fn reactions(list: &[Reaction]) -> String {
    let each: Vec<String> = list
        .iter()
        .map(|r| format!("{} {}", r.emoji, r.count))
        .collect();
    format!("  [{}]", each.join(", "))
}

/// A history line: the id first (`suda edit`, `delete`, `react` and
/// `reply` take it), then the time and the message as it is now.
pub fn history(item: &HistoryItem) -> String {
    let e = &item.event;
    let what = if item.deleted {
        format!("{}: (message deleted)", e.sender.member_name)
    } else {
        let mut line = event(e);
        if item.edited_at.is_some() {
            line.push_str(" (edited)");
        }
        if !item.reactions.is_empty() {
            line.push_str(&reactions(&item.reactions));
        }
        if let Some(t) = &item.thread {
            line.push_str(&thread(t));
        }
        line
    };
    format!("{:>6}  {}  {what}", e.id, e.created_at)
}

/// A thread under its root: `  (3 replies, 1 unread, last at ...)`
/// (`suda thread ID` shows it).
fn thread(t: &ThreadSummary) -> String {
    let replies = match t.reply_count {
        1 => "1 reply".to_owned(),
        n => format!("{n} replies"),
    };
    let unread = match t.unread {
        0 => String::new(),
        n => format!(", {n} unread"),
    };
    format!("  ({replies}{unread}, last at {})", t.last_reply_at)
}

/// A change to a message, in `channel`.
pub fn change(change: &Change, channel: &str) -> Option<String> {
    Some(match change {
        Change::Edited(e) => format!("[{channel}] message {} edited: {}", e.message_id, e.message),
        Change::Deleted(d) => format!("[{channel}] message {} deleted", d.message_id),
        Change::Reaction(r) => {
            let did = if r.on { "reacted" } else { "took back" };
            format!(
                "[{channel}] {} {did} {} on message {} ({})",
                r.member.member_name, r.emoji, r.message_id, r.count
            )
        }
        Change::Level(l) => format!("[{channel}] {}", level(l.level)),
        Change::Channel(c) => {
            let archived = if c.archived { ", archived" } else { "" };
            let topic = match c.topic.as_str() {
                "" => "no topic".to_owned(),
                t => format!("topic: {t}"),
            };
            format!(
                "[{channel}] {} changed the group: {} ({topic}{archived})",
                c.changed_by.member_name, c.name
            )
        }
        // Bookkeeping: the counts `suda channels` shows.
        Change::ReadMarker(_) | Change::ThreadRead(_) => return None,
    })
}

/// The search as one line from its arguments: an argument the shell kept
/// whole with spaces in it (`in:"team chat"`) is quoted again, so the
/// library reads it as one.
pub fn search_input(args: &[String]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|arg| {
            if !arg.contains(char::is_whitespace) {
                return arg.clone();
            }
            match arg.split_once(':') {
                Some((key, value)) if !key.contains(char::is_whitespace) => {
                    format!("{key}:\"{value}\"")
                }
                _ => format!("\"{arg}\""),
            }
        })
        .collect();
    quoted.join(" ")
}

/// A line of `suda search`: the message's id, time and channel, and its
/// text with the found words in bold when `bold` (a terminal).
pub fn search_hit(hit: &SearchHit, channels: &[Channel], bold: bool) -> String {
    let e = &hit.message.event;
    let channel = channels
        .iter()
        .find(|c| c.id == e.chat_channel_id)
        .map_or_else(
            || e.chat_channel_id.to_string(),
            |c| match c.kind {
                ChannelKind::Group => format!("#{}", c.name),
                ChannelKind::Direct => format!("@{}", c.name),
            },
        );
    let text = e.message.as_deref().unwrap_or_default();
    let text = if bold {
        marked(text, &hit.highlights, "\x1b[1m", "\x1b[0m")
    } else {
        text.to_owned()
    };
    format!(
        "{:>6}  {}  {channel}  {}: {text}",
        e.id, e.created_at, e.sender.member_name
    )
}

/// `text` with each range (in characters) between `open` and `close`.
/// Ranges past the text or out of order are left out, not trusted.
pub fn marked(text: &str, ranges: &[TextRange], open: &str, close: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + ranges.len() * (open.len() + close.len()));
    let mut at = 0usize;
    for r in ranges {
        let (start, end) = (r.start as usize, r.start as usize + r.length as usize);
        if start < at || end > chars.len() || start >= end {
            continue;
        }
        out.extend(&chars[at..start]);
        out.push_str(open);
        out.extend(&chars[start..end]);
        out.push_str(close);
        at = end;
    }
    out.extend(&chars[at..]);
    out
}

#[cfg(test)]
mod tests {
    use suda_protocol::{ChannelId, EventId, MemberId, MemberRef};

    use super::*;

    fn member(name: &str) -> MemberRef {
        MemberRef {
            id: MemberId(1),
            member_name: name.into(),
            profile_image: None,
        }
    }

    fn message(text: &str) -> ChatEvent {
        ChatEvent {
            chat_channel_id: ChannelId(1),
            id: EventId(12),
            event_type: EventType::Chat,
            created_at: "2026-12-01T10:00:00Z".into(),
            message: Some(text.into()),
            sender: member("alice"),
            client_key: None,
            reply_to: None,
            mentions: Vec::new(),
            in_thread: None,
            attachments: Vec::new(),
            removed_by: None,
        }
    }

    #[test]
    fn history_says_edited_deleted_replies_and_reactions_in_words() {
        let mut item = HistoryItem::plain(message("yes"));
        item.event.reply_to = Some(Box::new(MessagePreview {
            id: EventId(3),
            sender: member("bob"),
            preview: "lunch?".into(),
            deleted: false,
        }));
        item.edited_at = Some("2026-12-01T10:01:00Z".into());
        item.reactions = vec![Reaction {
            emoji: "👍".into(),
            count: 2,
            mine: true,
            members: vec![],
        }];
        assert_eq!(
            history(&item),
            "    12  2026-12-01T10:00:00Z  alice (replying to bob: \"lunch?\"): yes (edited)  [👍 2]"
        );
        item.deleted = true;
        assert_eq!(
            history(&item),
            "    12  2026-12-01T10:00:00Z  alice: (message deleted)"
        );
        item.deleted = false;
        item.edited_at = None;
        item.reactions.clear();
        item.event.reply_to = None;
        item.thread = Some(ThreadSummary {
            reply_count: 3,
            last_reply_at: "2026-12-01T11:00:00Z".into(),
            following: true,
            unread: 2,
        });
        assert_eq!(
            history(&item),
            "    12  2026-12-01T10:00:00Z  alice: yes  (3 replies, 2 unread, last at \
             2026-12-01T11:00:00Z)"
        );
        let mut reply = message("me too");
        reply.in_thread = Some(Box::new(suda_protocol::InThread {
            root_id: EventId(12),
            reply_count: 1,
            following: true,
        }));
        assert_eq!(event(&reply), "alice (in the thread of 12): me too");
        reply.message = Some(String::new());
        assert_eq!(
            event(&reply),
            "alice (in the thread of 12): (message deleted)"
        );
        let mut join = message("");
        join.message = None;
        join.event_type = EventType::Join;
        assert_eq!(event(&join), "alice joined");
    }

    #[test]
    fn found_words_are_marked_by_characters_and_bad_ranges_are_left_out() {
        use suda_client::search::TextRange;
        let r = |start, length| TextRange { start, length };
        // Characters, not bytes: the accent and the Korean are one each.
        assert_eq!(
            super::marked(
                "Café 안녕하세요 cafe",
                &[r(0, 4), r(5, 2), r(11, 4)],
                "[",
                "]"
            ),
            "[Café] [안녕]하세요 [cafe]"
        );
        // Past the end, overlapping, or empty: not marked, text kept.
        assert_eq!(super::marked("lunch", &[r(3, 9)], "[", "]"), "lunch");
        assert_eq!(
            super::marked("lunch", &[r(0, 3), r(1, 2), r(4, 0)], "[", "]"),
            "[lun]ch"
        );
    }

    #[test]
    fn a_search_argument_kept_whole_by_the_shell_stays_one() {
        let args = ["lunch", "in:team chat", "two words"].map(String::from);
        assert_eq!(
            super::search_input(&args),
            "lunch in:\"team chat\" \"two words\""
        );
    }
}
