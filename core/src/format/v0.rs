//! The prototype format written before versioning (version 0, or no
//! version at all), and its migration to version 1.

use serde::Deserialize;

use super::FileV1;
use crate::model::{Element, ElementId, Flow, FlowKind, Level, Pos, RunSettings};

/// The prototype format written before versioning (version 0 or no version):
/// `stickies` with `text`, `x`, `y`, and `arrows`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileV0 {
    #[serde(default)]
    #[allow(dead_code)]
    version: u32,
    name: String,
    #[serde(default)]
    stickies: Vec<StickyV0>,
    #[serde(default)]
    arrows: Vec<ArrowV0>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StickyV0 {
    id: ElementId,
    kind: crate::model::ElementKind,
    text: String,
    x: i32,
    y: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArrowV0 {
    from: ElementId,
    to: ElementId,
    kind: FlowKind,
}

/// Version 0 -> 1: stickies became elements (`text` -> `name`, `x`/`y` ->
/// `pos`), arrows became flows, and run settings appeared.
impl From<FileV0> for FileV1 {
    fn from(old: FileV0) -> Self {
        FileV1 {
            version: 1,
            name: old.name,
            notes: String::new(),
            level: Level::default(),
            run: RunSettings::default(),
            elements: old
                .stickies
                .into_iter()
                .map(|sticky| {
                    let mut element = Element::new(
                        sticky.id.0,
                        sticky.kind,
                        sticky.text,
                        Pos {
                            x: sticky.x,
                            y: sticky.y,
                        },
                    );
                    element.id.0.make_ascii_lowercase();
                    element
                })
                .collect(),
            flows: old
                .arrows
                .into_iter()
                .map(|arrow| {
                    // Ends name stickies by id: lowercased like the ids.
                    let mut flow = Flow::new(arrow.from.0, arrow.to.0, arrow.kind);
                    flow.from.0.make_ascii_lowercase();
                    flow.to.0.make_ascii_lowercase();
                    flow
                })
                .collect(),
            faults: Vec::new(),
            tour: Vec::new(),
        }
    }
}
