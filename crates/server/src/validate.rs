//! Rules for what members may write. Each returns the accepted value or a
//! `BAD_USER_INPUT` error that says what is wrong.
//!
//! Names are what members recognise each other and their channels by, so a
//! name is NFKC-normalised before it is checked and stored (fullwidth and
//! mathematical letters become the plain ones they stand for) and may hold
//! nothing a reader cannot see. Messages are stored exactly as sent; they
//! only have to show something.

use suda_protocol::MAX_MESSAGE_CHARS;
use unicode_normalization::UnicodeNormalization;
use unicode_security::{skeleton, MixedScript, RestrictionLevel, RestrictionLevelDetection};

use crate::error::{ApiError, ApiResult};

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadInput(message.into())
}

/// Whether `c` is a default-ignorable code point (Unicode's list of what a
/// renderer draws nothing for unless it knows better: zero-width spaces and
/// joiners, bidi controls, variation selectors, tags, the Hangul fillers).
/// The UTS #39 skeleton drops exactly these, and `unicode-security` keeps
/// its table private, so this asks the skeleton.
pub(crate) fn default_ignorable(c: char) -> bool {
    let mut buf = [0; 4];
    // Bound before it is returned: the iterator borrows `buf`.
    let dropped = skeleton(c.encode_utf8(&mut buf)).next().is_none();
    dropped
}

/// Characters that draw an empty cell although they are neither white space
/// nor default-ignorable, and so pass for "something" where blank is meant.
const BLANKS: [char; 2] = [
    '\u{2800}',  // BRAILLE PATTERN BLANK
    '\u{1D159}', // MUSICAL SYMBOL NULL NOTEHEAD
];

/// A character that takes space or none but shows nothing, and is not white
/// space (which the rules meet on their own).
fn filler(c: char) -> bool {
    default_ignorable(c) || BLANKS.contains(&c)
}

/// A character a reader sees.
fn visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !filler(c)
}

/// What emoji are made of: the zero-width joiner (👩‍💻) and the text and
/// emoji presentation selectors (❤️). Default-ignorable, but there to join
/// or style the character before them, not to hide anything.
fn emoji_part(c: char) -> bool {
    matches!(c, '\u{200D}' | '\u{FE0E}' | '\u{FE0F}')
}

/// The text of a message that carries files: as [`message`], but it may be
/// empty (spaces alone are no text: `""`).
pub fn caption(text: &str) -> ApiResult<&str> {
    if text.trim().is_empty() {
        return Ok("");
    }
    message(text)
}

/// A chat message: at most 4,000 characters, at least one of them visible
/// (not white space, not invisible or filler), no control characters but
/// line breaks and tabs. Stored exactly as given.
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
    if !text.chars().any(visible) {
        return Err(bad(
            "the message shows nothing: it holds only spaces and invisible characters",
        ));
    }
    Ok(text)
}

/// The longest emoji, in bytes, with room to spare: the longest on the
/// list is 35 (a test checks every one). Anything longer is refused
/// before it is looked up.
const MAX_EMOJI_BYTES: usize = 64;

/// A reaction: exactly one emoji as Unicode lists it (RGI): a flag, a
/// keycap, a skin-toned or joined sequence is one. Returned in its
/// fully-qualified form, so `❤` and `❤️` are the same reaction. Text, two
/// emoji, an emoji with text, a lone skin tone or joiner are refused.
pub fn emoji(text: &str) -> ApiResult<&'static str> {
    let refused = || bad("a reaction is exactly one emoji");
    if text.is_empty() || text.len() > MAX_EMOJI_BYTES {
        return Err(refused());
    }
    // The list holds whole emoji only (no lone skin tones or joiners), so
    // a match on the whole text is exactly one emoji.
    let found = emojis::get(text).ok_or_else(refused)?;
    Ok(found.as_str())
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

/// Whether `name` could be some member's name as typed: cheap, and checked
/// before any normalising, so a 64 KiB "name" costs nothing. NFKC may
/// compose up to a few characters into one, so this allows four typed
/// characters per character of the 32 a name may have.
pub fn could_be_member_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 512 && name.chars().count() <= 4 * 32
}

