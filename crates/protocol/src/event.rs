//! The events of a member's stream.
//!
//! Every event is sent on SSE's default event type with one JSON object as
//! its `data:`, told apart by `sseType`. The original clients read `sseType`
//! and `ssePayload.chatChannelId` and then refetch; Suda's payload also
//! carries the whole channel event, so a client need not refetch.

use serde::{Deserialize, Serialize};

use crate::ids::{ChannelId, EventId, MemberId};

/// The kind of a channel event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    /// A chat message.
    Chat,
    /// A member joined the channel.
    Join,
    /// A member left the channel.
    Leave,
}

impl EventType {
    /// The name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Chat => "CHAT",
            EventType::Join => "JOIN",
            EventType::Leave => "LEAVE",
        }
    }

    /// Reads the stored name back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "CHAT" => Some(EventType::Chat),
            "JOIN" => Some(EventType::Join),
            "LEAVE" => Some(EventType::Leave),
            _ => None,
        }
    }
}

/// A member as shown next to an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRef {
    /// The member's id.
    pub id: MemberId,
    /// The member's display name (unique).
    pub member_name: String,
    /// A URL of the member's picture, if they set one.
    pub profile_image: Option<String>,
}

/// A channel event as carried in `ssePayload` of `CHAT_MESSAGE_PUBLISHED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEvent {
    /// The channel the event belongs to.
    pub chat_channel_id: ChannelId,
    /// The event's id, equal to its stream position.
    pub id: EventId,
    /// What kind of event it is.
    pub event_type: EventType,
    /// When the server committed it (RFC 3339, UTC).
    pub created_at: String,
    /// The text of a `CHAT` event; `None` for join and leave.
    pub message: Option<String>,
    /// Who sent the message, or who joined or left.
    pub sender: MemberRef,
    /// The sender's idempotency key, so the sender's client can match its
    /// pending message; `None` when it sent none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
}

/// Why the server cannot resume from the position a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResyncReason {
    /// More events were missed than the server replays; refetch instead.
    TooOld,
    /// The position is not one this server ever gave out (a later one, or
    /// one from another server or database).
    UnknownPosition,
}

/// `sseType: CONNECTED`, always the first event of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    /// The member the stream belongs to.
    pub member_id: MemberId,
    /// Whether the stream resumes from the client's `Last-Event-ID`.
    pub resumed: bool,
}

/// `sseType: RESYNC_REQUIRED`: what was missed is not replayed; the client
/// refetches its channels and open conversations. Live events follow it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResyncRequired {
    /// Why.
    pub reason: ResyncReason,
}

/// The discriminant of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SseType {
    /// The stream is open.
    Connected,
    /// A channel event (chat, join, leave).
    ChatMessagePublished,
    /// Resume was impossible; refetch.
    ResyncRequired,
}

/// The JSON object in each event's `data:`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "sseType",
    content = "ssePayload",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum SseEnvelope {
    /// `{"sseType":"CONNECTED","ssePayload":{...}}`
    Connected(Connected),
    /// `{"sseType":"CHAT_MESSAGE_PUBLISHED","ssePayload":{...}}`
    ChatMessagePublished(ChatEvent),
    /// `{"sseType":"RESYNC_REQUIRED","ssePayload":{...}}`
    ResyncRequired(ResyncRequired),
}

impl SseEnvelope {
    /// The discriminant.
    pub fn sse_type(&self) -> SseType {
        match self {
            SseEnvelope::Connected(_) => SseType::Connected,
            SseEnvelope::ChatMessagePublished(_) => SseType::ChatMessagePublished,
            SseEnvelope::ResyncRequired(_) => SseType::ResyncRequired,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> ChatEvent {
        ChatEvent {
            chat_channel_id: ChannelId(3),
            id: EventId(42),
            event_type: EventType::Chat,
            created_at: "2026-01-02T03:04:05.678Z".into(),
            message: Some("hi <b>".into()),
            sender: MemberRef {
                id: MemberId(1),
                member_name: "alice".into(),
                profile_image: None,
            },
            client_key: None,
        }
    }

    #[test]
    fn published_event_has_the_shape_original_clients_read() {
        let v = serde_json::to_value(SseEnvelope::ChatMessagePublished(sample())).unwrap();
        assert_eq!(v["sseType"], "CHAT_MESSAGE_PUBLISHED");
        assert_eq!(v["ssePayload"]["chatChannelId"], "3");
        assert_eq!(v["ssePayload"]["eventType"], "CHAT");
        assert_eq!(v["ssePayload"]["id"], "42");
        assert_eq!(v["ssePayload"]["message"], "hi <b>");
        assert_eq!(v["ssePayload"]["sender"]["memberName"], "alice");
        assert!(v["ssePayload"].get("clientKey").is_none());
    }

    #[test]
    fn envelopes_round_trip() {
        for env in [
            SseEnvelope::Connected(Connected {
                member_id: MemberId(1),
                resumed: true,
            }),
            SseEnvelope::ChatMessagePublished(sample()),
            SseEnvelope::ResyncRequired(ResyncRequired {
                reason: ResyncReason::TooOld,
            }),
        ] {
            let s = serde_json::to_string(&env).unwrap();
            assert_eq!(serde_json::from_str::<SseEnvelope>(&s).unwrap(), env);
        }
        let v = json!({"sseType":"RESYNC_REQUIRED","ssePayload":{"reason":"UNKNOWN_POSITION"}});
        assert_eq!(
            serde_json::from_value::<SseEnvelope>(v).unwrap().sse_type(),
            SseType::ResyncRequired
        );
    }

    #[test]
    fn unknown_sse_type_is_an_error_not_a_panic() {
        let v = json!({"sseType":"SOMETHING_NEW","ssePayload":{}});
        assert!(serde_json::from_value::<SseEnvelope>(v).is_err());
    }
}
