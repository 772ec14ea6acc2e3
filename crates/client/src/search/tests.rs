//! The search box's syntax: what each filter becomes, and what each kind
//! of bad filter is told.

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};
use suda_protocol::{ChannelId, ErrorCode, NotificationLevel};

use super::{channel_named, parse_in, SearchQuery};
use crate::state::{Channel, ChannelKind};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

/// Seoul: nine hours ahead of UTC, no clock changes.
fn seoul() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).unwrap()
}

fn read(input: &str) -> SearchQuery {
    parse_in(input, today(), &seoul()).unwrap()
}

/// The refusal's code and sentence.
fn refused(input: &str) -> (ErrorCode, String) {
    let e = parse_in(input, today(), &seoul()).unwrap_err();
    (e.code().unwrap(), e.to_string())
}

#[test]
fn words_stay_words_and_filters_come_out_of_them() {
    let q = read("lunch from:@alice  in:\"team chat\" plans");
    assert_eq!(q.text, "lunch plans");
    assert_eq!(q.from.as_deref(), Some("alice"));
    assert_eq!(q.channel.as_deref(), Some("team chat"));
    assert_eq!((q.since, q.until), (None, None));
    // A colon in another word is part of the word; keys ignore case.
    let q = read("meet at 3:30 https://example.com FROM:bob");
    assert_eq!(q.text, "meet at 3:30 https://example.com");
    assert_eq!(q.from.as_deref(), Some("bob"));
}

#[test]
fn days_are_the_members_own_from_their_first_moment_to_the_next_days() {
    // Midnight in Seoul is 15:00 UTC the day before.
    let q = read("report on:2026-11-20");
    assert_eq!(q.since.as_deref(), Some("2026-11-19T15:00:00Z"));
    assert_eq!(q.until.as_deref(), Some("2026-11-20T15:00:00Z"));
    let q = read("report after:yesterday");
    assert_eq!(q.since.as_deref(), Some("2026-12-02T15:00:00Z"));
    assert_eq!(q.until, None);
    let q = read("report before:today");
    assert_eq!(q.until.as_deref(), Some("2026-12-02T15:00:00Z"));
    // Together they narrow each other.
    let q = read("report after:2026-11-01 before:2026-11-30 before:2026-11-10");
    assert_eq!(q.since.as_deref(), Some("2026-11-01T15:00:00Z"));
    assert_eq!(q.until.as_deref(), Some("2026-11-09T15:00:00Z"));
}

/// A zone whose clocks jump from 00:00 to 01:00 on 2026-09-06 (as
/// Santiago's did in 2020): UTC-4 before 04:00 UTC that day, UTC-3 after.
#[derive(Debug, Clone, Copy)]
struct SkipsMidnight;

impl SkipsMidnight {
    fn change() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 9, 6)
            .unwrap()
            .and_hms_opt(4, 0, 0)
            .unwrap()
    }

    fn at_utc(utc: &NaiveDateTime) -> FixedOffset {
        let hours = if *utc < Self::change() { 4 } else { 3 };
        FixedOffset::west_opt(hours * 3600).unwrap()
    }
}

impl TimeZone for SkipsMidnight {
    type Offset = FixedOffset;

