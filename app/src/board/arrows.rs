//! Drawing one arrow along its route (see [`stormflow_core::route`]), with
//! its kind label, from the facts in [`stormflow_core::style`].

use egui::{Color32, FontId, Painter, Pos2, Rect, Stroke, vec2};
use stormflow_core::model::FlowKind;
use stormflow_core::style::{self, Point};

use super::draw::{color, egui_pos};
use crate::theme;

/// The point where the segment from `inside` towards `outside` leaves `rect`.
fn exit_point(inside: Pos2, outside: Pos2, rect: Rect) -> Pos2 {
    let d = outside - inside;
    let along = |p: f32, v: f32, lo: f32, hi: f32| {
        if v > 0.0 {
            (hi - p) / v
        } else if v < 0.0 {
            (lo - p) / v
        } else {
            f32::INFINITY
        }
    };
    let t = along(inside.x, d.x, rect.left(), rect.right()).min(along(
        inside.y,
        d.y,
        rect.top(),
        rect.bottom(),
    ));
    if t.is_finite() {
        inside + d * t.clamp(0.0, 1.0)
    } else {
        inside
    }
}

/// Moves a path's ends out to the stickies as drawn (`from` and `to` may
/// have grown around their names), so that no arrow head hides under one.
pub fn clip_ends(path: &mut [Pos2], from: Rect, to: Rect) {
    let n = path.len();
    if n < 2 {
        return;
    }
    if from.contains(path[0]) {
        path[0] = exit_point(path[0], path[1], from);
    }
    if to.contains(path[n - 1]) {
        path[n - 1] = exit_point(path[n - 1], path[n - 2], to);
    }
}

/// The stroke of an arrow of `kind` at `zoom`, and its dash and gap if dashed.
pub fn stroke(kind: FlowKind, zoom: f32, dark: bool) -> (Stroke, Option<(f32, f32)>) {
    let s = style::flow_stroke(kind, zoom, dark);
    (Stroke::new(s.width, color(s.rgb)), s.dash)
}

/// Draws an arrow along `path` (screen points, at least two); returns where
/// its label goes and how long the segment there is.
pub fn arrow(
    painter: &Painter,
    path: &[Pos2],
    kind: FlowKind,
    zoom: f32,
    dark: bool,
    highlighted: bool,
) -> Option<(Pos2, f32)> {
    let (&end, &before) = (path.last()?, path.get(path.len().checked_sub(2)?)?);
    let (mut line, dash) = stroke(kind, zoom, dark);
    if highlighted {
        line = Stroke::new(line.width * 2.2, theme::HIGHLIGHT_ARROW);
    }
    match dash {
        Some((dash, gap)) => painter.extend(egui::Shape::dashed_line(path, line, dash, gap)),
        None if path.len() == 2 => {
            painter.line_segment([path[0], end], line);
        }
        None => {
            painter.add(egui::Shape::line(path.to_vec(), line));
        }
    }
    let point = |p: Pos2| Point::new(p.x, p.y);
    if let Some(head) = style::arrow_head(point(before), point(end), zoom) {
        painter.add(egui::Shape::convex_polygon(
            head.iter().map(|p| egui_pos(*p)).collect(),
            line.color,
            Stroke::NONE,
        ));
    }
    let points: Vec<Point> = path.iter().map(|p| point(*p)).collect();
    stormflow_core::route::label_spot(&points).map(|(at, room)| (egui_pos(at), room))
}

/// Draws an arrow's kind label centred on `at` when the `room` there holds it.
pub fn label(painter: &Painter, at: Pos2, room: f32, kind: FlowKind, zoom: f32, dark: bool) {
    let galley = painter.layout_no_wrap(
        kind.label().to_string(),
        FontId::proportional(style::flow_label_px(zoom)),
        color(style::flow_label_rgb(dark)),
    );
    let (pad_x, pad_y) = style::FLOW_LABEL_PAD;
    let r = Rect::from_center_size(at, galley.size() + vec2(pad_x, pad_y));
    // Between stickies too close for it, a label would cover them.
    if !style::flow_label_fits(r.width(), room) {
        return;
    }
    painter.rect_filled(r, 3, color(style::flow_label_background(dark)));
    painter.galley(
        r.min + vec2(pad_x, pad_y) / 2.0,
        galley,
        Color32::PLACEHOLDER,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::pos2;

    #[test]
    fn ends_move_out_to_a_grown_sticky() {
        let from = Rect::from_min_max(pos2(0.0, 0.0), pos2(100.0, 100.0));
        let to = Rect::from_min_max(pos2(200.0, 0.0), pos2(300.0, 100.0));
        let mut path = [pos2(90.0, 50.0), pos2(150.0, 50.0), pos2(210.0, 50.0)];
        clip_ends(&mut path, from, to);
        assert_eq!(
            path,
            [pos2(100.0, 50.0), pos2(150.0, 50.0), pos2(200.0, 50.0)]
        );
    }
}
