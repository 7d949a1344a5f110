//! The board's gestures: zoom and pan from the wheel and pinch; drags that
//! pan, move stickies, connect two, or select with a rubber band; clicks
//! that select; a double-click that creates or renames; a sticky dropped
//! from the palette. They change the view state and return [`Command`]s.

use std::collections::BTreeSet;

use egui::{Key, PointerButton, Pos2, Rect, Vec2};
use stormflow_core::model::{ElementId, Model, Pos, infer_flow};

use super::view::GRID;
use super::{BoardState, Hit};
use crate::command::Command;

/// A drag in progress.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Drag {
    /// Moving the view.
    Pan,
    /// Moving stickies by `delta` board units so far.
    Move {
        /// What moves.
        ids: Vec<ElementId>,
        /// How far, in board units.
        delta: Vec2,
    },
    /// Pulling an arrow from a sticky's handle.
    Connect {
        /// Where it starts.
        from: ElementId,
        /// Where the pointer is (screen).
        pointer: Pos2,
    },
    /// Selecting with a rubber band.
    Rubber {
        /// Where it started (screen).
        start: Pos2,
        /// Where the pointer is (screen).
        pointer: Pos2,
        /// Shift held: add to the selection.
        additive: bool,
    },
}

impl BoardState {
    /// Handles this frame's input on the canvas; returns the commands it means.
    pub(super) fn gestures_ui(
        &mut self,
        ui: &egui::Ui,
        model: &Model,
        canvas: Rect,
        response: &egui::Response,
    ) -> Vec<Command> {
        let mut commands = Vec::new();
        let read_only = self.overlay.read_only.clone();
        let editing_text = self.editing.is_some();
        let pointer = response.hover_pos().or(response.interact_pointer_pos());
        let (space, shift, zoom_delta, scroll) = ui.input(|i| {
            (
                i.key_down(Key::Space) && !editing_text,
                i.modifiers.shift,
                i.zoom_delta(),
                i.smooth_scroll_delta,
            )
        });
        // Zoom and pan from the wheel, the trackpad and pinch.
        if let Some(pointer) = pointer {
            if zoom_delta != 1.0 {
                self.view.zoom_around(canvas, pointer, zoom_delta);
            } else if scroll != Vec2::ZERO && response.hovered() {
                self.view.pan += scroll;
            }
        }
        if response.drag_started() {
            let origin = ui
                .input(|i| i.pointer.press_origin())
                .unwrap_or(canvas.center());
            let middle = ui.input(|i| i.pointer.button_down(PointerButton::Middle));
            self.drag = Some(if middle || space {
                Drag::Pan
            } else {
                self.drag_start(model, origin, shift, read_only.is_none())
            });
        }
        if response.dragged() {
            let delta = response.drag_delta();
            let latest = response.interact_pointer_pos();
            match &mut self.drag {
                Some(Drag::Pan) => self.view.pan += delta,
                Some(Drag::Move { delta: total, .. }) => *total += delta / self.view.zoom,
                Some(Drag::Connect { pointer, .. }) | Some(Drag::Rubber { pointer, .. }) => {
                    if let Some(latest) = latest {
                        *pointer = latest;
                    }
                }
                None => {}
            }
        }
        if response.drag_stopped() {
            commands.extend(self.drag_stop(ui, model, canvas, shift, read_only.as_deref()));
        }
        self.clicks(
            ui,
            model,
            response,
            shift,
            read_only.as_deref(),
            &mut commands,
        );
        // A sticky dropped from the palette.
        if let Some((kind, pivotal)) = self.palette_drag
            && !ui.input(|i| i.pointer.any_down())
        {
            self.palette_drag = None;
            if let Some(at) = ui.input(|i| i.pointer.latest_pos())
                && canvas.contains(at)
            {
                commands.push(self.create_at(kind, pivotal, at, canvas));
            }
        }
        commands
    }

    /// The drag that a press at `origin` starts.
    fn drag_start(&mut self, model: &Model, origin: Pos2, shift: bool, editable: bool) -> Drag {
        match self.hit(origin, editable) {
            Hit::Handle(from) => Drag::Connect {
                from,
                pointer: origin,
            },
            Hit::Element(id) => {
                if !self.selection.elements.contains(&id) {
                    if !shift {
                        self.selection.clear();
                    }
                    self.selection.elements.insert(id.clone());
                    self.selection.flow = None;
                }
                Drag::Move {
                    ids: self.moving_set(model),
                    delta: Vec2::ZERO,
                }
            }
            Hit::Flow(key) => {
                self.selection.clear();
                self.selection.flow = Some(key);
                Drag::Pan
            }
            Hit::Empty => Drag::Rubber {
                start: origin,
                pointer: origin,
                additive: shift,
            },
        }
    }

