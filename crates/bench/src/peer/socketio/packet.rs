//! Engine.IO v4 and Socket.IO v5 packets as they travel in WebSocket text
//! frames: pure functions from a frame to a packet and back, so the wire
//! format is tested without a server.
//!
//! Over WebSocket, Engine.IO puts one packet in each frame: a digit for the
//! type, then the payload. A Socket.IO packet is the payload of an
//! Engine.IO `message` (type 4): a digit for its own type, an optional
//! `/namespace,`, an optional ack id, then a JSON array (or object).
//! Only the default namespace and text packets are used here; binary
//! attachments are refused.

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// An Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine<'a> {
    /// `0{...}`: the server's handshake, first on every connection.
    Open(Handshake),
    /// `1`: the server closes the session.
    Close,
    /// `2`: a heartbeat the client must answer with [`pong`].
    Ping(&'a str),
    /// `3`: the answer to a ping.
    Pong(&'a str),
    /// `4...`: a Socket.IO packet, still encoded.
    Message(&'a str),
    /// `5`, `6`: transport upgrade traffic, meaningless on a WebSocket-only session.
    Upgrade,
}

/// The Engine.IO handshake.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handshake {
    /// The session id.
    pub sid: String,
    /// How often the server pings, milliseconds.
    pub ping_interval: u64,
    /// How long the server waits for the pong, milliseconds.
    pub ping_timeout: u64,
}

/// Reads one Engine.IO packet from a text frame.
pub fn parse_engine(frame: &str) -> Result<Engine<'_>> {
    let mut chars = frame.chars();
    let kind = chars
        .next()
        .ok_or_else(|| Error::Protocol("empty Engine.IO packet".into()))?;
    let rest = chars.as_str();
    Ok(match kind {
        '0' => Engine::Open(
            serde_json::from_str(rest)
                .map_err(|e| Error::Protocol(format!("Engine.IO handshake {rest:?}: {e}")))?,
        ),
        '1' => Engine::Close,
        '2' => Engine::Ping(rest),
        '3' => Engine::Pong(rest),
        '4' => Engine::Message(rest),
        '5' | '6' => Engine::Upgrade,
        _ => {
            return Err(Error::Protocol(format!(
                "unknown Engine.IO packet {frame:?}"
            )))
        }
    })
}

/// The answer to `Engine::Ping(payload)`.
pub fn pong(payload: &str) -> String {
    format!("3{payload}")
}

/// The Engine.IO message asking to join the default namespace.
pub const CONNECT: &str = "40";

/// A Socket.IO packet of the default namespace.
#[derive(Debug, Clone, PartialEq)]
pub enum Packet {
    /// `0{...}`: joined the namespace (the payload carries the socket's `sid`).
    Connect(Value),
    /// `1`: left the namespace.
    Disconnect,
    /// `2[name, args...]`: an event, with an ack id if the sender wants an answer.
    Event {
        /// The ack id the answer must carry.
        ack: Option<u64>,
        /// The event name, the array's first element.
        name: String,
        /// The rest of the array.
        args: Vec<Value>,
    },
    /// `3<id>[args...]`: the answer to an event sent with ack id `id`.
    Ack {
        /// The ack id of the event answered.
        id: u64,
        /// The answer's arguments.
        args: Vec<Value>,
    },
    /// `4{...}`: the server refused to join the namespace.
    ConnectError(Value),
}

/// Reads one Socket.IO packet (the payload of an Engine.IO message).
pub fn parse_packet(text: &str) -> Result<Packet> {
    let bad = |why: &str| Error::Protocol(format!("Socket.IO packet {text:?}: {why}"));
    let mut chars = text.chars();
    let kind = chars.next().ok_or_else(|| bad("empty"))?;
    let mut rest = chars.as_str();
    if matches!(kind, '5' | '6') {
        return Err(bad("binary packets are not supported"));
    }
    if rest.starts_with('/') {
        let (namespace, after) = rest.split_once(',').unwrap_or((rest, ""));
        if namespace != "/" {
            return Err(bad("only the default namespace is used"));
        }
        rest = after;
    }
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (id, json) = rest.split_at(digits);
    let id: Option<u64> = match id {
        "" => None,
        id => Some(id.parse().map_err(|_| bad("ack id"))?),
    };
    let data = || -> Result<Value> {
        if json.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(json).map_err(|e| bad(&e.to_string()))
    };
    let array = || -> Result<Vec<Value>> {
        match data()? {
            Value::Array(items) => Ok(items),
            _ => Err(bad("expected a JSON array")),
        }
    };
    Ok(match kind {
        '0' => Packet::Connect(data()?),
        '1' => Packet::Disconnect,
        '2' => {
            let mut args = array()?;
            if args.is_empty() {
                return Err(bad("an event without a name"));
            }
            let name = match args.remove(0) {
                Value::String(name) => name,
                _ => return Err(bad("the event name is not a string")),
            };
            Packet::Event {
                ack: id,
                name,
                args,
            }
        }
        '3' => Packet::Ack {
            id: id.ok_or_else(|| bad("an ack without an id"))?,
            args: array()?,
        },
        '4' => Packet::ConnectError(data()?),
        _ => return Err(bad("unknown type")),
    })
}

