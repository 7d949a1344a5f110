//! Readable sticky names from the machine names AsyncAPI documents use for
//! messages and operations (`likeComment` -> "Like Comment"), so their ids
//! read as words too (`like-comment`, not `likecomment`).

/// `text` with every camelCase word split and capitalised: `likeComment`
/// -> "Like Comment", `onLightMeasured message` -> "On Light Measured
/// message", `HTTPRequest` -> "HTTP Request". Words that are not camelCase
/// (`comment/liked`, `orders`, `user_signed_up`) are left as they are.
pub(super) fn readable(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if is_camel_case(word) {
                split_camel_case(word)
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An identifier (letters, digits and `_`, starting with a letter) with a
/// lowercase letter followed by an uppercase one somewhere in it.
fn is_camel_case(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    chars.first().is_some_and(char::is_ascii_alphabetic)
        && chars.iter().all(|c| c.is_ascii_alphanumeric() || *c == '_')
        && chars
            .windows(2)
            .any(|pair| pair[0].is_ascii_lowercase() && pair[1].is_ascii_uppercase())
}

/// Splits before an uppercase letter that follows a lowercase letter or a
/// digit, or that starts a word after an acronym (`HTTPRequest`), and at `_`;
/// capitalises each part's first letter.
fn split_camel_case(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut parts: Vec<String> = vec![String::new()];
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            parts.push(String::new());
            continue;
        }
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let starts_word = c.is_ascii_uppercase()
            && match before {
                Some(b) if b.is_ascii_lowercase() || b.is_ascii_digit() => true,
                Some(b) if b.is_ascii_uppercase() => after.is_some_and(|a| a.is_ascii_lowercase()),
                _ => false,
            };
        if starts_word {
            parts.push(String::new());
        }
        if let Some(part) = parts.last_mut() {
            part.push(c);
        }
    }
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_names_become_words() {
        assert_eq!(readable("likeComment"), "Like Comment");
        assert_eq!(readable("commentLiked"), "Comment Liked");
        assert_eq!(readable("UserSignedUp"), "User Signed Up");
        assert_eq!(readable("HTTPRequestSent"), "HTTP Request Sent");
        assert_eq!(readable("getUserID"), "Get User ID");
        assert_eq!(readable("dimLight_v2"), "Dim Light V2");
        assert_eq!(
            readable("onLightMeasured message"),
            "On Light Measured message"
        );
    }

    #[test]
    fn camel_case_message_and_operation_names_give_word_ids() {
        use crate::import::{ImportFormat, import_text};
        let v3 = "asyncapi: 3.0.0\ninfo: {title: Comments, version: '1'}\nchannels:\n  \
                  likes:\n    address: like/comment\n    messages:\n      likeComment:\n        \
                  name: likeComment\noperations:\n  sendLike:\n    action: send\n    \
                  channel: {$ref: '#/channels/likes'}\n";
        let v2 = "asyncapi: 2.6.0\ninfo: {title: Sums, version: '1'}\nchannels:\n  sums:\n    \
                  subscribe:\n      operationId: requestSum\n      message: {payload: {}}\n";
        for (text, id, name) in [
            (v3, "like-comment", "Like Comment"),
            (v2, "request-sum-message", "Request Sum message"),
        ] {
            let first = import_text(text, "doc.yaml", ImportFormat::Auto).expect("imports");
            let element = first
                .model
                .element(&crate::model::ElementId::new(id))
                .unwrap_or_else(|| panic!("{id}: {:?}", first.model.ids().collect::<Vec<_>>()));
            assert_eq!(element.name, name);
            let again = import_text(text, "doc.yaml", ImportFormat::Auto).expect("imports");
            assert_eq!(
                crate::format::to_ron_string(&first.model).expect("writes"),
                crate::format::to_ron_string(&again.model).expect("writes")
            );
        }
    }

    #[test]
    fn other_names_are_left_as_they_are() {
        for name in [
            "orders",
            "Orders",
            "comment/liked",
            "user_signed_up",
            "HTTP",
            "Light measured",
            "smartylighting.streetlights.lightMeasured",
            "{streetlightId} message",
            "",
        ] {
            assert_eq!(readable(name), name, "{name}");
        }
    }
}
