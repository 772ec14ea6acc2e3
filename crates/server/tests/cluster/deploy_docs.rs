//! docs/deploy.md as written: it quotes the shipped nginx file exactly,
//! and its node command line starts a node of a cluster.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn deploy_md() -> String {
    std::fs::read_to_string(root().join("docs/deploy.md")).unwrap()
}

/// The contents of the fenced blocks of `markdown` whose info string is `lang`.
fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_end() == format!("```{lang}") => current = Some(String::new()),
            Some(_) if line.trim_end() == "```" => found.push(current.take().unwrap()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    found
}

#[test]
fn deploy_md_quotes_the_shipped_nginx_file_exactly() {
    let shipped = std::fs::read_to_string(root().join("deploy/nginx/suda.conf")).unwrap();
    let quoted = blocks(&deploy_md(), "nginx");
    assert_eq!(quoted.len(), 1, "one nginx block in docs/deploy.md");
    assert!(
        quoted[0] == shipped,
        "docs/deploy.md's nginx block differs from deploy/nginx/suda.conf: copy the file into it"
    );
}

#[tokio::test]
async fn the_node_command_line_in_deploy_md_starts_a_node() {
    let line = blocks(&deploy_md(), "sh")
        .into_iter()
        .flat_map(|b| b.lines().map(str::to_owned).collect::<Vec<_>>())
        .find(|l| l.starts_with("suda-server "))
        .expect("a suda-server command line in docs/deploy.md");
    let database = crate::database::Database::fresh().await;
    let port = suda_testkit::free_port();
    // The documented flags, with this machine's database and a free port in
    // place of the example's.
    let mut command = tokio::process::Command::new(crate::SERVER);
    for arg in line.split_whitespace().skip(1) {
        let arg = if arg.starts_with("postgres://") {
            database.url().to_owned()
        } else if arg == "127.0.0.1:8081" {
            format!("127.0.0.1:{port}")
        } else {
            arg.to_owned()
        };
        command.arg(arg);
    }
    let node = suda_testkit::ServerProcess::spawn(command, port).await;
    let ready = reqwest::get(format!("{}/readyz", node.base)).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}
