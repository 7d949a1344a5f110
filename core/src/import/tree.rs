//! Reading YAML and JSON into a `serde_json::Value` tree within a budget.
//!
//! YAML anchors and aliases let a small file describe a huge tree (a "billion
//! laughs" bomb). serde_norway stops runaway alias repetition, but what a
//! permitted amount of repetition builds can still be large, so the tree is
//! built through a seed that counts every node and every string byte it
//! creates and gives up once the count passes a budget proportional to the
//! text. Nesting depth is bounded by both parsers (128 levels).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{ImportError, Location};

/// Nodes and string bytes a tree may hold beyond the size of its text.
const BUDGET_SLACK: usize = 200_000;

const BUDGET_MESSAGE: &str = "the document expands to far more data than its text \
     (YAML anchors and aliases repeated too often): refusing to build it";

/// Whether text is written as JSON rather than YAML: it starts with `{` or `[`.
pub(crate) fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['{', '['])
}

/// Parses YAML (or JSON, which it reads with exact JSON error positions) into a
/// tree, within a node budget of about twice the text's size. Text that starts
/// like JSON but is not JSON is tried as YAML (flow style) before failing.
pub(crate) fn parse(text: &str, origin: &str) -> Result<Value, ImportError> {
    let budget = Cell::new(text.len().saturating_add(BUDGET_SLACK));
    let seed = Bounded { budget: &budget };
    if looks_like_json(text) {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let value = seed.deserialize(&mut deserializer).and_then(|value| {
            deserializer.end()?;
            Ok(value)
        });
        value.or_else(|e| {
            // YAML's flow style also starts with `{`: accept it, but report
            // what JSON found when YAML cannot read it either.
            let budget = Cell::new(text.len().saturating_add(BUDGET_SLACK));
            Bounded { budget: &budget }
                .deserialize(serde_norway::Deserializer::from_str(text))
                .map_err(|_| ImportError::Syntax {
                    at: Location::at(origin, e.line().max(1), e.column().max(1)),
                    message: format!("not valid JSON: {}", strip_position(&e.to_string())),
                })
        })
    } else {
        let deserializer = serde_norway::Deserializer::from_str(text);
        seed.deserialize(deserializer).map_err(|e| {
            let at = match e.location() {
                Some(location) => Location::at(origin, location.line(), location.column()),
                None => Location::file(origin),
            };
            let message = strip_position(&e.to_string());
            let message = if message.contains("repetition limit") {
                BUDGET_MESSAGE.to_string()
            } else if message.contains("more than one document") {
                "the file holds several YAML documents (separated by `---`): keep one per file"
                    .to_string()
            } else {
                format!("not valid YAML: {message}")
            };
            ImportError::Syntax { at, message }
        })
    }
}

/// Drops the " at line L column C" suffix both parsers add: the location is
/// reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// 1-based line and column of the first `key:` (YAML) or `"key"` (JSON) in `text`.
pub(crate) fn locate_key(text: &str, key: &str) -> Option<(usize, usize)> {
    let quoted = format!("\"{key}\"");
    let plain = format!("{key}:");
    let at = [text.find(&quoted), find_line_start_key(text, &plain)]
        .into_iter()
        .flatten()
        .min()?;
    Some(position_of(text, at))
}

/// 1-based line and column of the first occurrence of `needle`.
pub(crate) fn locate(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.find(needle).map(|at| position_of(text, at))
}

fn find_line_start_key(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '\t', '-']);
        if trimmed.starts_with(key) {
            return Some(offset + (line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
}

fn position_of(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte.min(text.len())];
    let line = 1 + before.matches('\n').count();
    let col = 1 + before
        .rsplit('\n')
        .next()
        .map_or(0, |last| last.chars().count());
    (line, col)
}

/// A seed that builds a `Value` while spending one unit of `budget` per node
/// and per string byte.
#[derive(Clone, Copy)]
struct Bounded<'b> {
    budget: &'b Cell<usize>,
}

impl Bounded<'_> {
    fn spend<E: de::Error>(&self, units: usize) -> Result<(), E> {
        let left = self.budget.get();
        if units > left {
            return Err(E::custom(BUDGET_MESSAGE));
        }
        self.budget.set(left - units);
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Bounded<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Bounded<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.spend(1)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.spend(1)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.spend(1)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.spend(1)?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.spend(1 + v.len())?;
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.spend(1 + v.len())?;
        Ok(Value::String(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.spend(1)?;
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.spend(1)?;
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.spend(1)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.spend(1)?;
        let mut object = Map::new();
        while let Some(key) = map.next_key_seed(Key(self))? {
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A mapping key: strings, and scalars written as strings (YAML allows `200:`).
struct Key<'b>(Bounded<'b>);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key (text or a number)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.0.spend(1 + v.len())?;
        Ok(v.to_string())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        self.0.spend(1 + v.len())?;
        Ok(v)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        self.visit_string(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        self.visit_string(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        self.visit_string(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        self.visit_string(v.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        self.visit_string("null".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_syntax_errors_carry_line_and_column() {
        let err = parse("a: b\n  c: d\n", "x.yaml").unwrap_err();
        let ImportError::Syntax { at, message } = err else {
            panic!("{err}");
        };
        assert_eq!((at.line, at.col), (Some(2), Some(4)));
        assert!(message.starts_with("not valid YAML"), "{message}");
    }

    #[test]
    fn json_syntax_errors_carry_line_and_column() {
        let err = parse("{\n  \"a\": [1,\n}", "x.json").unwrap_err();
        let ImportError::Syntax { at, .. } = err else {
            panic!("{err}");
        };
        assert_eq!(at.line, Some(3));
    }

    /// Nine aliases per level over nine levels would expand to 9^9 scalars.
    #[test]
    fn a_yaml_alias_bomb_is_refused_without_building_it() {
        let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let prev = format!("*l{}", level - 1);
            let items = [prev.as_str(); 9].join(", ");
            text.push_str(&format!("l{level}: &l{level} [{items}]\n"));
        }
        let err = parse(&text, "bomb.yaml").unwrap_err();
        assert!(err.to_string().contains("expands"), "{err}");
    }

    /// Few aliases, each of a large anchored list: within serde_norway's
    /// repetition limit, so only the budget stops it.
    #[test]
    fn a_few_aliases_of_a_large_anchor_are_refused_by_the_budget() {
        let mut text = String::from("big: &big [");
        text.push_str(&vec!["x"; 100_000].join(","));
        text.push_str("]\ncopies: [");
        text.push_str(&vec!["*big"; 50].join(", "));
        text.push_str("]\n");
        let err = parse(&text, "wide.yaml").unwrap_err();
        assert!(err.to_string().contains("expands"), "{err}");
    }

    #[test]
    fn yaml_flow_style_that_is_not_json_still_reads() {
        let value = parse("{asyncapi: 3.0.0, info: {title: T}}", "x.yaml").expect("valid YAML");
        assert_eq!(value["info"]["title"], Value::String("T".into()));
    }

    #[test]
    fn numeric_keys_are_read_as_text() {
        let value = parse("200: ok\n", "x.yaml").expect("valid");
        assert_eq!(value["200"], Value::String("ok".into()));
    }

    #[test]
    fn keys_are_located_in_yaml_and_json() {
        assert_eq!(locate_key("a: 1\nasyncapi: 9\n", "asyncapi"), Some((2, 1)));
        assert_eq!(
            locate_key("{\n  \"asyncapi\": \"9\"}", "asyncapi"),
            Some((2, 3))
        );
    }
}
