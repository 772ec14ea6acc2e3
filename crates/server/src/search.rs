//! Finding messages by their words, in any language.
//!
//! The stores index the terms this module makes, never raw text, so SQLite
//! and PostgreSQL find exactly the same messages for a query:
//!
//! - In scripts that put spaces between words, a term is a word: letters and
//!   digits, NFKC, case folded, and Latin, Greek and Cyrillic letters
//!   without their accents (`Café,` is `cafe`). A word asked for is a
//!   prefix: `meet` finds `meeting`.
//! - Han, Hiragana, Katakana and Hangul are written without spaces between
//!   words, and Korean glues particles to them (`회의는`), so a run of them
//!   is indexed as its overlapping pairs of characters (`안녕하세요`:
//!   `안녕 녕하 하세 세요`). A run asked for is the phrase of its pairs, so
//!   `안녕` and `하세` both find `안녕하세요`; a single character is the
//!   prefix of a pair.
//!
//! Every term of a query must match (AND). [`highlights`] finds where they
//! did in a message's text, for the result to show.

use suda_protocol::{ChannelId, MemberId};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The version of [`indexed_terms`] an index was built with: raise it
/// whenever they change, and the stores rebuild their index at start.
/// 2: a message's channel and sender are terms too.
pub const TERMS_VERSION: i64 = 2;

/// Starts the terms that name a message's channel and sender: a private
/// use character, which [`terms`] never makes (it keeps letters, digits
/// and marks), so no word of any text matches them.
const TAG: char = '\u{E000}';

/// At most this many characters in a search's text.
pub const MAX_QUERY_CHARS: usize = 256;

/// At most this many words (or runs) in a search's text.
pub const MAX_QUERY_TERMS: usize = 16;

/// One thing a search asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A word of one letter or digit: that word alone. As a prefix it
    /// would ask a store for nearly every message it holds.
    Word(String),
    /// A longer word, or a single character of a run: any term starting
    /// with it.
    Prefix(String),
    /// A run of two or more characters: its pairs, one after the other.
    Phrase(Vec<String>),
}

/// Why a search's text asks for nothing a store could look up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the search has no words to look for (only spaces or punctuation)")]
    Empty,
    #[error("the search is {0} characters long; the limit is {MAX_QUERY_CHARS}")]
    TooLong(usize),
    #[error("the search has {0} words; the limit is {MAX_QUERY_TERMS}")]
    TooManyTerms(usize),
}

/// Whether `c` belongs to a script written without spaces between words.
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF        // Hangul Jamo
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3130..=0x318F      // Hangul Compatibility Jamo
        | 0x31F0..=0x31FF      // Katakana Phonetic Extensions
        | 0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xA960..=0xA97F      // Hangul Jamo Extended-A
        | 0xAC00..=0xD7AF      // Hangul Syllables
        | 0xD7B0..=0xD7FF      // Hangul Jamo Extended-B
        | 0xF900..=0xFAFF      // CJK Compatibility Ideographs
        | 0x20000..=0x3FFFF) // CJK Extensions B and on
}

/// Whether an accent on `base` is dropped: Latin, Greek and Cyrillic, where
/// readers search without them. Elsewhere (Devanagari's vowel signs, say)
/// the marks are the letters.
fn accent_dropped(base: char) -> bool {
    matches!(base as u32, 0x0041..=0x024F | 0x0370..=0x04FF | 0x1E00..=0x1FFF)
}

/// `text` as terms are made from it: NFKC, folded, accents dropped where
/// [`accent_dropped`] says, recomposed. One output character per input
/// character where that is possible; [`highlights`] relies on
/// [`normalize_char`] instead to keep offsets.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        out.push_str(&normalize_char(c));
    }
    out
}

/// One character of text, normalized (possibly to several, or none).
fn normalize_char(c: char) -> String {
    let mut base = None;
    let mut kept = String::new();
    for d in std::iter::once(c).nfkd() {
        if is_combining_mark(d) {
            if base.is_some_and(accent_dropped) {
                continue;
            }
        } else {
            base = Some(d);
        }
        kept.push(d);
    }
    let composed: String = kept.nfc().collect();
    composed.to_uppercase().to_lowercase()
}

/// A piece of normalized text: a word, or a run of an unspaced script.
#[derive(Debug)]
struct Piece {
    text: Vec<char>,
    unspaced: bool,
}

