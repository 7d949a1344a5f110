//! The board as an SVG 1.1 picture, drawn from the same geometry and legend
//! colours as the board ([`crate::style`]): frames behind, then arrows with
//! their kind labels, then stickies with their names wrapped as on the
//! board, and the live badges of a run when one is given. Text is real
//! `<text>` (sharp, searchable, selectable) and every name is XML-escaped.
//!
//! One board unit is one SVG user unit and, at the default size, one pixel.

use std::collections::BTreeMap;
use std::fmt::{self, Write};

use super::text::{self, FONT_FAMILY};
use crate::model::{Element, ElementId, ElementKind, Model};
use crate::route::Obstacles;
use crate::sim::Snapshot;
use crate::style::{self, Badges, BoardRect, Point, Rgba};

/// Light or dark picture, as the board's two themes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Theme {
    /// Light background (the default).
    #[default]
    Light,
    /// Dark background.
    Dark,
}

/// What picture to draw of a board.
#[derive(Clone, Copy, Debug, Default)]
pub struct PictureOptions<'a> {
    /// Light or dark.
    pub theme: Theme,
    /// The part of the board to draw, in board units (None: the whole board
    /// with a margin).
    pub view: Option<BoardRect>,
    /// A run's state to draw as live badges (queue, busy, done, errors, lag
    /// per partition, DOWN); None: the board alone.
    pub live: Option<&'a Snapshot>,
}

/// Space around the whole board, in board units.
const MARGIN: f32 = 40.0;

/// How far each layer of the soft shadow reaches past the shadow's
/// rectangle, in blur widths: inside, at the edge, outside.
const SHADOW_LAYERS: [f32; 3] = [-0.25, 0.0, 0.25];

/// The picture of an empty board.
const EMPTY_SIZE: (f32, f32) = (320.0, 200.0);

/// Draws `model` as a standalone SVG 1.1 document.
pub fn to_svg(model: &Model, options: &PictureOptions<'_>) -> String {
    let dark = options.theme == Theme::Dark;
    let badges = options
        .live
        .map(|snapshot| style::live_badges(model, snapshot))
        .unwrap_or_default();
    // Frames first (behind), then the stickies, as the board draws them.
    let mut elements: Vec<(&Element, BoardRect)> = model
        .elements()
        .map(|e| (e, style::element_rect(e)))
        .collect();
    elements.sort_by_key(|(e, _)| !e.kind.is_frame());
    let extent = |element: &Element, rect: &BoardRect| {
        let mut extent = *rect;
        if let Some(b) = badges.get(&element.id) {
            let layout = super::badges::layout(rect, b);
            for r in [layout.lines, layout.partitions].into_iter().flatten() {
                extent = extent.union(&r);
            }
            extent = extent.expand(if b.degraded {
                2.0 + style::alarm_stroke_width(1.0)
            } else {
                0.0
            });
        }
        if element.kind.is_frame() {
            let title = frame_title_rect(element, rect);
            extent = extent.union(&title);
        }
        extent
    };
    let view = options.view.unwrap_or_else(|| {
        elements
            .iter()
            .map(|(e, r)| extent(e, r))
            .reduce(|a, b| a.union(&b))
            .map_or(
                BoardRect::from_min_size(Point::default(), EMPTY_SIZE.0, EMPTY_SIZE.1),
                |bounds| bounds.expand(MARGIN),
            )
    });
    let view = sane_view(view);

    let mut out = String::with_capacity(600 * elements.len() + 1_000);
    let _ = write_svg(&mut out, model, &elements, &badges, view, dark, &extent);
    out
}

/// A view with a positive, finite size (a degenerate one becomes a small one).
fn sane_view(view: BoardRect) -> BoardRect {
    let finite = [view.min.x, view.min.y, view.max.x, view.max.y]
        .iter()
        .all(|v| v.is_finite());
    if !finite {
        return BoardRect::from_min_size(Point::default(), EMPTY_SIZE.0, EMPTY_SIZE.1);
    }
    BoardRect::from_min_size(view.min, view.width().max(1.0), view.height().max(1.0))
}

