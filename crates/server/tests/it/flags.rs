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
