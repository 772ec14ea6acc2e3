//! Search as a member types it: words, and `from:name`, `in:channel`,
//! `before:`, `after:` and `on:` a day of the member's own calendar, turned
//! into `searchMessages`' arguments (docs/contract.md "Search"). What the
//! server does with the words (prefixes, Korean inside longer runs) is its
//! own; this side only takes the filters out and says clearly when one is
//! wrong, before anything is sent.

use chrono::{DateTime, Days, Local, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::Serialize;
use suda_protocol::{ChannelId, ErrorCode};

use crate::{
    error::{ClientError, ClientResult},
    history::HistoryItem,
    state::{Channel, ChannelKind},
};

/// A search, read from what the member typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// The words to find, as typed (filters taken out).
    pub text: String,
    /// `from:`: only this member's messages (a name, without `@`).
    pub from: Option<String>,
    /// `in:`: only this channel, as typed (`#group`, `@member` or a name).
    pub channel: Option<String>,
    /// Only messages sent at or after (RFC 3339, UTC).
    pub since: Option<String>,
    /// Only messages sent before (RFC 3339, UTC).
    pub until: Option<String>,
}

/// A page of search results, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    /// The messages found, as they are now.
    pub hits: Vec<SearchHit>,
    /// Whether older ones exist.
    pub has_more: bool,
    /// Pass as `before` for the next (older) page.
    pub next_cursor: Option<String>,
}

/// A message a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// The message, as it is now.
    pub message: HistoryItem,
    /// Where the search's words are in its text, in order.
    pub highlights: Vec<TextRange>,
}

/// A part of a message's text, in characters (Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TextRange {
    /// The first character, from 0.
    pub start: u32,
    /// How many characters.
    pub length: u32,
}

/// The longest search read, in characters: the server takes 256 of words
/// (`crate::search` there), and the filters need some room beside them.
/// Past it the input is refused here, before any work on it.
pub const MAX_INPUT_CHARS: usize = 1000;

fn bad(message: String) -> ClientError {
    ClientError::Api {
        code: ErrorCode::BadUserInput,
        message,
    }
}

/// Reads `input` with the dates in the machine's time zone.
pub fn parse(input: &str) -> ClientResult<SearchQuery> {
    parse_in(input, Local::now().date_naive(), &Local)
}

/// Reads `input`: its words, and the filters among them. `today` and
/// `zone` say which days `today`, `yesterday` and `2026-12-03` are; a day
/// runs from its first moment in `zone` to the next day's.
///
/// - `from:alice` (or `from:@alice`): alice's messages.
/// - `in:general`, `in:#general`, `in:@bob` (the direct one with bob);
///   `in:"team chat"` for a name with spaces.
/// - `before:D` (sent before that day), `after:D` (after it), `on:D`
///   (during it), where `D` is `2026-12-03`, `today` or `yesterday`;
///   together, they narrow each other.
///
/// Another word with a colon is a word (`3:30`, `https://…`). A filter
/// without its value, given twice, dates that leave no moment to search,
/// or more than [`MAX_INPUT_CHARS`] in all are refused as
/// `BAD_USER_INPUT` with a sentence saying which.
pub fn parse_in<Tz: TimeZone>(
    input: &str,
    today: NaiveDate,
    zone: &Tz,
) -> ClientResult<SearchQuery> {
    if input.chars().nth(MAX_INPUT_CHARS).is_some() {
        return Err(bad(format!(
            "a search is at most {MAX_INPUT_CHARS} characters long"
        )));
    }
    let mut query = SearchQuery::default();
    let mut words = Vec::new();
    let mut since: Option<DateTime<Utc>> = None;
    let mut until: Option<DateTime<Utc>> = None;
    for token in split(input) {
        let Some((key, value)) = filter(&token) else {
            words.push(token);
            continue;
        };
        if value.is_empty() {
            return Err(bad(format!("\"{key}:\" needs a value after the colon")));
        }
        match key.as_str() {
            "from" => set_once(&mut query.from, "from", value.trim_start_matches('@'))?,
            "in" => set_once(&mut query.channel, "in", value)?,
            _ => {
                let day = day(&key, value, today)?;
                let start = start_of(day, zone);
                let next = start_of(day + Days::new(1), zone);
                let (from, to) = match key.as_str() {
                    "before" => (None, Some(start)),
                    "after" => (Some(next), None),
                    _ => (Some(start), Some(next)),
                };
                since = since.max(from);
                until = match (until, to) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
    }
    if let (Some(since), Some(until)) = (since, until) {
        if since >= until {
            return Err(bad("those dates leave no day to search".into()));
        }
    }
    let rfc3339 = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    query.since = since.map(rfc3339);
    query.until = until.map(rfc3339);
    query.text = words.join(" ");
    Ok(query)
}

/// The input's tokens: split at white space, except inside double quotes
/// (which are dropped: `in:"team chat"` is one token).
fn split(input: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut token = String::new();
    let mut quoted = false;
    for c in input.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !token.is_empty() {
                    tokens.push(std::mem::take(&mut token));
                }
            }
            c => token.push(c),
        }
    }
    if !token.is_empty() {
        tokens.push(token);
    }
    tokens
}

