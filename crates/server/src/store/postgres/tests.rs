//! What only a shared database has to get right: ids gapless and in
//! commit order with several writers (two stores on one database stand for
//! two nodes), a rollback (of a batch, or of one command to its savepoint)
//! giving its ids back, the fan-out's starting
//! snapshot, the doorbell between nodes and after a reconnect, and
//! revocations seen by the other node.
//!
//! They run in PostgreSQL mode (`SUDA_TEST_STORE=postgres`, as
//! `scripts/test.sh` runs the server's tests a second time) and say so and
//! pass otherwise.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use suda_protocol::{ChannelId, MemberId};
use tokio::sync::mpsc;

use super::PgStore;
use crate::{
    rules::{self, Command},
    store::{EventKind, NewToken, Store},
};

/// Two stores (two nodes) on one fresh database; `None` (with a note) when
/// the tests do not run on PostgreSQL.
async fn two_nodes() -> Option<(Arc<PgStore>, Arc<PgStore>)> {
    if suda_testkit::postgres::skipped_unless_selected() {
        return None;
    }
    let url = suda_testkit::postgres::fresh_database();
    let a = PgStore::open(&url).await.unwrap();
    let b = PgStore::open(&url).await.unwrap();
    Some((Arc::new(a), Arc::new(b)))
}

/// A member in a new group of its own.
async fn member_in_group(s: &dyn Store, name: &str) -> (MemberId, ChannelId) {
    let m = s.create_member(name, "h", None).await.unwrap().id;
    let created = rules::apply_batch(
        s,
        &[Command::CreateGroup {
            creator: m,
            name: format!("{name}'s"),
            members: vec![],
            topic: String::new(),
            private: false,
        }],
    )
    .await
    .unwrap();
    (m, created[0].as_ref().unwrap().channel)
}

fn say(channel: ChannelId, sender: MemberId, text: String) -> Command {
    Command::Send {
        attachments: Vec::new(),
        reply_to: None,
        thread: None,
        channel,
        sender,
        text,
        client_key: None,
    }
}

