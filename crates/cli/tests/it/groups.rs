//! Groups from the command line: a private group with a topic, the
//! directory, topics and renames, archiving, removing a member.

use crate::{members, server, suda};

#[tokio::test]
async fn groups_are_browsed_renamed_archived_and_members_removed() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let configs = members(&s, dir.path(), &["ana", "ben", "cy"]).await;
    let (ana, ben, cy) = (&configs[0], &configs[1], &configs[2]);

    let made = suda(
        &s.url,
        ana,
        &[
            "create",
            "design",
            "--topic",
            "Pixels and fonts",
            "--member",
            "ben",
        ],
    )
    .await;
    assert!(made.ok, "{}", made.stderr);
    let secret = suda(&s.url, ana, &["create", "secret", "--private"]).await;
    assert!(secret.ok, "{}", secret.stderr);

    // Cy finds design by its topic, not the private one; joins it by id.
    let found = suda(&s.url, cy, &["directory", "PIXEL"]).await;
    assert!(found.ok, "{}", found.stderr);
    assert!(
        found.stdout.contains("design\t2 members\tPixels and fonts"),
        "{}",
        found.stdout
    );
    let all = suda(&s.url, cy, &["directory", "--json"]).await;
    let page: serde_json::Value = serde_json::from_str(&all.stdout).unwrap();
    let groups = page["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "only design is listed: {page}");
    let id = groups[0]["id"].as_str().unwrap().to_owned();
    assert!(suda(&s.url, cy, &["join", &id]).await.ok);
    let none = suda(&s.url, cy, &["directory", "nothing-like-it"]).await;
    assert!(
        none.ok && none.stderr.contains("no group found"),
        "{}",
        none.stderr
    );

    // Ben (not the creator) renames and sets the topic; cannot archive.
    let renamed = suda(&s.url, ben, &["rename", "design", "design-team"]).await;
    assert!(renamed.ok, "{}", renamed.stderr);
    let topic = suda(&s.url, ben, &["topic", "design-team", "Icons by Friday"]).await;
    assert!(
        topic.stderr.contains("design-team: Icons by Friday"),
        "{}",
        topic.stderr
    );
    let refused = suda(&s.url, ben, &["archive", "design-team"]).await;
    assert!(
        !refused.ok && refused.stderr.contains("creator"),
        "{}",
        refused.stderr
    );
    let long = "x".repeat(251);
    let refused = suda(&s.url, ben, &["topic", "design-team", &long]).await;
    assert!(
        !refused.ok && refused.stderr.contains("250"),
        "{}",
        refused.stderr
    );

    // Ana removes cy; archives; nobody writes; brings it back.
    let removed = suda(&s.url, ana, &["remove", "design-team", "cy"]).await;
    assert!(removed.ok, "{}", removed.stderr);
    let left = suda(&s.url, cy, &["channels"]).await;
    assert!(!left.stdout.contains("design"), "{}", left.stdout);
    let archived = suda(&s.url, ana, &["archive", "design-team"]).await;
    assert!(
        archived.stderr.contains("(archived)"),
        "{}",
        archived.stderr
    );
    let refused = suda(&s.url, ben, &["send", "design-team", "hello?"]).await;
    assert!(
        refused.stderr.contains("archived"),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    let back = suda(&s.url, ana, &["archive", "design-team", "--undo"]).await;
    assert!(
        back.ok && !back.stderr.contains("(archived)"),
        "{}",
        back.stderr
    );
    assert!(
        suda(&s.url, ben, &["send", "design-team", "hello"])
            .await
            .ok
    );
}
