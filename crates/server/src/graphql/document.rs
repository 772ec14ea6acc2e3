//! What a GraphQL document may cost before the schema looks at it.
//!
//! async-graphql's validation and complexity visitors walk a fragment each
//! time it is spread, so a 1 KB document whose fragments each spread the
//! next one twice makes them do 2^n work: 24 levels froze the server for
//! 20 s. This check runs first, on every request, anonymous ones included,
//! and costs time linear in the document: it counts tokens before parsing,
//! then counts the fields each fragment expands to, remembering each
//! fragment's count, so a fragment is counted once however often it is
//! spread. A document over any limit is refused before the exponential
//! work could start; one within them expands to at most
//! [`DocumentLimits::fields`] fields, which bounds everything after it.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::{
    parse_query,
    types::{DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet},
    Positioned,
};
use async_graphql::Name;

use crate::error::{ApiError, ApiResult};

/// The limits on one request's document.
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    /// The document's length in bytes.
    pub bytes: usize,
    /// Lexical tokens (names, numbers, strings, punctuation).
    pub tokens: usize,
    /// Fields once every fragment is expanded in place, over all operations.
    pub fields: u64,
    /// Fragment definitions.
    pub fragments: usize,
    /// Directives written anywhere in the document.
    pub directives: usize,
    /// Operations in the document.
    pub operations: usize,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        DocumentLimits {
            bytes: 16 * 1024,
            tokens: 4_000,
            fields: 500,
            fragments: 64,
            directives: 32,
            // Suda's own client sends a whole operations file (15 of them).
            operations: 32,
        }
    }
}

/// Root fields that must be alone in their operation: each costs a
/// password hash, so one request makes at most one attempt.
const ALONE: [&str; 2] = ["signIn", "signUp"];

/// The root fields of introspection.
const INTROSPECTION: [&str; 2] = ["__schema", "__type"];

/// A document within the limits.
#[derive(Debug)]
pub struct Checked {
    /// The parsed document, to hand on so it is not parsed twice.
    pub document: ExecutableDocument,
    /// Whether it asks for the schema (`__schema`, `__type`).
    pub introspects: bool,
}

fn refused(message: String) -> ApiError {
    ApiError::BadInput(message)
}

/// Parses `query` if it is within `limits`; refuses it with
/// `BAD_USER_INPUT` and a sentence saying which limit otherwise.
///
/// A document of several operations (Suda's client sends a whole file of
/// them and names the one to run) is cut down to `operation` and the
/// fragments it uses: only that one runs, so only that one is validated
/// and costed. (async-graphql's cost visitor would otherwise evaluate the
/// arguments of every operation, with variables meant for another.)
pub fn check(query: &str, operation: Option<&str>, limits: &DocumentLimits) -> ApiResult<Checked> {
    if query.len() > limits.bytes {
        return Err(refused(format!(
            "the query is {} bytes long; the limit is {}",
            query.len(),
            limits.bytes
        )));
    }
    let tokens = count_tokens(query);
    if tokens > limits.tokens {
        return Err(refused(format!(
            "the query has {tokens} tokens; the limit is {}",
            limits.tokens
        )));
    }
    let document = parse_query(query).map_err(|e| refused(e.to_string()))?;
    if document.fragments.len() > limits.fragments {
        return Err(refused(format!(
            "the query defines {} fragments; the limit is {}",
            document.fragments.len(),
            limits.fragments
        )));
    }
    let operations = document.operations.iter().len();
    if operations > limits.operations {
        return Err(refused(format!(
            "the query has {operations} operations; the limit is {}",
            limits.operations
        )));
    }
    let mut counter = Counter {
        fragments: &document.fragments,
        expanded: HashMap::new(),
        roots: HashMap::new(),
    };
    let mut fields: u64 = 0;
    let mut introspects = false;
    for (_, operation) in document.operations.iter() {
        let set = &operation.node.selection_set.node;
        fields = fields.saturating_add(counter.expanded(set)?);
        if fields > limits.fields {
            return Err(refused(format!(
                "the query is too complex: it selects more than {} fields once its fragments are expanded",
                limits.fields
            )));
        }
        let roots = counter.roots(set)?;
        introspects |= counter.root_mentions(set, &INTROSPECTION);
        if roots > 1 && counter.root_mentions(set, &ALONE) {
            return Err(refused(format!(
                "{} must be the only field of its request",
                ALONE.join(" and ")
            )));
        }
    }
    let directives = count_directives(&document);
    if directives > limits.directives {
        return Err(refused(format!(
            "the query has {directives} directives; the limit is {}",
            limits.directives
        )));
    }
    Ok(Checked {
        document: only(document, operation),
        introspects,
    })
}

/// The document with only the named operation and the fragments it
/// reaches; unchanged when there is no name or no such operation (the
/// schema then says what is wrong).
fn only(mut document: ExecutableDocument, operation: Option<&str>) -> ExecutableDocument {
    let Some(name) = operation else {
        return document;
    };
    let DocumentOperations::Multiple(operations) = &mut document.operations else {
        return document;
    };
    let Some((key, kept)) = operations.remove_entry(name) else {
        return document;
    };
    let mut reached: HashSet<Name> = HashSet::new();
    let mut stack: Vec<&SelectionSet> = vec![&kept.node.selection_set.node];
    while let Some(set) = stack.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => stack.push(&field.node.selection_set.node),
                Selection::InlineFragment(inline) => stack.push(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if reached.insert(name.clone()) {
                        if let Some(fragment) = document.fragments.get(name) {
                            stack.push(&fragment.node.selection_set.node);
                        }
                    }
                }
            }
        }
    }
    document.fragments.retain(|name, _| reached.contains(name));
    document.operations = DocumentOperations::Multiple(HashMap::from([(key, kept)]));
    document
}