/// What a normalized character is part of: a run of an unspaced script
/// (`Some(true)`), a word (`Some(false)`), or neither (space, punctuation).
fn kind(c: char) -> Option<bool> {
    if unspaced(c) {
        Some(true)
    } else if c.is_alphanumeric() || is_combining_mark(c) {
        Some(false)
    } else {
        None
    }
}

fn pieces(normalized: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut current: Option<Piece> = None;
    for c in normalized.chars() {
        match (kind(c), current.as_mut()) {
            (Some(u), Some(piece)) if piece.unspaced == u => piece.text.push(c),
            (Some(u), _) => {
                out.extend(current.take());
                current = Some(Piece {
                    text: vec![c],
                    unspaced: u,
                });
            }
            (None, _) => out.extend(current.take()),
        }
    }
    out.extend(current);
    out
}

/// The pairs of a run: `[a b c]` is `ab bc`; one character is itself.
fn pairs(run: &[char]) -> Vec<String> {
    if run.len() == 1 {
        return vec![run[0].to_string()];
    }
    run.windows(2).map(|w| w.iter().collect()).collect()
}

/// The terms a message's text is indexed by, in order.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for piece in pieces(&normalize(text)) {
        if piece.unspaced {
            out.extend(pairs(&piece.text));
        } else {
            out.push(piece.text.iter().collect());
        }
    }
    out
}

/// The term every message of `channel` is indexed by.
pub fn channel_tag(channel: ChannelId) -> String {
    format!("{TAG}c{channel}")
}

/// The term every message `sender` sent is indexed by.
pub fn sender_tag(sender: MemberId) -> String {
    format!("{TAG}m{sender}")
}

/// Everything a message is indexed by: the terms of its text, in order,
/// then its channel's and its sender's tags. With them a store looks up
/// `in:` and `from:` in the index itself, together with the words: a
/// channel quiet for a long while is not found by reading every newer
/// match of a common word.
pub fn indexed_terms(text: &str, channel: ChannelId, sender: MemberId) -> Vec<String> {
    let mut out = terms(text);
    out.push(channel_tag(channel));
    out.push(sender_tag(sender));
    out
}

/// What a search's text asks for; refused when it asks for nothing, or is
/// longer than a store should be made to look up.
pub fn query(text: &str) -> Result<Vec<Term>, QueryError> {
    let chars = text.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong(chars));
    }
    let mut out: Vec<Term> = Vec::new();
    for piece in pieces(&normalize(text)) {
        let text: String = piece.text.iter().collect();
        let term = match (piece.unspaced, piece.text.len()) {
            (true, 1) => Term::Prefix(text),
            (true, _) => Term::Phrase(pairs(&piece.text)),
            (false, 1) => Term::Word(text),
            (false, _) => Term::Prefix(text),
        };
        if !out.contains(&term) {
            out.push(term);
        }
    }
    match out.len() {
        0 => Err(QueryError::Empty),
        n if n > MAX_QUERY_TERMS => Err(QueryError::TooManyTerms(n)),
        _ => Ok(out),
    }
}

