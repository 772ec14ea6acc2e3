//! When two member names are the same name.
//!
//! A name is a member's identity to others: `аlice` with a Cyrillic `а`,
//! fullwidth `ａｌｉｃｅ` or `alice` with a zero-width space must not be a
//! second member who reads as `alice`. So names are compared by a key,
//! never as typed: [`key`] folds away what a reader cannot see (case,
//! compatibility forms, invisible characters, look-alike letters). The
//! store keeps the key of every member in a unique column and finds members
//! by the key of what was asked for, so uniqueness, sign-in and look-up all
//! agree on which member a spelling means.

use unicode_normalization::UnicodeNormalization;
use unicode_security::skeleton;

/// The version of [`key`] the stored keys were made with. Raise it whenever
/// `key` changes (or the Unicode data under it does, with a crate update):
/// at start the store rewrites every stored key made by an older version.
/// Version 1 was the lower-cased name.
pub const KEY_VERSION: i64 = 2;

/// The key two names share exactly when they read alike: NFKC (fullwidth
/// and mathematical letters become plain ones), a case fold, the UTS #39
/// confusable skeleton (which drops default-ignorable characters and maps
/// each character to its look-alike prototype: Cyrillic `а` to Latin `a`,
/// `1` to `l`, `m` to `rn`), and a case fold again, because some prototypes
/// are capitals (`0` becomes `O`, so `B0B` would otherwise differ from
/// `BOB`).
///
/// The key never holds a default-ignorable character, whatever the input
/// (the skeleton drops them), so a stored key that holds one can never be
/// asked for.
pub fn key(name: &str) -> String {
    let nfkc: String = name.nfkc().collect();
    let folded = fold(&nfkc);
    let skeleton: String = skeleton(&folded).collect();
    fold(&skeleton)
}

/// A full case fold, near enough: upper then lower case. Unlike
/// `to_lowercase` alone it folds `ß` with `SS` and a final `ς` with `σ`.
fn fold(s: &str) -> String {
    s.to_uppercase().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_spellings_of_a_name_share_its_key() {
        let alice = key("alice");
        for spelling in [
            "Alice",
            "ALICE",
            "\u{430}lice",                         // Cyrillic а
            "\u{430}\u{4cf}\u{456}\u{441}\u{435}", // all Cyrillic: а ӏ і с е
            "ａｌｉｃｅ",                          // fullwidth
            "𝐚𝐥𝐢𝐜𝐞",                               // mathematical bold
            "al\u{200b}ice",                       // a zero-width space inside
            "alice\u{3164}",                       // a Hangul filler at the end
        ] {
            assert_eq!(key(spelling), alice, "{spelling:?}");
        }
        assert_eq!(key("B0B"), key("bob"), "0 reads as O");
        assert_eq!(key("bob1"), key("bobl"), "1 reads as l");
        assert_eq!(key("Straße"), key("STRASSE"));
        assert_eq!(key("ΟΔΟΣ"), key("οδοσ"), "σ and final ς are one letter");
        assert_eq!(key("José"), key("Jose\u{301}"), "composed or not");
    }

    #[test]
    fn names_that_read_differently_keep_different_keys() {
        for (a, b) in [
            ("alice", "alicia"),
            ("bob", "bobby"),
            ("김민수", "김민호"),
            ("José", "Jose"),
            ("Ελένη", "Ελενη"),
            ("a.b", "a-b"),
        ] {
            assert_ne!(key(a), key(b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn a_key_never_holds_a_default_ignorable_character() {
        // What a retired key relies on (see the store's rekeying): no
        // input's key holds a character the skeleton drops.
        let mut buf = [0; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let k = key(c.encode_utf8(&mut buf));
            assert!(
                !k.chars().any(crate::validate::default_ignorable),
                "U+{:04X} gives {k:?}",
                c as u32
            );
        }
    }
}
