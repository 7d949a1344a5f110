//! Where things are in a model's text, from its structure rather than by
//! searching for a word: the top-level fields of the model, the items of
//! its lists (`elements`, `flows`, `faults`, `tour`) and the fields inside
//! one item. A value error is then reported at the field that holds it, in
//! the element that holds it, never at the first place the word appears
//! (inside a note, say, or in another element that names this one).
//!
//! The scanner knows RON's and JSON's lexical rules that matter here:
//! strings with escapes, raw strings, characters, comments, and nesting by
//! `( [ {`. It never fails: on text it cannot follow it finds less.

use std::ops::Range;

/// The structure of a model's text.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    /// Top-level fields: name, the byte range of the name, and where its
    /// value ends.
    fields: Vec<(String, Range<usize>, usize)>,
    /// Items of the top-level lists, by list name: each item's byte range.
    lists: Vec<(String, Vec<Range<usize>>)>,
}

/// A lexical token the scanner cares about, with its byte offset.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open(usize),
    Close(usize),
    Comma(usize),
    Colon(usize),
    /// An identifier or a string: its text (without quotes) and its range.
    Word(String, Range<usize>),
}

fn tokens(src: &str) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'(' | b'[' | b'{' => {
                out.push(Token::Open(i));
                i += 1;
            }
            b')' | b']' | b'}' => {
                out.push(Token::Close(i));
                i += 1;
            }
            b',' => {
                out.push(Token::Comma(i));
                i += 1;
            }
            b':' => {
                out.push(Token::Colon(i));
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                let mut depth = 1;
                while i < bytes.len() && depth > 0 {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                let mut text = Vec::new();
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    if let Some(b) = bytes.get(i) {
                        text.push(*b);
                    }
                    i += 1;
                }
                i += 1;
                out.push(Token::Word(
                    String::from_utf8_lossy(&text).into_owned(),
                    start..i.min(bytes.len()),
                ));
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'#' | b'"')) => {
                // A raw string: r"..." or r#"..."#.
                let start = i;
                i += 1;
                let mut hashes = 0;
                while bytes.get(i) == Some(&b'#') {
                    hashes += 1;
                    i += 1;
                }
                if bytes.get(i) != Some(&b'"') {
                    continue;
                }
                i += 1;
                let body = i;
                loop {
                    if i >= bytes.len() {
                        break;
                    }
                    if bytes[i] == b'"' && bytes[i + 1..].iter().take(hashes).all(|b| *b == b'#') {
                        break;
                    }
                    i += 1;
                }
                let text = String::from_utf8_lossy(&bytes[body..i.min(bytes.len())]).into_owned();
                i = (i + 1 + hashes).min(bytes.len());
                out.push(Token::Word(text, start..i));
            }
            b'\'' => {
                // A character literal: skip it whole.
                i += 1;
                if bytes.get(i) == Some(&b'\\') {
                    i += 1;
                }
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(Token::Word(src[start..i].to_string(), start..i));
            }
            _ => i += 1,
        }
    }
    out
}

