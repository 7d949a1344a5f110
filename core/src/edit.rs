//! Editing operations on several elements at once: clipboard fragments,
//! paste, align, distribute, frames. The board calls these; they only touch
//! the model through its narrow interface.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{EditError, Element, ElementId, ElementKind, Flow, Model, Pos, Size};

/// Which way to line elements up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Left edges.
    Left,
    /// Horizontal centres.
    Center,
    /// Right edges.
    Right,
    /// Top edges.
    Top,
    /// Vertical middles.
    Middle,
    /// Bottom edges.
    Bottom,
}

/// An axis to distribute elements along.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Left to right.
    Horizontal,
    /// Top to bottom.
    Vertical,
}

/// The selected elements and the flows among them, as a model of their own:
/// what the clipboard carries as `.ron` text.
pub fn fragment(model: &Model, ids: &BTreeSet<ElementId>) -> Model {
    let mut copy = Model::new("Stormflow clipboard");
    copy.level = model.level;
    for id in ids {
        if let Some(element) = model.element(id) {
            // Ids come from a valid model, so adding cannot fail.
            let _ = copy.add_element(element.clone());
        }
    }
    for flow in model.sorted_flows() {
        if ids.contains(&flow.from) && ids.contains(&flow.to) {
            let mut flow = flow.clone();
            flow.on.retain(|input| ids.contains(input));
            let _ = copy.insert_flow_unchecked(flow);
        }
    }
    copy
}

/// Adds a fragment's elements and flows to `model`, moved by `offset`.
/// Ids that are taken get fresh ones (flows follow). Returns the new ids.
pub fn paste(
    model: &mut Model,
    fragment: &Model,
    offset: (i32, i32),
) -> Result<Vec<ElementId>, EditError> {
    let mut renamed: BTreeMap<ElementId, ElementId> = BTreeMap::new();
    let mut added = Vec::new();
    for element in fragment.elements() {
        let mut element = element.clone();
        let id = if model.contains(&element.id) {
            let base = element
                .id
                .as_str()
                .split('~')
                .next()
                .unwrap_or("element")
                .to_string();
            model.fresh_id(&base, element.kind)
        } else {
            element.id.clone()
        };
        renamed.insert(element.id.clone(), id.clone());
        element.id = id.clone();
        element.pos = Pos {
            x: element.pos.x.saturating_add(offset.0),
            y: element.pos.y.saturating_add(offset.1),
        };
        model.add_element(element)?;
        added.push(id);
    }
    let rename = |id: &ElementId| renamed.get(id).cloned().unwrap_or_else(|| id.clone());
    for flow in fragment.sorted_flows() {
        let flow = Flow {
            from: rename(&flow.from),
            to: rename(&flow.to),
            kind: flow.kind,
            on: flow.on.iter().map(rename).collect(),
        };
        // A pasted flow the table forbids is kept, like one loaded from a
        // file, so the checks can point at it.
        if model.connect(flow.clone()).is_err() {
            let _ = model.insert_flow_unchecked(flow);
        }
    }
    Ok(added)
}

fn rect_of(element: &Element) -> (i32, i32, i32, i32) {
    let size = element.size_or_default();
    (element.pos.x, element.pos.y, size.w as i32, size.h as i32)
}

/// Lines up the elements along one edge or centre of their bounding box.
pub fn align(model: &mut Model, ids: &[ElementId], how: Align) {
    let rects: Vec<(ElementId, (i32, i32, i32, i32))> = ids
        .iter()
        .filter_map(|id| model.element(id).map(|e| (id.clone(), rect_of(e))))
        .collect();
    if rects.len() < 2 {
        return;
    }
    let left = rects.iter().map(|(_, r)| r.0).min().unwrap_or(0);
    let right = rects.iter().map(|(_, r)| r.0 + r.2).max().unwrap_or(0);
    let top = rects.iter().map(|(_, r)| r.1).min().unwrap_or(0);
    let bottom = rects.iter().map(|(_, r)| r.1 + r.3).max().unwrap_or(0);
    for (id, (_, _, w, h)) in rects {
        let Some(element) = model.element_mut(&id) else {
            continue;
        };
        match how {
            Align::Left => element.pos.x = left,
            Align::Center => element.pos.x = (left + right) / 2 - w / 2,
            Align::Right => element.pos.x = right - w,
            Align::Top => element.pos.y = top,
            Align::Middle => element.pos.y = (top + bottom) / 2 - h / 2,
            Align::Bottom => element.pos.y = bottom - h,
        }
    }
}

/// Spaces the elements so the gaps between them along `axis` are equal,
/// keeping the first and the last where they are.
pub fn distribute(model: &mut Model, ids: &[ElementId], axis: Axis) {
    let mut rects: Vec<(ElementId, (i32, i32, i32, i32))> = ids
        .iter()
        .filter_map(|id| model.element(id).map(|e| (id.clone(), rect_of(e))))
        .collect();
    if rects.len() < 3 {
        return;
    }
    type Extent = fn(&(i32, i32, i32, i32)) -> i32;
    let (start, length): (Extent, Extent) = match axis {
        Axis::Horizontal => (|r| r.0, |r| r.2),
        Axis::Vertical => (|r| r.1, |r| r.3),
    };
    rects.sort_by_key(|(id, r)| (start(r), id.clone()));
    let first = start(&rects[0].1);
    let last_end = rects
        .iter()
        .map(|(_, r)| start(r) + length(r))
        .max()
        .unwrap_or(first);
    let total: i32 = rects.iter().map(|(_, r)| length(r)).sum();
    let gap = (last_end - first - total) as f64 / (rects.len() - 1) as f64;
    let mut cursor = first as f64;
    for (id, r) in rects {
        if let Some(element) = model.element_mut(&id) {
            match axis {
                Axis::Horizontal => element.pos.x = cursor.round() as i32,
                Axis::Vertical => element.pos.y = cursor.round() as i32,
            }
        }
        cursor += f64::from(length(&r)) + gap;
    }
}

