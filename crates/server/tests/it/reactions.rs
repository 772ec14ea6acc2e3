//! Reactions through GraphQL: the state wanted, not a toggle; exactly one
//! emoji; at most 20 per member on a message.

use serde_json::json;

use crate::{
    common::*,
    conversations::{data, message, react},
};

#[tokio::test]
async fn reactions_say_the_state_wanted_and_list_who_reacted_in_order() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let id = server.send(&alice, &channel, "lunch?").await;
    let mut stream = server.sse(&alice, None).await;
    assert_eq!(stream.next().await.unwrap().sse_type(), "CONNECTED");
    data(
        &react(&server, &bob, id, "👍", true).await,
        "reactToMessage",
    );
    // On twice is on once: no second event.
    let again = react(&server, &bob, id, "👍", true).await;
    assert_eq!(data(&again, "reactToMessage")["reactions"][0]["count"], 1);
    let mine = react(&server, &alice, id, "👍", true).await;
    let r = &data(&mine, "reactToMessage")["reactions"];
    assert_eq!(
        *r,
        json!([{"emoji": "👍", "count": 2, "mine": true,
                "members": [{"memberName": "bob"}, {"memberName": "alice"}]}])
    );
    // "❤" and "❤️" are one reaction; the most reacted comes first.
    data(&react(&server, &bob, id, "❤", true).await, "reactToMessage");
    let hearts = react(&server, &alice, id, "❤\u{FE0F}", true).await;
    let r = &data(&hearts, "reactToMessage")["reactions"];
    assert_eq!(r.as_array().unwrap().len(), 2, "{r}");
    assert_eq!(r[0]["emoji"], "👍", "the first to get two comes first");
    assert_eq!(r[1]["emoji"], "❤\u{FE0F}");
    assert_eq!(r[1]["count"], 2);
    let off = react(&server, &bob, id, "👍", false).await;
    let r = &data(&off, "reactToMessage")["reactions"];
    assert_eq!(r[0]["emoji"], "❤\u{FE0F}", "now the most reacted");
    assert_eq!(r[1]["count"], 1);
    // Off twice is off once.
    data(
        &react(&server, &bob, id, "👍", false).await,
        "reactToMessage",
    );
    let seen: Vec<(String, bool, i64)> = {
        let mut seen = Vec::new();
        while seen.len() < 4 {
            let e = stream.next().await.unwrap();
            assert_eq!(e.sse_type(), "CHAT_REACTION_CHANGED", "{e:?}");
            let p = &e.data["ssePayload"];
            assert_eq!(p["messageId"], id.to_string());
            seen.push((
                p["member"]["memberName"].as_str().unwrap().to_owned(),
                p["on"].as_bool().unwrap(),
                p["count"].as_i64().unwrap(),
            ));
        }
        seen
    };
    assert_eq!(
        seen,
        [
            ("bob".into(), true, 1),
            ("alice".into(), true, 2),
            ("bob".into(), true, 1),
            ("alice".into(), true, 2),
        ]
    );
    let off = stream.next().await.unwrap();
    assert_eq!(off.data["ssePayload"]["on"], false);
    assert_eq!(off.data["ssePayload"]["count"], 1);
    // Nothing more: the repeated requests wrote nothing.
    server.send(&alice, &channel, "sentinel").await;
    assert_eq!(stream.next().await.unwrap().message(), Some("sentinel"));
}

#[tokio::test]
async fn a_reaction_is_exactly_one_emoji_and_bad_ones_write_nothing() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let id = server.send(&alice, &channel, "react to me").await;
    for good in [
        "🇰🇷",
        "👩\u{200D}💻",
        "👍🏽",
        "1\u{FE0F}\u{20E3}",
        "🧑🏿\u{200D}🤝\u{200D}🧑🏻",
    ] {
        let v = react(&server, &alice, id, good, true).await;
        let r = data(&v, "reactToMessage")["reactions"]
            .as_array()
            .unwrap()
            .clone();
        assert!(r.iter().any(|x| x["emoji"] == good), "{good:?}: {v}");
    }
    let before = message(&server, &alice, id).await;
    for bad in [
        "",
        "a",
        "ok",
        "1",
        "👍👍",
        "👍 ",
        "👍ok",
        "🇰",
        "\u{1F3FD}",
        "\u{200D}",
        &"👍".repeat(100),
    ] {
        let v = react(&server, &alice, id, bad, true).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{bad:?}");
    }
    for (target, expected) in [(999_999, "NOT_FOUND")] {
        assert_eq!(
            code(&react(&server, &alice, target, "👍", true).await),
            expected
        );
    }
    assert_eq!(
        message(&server, &alice, id).await,
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn a_member_has_at_most_twenty_reactions_on_a_message() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    let id = server.send(&alice, &channel, "so many feelings").await;
    let emoji: Vec<&str> = vec![
        "😀", "😃", "😄", "😁", "😆", "😅", "😂", "🤣", "😊", "😇", "🙂", "🙃", "😉", "😌", "😍",
        "🥰", "😘", "😗", "😙", "😚", "😋",
    ];
    for e in &emoji[..20] {
        data(&react(&server, &alice, id, e, true).await, "reactToMessage");
    }
    let v = react(&server, &alice, id, emoji[20], true).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let now = message(&server, &alice, id).await;
    assert_eq!(
        now["reactions"].as_array().unwrap().len(),
        20,
        "the 21st was not kept"
    );
    // Another member still may; taking one back makes room again.
    data(
        &react(&server, &bob, id, emoji[20], true).await,
        "reactToMessage",
    );
    data(
        &react(&server, &alice, id, emoji[0], false).await,
        "reactToMessage",
    );
    data(
        &react(&server, &alice, id, emoji[20], true).await,
        "reactToMessage",
    );
}
