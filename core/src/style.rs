//! How the board is drawn, as plain data: the geometry, sizes and colours
//! that the egui board and the SVG export both read, so a picture and the
//! screen agree. No renderer here: colours are sRGB bytes, lengths are board
//! units (one unit is one screen point at 100% zoom), angles are radians.
//!
//! Functions that take `zoom` return screen sizes for that zoom; an export
//! draws at zoom 1. Colours with alpha are straight (not premultiplied).

use std::collections::BTreeMap;

use crate::model::{Element, ElementId, ElementKind, FlowKind, Model};
use crate::sim::Snapshot;

/// An sRGB colour with straight alpha: `[r, g, b, a]`.
pub type Rgba = [u8; 4];

/// A point in board units.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    /// Rightwards.
    pub x: f32,
    /// Downwards.
    pub y: f32,
}

impl Point {
    /// A point.
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }
}

/// An axis-aligned rectangle in board units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoardRect {
    /// Top-left corner.
    pub min: Point,
    /// Bottom-right corner.
    pub max: Point,
}

impl BoardRect {
    /// A rectangle from its top-left corner and size.
    pub fn from_min_size(min: Point, width: f32, height: f32) -> Self {
        Self {
            min,
            max: Point::new(min.x + width, min.y + height),
        }
    }

    /// Width.
    pub fn width(&self) -> f32 {
        self.max.x - self.min.x
    }

    /// Height.
    pub fn height(&self) -> f32 {
        self.max.y - self.min.y
    }

    /// The centre.
    pub fn center(&self) -> Point {
        Point::new(
            (self.min.x + self.max.x) / 2.0,
            (self.min.y + self.max.y) / 2.0,
        )
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &BoardRect) -> BoardRect {
        BoardRect {
            min: Point::new(self.min.x.min(other.min.x), self.min.y.min(other.min.y)),
            max: Point::new(self.max.x.max(other.max.x), self.max.y.max(other.max.y)),
        }
    }

    /// Grown by `by` on every side (shrunk when negative).
    pub fn expand(&self, by: f32) -> BoardRect {
        BoardRect {
            min: Point::new(self.min.x - by, self.min.y - by),
            max: Point::new(self.max.x + by, self.max.y + by),
        }
    }

    /// Whether the two overlap (touching edges count).
    pub fn intersects(&self, other: &BoardRect) -> bool {
        self.min.x <= other.max.x
            && other.min.x <= self.max.x
            && self.min.y <= other.max.y
            && other.min.y <= self.max.y
    }

    /// Whether it has a positive, finite area.
    pub fn is_positive(&self) -> bool {
        self.width() > 0.0 && self.height() > 0.0 && self.width().is_finite()
    }
}

/// A sticky's rectangle on the board.
pub fn element_rect(element: &Element) -> BoardRect {
    let size = element.size_or_default();
    BoardRect::from_min_size(
        Point::new(element.pos.x as f32, element.pos.y as f32),
        size.w as f32,
        size.h as f32,
    )
}

/// The board's background.
pub fn background_rgb(dark: bool) -> [u8; 3] {
    if dark { [22, 22, 22] } else { [246, 246, 246] }
}

// ---- Stickies -------------------------------------------------------------

/// How far hotspots (anticlockwise) and opportunities (clockwise) are tilted.
pub const TILT_RAD: f32 = 0.06;

/// The tilt of a sticky of this kind, in radians (positive: clockwise on screen).
pub fn tilt_rad(kind: ElementKind) -> f32 {
    match kind {
        ElementKind::Hotspot => -TILT_RAD,
        ElementKind::Opportunity => TILT_RAD,
        _ => 0.0,
    }
}

/// Corner radius of a sticky at `zoom`.
pub fn corner_radius(zoom: f32) -> f32 {
    (3.0 * zoom).clamp(1.0, 8.0)
}