    fn from_offset(_: &FixedOffset) -> Self {
        SkipsMidnight
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<FixedOffset> {
        self.offset_from_local_datetime(&local.and_hms_opt(12, 0, 0).unwrap())
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<FixedOffset> {
        let before = FixedOffset::west_opt(4 * 3600).unwrap();
        let after = FixedOffset::west_opt(3 * 3600).unwrap();
        let as_before = *local - before.fix();
        let as_after = *local - after.fix();
        match (as_before < Self::change(), as_after >= Self::change()) {
            (true, true) => LocalResult::Ambiguous(before, after),
            (true, false) => LocalResult::Single(before),
            (false, true) => LocalResult::Single(after),
            (false, false) => LocalResult::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> FixedOffset {
        Self::at_utc(&utc.and_hms_opt(0, 0, 0).unwrap())
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
        Self::at_utc(utc)
    }
}

#[test]
fn a_day_begins_at_its_first_moment_where_a_clock_change_skips_midnight() {
    // 00:00 on 2026-09-06 never shows there: the day begins at 01:00
    // (UTC-3), the moment the day before ends.
    let q = parse_in("x on:2026-09-06", today(), &SkipsMidnight).unwrap();
    assert_eq!(q.since.as_deref(), Some("2026-09-06T04:00:00Z"));
    assert_eq!(q.until.as_deref(), Some("2026-09-07T03:00:00Z"));
    let q = parse_in("x on:2026-09-05", today(), &SkipsMidnight).unwrap();
    assert_eq!(q.since.as_deref(), Some("2026-09-05T04:00:00Z"));
    assert_eq!(q.until.as_deref(), Some("2026-09-06T04:00:00Z"));
}

#[test]
fn each_kind_of_bad_filter_is_refused_with_a_sentence_naming_it() {
    let cases = [
        ("lunch from:", "\"from:\" needs a value after the colon"),
        ("lunch in:", "\"in:\" needs a value after the colon"),
        ("lunch from:alice from:bob", "\"from:\" can be given once"),
        ("lunch in:a in:b", "\"in:\" can be given once"),
        (
            "lunch on:12/03/2026",
            "\"on:\" takes a day, as 2026-12-03, today or yesterday; \"12/03/2026\" is none",
        ),
        ("lunch before:2026-02-30", "\"before:\" takes a day"),
        (
            "lunch after:today before:today",
            "those dates leave no day to search",
        ),
    ];
    let long = "word ".repeat(200) + "x";
    for (input, said) in cases {
        let (code, message) = refused(input);
        assert_eq!(code, ErrorCode::BadUserInput, "{input}");
        assert!(message.contains(said), "{input}: {message}");
    }
    let (code, message) = refused(&long);
    assert_eq!(code, ErrorCode::BadUserInput);
    assert!(message.contains("at most 1000 characters"), "{message}");
    assert!(
        parse_in(&long[1..], today(), &seoul()).is_ok(),
        "1000 is fine"
    );
}

fn channel(id: i64, kind: ChannelKind, name: &str) -> Channel {
    Channel {
        id: ChannelId(id),
        kind,
        name: name.into(),
        unread: 0,
        created_at: "2026-12-01T00:00:00Z".into(),
        last_event_id: None,
        last_read_event_id: None,
        member_count: 2,
        mentions: 0,
        notify_level: NotificationLevel::All,
        direct_member: None,
        topic: String::new(),
        private: false,
        archived: false,
        creator: None,
    }
}

#[test]
fn in_names_a_group_with_a_hash_a_direct_one_with_an_at_and_either_bare() {
    let channels = [
        channel(1, ChannelKind::Group, "General"),
        channel(2, ChannelKind::Direct, "bob"),
        channel(3, ChannelKind::Group, "bob"),
        channel(4, ChannelKind::Group, "team chat"),
    ];
    assert_eq!(channel_named(&channels, "general").unwrap(), ChannelId(1));
    assert_eq!(channel_named(&channels, "#GENERAL").unwrap(), ChannelId(1));
    assert_eq!(channel_named(&channels, "@bob").unwrap(), ChannelId(2));
    assert_eq!(channel_named(&channels, "#bob").unwrap(), ChannelId(3));
    assert_eq!(channel_named(&channels, "team chat").unwrap(), ChannelId(4));
    let two = channel_named(&channels, "bob").unwrap_err();
    assert_eq!(two.code(), Some(ErrorCode::BadUserInput));
    assert!(two
        .to_string()
        .contains("2 of your channels are named \"bob\""));
    let none = channel_named(&channels, "@general").unwrap_err();
    assert_eq!(none.code(), Some(ErrorCode::NotFound));
    assert!(none
        .to_string()
        .contains("none of your channels is named \"general\""));
}
