//! Search through the rules that keep the index (send, edit, delete, join,
//! leave), on the store `SUDA_TEST_STORE` selects: both stores must find
//! exactly the same messages.

use suda_protocol::{ChannelId, EventId, MemberId};

use crate::{
    rules::{apply_batch, Command},
    search::{self, Term},
    store::{testing::TestStore, SearchAsk, Store},
};

async fn member(s: &dyn Store, name: &str) -> MemberId {
    s.create_member(name, "h", None).await.unwrap().id
}

async fn one(s: &dyn Store, command: Command) -> crate::rules::Applied {
    apply_batch(s, &[command]).await.unwrap().remove(0).unwrap()
}

async fn group(s: &dyn Store, creator: MemberId, members: &[MemberId]) -> ChannelId {
    let name = format!("g{}", members.len());
    let command = Command::CreateGroup {
        creator,
        name,
        members: members.to_vec(),
        topic: String::new(),
        private: false,
    };
    one(s, command).await.channel
}

async fn say(s: &dyn Store, channel: ChannelId, sender: MemberId, text: &str) -> EventId {
    one(s, send(channel, sender, text)).await.events[0].id
}

async fn edit(s: &dyn Store, message: EventId, editor: MemberId, text: &str) {
    let command = Command::Edit {
        message,
        editor,
        text: text.into(),
        client_key: None,
    };
    one(s, command).await;
}

async fn delete(s: &dyn Store, message: EventId, member: MemberId) {
    one(s, Command::Delete { message, member }).await;
}

fn ask<'a>(viewer: MemberId, terms: &'a [Term]) -> SearchAsk<'a> {
    SearchAsk {
        viewer,
        terms,
        channel: None,
        sender: None,
        since: None,
        until: None,
        older_than: None,
        limit: 20,
    }
}

/// The texts `viewer` finds for `text`, newest first.
async fn found(s: &dyn Store, viewer: MemberId, text: &str) -> Vec<String> {
    let terms = search::query(text).unwrap();
    found_by(s, &ask(viewer, &terms)).await
}