/// Text colour readable on a sticky of colour `fill`: near-black on light
/// colours, white on dark ones.
pub fn ink_on(fill: [u8; 3]) -> [u8; 3] {
    let luma = 0.299 * f32::from(fill[0]) + 0.587 * f32::from(fill[1]) + 0.114 * f32::from(fill[2]);
    if luma > 140.0 {
        [25, 25, 25]
    } else {
        [255, 255, 255]
    }
}

/// The thin outline of a sticky that is not selected: (width, colour).
pub const STICKY_OUTLINE: (f32, Rgba) = (0.5, [0, 0, 0, 70]);

/// A sticky's drop shadow: offset (right, down), blur width and colour, at zoom 1.
pub const SHADOW_OFFSET: Point = Point::new(2.0, 3.0);
/// Blur width of the drop shadow at zoom 1.
pub const SHADOW_BLUR: f32 = 6.0;
/// Colour of the drop shadow.
pub const SHADOW_RGBA: Rgba = [0, 0, 0, 45];

/// Inner padding between a sticky's edge and its text, at zoom 1.
pub const STICKY_PAD: f32 = 7.0;

/// Font size of the kind tag (top-left of a sticky), at zoom 1.
pub const TAG_FONT_PX: f32 = 10.0;
/// Height the kind tag takes above the name, at zoom 1.
pub const TAG_ROW_HEIGHT: f32 = 14.0;
/// Opacity of the kind tag over the ink colour.
pub const TAG_OPACITY: f32 = 0.7;

/// The name's font size for a sticky of this kind, at zoom 1.
pub fn name_font_px(kind: ElementKind) -> f32 {
    if kind == ElementKind::Aggregate {
        16.0
    } else {
        14.0
    }
}

// ---- Legible in a room -------------------------------------------------------
//
// Zoomed out to see a whole board, text would shrink with the stickies until
// no one past the first row can read it. From LEGIBLE_FROM_ZOOM up, text
// keeps a floor instead and a sticky grows around a name that no longer
// fits; below it, the floor falls away with the zoom towards the blocks
// without text of the level of detail.

/// Smallest size of a sticky's name on screen, in points, from [`LEGIBLE_FROM_ZOOM`] up.
pub const LEGIBLE_NAME_PX: f32 = 14.0;
/// Smallest size of the run badges' text on screen, in points, from [`LEGIBLE_FROM_ZOOM`] up.
pub const LEGIBLE_BADGE_PX: f32 = 11.0;
/// The zoom from which text keeps its legible floor.
pub const LEGIBLE_FROM_ZOOM: f32 = 0.4;
/// The most a sticky grows (per side, as a share of its size) to hold its name.
pub const MAX_GROWTH: f32 = 0.6;

/// `natural` (a size at `zoom`), or the legible `floor` when that is
/// larger; below [`LEGIBLE_FROM_ZOOM`] the floor shrinks with the zoom.
fn legible(natural: f32, floor: f32, zoom: f32) -> f32 {
    let floor = if zoom >= LEGIBLE_FROM_ZOOM {
        floor
    } else {
        floor * zoom.max(0.0) / LEGIBLE_FROM_ZOOM
    };
    natural.max(floor)
}

/// Font size of a sticky's name on screen at `zoom`.
pub fn name_px_at(kind: ElementKind, zoom: f32) -> f32 {
    legible(name_font_px(kind) * zoom, LEGIBLE_NAME_PX, zoom)
}

/// Font size of the badge lines on screen at `zoom`.
pub fn badge_px_at(zoom: f32) -> f32 {
    legible((BADGE_FONT_PX * zoom).min(13.0), LEGIBLE_BADGE_PX, zoom).max(7.5)
}

/// Font size of the group names in a topic's partition box at `zoom`.
pub fn badge_group_px_at(zoom: f32) -> f32 {
    legible(
        (BADGE_GROUP_FONT_PX * zoom).min(12.0),
        LEGIBLE_BADGE_PX,
        zoom,
    )
    .max(7.0)
}

/// Font size of a frame's title on screen at `zoom`.
pub fn frame_title_px_at(zoom: f32) -> f32 {
    legible(FRAME_TITLE_PX * zoom, LEGIBLE_NAME_PX, zoom).max(9.0)
}

