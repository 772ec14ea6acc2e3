//! Search through GraphQL: `searchMessages` finds the messages of the
//! caller's channels by their words (Korean inside a longer run too), with
//! where they matched; deleted messages never, edited ones by their words
//! as they are now. Every kind of bad input gets its code and looks
//! nothing up.

use serde_json::{json, Value};

use crate::{
    common::*,
    conversations::{delete, edit},
};

const HIT: &str = "hits { message { id message chatChannelId sender { memberName } } highlights { start length } } hasMore nextCursor";

async fn search(server: &TestServer, token: &str, vars: Value) -> Value {
    server
        .gql(
            Some(token),
            &format!(
                "query($t:String!,$f:String,$c:ID,$s:String,$u:String,$b:String,$l:Int=20){{searchMessages(text:$t,from:$f,channelId:$c,since:$s,until:$u,before:$b,limit:$l){{{HIT}}}}}"
            ),
            vars,
        )
        .await
}

/// The texts of the hits for `text`, newest first.
async fn texts(server: &TestServer, token: &str, text: &str) -> Vec<String> {
    let v = search(server, token, json!({"t": text})).await;
    hits(&v)
        .iter()
        .map(|h| h["message"]["message"].as_str().unwrap().to_owned())
        .collect()
}

fn hits(v: &Value) -> Vec<Value> {
    v["data"]["searchMessages"]["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("no hits: {v}"))
        .clone()
}

#[tokio::test]
async fn a_search_finds_the_members_messages_by_their_words_with_where_they_matched() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (bob, bob_id) = server.member("bob").await;
    let (carol, _) = server.member("carol").await;
    let channel = server.group(&alice, "g", &[&bob_id]).await;
    server.send(&alice, &channel, "안녕하세요 여러분").await;
    server.send(&bob, &channel, "The Café meeting moved").await;
    // Carol is not in the channel: she finds nothing of it.
    let elsewhere = server.group(&carol, "h", &[]).await;
    server
        .send(&carol, &elsewhere, "my own meeting notes")
        .await;

    let v = search(&server, &alice, json!({"t": "cafe MEET"})).await;
    let found = hits(&v);
    assert_eq!(found.len(), 1, "{v}");
    assert_eq!(found[0]["message"]["message"], "The Café meeting moved");
    assert_eq!(found[0]["message"]["sender"]["memberName"], "bob");
    assert_eq!(found[0]["message"]["chatChannelId"], channel.as_str());
    assert_eq!(
        found[0]["highlights"],
        json!([{"start": 4, "length": 4}, {"start": 9, "length": 4}])
    );
    let v = search(&server, &alice, json!({"t": "안녕"})).await;
    assert_eq!(hits(&v)[0]["message"]["message"], "안녕하세요 여러분");
    assert_eq!(
        hits(&v)[0]["highlights"],
        json!([{"start": 0, "length": 2}])
    );
    assert_eq!(
        texts(&server, &carol, "meeting").await,
        ["my own meeting notes"]
    );

    // From a member, in a channel, in a time, page by page.
    let v = search(&server, &alice, json!({"t": "meeting", "f": "BOB"})).await;
    assert_eq!(hits(&v).len(), 1);
    let v = search(
        &server,
        &alice,
        json!({"t": "meeting", "u": "2000-01-01T00:00:00Z"}),
    )
    .await;
    assert!(hits(&v).is_empty());
    let v = search(
        &server,
        &alice,
        json!({"t": "meeting", "s": "2000-01-01T00:00:00+09:00"}),
    )
    .await;
    assert_eq!(hits(&v).len(), 1);
    server.send(&alice, &channel, "second meeting").await;
    let v = search(&server, &alice, json!({"t": "meeting", "l": 1})).await;
    assert_eq!(v["data"]["searchMessages"]["hasMore"], true);
    let cursor = v["data"]["searchMessages"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = search(
        &server,
        &alice,
        json!({"t": "meeting", "l": 1, "b": cursor}),
    )
    .await;
    assert_eq!(hits(&v)[0]["message"]["message"], "The Café meeting moved");
    assert_eq!(v["data"]["searchMessages"]["hasMore"], false);
}

#[tokio::test]
async fn deleted_messages_are_never_found_and_edited_ones_only_by_their_words_now() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let channel = server.group(&alice, "g", &[]).await;
    let changed = server.send(&alice, &channel, "draft wording").await;
    let gone = server.send(&alice, &channel, "regretted wording").await;
    edit(&server, &alice, changed, "final wording", None).await;
    delete(&server, &alice, gone).await;
    assert!(texts(&server, &alice, "draft").await.is_empty());
    assert!(texts(&server, &alice, "regretted").await.is_empty());
    assert_eq!(texts(&server, &alice, "wording").await, ["final wording"]);
}

#[tokio::test]
async fn bad_searches_are_refused_with_a_code_and_look_nothing_up() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let (carol, _) = server.member("carol").await;
    let hers = server.group(&carol, "hers", &[]).await;
    let long = "a".repeat(10_000);
    for (vars, want, says) in [
        (json!({"t": "?!... --"}), "BAD_USER_INPUT", "no words"),
        (json!({"t": "   "}), "BAD_USER_INPUT", "no words"),
        (json!({"t": long}), "BAD_USER_INPUT", "10000 characters"),
        (
            json!({"t": "a b c d e f g h i j k l m n o p q"}),
            "BAD_USER_INPUT",
            "17 words",
        ),
        (json!({"t": "x", "l": 0}), "BAD_USER_INPUT", "limit"),
        (json!({"t": "x", "l": 51}), "BAD_USER_INPUT", "limit"),
        (
            json!({"t": "x", "s": "yesterday"}),
            "BAD_USER_INPUT",
            "RFC 3339",
        ),
        (json!({"t": "x", "b": "not-a-cursor"}), "BAD_USER_INPUT", ""),
        (json!({"t": "x", "f": "nobody"}), "NOT_FOUND", "nobody"),
        (json!({"t": "x", "c": hers}), "FORBIDDEN", ""),
        (json!({"t": "x", "c": "999999"}), "NOT_FOUND", ""),
    ] {
        let v = search(&server, &alice, vars.clone()).await;
        assert_eq!(code(&v), want, "{vars}: {v}");
        let message = v["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{vars}: {message}");
    }
    // Signed out: no search at all.
    let v = server
        .gql(
            None,
            "{ searchMessages(text: \"x\") { hasMore } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
}
