//! Rules for what members may write. Each returns the accepted value or a
//! `BAD_USER_INPUT` error that says what is wrong.

use suda_protocol::MAX_MESSAGE_CHARS;

use crate::error::{ApiError, ApiResult};

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadInput(message.into())
}

/// A chat message: not blank, at most 4,000 characters, no control
/// characters but line breaks and tabs. Stored exactly as given.
pub fn message(text: &str) -> ApiResult<&str> {
    if text.trim().is_empty() {
        return Err(bad("the message is empty"));
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(bad(format!(
            "the message is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}"
        )));
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(bad(format!(
            "the message contains the control character U+{:04X}",
            c as u32
        )));
    }
    Ok(text)
}

/// A client idempotency key: 1 to 64 of `A-Z a-z 0-9 - _`.
pub fn client_key(key: &str) -> ApiResult<&str> {
    if key.is_empty()
        || key.len() > 64
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(bad(
            "clientKey must be 1 to 64 letters, digits, '-' or '_' (a UUID will do)",
        ));
    }
    Ok(key)
}

/// A member name: 1 to 32 letters, digits, `_`, `-` or `.`.
pub fn member_name(name: &str) -> ApiResult<&str> {
    let count = name.chars().count();
    if count == 0 || count > 32 {
        return Err(bad("a member name is 1 to 32 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(bad(
            "a member name may hold letters, digits, '_', '-' and '.' only",
        ));
    }
    Ok(name)
}

/// A password: 8 to 128 characters.
pub fn password(password: &str) -> ApiResult<&str> {
    let count = password.chars().count();
    if !(8..=128).contains(&count) {
        return Err(bad("a password is 8 to 128 characters"));
    }
    Ok(password)
}

/// A group channel's name: 1 to 80 characters once trimmed, no control
/// characters.
pub fn channel_name(name: &str) -> ApiResult<&str> {
    let name = name.trim();
    let count = name.chars().count();
    if count == 0 || count > 80 {
        return Err(bad("a channel name is 1 to 80 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(bad("a channel name cannot hold control characters"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert!(message("hi").is_ok());
        assert!(message("line\nbreak\tand tab\r\n").is_ok());
        assert!(message("<script>alert(1)</script>").is_ok(), "text is text");
        assert!(
            message("שלום \u{202e} abc").is_ok(),
            "right-to-left is fine"
        );
        assert!(
            message(&"가".repeat(4000)).is_ok(),
            "the limit counts characters"
        );
        for bad in [
            "",
            "   ",
            "\n\t",
            "nul\0",
            "bell\u{7}",
            "esc\u{1b}[31m",
            "c1\u{85}",
        ] {
            assert!(
                matches!(message(bad), Err(ApiError::BadInput(_))),
                "{bad:?}"
            );
        }
        let err = message(&"a".repeat(4001)).unwrap_err();
        assert!(err.to_string().contains("4001"));
    }

    #[test]
    fn keys_names_passwords() {
        assert!(client_key("3f2a-19_x").is_ok());
        for bad in ["", "has space", "ü", &"k".repeat(65)] {
            assert!(client_key(bad).is_err(), "{bad:?}");
        }
        assert!(member_name("김민수").is_ok());
        assert!(member_name("a.b-c_d").is_ok());
        for bad in ["", "a b", "a/b", "<x>", &"n".repeat(33)] {
            assert!(member_name(bad).is_err(), "{bad:?}");
        }
        assert!(password("12345678").is_ok());
        assert!(password("1234567").is_err());
        assert!(password(&"p".repeat(129)).is_err());
        assert_eq!(channel_name("  general ").unwrap(), "general");
        assert!(channel_name("   ").is_err());
        assert!(channel_name("a\u{0}b").is_err());
    }
}