async fn found_by(s: &dyn Store, ask: &SearchAsk<'_>) -> Vec<String> {
    let rows = s.search(ask).await.unwrap();
    rows.into_iter()
        .map(|r| r.message.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn a_message_is_found_by_the_start_of_its_words_in_any_case_and_accent() {
    let s = TestStore::new().await;
    let alice = member(&*s, "alice").await;
    let general = group(&*s, alice, &[]).await;
    say(&*s, general, alice, "The Café meeting is at noon").await;
    say(&*s, general, alice, "lunch?").await;
    assert_eq!(
        found(&*s, alice, "cafe MEET").await,
        ["The Café meeting is at noon"]
    );
    assert_eq!(
        found(&*s, alice, "noon café").await,
        ["The Café meeting is at noon"]
    );
    // Every word must be there; a word inside another is no match.
    assert!(found(&*s, alice, "cafe lunch").await.is_empty());
    assert!(found(&*s, alice, "eeting").await.is_empty());
}

#[tokio::test]
async fn korean_is_found_inside_a_longer_run_and_japanese_beside_latin() {
    let s = TestStore::new().await;
    let alice = member(&*s, "alice").await;
    let general = group(&*s, alice, &[]).await;
    say(&*s, general, alice, "안녕하세요, 여러분").await;
    say(&*s, general, alice, "明日の会議はmeeting room 3").await;
    assert_eq!(found(&*s, alice, "안녕").await, ["안녕하세요, 여러분"]);
    assert_eq!(found(&*s, alice, "하세요").await, ["안녕하세요, 여러분"]);
    assert_eq!(found(&*s, alice, "안").await, ["안녕하세요, 여러분"]);
    assert!(
        found(&*s, alice, "안녕여러").await.is_empty(),
        "not one run"
    );
    assert_eq!(
        found(&*s, alice, "会議 meet").await,
        ["明日の会議はmeeting room 3"]
    );
}

#[tokio::test]
async fn only_the_channels_one_is_in_now_are_searched() {
    let s = TestStore::new().await;
    let alice = member(&*s, "alice").await;
    let bob = member(&*s, "bob").await;
    let both = group(&*s, alice, &[bob]).await;
    let alices = group(&*s, alice, &[]).await;
    say(&*s, both, alice, "plans for both").await;
    say(&*s, alices, alice, "plans of alice alone").await;
    assert_eq!(found(&*s, bob, "plans").await, ["plans for both"]);
    assert_eq!(found(&*s, alice, "plans").await.len(), 2);
    // Once bob leaves, nothing of the channel is his to find.
    one(
        &*s,
        Command::Leave {
            channel: both,
            member: bob,
        },
    )
    .await;
    assert!(found(&*s, bob, "plans").await.is_empty());
}

#[tokio::test]
async fn a_deleted_message_is_never_found_and_an_edited_one_only_by_its_new_words() {
    let s = TestStore::new().await;
    let alice = member(&*s, "alice").await;
    let general = group(&*s, alice, &[]).await;
    let edited = say(&*s, general, alice, "the old wording").await;
    let deleted = say(&*s, general, alice, "a secret wording").await;
    edit(&*s, edited, alice, "the new wording").await;
    delete(&*s, deleted, alice).await;
    assert!(found(&*s, alice, "old").await.is_empty());
    assert!(found(&*s, alice, "secret").await.is_empty());
    assert_eq!(found(&*s, alice, "new").await, ["the new wording"]);
    assert_eq!(found(&*s, alice, "wording").await, ["the new wording"]);
    let left = s.count("SELECT count(*) FROM message_terms").await;
    assert_eq!(left, 1, "the deleted message's terms are gone");
}

#[tokio::test]
async fn filters_keep_a_sender_a_channel_and_a_time_and_pages_go_back_in_time() {
    let s = TestStore::new().await;
    let alice = member(&*s, "alice").await;
    let bob = member(&*s, "bob").await;
    let one_channel = group(&*s, alice, &[bob]).await;
    let other = group(&*s, alice, &[]).await;
    let first = say(&*s, one_channel, alice, "report one").await;
    say(&*s, one_channel, bob, "report two").await;
    say(&*s, other, alice, "report three").await;
    let terms = search::query("report").unwrap();

    let from_bob = SearchAsk {
        sender: Some(bob),
        ..ask(alice, &terms)
    };
    assert_eq!(found_by(&*s, &from_bob).await, ["report two"]);
    let in_other = SearchAsk {
        channel: Some(other),
        ..ask(alice, &terms)
    };
    assert_eq!(found_by(&*s, &in_other).await, ["report three"]);
    // The index keeps each message's channel and sender as terms of its
    // own, which no word matches.
    for word in [format!("c{other}"), format!("m{alice}"), "c".into()] {
        assert!(found(&*s, alice, &word).await.is_empty(), "{word}");
    }

    let sent = s.event(first).await.unwrap().unwrap().created_at;
    let later = SearchAsk {
        since: Some(sent + 60_000),
        ..ask(alice, &terms)
    };
    assert!(found_by(&*s, &later).await.is_empty());
    let earlier = SearchAsk {
        until: Some(sent + 60_000),
        ..ask(alice, &terms)
    };
    assert_eq!(found_by(&*s, &earlier).await.len(), 3);

    // Newest first, one more than the limit (there is more), then the rest.
    let page = SearchAsk {
        limit: 1,
        ..ask(alice, &terms)
    };
    let rows = s.search(&page).await.unwrap();
    assert_eq!(rows.len(), 2);
    let next = SearchAsk {
        older_than: Some(rows[1].id),
        ..ask(alice, &terms)
    };
    assert_eq!(found_by(&*s, &next).await, ["report one"]);
}

/// PostgreSQL searches the newest entries first and asks the index alone
/// for older matches (with 4 walked in tests): the two give one order, one
/// page after the other, with the same filters.
#[tokio::test]
async fn matches_older_than_the_newest_entries_come_after_them_in_order() {
    let s = TestStore::new().await;
    let alice = member(&*s, "alice").await;
    let bob = member(&*s, "bob").await;
    let ours = group(&*s, alice, &[bob]).await;
    let theirs = group(&*s, bob, &[]).await;
    let mut needles = Vec::new();
    for i in 0..12 {
        if [0, 3, 5, 11].contains(&i) {
            let id = say(&*s, ours, alice, &format!("needle {i}")).await;
            needles.push(id);
        } else {
            say(&*s, ours, bob, &format!("hay {i}")).await;
        }
        // Matches in a channel alice is not in, everywhere in between.
        say(&*s, theirs, bob, &format!("needle of theirs {i}")).await;
    }
    delete(&*s, needles[2], alice).await;
    let terms = search::query("needle").unwrap();
    assert_eq!(
        found(&*s, alice, "needle").await,
        ["needle 11", "needle 3", "needle 0"]
    );
    // Pages of one across the newest entries and the older ones.
    let mut pages = Vec::new();
    let mut older_than = None;
    loop {
        let page = SearchAsk {
            limit: 1,
            older_than,
            ..ask(alice, &terms)
        };
        let rows = s.search(&page).await.unwrap();
        pages.push(rows[0].message.clone().unwrap());
        if rows.len() < 2 {
            break;
        }
        older_than = Some(rows[0].id);
    }
    assert_eq!(pages, ["needle 11", "needle 3", "needle 0"]);
    let in_ours = SearchAsk {
        channel: Some(ours),
        ..ask(alice, &terms)
    };
    assert_eq!(
        found_by(&*s, &in_ours).await,
        ["needle 11", "needle 3", "needle 0"]
    );
    // In one channel, past its own newest entries.
    let theirs_five = SearchAsk {
        channel: Some(theirs),
        limit: 5,
        ..ask(bob, &terms)
    };
    let rows = s.search(&theirs_five).await.unwrap();
    let texts: Vec<_> = rows.iter().filter_map(|r| r.message.clone()).collect();
    let newest: Vec<_> = (6..12)
        .rev()
        .map(|i| format!("needle of theirs {i}"))
        .collect();
    assert_eq!(texts, newest, "five and one more, newest first");
    let nowhere = search::query("nowhere").unwrap();
    assert!(found_by(&*s, &ask(alice, &nowhere)).await.is_empty());
}

#[tokio::test]
async fn an_index_made_by_an_older_version_is_made_again_from_the_stored_messages() {
    let s = TestStore::on_disk().await;
    let alice = member(&*s, "alice").await;
    let general = group(&*s, alice, &[]).await;
    let edited = say(&*s, general, alice, "before the upgrade").await;
    let deleted = say(&*s, general, alice, "gone before the upgrade").await;
    edit(&*s, edited, alice, "edited before the upgrade").await;
    delete(&*s, deleted, alice).await;
    // A database from before search: no terms, version 0.
    for sql in [
        "DELETE FROM message_terms",
        "UPDATE server_meta SET value = 0 WHERE key = 'search_terms_version'",
    ] {
        s.write_raw(sql, sql).await;
    }
    assert!(found(&*s, alice, "upgrade").await.is_empty());
    s.bring_search_up_to_date().await;
    assert_eq!(
        found(&*s, alice, "upgrade").await,
        ["edited before the upgrade"]
    );
    let version = s
        .count("SELECT value FROM server_meta WHERE key = 'search_terms_version'")
        .await;
    assert_eq!(version, search::TERMS_VERSION);
}

#[tokio::test]
async fn files_are_found_by_their_names_also_when_the_index_is_made_again() {
    use crate::store::{AttachmentRow, NewAttachment};
    let s = TestStore::on_disk().await;
    let alice = member(&*s, "alice").await;
    let general = group(&*s, alice, &[]).await;
    let id = suda_protocol::AttachmentId(123_456_789_012_345_678);
    s.add_attachment(NewAttachment {
        row: AttachmentRow {
            id,
            uploader: alice,
            name: "Quarterly report.pdf".into(),
            content_type: "application/pdf".into(),
            size: 4,
            image: None,
            thumbnail_type: None,
            message: None,
            channel: None,
            created_at: crate::store::now_millis(),
        },
        file: bytes::Bytes::from_static(b"%PDF"),
        thumbnail: None,
    })
    .await
    .unwrap();
    let sent = Command::Send {
        attachments: vec![id],
        channel: general,
        sender: alice,
        text: String::new(),
        client_key: None,
        reply_to: None,
        thread: None,
    };
    let message = one(&*s, sent).await.events[0].id;
    assert_eq!(found(&*s, alice, "quarterly").await, [""]);
    // A caption added later: found by it, and still by the file.
    edit(&*s, message, alice, "the numbers").await;
    assert_eq!(found(&*s, alice, "numbers").await, ["the numbers"]);
    assert_eq!(found(&*s, alice, "report pdf").await, ["the numbers"]);
    // Made again from the stored messages: the names are in it too.
    for sql in [
        "DELETE FROM message_terms",
        "UPDATE server_meta SET value = 0 WHERE key = 'search_terms_version'",
    ] {
        s.write_raw(sql, sql).await;
    }
    s.bring_search_up_to_date().await;
    assert_eq!(
        found(&*s, alice, "quarterly numbers").await,
        ["the numbers"]
    );
    delete(&*s, message, alice).await;
    assert!(found(&*s, alice, "quarterly").await.is_empty());
}

#[tokio::test]
async fn a_one_letter_word_finds_that_word_only() {
    let s = TestStore::new().await;
    let alice = member(&*s, "alice").await;
    let general = group(&*s, alice, &[]).await;
    say(&*s, general, alice, "plan a").await;
    say(&*s, general, alice, "an apple").await;
    assert_eq!(found(&*s, alice, "a").await, ["plan a"]);
}

fn send(channel: ChannelId, sender: MemberId, text: &str) -> Command {
    Command::Send {
        attachments: Vec::new(),
        channel,
        sender,
        text: text.into(),
        client_key: None,
        reply_to: None,
        thread: None,
    }
}

#[tokio::test]
async fn a_batchs_index_changes_land_with_it_and_a_refused_commands_do_not() {
    let s = TestStore::new().await;
    let alice = member(&*s, "alice").await;
    let bob = member(&*s, "bob").await;
    let general = group(&*s, alice, &[]).await;
    // bob is not in the channel: his send is refused, the others' land.
    let sent = apply_batch(
        &*s,
        &[
            send(general, alice, "alpha one"),
            send(general, bob, "alpha refused"),
            send(general, alice, "alpha two"),
        ],
    )
    .await
    .unwrap();
    assert!(sent[1].is_err());
    assert_eq!(found(&*s, alice, "alpha").await, ["alpha two", "alpha one"]);
    let (first, second) = (sent[0].as_ref().unwrap(), sent[2].as_ref().unwrap());
    let (first, second) = (first.events[0].id, second.events[0].id);
    // Two edits of one message in a batch: the last is its text. bob's
    // edit of it is refused and changes nothing.
    let edits = apply_batch(
        &*s,
        &[
            Command::Edit {
                message: first,
                editor: alice,
                text: "beta".into(),
                client_key: None,
            },
            Command::Delete {
                message: second,
                member: alice,
            },
            Command::Edit {
                message: first,
                editor: bob,
                text: "delta".into(),
                client_key: None,
            },
            Command::Edit {
                message: first,
                editor: alice,
                text: "gamma".into(),
                client_key: None,
            },
        ],
    )
    .await
    .unwrap();
    assert!(edits[2].is_err());
    assert!(found(&*s, alice, "alpha").await.is_empty());
    assert!(found(&*s, alice, "beta").await.is_empty());
    assert!(found(&*s, alice, "delta").await.is_empty());
    assert_eq!(found(&*s, alice, "gamma").await, ["gamma"]);
}

#[test]
fn queued_changes_keep_each_messages_last_and_whether_it_was_indexed_before() {
    use crate::store::{EventKind, IndexChange, IndexChanges, MemberRow, NewEvent};
    let (general, new, old) = (ChannelId(1), EventId(10), EventId(5));
    let alice = MemberRow {
        id: MemberId(7),
        name: "alice".into(),
        profile_image: None,
        created_at: 0,
    };
    let message = |id| NewEvent::new(general, EventKind::Chat, &alice).inserted(id, 0);
    let (new_row, old_row) = (message(new), message(old));
    let mut queue = IndexChanges::default();
    queue.begin_command();
    queue.add(&new_row, "first");
    queue.begin_command();
    queue.replace(&old_row, "undone");
    queue.undo_command();
    queue.begin_command();
    queue.replace(&new_row, "second");
    queue.replace(&old_row, "kept");
    queue.begin_command();
    queue.remove(&new_row);
    let change = |message, text: Option<&str>, replaces| IndexChange {
        message,
        channel: general,
        sender: alice.id,
        text: text.map(str::to_owned),
        replaces,
    };
    // `new` was sent in this transaction: nothing of it to take out first.
    assert_eq!(
        queue.take(),
        [change(new, None, false), change(old, Some("kept"), true)]
    );
    assert!(queue.take().is_empty());
}
