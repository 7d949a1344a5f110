//! Drawing one sticky or frame per the event-storming legend, from the
//! facts in [`stormflow_core::style`] (the SVG export reads the same ones).

use std::sync::Arc;

use egui::epaint::{RectShape, TextShape};
use egui::{
    Color32, CornerRadius, FontId, Galley, Painter, Pos2, Rect, Stroke, StrokeKind, emath::Rot2,
    pos2, vec2,
};
use stormflow_core::model::{Element, ElementKind};
use stormflow_core::style::{self, BoardRect, Point};

use crate::theme;

/// Below this zoom stickies are coloured blocks without text (level of detail).
pub const TEXT_MIN_ZOOM: f32 = 0.25;

/// The zoom below which a sticky shows its name without the kind tag.
const TAG_MIN_ZOOM: f32 = 0.45;

/// A colour of [`stormflow_core::style`]: sRGB bytes, with or without a
/// straight alpha.
pub trait StyleColor {
    /// The colour as `[r, g, b, a]`, alpha straight.
    fn rgba(self) -> [u8; 4];
}

impl StyleColor for [u8; 3] {
    fn rgba(self) -> [u8; 4] {
        [self[0], self[1], self[2], 255]
    }
}

impl StyleColor for [u8; 4] {
    fn rgba(self) -> [u8; 4] {
        self
    }
}

/// A style colour as an egui colour: the one place the two meet.
pub fn color(c: impl StyleColor) -> Color32 {
    let [r, g, b, a] = c.rgba();
    Color32::from_rgba_unmultiplied(r, g, b, a)
}

/// An egui rectangle as a style rectangle.
pub fn board_rect(r: Rect) -> BoardRect {
    BoardRect {
        min: Point::new(r.min.x, r.min.y),
        max: Point::new(r.max.x, r.max.y),
    }
}

/// A style rectangle as an egui rectangle.
pub fn egui_rect(r: &BoardRect) -> Rect {
    Rect::from_min_max(pos2(r.min.x, r.min.y), pos2(r.max.x, r.max.y))
}

/// A style point as an egui position.
pub fn egui_pos(p: Point) -> Pos2 {
    pos2(p.x, p.y)
}

/// How a sticky is emphasised this frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct Emphasis {
    /// Part of the selection.
    pub selected: bool,
    /// Under the pointer.
    pub hovered: bool,
    /// Highlighted by a trace or a tour step.
    pub highlighted: bool,
    /// Problems on this element: (errors, warnings).
    pub problems: (usize, usize),
    /// Show an event's message pattern (EN, ECS, ES) on it.
    pub show_pattern: bool,
}

/// Where a sticky's parts go on screen this frame, worked out before
/// anything is drawn: arrows end at the sticky as drawn, grown around its
/// name when the name keeps its legible size (see [`style::grown_rect`]).
#[derive(Clone, Debug)]
pub struct StickyLayout {
    /// The sticky as drawn (its board rectangle on screen, maybe grown).
    pub rect: Rect,
    /// The kind tag, when the zoom shows it.
    tag: Option<Arc<Galley>>,
    /// The name, wrapped.
    name: Option<Arc<Galley>>,
    /// Where the name starts (before the tilt).
    name_at: Pos2,
}