/// The rectangle a sticky drawn at `rect` is grown to so that content of
/// `need` (width, height, padding included) fits: wider on both sides,
/// taller downwards, by at most [`MAX_GROWTH`] of its size each way.
pub fn grown_rect(rect: &BoardRect, need: (f32, f32)) -> BoardRect {
    let (w, h) = (rect.width(), rect.height());
    let grow_w = (need.0 - w).clamp(0.0, w * MAX_GROWTH);
    let grow_h = (need.1 - h).clamp(0.0, h * MAX_GROWTH);
    BoardRect {
        min: Point::new(rect.min.x - grow_w / 2.0, rect.min.y),
        max: Point::new(rect.max.x + grow_w / 2.0, rect.max.y + grow_h),
    }
}

/// Rows of a wrapped name are this many font sizes apart.
pub const NAME_LINE_HEIGHT: f32 = 1.25;

/// How far a topic's name starts right of the padding, and how much narrower
/// its text column is than the padded sticky (the pipe's open end), at zoom 1.
pub const TOPIC_TEXT_INSET: (f32, f32) = (10.0, 18.0);

/// The small text in a sticky's top-left corner: the kind, a processor's
/// operator, or an event's message pattern when the level shows patterns.
pub fn kind_tag(element: &Element, show_pattern: bool) -> String {
    match element.kind {
        ElementKind::Processor => format!(
            "{} {}",
            element.operator().symbol(),
            element.operator().label()
        ),
        ElementKind::Event if show_pattern => {
            format!("event · {}", element.event_or_default().pattern.tag())
        }
        kind => kind.label().to_string(),
    }
}

/// Whether the board shows event patterns on a model of this level.
pub fn shows_patterns(model: &Model) -> bool {
    model.level != crate::model::Level::BigPicture
}

/// Width of the dark bar on the right edge of a pivotal event, at zoom 1.
pub const PIVOTAL_BAR_WIDTH: f32 = 6.0;
/// Colour of the pivotal bar, outline and phase line.
pub const PIVOTAL_BAR_RGB: [u8; 3] = [0x5D, 0x2E, 0x0C];

// A pivotal event splits the story into phases. Workshops mark one with
// tape on the wall; the board draws it so that it stands out at any zoom:
// a bar on its right edge and a dark outline that never get thinner than a
// few points, and a dashed phase line through the whole board behind it.

/// Width on screen of a pivotal event's bar at `zoom`, on a sticky `width` wide.
pub fn pivotal_bar_px(zoom: f32, width: f32) -> f32 {
    (PIVOTAL_BAR_WIDTH * zoom).max(5.0).min(width * 0.3)
}

/// Width on screen of a pivotal event's outline at `zoom`.
pub fn pivotal_outline_px(zoom: f32) -> f32 {
    (3.0 * zoom).clamp(2.5, 5.0)
}

/// The dashed phase line through the board at a pivotal event: (width on
/// screen, colour, dash and gap on screen).
pub const PIVOTAL_LINE: (f32, Rgba, (f32, f32)) = (2.0, [0x5D, 0x2E, 0x0C, 150], (10.0, 6.0));

/// A topic drawn as a pipe lying down: a fully rounded rectangle with the
/// pipe's open end as an ellipse near its right edge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopicPipe {
    /// Corner radius of the body (half its height).
    pub radius: f32,
    /// Centre of the open end.
    pub end_center: Point,
    /// Radii (x, y) of the open end.
    pub end_radii: (f32, f32),
    /// Stroke of the open end: (width, colour).
    pub end_stroke: (f32, Rgba),
}

/// The pipe of a topic drawn in `rect`.
pub fn topic_pipe(rect: &BoardRect) -> TopicPipe {
    let r = rect.height() / 2.0;
    TopicPipe {
        radius: r,
        end_center: Point::new(rect.max.x - r * 0.6, rect.center().y),
        end_radii: (r * 0.35, r * 0.92),
        end_stroke: (1.0, [0, 0, 0, 90]),
    }
}