async fn next_ring(bell: &mut mpsc::Receiver<()>, what: &str) {
    tokio::time::timeout(Duration::from_secs(10), bell.recv())
        .await
        .unwrap_or_else(|_| panic!("no ring: {what}"))
        .expect("the doorbell is still open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_writing_at_once_take_gapless_ids_and_a_reader_never_skips_one() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let (alice, g) = member_in_group(&*a, "alice").await;
    let start = a.head().await.unwrap();
    const BATCHES: usize = 40;
    // A reader following the head as a node's sequencer does: every read
    // starts right after the last id it saw.
    let reader = {
        let a = Arc::clone(&a);
        tokio::spawn(async move {
            let mut seen = start;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            loop {
                for e in a.events_after(seen, 50).await.unwrap() {
                    assert_eq!(e.id.get(), seen + 1, "a reader skipped an id");
                    seen = e.id.get();
                }
                if seen - start >= (BATCHES * 2 * 3) as i64 {
                    return seen;
                }
                assert!(tokio::time::Instant::now() < deadline, "the reader stalled");
                tokio::task::yield_now().await;
            }
        })
    };
    let writers: Vec<_> = (0..BATCHES * 2)
        .map(|i| {
            let node: Arc<PgStore> = if i % 2 == 0 {
                Arc::clone(&a)
            } else {
                Arc::clone(&b)
            };
            tokio::spawn(async move {
                // Three sends and one refused command (an unknown channel)
                // per batch: a refusal takes no id.
                let batch = [
                    say(g, alice, format!("{i}.1")),
                    say(ChannelId(999_999), alice, "refused".into()),
                    say(g, alice, format!("{i}.2")),
                    say(g, alice, format!("{i}.3")),
                ];
                let results = rules::apply_batch(&*node, &batch).await.unwrap();
                assert!(results[1].is_err());
                results
                    .into_iter()
                    .filter_map(Result::ok)
                    .flat_map(|applied| applied.events)
                    .map(|e| e.id.get())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for w in writers {
        let batch = w.await.unwrap();
        assert!(
            batch.windows(2).all(|w| w[1] == w[0] + 1),
            "a batch's ids are consecutive (it held the head throughout): {batch:?}"
        );
        ids.extend(batch);
    }
    let total = (BATCHES * 2 * 3) as i64;
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        (start + 1..=start + total).collect::<Vec<_>>(),
        "the ids of both nodes together are every number once"
    );
    assert_eq!(reader.await.unwrap(), start + total);
    assert_eq!(b.head().await.unwrap(), start + total);
    let all = b.events_after(start, 10_000).await.unwrap();
    assert_eq!(all.len() as i64, total);
}

#[tokio::test]
async fn a_batch_rolled_back_or_dropped_gives_its_ids_back_and_the_head_row_free() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let (alice, g) = member_in_group(&*a, "alice").await;
    let head = a.head().await.unwrap();
    // Events written, then the transaction given up...
    let mut tx = a.begin().await.unwrap();
    tx.savepoint().await.unwrap();
    rules::apply(tx.as_mut(), &say(g, alice, "gone".into()))
        .await
        .unwrap();
    tx.abandon().await;
    // ...or dropped mid-way (a task cancelled inside the ledger).
    let mut tx = b.begin().await.unwrap();
    tx.savepoint().await.unwrap();
    rules::apply(tx.as_mut(), &say(g, alice, "gone too".into()))
        .await
        .unwrap();
    drop(tx);
    assert_eq!(a.head().await.unwrap(), head);
    // The next batch, on either node, takes the next id at once (waiting
    // for the row would take the 5 s lock timeout).
    let started = std::time::Instant::now();
    let kept = rules::apply_batch(&*b, &[say(g, alice, "kept".into())])
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(kept[0].as_ref().unwrap().events[0].id.get(), head + 1);
    let texts: Vec<_> = a
        .events_after(head, 10)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.message)
        .collect();
    assert_eq!(texts, ["kept"]);
}

#[tokio::test]
async fn a_command_rolled_back_to_its_savepoint_gives_its_id_to_the_next_one() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let (alice, g) = member_in_group(&*a, "alice").await;
    let head = a.head().await.unwrap();
    let mut tx = a.begin().await.unwrap();
    tx.savepoint().await.unwrap();
    let first = rules::apply(tx.as_mut(), &say(g, alice, "first".into()))
        .await
        .unwrap();
    tx.release_savepoint().await.unwrap();
    tx.savepoint().await.unwrap();
    let undone = rules::apply(tx.as_mut(), &say(g, alice, "undone".into()))
        .await
        .unwrap();
    tx.rollback_to_savepoint().await.unwrap();
    tx.savepoint().await.unwrap();
    let last = rules::apply(tx.as_mut(), &say(g, alice, "last".into()))
        .await
        .unwrap();
    tx.release_savepoint().await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(first.events[0].id.get(), head + 1);
    assert_eq!(undone.events[0].id.get(), head + 2);
    assert_eq!(
        last.events[0].id.get(),
        head + 2,
        "the undone id is taken again"
    );
    // The head row moved with the transaction, as the other node sees it.
    assert_eq!(b.head().await.unwrap(), head + 2);
    let texts: Vec<_> = b
        .events_after(head, 10)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.message)
        .collect();
    assert_eq!(texts, ["first", "last"]);
    // A transaction that wrote no event leaves the head where it was.
    let tx = b.begin().await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(a.head().await.unwrap(), head + 2);
    let next = rules::apply_batch(&*b, &[say(g, alice, "next".into())])
        .await
        .unwrap();
    assert_eq!(next[0].as_ref().unwrap().events[0].id.get(), head + 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memberships_are_read_at_the_head_they_come_with() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let (alice, g) = member_in_group(&*a, "alice").await;
    let mut others = Vec::new();
    for i in 0..6 {
        others.push(
            b.create_member(&format!("m{i}"), "h", None)
                .await
                .unwrap()
                .id,
        );
    }
    // Joins and leaves from both nodes while the snapshots are read.
    let churn = {
        let (a, b, others) = (Arc::clone(&a), Arc::clone(&b), others.clone());
        tokio::spawn(async move {
            for round in 0..30 {
                let node: &PgStore = if round % 2 == 0 { &a } else { &b };
                let m = others[round % others.len()];
                let batch = [
                    Command::Join {
                        channel: g,
                        member: m,
                    },
                    say(g, alice, format!("{round}")),
                    Command::Leave {
                        channel: g,
                        member: others[(round + 3) % others.len()],
                    },
                ];
                rules::apply_batch(node, &batch).await.unwrap();
            }
        })
    };
    let mut checked = 0;
    while !churn.is_finished() || checked == 0 {
        let (head, members) = a.memberships().await.unwrap();
        // What the events up to that head say the members are.
        let mut expected = BTreeSet::new();
        for e in b.events_after(0, 10_000).await.unwrap() {
            if e.id.get() > head {
                break;
            }
            match e.kind {
                EventKind::Join => expected.insert((e.channel_id, e.member.id)),
                EventKind::Leave => expected.remove(&(e.channel_id, e.member.id)),
                _ => false,
            };
        }
        let got: BTreeSet<_> = members.into_iter().collect();
        assert_eq!(got, expected, "the memberships of head {head}");
        checked += 1;
    }
    churn.await.unwrap();
    assert!(checked > 1, "read while the others wrote");
}

#[tokio::test]
async fn the_doorbell_rings_across_nodes_and_after_its_listener_reconnects() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let mut bell = a.doorbell().await.unwrap().expect("a shared store has one");
    b.ring(1).await.unwrap();
    next_ring(&mut bell, "a ring from the other node").await;

    // The database ends the listener's connection: it reconnects by
    // itself and rings once (what was rung meanwhile is lost).
    let ended: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_one(&b.pool())
    .await
    .unwrap();
    assert_eq!(ended, 1, "the listener's backend");
    next_ring(&mut bell, "after the reconnect").await;
    // And it hears the other node again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        b.ring(2).await.unwrap();
        if tokio::time::timeout(Duration::from_millis(200), bell.recv())
            .await
            .is_ok()
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no ring after reconnecting"
        );
    }

    // Closing the store ends the listener's task: the doorbell closes.
    a.close().await;
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while bell.recv().await.is_some() {}
    })
    .await;
    assert!(end.is_ok(), "the doorbell closed with its store");
}

