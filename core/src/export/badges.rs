//! A run's live badges drawn under and over a sticky in the SVG, as the
//! board's run view draws them ([`crate::style::live_badges`]): text lines
//! in a dark box, a topic's lag per partition as bars, DOWN with a cross,
//! an amber outline when degraded, a red dot on an alarm.

use std::fmt::{self, Write};

use super::svg::{Esc, Hex, Num, Opacity, rect_attrs, rgb, text_rows};
use super::text;
use crate::style::{self, Badges, BoardRect, Point};

/// Where the badge boxes under a sticky go.
pub(super) struct BadgeLayout {
    /// The box of text lines.
    pub(super) lines: Option<BoardRect>,
    /// The box of partition lag bars.
    pub(super) partitions: Option<BoardRect>,
}

fn badge_line_height() -> f32 {
    style::BADGE_FONT_PX * style::NAME_LINE_HEIGHT
}

/// Where the boxes go under the sticky drawn in `rect`.
pub(super) fn layout(rect: &BoardRect, badges: &Badges) -> BadgeLayout {
    let mut at = Point::new(rect.min.x, rect.max.y + style::BADGE_GAP.0);
    let mut layout = BadgeLayout {
        lines: None,
        partitions: None,
    };
    if !badges.lines.is_empty() {
        let width = badges
            .lines
            .iter()
            .map(|l| text::width(l, style::BADGE_FONT_PX))
            .fold(0.0, f32::max);
        let r = BoardRect::from_min_size(
            at,
            width + style::BADGE_PAD.0,
            badges.lines.len() as f32 * badge_line_height() + style::BADGE_PAD.1,
        );
        at.y = r.max.y + style::BADGE_GAP.1;
        layout.lines = Some(r);
    }
    if !badges.partitions.is_empty() {
        let (row_height, label_width) = style::PARTITION_ROW;
        let partitions = badges
            .partitions
            .iter()
            .map(|(_, lags)| lags.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let bar = style::partition_bar_width(rect.width(), partitions);
        layout.partitions = Some(BoardRect::from_min_size(
            at,
            label_width + bar * partitions as f32 + 8.0,
            row_height * badges.partitions.len() as f32 + 4.0,
        ));
    }
    layout
}

/// Draws the badges of the sticky drawn in `rect`.
pub(super) fn draw(out: &mut String, rect: &BoardRect, badges: &Badges) -> fmt::Result {
    writeln!(out, r#"<g class="badges">"#)?;
    let stroke = style::alarm_stroke_width(1.0);
    if badges.down {
        write!(out, "<rect")?;
        rect_attrs(out, rect, 3.0)?;
        writeln!(
            out,
            r#" fill="{}" fill-opacity="{}"/>"#,
            Hex(rgb(style::DOWN_VEIL_RGBA)),
            Opacity(style::DOWN_VEIL_RGBA[3])
        )?;
        for (a, b) in [
            (rect.min, rect.max),
            (
                Point::new(rect.max.x, rect.min.y),
                Point::new(rect.min.x, rect.max.y),
            ),
        ] {
            writeln!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"/>"#,
                Num(a.x),
                Num(a.y),
                Num(b.x),
                Num(b.y),
                Hex(style::DOWN_CROSS_RGB),
                Num(stroke)
            )?;
        }
        let c = rect.center();
        writeln!(
            out,
            r#"<text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="{}">DOWN</text>"#,
            Num(c.x),
            Num(c.y - style::DOWN_FONT_PX * style::NAME_LINE_HEIGHT / 2.0
                + text::baseline_in_row(
                    style::DOWN_FONT_PX,
                    style::DOWN_FONT_PX * style::NAME_LINE_HEIGHT
                )),
            Num(style::DOWN_FONT_PX),
            Hex(style::BADGE_TEXT_RGB)
        )?;
    } else if badges.degraded {
        write!(out, "<rect")?;
        rect_attrs(out, &rect.expand(2.0 + stroke / 2.0), 4.0)?;
        writeln!(
            out,
            r#" fill="none" stroke="{}" stroke-width="{}"/>"#,
            Hex(style::DEGRADED_RGB),
            Num(stroke)
        )?;
    }
    if badges.alarm {
        let r = style::alarm_dot_radius(1.0);
        writeln!(
            out,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{}"/>"#,
            Num(rect.min.x + r * 0.4),
            Num(rect.min.y + r * 0.4),
            Num(r),
            Hex(style::ALARM_RGB)
        )?;
    }
    let layout = layout(rect, badges);
    let box_fill = |out: &mut String, r: &BoardRect| -> fmt::Result {
        write!(out, "<rect")?;
        rect_attrs(out, r, 3.0)?;
        writeln!(
            out,
            r#" fill="{}" fill-opacity="{}"/>"#,
            Hex(rgb(style::BADGE_BOX_RGBA)),
            Opacity(style::BADGE_BOX_RGBA[3])
        )
    };
    if let Some(r) = layout.lines {
        box_fill(out, &r)?;
        let at = Point::new(
            r.min.x + style::BADGE_PAD.0 / 2.0,
            r.min.y + style::BADGE_PAD.1 / 2.0,
        );
        text_rows(
            out,
            &badges.lines,
            at,
            style::BADGE_FONT_PX,
            badge_line_height(),
            style::BADGE_TEXT_RGB,
            "",
        )?;
    }
    if let Some(r) = layout.partitions {
        box_fill(out, &r)?;
        let (row_height, label_width) = style::PARTITION_ROW;
        let most = badges
            .partitions
            .iter()
            .flat_map(|(_, lags)| lags.iter())
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let partitions = badges
            .partitions
            .iter()
            .map(|(_, l)| l.len())
            .max()
            .unwrap_or(1);
        let bar = style::partition_bar_width(rect.width(), partitions);
        for (row, (group, lags)) in badges.partitions.iter().enumerate() {
            let top = r.min.y + 2.0 + row as f32 * row_height;
            writeln!(
                out,
                r#"<text x="{}" y="{}" font-size="{}" fill="{}">{}</text>"#,
                Num(r.min.x + 3.0),
                Num(top + text::baseline_in_row(style::BADGE_GROUP_FONT_PX, row_height)),
                Num(style::BADGE_GROUP_FONT_PX),
                Hex(style::BADGE_GROUP_RGB),
                Esc(group)
            )?;
            let full = row_height - 2.0;
            for (p, lag) in lags.iter().enumerate() {
                let left = r.min.x + label_width + p as f32 * bar;
                let h = (full * (*lag as f32 / most as f32)).max(if *lag > 0 { 1.5 } else { 0.5 });
                let bar_rect = BoardRect {
                    min: Point::new(left + 1.0, top + full - h + 1.0),
                    max: Point::new(left + bar - 1.0, top + full + 1.0),
                };
                write!(out, "<rect")?;
                rect_attrs(out, &bar_rect, 0.0)?;
                writeln!(out, r#" fill="{}"/>"#, Hex(style::lag_bar_rgb(*lag, most)))?;
            }
        }
    }
    writeln!(out, "</g>")
}