/// A stick figure drawn on an actor: a head and four strokes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ActorGlyph {
    /// Centre of the head.
    pub head: Point,
    /// Radius of the head.
    pub head_radius: f32,
    /// Body, arms and two legs, as line segments.
    pub strokes: [[Point; 2]; 4],
    /// Stroke width.
    pub width: f32,
}

/// The actor glyph of a sticky drawn in `rect` at `zoom` (tag shown), in the
/// top-right corner beside the kind tag.
pub fn actor_glyph(rect: &BoardRect, zoom: f32) -> ActorGlyph {
    let pad = STICKY_PAD * zoom;
    let at = Point::new(rect.max.x - pad - 8.0 * zoom, rect.min.y + pad + 9.0 * zoom);
    let p = |dx: f32, dy: f32| Point::new(at.x + dx * zoom, at.y + dy * zoom);
    ActorGlyph {
        head: at,
        head_radius: 3.0 * zoom,
        strokes: [
            [p(0.0, 3.0), p(0.0, 10.0)],
            [p(-4.0, 6.0), p(4.0, 6.0)],
            [p(0.0, 10.0), p(-3.0, 15.0)],
            [p(0.0, 10.0), p(3.0, 15.0)],
        ],
        width: 1.2 * zoom.max(0.5),
    }
}

// ---- Frames (bounded contexts and swimlanes) ------------------------------

/// Corner radius of a frame.
pub const FRAME_CORNER_RADIUS: f32 = 6.0;
/// Font size of a frame's title, at zoom 1.
pub const FRAME_TITLE_PX: f32 = 15.0;
/// Where a frame's title starts, from the frame's top-left corner, at zoom 1.
pub const FRAME_TITLE_OFFSET: Point = Point::new(10.0, 8.0);

/// A frame's title: a swimlane is named by its actor or phase alone; a
/// bounded context says what it is, since its boundary is a design decision.
pub fn frame_title(element: &Element) -> String {
    if element.kind == ElementKind::Swimlane {
        element.name.clone()
    } else {
        format!("{} · {}", element.kind.label(), element.name)
    }
}

/// The translucent tint a frame is filled with.
pub fn frame_fill(rgb: [u8; 3], dark: bool) -> Rgba {
    let alpha = if dark { 0.18 } else { 0.35 };
    [rgb[0], rgb[1], rgb[2], (alpha * 255.0_f32).round() as u8]
}

/// A frame's border: (width, colour).
pub fn frame_stroke(rgb: [u8; 3], dark: bool) -> (f32, Rgba) {
    let alpha = if dark { 0.8 } else { 1.0 };
    (
        1.5,
        [rgb[0], rgb[1], rgb[2], (alpha * 255.0_f32).round() as u8],
    )
}

/// Colour of a frame's title.
pub fn frame_title_rgb(dark: bool) -> [u8; 3] {
    if dark { [200, 200, 200] } else { [60, 60, 60] }
}

// ---- Arrows -----------------------------------------------------------------

/// How an arrow of some kind is stroked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowStroke {
    /// Line width.
    pub width: f32,
    /// Colour of the line and its head.
    pub rgb: [u8; 3],
    /// Dash and gap lengths when dashed (synchronous flows).
    pub dash: Option<(f32, f32)>,
}

/// The stroke an arrow of `kind` is drawn with at `zoom`: synchronous calls
/// and webhooks dashed and warm, broker flows blue-grey, the rest grey.
pub fn flow_stroke(kind: FlowKind, zoom: f32, dark: bool) -> FlowStroke {
    let width = (1.6 * zoom).clamp(0.8, 3.0);
    let dash = Some((7.0 * zoom.max(0.4), 4.0 * zoom.max(0.4)));
    match kind {
        FlowKind::Call => FlowStroke {
            width: width * 1.2,
            rgb: [0xD8, 0x43, 0x15],
            dash,
        },
        FlowKind::Webhook => FlowStroke {
            width: width * 1.2,
            rgb: [0xAD, 0x14, 0x57],
            dash,
        },
        FlowKind::PublishedTo | FlowKind::ConsumedBy => FlowStroke {
            width,
            rgb: [0x54, 0x6E, 0x7A],
            dash: None,
        },
        _ => FlowStroke {
            width,
            rgb: if dark { [170, 170, 170] } else { [90, 90, 90] },
            dash: None,
        },
    }
}

