//! The `suda` binary against a real server in this process: the commands a
//! person types, and the sentences they get when something is wrong.

use std::{path::Path, time::Duration};

use suda_testkit::TestServer;

mod cluster;
mod files;
mod groups;
mod search;
mod threads;
use tokio::process::Command;

/// The test kit's server, with its address as the CLI takes it.
struct Server {
    url: String,
    _server: TestServer,
}

async fn server() -> Server {
    server_with(suda_testkit::config()).await
}

async fn server_with(config: suda_server::Config) -> Server {
    let server = TestServer::start_with(config).await;
    Server {
        url: server.base(),
        _server: server,
    }
}

/// Signs each of `names` up with its own config file in `dir`; the
/// files, in order.
async fn members(s: &Server, dir: &Path, names: &[&str]) -> Vec<std::path::PathBuf> {
    let mut configs = Vec::new();
    for name in names {
        let config = dir.join(format!("{name}.json"));
        let done = suda(
            &s.url,
            &config,
            &["signup", name, "--password", "password-123"],
        )
        .await;
        assert!(done.ok, "{}", done.stderr);
        configs.push(config);
    }
    configs
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

async fn suda(server: &str, config: &Path, args: &[&str]) -> Run {
    suda_in(None, server, config, args).await
}

/// [`suda`] run in the directory `cwd` (where a download lands).
async fn suda_in(cwd: Option<&Path>, server: &str, config: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_suda"));
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let out = command
        .args(args)
        .env("SUDA_SERVER", server)
        .env("SUDA_CONFIG", config)
        // Each test member keeps its token in its own config file; the
        // keychain is per user and would be shared between them.
        .env("SUDA_NO_KEYCHAIN", "1")
        .env_remove("SUDA_TOKEN")
        .output()
        .await
        .unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test]
async fn signup_create_send_and_history_round_trip() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (dir.path().join("alice.json"), dir.path().join("bob.json"));
    let pw = ["--password", "password-123"];
    let signed_up = suda(&s.url, &bob, &[&["signup", "bob"][..], &pw].concat()).await;
    assert!(signed_up.ok);
    assert!(
        signed_up.stderr.contains("no OS keychain"),
        "without a keychain the user is told where the token went: {}",
        signed_up.stderr
    );
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bob).unwrap()).unwrap();
    assert!(kept["token"].is_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&bob).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is the user's only");
    }
    assert!(
        suda(&s.url, &alice, &[&["signup", "alice"][..], &pw].concat())
            .await
            .ok
    );
    let created = suda(&s.url, &alice, &["create", "lobby", "--member", "bob"]).await;
    assert!(created.ok, "{}", created.stderr);
    let sent = suda(&s.url, &alice, &["send", "lobby", "hello bob"]).await;
    assert!(sent.ok, "{}", sent.stderr);
    let channels = suda(&s.url, &bob, &["channels"]).await;
    assert!(
        channels.stdout.contains("lobby  (1 unread)"),
        "{}",
        channels.stdout
    );
    let history = suda(&s.url, &bob, &["history", "lobby"]).await;
    assert!(
        history.stdout.contains("alice: hello bob"),
        "{}",
        history.stdout
    );
    assert!(suda(&s.url, &bob, &["read", "lobby"]).await.ok);
    let channels = suda(&s.url, &bob, &["channels", "--json"]).await;
    let json: serde_json::Value = serde_json::from_str(&channels.stdout).unwrap();
    assert_eq!(json[0]["unread"], 0);
    assert!(suda(&s.url, &bob, &["logout"]).await.ok);
    let after = suda(&s.url, &bob, &["channels"]).await;
    assert!(
        !after.ok && after.stderr.contains("suda login"),
        "{}",
        after.stderr
    );
}

#[tokio::test]
async fn errors_say_what_to_do_next() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let me = dir.path().join("me.json");
    let unreachable = suda("http://127.0.0.1:9", &me, &["channels"]).await;
    assert!(!unreachable.ok);
    assert!(
        unreachable.stderr.contains("cannot reach") && unreachable.stderr.contains("SUDA_SERVER"),
        "{}",
        unreachable.stderr
    );
    let no_token = suda(&s.url, &me, &["channels"]).await;
    assert!(
        no_token.stderr.contains("suda login"),
        "{}",
        no_token.stderr
    );
    assert!(
        suda(
            &s.url,
            &me,
            &["signup", "erin", "--password", "password-123"]
        )
        .await
        .ok
    );
    let unknown = suda(&s.url, &me, &["send", "nowhere", "hi"]).await;
    assert!(!unknown.ok);
    assert!(
        unknown.stderr.contains("unknown channel"),
        "{}",
        unknown.stderr
    );
}