    /// Ends the drag in progress; returns what it means.
    fn drag_stop(
        &mut self,
        ui: &egui::Ui,
        model: &Model,
        canvas: Rect,
        shift: bool,
        read_only: Option<&str>,
    ) -> Option<Command> {
        match self.drag.take()? {
            Drag::Move { ids, delta } => {
                let (dx, dy) = self.snapped_delta(model, &ids, delta, shift);
                if dx == 0 && dy == 0 {
                    return None;
                }
                if let Some(reason) = read_only {
                    self.toast_at(ui.ctx(), reason, None, true);
                    return None;
                }
                Some(Command::MoveBy { ids, dx, dy })
            }
            Drag::Connect { from, pointer } => {
                let Hit::Element(to) = self.hit(pointer, false) else {
                    return None;
                };
                if to == from {
                    return None;
                }
                let kinds = (
                    model.element(&from).map(|e| e.kind),
                    model.element(&to).map(|e| e.kind),
                );
                if let (Some(a), Some(b)) = kinds
                    && let Err(reason) = infer_flow(a, b)
                {
                    self.toast_at(ui.ctx(), reason, Some(pointer), true);
                    return None;
                }
                Some(Command::Connect { from, to })
            }
            Drag::Rubber {
                start,
                pointer,
                additive,
            } => {
                let band = Rect::from_two_pos(start, pointer);
                let to_screen = self.view.screen_from_board(canvas);
                if !additive {
                    self.selection.clear();
                }
                for (id, rect, kind) in &self.scene.elements {
                    let r = to_screen.mul_rect(*rect);
                    let inside = if kind.is_frame() {
                        band.contains_rect(r)
                    } else {
                        band.intersects(r)
                    };
                    if inside {
                        self.selection.elements.insert(id.clone());
                    }
                }
                None
            }
            Drag::Pan => None,
        }
    }

    /// Clicks: a message dot first, then what is under the pointer; a
    /// double-click renames or creates; a right-click picks the menu's target.
    fn clicks(
        &mut self,
        ui: &egui::Ui,
        model: &Model,
        response: &egui::Response,
        shift: bool,
        read_only: Option<&str>,
        commands: &mut Vec<Command>,
    ) {
        let at = response.interact_pointer_pos();
        if response.clicked()
            && let Some(at) = at
        {
            if let Some(message) = self.dot_at(at) {
                commands.push(Command::SelectMessage(message));
            } else {
                match self.hit(at, false) {
                    Hit::Element(id) if shift => {
                        if !self.selection.elements.remove(&id) {
                            self.selection.elements.insert(id);
                        }
                        self.selection.flow = None;
                    }
                    Hit::Element(id) | Hit::Handle(id) => self.selection.only(id),
                    Hit::Flow(key) => {
                        self.selection.clear();
                        self.selection.flow = Some(key);
                    }
                    Hit::Empty if !shift => self.selection.clear(),
                    Hit::Empty => {}
                }
            }
        }
        if response.double_clicked()
            && let Some(at) = at
        {
            let hit = self.hit(at, false);
            if matches!(hit, Hit::Element(_) | Hit::Empty)
                && let Some(reason) = read_only
            {
                self.toast_at(ui.ctx(), reason, Some(at), true);
            } else if let Hit::Element(id) = hit {
                if let Some(element) = model.element(&id) {
                    let name = element.name.clone();
                    self.selection.only(id.clone());
                    self.start_editing(id, &name, false);
                }
            } else if hit == Hit::Empty {
                commands.push(self.create_at(
                    self.current_kind,
                    self.current_pivotal,
                    at,
                    self.canvas,
                ));
            }
        }
        if response.secondary_clicked()
            && let Some(at) = at
        {
            let hit = self.hit(at, false);
            if let Hit::Element(id) = &hit
                && !self.selection.elements.contains(id)
            {
                self.selection.only(id.clone());
            }
            if let Hit::Flow(key) = &hit {
                self.selection.clear();
                self.selection.flow = Some(key.clone());
            }
            self.context_target = Some(hit);
        }
    }

    /// Creating a sticky of `kind` centred on screen point `at`, on the grid.
    fn create_at(
        &self,
        kind: stormflow_core::model::ElementKind,
        pivotal: bool,
        at: Pos2,
        canvas: Rect,
    ) -> Command {
        let board = self.view.board_from_screen(canvas).mul_pos(at);
        let (w, h) = kind.default_size();
        Command::Create {
            kind,
            pivotal,
            at: self.snap_pos(Pos {
                x: (board.x - w as f32 / 2.0) as i32,
                y: (board.y - h as f32 / 2.0) as i32,
            }),
        }
    }

    /// The elements a drag moves: the selection, plus whatever selected
    /// frames hold.
    fn moving_set(&self, model: &Model) -> Vec<ElementId> {
        let mut ids: BTreeSet<ElementId> = self.selection.elements.clone();
        for id in &self.selection.elements {
            if let Some(frame) = model.element(id).filter(|e| e.kind.is_frame()) {
                for other in model.elements() {
                    if !other.kind.is_frame() && stormflow_core::edit::contains_center(frame, other)
                    {
                        ids.insert(other.id.clone());
                    }
                }
            }
        }
        ids.into_iter().collect()
    }

    fn snap_pos(&self, pos: Pos) -> Pos {
        if !self.snap {
            return pos;
        }
        let snap = |v: i32| ((v as f32 / GRID).round() * GRID) as i32;
        Pos {
            x: snap(pos.x),
            y: snap(pos.y),
        }
    }

    /// The move a drag of `delta` board units makes, snapped to the grid
    /// unless snapping is off or `no_snap` (Shift) is held.
    pub(super) fn snapped_delta(
        &self,
        model: &Model,
        ids: &[ElementId],
        delta: Vec2,
        no_snap: bool,
    ) -> (i32, i32) {
        let raw = (delta.x.round() as i32, delta.y.round() as i32);
        if !self.snap || no_snap {
            return raw;
        }
        // Snap the first sticky's new corner; the others keep their offsets.
        let Some(anchor) = ids.first().and_then(|id| model.element(id)) else {
            return raw;
        };
        let target = self.snap_pos(Pos {
            x: anchor.pos.x + raw.0,
            y: anchor.pos.y + raw.1,
        });
        (target.x - anchor.pos.x, target.y - anchor.pos.y)
    }
}