/// Where the segment from `rect`'s centre towards `toward` leaves `rect`:
/// arrows run between sticky borders, centre to centre.
pub fn border_point(rect: &BoardRect, toward: Point) -> Point {
    let c = rect.center();
    let (dx, dy) = (toward.x - c.x, toward.y - c.y);
    if dx * dx + dy * dy < 1e-6 {
        return c;
    }
    let sx = if dx.abs() > 1e-6 {
        rect.width() / 2.0 / dx.abs()
    } else {
        f32::INFINITY
    };
    let sy = if dy.abs() > 1e-6 {
        rect.height() / 2.0 / dy.abs()
    } else {
        f32::INFINITY
    };
    let s = sx.min(sy);
    Point::new(c.x + dx * s, c.y + dy * s)
}

/// The arrow between two sticky rectangles: (start, end), border to border.
pub fn flow_ends(from: &BoardRect, to: &BoardRect) -> (Point, Point) {
    (
        border_point(from, to.center()),
        border_point(to, from.center()),
    )
}

/// The filled triangle at the end of an arrow from `start` to `end` at
/// `zoom`: tip, then the two corners of its base. None for a zero-length arrow.
pub fn arrow_head(start: Point, end: Point, zoom: f32) -> Option<[Point; 3]> {
    let (dx, dy) = (end.x - start.x, end.y - start.y);
    let length = (dx * dx + dy * dy).sqrt();
    if length.is_nan() || length <= 1e-6 {
        return None;
    }
    let (ux, uy) = (dx / length, dy / length);
    let size = (9.0 * zoom).clamp(5.0, 14.0);
    let (nx, ny) = (-uy, ux);
    let base = Point::new(end.x - ux * size, end.y - uy * size);
    let half = size * 0.45;
    Some([
        end,
        Point::new(base.x + nx * half, base.y + ny * half),
        Point::new(base.x - nx * half, base.y - ny * half),
    ])
}

/// Font size of an arrow's kind label at `zoom`.
pub fn flow_label_px(zoom: f32) -> f32 {
    (10.0 * zoom).clamp(8.0, 13.0)
}

/// Colour of an arrow's kind label.
pub fn flow_label_rgb(dark: bool) -> [u8; 3] {
    if dark { [180, 180, 180] } else { [80, 80, 80] }
}

/// Background behind an arrow's kind label.
pub fn flow_label_background(dark: bool) -> [u8; 3] {
    if dark { [30, 30, 30] } else { [250, 250, 250] }
}

/// Padding (horizontal, vertical) added around a label's text for its background.
pub const FLOW_LABEL_PAD: (f32, f32) = (6.0, 2.0);

/// Whether an arrow of visible `length` has room for a label box `width`
/// wide: between stickies too close for it, a label would cover them.
pub fn flow_label_fits(width: f32, length: f32) -> bool {
    width + 8.0 <= length
}

// ---- Live run badges --------------------------------------------------------

/// Live figures drawn on a sticky during a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Badges {
    /// Short lines under the sticky ("q 3 · busy 1/2", "done 40").
    pub lines: Vec<String>,
    /// Down: drawn greyed with a red cross and "DOWN".
    pub down: bool,
    /// Slowed or failing: drawn with an amber outline.
    pub degraded: bool,
    /// Something stopped or dead-lettered: drawn with a red corner dot.
    pub alarm: bool,
    /// For a topic: each consumer group ("group lag") and its lag per partition.
    pub partitions: Vec<(String, Vec<u64>)>,
}

