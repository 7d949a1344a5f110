//! The board as a Mermaid flowchart (`flowchart LR`), for Markdown pages
//! that render Mermaid (GitHub, GitLab, Notion, MkDocs, Docusaurus).
//!
//! One node per sticky in its legend colour with a shape by kind, one edge
//! per arrow labelled by its kind (synchronous ones dotted), frames as
//! nested subgraphs. Node ids are made from element ids (`n_order_placed`);
//! every label is quoted and written with Mermaid's entity codes, so no name
//! can end a label or start a statement.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::frames::Frames;
use crate::model::{Element, ElementId, ElementKind, FlowKind, Model};
use crate::style;

/// Writes `model` as a Mermaid flowchart.
pub fn to_mermaid(model: &Model) -> String {
    let ids = NodeIds::of(model);
    let frames = Frames::of(model);
    let mut out = String::new();
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "title: {}", yaml_quoted(&model.name));
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "flowchart LR");
    for kind in ElementKind::ALL {
        if kind.is_frame() || !model.elements().any(|e| e.kind == kind) {
            continue;
        }
        let fill = kind.legend_rgb();
        let _ = writeln!(
            out,
            "    classDef {} fill:{},stroke:{},color:{}",
            class(kind),
            hex(fill),
            hex(darker(fill)),
            hex(style::ink_on(fill))
        );
    }
    nodes(&mut out, model, &frames, &ids, None, 1);
    let mut link = 0usize;
    let mut link_styles: BTreeMap<FlowKind, Vec<usize>> = BTreeMap::new();
    for flow in model.sorted_flows() {
        let (Some(from), Some(to)) = (ids.get(&flow.from), ids.get(&flow.to)) else {
            continue;
        };
        let arrow = if flow.kind.is_synchronous() {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(
            out,
            "    {from} {arrow}|\"{}\"| {to}",
            label(flow.kind.label())
        );
        link_styles.entry(flow.kind).or_default().push(link);
        link += 1;
    }
    for (kind, links) in link_styles {
        let stroke = style::flow_stroke(kind, 1.0, false);
        let list: Vec<String> = links.iter().map(usize::to_string).collect();
        let _ = writeln!(
            out,
            "    linkStyle {} stroke:{},stroke-width:{}px",
            list.join(","),
            hex(stroke.rgb),
            super::dot::two_decimals(stroke.width)
        );
    }
    for element in model.elements().filter(|e| !e.kind.is_frame()) {
        if let Some(id) = ids.get(&element.id) {
            let _ = writeln!(out, "    class {id} {}", class(element.kind));
            if element.color.is_some() {
                let fill = element.rgb();
                let _ = writeln!(
                    out,
                    "    style {id} fill:{},color:{}",
                    hex(fill),
                    hex(style::ink_on(fill))
                );
            }
        }
    }
    out
}

/// Declares the nodes and subgraphs inside `frame` (None: the top level).
fn nodes(
    out: &mut String,
    model: &Model,
    frames: &Frames<'_>,
    ids: &NodeIds,
    frame: Option<&ElementId>,
    depth: usize,
) {
    let indent = "    ".repeat(depth);
    for element in frames.children(model, frame) {
        let Some(id) = ids.get(&element.id) else {
            continue;
        };
        if element.kind.is_frame() {
            let _ = writeln!(
                out,
                "{indent}subgraph {id}[\"{}\"]",
                label(&style::frame_title(element))
            );
            nodes(out, model, frames, ids, Some(&element.id), depth + 1);
            let _ = writeln!(out, "{indent}end");
            let tint = blend(element.rgb(), style::frame_fill(element.rgb(), false)[3]);
            let _ = writeln!(
                out,
                "{indent}style {id} fill:{},stroke:{}",
                hex(tint),
                hex(element.rgb())
            );
        } else {
            let (open, close) = shape(element.kind);
            let _ = writeln!(
                out,
                "{indent}{id}{open}\"{}\"{close}",
                label(&node_text(element))
            );
        }
    }
}

/// The text of a node: its name, or what it is when unnamed.
fn node_text(element: &Element) -> String {
    if element.name.trim().is_empty() {
        format!("unnamed {}", element.kind.label())
    } else {
        element.name.clone()
    }
}

/// Opening and closing brackets of a kind's node shape.
fn shape(kind: ElementKind) -> (&'static str, &'static str) {
    match kind {
        ElementKind::Topic => ("[(", ")]"),
        ElementKind::Actor => ("([", "])"),
        ElementKind::Policy => ("{{", "}}"),
        ElementKind::ReadModel => ("(", ")"),
        ElementKind::ExternalSystem => ("[[", "]]"),
        ElementKind::Hotspot | ElementKind::Opportunity => (">", "]"),
        ElementKind::Processor => ("[/", "/]"),
        ElementKind::Query => ("[\\", "\\]"),
        _ => ("[", "]"),
    }
}

