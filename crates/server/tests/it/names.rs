//! Names and text that pass for something else. First: a `clientKey`
//! reused for another message, which is refused with a clear error and
//! stores nothing.

use serde_json::{json, Value};

use crate::common::*;

const SEND: &str = "mutation($c:ID!,$m:String!,$k:String){sendChatMessage(channelId:$c,message:$m,clientKey:$k){id message}}";

fn message(v: &Value) -> &str {
    v["errors"][0]["message"].as_str().unwrap_or_default()
}

/// The chat messages of a channel, oldest first.
async fn chats(server: &TestServer, token: &str, channel: &str) -> Vec<String> {
    let d = server
        .ok(
            token,
            "query($c:ID!){chatChannelEvents(channelId:$c,limit:200){contents{eventType ... on ChatChannelChatEvent{message}}}}",
            json!({"c": channel}),
        )
        .await;
    let mut texts: Vec<String> = d["chatChannelEvents"]["contents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "CHAT")
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect();
    texts.reverse();
    texts
}

#[tokio::test]
async fn a_client_key_reused_for_another_message_is_a_conflict_and_stores_nothing() {
    let server = TestServer::start().await;
    let (alice, _) = server.member("alice").await;
    let first = server.group(&alice, "first", &[]).await;
    let second = server.group(&alice, "second", &[]).await;
    let sent = server
        .ok(
            &alice,
            SEND,
            json!({"c": first, "m": "hello", "k": "key-1"}),
        )
        .await;
    let id = sent["sendChatMessage"]["id"].clone();

    // Another text, another channel, or both, under the same key: CONFLICT.
    // Answering with the first message would drop the new one unseen.
    for (channel, text) in [
        (&first, "goodbye"),
        (&second, "hello"),
        (&second, "goodbye"),
    ] {
        let v = server
            .gql(
                Some(&alice),
                SEND,
                json!({"c": channel, "m": text, "k": "key-1"}),
            )
            .await;
        assert_eq!(code(&v), "CONFLICT", "{text:?}: {v}");
        assert!(
            message(&v).contains("this clientKey was already used for another message"),
            "{v}"
        );
    }
    // The same channel and text again is a retry: the first message, again.
    let again = server
        .ok(
            &alice,
            SEND,
            json!({"c": first, "m": "hello", "k": "key-1"}),
        )
        .await;
    assert_eq!(again["sendChatMessage"]["id"], id);

    assert_eq!(chats(&server, &alice, &first).await, ["hello"]);
    assert!(chats(&server, &alice, &second).await.is_empty());
}
