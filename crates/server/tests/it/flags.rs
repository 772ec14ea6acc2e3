//! Every flag docs/security.md names is one `suda-server --help` lists.

use std::process::Command;

#[test]
fn every_flag_in_the_security_doc_is_a_real_flag() {
    let doc = include_str!("../../../../docs/security.md");
    let help = Command::new(env!("CARGO_BIN_EXE_suda-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let mut named: Vec<&str> = doc
        .split('`')
        .filter(|s| s.starts_with("--") && s.len() > 2)
        .map(|s| s.split_whitespace().next().unwrap())
        .collect();
    named.sort_unstable();
    named.dedup();
    assert!(named.len() >= 20, "the doc names its flags: {named:?}");
    for flag in named {
        assert!(
            help.contains(flag),
            "{flag} is in docs/security.md but not in --help"
        );
    }
}

#[tokio::test]
async fn no_limits_turns_the_send_limit_off_and_only_then() {
    use serde_json::json;
    use suda_testkit::{free_port, graphql, sign_up, ServerProcess};

    const SEND: &str = "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}";
    let dir = tempfile::tempdir().unwrap();
    // 40 sends at once: over the default burst of 30.
    for no_limits in [true, false] {
        let db = dir.path().join(format!("limits-{no_limits}.db"));
        let port = free_port();
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_suda-server"));
        command.args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &suda_testkit::database_url_for(&db),
        ]);
        if no_limits {
            command.arg("--no-limits");
        }
        let server = ServerProcess::spawn(command, port).await;
        let http = reqwest::Client::new();
        let (token, _) = sign_up(&http, &server.base, "alice").await;
        let created = graphql(
            &http,
            &server.base,
            Some(&token),
            "mutation{createGroupChannel(name:\"g\"){id}}",
            json!({}),
        )
        .await;
        let channel = created["data"]["createGroupChannel"]["id"].clone();
        // Truly at once: sent one after another, slow commits (PostgreSQL
        // on a loaded machine) let the bucket refill 10 a second and all
        // 40 could pass.
        let answers = futures::future::join_all((0..40).map(|i| {
            graphql(
                &http,
                &server.base,
                Some(&token),
                SEND,
                json!({"c": channel, "m": format!("m{i}")}),
            )
        }))
        .await;
        let mut refused = 0;
        for v in answers {
            if v.get("errors").is_some() {
                assert_eq!(v["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{v}");
                refused += 1;
            }
        }
        if no_limits {
            assert_eq!(refused, 0, "--no-limits lets every send through");
        } else {
            assert!(refused > 0, "the default burst of 30 holds without it");
        }
    }
}

#[test]
fn a_database_url_of_another_kind_is_refused_at_start_saying_which_kinds_there_are() {
    let out = Command::new(env!("CARGO_BIN_EXE_suda-server"))
        .args(["--listen", "127.0.0.1:0", "--database-url"])
        .arg("mysql://suda:s3cret@127.0.0.1/suda")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refuses to start: {stderr}");
    assert!(stderr.contains("sqlite:PATH"), "{stderr}");
    assert!(stderr.contains("postgres://"), "{stderr}");
    assert!(
        !stderr.contains("s3cret"),
        "never shows the password: {stderr}"
    );
}

#[test]
fn help_names_both_kinds_of_database() {
    let help = Command::new(env!("CARGO_BIN_EXE_suda-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("sqlite:PATH"), "{help}");
    assert!(help.contains("postgres://"), "{help}");
    assert!(help.contains("postgresql://"), "{help}");
}

#[test]
fn the_doorbell_flags_say_they_are_for_measurement() {
    let help = Command::new(env!("CARGO_BIN_EXE_suda-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let lines: Vec<&str> = help.lines().collect();
    for flag in ["--no-doorbell", "--cluster-poll-ms"] {
        // The flag's line, then its description.
        let at = lines
            .iter()
            .position(|l| l.split_whitespace().next() == Some(flag))
            .unwrap_or_else(|| panic!("{flag} is not in --help:\n{help}"));
        let said = lines.get(at + 1).copied().unwrap_or_default();
        assert!(
            said.contains("measur"),
            "{flag} says what it is for: {said}"
        );
    }
}

/// Two nodes on one fresh PostgreSQL database, both with `flags`: alice
/// writes on the first, bob listens on the second. Returns what bob's
/// stream holds within `wait` after alice's message, and then after a
/// message of bob's own through his node.
async fn quiet_node_after(flags: &[&str], wait: std::time::Duration) -> (Vec<String>, Vec<String>) {
    use suda_testkit::{free_port, graphql, postgres, sign_up, ServerProcess, SseReader};

    let url = tokio::task::spawn_blocking(postgres::fresh_database)
        .await
        .unwrap();
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_suda-server"));
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let port = free_port();
        let mut command = ServerProcess::command_for_url(binary, &url, port);
        command.args(flags);
        nodes.push(ServerProcess::spawn(command, port).await);
    }
    let (writer, quiet) = (&nodes[0].base, &nodes[1].base);
    let http = reqwest::Client::new();
    let (alice, _) = sign_up(&http, writer, "alice").await;
    let (bob, bob_id) = sign_up(&http, writer, "bob").await;
    let created = graphql(
        &http,
        writer,
        Some(&alice),
        "mutation($m:[ID!]){createGroupChannel(name:\"g\",memberIds:$m){id}}",
        serde_json::json!({"m": [bob_id]}),
    )
    .await;
    let channel = created["data"]["createGroupChannel"]["id"].clone();
    let send = |base: String, token: String, text: &'static str| {
        let (http, channel) = (http.clone(), channel.clone());
        async move {
            let v = graphql(
                &http,
                &base,
                Some(&token),
                "mutation($c:ID!,$m:String!){sendChatMessage(channelId:$c,message:$m){id}}",
                serde_json::json!({"c": channel, "m": text}),
            )
            .await;
            assert!(v["data"]["sendChatMessage"]["id"].is_string(), "{v}");
        }
    };
    let response = http
        .get(format!("{quiet}{}", suda_protocol::SSE_PATH))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(response);
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    send(writer.clone(), alice.clone(), "from the writer").await;
    let before = chat_texts(&mut stream, wait).await;
    send(quiet.clone(), bob.clone(), "from the quiet node").await;
    let after = chat_texts(&mut stream, std::time::Duration::from_secs(2)).await;
    (before, after)
}

/// The chat messages' texts `stream` receives within `wait`.
async fn chat_texts(
    stream: &mut suda_testkit::SseReader,
    wait: std::time::Duration,
) -> Vec<String> {
    let until = tokio::time::Instant::now() + wait;
    let mut got = Vec::new();
    while let Some(event) = stream
        .next_within(until.saturating_duration_since(tokio::time::Instant::now()))
        .await
    {
        if let Some(text) = event.message() {
            got.push(text.to_owned());
        }
    }
    got
}

#[tokio::test]
async fn without_the_doorbell_a_quiet_node_hears_of_other_nodes_commits_only_by_its_own() {
    // No ring, and no poll within the test: only bob's own commit on his
    // node makes it read forward, and then everything comes in order.
    let (before, after) = quiet_node_after(
        &["--no-doorbell", "--cluster-poll-ms", "60000"],
        std::time::Duration::from_millis(1500),
    )
    .await;
    assert_eq!(before, Vec::<String>::new());
    assert_eq!(after, ["from the writer", "from the quiet node"]);
}

#[tokio::test]
async fn with_the_doorbell_a_quiet_node_hears_at_once_without_polling() {
    let (before, after) = quiet_node_after(
        &["--cluster-poll-ms", "60000"],
        std::time::Duration::from_secs(3),
    )
    .await;
    assert_eq!(before, ["from the writer"]);
    assert_eq!(after, ["from the quiet node"]);
}
