//! An open model: what it is, where it lives, whether it changed, and its
//! undo history. Every change to the model goes through [`Document::edit`],
//! the one place that records undo.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use stormflow_core::{Model, Problem, check};

/// Revisions are unique across documents, so a view's cache of one
/// document never passes for another's (a new board after a fresh one).
fn next_revision() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Undo steps kept; older ones are forgotten.
pub const MAX_UNDO: usize = 100;

/// Identifies a gesture whose many small changes make one undo step
/// (typing in a field, dragging a slider).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gesture(pub String);

#[derive(Clone, Debug)]
struct Step {
    label: String,
    before: Model,
    /// The id of the state `before` is.
    before_id: u64,
    gesture: Option<Gesture>,
}

/// An open model and its history.
#[derive(Clone, Debug)]
pub struct Document {
    model: Model,
    /// Where it is saved (none: not yet saved).
    pub path: Option<PathBuf>,
    /// Every state the model passes through gets an id; undo and redo
    /// return to earlier ids, so "unsaved" is one comparison, not a walk
    /// over the whole model.
    state_id: u64,
    next_state_id: u64,
    /// The state last saved or opened.
    saved_id: u64,
    undo: Vec<Step>,
    redo: Vec<Step>,
    revision: u64,
    problems: Vec<Problem>,
    problems_revision: u64,
}

impl Document {
    /// A document for a model that is already saved at `path` (or not, if none).
    pub fn new(model: Model, path: Option<PathBuf>) -> Self {
        let problems = check(&model);
        let revision = next_revision();
        Self {
            model,
            path,
            state_id: 0,
            next_state_id: 1,
            saved_id: 0,
            undo: Vec::new(),
            redo: Vec::new(),
            revision,
            problems,
            problems_revision: revision,
        }
    }

    /// A document for a model that exists in no file yet and is worth
    /// keeping (an import): it is unsaved, so closing it asks first and
    /// Save asks where.
    pub fn unsaved(model: Model) -> Self {
        let mut doc = Self::new(model, None);
        doc.state_id = doc.new_state_id();
        doc
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    fn new_state_id(&mut self) -> u64 {
        let id = self.next_state_id;
        self.next_state_id += 1;
        id
    }

    /// Changes the model as one undo step labelled `label`. If `gesture` is
    /// the same as the last step's, the change joins that step. Returns what
    /// the change returned; a change that fails (`Err`) leaves the model and
    /// the history as they were.
    pub fn edit<T, E>(
        &mut self,
        label: &str,
        gesture: Option<Gesture>,
        change: impl FnOnce(&mut Model) -> Result<T, E>,
    ) -> Result<T, E> {
        let before = self.model.clone();
        let result = change(&mut self.model);
        match &result {
            Ok(_) if self.model != before => {
                let joins = gesture.is_some()
                    && self.undo.last().is_some_and(|last| last.gesture == gesture);
                if !joins {
                    self.undo.push(Step {
                        label: label.to_string(),
                        before,
                        before_id: self.state_id,
                        gesture,
                    });
                    if self.undo.len() > MAX_UNDO {
                        self.undo.remove(0);
                    }
                    self.state_id = self.new_state_id();
                } else if self
                    .undo
                    .last()
                    .is_some_and(|last| last.before == self.model)
                {
                    // The gesture netted out (created, then cancelled): no step.
                    if let Some(step) = self.undo.pop() {
                        self.state_id = step.before_id;
                    }
                } else {
                    self.state_id = self.new_state_id();
                }
                self.redo.clear();
                self.revision = next_revision();
            }
            Ok(_) => {}
            Err(_) => self.model = before,
        }
        result
    }

    /// Ends the current gesture: the next change starts a new undo step.
    pub fn end_gesture(&mut self) {
        if let Some(last) = self.undo.last_mut() {
            last.gesture = None;
        }
    }

    /// Replaces the whole model as one undo step (a migration, a reload).
    pub fn replace(&mut self, label: &str, model: Model) {
        let _ = self.edit::<(), ()>(label, None, |m| {
            *m = model;
            Ok(())
        });
    }

    /// Takes back the last change; returns its label.
    pub fn undo(&mut self) -> Option<String> {
        let step = self.undo.pop()?;
        let after = std::mem::replace(&mut self.model, step.before);
        self.redo.push(Step {
            label: step.label.clone(),
            before: after,
            before_id: self.state_id,
            gesture: None,
        });
        self.state_id = step.before_id;
        self.revision = next_revision();
        Some(step.label)
    }

    /// Does again what was taken back; returns its label.
    pub fn redo(&mut self) -> Option<String> {
        let step = self.redo.pop()?;
        let before = std::mem::replace(&mut self.model, step.before);
        self.undo.push(Step {
            label: step.label.clone(),
            before,
            before_id: self.state_id,
            gesture: None,
        });
        self.state_id = step.before_id;
        self.revision = next_revision();
        Some(step.label)
    }

    /// What Undo would take back.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|s| s.label.as_str())
    }