/// The filter a token is, as its key (lower case) and value; `None` for a
/// word.
fn filter(token: &str) -> Option<(String, &str)> {
    let (key, value) = token.split_once(':')?;
    let key = key.to_lowercase();
    matches!(key.as_str(), "from" | "in" | "before" | "after" | "on").then_some((key, value))
}

fn set_once(slot: &mut Option<String>, key: &str, value: &str) -> ClientResult<()> {
    if slot.is_some() {
        return Err(bad(format!("\"{key}:\" can be given once")));
    }
    *slot = Some(value.to_owned());
    Ok(())
}

fn day(key: &str, value: &str, today: NaiveDate) -> ClientResult<NaiveDate> {
    match value.to_lowercase().as_str() {
        "today" => Ok(today),
        "yesterday" => Ok(today - Days::new(1)),
        other => NaiveDate::parse_from_str(other, "%Y-%m-%d").map_err(|_| {
            bad(format!(
                "\"{key}:\" takes a day, as 2026-12-03, today or yesterday; \"{value}\" is none"
            ))
        }),
    }
}

/// The first moment of `day` in `zone`. Where a clock change skips
/// midnight, the day begins when the clock reads the earliest time it
/// shows that day (the hours are tried in turn).
fn start_of<Tz: TimeZone>(day: NaiveDate, zone: &Tz) -> DateTime<Utc> {
    (0..24)
        .find_map(|hour| {
            let local = day.and_hms_opt(hour, 0, 0)?;
            zone.from_local_datetime(&local).earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// The channel `in:` names among the member's: `#name` a group, `@name` a
/// direct one, a bare name either, ignoring case.
pub fn channel_named(channels: &[Channel], typed: &str) -> ClientResult<ChannelId> {
    let (kind, name) = match typed.chars().next() {
        Some('#') => (Some(ChannelKind::Group), &typed[1..]),
        Some('@') => (Some(ChannelKind::Direct), &typed[1..]),
        _ => (None, typed),
    };
    let named: Vec<&Channel> = channels
        .iter()
        .filter(|c| {
            kind.is_none_or(|k| c.kind == k) && c.name.to_lowercase() == name.to_lowercase()
        })
        .collect();
    match named.as_slice() {
        [one] => Ok(one.id),
        [] => Err(ClientError::Api {
            code: ErrorCode::NotFound,
            message: format!("none of your channels is named \"{name}\""),
        }),
        more => Err(bad(format!(
            "{} of your channels are named \"{name}\": open the one you mean and search in it",
            more.len()
        ))),
    }
}

#[cfg(test)]
mod tests;
