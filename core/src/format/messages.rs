//! Parser errors said in the user's words: the names of the file's parts
//! as the legend and the docs say them (never the Rust types that read
//! them), and a suggestion where one is likely ("unknown kind `Aggregat`:
//! did you mean `Aggregate`?").

use ron::error::Error;

/// What a user calls the part of the file a Rust type reads.
fn part(rust_name: &str) -> &'static str {
    match rust_name {
        "FileV1" | "FileV0" | "VersionProbe" => "the model",
        "Element" | "StickyV0" => "an element",
        "Flow" | "ArrowV0" => "a flow",
        "Pos" => "a position",
        "Size" => "a size",
        "RunSettings" => "the run settings",
        "Workload" => "a workload",
        "Service" => "a service",
        "Retry" => "a retry policy",
        "TopicSpec" => "a topic's settings",
        "EventSpec" => "an event's settings",
        "ProcessorSpec" => "a processor's settings",
        "Fault" => "a fault",
        "TourStep" => "a tour step",
        _ => "this part of the file",
    }
}

/// What a user calls the value an enum names.
fn choice(rust_name: &str) -> &'static str {
    match rust_name {
        "ElementKind" => "kind",
        "FlowKind" => "flow kind",
        "Level" => "level",
        "Arrival" => "arrival process",
        "ServiceTime" => "service time",
        "Guarantee" => "guarantee",
        "Backoff" => "backoff",
        "OnExhausted" => "on_exhausted",
        "Retention" => "retention",
        "EventPattern" => "pattern",
        "Operator" => "operator",
        "FaultKind" => "fault",
        _ => "value",
    }
}

/// Words a workshop uses for a kind, with the name the file uses.
const ALIASES: &[(&str, &str)] = &[
    ("BoundedContext", "Context"),
    ("Service", "Aggregate"),
    ("System", "ExternalSystem"),
    ("External", "ExternalSystem"),
    ("DomainEvent", "Event"),
    ("View", "ReadModel"),
    ("Stream", "Topic"),
    ("Lane", "Swimlane"),
];

/// The closest of `candidates` to `found`, if it is close enough to be
/// what was meant.
pub(crate) fn did_you_mean<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some((_, name)) = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(found))
        && let Some(candidate) = candidates.iter().find(|c| *c == name)
    {
        return Some(candidate);
    }
    let lower = found.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(distance, c)| *distance <= (c.len() / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance, for short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Extra words for a kind the app names differently.
fn note_on(choice: &str, name: &str) -> &'static str {
    match (choice, name) {
        ("kind", "Context") => " (`Context` is a bounded context)",
        _ => "",
    }
}

/// A parser error as a sentence a user can act on.
pub(crate) fn parse_error(error: &Error) -> String {
    match error {
        Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let what = choice(outer.as_deref().unwrap_or(""));
            match did_you_mean(found, expected) {
                Some(best) => format!(
                    "unknown {what} `{found}`: did you mean `{best}`{}?",
                    note_on(what, best)
                ),
                None => format!("unknown {what} `{found}`: use one of {}", list(expected)),
            }
        }
        Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => {
            let whose = part(outer.as_deref().unwrap_or(""));
            match did_you_mean(found, expected) {
                Some(best) => {
                    format!("{whose} has no field `{found}`: did you mean `{best}`?")
                }
                None => format!(
                    "{whose} has no field `{found}`: its fields are {}",
                    list(expected)
                ),
            }
        }
        Error::MissingStructField { field, outer } => {
            format!(
                "{} is missing its `{field}`",
                part(outer.as_deref().unwrap_or(""))
            )
        }
        Error::DuplicateStructField { field, outer } => format!(
            "{} gives `{field}` twice: keep one",
            part(outer.as_deref().unwrap_or(""))
        ),
        Error::ExpectedNamedStructLike(name)
        | Error::ExpectedDifferentStructName { expected: name, .. } => match part(name) {
            "the model" => {
                "expected a model: a `(` followed by `version: 1, name: \"...\"` and its \
                            elements and flows"
                    .to_string()
            }
            whose => format!("expected {whose} here, written `( field: value, ... )`"),
        },
        Error::ExpectedStructLike => "expected `( field: value, ... )` here".to_string(),
        Error::Eof => "the file ends too early: a bracket or a string is not closed".to_string(),
        Error::ExceededRecursionLimit => {
            "the file nests brackets too deeply to be a model".to_string()
        }
        Error::TrailingCharacters => {
            "there is text after the end of the model: remove it, or look for an extra `)`"
                .to_string()
        }
        other => {
            // The rest name no Rust type; make their first word lower case.
            let text = other.to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_kind_gets_the_closest_kind() {
        let kinds = ["Event", "Command", "Aggregate", "Context", "ReadModel"];
        assert_eq!(did_you_mean("Aggregat", &kinds), Some("Aggregate"));
        assert_eq!(did_you_mean("readmodel", &kinds), Some("ReadModel"));
        assert_eq!(did_you_mean("BoundedContext", &kinds), Some("Context"));
        assert_eq!(did_you_mean("Zebra", &kinds), None);
    }

    #[test]
    fn messages_never_name_rust_types() {
        let error = Error::NoSuchEnumVariant {
            expected: &["Event", "Aggregate"],
            found: "Aggregat".into(),
            outer: Some("ElementKind".into()),
        };
        let text = parse_error(&error);
        assert_eq!(text, "unknown kind `Aggregat`: did you mean `Aggregate`?");
        let text = parse_error(&Error::ExpectedNamedStructLike("VersionProbe"));
        assert!(!text.contains("VersionProbe"), "{text}");
        let text = parse_error(&Error::MissingStructField {
            field: "name",
            outer: Some("Element".into()),
        });
        assert_eq!(text, "an element is missing its `name`");
    }
}