/// Counts fields with each fragment's count remembered.
struct Counter<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// Every field a fragment expands to, at any depth; `None` while the
    /// fragment is being counted (so a cycle is found, not followed).
    expanded: HashMap<&'a str, Option<u64>>,
    /// The fields a fragment puts at the level it is spread in.
    roots: HashMap<&'a str, Option<u64>>,
}

impl<'a> Counter<'a> {
    fn fragment(&self, name: &str) -> ApiResult<&'a FragmentDefinition> {
        self.fragments
            .get(name)
            .map(|f| &f.node)
            .ok_or_else(|| refused(format!("unknown fragment \"{name}\"")))
    }

    fn expanded(&mut self, set: &'a SelectionSet) -> ApiResult<u64> {
        let mut n: u64 = 0;
        for item in &set.items {
            let add = match &item.node {
                Selection::Field(field) => {
                    1u64.saturating_add(self.expanded(&field.node.selection_set.node)?)
                }
                Selection::InlineFragment(inline) => {
                    self.expanded(&inline.node.selection_set.node)?
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.expanded.get(name) {
                        Some(Some(known)) => *known,
                        Some(None) => return Err(cycle(name)),
                        None => {
                            let fragment = self.fragment(name)?;
                            self.expanded.insert(name, None);
                            let count = self.expanded(&fragment.selection_set.node)?;
                            self.expanded.insert(name, Some(count));
                            count
                        }
                    }
                }
            };
            n = n.saturating_add(add);
        }
        Ok(n)
    }

    fn roots(&mut self, set: &'a SelectionSet) -> ApiResult<u64> {
        let mut n: u64 = 0;
        for item in &set.items {
            let add = match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(inline) => self.roots(&inline.node.selection_set.node)?,
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.roots.get(name) {
                        Some(Some(known)) => *known,
                        Some(None) => return Err(cycle(name)),
                        None => {
                            let fragment = self.fragment(name)?;
                            self.roots.insert(name, None);
                            let count = self.roots(&fragment.selection_set.node)?;
                            self.roots.insert(name, Some(count));
                            count
                        }
                    }
                }
            };
            n = n.saturating_add(add);
        }
        Ok(n)
    }

    /// Whether one of `names` is among `set`'s root fields. Each fragment
    /// is looked into once (cycles are refused by `roots` first).
    fn root_mentions(&self, set: &'a SelectionSet, names: &[&str]) -> bool {
        let mut seen: Vec<&str> = Vec::new();
        let mut stack: Vec<&SelectionSet> = vec![set];
        while let Some(set) = stack.pop() {
            for item in &set.items {
                match &item.node {
                    Selection::Field(field) => {
                        if names.contains(&field.node.name.node.as_str()) {
                            return true;
                        }
                    }
                    Selection::InlineFragment(inline) => {
                        stack.push(&inline.node.selection_set.node);
                    }
                    Selection::FragmentSpread(spread) => {
                        let name = spread.node.fragment_name.node.as_str();
                        if !seen.contains(&name) {
                            seen.push(name);
                            if let Ok(fragment) = self.fragment(name) {
                                stack.push(&fragment.selection_set.node);
                            }
                        }
                    }
                }
            }
        }
        false
    }
}

fn cycle(name: &str) -> ApiError {
    refused(format!("fragment \"{name}\" spreads itself"))
}

/// Directives as written (not expanded): each is checked once per place.
fn count_directives(document: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| {
                item.node.directives().len()
                    + match &item.node {
                        Selection::Field(f) => in_set(&f.node.selection_set.node),
                        Selection::InlineFragment(i) => in_set(&i.node.selection_set.node),
                        Selection::FragmentSpread(_) => 0,
                    }
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| {
            op.node.directives.len()
                + op.node
                    .variable_definitions
                    .iter()
                    .map(|v| v.node.directives.len())
                    .sum::<usize>()
                + in_set(&op.node.selection_set.node)
        })
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| f.node.directives.len() + in_set(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

/// GraphQL's lexical tokens, roughly but never fewer than there are:
/// names and numbers, strings, `...`, and each other punctuator. Commas,
/// white space and comments are not tokens.
fn count_tokens(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut tokens = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                tokens += 1;
                i = skip_string(bytes, i);
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                tokens += 1;
                i += 3;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                // A name: [_A-Za-z][_0-9A-Za-z]*
                tokens += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
            }
            c if c.is_ascii_digit() || c == b'-' => {
                // A number: -?digits(.digits)?([eE][+-]?digits)?; a `-`
                // anywhere else starts the next token.
                tokens += 1;
                i = skip_number(bytes, i);
            }
            _ => {
                tokens += 1;
                i += 1;
            }
        }
    }
    tokens
}

/// The index just past the number starting at `start` (never `start`).
fn skip_number(bytes: &[u8], start: usize) -> usize {
    let digits = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = start;
    if bytes[i] == b'-' {
        i += 1;
    }
    i = digits(i);
    if i < bytes.len() && bytes[i] == b'.' && !bytes[i..].starts_with(b"...") {
        i = digits(i + 1);
    }
    if i < bytes.len() && matches!(bytes[i], b'e' | b'E') {
        i += 1;
        if i < bytes.len() && matches!(bytes[i], b'+' | b'-') {
            i += 1;
        }
        i = digits(i);
    }
    i.max(start + 1)
}

/// The index just past the string starting at `start` (a `"` or `"""`).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    if bytes[start..].starts_with(b"\"\"\"") {
        let mut i = start + 3;
        while i < bytes.len() {
            if bytes[i..].starts_with(b"\\\"\"\"") {
                i += 4;
            } else if bytes[i..].starts_with(b"\"\"\"") {
                return i + 3;
            } else {
                i += 1;
            }
        }
        return i;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests;
