//! Ids and cursors as they appear on the wire.
//!
//! Every id is a GraphQL `ID`: a string holding a positive decimal integer.
//! Parsing is strict so that a malformed id is told apart from an unknown one
//! (`BAD_USER_INPUT` rather than `NOT_FOUND`).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why an id or cursor could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {kind}: {value:?} is not a positive decimal integer")]
pub struct IdError {
    /// Which kind of id it was meant to be.
    pub kind: &'static str,
    /// What was given (cut to 64 characters).
    pub value: String,
}

fn parse_positive(kind: &'static str, s: &str) -> Result<i64, IdError> {
    let bad = || IdError {
        kind,
        value: s.chars().take(64).collect(),
    };
    // Strict: digits only, no sign, no leading zeros, no whitespace.
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('0')
    {
        return Err(bad());
    }
    s.parse::<i64>().map_err(|_| bad())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            /// The integer behind the id.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                parse_positive($kind, s).map($name)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A member (a user account).
    MemberId,
    "member id"
);
id_type!(
    /// A chat channel, direct or group.
    ChannelId,
    "channel id"
);
id_type!(
    /// A channel event, and at the same time its position in every member's
    /// stream: one server-wide sequence that only grows, so one id resumes
    /// all of a member's channels at once.
    EventId,
    "event id"
);

id_type!(
    /// A file or image sent with a message: drawn at random by the server
    /// (18 digits), so one id tells nothing of the others.
    AttachmentId,
    "attachment id"
);

/// A position in a channel's history to page back from: events strictly
/// older than it are returned. Opaque to clients; today it is an event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub EventId);

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Cursor {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        parse_positive("cursor", s).map(|n| Cursor(EventId(n)))
    }
}

/// A position in a member's stream: the id of the last event seen, or 0
/// for "before everything". `CONNECTED` carries one, and clients resume from
/// one with `Last-Event-ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Position(pub i64);

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Position {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        parse_position(s).map(Position)
    }
}

impl Serialize for Position {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Reads a stream position as sent in `Last-Event-ID`: an event id, or `0`
/// for "before everything".
pub fn parse_position(s: &str) -> Result<i64, IdError> {
    let s = s.trim();
    if s == "0" {
        return Ok(0);
    }
    parse_positive("stream position", s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_like_their_numbers_widths_included() {
        // Terminal columns (`suda history`) line up on them.
        assert_eq!(
            format!("{:>4}|{:<3}|", EventId(7), ChannelId(12)),
            "   7|12 |"
        );
        assert_eq!(format!("{:>3}", Position(5)), "  5");
    }

    #[test]
    fn ids_parse_positive_decimal_only() {
        assert_eq!("42".parse::<ChannelId>(), Ok(ChannelId(42)));
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            "01",
            " 1",
            "1 ",
            "1.0",
            "abc",
            "9999999999999999999",
            "١",
        ] {
            let err = bad.parse::<ChannelId>().unwrap_err();
            assert_eq!(err.kind, "channel id", "{bad:?}");
        }
    }

    #[test]
    fn ids_round_trip_through_json_as_strings() {
        let json = serde_json::to_string(&MemberId(7)).unwrap();
        assert_eq!(json, "\"7\"");
        assert_eq!(
            serde_json::from_str::<MemberId>(&json).unwrap(),
            MemberId(7)
        );
        assert!(serde_json::from_str::<MemberId>("7").is_err());
        assert!(serde_json::from_str::<MemberId>("\"x\"").is_err());
    }

    #[test]
    fn position_accepts_zero_and_event_ids() {
        assert_eq!(parse_position("0"), Ok(0));
        assert_eq!(parse_position(" 15 "), Ok(15));
        assert!(parse_position("-3").is_err());
        assert!(parse_position("abc").is_err());
    }

    #[test]
    fn error_value_is_truncated() {
        let long = "x".repeat(1000);
        let err = long.parse::<EventId>().unwrap_err();
        assert_eq!(err.value.len(), 64);
    }
}
