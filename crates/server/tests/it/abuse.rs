//! One member against the others: every write is rate-limited per member,
//! channel creation has an hourly budget, and a member can block another
//! from adding, inviting or messaging them.

use serde_json::json;

use crate::common::*;

const CREATE: &str = "mutation($n:String!,$m:[ID!]){createGroupChannel(name:$n,memberIds:$m){id}}";
const JOIN: &str = "mutation($c:ID!){joinChannel(channelId:$c){id}}";
const LEAVE: &str = "mutation($c:ID!){leaveChannel(channelId:$c)}";
const INVITE: &str = "mutation($c:ID!,$m:ID!){inviteToChannel(channelId:$c,memberId:$m){id}}";
const DIRECT: &str = "mutation($m:ID!){openDirectChannel(memberId:$m){id}}";
const SEND: &str = "mutation($c:ID!,$t:String!){sendChatMessage(channelId:$c,message:$t){id}}";
const MARK: &str = "mutation($c:ID!){markChannelRead(channelId:$c){id}}";
const SEARCH: &str = "query($t:String!){searchMessages(text:$t){hasMore}}";

#[tokio::test]
async fn every_write_is_rate_limited_per_member() {
    let server = TestServer::start_with(suda_server::Config {
        changes_per_second: 1,
        change_burst: 6,
        channels_per_hour: 3,
        marks_per_second: 1,
        mark_burst: 3,
        searches_per_second: 1,
        search_burst: 2,
        ..test_config()
    })
    .await;
    let (eve, _) = server.member("eve").await;
    let (bob, _) = server.member("bob").await;
    // Three channels an hour, then a clear refusal that creates nothing.
    for i in 0..3 {
        let v = server
            .gql(Some(&eve), CREATE, json!({"n": format!("c{i}"), "m": []}))
            .await;
        assert!(v["errors"].is_null(), "{v}");
    }
    let v = server
        .gql(Some(&eve), CREATE, json!({"n": "c3", "m": []}))
        .await;
    assert_eq!(code(&v), "RATE_LIMITED");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("in an hour"));
    let channels = server.ok(&eve, "{myChatChannels{id}}", json!({})).await;
    assert_eq!(channels["myChatChannels"].as_array().unwrap().len(), 3);
    // Joining and leaving share the budget of changes: churn is cut off.
    let open = server.group(&bob, "open", &[]).await;
    let mut refused = false;
    for _ in 0..10 {
        let v = server.gql(Some(&eve), JOIN, json!({"c": open})).await;
        if !v["errors"].is_null() {
            assert_eq!(code(&v), "RATE_LIMITED");
            refused = true;
            break;
        }
        let v = server.gql(Some(&eve), LEAVE, json!({"c": open})).await;
        if !v["errors"].is_null() {
            assert_eq!(code(&v), "RATE_LIMITED");
            refused = true;
            break;
        }
    }
    assert!(refused, "joins and leaves are limited");
    // Bob's budget is his own.
    server.ok(&bob, JOIN, json!({"c": open})).await;
    // Marking read has its own, generous budget.
    for _ in 0..3 {
        server.ok(&bob, MARK, json!({"c": open})).await;
    }
    let v = server.gql(Some(&bob), MARK, json!({"c": open})).await;
    assert_eq!(code(&v), "RATE_LIMITED");
    // Searching too: a search can read far more than a write.
    for _ in 0..2 {
        server.ok(&bob, SEARCH, json!({"t": "anything"})).await;
    }
    let v = server
        .gql(Some(&bob), SEARCH, json!({"t": "anything"}))
        .await;
    assert_eq!(code(&v), "RATE_LIMITED");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("searching too fast"));
    // A search with nothing to look for is refused for that, and not
    // counted: eve's two searches still go through after it.
    let v = server.gql(Some(&eve), SEARCH, json!({"t": "!!"})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    for _ in 0..2 {
        server.ok(&eve, SEARCH, json!({"t": "anything"})).await;
    }
}

#[tokio::test]
async fn a_blocked_member_cannot_add_invite_or_message_the_blocker() {
    let server = TestServer::start().await;
    let (bob, bob_id) = server.member("bob").await;
    let (mallory, mallory_id) = server.member("mallory").await;
    // A direct channel from before the block.
    let v = server.ok(&mallory, DIRECT, json!({"m": bob_id})).await;
    let dm = v["openDirectChannel"]["id"].as_str().unwrap().to_owned();
    server.ok(&mallory, SEND, json!({"c": dm, "t": "hi"})).await;
    let theirs = server.group(&mallory, "theirs", &[]).await;

    server
        .ok(
            &bob,
            "mutation($m:ID!){blockMember(memberId:$m)}",
            json!({"m": mallory_id}),
        )
        .await;
    let listed = server
        .ok(&bob, "{blockedMembers{memberName}}", json!({}))
        .await;
    assert_eq!(listed["blockedMembers"][0]["memberName"], "mallory");

    let bobs_channels = || async {
        server.ok(&bob, "{myChatChannels{id}}", json!({})).await["myChatChannels"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = bobs_channels().await;
    for (what, query, vars) in [
        (
            "a new group with bob",
            CREATE,
            json!({"n": "spam", "m": [bob_id]}),
        ),
        ("inviting bob", INVITE, json!({"c": theirs, "m": bob_id})),
        ("opening a direct channel", DIRECT, json!({"m": bob_id})),
        (
            "messaging bob directly",
            SEND,
            json!({"c": dm, "t": "still here?"}),
        ),
    ] {
        let v = server.gql(Some(&mallory), query, vars).await;
        assert_eq!(code(&v), "FORBIDDEN", "{what}: {v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("does not take"),
            "{what}: {v}"
        );
    }
    assert_eq!(bobs_channels().await, before, "bob was added to nothing");
    let spam = server
        .ok(&mallory, "{myChatChannels{name}}", json!({}))
        .await;
    assert!(
        !spam.to_string().contains("spam"),
        "the refused group was not created: {spam}"
    );
    // Bob may still write to mallory; unblocking lets mallory in again.
    server
        .ok(&bob, SEND, json!({"c": dm, "t": "go away"}))
        .await;
    server
        .ok(
            &bob,
            "mutation($m:ID!){unblockMember(memberId:$m)}",
            json!({"m": mallory_id}),
        )
        .await;
    server
        .ok(&mallory, INVITE, json!({"c": theirs, "m": bob_id}))
        .await;
    // Mistakes get clear answers.
    let v = server
        .gql(
            Some(&bob),
            "mutation($m:ID!){blockMember(memberId:$m)}",
            json!({"m": bob_id}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let v = server
        .gql(
            Some(&bob),
            "mutation($m:ID!){blockMember(memberId:$m)}",
            json!({"m": "999"}),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
}
