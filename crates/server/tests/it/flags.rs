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
        let mut refused = 0;
        for i in 0..40 {
            let v = graphql(
                &http,
                &server.base,
                Some(&token),
                SEND,
                json!({"c": channel, "m": format!("m{i}")}),
            )
            .await;
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