/// The badges of every running element of `model` at `snapshot`, as the
/// board's run view shows them. `snapshot.elements[i]` is the element with
/// index `i` in id order; annotations get none.
pub fn live_badges(model: &Model, snapshot: &Snapshot) -> BTreeMap<ElementId, Badges> {
    let mut badges = BTreeMap::new();
    for (i, (element, state)) in model.elements().zip(&snapshot.elements).enumerate() {
        if element.kind.is_annotation() {
            continue;
        }
        let c = &state.counters;
        let mut lines = Vec::new();
        if element.kind.is_service() {
            lines.push(format!(
                "q {} · busy {}/{}",
                state.queued, state.in_flight, state.instances
            ));
        }
        let mut done = format!("done {}", c.processed);
        for (count, word) in [
            (c.errors, "err"),
            (c.dead_lettered, "dlq"),
            (c.dropped, "drop"),
            (c.duplicates, "dup"),
        ] {
            if count > 0 {
                done.push_str(&format!(" · {word} {count}"));
            }
        }
        if element.kind.is_service() && (c.processed > 0 || c.errors > 0) {
            lines.push(done);
        }
        if c.requests_ok + c.requests_failed > 0 {
            lines.push(format!(
                "requests ok {} · failed {}",
                c.requests_ok, c.requests_failed
            ));
        }
        let mut partitions = Vec::new();
        if element.kind == ElementKind::Topic
            && let Some(topic) = snapshot
                .topics
                .iter()
                .find(|t| usize::try_from(t.element).is_ok_and(|t| t == i))
        {
            let messages = topic.end_offsets.iter().sum::<u64>();
            lines.push(format!(
                "{} · {}",
                crate::text::plural(usize::try_from(messages).unwrap_or(usize::MAX), "msg"),
                crate::text::plural(topic.end_offsets.len(), "partition")
            ));
            for group in &topic.groups {
                let lag: u64 = group.lag.iter().sum();
                partitions.push((format!("{} {lag}", group.group), group.lag.clone()));
            }
        }
        badges.insert(
            element.id.clone(),
            Badges {
                lines,
                down: state.down,
                degraded: state.slow_factor > 1 || state.failing_rate > 0.0,
                alarm: state.stopped || c.dead_lettered > 0,
                partitions,
            },
        );
    }
    badges
}

/// Background of the badge boxes under a sticky.
pub const BADGE_BOX_RGBA: Rgba = [20, 28, 40, 225];
/// Text colour in a badge box.
pub const BADGE_TEXT_RGB: [u8; 3] = [255, 255, 255];
/// Colour of a consumer group's name in the partition box.
pub const BADGE_GROUP_RGB: [u8; 3] = [210, 210, 210];
/// Font size of the badge lines at zoom 1 (the board draws them monospaced).
pub const BADGE_FONT_PX: f32 = 9.5;
/// Font size of the group names in the partition box at zoom 1.
pub const BADGE_GROUP_FONT_PX: f32 = 8.5;
/// Gap between a sticky and its first badge box, and between boxes.
pub const BADGE_GAP: (f32, f32) = (3.0, 2.0);
/// Padding of the badge text box: (horizontal, vertical) added to the text size.
pub const BADGE_PAD: (f32, f32) = (8.0, 4.0);
/// Row height and group-label width of the partition box at zoom 1.
pub const PARTITION_ROW: (f32, f32) = (12.0, 60.0);

/// Width of one partition's bar when a topic of width `sticky_width` shows
/// `partitions` bars, at zoom 1.
pub fn partition_bar_width(sticky_width: f32, partitions: usize) -> f32 {
    let partitions = partitions.max(1) as f32;
    ((sticky_width - PARTITION_ROW.1 - 8.0) / partitions).clamp(2.0, 14.0)
}

/// The colour of a lag bar: grey when caught up, red near the largest lag
/// shown, amber between.
pub fn lag_bar_rgb(lag: u64, most: u64) -> [u8; 3] {
    if lag == 0 {
        [90, 90, 90]
    } else if lag.saturating_mul(4) >= most.saturating_mul(3) {
        [0xE5, 0x39, 0x35]
    } else {
        [0xF5, 0x9E, 0x0B]
    }
}