fn write_svg(
    out: &mut String,
    model: &Model,
    elements: &[(&Element, BoardRect)],
    badges: &BTreeMap<ElementId, Badges>,
    view: BoardRect,
    dark: bool,
    extent: &dyn Fn(&Element, &BoardRect) -> BoardRect,
) -> fmt::Result {
    let (w, h) = (Num(view.width()), Num(view.height()));
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="{} {} {w} {h}" font-family="{FONT_FAMILY}, Verdana, sans-serif">"#,
        Num(view.min.x),
        Num(view.min.y),
    )?;
    writeln!(out, "<title>{}</title>", Esc(&model.name))?;
    writeln!(
        out,
        r#"<desc>Stormflow board, {} stickies and {} arrows</desc>"#,
        model.element_count(),
        model.flow_count()
    )?;
    writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{w}" height="{h}" fill="{}"/>"#,
        Num(view.min.x),
        Num(view.min.y),
        Hex(style::background_rgb(dark))
    )?;
    let visible = |element: &Element, rect: &BoardRect| extent(element, rect).intersects(&view);

    writeln!(out, r#"<g id="frames">"#)?;
    for (element, rect) in elements.iter().filter(|(e, _)| e.kind.is_frame()) {
        if visible(element, rect) {
            frame(out, element, rect, dark)?;
        }
    }
    writeln!(out, "</g>")?;

    let index: BTreeMap<&ElementId, (&Element, BoardRect)> =
        elements.iter().map(|(e, r)| (&e.id, (*e, *r))).collect();
    // Arrows go around the stickies in between, as on the board.
    let obstacles = Obstacles::new(
        elements
            .iter()
            .filter(|(e, _)| !e.kind.is_frame())
            .map(|(_, r)| *r)
            .collect(),
    );
    writeln!(out, r#"<g id="flows">"#)?;
    for flow in model.sorted_flows() {
        let (Some((from, a)), Some((to, b))) = (index.get(&flow.from), index.get(&flow.to)) else {
            continue;
        };
        let path = obstacles.route(a, b);
        let extent = path.iter().fold(a.union(b), |r, p| {
            r.union(&BoardRect::from_min_size(*p, 0.0, 0.0))
        });
        if !extent.intersects(&view) {
            continue;
        }
        super::arrows::draw(out, from, to, &path, flow.kind, dark)?;
    }
    writeln!(out, "</g>")?;

    let stickies: Vec<&(&Element, BoardRect)> = elements
        .iter()
        .filter(|(e, r)| !e.kind.is_frame() && visible(e, r))
        .collect();
    // The soft shadow is three stacked rectangles, each a little larger and
    // fainter at its edge: it looks like the board's blurred shadow and
    // renders anywhere at the cost of three rectangles (a blur filter over a
    // whole large board takes a renderer many seconds).
    let layers = SHADOW_LAYERS.len() as i32;
    let total = f32::from(style::SHADOW_RGBA[3]) / 255.0;
    let layer_opacity = 1.0 - (1.0 - total).powf(1.0 / layers as f32);
    writeln!(
        out,
        r#"<g id="shadows" fill="{}" fill-opacity="{}">"#,
        Hex(rgb(style::SHADOW_RGBA)),
        Num(layer_opacity)
    )?;
    for (element, rect) in &stickies {
        if element.kind == ElementKind::Topic {
            continue;
        }
        let shadow = BoardRect::from_min_size(
            Point::new(
                rect.min.x + style::SHADOW_OFFSET.x,
                rect.min.y + style::SHADOW_OFFSET.y,
            ),
            rect.width(),
            rect.height(),
        );
        let rotate = Rotate(style::tilt_rad(element.kind), shadow.center());
        for spread in SHADOW_LAYERS {
            let grown = shadow.expand(spread * style::SHADOW_BLUR);
            write!(out, "<rect")?;
            rect_attrs(
                out,
                &grown,
                style::corner_radius(1.0) + spread.max(0.0) * style::SHADOW_BLUR,
            )?;
            writeln!(out, "{rotate}/>")?;
        }
    }
    writeln!(out, "</g>")?;

    let show_pattern = style::shows_patterns(model);
    writeln!(out, r#"<g id="stickies">"#)?;
    for (element, rect) in stickies {
        sticky(out, element, rect, show_pattern)?;
        if let Some(b) = badges.get(&element.id) {
            super::badges::draw(out, rect, b)?;
        }
    }
    writeln!(out, "</g>")?;
    writeln!(out, "</svg>")
}

fn frame(out: &mut String, element: &Element, rect: &BoardRect, dark: bool) -> fmt::Result {
    let fill = element.rgb();
    let tint = style::frame_fill(fill, dark);
    let (width, stroke) = style::frame_stroke(fill, dark);
    writeln!(
        out,
        r#"<g id="{}" class="frame {}">"#,
        XmlId(&element.id),
        class(element.kind)
    )?;
    writeln!(out, "<title>{}</title>", Esc(&style::frame_title(element)))?;
    write!(out, "<rect")?;
    rect_attrs(out, &rect.expand(-width / 2.0), style::FRAME_CORNER_RADIUS)?;
    writeln!(
        out,
        r#" fill="{}" fill-opacity="{}" stroke="{}" stroke-opacity="{}" stroke-width="{}"/>"#,
        Hex(rgb(tint)),
        Opacity(tint[3]),
        Hex(rgb(stroke)),
        Opacity(stroke[3]),
        Num(width)
    )?;
    let title = style::frame_title(element);
    let rows = text::wrap(&title, style::FRAME_TITLE_PX, f32::INFINITY, 20);
    let at = Point::new(
        rect.min.x + style::FRAME_TITLE_OFFSET.x,
        rect.min.y + style::FRAME_TITLE_OFFSET.y,
    );
    text_rows(
        out,
        &rows,
        at,
        style::FRAME_TITLE_PX,
        style::FRAME_TITLE_PX * style::NAME_LINE_HEIGHT,
        style::frame_title_rgb(dark),
        "",
    )?;
    writeln!(out, "</g>")
}

/// Where a frame's title is drawn (it may reach past the frame).
fn frame_title_rect(element: &Element, rect: &BoardRect) -> BoardRect {
    let title = style::frame_title(element);
    let rows = text::wrap(&title, style::FRAME_TITLE_PX, f32::INFINITY, 20);
    let width = rows
        .iter()
        .map(|r| text::width(r, style::FRAME_TITLE_PX))
        .fold(0.0, f32::max);
    BoardRect::from_min_size(
        Point::new(
            rect.min.x + style::FRAME_TITLE_OFFSET.x,
            rect.min.y + style::FRAME_TITLE_OFFSET.y,
        ),
        width,
        rows.len() as f32 * style::FRAME_TITLE_PX * style::NAME_LINE_HEIGHT,
    )
}

fn sticky(
    out: &mut String,
    element: &Element,
    rect: &BoardRect,
    show_pattern: bool,
) -> fmt::Result {
    let kind = element.kind;
    let fill = element.rgb();
    let ink = style::ink_on(fill);
    let angle = style::tilt_rad(kind);
    writeln!(
        out,
        r#"<g id="{}" class="sticky {}"{}>"#,
        XmlId(&element.id),
        class(kind),
        Rotate(angle, rect.center())
    )?;
    writeln!(out, "<title>{}</title>", Esc(&display_name(element)))?;
    let (outline_w, outline) = style::STICKY_OUTLINE;
    let radius = if kind == ElementKind::Topic {
        style::topic_pipe(rect).radius
    } else {
        style::corner_radius(1.0)
    };
    write!(out, "<rect")?;
    rect_attrs(out, &rect.expand(-outline_w / 2.0), radius)?;
    writeln!(
        out,
        r#" fill="{}" stroke="{}" stroke-opacity="{}" stroke-width="{}"/>"#,
        Hex(fill),
        Hex(rgb(outline)),
        Opacity(outline[3]),
        Num(outline_w)
    )?;
    if kind == ElementKind::Topic {
        let pipe = style::topic_pipe(rect);
        writeln!(
            out,
            r#"<ellipse cx="{}" cy="{}" rx="{}" ry="{}" fill="none" stroke="{}" stroke-opacity="{}" stroke-width="{}"/>"#,
            Num(pipe.end_center.x),
            Num(pipe.end_center.y),
            Num(pipe.end_radii.0),
            Num(pipe.end_radii.1),
            Hex(rgb(pipe.end_stroke.1)),
            Opacity(pipe.end_stroke.1[3]),
            Num(pipe.end_stroke.0)
        )?;
    }
    let inner = rect.expand(-style::STICKY_PAD);
    let mut tag_height = 0.0;
    if kind != ElementKind::Topic {
        tag_height = style::TAG_ROW_HEIGHT;
        let tag = style::kind_tag(element, show_pattern);
        writeln!(
            out,
            r#"<text x="{}" y="{}" font-size="{}" fill="{}" fill-opacity="{}">{}</text>"#,
            Num(inner.min.x),
            Num(inner.min.y + text::baseline_in_row(style::TAG_FONT_PX, style::TAG_ROW_HEIGHT)),
            Num(style::TAG_FONT_PX),
            Hex(ink),
            Num(style::TAG_OPACITY),
            Esc(&tag)
        )?;
    }
    if kind == ElementKind::Actor {
        let glyph = style::actor_glyph(rect, 1.0);
        write!(
            out,
            r#"<g fill="none" stroke="{}" stroke-width="{}"><circle cx="{}" cy="{}" r="{}"/>"#,
            Hex(ink),
            Num(glyph.width),
            Num(glyph.head.x),
            Num(glyph.head.y),
            Num(glyph.head_radius)
        )?;
        for [a, b] in glyph.strokes {
            write!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
                Num(a.x),
                Num(a.y),
                Num(b.x),
                Num(b.y)
            )?;
        }
        writeln!(out, "</g>")?;
    }
    if element.pivotal {
        let bar = BoardRect {
            min: Point::new(rect.max.x - style::PIVOTAL_BAR_WIDTH, rect.min.y),
            max: rect.max,
        };
        write!(out, "<rect")?;
        rect_attrs(out, &bar, 0.0)?;
        writeln!(out, r#" fill="{}"/>"#, Hex(style::PIVOTAL_BAR_RGB))?;
    }
    let size = style::name_font_px(kind);
    let row_height = size * style::NAME_LINE_HEIGHT;
    let top = inner.min.y + tag_height;
    let width = if kind == ElementKind::Topic {
        inner.width() - style::TOPIC_TEXT_INSET.1
    } else {
        inner.width()
    };
    let max_rows = ((inner.max.y - top) / row_height).floor().max(1.0) as usize;
    let rows = text::wrap(&element.name, size, width.max(1.0), max_rows);
    let at = if kind == ElementKind::Topic {
        Point::new(
            inner.min.x + style::TOPIC_TEXT_INSET.0,
            rect.center().y - rows.len() as f32 * row_height / 2.0,
        )
    } else {
        Point::new(inner.min.x, top)
    };
    text_rows(out, &rows, at, size, row_height, ink, r#" class="name""#)?;
    writeln!(out, "</g>")
}

/// Rows of text from `at` (top-left of the first row), one `<tspan>` each.
pub(super) fn text_rows(
    out: &mut String,
    rows: &[String],
    at: Point,
    size: f32,
    row_height: f32,
    color: [u8; 3],
    extra: &str,
) -> fmt::Result {
    if rows.iter().all(|r| r.is_empty()) {
        return Ok(());
    }
    write!(
        out,
        r#"<text{extra} font-size="{}" fill="{}">"#,
        Num(size),
        Hex(color)
    )?;
    let baseline = text::baseline_in_row(size, row_height);
    for (i, row) in rows.iter().enumerate() {
        write!(
            out,
            r#"<tspan x="{}" y="{}">{}</tspan>"#,
            Num(at.x),
            Num(at.y + i as f32 * row_height + baseline),
            Esc(row)
        )?;
    }
    writeln!(out, "</text>")
}

/// ` x=".." y=".." width=".." height=".."` and the corner radius.
pub(super) fn rect_attrs(out: &mut String, r: &BoardRect, radius: f32) -> fmt::Result {
    write!(
        out,
        r#" x="{}" y="{}" width="{}" height="{}""#,
        Num(r.min.x),
        Num(r.min.y),
        Num(r.width().max(0.0)),
        Num(r.height().max(0.0))
    )?;
    if radius > 0.0 {
        write!(out, r#" rx="{}""#, Num(radius))?;
    }
    Ok(())
}

/// The name shown for an element in titles: its name, or what it is.
pub(super) fn display_name(element: &Element) -> String {
    if element.name.trim().is_empty() {
        format!("unnamed {}", element.kind.label())
    } else {
        element.name.clone()
    }
}

/// The CSS class of a kind (`read-model`).
fn class(kind: ElementKind) -> String {
    kind.label().replace(' ', "-")
}

pub(super) fn rgb(c: Rgba) -> [u8; 3] {
    [c[0], c[1], c[2]]
}

/// A number with at most two decimals, never `-0`, NaN or infinity.
pub(super) struct Num(pub(super) f32);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = (f64::from(self.0) * 100.0).round() / 100.0;
        if !v.is_finite() || v == 0.0 {
            return f.write_str("0");
        }
        write!(f, "{v}")
    }
}

/// An alpha byte as an opacity between 0 and 1.
pub(super) struct Opacity(pub(super) u8);

impl fmt::Display for Opacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Num(f32::from(self.0) / 255.0).fmt(f)
    }
}

