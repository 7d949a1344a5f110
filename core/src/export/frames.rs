//! Which frame (bounded context or swimlane) holds which sticky, as a tree:
//! a sticky belongs to the smallest frame that contains its centre (the rule
//! of [`crate::edit::contains_center`]), and a frame to the smallest larger
//! frame that contains its centre. Diagrams draw frames as nested groups.

use std::collections::BTreeMap;

use crate::edit::contains_center;
use crate::model::{Element, ElementId, Model};

/// The frame tree of a board.
pub(crate) struct Frames<'m> {
    /// Each grouped element's innermost frame.
    parent: BTreeMap<&'m ElementId, &'m ElementId>,
}

impl<'m> Frames<'m> {
    /// Works out the tree for `model`.
    pub(crate) fn of(model: &'m Model) -> Self {
        let area = |e: &Element| {
            let size = e.size_or_default();
            u64::from(size.w) * u64::from(size.h)
        };
        // Frames ordered from the smallest: the first that holds a centre
        // is the innermost.
        let mut frames: Vec<&Element> = model.elements().filter(|e| e.kind.is_frame()).collect();
        frames.sort_by(|a, b| (area(a), &a.id).cmp(&(area(b), &b.id)));
        let mut parent = BTreeMap::new();
        for element in model.elements() {
            let own = (area(element), &element.id);
            let holder = frames.iter().find(|frame| {
                frame.id != element.id
                    // A frame only goes into a larger one, so the tree has no cycle.
                    && (!element.kind.is_frame() || (area(frame), &frame.id) > own)
                    && contains_center(frame, element)
            });
            if let Some(frame) = holder {
                parent.insert(&element.id, &frame.id);
            }
        }
        Self { parent }
    }

    /// The innermost frame holding `id`, if any.
    pub(crate) fn parent(&self, id: &ElementId) -> Option<&'m ElementId> {
        self.parent.get(id).copied()
    }

    /// The elements directly inside `frame` (None: the top level), in id order.
    pub(crate) fn children<'a>(
        &'a self,
        model: &'m Model,
        frame: Option<&'a ElementId>,
    ) -> impl Iterator<Item = &'m Element> + 'a
    where
        'm: 'a,
    {
        model
            .elements()
            .filter(move |e| self.parent.get(&e.id).copied() == frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ElementKind, Pos, Size};

    #[test]
    fn a_sticky_belongs_to_the_innermost_frame_holding_its_centre() {
        let mut model = Model::new("t");
        let mut lane = Element::new("lane", ElementKind::Swimlane, "Lane", Pos { x: 0, y: 0 });
        lane.size = Some(Size { w: 2000, h: 1000 });
        let mut context = Element::new(
            "ctx",
            ElementKind::BoundedContext,
            "Ctx",
            Pos { x: 100, y: 100 },
        );
        context.size = Some(Size { w: 600, h: 400 });
        for element in [
            lane,
            context,
            Element::new("inner", ElementKind::Event, "In", Pos { x: 200, y: 200 }),
            Element::new("outer", ElementKind::Event, "Out", Pos { x: 1500, y: 200 }),
            Element::new("away", ElementKind::Event, "Away", Pos { x: 5000, y: 0 }),
        ] {
            model.add_element(element).expect("fresh id");
        }
        let frames = Frames::of(&model);
        assert_eq!(
            frames.parent(&"inner".into()).map(|i| i.as_str()),
            Some("ctx")
        );
        assert_eq!(
            frames.parent(&"outer".into()).map(|i| i.as_str()),
            Some("lane")
        );
        assert_eq!(
            frames.parent(&"ctx".into()).map(|i| i.as_str()),
            Some("lane")
        );
        assert_eq!(frames.parent(&"lane".into()), None);
        assert_eq!(frames.parent(&"away".into()), None);
        let top: Vec<&str> = frames
            .children(&model, None)
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(top, ["away", "lane"]);
    }
}
