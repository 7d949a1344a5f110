//! Drawing stickies and arrows per the event-storming legend.

use egui::epaint::{RectShape, TextShape};
use egui::{
    Align2, Color32, CornerRadius, FontId, Painter, Pos2, Rect, Stroke, StrokeKind, Vec2,
    emath::Rot2, pos2, vec2,
};
use stormflow_core::model::{Element, ElementKind, FlowKind};

/// Below this zoom stickies are coloured blocks without text (level of detail).
pub const TEXT_MIN_ZOOM: f32 = 0.25;

/// The tilt of hotspots (negative) and opportunities (positive), in radians.
const TILT: f32 = 0.06;

/// A legend colour as an egui colour.
pub fn legend_color(rgb: [u8; 3]) -> Color32 {
    Color32::from_rgb(rgb[0], rgb[1], rgb[2])
}

/// Text colour readable on a sticky of colour `fill`.
pub fn ink_on(fill: Color32) -> Color32 {
    let luma =
        0.299 * f32::from(fill.r()) + 0.587 * f32::from(fill.g()) + 0.114 * f32::from(fill.b());
    if luma > 140.0 {
        Color32::from_gray(25)
    } else {
        Color32::WHITE
    }
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

/// The smallest size, in points, a sticky's name is drawn at.
const NAME_MIN_PX: f32 = 8.0;

/// The zoom below which a sticky shows its name without the kind tag.
const TAG_MIN_ZOOM: f32 = 0.45;

/// Draws one element into `rect` (screen space) at `zoom`.
pub fn element(
    painter: &Painter,
    element: &Element,
    rect: Rect,
    zoom: f32,
    emphasis: Emphasis,
    dark: bool,
) {
    let fill = legend_color(element.rgb());
    let ink = ink_on(fill);
    let kind = element.kind;
    if kind.is_frame() {
        frame(painter, element, rect, zoom, fill, dark, emphasis);
        return;
    }
    let radius = CornerRadius::same((3.0 * zoom).clamp(1.0, 8.0) as u8);
    let angle = match kind {
        ElementKind::Hotspot => -TILT,
        ElementKind::Opportunity => TILT,
        _ => 0.0,
    };
    let outline = if emphasis.selected {
        Stroke::new(
            (2.5 * zoom).clamp(1.5, 4.0),
            Color32::from_rgb(0x1E, 0x88, 0xE5),
        )
    } else if emphasis.highlighted {
        Stroke::new(
            (3.0 * zoom).clamp(2.0, 5.0),
            Color32::from_rgb(0xFF, 0xD5, 0x00),
        )
    } else if emphasis.hovered {
        Stroke::new(1.5, Color32::from_gray(if dark { 220 } else { 60 }))
    } else {
        Stroke::new(0.5, Color32::from_black_alpha(70))
    };
    match kind {
        ElementKind::Topic => {
            topic_pipe(painter, rect, fill, outline);
        }
        _ => {
            if zoom >= TEXT_MIN_ZOOM {
                let shadow = rect.translate(vec2(2.0, 3.0) * zoom.min(1.5));
                painter.add(
                    RectShape::filled(shadow, radius, Color32::from_black_alpha(45))
                        .with_blur_width(6.0 * zoom.min(1.5))
                        .with_angle(angle),
                );
            }
            painter.add(
                RectShape::new(rect, radius, fill, outline, StrokeKind::Inside).with_angle(angle),
            );
        }
    }
    if zoom < TEXT_MIN_ZOOM {
        return;
    }
    let pad = 7.0 * zoom;
    let inner = rect.shrink(pad);
    // Kind tag, top-left, small.
    let tag = match kind {
        ElementKind::Processor => format!(
            "{} {}",
            element.operator().symbol(),
            element.operator().label()
        ),
        ElementKind::Event if emphasis.show_pattern => {
            format!("event · {}", element.event_or_default().pattern.tag())
        }
        _ => kind.label().to_string(),
    };
    let tag_font = FontId::proportional((10.0 * zoom).max(6.0));
    let tag_color = ink.gamma_multiply(0.7);
    let text_rotation = Rot2::from_angle(angle);
    let rotate = |p: Pos2| rect.center() + text_rotation * (p - rect.center());
    // Below TAG_MIN_ZOOM the tag would be bigger than the gap above the
    // name; the colour says the kind there, and the name gets the room.
    let mut tag_height = 0.0;
    if kind != ElementKind::Topic && zoom >= TAG_MIN_ZOOM {
        let galley = painter.layout_no_wrap(tag, tag_font, tag_color);
        tag_height = galley.size().y.max(14.0 * zoom);
        painter.add(TextShape::new(rotate(inner.min), galley, tag_color).with_angle(angle));
    }
    if kind == ElementKind::Actor {
        // Beside the tag, or in the bottom corner when the name has the top.
        let y = if tag_height > 0.0 {
            inner.top() + 9.0 * zoom
        } else {
            inner.bottom() - 9.0 * zoom
        };
        actor_glyph(painter, pos2(inner.right() - 8.0 * zoom, y), zoom, ink);
    }
    if element.pivotal {
        painter.rect_filled(
            Rect::from_min_size(
                pos2(rect.right() - 6.0 * zoom, rect.top()),
                vec2(6.0 * zoom, rect.height()),
            ),
            0,
            Color32::from_rgb(0x5D, 0x2E, 0x0C),
        );
    }
    // Name, wrapped inside the sticky.
    let name_size = if kind == ElementKind::Aggregate {
        16.0
    } else {
        14.0
    };
    // A floor keeps names readable on a fitted board; they wrap and elide
    // within the sticky instead of shrinking past it.
    let mut font_size = (name_size * zoom).max(NAME_MIN_PX);
    let top = inner.top() + tag_height;
    let width = if kind == ElementKind::Topic {
        inner.width() - 18.0 * zoom
    } else {
        inner.width()
    };
    if font_size > name_size * zoom {
        // Above its zoomed size the name must still break between words:
        // shrink it, down to that size, until its longest word fits.
        let longest = element
            .name
            .split_whitespace()
            .max_by_key(|word| word.chars().count())
            .unwrap_or("");
        let word_width = painter
            .layout_no_wrap(longest.to_string(), FontId::proportional(font_size), ink)
            .size()
            .x;
        if word_width > width && word_width > 0.0 {
            font_size = (font_size * width / word_width).max(name_size * zoom);
        }
    }
    let font = FontId::proportional(font_size);
    let mut job = egui::text::LayoutJob::simple(element.name.clone(), font, ink, width.max(1.0));
    job.wrap.max_rows = ((inner.bottom() - top) / (font_size * 1.25))
        .floor()
        .max(1.0) as usize;
    let galley = painter.layout_job(job);
    let pos = if kind == ElementKind::Topic {
        pos2(
            inner.left() + 10.0 * zoom,
            rect.center().y - galley.size().y / 2.0,
        )
    } else {
        pos2(inner.left(), top)
    };
    painter.add(TextShape::new(rotate(pos), galley, ink).with_angle(angle));
    problem_badge(painter, rect, zoom, emphasis.problems);
}

/// A topic: a horizontal pipe (a cylinder lying down).
fn topic_pipe(painter: &Painter, rect: Rect, fill: Color32, outline: Stroke) {
    let r = rect.height() / 2.0;
    painter.rect(
        rect,
        CornerRadius::same(r.min(255.0) as u8),
        fill,
        outline,
        StrokeKind::Inside,
    );
    // The open end of the pipe.
    let end_center = pos2(rect.right() - r * 0.6, rect.center().y);
    painter.add(egui::Shape::ellipse_stroke(
        end_center,
        vec2(r * 0.35, r * 0.92),
        Stroke::new(1.0, Color32::from_black_alpha(90)),
    ));
}

fn actor_glyph(painter: &Painter, at: Pos2, zoom: f32, ink: Color32) {
    let stroke = Stroke::new(1.2 * zoom.max(0.5), ink);
    painter.circle_stroke(at, 3.0 * zoom, stroke);
    painter.line_segment(
        [at + vec2(0.0, 3.0 * zoom), at + vec2(0.0, 10.0 * zoom)],
        stroke,
    );
    painter.line_segment(
        [
            at + vec2(-4.0 * zoom, 6.0 * zoom),
            at + vec2(4.0 * zoom, 6.0 * zoom),
        ],
        stroke,
    );
    painter.line_segment(
        [
            at + vec2(0.0, 10.0 * zoom),
            at + vec2(-3.0 * zoom, 15.0 * zoom),
        ],
        stroke,
    );
    painter.line_segment(
        [
            at + vec2(0.0, 10.0 * zoom),
            at + vec2(3.0 * zoom, 15.0 * zoom),
        ],
        stroke,
    );
}

fn frame(
    painter: &Painter,
    element: &Element,
    rect: Rect,
    zoom: f32,
    fill: Color32,
    dark: bool,
    emphasis: Emphasis,
) {
    let tint = if dark {
        fill.gamma_multiply(0.18)
    } else {
        fill.gamma_multiply(0.35)
    };
    let stroke = if emphasis.selected {
        Stroke::new(2.0, Color32::from_rgb(0x1E, 0x88, 0xE5))
    } else {
        Stroke::new(1.5, fill.gamma_multiply(if dark { 0.8 } else { 1.0 }))
    };
    painter.rect(
        rect,
        CornerRadius::same(6),
        tint,
        stroke,
        StrokeKind::Inside,
    );
    if zoom >= TEXT_MIN_ZOOM * 0.5 {
        let color = if dark {
            Color32::from_gray(200)
        } else {
            Color32::from_gray(60)
        };
        // A swimlane is named by its actor or phase alone; a context says
        // what it is, since its boundary is a design decision.
        let label = if element.kind == ElementKind::Swimlane {
            element.name.clone()
        } else {
            format!("{} · {}", element.kind.label(), element.name)
        };
        painter.text(
            rect.min + vec2(10.0, 8.0) * zoom.max(0.6),
            Align2::LEFT_TOP,
            label,
            FontId::proportional((15.0 * zoom).max(9.0)),
            color,
        );
    }
}

fn problem_badge(painter: &Painter, rect: Rect, zoom: f32, (errors, warnings): (usize, usize)) {
    if errors + warnings == 0 {
        return;
    }
    let (color, count) = if errors > 0 {
        (Color32::from_rgb(0xD3, 0x2F, 0x2F), errors)
    } else {
        (Color32::from_rgb(0xF5, 0x9E, 0x0B), warnings)
    };
    let r = (8.0 * zoom).clamp(6.0, 12.0);
    let center = pos2(rect.right() - r * 0.3, rect.top() + r * 0.3);
    painter.circle(center, r, color, Stroke::new(1.0, Color32::WHITE));
    painter.text(
        center,
        Align2::CENTER_CENTER,
        count.to_string(),
        FontId::proportional(r * 1.2),
        Color32::WHITE,
    );
}

/// Live run figures on a sticky: lines under its name, greyed when down,
/// an amber outline when degraded, a red corner when something stopped.
pub fn badges(painter: &Painter, rect: Rect, zoom: f32, badges: &crate::board::Badges) {
    if badges.down {
        painter.rect_filled(rect, 3, Color32::from_black_alpha(120));
        let stroke = Stroke::new(
            (3.0 * zoom).clamp(1.5, 4.0),
            Color32::from_rgb(0xC6, 0x28, 0x28),
        );
        painter.line_segment([rect.left_top(), rect.right_bottom()], stroke);
        painter.line_segment([rect.right_top(), rect.left_bottom()], stroke);
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "DOWN",
            FontId::proportional((14.0 * zoom).max(9.0)),
            Color32::WHITE,
        );
    } else if badges.degraded {
        painter.rect_stroke(
            rect.expand(2.0),
            4,
            Stroke::new(
                (3.0 * zoom).clamp(1.5, 4.0),
                Color32::from_rgb(0xF5, 0x9E, 0x0B),
            ),
            StrokeKind::Outside,
        );
    }
    if badges.alarm {
        let r = (7.0 * zoom).clamp(4.0, 9.0);
        painter.circle_filled(
            pos2(rect.left() + r * 0.4, rect.top() + r * 0.4),
            r,
            Color32::from_rgb(0xC6, 0x28, 0x28),
        );
    }
    if zoom < TEXT_MIN_ZOOM {
        return;
    }
    let font = FontId::monospace((9.5 * zoom).clamp(7.5, 12.0));
    let mut at = pos2(rect.left(), rect.bottom() + 3.0);
    if !badges.lines.is_empty() {
        let text = badges.lines.join("\n");
        let galley = painter.layout_no_wrap(text, font.clone(), Color32::WHITE);
        let box_rect = Rect::from_min_size(at, galley.size() + vec2(8.0, 4.0));
        painter.rect_filled(
            box_rect,
            3,
            Color32::from_rgba_unmultiplied(20, 28, 40, 225),
        );
        painter.galley(box_rect.min + vec2(4.0, 2.0), galley, Color32::WHITE);
        at.y = box_rect.bottom() + 2.0;
    }
    // A topic's partitions: one row of bars per consumer group, a bar per
    // partition, as tall as its lag (scaled to the largest).
    if !badges.partitions.is_empty() {
        let most = badges
            .partitions
            .iter()
            .flat_map(|(_, lags)| lags.iter())
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let row_height = (12.0 * zoom).clamp(8.0, 16.0);
        let label_width = (60.0 * zoom).clamp(40.0, 90.0);
        let partitions = badges
            .partitions
            .iter()
            .map(|(_, l)| l.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let bar_width = ((rect.width() - label_width - 8.0) / partitions as f32).clamp(2.0, 14.0);
        let height = row_height * badges.partitions.len() as f32 + 4.0;
        let width = label_width + bar_width * partitions as f32 + 8.0;
        let box_rect = Rect::from_min_size(at, vec2(width, height));
        painter.rect_filled(
            box_rect,
            3,
            Color32::from_rgba_unmultiplied(20, 28, 40, 225),
        );
        let small = FontId::proportional((8.5 * zoom).clamp(7.0, 11.0));
        for (row, (group, lags)) in badges.partitions.iter().enumerate() {
            let top = box_rect.top() + 2.0 + row as f32 * row_height;
            painter.text(
                pos2(box_rect.left() + 3.0, top + row_height / 2.0),
                Align2::LEFT_CENTER,
                group,
                small.clone(),
                Color32::from_gray(210),
            );
            for (p, lag) in lags.iter().enumerate() {
                let left = box_rect.left() + label_width + p as f32 * bar_width;
                let full = row_height - 2.0;
                let h = (full * (*lag as f32 / most as f32)).max(if *lag > 0 { 1.5 } else { 0.5 });
                let color = if *lag == 0 {
                    Color32::from_gray(90)
                } else if *lag * 4 >= most * 3 {
                    Color32::from_rgb(0xE5, 0x39, 0x35)
                } else {
                    Color32::from_rgb(0xF5, 0x9E, 0x0B)
                };
                painter.rect_filled(
                    Rect::from_min_max(
                        pos2(left + 1.0, top + full - h + 1.0),
                        pos2(left + bar_width - 1.0, top + full + 1.0),
                    ),
                    0,
                    color,
                );
            }
        }
    }
}

/// The style an arrow of `kind` is drawn with.
pub fn flow_stroke(kind: FlowKind, zoom: f32, dark: bool) -> (Stroke, bool) {
    let width = (1.6 * zoom).clamp(0.8, 3.0);
    let base = if dark {
        Color32::from_gray(170)
    } else {
        Color32::from_gray(90)
    };
    match kind {
        FlowKind::Call => (
            Stroke::new(width * 1.2, Color32::from_rgb(0xD8, 0x43, 0x15)),
            true,
        ),
        FlowKind::Webhook => (
            Stroke::new(width * 1.2, Color32::from_rgb(0xAD, 0x14, 0x57)),
            true,
        ),
        FlowKind::PublishedTo | FlowKind::ConsumedBy => (
            Stroke::new(width, Color32::from_rgb(0x54, 0x6E, 0x7A)),
            false,
        ),
        _ => (Stroke::new(width, base), false),
    }
}

/// Where the segment from `rect`'s centre towards `toward` leaves `rect`.
pub fn border_point(rect: Rect, toward: Pos2) -> Pos2 {
    let c = rect.center();
    let d = toward - c;
    if d.length_sq() < 1e-6 {
        return c;
    }
    let sx = if d.x.abs() > 1e-6 {
        rect.width() / 2.0 / d.x.abs()
    } else {
        f32::INFINITY
    };
    let sy = if d.y.abs() > 1e-6 {
        rect.height() / 2.0 / d.y.abs()
    } else {
        f32::INFINITY
    };
    c + d * sx.min(sy)
}

/// Draws an arrow between two sticky rectangles; returns its midpoint and
/// its visible length.
pub fn flow(
    painter: &Painter,
    from: Rect,
    to: Rect,
    kind: FlowKind,
    zoom: f32,
    dark: bool,
    highlighted: bool,
) -> (Pos2, f32) {
    let start = border_point(from, to.center());
    let end = border_point(to, from.center());
    let (mut stroke, dashed) = flow_stroke(kind, zoom, dark);
    if highlighted {
        stroke = Stroke::new(stroke.width * 2.2, Color32::from_rgb(0xFF, 0xB3, 0x00));
    }
    if dashed {
        painter.extend(egui::Shape::dashed_line(
            &[start, end],
            stroke,
            7.0 * zoom.max(0.4),
            4.0 * zoom.max(0.4),
        ));
    } else {
        painter.line_segment([start, end], stroke);
    }
    let dir = (end - start).normalized();
    if dir != Vec2::ZERO {
        let size = (9.0 * zoom).clamp(5.0, 14.0);
        let normal = vec2(-dir.y, dir.x);
        let tip = end;
        let base = end - dir * size;
        painter.add(egui::Shape::convex_polygon(
            vec![
                tip,
                base + normal * size * 0.45,
                base - normal * size * 0.45,
            ],
            stroke.color,
            Stroke::NONE,
        ));
    }
    (start + (end - start) * 0.5, (end - start).length())
}
