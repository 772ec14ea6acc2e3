//! Threads from the command line: `suda thread` replies in one and shows
//! it (reading it up to date), `history` sums a thread up under its root,
//! and a member's `tail` shows every reply and change once, in order, also
//! those made while its connection was down.

use std::net::SocketAddr;

use suda_testkit::proxy::Proxy;

use crate::{live_tail, next_lines, server, suda};

/// The id `suda history` shows first on the line ending with `ends`.
fn id_on_line(history: &str, ends: &str) -> String {
    let line = history
        .lines()
        .find(|l| l.ends_with(ends))
        .unwrap_or_else(|| panic!("no line ending {ends:?} in {history}"));
    line.split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn threads_from_the_command_line_and_a_tail_that_lost_its_connection_meanwhile() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (dir.path().join("alice.json"), dir.path().join("bob.json"));
    let pw = ["--password", "password-123"];
    for (name, config) in [("alice", &alice), ("bob", &bob)] {
        let done = suda(&s.url, config, &[&["signup", name][..], &pw].concat()).await;
        assert!(done.ok, "{}", done.stderr);
    }
    assert!(
        suda(&s.url, &alice, &["create", "lobby", "--member", "bob"])
            .await
            .ok
    );
    // Bob follows along through a proxy that can drop his connection.
    let addr: SocketAddr = s.url.trim_start_matches("http://").parse().unwrap();
    let proxy = Proxy::start(addr).await;
    let (_tail, mut lines) = live_tail(&proxy.url(), &bob).await;

    assert!(
        suda(&s.url, &alice, &["send", "lobby", "ship it?"])
            .await
            .ok
    );
    let history = suda(&s.url, &alice, &["history", "lobby"]).await.stdout;
    let root = id_on_line(&history, "alice: ship it?");
    let replied = suda(&s.url, &bob, &["thread", &root, "after the parser"]).await;
    assert!(replied.ok, "{}", replied.stderr);

    // Alice sent the root: the reply is hers to read. The channel sums the
    // thread up; the reply is no line of its own there.
    let channels = suda(&s.url, &alice, &["channels"]).await.stdout;
    assert!(channels.contains("lobby  (1 unread)"), "{channels}");
    let history = suda(&s.url, &alice, &["history", "lobby"]).await.stdout;
    assert!(
        history.contains("alice: ship it?  (1 reply, 1 unread, last at "),
        "{history}"
    );
    assert!(!history.contains("after the parser"), "{history}");
    // `suda thread` shows it, oldest first, and reads it.
    let shown = suda(&s.url, &alice, &["thread", &root]).await;
    assert!(shown.ok, "{}", shown.stderr);
    let listed: Vec<&str> = shown.stdout.lines().collect();
    assert_eq!(listed.len(), 2, "{}", shown.stdout);
    assert!(
        listed[0].ends_with("alice: ship it?  (1 reply, 1 unread, last at ")
            || listed[0].contains("alice: ship it?  (1 reply"),
        "{}",
        shown.stdout
    );
    assert!(
        listed[1].ends_with("bob: after the parser"),
        "{}",
        shown.stdout
    );
    let channels = suda(&s.url, &alice, &["channels"]).await.stdout;
    assert!(
        !channels.contains("unread"),
        "read in the thread: {channels}"
    );

    // Naming a reply replies in its thread; an unknown message says so.
    let reply = id_on_line(&shown.stdout, "bob: after the parser");
    let again = suda(&s.url, &alice, &["thread", &reply, "and the docs"]).await;
    assert!(again.ok, "{}", again.stderr);
    let unknown = suda(&s.url, &alice, &["thread", "999999"]).await;
    assert!(!unknown.ok);
    assert!(unknown.stderr.contains("no message"), "{}", unknown.stderr);

    let before_the_drop = [
        "[lobby] alice: ship it?".to_owned(),
        format!("[lobby] bob (in the thread of {root}): after the parser"),
        format!("[lobby] alice (in the thread of {root}): and the docs"),
    ];
    assert_eq!(next_lines(&mut lines, 3).await, before_the_drop);

    // Bob's connection drops; alice edits, reacts, replies and deletes
    // meanwhile. When it is back, his tail shows each once, in order.
    proxy.cut_and_refuse();
    assert!(
        suda(&s.url, &alice, &["edit", &root, "ship it today?"])
            .await
            .ok
    );
    assert!(suda(&s.url, &alice, &["react", &reply, "🎉"]).await.ok);
    assert!(
        suda(&s.url, &alice, &["thread", &root, "one more"])
            .await
            .ok
    );
    let thread = suda(&s.url, &alice, &["thread", &root]).await.stdout;
    let last = id_on_line(&thread, "alice: one more");
    assert!(suda(&s.url, &alice, &["delete", &last]).await.ok);
    proxy.restore();
    let after = [
        format!("[lobby] message {root} edited: ship it today?"),
        format!("[lobby] alice reacted 🎉 on message {reply} (1)"),
        // Replayed as it is now: deleted since.
        format!("[lobby] alice (in the thread of {root}): (message deleted)"),
        format!("[lobby] message {last} deleted"),
    ];
    assert_eq!(next_lines(&mut lines, after.len()).await, after);
}