/// A member name, returned NFKC-normalised (the form to store): 1 to 32
/// letters, digits, `_`, `-` or `.`, and no invisible or filler character
/// (as typed or once normalised). A new name must also pass
/// [`member_name_scripts`]. Which names count as the same name is
/// [`crate::name::key`]'s business.
pub fn member_name(name: &str) -> ApiResult<String> {
    if !could_be_member_name(name) {
        return Err(bad("a member name is 1 to 32 characters"));
    }
    let normal: String = name.nfkc().collect();
    let count = normal.chars().count();
    if count == 0 || count > 32 {
        return Err(bad("a member name is 1 to 32 characters"));
    }
    if let Some(c) = name.chars().chain(normal.chars()).find(|&c| filler(c)) {
        return Err(bad(format!(
            "a member name cannot hold invisible or filler characters like U+{:04X}",
            c as u32
        )));
    }
    if !normal
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(bad(
            "a member name may hold letters, digits, '_', '-' and '.' only",
        ));
    }
    Ok(normal)
}

/// A new member name's scripts: letters that could pass for another
/// script's are refused. Accepted are a name in one script (digits and
/// punctuation go with any; Han with Hiragana and Katakana, or with Hangul,
/// is one) and what UTS #39 calls at most "moderately restrictive": Latin
/// with one other common script that has no Latin look-alikes (not
/// Cyrillic, not Greek), as in `kim김` or `ali-علي`. `p\u{430}ypal`, with a
/// Cyrillic `а`, is refused. Kept apart from [`member_name`] so that a
/// mixed name that reads as a taken one can be reported as taken.
pub fn member_name_scripts(name: &str) -> ApiResult<()> {
    if name.is_single_script()
        || name.check_restriction_level(RestrictionLevel::ModeratelyRestrictive)
    {
        return Ok(());
    }
    Err(bad(
        "a member name cannot mix scripts whose letters look alike, \
         such as Latin and Cyrillic; write it in one script",
    ))
}

/// A password: 8 to 128 characters.
pub fn password(password: &str) -> ApiResult<&str> {
    let count = password.chars().count();
    if !(8..=128).contains(&count) {
        return Err(bad("a password is 8 to 128 characters"));
    }
    Ok(password)
}