/// Lays out the sticky `element` whose board rectangle is `rect` on screen.
pub fn sticky_layout(
    painter: &Painter,
    element: &Element,
    rect: Rect,
    zoom: f32,
    show_pattern: bool,
) -> StickyLayout {
    let kind = element.kind;
    if zoom < TEXT_MIN_ZOOM || kind.is_frame() {
        return StickyLayout {
            rect,
            tag: None,
            name: None,
            name_at: rect.min,
        };
    }
    let ink = color(style::ink_on(element.rgb()));
    let pad = style::STICKY_PAD * zoom;
    let tag = (kind != ElementKind::Topic && zoom >= TAG_MIN_ZOOM).then(|| {
        painter.layout_no_wrap(
            style::kind_tag(element, show_pattern),
            FontId::proportional((style::TAG_FONT_PX * zoom).max(6.0)),
            ink.gamma_multiply(style::TAG_OPACITY),
        )
    });
    let tag_height = tag
        .as_ref()
        .map_or(0.0, |g| g.size().y.max(style::TAG_ROW_HEIGHT * zoom));
    let font_size = style::name_px_at(kind, zoom);
    let font = FontId::proportional(font_size);
    let inset = if kind == ElementKind::Topic {
        style::TOPIC_TEXT_INSET.1 * zoom
    } else {
        0.0
    };
    // The name keeps its size: where its longest word or its rows do not
    // fit, the sticky grows (up to a limit) rather than the text shrinking.
    let longest = element
        .name
        .split_whitespace()
        .max_by_key(|word| word.chars().count())
        .unwrap_or("");
    let word_width = painter
        .layout_no_wrap(longest.to_string(), font.clone(), ink)
        .size()
        .x;
    let width_needed = word_width + inset + 2.0 * pad;
    let grown_w = style::grown_rect(&board_rect(rect), (width_needed, 0.0)).width();
    let text_width = (grown_w - 2.0 * pad - inset).max(1.0);
    let row = font_size * style::NAME_LINE_HEIGHT;
    let mut job = egui::text::LayoutJob::simple(element.name.clone(), font, ink, text_width);
    let unwrapped_rows = painter.layout_job(job.clone()).rows.len().max(1);
    let height_needed = tag_height + unwrapped_rows as f32 * row + 2.0 * pad;
    let grown = egui_rect(&style::grown_rect(
        &board_rect(rect),
        (width_needed, height_needed),
    ));
    job.wrap.max_rows = ((grown.height() - 2.0 * pad - tag_height) / row)
        .floor()
        .max(1.0) as usize;
    let name = painter.layout_job(job);
    let inner = grown.shrink(pad);
    let name_at = if kind == ElementKind::Topic {
        pos2(
            inner.left() + style::TOPIC_TEXT_INSET.0 * zoom,
            grown.center().y - name.size().y / 2.0,
        )
    } else {
        pos2(inner.left(), inner.top() + tag_height)
    };
    StickyLayout {
        rect: grown,
        tag,
        name: Some(name),
        name_at,
    }
}

/// Draws a sticky as laid out by [`sticky_layout`].
pub fn sticky(
    painter: &Painter,
    element: &Element,
    layout: &StickyLayout,
    zoom: f32,
    emphasis: Emphasis,
    dark: bool,
) {
    let rect = layout.rect;
    let fill = color(element.rgb());
    let ink = color(style::ink_on(element.rgb()));
    let kind = element.kind;
    let radius = CornerRadius::same(style::corner_radius(zoom) as u8);
    let angle = style::tilt_rad(kind);
    let outline = if emphasis.selected {
        Stroke::new((2.5 * zoom).clamp(1.5, 4.0), theme::SELECTION)
    } else if emphasis.highlighted {
        Stroke::new((3.0 * zoom).clamp(2.0, 5.0), theme::HIGHLIGHT_STICKY)
    } else if emphasis.hovered {
        Stroke::new(1.5, theme::hover_outline(dark))
    } else {
        let (width, rgba) = style::STICKY_OUTLINE;
        Stroke::new(width, color(rgba))
    };
    if element.pivotal {
        // The pivotal outline, outside the sticky: unmistakable at any zoom.
        painter.add(
            RectShape::stroke(
                rect,
                radius,
                Stroke::new(
                    style::pivotal_outline_px(zoom),
                    color(style::PIVOTAL_BAR_RGB),
                ),
                StrokeKind::Outside,
            )
            .with_angle(angle),
        );
    }
    if kind == ElementKind::Topic {
        topic_pipe(painter, rect, fill, outline);
    } else {
        if zoom >= TEXT_MIN_ZOOM {
            let offset = vec2(style::SHADOW_OFFSET.x, style::SHADOW_OFFSET.y) * zoom.min(1.5);
            painter.add(
                RectShape::filled(rect.translate(offset), radius, color(style::SHADOW_RGBA))
                    .with_blur_width(style::SHADOW_BLUR * zoom.min(1.5))
                    .with_angle(angle),
            );
        }
        painter
            .add(RectShape::new(rect, radius, fill, outline, StrokeKind::Inside).with_angle(angle));
    }
    if element.pivotal {
        let bar = style::pivotal_bar_px(zoom, rect.width());
        painter.add(
            RectShape::filled(
                Rect::from_min_max(pos2(rect.right() - bar, rect.top()), rect.max),
                0,
                color(style::PIVOTAL_BAR_RGB),
            )
            .with_angle_and_pivot(angle, rect.center()),
        );
    }
    let Some(name) = &layout.name else {
        return;
    };
    let rotation = Rot2::from_angle(angle);
    let rotate = |p: Pos2| rect.center() + rotation * (p - rect.center());
    let inner = rect.shrink(style::STICKY_PAD * zoom);
    if let Some(tag) = &layout.tag {
        painter.add(TextShape::new(rotate(inner.min), tag.clone(), ink).with_angle(angle));
    }
    if kind == ElementKind::Actor {
        // Beside the tag, or in the bottom corner when the name has the top.
        let y = if layout.tag.is_some() {
            inner.top() + 9.0 * zoom
        } else {
            inner.bottom() - 9.0 * zoom
        };
        actor_glyph(painter, pos2(inner.right() - 8.0 * zoom, y), zoom, ink);
    }
    painter.add(TextShape::new(rotate(layout.name_at), name.clone(), ink).with_angle(angle));
    problem_badge(painter, rect, zoom, emphasis.problems);
}