/// Mermaid ids for every element: `n_` (stickies) or `f_` (frames) and the
/// id with other characters than letters and digits as `_`; a clash gets
/// `_2`, `_3`, ... in id order. The prefix keeps ids clear of Mermaid's
/// keywords (`end`, `graph`) and of edge syntax (`o`, `x`).
struct NodeIds(BTreeMap<ElementId, String>);

impl NodeIds {
    fn of(model: &Model) -> Self {
        let mut used = std::collections::BTreeSet::new();
        let mut ids = BTreeMap::new();
        for element in model.elements() {
            let prefix = if element.kind.is_frame() { "f_" } else { "n_" };
            let base: String = prefix
                .chars()
                .chain(
                    element
                        .id
                        .as_str()
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
                )
                .collect();
            let mut id = base.clone();
            let mut n = 2;
            while used.contains(&id) {
                id = format!("{base}_{n}");
                n += 1;
            }
            used.insert(id.clone());
            ids.insert(element.id.clone(), id);
        }
        Self(ids)
    }

    fn get(&self, id: &ElementId) -> Option<&String> {
        self.0.get(id)
    }
}

/// Text for a quoted Mermaid label: quotes, `#`, angle brackets, `&` and
/// backticks as entity codes, a newline as `<br>`, control characters as spaces.
pub(crate) fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A YAML double-quoted scalar (for the diagram's title).
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn class(kind: ElementKind) -> String {
    format!("k_{}", kind.label().replace(' ', "_"))
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A border a shade darker than the fill.
fn darker([r, g, b]: [u8; 3]) -> [u8; 3] {
    [r, g, b].map(|c| (f32::from(c) * 0.7) as u8)
}

/// `rgb` at opacity `alpha` over a white page.
fn blend(rgb: [u8; 3], alpha: u8) -> [u8; 3] {
    let a = f32::from(alpha) / 255.0;
    rgb.map(|c| (f32::from(c) * a + 255.0 * (1.0 - a)).round() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flow, Pos, Size};

    #[test]
    fn hostile_names_stay_inside_their_quoted_labels() {
        let mut model = Model::new("a \"title\"\nwith: yaml");
        for (id, name) in [
            ("a", "x\"] --> B[\"pwned"),
            ("b", "# ; %% `md` <script>&amp;\nnext"),
        ] {
            model
                .add_element(Element::new(id, ElementKind::Event, name, Pos::default()))
                .expect("fresh id");
        }
        let out = to_mermaid(&model);
        let node_lines: Vec<&str> = out
            .lines()
            .filter(|l| l.contains("n_a[") || l.contains("n_b["))
            .collect();
        assert_eq!(node_lines.len(), 2, "{out}");
        for line in node_lines {
            // Exactly the two quotes that delimit the label.
            assert_eq!(line.matches('"').count(), 2, "{line}");
            assert!(!line.contains("-->") || line.contains("#gt;"), "{line}");
        }
        assert!(out.contains("#lt;script#gt;"));
        assert!(
            out.contains("title: \"a \\\"title\\\" with: yaml\""),
            "{out}"
        );
    }

    #[test]
    fn frames_become_subgraphs_holding_the_stickies_inside_them() {
        let mut model = Model::new("t");
        let mut context = Element::new(
            "end",
            ElementKind::BoundedContext,
            "Billing",
            Pos { x: 0, y: 0 },
        );
        context.size = Some(Size { w: 500, h: 500 });
        model.add_element(context).expect("fresh");
        for (id, kind, x) in [
            ("o", ElementKind::Aggregate, 10),
            ("x", ElementKind::Event, 900),
        ] {
            model
                .add_element(Element::new(id, kind, id, Pos { x, y: 10 }))
                .expect("fresh");
        }
        model
            .connect(Flow::new("o", "x", FlowKind::Emits))
            .expect("allowed");
        let out = to_mermaid(&model);
        let start = out
            .find("subgraph f_end[\"bounded context · Billing\"]")
            .expect(&out);
        let end = out[start..].find("\n    end").expect("closed") + start;
        assert!(out[start..end].contains("n_o[\"o\"]"), "{out}");
        assert!(!out[start..end].contains("n_x"), "{out}");
        assert!(out.contains("n_o -->|\"emits\"| n_x"), "{out}");
    }

    #[test]
    fn ids_that_clash_after_cleaning_stay_distinct() {
        let mut model = Model::new("t");
        for id in ["a-b", "a_b", "a.b"] {
            model
                .add_element(Element::new(id, ElementKind::Event, id, Pos::default()))
                .expect("fresh");
        }
        let ids = NodeIds::of(&model);
        let distinct: std::collections::BTreeSet<&String> = ids.0.values().collect();
        assert_eq!(distinct.len(), 3);
    }
}
