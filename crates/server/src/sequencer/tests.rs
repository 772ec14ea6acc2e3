//! The sequencer with two writers on one database file, as two nodes on
//! one shared database: a subscriber of one node gets both nodes' events,
//! each once, in id order, whether the other node's events are found by
//! a local commit after them or by the timer.

use std::time::Duration;

use suda_protocol::{ChannelId, MemberId};

use super::*;
use crate::{
    fanout::{Feed, LocalFanout},
    ledger::Ledger,
    rules::{self, Command},
    store::sqlite::SqliteStore,
};

/// A node: its own connection to the database, fan-out, sequencer and
/// ledger.
struct Node {
    store: Arc<dyn Store>,
    fanout: Arc<LocalFanout>,
    ledger: Ledger,
}

async fn node(url: &str, poll: Duration) -> Node {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(url).await.unwrap().written_by_others());
    let fanout = Arc::new(LocalFanout::new(1024));
    let (head, memberships) = store.memberships().await.unwrap();
    fanout.seed(&memberships);
    let as_dyn: Arc<dyn Fanout> = fanout.clone();
    let (sequencer, _task) = Sequencer::start(
        Arc::clone(&store),
        as_dyn,
        head,
        Watch {
            poll,
            doorbell: true,
        },
    );
    let (ledger, _task) = Ledger::start(
        Arc::clone(&store),
        sequencer,
        tokio_util::sync::CancellationToken::new(),
    );
    Node {
        store,
        fanout,
        ledger,
    }
}

fn send(channel: ChannelId, sender: MemberId, text: &str) -> Command {
    Command::Send {
        attachments: Vec::new(),
        reply_to: None,
        thread: None,
        channel,
        sender,
        text: text.into(),
        client_key: None,
    }
}

/// What `feed` holds within `wait`, until `count` frames: their ids.
async fn ids(feed: &mut Feed, count: usize, wait: Duration) -> Vec<i64> {
    let mut got = Vec::new();
    while got.len() < count {
        match tokio::time::timeout(wait, feed.recv()).await {
            Ok(Some(frame)) => got.push(frame.id),
            _ => break,
        }
    }
    got
}

struct World {
    _dir: tempfile::TempDir,
    url: String,
    alice: MemberId,
    bob: MemberId,
    channel: ChannelId,
}

/// A database with alice and bob in one group.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("suda.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    let alice = store.create_member("alice", "h", None).await.unwrap().id;
    let bob = store.create_member("bob", "h", None).await.unwrap().id;
    let created = rules::apply_batch(
        &store,
        &[Command::CreateGroup {
            creator: alice,
            name: "g".into(),
            members: vec![bob],
            topic: String::new(),
            private: false,
        }],
    )
    .await
    .unwrap();
    let channel = created[0].as_ref().unwrap().channel;
    store.close().await;
    World {
        _dir: dir,
        url,
        alice,
        bob,
        channel,
    }
}

#[tokio::test]
async fn another_writers_events_go_out_before_this_nodes_own_in_id_order() {
    let w = world().await;
    // No timer to speak of: only this node's own commit can find the others.
    let here = node(&w.url, Duration::from_secs(3600)).await;
    let there = node(&w.url, Duration::from_secs(3600)).await;
    let mut alice = here.fanout.subscribe(w.alice);
    let head = here.store.head().await.unwrap();

    for i in 0..3 {
        there
            .ledger
            .submit(send(w.channel, w.bob, &format!("from there {i}")))
            .await
            .unwrap();
    }
    assert!(
        ids(&mut alice, 1, Duration::from_millis(200))
            .await
            .is_empty(),
        "nothing rang, nothing polled: not yet"
    );
    let mine = here
        .ledger
        .submit(send(w.channel, w.alice, "from here"))
        .await
        .unwrap();
    assert_eq!(mine.events[0].id.get(), head + 4);
    // Acknowledged means published here: all four are queued already.
    let got = ids(&mut alice, 4, Duration::from_millis(1)).await;
    assert_eq!(got, (head + 1..=head + 4).collect::<Vec<_>>());
}

#[tokio::test]
async fn without_a_ring_the_timer_finds_another_writers_events() {
    let w = world().await;
    let here = node(&w.url, Duration::from_millis(50)).await;
    let there = node(&w.url, Duration::from_secs(3600)).await;
    let mut bob = here.fanout.subscribe(w.bob);
    let head = here.store.head().await.unwrap();
    for i in 0..5 {
        there
            .ledger
            .submit(send(w.channel, w.alice, &format!("{i}")))
            .await
            .unwrap();
    }
    let got = ids(&mut bob, 5, Duration::from_secs(5)).await;
    assert_eq!(got, (head + 1..=head + 5).collect::<Vec<_>>());
}

#[tokio::test]
async fn membership_changes_another_writer_made_steer_this_nodes_delivery() {
    let w = world().await;
    let here = node(&w.url, Duration::from_millis(50)).await;
    let there = node(&w.url, Duration::from_secs(3600)).await;
    let carol = here
        .store
        .create_member("carol", "h", None)
        .await
        .unwrap()
        .id;
    let mut carol_feed = here.fanout.subscribe(carol);
    let mut bob_feed = here.fanout.subscribe(w.bob);
    let head = here.store.head().await.unwrap();
    // There: carol joins, bob leaves, alice speaks.
    there
        .ledger
        .submit(Command::Join {
            channel: w.channel,
            member: carol,
        })
        .await
        .unwrap();
    there
        .ledger
        .submit(Command::Leave {
            channel: w.channel,
            member: w.bob,
        })
        .await
        .unwrap();
    there
        .ledger
        .submit(send(w.channel, w.alice, "after"))
        .await
        .unwrap();
    let carol_got = ids(&mut carol_feed, 3, Duration::from_secs(5)).await;
    assert_eq!(
        carol_got,
        vec![head + 1, head + 2, head + 3],
        "from her join on"
    );
    let bob_got = ids(&mut bob_feed, 3, Duration::from_millis(300)).await;
    assert_eq!(bob_got, vec![head + 1, head + 2], "up to his own leave");
}