impl Spans {
    /// Scans a model's text.
    pub(crate) fn of(src: &str) -> Self {
        let tokens = tokens(src);
        let mut spans = Spans::default();
        // The root is the first opening bracket; its fields are at depth 1.
        let Some(root) = tokens.iter().position(|t| matches!(t, Token::Open(_))) else {
            return spans;
        };
        let mut depth = 0usize;
        let mut i = root;
        // Ends the value of the last field found, at byte `at`.
        let end_last = |spans: &mut Spans, at: usize| {
            if let Some(last) = spans.fields.last_mut()
                && last.2 == usize::MAX
            {
                last.2 = at;
            }
        };
        while i < tokens.len() {
            match &tokens[i] {
                Token::Open(_) => depth += 1,
                Token::Close(at) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end_last(&mut spans, *at);
                        break;
                    }
                }
                Token::Comma(at) if depth == 1 => end_last(&mut spans, *at),
                Token::Word(name, range) if depth == 1 => {
                    if matches!(tokens.get(i + 1), Some(Token::Colon(_))) {
                        end_last(&mut spans, range.start);
                        spans.fields.push((name.clone(), range.clone(), usize::MAX));
                        if let Some(Token::Open(_)) = tokens.get(i + 2) {
                            let (items, end) = list_items(&tokens, i + 2, src.len());
                            spans.lists.push((name.clone(), items));
                            // The list's own brackets were consumed.
                            i = end;
                            continue;
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
        end_last(&mut spans, src.len());
        spans
    }

    /// Where the value of a top-level field ends (its comma or the model's end).
    pub(crate) fn value_end(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .find(|(field, _, _)| field == name)
            .map(|(_, _, end)| *end)
    }

    /// The byte range of a top-level field's name.
    pub(crate) fn field(&self, name: &str) -> Option<Range<usize>> {
        self.fields
            .iter()
            .find(|(field, _, _)| field == name)
            .map(|(_, range, _)| range.clone())
    }

    /// The byte range of item `index` of the top-level list `list`.
    pub(crate) fn item(&self, list: &str, index: usize) -> Option<Range<usize>> {
        self.lists
            .iter()
            .find(|(name, _)| name == list)
            .and_then(|(_, items)| items.get(index).cloned())
    }
}

/// The items of the list (or struct) opened at token `open`, as byte ranges
/// of its direct children, and the index of the token after its close.
fn list_items(tokens: &[Token], open: usize, end_of_text: usize) -> (Vec<Range<usize>>, usize) {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut item_start: Option<usize> = None;
    let mut i = open;
    let position = |t: &Token| match t {
        Token::Open(p) | Token::Close(p) | Token::Comma(p) | Token::Colon(p) => *p,
        Token::Word(_, r) => r.start,
    };
    while i < tokens.len() {
        let token = &tokens[i];
        match token {
            Token::Open(p) => {
                depth += 1;
                if depth == 2 && item_start.is_none() {
                    item_start = Some(*p);
                }
            }
            Token::Close(p) => {
                if depth == 1 {
                    if let Some(start) = item_start.take() {
                        items.push(start..*p);
                    }
                    return (items, i + 1);
                }
                depth -= 1;
            }
            Token::Comma(p) if depth == 1 => {
                if let Some(start) = item_start.take() {
                    items.push(start..*p);
                }
            }
            _ if depth == 1 && item_start.is_none() => item_start = Some(position(token)),
            _ => {}
        }
        i += 1;
    }
    if let Some(start) = item_start {
        items.push(start..end_of_text);
    }
    (items, tokens.len())
}

/// The byte range of field `name` (its key) inside `within`, at the first
/// level of nesting of that range, else anywhere inside it.
pub(crate) fn field_in(src: &str, within: Range<usize>, name: &str) -> Option<Range<usize>> {
    let text = src.get(within.clone())?;
    let tokens = tokens(text);
    let mut depth = 0usize;
    let mut fallback = None;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Open(_) => depth += 1,
            Token::Close(_) => depth = depth.saturating_sub(1),
            Token::Word(word, range)
                if word == name && matches!(tokens.get(i + 1), Some(Token::Colon(_))) =>
            {
                let found = within.start + range.start..within.start + range.end;
                if depth <= 1 {
                    return Some(found);
                }
                fallback.get_or_insert(found);
            }
            _ => {}
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r##"(
    version: 1,
    name: "x",
    notes: "run: (horizon_us: 0) and \"elements\" are only words here",
    run: (horizon_us: 0),
    elements: [
        (id: "a", kind: Event, name: "A, (b)", pos: (x: 0, y: 0)),
        // a comment with ( and ]
        (id: "b", kind: Event, name: r#"raw "b" ("#, pos: (x: 1, y: 0), service: (instances: 0)),
    ],
    flows: [],
)"##;

    #[test]
    fn top_level_fields_are_found_outside_strings_and_comments() {
        let spans = Spans::of(SRC);
        let run = spans.field("run").expect("run");
        assert_eq!(&SRC[run.clone()], "run");
        assert!(run.start > SRC.find("notes").expect("notes"));
    }

    #[test]
    fn list_items_are_the_elements_in_order() {
        let spans = Spans::of(SRC);
        let b = spans.item("elements", 1).expect("second element");
        assert!(
            SRC[b.clone()].starts_with("(id: \"b\""),
            "{}",
            &SRC[b.clone()]
        );
        assert!(spans.item("elements", 2).is_none());
        let field = field_in(SRC, b, "instances").expect("instances");
        assert_eq!(&SRC[field], "instances");
    }

    #[test]
    fn unfinished_text_finds_less_and_does_not_fail() {
        for cut in 0..SRC.len() {
            if SRC.is_char_boundary(cut) {
                let spans = Spans::of(&SRC[..cut]);
                let _ = spans.item("elements", 0);
            }
        }
    }
}