/// A topic: a horizontal pipe (a cylinder lying down).
fn topic_pipe(painter: &Painter, rect: Rect, fill: Color32, outline: Stroke) {
    let pipe = style::topic_pipe(&board_rect(rect));
    painter.rect(
        rect,
        CornerRadius::same(pipe.radius.min(255.0) as u8),
        fill,
        outline,
        StrokeKind::Inside,
    );
    // The open end of the pipe.
    painter.add(egui::Shape::ellipse_stroke(
        egui_pos(pipe.end_center),
        vec2(pipe.end_radii.0, pipe.end_radii.1),
        Stroke::new(pipe.end_stroke.0, color(pipe.end_stroke.1)),
    ));
}

fn actor_glyph(painter: &Painter, at: Pos2, zoom: f32, ink: Color32) {
    let stroke = Stroke::new(1.2 * zoom.max(0.5), ink);
    painter.circle_stroke(at, 3.0 * zoom, stroke);
    let p = |dx: f32, dy: f32| at + vec2(dx, dy) * zoom;
    for [a, b] in [
        [p(0.0, 3.0), p(0.0, 10.0)],
        [p(-4.0, 6.0), p(4.0, 6.0)],
        [p(0.0, 10.0), p(-3.0, 15.0)],
        [p(0.0, 10.0), p(3.0, 15.0)],
    ] {
        painter.line_segment([a, b], stroke);
    }
}

/// Draws a frame's body (tint and border); its title is drawn after the
/// stickies, by [`frame_title`], where it hides and is hidden by nothing.
pub fn frame_body(painter: &Painter, element: &Element, rect: Rect, selected: bool, dark: bool) {
    let rgb = element.rgb();
    let stroke = if selected {
        Stroke::new(2.0, theme::SELECTION)
    } else {
        let (width, rgba) = style::frame_stroke(rgb, dark);
        Stroke::new(width, color(rgba))
    };
    painter.rect(
        rect,
        CornerRadius::same(style::FRAME_CORNER_RADIUS as u8),
        color(style::frame_fill(rgb, dark)),
        stroke,
        StrokeKind::Inside,
    );
}

/// Whether frame titles are drawn at `zoom`.
pub fn shows_frame_titles(zoom: f32) -> bool {
    zoom >= TEXT_MIN_ZOOM * 0.5
}

/// A frame's title, laid out at `zoom`.
pub fn frame_title_galley(
    painter: &Painter,
    element: &Element,
    zoom: f32,
    dark: bool,
) -> Arc<Galley> {
    painter.layout_no_wrap(
        style::frame_title(element),
        FontId::proportional(style::frame_title_px_at(zoom)),
        color(style::frame_title_rgb(dark)),
    )
}

/// Padding around a frame title on its background.
pub const FRAME_TITLE_PAD: egui::Vec2 = vec2(4.0, 1.0);

/// Draws a frame's title in `at` (its background, padding included).
pub fn frame_title(painter: &Painter, galley: Arc<Galley>, at: Rect, dark: bool) {
    painter.rect_filled(at, 3, theme::frame_title_backdrop(dark));
    painter.galley(at.min + FRAME_TITLE_PAD, galley, Color32::PLACEHOLDER);
}

fn problem_badge(painter: &Painter, rect: Rect, zoom: f32, (errors, warnings): (usize, usize)) {
    if errors + warnings == 0 {
        return;
    }
    let (fill, count) = if errors > 0 {
        (theme::ERROR_BADGE, errors)
    } else {
        (theme::WARNING, warnings)
    };
    let r = (8.0 * zoom).clamp(6.0, 12.0);
    let center = pos2(rect.right() - r * 0.3, rect.top() + r * 0.3);
    painter.circle(center, r, fill, Stroke::new(1.0, Color32::WHITE));
    painter.text(
        center,
        egui::Align2::CENTER_CENTER,
        count.to_string(),
        FontId::proportional(r * 1.2),
        Color32::WHITE,
    );
}
