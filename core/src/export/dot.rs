//! The board as a Graphviz DOT graph (`dot -Tsvg board.dot > board.svg`).
//!
//! One node per sticky, named by its element id, filled with its legend
//! colour and shaped by kind (a topic is a cylinder); one edge per arrow
//! labelled by its kind, dashed when synchronous; frames as nested
//! `cluster_` subgraphs. Every id and label is a quoted, escaped string.

use std::fmt::Write;

use super::frames::Frames;
use crate::model::{Element, ElementId, ElementKind, Model};
use crate::style;

/// Writes `model` as a Graphviz DOT digraph.
pub fn to_dot(model: &Model) -> String {
    let frames = Frames::of(model);
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quoted(&model.name));
    let _ = writeln!(
        out,
        "    graph [rankdir=LR, fontname=\"DejaVu Sans\", label={}, labelloc=t, fontsize=18];",
        quoted(&model.name)
    );
    let _ = writeln!(
        out,
        "    node [fontname=\"DejaVu Sans\", fontsize=12, shape=box, style=\"filled\", penwidth=0.5];"
    );
    let _ = writeln!(out, "    edge [fontname=\"DejaVu Sans\", fontsize=9];");
    nodes(&mut out, model, &frames, None, 1);
    for flow in model.sorted_flows() {
        if !model.contains(&flow.from) || !model.contains(&flow.to) {
            continue;
        }
        let stroke = style::flow_stroke(flow.kind, 1.0, false);
        let mut attrs = format!(
            "label={}, color=\"{}\", fontcolor=\"{}\", penwidth={}",
            quoted(flow.kind.label()),
            hex(stroke.rgb),
            hex(style::flow_label_rgb(false)),
            two_decimals(stroke.width)
        );
        if stroke.dash.is_some() {
            attrs.push_str(", style=dashed");
        }
        let _ = writeln!(
            out,
            "    {} -> {} [{attrs}];",
            quoted(flow.from.as_str()),
            quoted(flow.to.as_str())
        );
    }
    let _ = writeln!(out, "}}");
    out
}

fn nodes(
    out: &mut String,
    model: &Model,
    frames: &Frames<'_>,
    frame: Option<&ElementId>,
    depth: usize,
) {
    let indent = "    ".repeat(depth);
    for element in frames.children(model, frame) {
        if element.kind.is_frame() {
            let fill = element.rgb();
            let tint = style::frame_fill(fill, false);
            let _ = writeln!(
                out,
                "{indent}subgraph {} {{",
                quoted(&format!("cluster_{}", element.id))
            );
            let _ = writeln!(
                out,
                "{indent}    graph [label={}, style=\"rounded,filled\", fillcolor=\"{}{:02x}\", color=\"{}\", fontcolor=\"{}\", labeljust=l, fontsize=14];",
                quoted(&style::frame_title(element)),
                hex(fill),
                tint[3],
                hex(fill),
                hex(style::frame_title_rgb(false))
            );
            nodes(out, model, frames, Some(&element.id), depth + 1);
            let _ = writeln!(out, "{indent}}}");
        } else {
            let fill = element.rgb();
            let (shape, rounded) = shape(element.kind);
            let _ = writeln!(
                out,
                "{indent}{} [label={}, shape={shape}, style=\"{}filled\", fillcolor=\"{}\", fontcolor=\"{}\", tooltip={}];",
                quoted(element.id.as_str()),
                quoted(&node_text(element)),
                if rounded { "rounded," } else { "" },
                hex(fill),
                hex(style::ink_on(fill)),
                quoted(element.kind.label())
            );
        }
    }
}

/// A kind's Graphviz shape, and whether its corners are rounded.
fn shape(kind: ElementKind) -> (&'static str, bool) {
    match kind {
        ElementKind::Topic => ("cylinder", false),
        ElementKind::Policy => ("hexagon", false),
        ElementKind::ReadModel => ("box", true),
        ElementKind::ExternalSystem => ("box3d", false),
        ElementKind::Hotspot | ElementKind::Opportunity => ("note", false),
        ElementKind::Processor => ("parallelogram", false),
        ElementKind::Actor => ("box", true),
        _ => ("box", false),
    }
}

fn node_text(element: &Element) -> String {
    if element.name.trim().is_empty() {
        format!("unnamed {}", element.kind.label())
    } else {
        element.name.clone()
    }
}

/// A DOT quoted string: backslashes and quotes escaped (so no label escape
/// such as `\N` or `\l` can appear by accident), newlines as `\n`, other
/// control characters as spaces.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A width with at most two decimals (`1.92`, not `1.9200001`).
pub(crate) fn two_decimals(value: f32) -> f64 {
    (f64::from(value) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flow, FlowKind, Pos};

    #[test]
    fn ids_and_labels_are_quoted_and_escaped() {
        assert_eq!(quoted(r#"a "b" \N"#), r#""a \"b\" \\N""#);
        assert_eq!(quoted("x\ny\u{7}"), r#""x\ny ""#);
        let mut model = Model::new("}\" digraph { x");
        model
            .add_element(Element::new(
                "a.b",
                ElementKind::Topic,
                "q\"]; --> #",
                Pos::default(),
            ))
            .expect("fresh");
        model
            .add_element(Element::new("c", ElementKind::Policy, "c", Pos::default()))
            .expect("fresh");
        model
            .connect(Flow::new("a.b", "c", FlowKind::ConsumedBy))
            .expect("allowed");
        let out = to_dot(&model);
        assert!(out.starts_with("digraph \"}\\\" digraph { x\" {"), "{out}");
        assert!(
            out.contains("\"a.b\" [label=\"q\\\"]; --> #\", shape=cylinder"),
            "{out}"
        );
        assert!(
            out.contains("\"a.b\" -> \"c\" [label=\"consumed by\""),
            "{out}"
        );
    }
}