    /// What Redo would do again.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|s| s.label.as_str())
    }

    /// Changes with every change to the model and is never shared with
    /// another document; views use it to know when to redo derived work.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Whether the model differs from the file.
    pub fn is_dirty(&self) -> bool {
        self.state_id != self.saved_id
    }

    /// Records that the model was saved to `path`.
    pub fn mark_saved(&mut self, path: PathBuf) {
        self.saved_id = self.state_id;
        self.path = Some(path);
    }

    /// The problems of the current model (checked again after each change).
    pub fn problems(&mut self) -> &[Problem] {
        if self.problems_revision != self.revision {
            self.problems = check(&self.model);
            self.problems_revision = self.revision;
        }
        &self.problems
    }

    /// The problems as last checked, without checking again.
    pub fn cached_problems(&self) -> &[Problem] {
        &self.problems
    }

    /// A name for the window title and dialogs.
    pub fn display_name(&self) -> String {
        if self.model.name.trim().is_empty() {
            "Untitled".to_string()
        } else {
            self.model.name.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stormflow_core::model::{Element, ElementKind, Pos};

    fn doc() -> Document {
        Document::new(Model::new("t"), None)
    }

    fn add(doc: &mut Document, id: &str) {
        doc.edit("Add", None, |m| {
            m.add_element(Element::new(
                id,
                ElementKind::Event,
                "X Happened",
                Pos::default(),
            ))
        })
        .expect("fresh id");
    }

    #[test]
    fn no_two_documents_share_a_revision() {
        // A view caches by revision: a new board must not pass for the
        // untouched one it replaces.
        let (mut a, b) = (doc(), doc());
        assert_ne!(a.revision(), b.revision());
        let before = a.revision();
        add(&mut a, "a");
        assert_ne!(a.revision(), before);
        assert_ne!(a.revision(), b.revision());
        a.undo();
        assert_ne!(a.revision(), before, "undo is a change views must see");
    }

    #[test]
    fn undo_and_redo_walk_the_history() {
        let mut d = doc();
        add(&mut d, "a");
        add(&mut d, "b");
        assert!(d.is_dirty());
        assert_eq!(d.undo(), Some("Add".into()));
        assert_eq!(d.model().element_count(), 1);
        assert_eq!(d.redo(), Some("Add".into()));
        assert_eq!(d.model().element_count(), 2);
        d.undo();
        d.undo();
        assert!(!d.is_dirty(), "back where it was opened");
        assert_eq!(d.undo(), None);
    }

    #[test]
    fn a_gesture_is_one_undo_step() {
        let mut d = doc();
        add(&mut d, "a");
        for x in 1..=20 {
            d.edit::<(), ()>("Move", Some(Gesture("drag".into())), |m| {
                m.element_mut(&"a".into()).expect("exists").pos.x = x;
                Ok(())
            })
            .expect("infallible");
        }
        d.end_gesture();
        assert_eq!(d.undo(), Some("Move".into()));
        assert_eq!(d.model().element(&"a".into()).expect("exists").pos.x, 0);
    }

    #[test]
    fn a_gesture_that_nets_out_leaves_no_step() {
        let mut d = doc();
        add(&mut d, "a");
        let gesture = Some(Gesture("create:b".into()));
        d.edit("Add", gesture.clone(), |m| {
            m.add_element(Element::new("b", ElementKind::Event, "", Pos::default()))
        })
        .expect("fresh");
        d.edit("Add", gesture, |m| {
            m.remove_element(&"b".into()).map(|_| ())
        })
        .expect("exists");
        assert_eq!(d.undo_label(), Some("Add"));
        d.undo();
        assert_eq!(
            d.model().element_count(),
            0,
            "the earlier step is the one left"
        );
    }

    #[test]
    fn a_failed_change_leaves_model_and_history_alone() {
        let mut d = doc();
        add(&mut d, "a");
        let result = d.edit("Add", None, |m| {
            m.add_element(Element::new("a", ElementKind::Event, "Dup", Pos::default()))
        });
        assert!(result.is_err());
        assert_eq!(d.model().element_count(), 1);
        assert_eq!(d.undo(), Some("Add".into()));
        assert_eq!(d.undo(), None);
    }

    #[test]
    fn history_is_bounded() {
        let mut d = doc();
        for i in 0..(MAX_UNDO + 20) {
            add(&mut d, &format!("e{i}"));
        }
        let mut steps = 0;
        while d.undo().is_some() {
            steps += 1;
        }
        assert_eq!(steps, MAX_UNDO);
    }
}
