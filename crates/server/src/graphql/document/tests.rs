use std::time::{Duration, Instant};

use super::*;

fn limits() -> DocumentLimits {
    DocumentLimits::default()
}

fn refusal(query: &str) -> String {
    match check(query, None, &limits()) {
        Err(ApiError::BadInput(message)) => message,
        other => panic!("expected a refusal of {query:?}, got {other:?}"),
    }
}

/// Fragments that each spread the next one twice: 2^levels fields.
fn doubling(levels: usize) -> String {
    let mut q = String::from("query { ...F0 }\n");
    for i in 0..levels {
        q.push_str(&format!(
            "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    q.push_str(&format!("fragment F{levels} on Query {{ me {{ id }} }}\n"));
    q
}

#[test]
fn the_contract_operations_pass() {
    for q in [
        include_str!("../../../../protocol/operations/MyChatChannels.graphql"),
        include_str!("../../../../protocol/operations/ChatChannelEvents.graphql"),
        include_str!("../../../../protocol/operations/SendChatMessage.graphql"),
        // What Suda's own clients send, all operations of it at once.
        include_str!("../../../../protocol/operations/Extensions.graphql"),
        include_str!("../../../../protocol/operations/Conversations.graphql"),
    ] {
        check(q, None, &limits()).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}

#[test]
fn exponential_fragments_are_refused_in_linear_time() {
    // 64 levels would be 2^64 fields: counted, not walked.
    let started = Instant::now();
    let message = refusal(&doubling(60));
    assert!(message.contains("more than 500 fields"), "{message}");
    assert!(started.elapsed() < Duration::from_millis(50));
    // Small ones within the limit are fine.
    check(&doubling(4), None, &limits()).unwrap();
}

#[test]
fn cycles_unknown_fragments_and_counts_are_refused() {
    assert!(
        refusal("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
            .contains("spreads itself")
    );
    assert!(refusal("query { ...Nope }").contains("unknown fragment"));
    let many_fragments: String = (0..65)
        .map(|i| format!("fragment F{i} on Query {{ me {{ id }} }}\n"))
        .collect();
    assert!(refusal(&format!("query {{ me {{ id }} }}\n{many_fragments}")).contains("fragments"));
    let aliases: String = (0..501).map(|i| format!("a{i}: me {{ id }} ")).collect();
    assert!(refusal(&format!("query {{ {aliases} }}")).contains("fields"));
    let directives = "@include(if: true) ".repeat(33);
    assert!(refusal(&format!("query {{ me {directives} {{ id }} }}")).contains("directives"));
    let operations: String = (0..33)
        .map(|i| format!("query Q{i} {{ me {{ id }} }}\n"))
        .collect();
    assert!(refusal(&operations).contains("operations"));
    assert!(refusal(&" ".repeat(16 * 1024 + 1)).contains("bytes"));
    assert!(refusal(&"{".repeat(4_001)).contains("tokens"));
}

#[test]
fn sign_in_and_sign_up_are_alone_in_their_request() {
    let two = "mutation { a: signIn(memberName: \"a\", password: \"b\") { token } \
               b: signIn(memberName: \"a\", password: \"c\") { token } }";
    assert!(refusal(two).contains("only field"));
    let hidden = "mutation { me: signUp(memberName: \"a\", password: \"b\") { token } ...F } \
                  fragment F on Mutation { signIn(memberName: \"a\", password: \"c\") { token } }";
    assert!(refusal(hidden).contains("only field"));
    let inline =
        "mutation { ... on Mutation { signIn(memberName: \"a\", password: \"b\") { token } } \
                  signOut }";
    assert!(refusal(inline).contains("only field"));
}

#[test]
fn a_named_operation_is_kept_alone_with_its_fragments() {
    let q = "query A($n: Int!) { chatChannelEvents(channelId: 1, limit: $n) { hasMore } }
             query B { ...F }
             fragment F on Query { me { ...G } }
             fragment G on Member { id }
             fragment H on Query { me { id } }";
    let checked = check(q, Some("B"), &limits()).unwrap();
    let names: Vec<_> = checked
        .document
        .operations
        .iter()
        .map(|(n, _)| n.unwrap().to_string())
        .collect();
    assert_eq!(names, ["B"]);
    let mut fragments: Vec<_> = checked
        .document
        .fragments
        .keys()
        .map(|n| n.to_string())
        .collect();
    fragments.sort();
    assert_eq!(fragments, ["F", "G"]);
    // No name, or an unknown one: the schema judges the whole document.
    assert_eq!(
        check(q, None, &limits())
            .unwrap()
            .document
            .operations
            .iter()
            .len(),
        2
    );
    assert_eq!(
        check(q, Some("C"), &limits())
            .unwrap()
            .document
            .operations
            .iter()
            .len(),
        2
    );
}

#[test]
fn introspection_is_found_behind_fragments() {
    let plain = check("{ me { id } __typename }", None, &limits()).unwrap();
    assert!(!plain.introspects);
    for q in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Query\") { name } }",
        "{ ...F } fragment F on Query { ... on Query { __schema { queryType { name } } } }",
    ] {
        assert!(check(q, None, &limits()).unwrap().introspects, "{q}");
    }
}

#[test]
fn tokens_are_never_undercounted() {
    assert_eq!(count_tokens("query { me { id } }"), 7);
    assert_eq!(count_tokens("a(b: \"x, y { z\") # comment {{{"), 6);
    assert_eq!(count_tokens("...F ... on X"), 5);
    assert_eq!(count_tokens("\"\"\"block \\\"\"\" still\"\"\" n"), 2);
    assert_eq!(count_tokens("x: 1.5e-3, y: -2"), 6);
    // A run of numbers without commas is many tokens, not one.
    assert_eq!(count_tokens("[1-1-1-1]"), 6);
    assert_eq!(count_tokens("[1 2 3]"), 5);
    let list = format!("query {{ me(x: [{}]) {{ id }} }}", "1-".repeat(4_000));
    assert!(count_tokens(&list) > 4_000);
}
