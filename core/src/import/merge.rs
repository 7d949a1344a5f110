//! Merging an imported board into an existing one (`stormflow import --into`).

use crate::format::Limits;
use crate::model::{Element, Model, Pos};

use super::draft::truncate;

/// Board units between the existing board and what the import adds.
const GAP: i32 = 300;

/// `board` with what `imported` adds. Stickies that exist already (same id)
/// keep their position, name, notes, kind and run parameters (workload,
/// service, topic, operator, event settings); new stickies keep their layout
/// and are placed to the right of the existing board; flows are added where
/// missing (a flow the connection table refuses between the kinds the board
/// now has is left out). The board's own notes are kept, with the import's
/// added once.
pub fn merge_into(board: &Model, imported: &Model) -> Model {
    let limits = Limits::default();
    let mut merged = board.clone();
    if merged.name.trim().is_empty() {
        merged.name = imported.name.clone();
    }
    if merged.notes.trim().is_empty() {
        merged.notes = imported.notes.clone();
    } else if !imported.notes.is_empty() && !merged.notes.contains(&imported.notes) {
        merged.notes = truncate(
            &format!("{}\n\n{}", merged.notes, imported.notes),
            limits.max_notes_bytes,
        );
    }

    let new: Vec<&Element> = imported
        .elements()
        .filter(|e| !board.contains(&e.id))
        .collect();
    let (dx, dy) = match (extent(board.elements()), extent(new.iter().copied())) {
        (Some((_, top, right, _)), Some((left, new_top, _, _))) => (
            i64::from(right) + i64::from(GAP) - i64::from(left),
            i64::from(top) - i64::from(new_top),
        ),
        _ => (0, 0),
    };
    let bound = i64::from(limits.max_coordinate);
    for element in new {
        let mut element = element.clone();
        element.pos = Pos {
            x: (i64::from(element.pos.x) + dx).clamp(-bound, bound) as i32,
            y: (i64::from(element.pos.y) + dy).clamp(-bound, bound) as i32,
        };
        // The ids differ from every existing one, so this cannot fail.
        let _ = merged.add_element(element);
    }
    for flow in imported.sorted_flows() {
        if merged.flow(&flow.key()).is_some() {
            continue;
        }
        let mut flow = flow.clone();
        // "Only on its own arrivals" needs a workload the board may have removed.
        let source_has_workload = merged
            .element(&flow.from)
            .is_some_and(|e| e.workload.is_some());
        if !source_has_workload {
            flow.on.retain(|input| *input != flow.from);
        }
        let _ = merged.connect(flow);
    }
    merged
}

/// (left, top, right, bottom) of the stickies that are not frames.
fn extent<'a>(elements: impl Iterator<Item = &'a Element>) -> Option<(i32, i32, i32, i32)> {
    elements
        .filter(|e| !e.kind.is_frame())
        .map(|e| {
            let size = e.size_or_default();
            (
                e.pos.x,
                e.pos.y,
                e.pos.x.saturating_add(size.w as i32),
                e.pos.y.saturating_add(size.h as i32),
            )
        })
        .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
}
