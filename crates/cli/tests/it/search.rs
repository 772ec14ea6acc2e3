//! `suda search`: a line per message found, newest first, its channel and
//! sender; the filters as a person types them; pages; and a sentence for
//! each kind of bad search.

use crate::{members, server, suda};

#[tokio::test]
async fn search_from_the_command_line_with_filters_pages_and_clear_refusals() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let [alice, bob] =
        <[_; 2]>::try_from(members(&s, dir.path(), &["alice", "bob"]).await).unwrap();
    for group in ["lobby", "team chat"] {
        let made = suda(&s.url, &alice, &["create", group, "--member", "bob"]).await;
        assert!(made.ok, "{}", made.stderr);
    }
    for (who, channel, text) in [
        (&alice, "lobby", "Lunch at noon?"),
        (&bob, "lobby", "안녕하세요, lunch sounds good"),
        (&bob, "team chat", "lunch in the team chat"),
        (&alice, "lobby", "the build is green"),
    ] {
        assert!(suda(&s.url, who, &["send", channel, text]).await.ok);
    }

    let found = suda(&s.url, &alice, &["search", "lunch"]).await;
    assert!(found.ok, "{}", found.stderr);
    let lines: Vec<&str> = found.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", found.stdout);
    assert!(
        lines[0].ends_with("#team chat  bob: lunch in the team chat"),
        "{}",
        lines[0]
    );
    assert!(
        lines[2].ends_with("#lobby  alice: Lunch at noon?"),
        "{}",
        lines[2]
    );

    // Korean inside a longer run; filters as typed, also one the shell
    // kept whole with a space in it.
    let korean = suda(&s.url, &alice, &["search", "안녕"]).await.stdout;
    assert!(
        korean.contains("bob: 안녕하세요, lunch sounds good"),
        "{korean}"
    );
    let from = suda(&s.url, &alice, &["search", "lunch", "from:bob", "in:lobby"]).await;
    assert_eq!(from.stdout.lines().count(), 1, "{}", from.stdout);
    let spaced = suda(&s.url, &alice, &["search", "lunch", "in:team chat"]).await;
    assert!(spaced.ok, "{}", spaced.stderr);
    assert_eq!(spaced.stdout.lines().count(), 1, "{}", spaced.stdout);
    let today = suda(&s.url, &alice, &["search", "lunch", "on:today"]).await;
    assert_eq!(today.stdout.lines().count(), 3, "{}", today.stdout);

    // Pages: the last line says how to ask for the next.
    let first = suda(&s.url, &alice, &["search", "lunch", "--limit", "2"])
        .await
        .stdout;
    let next = first.lines().last().unwrap();
    let cursor = next.strip_prefix("next page: --before ").expect(next);
    let rest = suda(&s.url, &alice, &["search", "lunch", "--before", cursor])
        .await
        .stdout;
    assert!(rest.contains("alice: Lunch at noon?"), "{rest}");
    assert_eq!(rest.lines().count(), 1, "{rest}");

    let json = suda(&s.url, &alice, &["--json", "search", "noon"])
        .await
        .stdout;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["hits"][0]["highlights"][0]["start"], 9);
    assert_eq!(json["hits"][0]["highlights"][0]["length"], 4);

    let nothing = suda(&s.url, &alice, &["search", "dinner"]).await.stdout;
    assert_eq!(nothing.trim(), "nothing found");
    // Each kind of bad search fails with a sentence, nothing printed.
    for (args, said) in [
        (&["search", "?!"][..], "no words"),
        (
            &["search", "lunch", "on:someday"][..],
            "\"on:\" takes a day",
        ),
        (
            &["search", "lunch", "in:nowhere"][..],
            "none of your channels is named \"nowhere\"",
        ),
        (&["search", "lunch", "from:nobody"][..], "NOT_FOUND"),
    ] {
        let refused = suda(&s.url, &alice, args).await;
        assert!(!refused.ok, "{args:?}");
        assert!(refused.stdout.is_empty(), "{args:?}: {}", refused.stdout);
        assert!(
            refused.stderr.contains(said),
            "{args:?}: {}",
            refused.stderr
        );
    }
}
