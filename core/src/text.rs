//! Text from a file or a user, made safe for one line of human-readable
//! output: no name can start a line of its own (a newline inside it would
//! look like another diagnostic to an editor or a script), reorder what
//! follows it (bidirectional overrides), or fill a terminal.

/// Longest text shown on one line of a table or a diagnostic, in characters.
pub const ONE_LINE_MAX_CHARS: usize = 200;

/// Whether a character changes the reading order of the text around it.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `text` as one line: control characters written as escapes (`\n`,
/// `\t`, `\u{1b}`), bidirectional controls as `\u{202e}`, and cut to
/// `max_chars` with `…` at the end.
pub fn one_line_max(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    for (shown, c) in text.chars().enumerate() {
        if shown >= max_chars {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as one line, cut at [`ONE_LINE_MAX_CHARS`].
pub fn one_line(text: &str) -> String {
    one_line_max(text, ONE_LINE_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newline_cannot_start_a_forged_diagnostic() {
        let name = "Order\nother.ron:7:3: error: forged";
        let line = one_line(name);
        assert!(!line.contains('\n'));
        assert_eq!(line, "Order\\nother.ron:7:3: error: forged");
    }

    #[test]
    fn reordering_and_terminal_controls_are_shown_as_escapes() {
        assert_eq!(one_line("a\u{202e}b\u{1b}[2J"), "a\\u{202e}b\\u{1b}[2J");
    }

    #[test]
    fn absurdly_long_text_is_cut() {
        let line = one_line(&"x".repeat(1_300_000));
        assert_eq!(line.chars().count(), ONE_LINE_MAX_CHARS + 1);
        assert!(line.ends_with('…'));
    }
}
