//! The naive baseline: the design Suda replaced, where every client
//! re-fetches on every event.
//!
//! Such a client uses its event stream only as a doorbell: on each chat
//! event it asks GraphQL for the channel's latest page (the contract's
//! history query, `ChatChannelEvents`, 50 events) and shows that. A message
//! counts as delivered when a page first shows it, so its latency includes
//! the fetch, and every delivery costs the server one more GraphQL query
//! (a token check, a membership check and a page read from the database)
//! on top of the event it pushed anyway. Suda's clients read the message
//! from the event itself and fetch nothing.

use serde::Serialize;
use serde_json::{json, Value};

use crate::{
    api::Api,
    error::{Error, Result},
};

/// How a Suda subscriber gets a message's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Receive {
    /// From the event on its stream (Suda's design).
    Push,
    /// From a GraphQL fetch of the channel's latest page on every event
    /// (the naive baseline).
    Refetch,
}

/// The contract's history query, as committed.
fn history_query() -> Result<&'static str> {
    suda_protocol::OPERATIONS
        .iter()
        .find(|(name, _)| *name == "ChatChannelEvents.graphql")
        .map(|(_, query)| *query)
        .ok_or_else(|| Error::Local("ChatChannelEvents.graphql is not in the contract".into()))
}

/// The chat messages on `channel`'s latest page, oldest first, as
/// `(id, text)`: one GraphQL request.
pub(crate) async fn latest_page(
    api: &Api,
    token: &str,
    channel: i64,
) -> Result<Vec<(i64, String)>> {
    let data = api
        .call(
            Some(token),
            history_query()?,
            json!({"channelId": channel.to_string()}),
        )
        .await?;
    chat_messages(&data)
}

/// The chat events of a `chatChannelEvents` answer (newest first), oldest first.
fn chat_messages(data: &Value) -> Result<Vec<(i64, String)>> {
    let contents = data["chatChannelEvents"]["contents"]
        .as_array()
        .ok_or_else(|| Error::Protocol(format!("chatChannelEvents answered {data}")))?;
    let mut messages = contents
        .iter()
        .filter(|e| e["eventType"] == "CHAT")
        .map(|e| {
            let id = e["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| Error::Protocol(format!("an event id {}", e["id"])))?;
            Ok((id, e["message"].as_str().unwrap_or_default().to_owned()))
        })
        .collect::<Result<Vec<_>>>()?;
    messages.reverse();
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_query_is_the_contracts() {
        assert!(history_query()
            .unwrap()
            .starts_with("query ChatChannelEvents($channelId: ID!)"));
    }

    #[test]
    fn pages_give_their_chat_messages_oldest_first() {
        let data = json!({"chatChannelEvents": {"contents": [
            {"id": "9", "eventType": "CHAT", "createdAt": "x", "message": "t=2 s0 n1", "sender": null},
            {"id": "8", "eventType": "JOIN", "createdAt": "x"},
            {"id": "7", "eventType": "CHAT", "createdAt": "x", "message": "t=1 s0 n0", "sender": null},
        ]}});
        assert_eq!(
            chat_messages(&data).unwrap(),
            vec![(7, "t=1 s0 n0".into()), (9, "t=2 s0 n1".into())]
        );
        assert!(chat_messages(&json!({"chatChannelEvents": null})).is_err());
    }
}