#[tokio::test]
async fn a_revocation_on_one_node_is_seen_by_the_other() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let token = |n: u8| NewToken {
        digest: [n; 32],
        expires_at: i64::MAX,
        device: None,
        address: None,
    };
    let alice = a
        .create_member("alice", "h", Some(&token(1)))
        .await
        .unwrap()
        .id;
    assert!(a.recent_revocations().await.unwrap().is_empty());
    assert!(b.delete_token(&[1; 32]).await.unwrap());
    assert_eq!(a.recent_revocations().await.unwrap(), [[1; 32]]);
    // A renewal revokes the old token too, the new one not.
    a.insert_token(alice, &token(2)).await.unwrap();
    assert!(b.renew_token(alice, &[2; 32], &token(3), 0).await.unwrap());
    let revoked: BTreeSet<_> = a.recent_revocations().await.unwrap().into_iter().collect();
    assert_eq!(revoked, BTreeSet::from([[1; 32], [2; 32]]));
    // Nothing is recorded for a token that was not there.
    assert!(!b.delete_token(&[9; 32]).await.unwrap());
    assert_eq!(a.recent_revocations().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_database_that_stops_answering_mid_batch_fails_the_batch_within_the_bound() {
    if suda_testkit::postgres::skipped_unless_selected() {
        return;
    }
    let pg = suda_testkit::postgres::Postgres::start_private();
    let s = PgStore::open(&pg.create_database()).await.unwrap();
    let (alice, g) = member_in_group(&s, "alice").await;
    let mut tx = s.begin().await.unwrap();
    pg.pause();
    let started = std::time::Instant::now();
    let step = tx.savepoint().await;
    assert!(
        matches!(step, Err(crate::error::ApiError::Storage(_))),
        "{step:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "{:?}",
        started.elapsed()
    );
    tx.abandon().await;
    pg.resume();
    // The ledger goes on: the next batch commits.
    let done = rules::apply_batch(&s, &[say(g, alice, "after".into())])
        .await
        .unwrap();
    assert!(done[0].is_ok());
}