/// Puts a bounded-context frame around the elements; returns its id.
pub fn frame_around(model: &mut Model, ids: &[ElementId], name: &str) -> Option<ElementId> {
    let rects: Vec<(i32, i32, i32, i32)> = ids
        .iter()
        .filter_map(|id| model.element(id).map(rect_of))
        .collect();
    if rects.is_empty() {
        return None;
    }
    let margin = 40;
    let left = rects.iter().map(|r| r.0).min()? - margin;
    let top = rects.iter().map(|r| r.1).min()? - margin - 30;
    let right = rects.iter().map(|r| r.0 + r.2).max()? + margin;
    let bottom = rects.iter().map(|r| r.1 + r.3).max()? + margin;
    let id = model.fresh_id(name, ElementKind::BoundedContext);
    let mut frame = Element::new(
        id.0.clone(),
        ElementKind::BoundedContext,
        name,
        Pos { x: left, y: top },
    );
    frame.size = Some(Size {
        w: (right - left).max(1) as u32,
        h: (bottom - top).max(1) as u32,
    });
    model.add_element(frame).ok()?;
    Some(id)
}

/// Whether `inner`'s centre lies inside `outer` (how frames hold stickies).
pub fn contains_center(outer: &Element, inner: &Element) -> bool {
    let (ox, oy, ow, oh) = rect_of(outer);
    let (ix, iy, iw, ih) = rect_of(inner);
    let (cx, cy) = (ix + iw / 2, iy + ih / 2);
    cx >= ox && cx <= ox + ow && cy >= oy && cy <= oy + oh
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FlowKind;

    fn model() -> Model {
        let mut m = Model::new("t");
        for (i, (id, kind)) in [
            ("customer", ElementKind::Actor),
            ("place-order", ElementKind::Command),
            ("order", ElementKind::Aggregate),
        ]
        .into_iter()
        .enumerate()
        {
            m.add_element(Element::new(
                id,
                kind,
                id,
                Pos {
                    x: i as i32 * 300,
                    y: i as i32 * 37,
                },
            ))
            .expect("fresh");
        }
        m.connect(Flow::new("customer", "place-order", FlowKind::Issues))
            .expect("allowed");
        m.connect(Flow::new("place-order", "order", FlowKind::HandledBy))
            .expect("allowed");
        m
    }

    #[test]
    fn a_pasted_fragment_gets_fresh_ids_and_keeps_its_flows() {
        let mut m = model();
        let ids: BTreeSet<ElementId> = ["customer".into(), "place-order".into()].into();
        let copy = fragment(&m, &ids);
        assert_eq!(copy.element_count(), 2);
        assert_eq!(copy.flow_count(), 1, "only the flow inside the selection");
        let text = crate::format::to_ron_string(&copy).expect("encodes");
        let back = crate::format::from_ron_str(&text).expect("the clipboard text is a model file");
        let added = paste(&mut m, &back, (30, 30)).expect("pastes");
        assert_eq!(
            added,
            vec![
                ElementId::new("customer-2"),
                ElementId::new("place-order-2")
            ]
        );
        assert!(
            m.flow(&Flow::new("customer-2", "place-order-2", FlowKind::Issues).key())
                .is_some()
        );
        assert_eq!(
            m.element(&"customer-2".into()).expect("pasted").pos,
            Pos { x: 30, y: 30 }
        );
    }

    #[test]
    fn align_and_distribute_move_only_the_right_axis() {
        let mut m = model();
        let ids: Vec<ElementId> = m.ids().cloned().collect();
        align(&mut m, &ids, Align::Top);
        assert!(m.elements().all(|e| e.pos.y == 0));
        m.element_mut(&"order".into()).expect("exists").pos.x = 1000;
        distribute(&mut m, &ids, Axis::Horizontal);
        let xs: Vec<i32> = ["customer", "place-order", "order"]
            .iter()
            .map(|id| m.element(&(*id).into()).expect("exists").pos.x)
            .collect();
        // customer is 110 wide, place-order 160, order at 1000: equal gaps.
        let gap1 = xs[1] - (xs[0] + 110);
        let gap2 = xs[2] - (xs[1] + 160);
        assert!((gap1 - gap2).abs() <= 1, "{xs:?}");
    }

    #[test]
    fn a_frame_encloses_the_selection() {
        let mut m = model();
        let ids: Vec<ElementId> = m.ids().cloned().collect();
        let frame = frame_around(&mut m, &ids, "Sales").expect("framed");
        let frame = m.element(&frame).expect("exists").clone();
        assert!(
            ids.iter()
                .all(|id| contains_center(&frame, m.element(id).expect("exists")))
        );
    }
}