/// The veil over a sticky that is down.
pub const DOWN_VEIL_RGBA: Rgba = [0, 0, 0, 120];
/// The cross over a sticky that is down.
pub const DOWN_CROSS_RGB: [u8; 3] = [0xC6, 0x28, 0x28];
/// Font size of the "DOWN" label at zoom 1.
pub const DOWN_FONT_PX: f32 = 14.0;
/// The outline of a degraded (slowed or failing) sticky.
pub const DEGRADED_RGB: [u8; 3] = [0xF5, 0x9E, 0x0B];
/// The corner dot of a sticky with an alarm.
pub const ALARM_RGB: [u8; 3] = [0xC6, 0x28, 0x28];

/// Stroke width of the down cross and the degraded outline at `zoom`.
pub fn alarm_stroke_width(zoom: f32) -> f32 {
    (3.0 * zoom).clamp(1.5, 4.0)
}

/// Radius of the alarm dot at `zoom`.
pub fn alarm_dot_radius(zoom: f32) -> f32 {
    (7.0 * zoom).clamp(4.0, 9.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ink_is_dark_on_light_stickies_and_white_on_dark_ones() {
        assert_eq!(ink_on(ElementKind::Aggregate.legend_rgb()), [25, 25, 25]);
        assert_eq!(ink_on(ElementKind::Processor.legend_rgb()), [255, 255, 255]);
    }

    #[test]
    fn border_point_lies_on_the_rectangle_towards_the_target() {
        let rect = BoardRect::from_min_size(Point::new(0.0, 0.0), 100.0, 50.0);
        assert_eq!(
            border_point(&rect, Point::new(500.0, 25.0)),
            Point::new(100.0, 25.0)
        );
        assert_eq!(
            border_point(&rect, Point::new(50.0, -300.0)),
            Point::new(50.0, 0.0)
        );
        assert_eq!(border_point(&rect, rect.center()), rect.center());
    }

    #[test]
    fn arrow_head_points_at_the_end_and_is_absent_for_a_zero_length_arrow() {
        let head = arrow_head(Point::new(0.0, 0.0), Point::new(100.0, 0.0), 1.0).expect("head");
        assert_eq!(head[0], Point::new(100.0, 0.0));
        assert!((head[1].x - 91.0).abs() < 1e-4 && (head[1].y - 4.05).abs() < 1e-4);
        assert!(arrow_head(Point::new(3.0, 3.0), Point::new(3.0, 3.0), 1.0).is_none());
    }

    #[test]
    fn synchronous_flows_are_dashed_and_broker_flows_are_not() {
        assert!(flow_stroke(FlowKind::Call, 1.0, false).dash.is_some());
        assert!(flow_stroke(FlowKind::Webhook, 1.0, true).dash.is_some());
        assert!(
            flow_stroke(FlowKind::PublishedTo, 1.0, false)
                .dash
                .is_none()
        );
        assert_eq!(flow_stroke(FlowKind::Emits, 1.0, false).width, 1.6);
    }

    #[test]
    fn a_context_title_says_what_it_is_and_a_swimlane_title_does_not() {
        use crate::model::Pos;
        let context = Element::new("b", ElementKind::BoundedContext, "Billing", Pos::default());
        let lane = Element::new("c", ElementKind::Swimlane, "Customer", Pos::default());
        assert_eq!(frame_title(&context), "bounded context · Billing");
        assert_eq!(frame_title(&lane), "Customer");
    }

    #[test]
    fn lag_bars_turn_red_near_the_largest_lag() {
        assert_eq!(lag_bar_rgb(0, 10), [90, 90, 90]);
        assert_eq!(lag_bar_rgb(8, 10), [0xE5, 0x39, 0x35]);
        assert_eq!(lag_bar_rgb(2, 10), [0xF5, 0x9E, 0x0B]);
    }
}