/// `#rrggbb`.
pub(super) struct Hex(pub(super) [u8; 3]);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// ` transform="rotate(..)"` about `center`, or nothing for no tilt.
struct Rotate(f32, Point);

impl fmt::Display for Rotate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0.0 {
            return Ok(());
        }
        write!(
            f,
            r#" transform="rotate({} {} {})""#,
            Num(self.0.to_degrees()),
            Num(self.1.x),
            Num(self.1.y)
        )
    }
}

/// Text escaped for XML content and attribute values. Characters XML 1.0
/// cannot hold (most control characters) become spaces.
pub(crate) struct Esc<'a>(pub(crate) &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                '\t' | '\n' | '\r' => f.write_char(' ')?,
                c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                    f.write_char(' ')?
                }
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// An element id as a valid, unique XML id: `sticky.` and the id, with `~`
/// (not allowed in XML names) written `_7E` (uppercase, which ids never hold).
struct XmlId<'a>(&'a ElementId);

impl fmt::Display for XmlId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sticky.")?;
        for c in self.0.as_str().chars() {
            match c {
                c if c.is_ascii_alphanumeric() || "-_.".contains(c) => f.write_char(c)?,
                c => write!(f, "_{:02X}", u32::from(c))?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flow, FlowKind, Pos};

    fn hostile() -> Model {
        let mut model = Model::new("<script>alert(1)</script> & \"board\"");
        for (id, kind, name, x) in [
            ("a", ElementKind::Event, "<script>alert(\"x\")</script>", 0),
            (
                "b",
                ElementKind::Topic,
                "a & b \" ' --> ] # . \u{1}\u{7f}",
                400,
            ),
            ("c", ElementKind::Policy, "line\nbreak ]]> <!-- -->", 800),
            ("d~x", ElementKind::Hotspot, "Why?", 1200),
        ] {
            model
                .add_element(Element::new(id, kind, name, Pos { x, y: 0 }))
                .expect("fresh id");
        }
        model
            .connect(Flow::new("a", "b", FlowKind::PublishedTo))
            .expect("allowed");
        model
            .connect(Flow::new("b", "c", FlowKind::ConsumedBy))
            .expect("allowed");
        model
    }

    #[test]
    fn hostile_names_are_escaped_and_never_become_markup() {
        let svg = to_svg(&hostile(), &PictureOptions::default());
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.contains("<!--"));
        assert!(!svg.contains('\u{1}'));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains(r#"id="sticky.d_7Ex""#));
        let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default());
        assert!(tree.is_ok(), "the SVG parses: {:?}", tree.err());
    }

    #[test]
    fn every_sticky_and_every_arrow_is_drawn() {
        let model = hostile();
        let svg = to_svg(&model, &PictureOptions::default());
        for element in model.elements() {
            assert!(
                svg.contains(&format!(r#"id="{}""#, XmlId(&element.id))),
                "{} missing",
                element.id
            );
        }
        assert_eq!(
            svg.matches(r#"<g class="flow "#).count(),
            model.flow_count()
        );
    }

    #[test]
    fn a_view_draws_only_what_it_overlaps() {
        let model = hostile();
        let view = BoardRect::from_min_size(Point::new(-10.0, -10.0), 200.0, 200.0);
        let svg = to_svg(
            &model,
            &PictureOptions {
                view: Some(view),
                ..PictureOptions::default()
            },
        );
        assert!(svg.contains(r#"viewBox="-10 -10 200 200""#), "{svg}");
        assert!(svg.contains(r#"id="sticky.a""#));
        assert!(!svg.contains(r#"id="sticky.c""#));
    }

    #[test]
    fn the_dark_theme_has_the_dark_background() {
        let svg = to_svg(
            &hostile(),
            &PictureOptions {
                theme: Theme::Dark,
                ..PictureOptions::default()
            },
        );
        assert!(svg.contains(r##"fill="#161616""##));
    }

    #[test]
    fn hotspots_are_tilted_and_numbers_are_plain() {
        let svg = to_svg(&hostile(), &PictureOptions::default());
        assert!(svg.contains("rotate(-3.44 "), "{svg}");
        assert_eq!(Num(-0.001).to_string(), "0");
        assert_eq!(Num(12.345).to_string(), "12.35");
        assert_eq!(Num(f32::NAN).to_string(), "0");
    }
}