/// The Engine.IO frame that emits event `name` with one argument, asking
/// for an answer with ack id `ack` if given.
pub fn encode_event(ack: Option<u64>, name: &str, arg: &Value) -> String {
    let array = Value::Array(vec![Value::String(name.to_owned()), arg.clone()]);
    match ack {
        Some(id) => format!("42{id}{array}"),
        None => format!("42{array}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn engine_packets_by_their_first_digit() {
        let open = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
        assert_eq!(
            parse_engine(open).unwrap(),
            Engine::Open(Handshake {
                sid: "lv_VI97HAXpY6yYWAAAC".into(),
                ping_interval: 25000,
                ping_timeout: 20000,
            })
        );
        assert_eq!(parse_engine("2").unwrap(), Engine::Ping(""));
        assert_eq!(pong(""), "3");
        assert_eq!(parse_engine("2probe").unwrap(), Engine::Ping("probe"));
        assert_eq!(pong("probe"), "3probe");
        assert_eq!(parse_engine("3").unwrap(), Engine::Pong(""));
        assert_eq!(parse_engine("1").unwrap(), Engine::Close);
        assert_eq!(parse_engine("6").unwrap(), Engine::Upgrade);
        assert_eq!(
            parse_engine(r#"42["message",{}]"#).unwrap(),
            Engine::Message(r#"2["message",{}]"#)
        );
        assert!(parse_engine("").is_err());
        assert!(parse_engine("9").is_err());
        assert!(parse_engine("0{").is_err());
    }

    #[test]
    fn connect_and_its_refusal() {
        assert_eq!(
            parse_packet(r#"0{"sid":"abc"}"#).unwrap(),
            Packet::Connect(json!({"sid": "abc"}))
        );
        assert_eq!(parse_packet("0").unwrap(), Packet::Connect(Value::Null));
        assert_eq!(
            parse_packet(r#"4{"message":"Not authorized"}"#).unwrap(),
            Packet::ConnectError(json!({"message": "Not authorized"}))
        );
        assert_eq!(parse_packet("1").unwrap(), Packet::Disconnect);
    }

    #[test]
    fn events_with_and_without_ack_ids() {
        assert_eq!(
            parse_packet(r#"2["message",{"room":"r","text":"t=1 s0 n0"}]"#).unwrap(),
            Packet::Event {
                ack: None,
                name: "message".into(),
                args: vec![json!({"room": "r", "text": "t=1 s0 n0"})],
            }
        );
        assert_eq!(
            parse_packet(r#"217["send",1,"x"]"#).unwrap(),
            Packet::Event {
                ack: Some(17),
                name: "send".into(),
                args: vec![json!(1), json!("x")],
            }
        );
        assert_eq!(
            parse_packet(r#"2/,3["hi"]"#).unwrap(),
            Packet::Event {
                ack: Some(3),
                name: "hi".into(),
                args: vec![],
            }
        );
        assert!(parse_packet(r#"2/admin,["hi"]"#).is_err());
        assert!(parse_packet("2[]").is_err());
        assert!(parse_packet("2[1]").is_err());
        assert!(parse_packet(r#"51-["x",{"_placeholder":true,"num":0}]"#).is_err());
    }

    #[test]
    fn acks_carry_their_id() {
        assert_eq!(
            parse_packet(r#"3123[{"ok":true}]"#).unwrap(),
            Packet::Ack {
                id: 123,
                args: vec![json!({"ok": true})],
            }
        );
        assert!(parse_packet(r#"3[{"ok":true}]"#).is_err());
        assert!(parse_packet(r#"31{"ok":true}"#).is_err());
    }

    #[test]
    fn encoded_events_parse_back() {
        let arg = json!({"room": "bench-0", "text": "t=5 s1 n2"});
        let frame = encode_event(Some(42), "send", &arg);
        assert_eq!(
            frame,
            r#"4242["send",{"room":"bench-0","text":"t=5 s1 n2"}]"#
        );
        let Engine::Message(packet) = parse_engine(&frame).unwrap() else {
            panic!("not a message: {frame}");
        };
        assert_eq!(
            parse_packet(packet).unwrap(),
            Packet::Event {
                ack: Some(42),
                name: "send".into(),
                args: vec![arg.clone()],
            }
        );
        assert_eq!(
            encode_event(None, "send", &arg)[..9].to_owned(),
            r#"42["send""#
        );
    }
}