fn token_in(config: &Path) -> String {
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    file["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sessions_are_listed_and_another_one_is_ended() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (laptop, desk) = (dir.path().join("laptop.json"), dir.path().join("desk.json"));
    let pw = ["--password", "password-123"];
    assert!(
        suda(&s.url, &laptop, &[&["signup", "gus"][..], &pw].concat())
            .await
            .ok
    );
    assert!(
        suda(&s.url, &desk, &[&["login", "gus"][..], &pw].concat())
            .await
            .ok
    );
    let listed = suda(&s.url, &laptop, &["sessions", "--json"]).await;
    assert!(listed.ok, "{}", listed.stderr);
    let sessions: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert!(sessions
        .iter()
        .all(|s| s["device"].as_str().unwrap().starts_with("suda-cli/")));
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    let text = suda(&s.url, &laptop, &["sessions"]).await.stdout;
    assert!(text.contains("(this one)"), "{text}");
    let ended = suda(
        &s.url,
        &laptop,
        &["end-session", other["id"].as_str().unwrap()],
    )
    .await;
    assert!(ended.ok, "{}", ended.stderr);
    let refused = suda(&s.url, &desk, &["channels"]).await;
    assert!(
        !refused.ok && refused.stderr.contains("suda login"),
        "{}",
        refused.stderr
    );
    let unknown = suda(&s.url, &laptop, &["end-session", "0011223344556677"]).await;
    assert!(
        !unknown.ok && unknown.stderr.contains("suda sessions"),
        "{}",
        unknown.stderr
    );
}

#[tokio::test]
async fn a_kept_token_is_renewed_by_the_commands_that_use_it() {
    let s = server_with(suda_server::Config {
        token_lifetime: Duration::from_secs(3),
        ..suda_testkit::config()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let me = dir.path().join("me.json");
    assert!(
        suda(
            &s.url,
            &me,
            &["signup", "hal", "--password", "password-123"]
        )
        .await
        .ok
    );
    let first = token_in(&me);
    // Past half its life, the next command renews it and keeps the new one.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let channels = suda(&s.url, &me, &["channels"]).await;
    assert!(channels.ok, "{}", channels.stderr);
    let second = token_in(&me);
    assert_ne!(first, second, "renewed and kept");
    // Past the first token's life, suda still works without a new login.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let channels = suda(&s.url, &me, &["channels"]).await;
    assert!(channels.ok, "{}", channels.stderr);
}

#[tokio::test]
async fn a_blocked_member_cannot_add_you_and_unblocking_lets_them() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (ida, mal) = (dir.path().join("ida.json"), dir.path().join("mal.json"));
    let pw = ["--password", "password-123"];
    assert!(
        suda(&s.url, &ida, &[&["signup", "ida"][..], &pw].concat())
            .await
            .ok
    );
    assert!(
        suda(&s.url, &mal, &[&["signup", "mal"][..], &pw].concat())
            .await
            .ok
    );
    let blocked = suda(&s.url, &ida, &["block", "mal"]).await;
    assert!(blocked.ok, "{}", blocked.stderr);
    assert!(suda(&s.url, &ida, &["blocked"])
        .await
        .stdout
        .contains("mal"));
    let refused = suda(&s.url, &mal, &["create", "spam", "--member", "ida"]).await;
    assert!(!refused.ok, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("does not take"),
        "{}",
        refused.stderr
    );
    assert!(suda(&s.url, &ida, &["unblock", "mal"]).await.ok);
    assert!(
        suda(&s.url, &mal, &["create", "fine", "--member", "ida"])
            .await
            .ok
    );
    let unknown = suda(&s.url, &ida, &["block", "nobody"]).await;
    assert!(!unknown.ok);
}

/// `suda tail` for `config`'s member, live: its stdout lines, and its
/// status lines (stderr) drained so it never blocks.
/// The next `n` lines `tail` prints, waiting at most 10 s for each.
async fn next_lines(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    n: usize,
) -> Vec<String> {
    let mut seen = Vec::new();
    while seen.len() < n {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("tail printed only {seen:?}"))
            .unwrap()
            .expect("tail still runs");
        seen.push(line);
    }
    seen
}

async fn live_tail(
    server: &str,
    config: &Path,
) -> (
    tokio::process::Child,
    tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut tail = Command::new(env!("CARGO_BIN_EXE_suda"))
        .arg("tail")
        .env("SUDA_SERVER", server)
        .env("SUDA_CONFIG", config)
        .env("SUDA_NO_KEYCHAIN", "1")
        .env_remove("SUDA_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let lines = BufReader::new(tail.stdout.take().unwrap()).lines();
    let mut status = BufReader::new(tail.stderr.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = status.next_line().await.unwrap() {
            // In words, not as a debug dump of the state.
            assert!(!line.contains('{'), "a status line in words: {line}");
            if line == "(live (over server-sent events))" {
                return;
            }
        }
        panic!("tail ended before it was live");
    })
    .await
    .expect("tail is live within 20 s");
    tokio::spawn(async move { while let Ok(Some(_)) = status.next_line().await {} });
    (tail, lines)
}

#[tokio::test]
async fn replies_edits_deletions_and_reactions_from_the_command_line_and_in_tail() {
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
    let (_tail, mut lines) = live_tail(&s.url, &bob).await;
    let sent = suda(&s.url, &alice, &["send", "lobby", "first try"]).await;
    assert!(sent.ok, "{}", sent.stderr);
    // The id, as `suda history` shows it first on each line.
    let history = suda(&s.url, &alice, &["history", "lobby"]).await;
    let line = history
        .stdout
        .lines()
        .find(|l| l.ends_with("alice: first try"))
        .unwrap_or_else(|| panic!("{}", history.stdout));
    let id = line.split_whitespace().next().unwrap().to_owned();
    assert!(id.parse::<i64>().is_ok(), "{line}");

    let edited = suda(&s.url, &alice, &["edit", &id, "second try"]).await;
    assert!(edited.ok, "{}", edited.stderr);
    let reacted = suda(&s.url, &bob, &["react", &id, "👍"]).await;
    assert!(reacted.ok, "{}", reacted.stderr);
    assert_eq!(reacted.stdout.trim(), "👍 1");
    let taken_back = suda(&s.url, &bob, &["react", &id, "👍", "--off"]).await;
    assert_eq!(taken_back.stdout.trim(), "👍 0", "{}", taken_back.stderr);

    // Only the sender may change a message, and each refusal says why.
    let not_hers = suda(&s.url, &bob, &["edit", &id, "bob's words"]).await;
    assert!(!not_hers.ok);
    assert!(not_hers.stderr.contains("not yours"), "{}", not_hers.stderr);
    let not_emoji = suda(&s.url, &bob, &["react", &id, "ok"]).await;
    assert!(!not_emoji.ok);
    assert!(not_emoji.stderr.contains("emoji"), "{}", not_emoji.stderr);
    let not_an_id = suda(&s.url, &alice, &["delete", "lobby"]).await;
    assert!(!not_an_id.ok);
    assert!(
        not_an_id.stderr.contains("not a message id"),
        "{}",
        not_an_id.stderr
    );
    let empty = suda(&s.url, &alice, &["edit", &id, "  "]).await;
    assert!(!empty.ok);
    assert!(empty.stderr.contains("1 to"), "{}", empty.stderr);

    // A reply, by the original's id alone, and history as it is now.
    let replied = suda(&s.url, &bob, &["reply", &id, "agreed"]).await;
    assert!(replied.ok, "{}", replied.stderr);
    let loved = suda(&s.url, &bob, &["react", &id, "❤️"]).await;
    assert!(loved.ok, "{}", loved.stderr);
    let history = suda(&s.url, &alice, &["history", "lobby"]).await.stdout;
    assert!(
        history.contains(&format!("{id}  "))
            && history.contains("alice: second try (edited)  [❤️ 1]"),
        "{history}"
    );
    assert!(
        history.contains("bob (replying to alice: \"second try\"): agreed"),
        "{history}"
    );
    let elsewhere = suda(&s.url, &alice, &["reply", "999999", "hello?"]).await;
    assert!(!elsewhere.ok);
    assert!(
        elsewhere.stderr.contains("no message"),
        "{}",
        elsewhere.stderr
    );

    let deleted = suda(&s.url, &alice, &["delete", &id]).await;
    assert!(deleted.ok, "{}", deleted.stderr);
    let history = suda(&s.url, &alice, &["history", "lobby"]).await.stdout;
    assert!(history.contains("alice: (message deleted)"), "{history}");
    assert!(
        !history.contains("second try"),
        "the text is gone: {history}"
    );
    assert!(
        history.contains("bob (replying to a deleted message of alice): agreed"),
        "{history}"
    );
    let gone = suda(&s.url, &alice, &["edit", &id, "third try"]).await;
    assert!(!gone.ok);
    assert!(gone.stderr.contains("no message"), "{}", gone.stderr);

    // Bob's tail printed each change once, in order, in words.
    let expected = [
        "[lobby] alice: first try".to_owned(),
        format!("[lobby] message {id} edited: second try"),
        format!("[lobby] bob reacted 👍 on message {id} (1)"),
        format!("[lobby] bob took back 👍 on message {id} (0)"),
        "[lobby] bob (replying to alice: \"second try\"): agreed".to_owned(),
        format!("[lobby] bob reacted ❤️ on message {id} (1)"),
        format!("[lobby] message {id} deleted"),
    ];
    let seen = next_lines(&mut lines, expected.len()).await;
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn sends_faster_than_the_server_takes_wait_their_turn_instead_of_being_dropped() {
    // One message at once, two a second: the second send in a row is
    // refused for now, and the CLI's outbox ends with the process.
    let s = server_with(suda_server::Config {
        sends_per_second: 2,
        send_burst: 1,
        ..suda_testkit::config()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let me = dir.path().join("me.json");
    let signed_up = suda(
        &s.url,
        &me,
        &["signup", "quick", "--password", "password-123"],
    )
    .await;
    assert!(signed_up.ok, "{}", signed_up.stderr);
    assert!(suda(&s.url, &me, &["create", "fast"]).await.ok);
    for text in ["one", "two", "three", "four"] {
        let sent = suda(&s.url, &me, &["send", "fast", text]).await;
        assert!(sent.ok, "{text}: {}", sent.stderr);
    }
    let history = suda(&s.url, &me, &["history", "fast"]).await.stdout;
    let texts: Vec<&str> = history
        .lines()
        .filter_map(|l| l.split_once("quick: ").map(|(_, t)| t))
        .collect();
    assert_eq!(texts, ["one", "two", "three", "four"], "{history}");
}

#[tokio::test]
async fn notification_levels_and_mentions_from_the_command_line() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = (dir.path().join("alice.json"), dir.path().join("bob.json"));
    let pw = ["--password", "password-123"];
    for (name, config) in [("alice", &alice), ("bob", &bob)] {
        assert!(
            suda(&s.url, config, &[&["signup", name][..], &pw].concat())
                .await
                .ok
        );
    }
    assert!(
        suda(&s.url, &alice, &["create", "lobby", "--member", "bob"])
            .await
            .ok
    );
    let (_tail, mut lines) = live_tail(&s.url, &bob).await;
    let set = suda(&s.url, &bob, &["notify", "lobby", "mentions"]).await;
    assert!(set.ok, "{}", set.stderr);
    assert_eq!(set.stderr.trim(), "lobby: only mentions of you notify");
    assert!(
        suda(&s.url, &alice, &["send", "lobby", "hello all"])
            .await
            .ok
    );
    assert!(
        suda(&s.url, &alice, &["send", "lobby", "@bob your turn"])
            .await
            .ok
    );
    let channels = suda(&s.url, &bob, &["channels"]).await.stdout;
    assert!(
        channels.contains("lobby  (2 unread, 1 mention)  [mentions only]"),
        "{channels}"
    );
    // Alice's level is hers.
    let hers = suda(&s.url, &alice, &["channels"]).await.stdout;
    assert!(!hers.contains("[mentions only]"), "{hers}");
    // Bad input says what is wanted and changes nothing.
    let bad = suda(&s.url, &bob, &["notify", "lobby", "sometimes"]).await;
    assert!(!bad.ok);
    assert!(
        bad.stderr.contains("all, mentions or nothing"),
        "{}",
        bad.stderr
    );
    let nowhere = suda(&s.url, &bob, &["notify", "nowhere", "all"]).await;
    assert!(
        !nowhere.ok && nowhere.stderr.contains("unknown channel"),
        "{}",
        nowhere.stderr
    );
    assert!(suda(&s.url, &bob, &["notify", "lobby", "nothing"]).await.ok);
    let channels = suda(&s.url, &bob, &["channels"]).await.stdout;
    assert!(channels.contains("[muted]"), "{channels}");

    // Bob's tail heard each level change in words, between the messages.
    let expected = [
        "[lobby] only mentions of you notify",
        "[lobby] alice: hello all",
        "[lobby] alice: @bob your turn",
        "[lobby] nothing notifies",
    ];
    let seen = next_lines(&mut lines, expected.len()).await;
    assert_eq!(seen, expected);
}