/// A group channel's name, returned NFKC-normalised and trimmed: 1 to 80
/// characters, no control characters, and no invisible or filler
/// characters but those emoji are made of. Group names need not be unique,
/// so look-alikes are no concern here; blank names and hidden text are.
pub fn channel_name(name: &str) -> ApiResult<String> {
    let normal: String = name.nfkc().collect();
    let name = normal.trim();
    let count = name.chars().count();
    if count == 0 || count > 80 {
        return Err(bad("a channel name is 1 to 80 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(bad("a channel name cannot hold control characters"));
    }
    // Trimmed, it starts with something other than white space; unless
    // that is a filler too (refused here), the name shows something.
    let mut previous = None;
    for c in name.chars() {
        if filler(c) && !(emoji_part(c) && previous.is_some()) {
            return Err(bad(format!(
                "a channel name cannot hold invisible or filler characters like U+{:04X}",
                c as u32
            )));
        }
        previous = Some(c);
    }
    Ok(name.to_owned())
}

/// The most characters a group's topic has.
pub const MAX_TOPIC_CHARS: usize = 250;

/// A group's topic, trimmed: one line of at most [`MAX_TOPIC_CHARS`]
/// characters, or "" for none.
pub fn topic(topic: &str) -> ApiResult<String> {
    let topic = topic.trim();
    if topic.chars().count() > MAX_TOPIC_CHARS {
        return Err(bad(format!(
            "a topic is at most {MAX_TOPIC_CHARS} characters"
        )));
    }
    if topic.chars().any(char::is_control) {
        return Err(bad("a topic is one line, without control characters"));
    }
    Ok(topic.to_owned())
}

/// The most characters a directory search has.
pub const MAX_DIRECTORY_QUERY_CHARS: usize = 100;

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
    fn one_emoji_is_a_reaction_in_its_fully_qualified_form() {
        for (sent, stored) in [
            ("👍", "👍"),
            ("🇰🇷", "🇰🇷"), // a flag: two regional indicators
            (
                "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
                "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
            ), // a tag sequence (Scotland)
            ("👩\u{200D}💻", "👩\u{200D}💻"), // ZWJ
            (
                "👨\u{200D}👩\u{200D}👧\u{200D}👦",
                "👨\u{200D}👩\u{200D}👧\u{200D}👦",
            ),
            ("👍🏽", "👍🏽"),                                         // a skin tone
            ("🧑🏿\u{200D}🤝\u{200D}🧑🏻", "🧑🏿\u{200D}🤝\u{200D}🧑🏻"), // two tones, joined
            ("1\u{FE0F}\u{20E3}", "1\u{FE0F}\u{20E3}"),           // a keycap
            ("❤\u{FE0F}", "❤\u{FE0F}"),
            ("❤", "❤\u{FE0F}"), // unqualified: the same reaction
        ] {
            assert_eq!(emoji(sent).unwrap(), stored, "{sent:?}");
        }
    }

    #[test]
    fn every_emoji_of_the_list_in_every_skin_tone_is_a_reaction_of_its_own() {
        let mut longest = 0;
        for e in emojis::iter() {
            let tones: Vec<&emojis::Emoji> = match e.skin_tones() {
                Some(tones) => tones.collect(),
                None => vec![e],
            };
            for e in tones {
                longest = longest.max(e.as_str().len());
                assert_eq!(emoji(e.as_str()).unwrap(), e.as_str(), "{}", e.name());
            }
        }
        assert!(longest <= MAX_EMOJI_BYTES, "{longest}");
    }

    #[test]
    fn anything_but_one_emoji_is_refused() {
        for text in [
            "",
            "a",
            "ok",
            ":+1:",
            "1", // a digit is no keycap
            "#",
            "👍👍", // two emoji
            "👍🎉",
            "👍 ", // an emoji and a space
            " 👍",
            "👍ok",      // an emoji and text
            "\u{1F3FD}", // a lone skin tone
            "\u{200D}",  // a lone joiner
            "👍\u{200D}",
            "🇰",    // half a flag
            "🇰🇷🇯🇵", // two flags
            "\u{FE0F}",
            &"👍".repeat(40),
        ] {
            assert!(
                matches!(emoji(text), Err(ApiError::BadInput(_))),
                "{text:?} was taken for one emoji"
            );
        }
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

    /// The invisible and filler characters the rules must see through.
    const INVISIBLES: [char; 12] = [
        '\u{200B}',  // ZERO WIDTH SPACE
        '\u{200C}',  // ZERO WIDTH NON-JOINER
        '\u{200D}',  // ZERO WIDTH JOINER
        '\u{2060}',  // WORD JOINER
        '\u{FEFF}',  // ZERO WIDTH NO-BREAK SPACE (BOM)
        '\u{00AD}',  // SOFT HYPHEN
        '\u{115F}',  // HANGUL CHOSEONG FILLER
        '\u{1160}',  // HANGUL JUNGSEONG FILLER
        '\u{3164}',  // HANGUL FILLER
        '\u{FFA0}',  // HALFWIDTH HANGUL FILLER
        '\u{2800}',  // BRAILLE PATTERN BLANK
        '\u{E0041}', // TAG LATIN CAPITAL LETTER A
    ];

    #[test]
    fn the_skeleton_tells_default_ignorable_characters() {
        for c in INVISIBLES.iter().filter(|&&c| c != '\u{2800}') {
            assert!(default_ignorable(*c), "U+{:04X}", *c as u32);
        }
        for c in ['a', '가', 'а', '0', ' ', '\u{2800}', '👍', '\u{301}'] {
            assert!(!default_ignorable(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn messages_that_show_nothing_are_refused() {
        // Each is refused with BAD_USER_INPUT: there is nothing to read.
        for bad in [
            "\u{200B}",
            "\u{3164}",
            "\u{2800}",
            "\u{FEFF}\u{200D}",
            "\u{00A0}",
            "\u{3000}",
            "\u{115F}\u{1160}\u{FFA0}",
            " \u{200B} \n\u{2060}\t",
        ] {
            let err = message(bad).unwrap_err();
            assert!(matches!(err, ApiError::BadInput(_)), "{bad:?}");
        }
        assert!(message("\u{200B}")
            .unwrap_err()
            .to_string()
            .contains("only spaces and invisible characters"));
    }

    #[test]
    fn messages_with_something_visible_are_kept_exactly_as_sent() {
        for good in [
            "👍",
            "ok\u{200D}",
            "שלום",
            "👩\u{200D}💻",
            "❤\u{FE0F}",
            "\u{200B}hi\u{200B}",
            "ａｌｉｃｅ",
        ] {
            assert_eq!(message(good).unwrap(), good, "not normalised");
        }
    }

    #[test]
    fn member_names_are_stored_nfkc_normalised() {
        assert_eq!(member_name("ａｌｉｃｅ").unwrap(), "alice");
        assert_eq!(member_name("𝐚𝐥𝐢𝐜𝐞").unwrap(), "alice");
        assert_eq!(member_name("Jose\u{301}").unwrap(), "José");
        assert_eq!(
            member_name(&"ａ".repeat(33)).unwrap_err().to_string(),
            "a member name is 1 to 32 characters"
        );
    }

    #[test]
    fn member_names_with_invisible_or_filler_characters_are_refused() {
        // Alone, inside or at the end of a name: refused, naming the character.
        for c in INVISIBLES {
            for name in [c.to_string(), format!("al{c}ice"), format!("alice{c}")] {
                let err = member_name(&name).unwrap_err();
                assert!(matches!(err, ApiError::BadInput(_)), "{name:?}");
            }
        }
        let err = member_name("\u{3164}").unwrap_err().to_string();
        assert!(err.contains("invisible") && err.contains("U+3164"), "{err}");
    }

    #[test]
    fn member_names_that_mix_look_alike_scripts_are_refused() {
        for bad in [
            "\u{430}lice",  // Latin with a Cyrillic а
            "p\u{430}ypal", // the same inside
            "\u{3bf}scar",  // Latin with a Greek ο
            "Иванo",        // Cyrillic with a Latin o
            "Ελένηa",       // Greek with a Latin a
        ] {
            let err = member_name_scripts(&member_name(bad).unwrap()).unwrap_err();
            assert!(
                err.to_string().contains("cannot mix scripts"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn member_names_in_one_script_or_scripts_that_cannot_pass_for_another_are_kept() {
        for good in [
            "김민수",
            "José",
            "a.b-c_d",
            "Ελένη",
            "Иван",
            "田中たろう",
            "kim김",
            "ali-علي",
            "bob1",
        ] {
            assert_eq!(member_name(good).unwrap(), good);
            assert!(member_name_scripts(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn channel_names_are_normalised_and_refuse_hidden_characters() {
        assert_eq!(channel_name("ｇｅｎｅｒａｌ").unwrap(), "general");
        assert_eq!(channel_name("\u{3000}general\u{00A0}").unwrap(), "general");
        // Filler-only names, and invisible characters anywhere: refused.
        for c in INVISIBLES {
            for name in [c.to_string(), format!("gen{c}eral"), format!(" {c} ")] {
                if c == '\u{200D}' && name.starts_with("gen") {
                    continue; // a joiner after a letter is an emoji's part; below
                }
                let err = channel_name(&name).unwrap_err();
                assert!(matches!(err, ApiError::BadInput(_)), "{name:?}");
            }
        }
        // Emoji keep their joiners and presentation selectors.
        for good in [
            "🏳\u{FE0F}\u{200D}🌈 pride",
            "👩\u{200D}💻 devs",
            "❤\u{FE0F}",
        ] {
            assert_eq!(channel_name(good).unwrap(), good);
        }
    }
}
