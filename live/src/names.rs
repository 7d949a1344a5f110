//! How board elements are named on the broker: subjects, stream names and
//! durable consumer names. Every name is built from escaped tokens, so no
//! element id or group name can inject a wildcard (`*`, `>`) or a token
//! separator (`.`) into a subject, nor a character a stream name forbids.

/// Escapes one token: `a-z 0-9 -` stay, everything else (upper case
/// included, so the mapping is one-to-one) becomes `_xx` per UTF-8 byte.
pub fn token(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("_{byte:02x}"));
        }
    }
    if out.is_empty() {
        out.push_str("_00");
    }
    out
}

/// The board's name on the broker: the slug of the model name (`online-shop`).
pub fn board(model_name: &str) -> String {
    let slug = stormflow_core::ElementId::slug(model_name).0;
    if slug.is_empty() {
        "board".to_string()
    } else {
        token(&slug)
    }
}

/// The subject of one partition of a topic: `sf.<board>.<topic>.<partition>`.
pub fn partition_subject(board: &str, topic: &str, partition: u32) -> String {
    format!("sf.{board}.{}.{partition}", token(topic))
}

/// Every subject of a topic's stream: `sf.<board>.<topic>.*`.
pub fn topic_subjects(board: &str, topic: &str) -> String {
    format!("sf.{board}.{}.*", token(topic))
}

/// The subject of in-memory bus messages of one type (an event's direct
/// consumers, a command's handler): `sf.<board>._bus.<type>`.
pub fn bus_subject(board: &str, ty: &str) -> String {
    format!("sf.{board}._bus.{}", token(ty))
}

/// Every subject of the board's bus stream.
pub fn bus_subjects(board: &str) -> String {
    format!("sf.{board}._bus.>")
}

/// The request-reply subject an element serves synchronous calls on.
pub fn rpc_subject(board: &str, element: &str) -> String {
    format!("sf.{board}._rpc.{}", token(element))
}

/// A stream name (no `.`, `*`, `>`, spaces or slashes): `SF-<board>-<topic>`.
pub fn stream_name(board: &str, topic: &str) -> String {
    format!("SF-{board}-{}", token(topic))
}

/// The board's bus stream.
pub fn bus_stream(board: &str) -> String {
    format!("SF-{board}-_bus")
}

/// A durable consumer name for one group on one partition.
pub fn durable_for_partition(group: &str, partition: u32) -> String {
    format!("{}-p{partition}", token(group))
}

/// A durable consumer name for one receiver of one bus message type.
pub fn durable_for_bus(ty: &str, receiver: &str) -> String {
    format!("{}-to-{}", token(ty), token(receiver))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cannot_inject_wildcards_or_separators() {
        for hostile in ["a.b", "*", ">", "a b", "x.>", "Ab", "_", "a/b", ""] {
            let t = token(hostile);
            assert!(
                !t.contains(['.', '*', '>', ' ', '/', '\\']),
                "{hostile:?} became {t:?}"
            );
            assert!(!t.is_empty());
        }
        let subject = partition_subject("shop", "orders.>", 3);
        assert_eq!(subject.split('.').count(), 4, "{subject}");
        assert!(!subject.contains('>'));
    }

    #[test]
    fn escaping_is_one_to_one() {
        assert_ne!(token("a.b"), token("a_2eb"));
        assert_ne!(token("A"), token("a"));
        assert_eq!(token("orders-dlq"), "orders-dlq");
    }

    #[test]
    fn board_is_the_slug_of_the_model_name() {
        assert_eq!(board("Online Shop"), "online-shop");
        assert_eq!(board("***"), "board");
        assert_eq!(
            partition_subject(&board("Online Shop"), "orders", 5),
            "sf.online-shop.orders.5"
        );
    }
}
