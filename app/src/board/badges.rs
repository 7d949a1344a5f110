//! Drawing one sticky's live run badges ([`stormflow_core::style::live_badges`]):
//! greyed with a cross when down, an amber outline when degraded, a red
//! corner dot on an alarm, and boxes of figures and lag bars next to it,
//! where they cross no frame or lane border and cover no other sticky.

use egui::{Align2, Color32, FontId, Painter, Rect, Stroke, StrokeKind, pos2, vec2};
use stormflow_core::style::{self, Badges};

use super::draw::{TEXT_MIN_ZOOM, color};

/// Draws what marks the sticky drawn at `rect` itself: DOWN, degraded, alarm.
pub fn marks(painter: &Painter, rect: Rect, zoom: f32, badges: &Badges) {
    let width = style::alarm_stroke_width(zoom);
    if badges.down {
        painter.rect_filled(rect, 3, color(style::DOWN_VEIL_RGBA));
        let cross = Stroke::new(width, color(style::DOWN_CROSS_RGB));
        painter.line_segment([rect.left_top(), rect.right_bottom()], cross);
        painter.line_segment([rect.right_top(), rect.left_bottom()], cross);
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "DOWN",
            FontId::proportional(style::name_px_at(stormflow_core::ElementKind::Event, zoom)),
            color(style::BADGE_TEXT_RGB),
        );
    } else if badges.degraded {
        painter.rect_stroke(
            rect.expand(2.0),
            4,
            Stroke::new(width, color(style::DEGRADED_RGB)),
            StrokeKind::Outside,
        );
    }
    if badges.alarm {
        let r = style::alarm_dot_radius(zoom);
        painter.circle_filled(
            pos2(rect.left() + r * 0.4, rect.top() + r * 0.4),
            r,
            color(style::ALARM_RGB),
        );
    }
}

/// The figures next to a sticky, laid out and ready to be placed.
pub struct Boxes {
    lines: Option<std::sync::Arc<egui::Galley>>,
    /// Size of the lines' box.
    lines_size: egui::Vec2,
    /// Size of the partitions' box.
    partitions_size: egui::Vec2,
    /// The bars' width and a row's height.
    bar_width: f32,
    row_height: f32,
    label_width: f32,
    group_font: FontId,
}

impl Boxes {
    /// Both boxes stacked: the room they need.
    pub fn size(&self) -> egui::Vec2 {
        let gap = if self.lines.is_some() && self.partitions_size.y > 0.0 {
            style::BADGE_GAP.1
        } else {
            0.0
        };
        vec2(
            self.lines_size.x.max(self.partitions_size.x),
            self.lines_size.y + gap + self.partitions_size.y,
        )
    }
}

/// Lays out the figures of `badges` for a sticky `sticky_width` wide at
/// `zoom`; None when there are none or the zoom shows no text.
pub fn layout(painter: &Painter, sticky_width: f32, zoom: f32, badges: &Badges) -> Option<Boxes> {
    if zoom < TEXT_MIN_ZOOM || (badges.lines.is_empty() && badges.partitions.is_empty()) {
        return None;
    }
    let font = FontId::monospace(style::badge_px_at(zoom));
    let group_font = FontId::proportional(style::badge_group_px_at(zoom));
    let (pad_x, pad_y) = style::BADGE_PAD;
    let lines = (!badges.lines.is_empty()).then(|| {
        painter.layout_no_wrap(
            badges.lines.join("\n"),
            font.clone(),
            color(style::BADGE_TEXT_RGB),
        )
    });
    let lines_size = lines
        .as_ref()
        .map_or(egui::Vec2::ZERO, |g| g.size() + vec2(pad_x, pad_y));
    // A topic's partitions: one row of bars per consumer group, a bar per
    // partition, as tall as its lag (scaled to the largest).
    let (mut partitions_size, mut bar_width, mut row_height, mut label_width) =
        (egui::Vec2::ZERO, 0.0, 0.0, 0.0);
    if !badges.partitions.is_empty() {
        let partitions = badges
            .partitions
            .iter()
            .map(|(_, l)| l.len())
            .max()
            .unwrap_or(1)
            .max(1);
        row_height = (style::PARTITION_ROW.0 * zoom).max(group_font.size * 1.3);
        label_width = badges
            .partitions
            .iter()
            .map(|(group, _)| {
                painter
                    .layout_no_wrap(group.clone(), group_font.clone(), Color32::WHITE)
                    .size()
                    .x
            })
            .fold(style::PARTITION_ROW.1 * zoom, f32::max)
            + 8.0;
        bar_width =
            style::partition_bar_width(sticky_width / zoom.max(1e-3), partitions) * zoom.max(0.6);
        partitions_size = vec2(
            label_width + bar_width * partitions as f32 + 8.0,
            row_height * badges.partitions.len() as f32 + 4.0,
        );
    }
    Some(Boxes {
        lines,
        lines_size,
        partitions_size,
        bar_width,
        row_height,
        label_width,
        group_font,
    })
}

/// Draws laid-out figures in `at` (as big as [`Boxes::size`]).
pub fn boxes(painter: &Painter, boxes: Boxes, at: Rect, badges: &Badges) {
    let fill = color(style::BADGE_BOX_RGBA);
    let (pad_x, pad_y) = style::BADGE_PAD;
    let mut top = at.top();
    if let Some(galley) = boxes.lines {
        let r = Rect::from_min_size(pos2(at.left(), top), boxes.lines_size);
        painter.rect_filled(r, 3, fill);
        painter.galley(
            r.min + vec2(pad_x, pad_y) / 2.0,
            galley,
            Color32::PLACEHOLDER,
        );
        top = r.bottom() + style::BADGE_GAP.1;
    }
    if badges.partitions.is_empty() {
        return;
    }
    let r = Rect::from_min_size(pos2(at.left(), top), boxes.partitions_size);
    painter.rect_filled(r, 3, fill);
    let most = badges
        .partitions
        .iter()
        .flat_map(|(_, lags)| lags.iter())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let row_height = boxes.row_height;
    for (row, (group, lags)) in badges.partitions.iter().enumerate() {
        let row_top = r.top() + 2.0 + row as f32 * row_height;
        painter.text(
            pos2(r.left() + 4.0, row_top + row_height / 2.0),
            Align2::LEFT_CENTER,
            group,
            boxes.group_font.clone(),
            color(style::BADGE_GROUP_RGB),
        );
        for (p, lag) in lags.iter().enumerate() {
            let left = r.left() + boxes.label_width + p as f32 * boxes.bar_width;
            let full = row_height - 2.0;
            let h = (full * (*lag as f32 / most as f32)).max(if *lag > 0 { 1.5 } else { 0.5 });
            painter.rect_filled(
                Rect::from_min_max(
                    pos2(left + 1.0, row_top + full - h + 1.0),
                    pos2(left + boxes.bar_width - 1.0, row_top + full + 1.0),
                ),
                0,
                color(style::lag_bar_rgb(*lag, most)),
            );
        }
    }
}
