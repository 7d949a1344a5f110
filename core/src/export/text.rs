//! Text measured with the bundled font (DejaVu Sans), so an exported
//! picture wraps names where its renderer will draw them: greedy word wrap
//! by advance widths, words longer than a row broken between characters, and
//! an ellipsis (…) on the last row when the text needs more rows than fit.

use std::sync::OnceLock;

/// The bundled font, also loaded into the PNG renderer.
pub(crate) const DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// The font family name the SVG asks for, then generic fallbacks.
pub(crate) const FONT_FAMILY: &str = "DejaVu Sans";

/// Advance of a character the font lacks, in ems (DejaVu's average).
const FALLBACK_ADVANCE_EM: f32 = 0.6;

/// Font-wide metrics and per-character advances, in ems.
struct Metrics {
    face: Option<ttf_parser::Face<'static>>,
    units_per_em: f32,
    ascender_em: f32,
    descender_em: f32,
    /// Advances of the printable ASCII characters, the common case.
    ascii: [f32; 128],
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let face = ttf_parser::Face::parse(DEJAVU_SANS, 0).ok();
        let units_per_em = face
            .as_ref()
            .map_or(2048.0, |f| f32::from(f.units_per_em().max(1)));
        let mut metrics = Metrics {
            ascender_em: face
                .as_ref()
                .map_or(0.93, |f| f32::from(f.ascender()) / units_per_em),
            descender_em: face
                .as_ref()
                .map_or(-0.24, |f| f32::from(f.descender()) / units_per_em),
            face,
            units_per_em,
            ascii: [FALLBACK_ADVANCE_EM; 128],
        };
        let mut ascii = [FALLBACK_ADVANCE_EM; 128];
        for (code, advance) in ascii.iter_mut().enumerate() {
            if let Some(c) = char::from_u32(code as u32) {
                *advance = metrics.lookup(c);
            }
        }
        metrics.ascii = ascii;
        metrics
    })
}

impl Metrics {
    fn lookup(&self, c: char) -> f32 {
        let Some(face) = &self.face else {
            return FALLBACK_ADVANCE_EM;
        };
        face.glyph_index(c)
            .and_then(|glyph| face.glyph_hor_advance(glyph))
            .map_or(FALLBACK_ADVANCE_EM, |units| {
                f32::from(units) / self.units_per_em
            })
    }

    fn advance_em(&self, c: char) -> f32 {
        match usize::try_from(u32::from(c)) {
            Ok(code) if code < 128 => self.ascii[code],
            _ => self.lookup(c),
        }
    }
}

/// Distance from a row's top to its baseline when rows are `row_height`
/// apart, for text of `size` px: the font's ascent and descent centred in the row.
pub(crate) fn baseline_in_row(size: f32, row_height: f32) -> f32 {
    let m = metrics();
    let content = (m.ascender_em - m.descender_em) * size;
    (row_height - content) / 2.0 + m.ascender_em * size
}

/// The width of `text` at `size` px.
pub(crate) fn width(text: &str, size: f32) -> f32 {
    let m = metrics();
    text.chars().map(|c| m.advance_em(c)).sum::<f32>() * size
}

const ELLIPSIS: char = '…';

/// Breaks `text` into at most `max_rows` rows no wider than `max_width` at
/// `size` px: words wrap greedily, a word wider than a row is broken between
/// characters, a newline always breaks, and when rows are left over the last
/// row kept ends in an ellipsis. Rows carry no leading or trailing spaces.
pub(crate) fn wrap(text: &str, size: f32, max_width: f32, max_rows: usize) -> Vec<String> {
    let m = metrics();
    let max_rows = max_rows.max(1);
    let mut rows: Vec<String> = Vec::new();
    let mut overflow = false;
    'paragraphs: for paragraph in text.split('\n') {
        let mut row = String::new();
        let mut row_width = 0.0_f32;
        let space = m.advance_em(' ') * size;
        for word in paragraph.split_whitespace() {
            let word_width: f32 = word.chars().map(|c| m.advance_em(c) * size).sum();
            let gap = if row.is_empty() { 0.0 } else { space };
            if row_width + gap + word_width <= max_width {
                if !row.is_empty() {
                    row.push(' ');
                }
                row.push_str(word);
                row_width += gap + word_width;
                continue;
            }
            if !row.is_empty() {
                rows.push(std::mem::take(&mut row));
                row_width = 0.0;
                if rows.len() > max_rows {
                    overflow = true;
                    break 'paragraphs;
                }
            }
            // The word starts a row; break it between characters if it is
            // wider than a row.
            for c in word.chars() {
                let w = m.advance_em(c) * size;
                if !row.is_empty() && row_width + w > max_width {
                    rows.push(std::mem::take(&mut row));
                    row_width = 0.0;
                    if rows.len() > max_rows {
                        overflow = true;
                        break 'paragraphs;
                    }
                }
                row.push(c);
                row_width += w;
            }
        }
        rows.push(row);
        if rows.len() > max_rows {
            overflow = true;
            break;
        }
    }
    // Blank rows at the end (a trailing newline) carry nothing.
    while rows.len() > 1 && rows.last().is_some_and(|r| r.is_empty()) {
        rows.pop();
    }
    if overflow || rows.len() > max_rows {
        rows.truncate(max_rows);
        if let Some(last) = rows.last_mut() {
            let ellipsis = m.advance_em(ELLIPSIS) * size;
            while !last.is_empty() && width(last, size) + ellipsis > max_width {
                last.pop();
            }
            while last.ends_with(' ') {
                last.pop();
            }
            last.push(ELLIPSIS);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_parses() {
        assert!(metrics().face.is_some(), "the bundled font parses");
        // DejaVu Sans: "i" is narrower than "W".
        assert!(width("i", 14.0) < width("W", 14.0));
    }

    #[test]
    fn words_wrap_greedily_within_the_width() {
        let rows = wrap("When paid, ship the order", 14.0, 90.0, 5);
        assert!(rows.len() > 1, "{rows:?}");
        for row in &rows {
            assert!(width(row, 14.0) <= 90.0, "{row} is too wide");
        }
        assert_eq!(rows.join(" "), "When paid, ship the order");
    }

    #[test]
    fn a_word_wider_than_a_row_is_broken_between_characters() {
        let rows = wrap("Supercalifragilisticexpialidocious", 14.0, 60.0, 20);
        assert!(rows.len() > 2, "{rows:?}");
        assert_eq!(rows.concat(), "Supercalifragilisticexpialidocious");
    }

    #[test]
    fn text_beyond_the_last_row_is_elided_with_an_ellipsis() {
        let rows = wrap("one two three four five six seven eight", 14.0, 50.0, 2);
        assert_eq!(rows.len(), 2);
        assert!(rows[1].ends_with('…'), "{rows:?}");
        assert!(width(&rows[1], 14.0) <= 50.0);
    }

    #[test]
    fn newlines_break_rows() {
        assert_eq!(wrap("a\nb", 14.0, 500.0, 5), vec!["a", "b"]);
        assert_eq!(wrap("", 14.0, 500.0, 5), vec![""]);
    }
}
