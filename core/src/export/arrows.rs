//! An arrow in the SVG, along the route the board draws it on
//! ([`crate::route`]): a line or a polyline, its head, its kind label.

use std::fmt::{self, Write};

use super::svg::{Esc, Hex, Num, display_name, rect_attrs};
use super::text;
use crate::model::Element;
use crate::route;
use crate::style::{self, BoardRect, Point};

/// Draws the arrow of a flow of `kind` from `from` to `to` along `path`
/// (border to border, at least two points), with its kind label where the
/// longest segment has room for it.
pub(super) fn draw(
    out: &mut String,
    from: &Element,
    to: &Element,
    path: &[Point],
    kind: crate::model::FlowKind,
    dark: bool,
) -> fmt::Result {
    let (Some(&end), Some(&before)) = (
        path.last(),
        path.len().checked_sub(2).and_then(|i| path.get(i)),
    ) else {
        return Ok(());
    };
    let stroke = style::flow_stroke(kind, 1.0, dark);
    writeln!(
        out,
        r#"<g class="flow {}"><title>{} → {}: {}</title>"#,
        kind.label().replace(' ', "-"),
        Esc(&display_name(from)),
        Esc(&display_name(to)),
        kind.label()
    )?;
    if let [start, end] = path {
        write!(
            out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}""#,
            Num(start.x),
            Num(start.y),
            Num(end.x),
            Num(end.y),
        )?;
    } else {
        write!(out, r#"<polyline fill="none" points=""#)?;
        for (i, p) in path.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            write!(out, "{sep}{},{}", Num(p.x), Num(p.y))?;
        }
        write!(out, r#"""#)?;
    }
    write!(
        out,
        r#" stroke="{}" stroke-width="{}""#,
        Hex(stroke.rgb),
        Num(stroke.width)
    )?;
    if let Some((dash, gap)) = stroke.dash {
        write!(out, r#" stroke-dasharray="{} {}""#, Num(dash), Num(gap))?;
    }
    writeln!(out, "/>")?;
    if let Some([tip, left, right]) = style::arrow_head(before, end, 1.0) {
        writeln!(
            out,
            r#"<polygon points="{},{} {},{} {},{}" fill="{}"/>"#,
            Num(tip.x),
            Num(tip.y),
            Num(left.x),
            Num(left.y),
            Num(right.x),
            Num(right.y),
            Hex(stroke.rgb)
        )?;
    }
    let size = style::flow_label_px(1.0);
    let label = kind.label();
    let box_w = text::width(label, size) + style::FLOW_LABEL_PAD.0;
    let box_h = size * style::NAME_LINE_HEIGHT + style::FLOW_LABEL_PAD.1;
    if let Some((mid, length)) = route::label_spot(path)
        && style::flow_label_fits(box_w, length)
    {
        let r = BoardRect::from_min_size(
            Point::new(mid.x - box_w / 2.0, mid.y - box_h / 2.0),
            box_w,
            box_h,
        );
        write!(out, "<rect")?;
        rect_attrs(out, &r, 3.0)?;
        writeln!(
            out,
            r#" fill="{}"/>"#,
            Hex(style::flow_label_background(dark))
        )?;
        writeln!(
            out,
            r#"<text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="{}">{}</text>"#,
            Num(mid.x),
            Num(r.min.y
                + style::FLOW_LABEL_PAD.1 / 2.0
                + text::baseline_in_row(size, size * style::NAME_LINE_HEIGHT)),
            Num(size),
            Hex(style::flow_label_rgb(dark)),
            label
        )?;
    }
    writeln!(out, "</g>")
}