/// Where `terms` matched in `text`: (first character, characters), in
/// Unicode scalar values of `text` as stored, sorted, overlaps merged.
pub fn highlights(text: &str, terms: &[Term]) -> Vec<(usize, usize)> {
    // Each normalized character, with the original character it came from.
    let mut normalized: Vec<(char, usize)> = Vec::new();
    for (i, c) in text.chars().enumerate() {
        for n in normalize_char(c).chars() {
            normalized.push((n, i));
        }
    }
    let flat: Vec<char> = normalized.iter().map(|(c, _)| *c).collect();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    // Pieces of the normalized text, by their offsets in `flat`.
    let mut starts = Vec::new();
    let mut i = 0;
    while i < flat.len() {
        let Some(k) = kind(flat[i]) else {
            i += 1;
            continue;
        };
        let start = i;
        while i < flat.len() && kind(flat[i]) == Some(k) {
            i += 1;
        }
        starts.push((start, i, k));
    }
    for term in terms {
        let needle: Vec<char> = match term {
            Term::Word(w) | Term::Prefix(w) => w.chars().collect(),
            Term::Phrase(ps) => {
                let mut n: Vec<char> = ps[0].chars().collect();
                n.extend(ps[1..].iter().filter_map(|p| p.chars().last()));
                n
            }
        };
        for &(start, end, unspaced_piece) in &starts {
            let piece = &flat[start..end];
            let found: Vec<usize> = if unspaced_piece {
                // Anywhere inside a run.
                (0..piece.len())
                    .filter(|&at| piece[at..].starts_with(&needle))
                    .collect()
            } else if piece.starts_with(&needle)
                && (piece.len() == needle.len() || !matches!(term, Term::Word(_)))
            {
                vec![0]
            } else {
                Vec::new()
            };
            for at in found {
                let first = normalized[start + at].1;
                let last = normalized[start + at + needle.len() - 1].1;
                spans.push((first, last - first + 1));
            }
        }
    }
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, len) in spans {
        match merged.last_mut() {
            Some((s, l)) if start <= *s + *l => *l = (*l).max(start + len - *s),
            _ => merged.push((start, len)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(s: &str) -> Term {
        Term::Prefix(s.into())
    }

    #[test]
    fn words_are_folded_and_lose_their_accents() {
        assert_eq!(
            terms("Café, CAFÉ! naïve Straße"),
            ["cafe", "cafe", "naive", "strasse"]
        );
        // Fullwidth letters are plain ones (NFKC).
        assert_eq!(terms("ＨＥＬＬＯ"), ["hello"]);
        // Devanagari's vowel signs are letters, not accents: kept.
        assert_eq!(terms("नमस्ते"), ["नमस्ते"]);
    }

    #[test]
    fn korean_is_indexed_by_pairs_so_a_word_is_found_inside_a_longer_one() {
        assert_eq!(terms("안녕하세요"), ["안녕", "녕하", "하세", "세요"]);
        assert_eq!(query("안녕").unwrap(), [Term::Phrase(vec!["안녕".into()])]);
        assert_eq!(
            query("하세요").unwrap(),
            [Term::Phrase(vec!["하세".into(), "세요".into()])]
        );
        // One character: the prefix of a pair.
        assert_eq!(query("안").unwrap(), [prefix("안")]);
        // Japanese and Chinese alike, beside a word in Latin letters.
        assert_eq!(terms("東京でmeeting"), ["東京", "京で", "meeting"]);
    }

    #[test]
    fn a_word_of_one_letter_is_that_word_not_every_word_it_begins() {
        assert_eq!(query("a").unwrap(), [Term::Word("a".into())]);
        assert_eq!(
            query("7 days").unwrap(),
            [Term::Word("7".into()), prefix("days")]
        );
        assert_eq!(
            highlights("a plan, and a bag", &query("a").unwrap()),
            [(0, 1), (12, 1)]
        );
    }

    #[test]
    fn a_query_is_its_words_once_each() {
        assert_eq!(
            query("Meeting  notes, meeting").unwrap(),
            [prefix("meeting"), prefix("notes")]
        );
    }

    #[test]
    fn a_query_of_only_punctuation_or_space_asks_for_nothing() {
        assert_eq!(query("?!... -- ,"), Err(QueryError::Empty));
        assert_eq!(query(""), Err(QueryError::Empty));
        assert_eq!(query("   \u{200B} "), Err(QueryError::Empty));
    }

    #[test]
    fn a_query_too_long_or_with_too_many_words_is_refused_before_any_lookup() {
        assert_eq!(query(&"a".repeat(10_000)), Err(QueryError::TooLong(10_000)));
        let many: Vec<String> = (0..17).map(|i| format!("w{i}")).collect();
        assert_eq!(query(&many.join(" ")), Err(QueryError::TooManyTerms(17)));
        assert!(query(&many[..16].join(" ")).is_ok());
    }

    #[test]
    fn highlights_point_at_the_matches_in_the_text_as_written() {
        let q = query("cafe meet").unwrap();
        // "Café" is characters 4..8; of "meeting" (13..20), the part asked for.
        assert_eq!(highlights("the Café for meeting", &q), [(4, 4), (13, 4)]);
        // Inside a run of Hangul.
        let q = query("하세").unwrap();
        assert_eq!(highlights("안녕하세요 친구", &q), [(2, 2)]);
        // Prefixes only at the start of a word.
        assert!(highlights("remeet", &query("meet").unwrap()).is_empty());
    }

    #[test]
    fn overlapping_highlights_are_merged() {
        let q = query("안녕 녕하").unwrap();
        assert_eq!(highlights("안녕하세요", &q), [(0, 3)]);
    }
}
