//! The board: an infinite canvas showing the model's stickies and arrows.
//!
//! The model knows only board coordinates. Pan, zoom, selection, the gesture
//! in progress and the name being typed are view state ([`BoardState`]) and
//! never reach the file. The board does not change the model: it returns
//! [`Command`]s, which the app applies in one place.

pub mod draw;

use std::collections::{BTreeMap, BTreeSet};

use egui::emath::TSTransform;
use egui::{
    Color32, CornerRadius, FontId, Key, Modifiers, PointerButton, Pos2, Rect, Sense, Stroke,
    StrokeKind, Vec2, pos2, vec2,
};
use stormflow_core::model::{
    Element, ElementId, ElementKind, FlowKey, FlowKind, Model, Pos, infer_flow,
};

use crate::command::Command;

/// Smallest zoom (10%).
pub const MIN_ZOOM: f32 = 0.1;
/// Largest zoom (400%).
pub const MAX_ZOOM: f32 = 4.0;
/// Grid pitch in board units (snapping and the dot grid).
pub const GRID: f32 = 20.0;
/// Most stickies given their own accessible widget in one frame.
const MAX_ACCESSIBLE: usize = 1_500;

/// Where the board is looked at from: pan and zoom.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BoardView {
    /// Screen offset of the board origin from the canvas' top-left corner.
    pub pan: Vec2,
    /// Screen pixels per board unit.
    pub zoom: f32,
}

impl Default for BoardView {
    fn default() -> Self {
        Self {
            pan: vec2(80.0, 80.0),
            zoom: 1.0,
        }
    }
}

impl BoardView {
    /// The transform from board coordinates to screen coordinates inside `canvas`.
    pub fn screen_from_board(&self, canvas: Rect) -> TSTransform {
        TSTransform::new(canvas.min.to_vec2() + self.pan, self.zoom)
    }

    /// The transform from screen coordinates back to the board.
    pub fn board_from_screen(&self, canvas: Rect) -> TSTransform {
        self.screen_from_board(canvas).inverse()
    }

    /// Zooms by `factor` keeping the board point under `anchor` (screen) still.
    pub fn zoom_around(&mut self, canvas: Rect, anchor: Pos2, factor: f32) {
        let before = self.board_from_screen(canvas).mul_pos(anchor);
        self.zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let after = self.screen_from_board(canvas).mul_pos(before);
        self.pan += anchor - after;
    }

    /// Frames `bounds` (board coordinates) in `canvas` with a margin, never
    /// zooming in past `max_zoom`.
    pub fn fit(&mut self, canvas: Rect, bounds: Rect, max_zoom: f32) {
        if !bounds.is_positive() || canvas.width() < 10.0 || canvas.height() < 10.0 {
            return;
        }
        let margin = 40.0;
        let zoom = ((canvas.width() - 2.0 * margin) / bounds.width())
            .min((canvas.height() - 2.0 * margin) / bounds.height())
            .clamp(MIN_ZOOM, max_zoom.min(MAX_ZOOM));
        self.zoom = zoom;
        self.pan = canvas.size() / 2.0 - bounds.center().to_vec2() * zoom;
    }

    /// Centres board point `at` in `canvas`.
    pub fn center_on(&mut self, canvas: Rect, at: Pos2) {
        self.pan = canvas.size() / 2.0 - at.to_vec2() * self.zoom;
    }
}

/// An element's rectangle in board coordinates.
pub fn element_rect(element: &Element) -> Rect {
    let size = element.size_or_default();
    Rect::from_min_size(
        pos2(element.pos.x as f32, element.pos.y as f32),
        vec2(size.w as f32, size.h as f32),
    )
}

/// The bounding box of every element, in board coordinates.
pub fn model_bounds<'a>(elements: impl Iterator<Item = &'a Element>) -> Rect {
    elements
        .map(element_rect)
        .fold(Rect::NOTHING, |acc, r| acc.union(r))
}

/// What the board has selected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Selected elements.
    pub elements: BTreeSet<ElementId>,
    /// A selected flow (selecting one clears the elements).
    pub flow: Option<FlowKey>,
}

impl Selection {
    /// Nothing selected.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty() && self.flow.is_none()
    }

    /// Selects exactly one element.
    pub fn only(&mut self, id: ElementId) {
        self.elements.clear();
        self.elements.insert(id);
        self.flow = None;
    }

    /// Clears everything.
    pub fn clear(&mut self) {
        self.elements.clear();
        self.flow = None;
    }

    /// Forgets what no longer exists in `model`.
    pub fn retain_existing(&mut self, model: &Model) {
        self.elements.retain(|id| model.contains(id));
        if self
            .flow
            .as_ref()
            .is_some_and(|key| model.flow(key).is_none())
        {
            self.flow = None;
        }
    }
}

/// The name being typed into a sticky.
#[derive(Clone, Debug, PartialEq)]
pub struct Editing {
    /// The sticky.
    pub id: ElementId,
    /// The text so far.
    pub text: String,
    /// Made by double-click or Tab just now: Escape removes it again.
    pub is_new: bool,
    focus_pending: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Drag {
    Pan,
    Move {
        ids: Vec<ElementId>,
        delta: Vec2,
    },
    Connect {
        from: ElementId,
        pointer: Pos2,
    },
    Rubber {
        start: Pos2,
        pointer: Pos2,
        additive: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    text: String,
    at: Pos2,
    until: f64,
    error: bool,
}

/// What the pointer is over.
#[derive(Clone, Debug, PartialEq)]
pub enum Hit {
    /// A sticky's connection handle.
    Handle(ElementId),
    /// A sticky (or a frame's title or border).
    Element(ElementId),
    /// An arrow.
    Flow(FlowKey),
    /// Nothing.
    Empty,
}

/// A derived, per-revision picture of the model for drawing and hit-testing.
struct Cache {
    revision: Option<u64>,
    /// Elements in drawing order: frames first.
    elements: Vec<(ElementId, Rect, ElementKind)>,
    index: BTreeMap<ElementId, usize>,
    /// Drawn colour of each element, for the level-of-detail blocks.
    colors: Vec<Color32>,
    /// Flows as (from index, to index, key).
    flows: Vec<(usize, usize, FlowKey)>,
    bounds: Rect,
}

impl Default for Cache {
    fn default() -> Self {
        Self {
            revision: None,
            elements: Vec::new(),
            colors: Vec::new(),
            index: BTreeMap::new(),
            flows: Vec::new(),
            bounds: Rect::NOTHING,
        }
    }
}

impl Cache {
    fn refresh(&mut self, model: &Model, revision: u64) {
        if self.revision == Some(revision) {
            return;
        }
        let mut elements: Vec<(ElementId, Rect, ElementKind)> = model
            .elements()
            .map(|e| (e.id.clone(), element_rect(e), e.kind))
            .collect();
        elements.sort_by_key(|(_, _, kind)| !kind.is_frame());
        self.index = elements
            .iter()
            .enumerate()
            .map(|(i, (id, _, _))| (id.clone(), i))
            .collect();
        self.flows = model
            .sorted_flows()
            .into_iter()
            .filter_map(|f| Some((*self.index.get(&f.from)?, *self.index.get(&f.to)?, f.key())))
            .collect();
        self.bounds = elements
            .iter()
            .fold(Rect::NOTHING, |acc, (_, r, _)| acc.union(*r));
        self.colors = elements
            .iter()
            .map(|(id, _, kind)| {
                draw::legend_color(model.element(id).map_or(kind.legend_rgb(), Element::rgb))
            })
            .collect();
        self.elements = elements;
        self.revision = Some(revision);
    }
}

/// Live figures drawn on a sticky during a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Badges {
    /// Short lines under the name ("queue 12", "lag 40").
    pub lines: Vec<String>,
    /// Down: drawn greyed with a cross.
    pub down: bool,
    /// Slowed or failing: drawn with a warning outline.
    pub degraded: bool,
    /// Something stopped or dead-lettered: drawn with a red mark.
    pub alarm: bool,
    /// For a topic: each consumer group's lag per partition, drawn as bars.
    pub partitions: Vec<(String, Vec<u64>)>,
}

/// A message on its way along an arrow.
#[derive(Clone, Debug, PartialEq)]
pub struct Dot {
    /// Where the arrow starts.
    pub from: ElementId,
    /// Where it ends.
    pub to: ElementId,
    /// How far along, 0..1.
    pub progress: f32,
    /// The message type's colour.
    pub color: Color32,
    /// The message (clicking the dot selects it).
    pub message: u64,
}

/// Extra layers the run view draws on the board.
#[derive(Clone, Debug, Default)]
pub struct Overlay {
    /// Badges per element.
    pub badges: BTreeMap<ElementId, Badges>,
    /// Message dots on their way along arrows.
    pub dots: Vec<Dot>,
    /// Elements on a highlighted path (a causation chain, a tour step).
    pub highlight: BTreeSet<ElementId>,
    /// Flows on a highlighted path.
    pub highlight_flows: BTreeSet<(ElementId, ElementId)>,
    /// Editing is off while a run is shown (the reason, for the toast).
    pub read_only: Option<String>,
}

/// The board's view state.
pub struct BoardState {
    /// Pan and zoom.
    pub view: BoardView,
    /// What is selected.
    pub selection: Selection,
    /// The kind double-click creates.
    pub current_kind: ElementKind,
    /// Whether double-click creates a pivotal event.
    pub current_pivotal: bool,
    /// Snap moved stickies to the grid.
    pub snap: bool,
    /// Show the minimap.
    pub minimap: bool,
    /// The name being typed, if any.
    pub editing: Option<Editing>,
    /// Problems per element: (errors, warnings), for the badges.
    pub problem_counts: BTreeMap<ElementId, (usize, usize)>,
    /// What the run view draws over the board.
    pub overlay: Overlay,
    fit_pending: Option<bool>,
    /// The fit just done, the canvas size it was done for and how many more
    /// frames to watch: a panel that opens with it (the run dock) takes a
    /// few frames to settle its size, and the fit follows it.
    fit_settling: Option<(bool, Vec2, u8)>,
    center_on: Option<ElementId>,
    drag: Option<Drag>,
    toast: Option<Toast>,
    cache: Cache,
    canvas: Rect,
    context_target: Option<Hit>,
    /// A palette sticky being dragged onto the board: its kind, and whether pivotal.
    pub palette_drag: Option<(ElementKind, bool)>,
}

impl Default for BoardState {
    fn default() -> Self {
        Self {
            view: BoardView::default(),
            selection: Selection::default(),
            current_kind: ElementKind::Event,
            current_pivotal: false,
            snap: true,
            minimap: true,
            editing: None,
            problem_counts: BTreeMap::new(),
            overlay: Overlay::default(),
            fit_pending: Some(false),
            fit_settling: None,
            center_on: None,
            drag: None,
            toast: None,
            cache: Cache::default(),
            canvas: Rect::from_min_size(Pos2::ZERO, vec2(800.0, 600.0)),
            context_target: None,
            palette_drag: None,
        }
    }
}

/// Frames a fit keeps following the canvas size while panels settle.
const FIT_SETTLE_FRAMES: u8 = 10;

impl BoardState {
    /// Fits the whole board (or the selection) on the next frame.
    pub fn request_fit(&mut self, selection_only: bool) {
        self.fit_pending = Some(selection_only);
    }

    /// Brings an element into view on the next frame.
    pub fn request_center(&mut self, id: ElementId) {
        self.center_on = Some(id);
    }

    /// Starts typing the name of a sticky.
    pub fn start_editing(&mut self, id: ElementId, current: &str, is_new: bool) {
        self.editing = Some(Editing {
            id,
            text: current.to_string(),
            is_new,
            focus_pending: true,
        });
    }

    /// Shows a message at a board position for a few seconds.
    pub fn toast_at(
        &mut self,
        ctx: &egui::Context,
        text: impl Into<String>,
        at: Option<Pos2>,
        error: bool,
    ) {
        let at = at
            .or_else(|| ctx.input(|i| i.pointer.latest_pos()))
            .unwrap_or_else(|| self.canvas.center());
        self.toast = Some(Toast {
            text: text.into(),
            at,
            until: ctx.input(|i| i.time) + if error { 4.0 } else { 2.5 },
            error,
        });
    }

    /// The toast text, if one is showing (tests read it).
    pub fn toast_text(&self) -> Option<&str> {
        self.toast.as_ref().map(|t| t.text.as_str())
    }

    /// The visible part of the board, in board coordinates.
    pub fn visible_board_rect(&self) -> Rect {
        self.view
            .board_from_screen(self.canvas)
            .mul_rect(self.canvas)
    }

    /// The canvas rectangle on screen (last frame).
    pub fn canvas(&self) -> Rect {
        self.canvas
    }

    /// Where a new sticky lands when created without a pointer: the view's centre.
    pub fn center_board_pos(&self) -> Pos {
        let c = self.visible_board_rect().center();
        Pos {
            x: c.x as i32,
            y: c.y as i32,
        }
    }

    fn hit(&self, model: &Model, screen: Pos2, handles: bool) -> Hit {
        let to_screen = self.view.screen_from_board(self.canvas);
        let elements = &self.cache.elements;
        if handles {
            for (id, rect, kind) in elements.iter().rev() {
                if kind.is_annotation() {
                    continue;
                }
                let r = to_screen.mul_rect(*rect);
                if handle_pos(r).distance(screen) <= 9.0 && (r.expand(12.0).contains(screen)) {
                    return Hit::Handle(id.clone());
                }
            }
        }
        for (id, rect, kind) in elements.iter().rev() {
            let r = to_screen.mul_rect(*rect);
            if !r.contains(screen) {
                continue;
            }
            if kind.is_frame() {
                let title = Rect::from_min_max(
                    r.min,
                    pos2(r.max.x, r.min.y + (34.0 * self.view.zoom).max(14.0)),
                );
                let border = !r.shrink(6.0).contains(screen);
                if !(title.contains(screen) || border) {
                    continue;
                }
            }
            return Hit::Element(id.clone());
        }
        for (a, b, key) in &self.cache.flows {
            let (ra, rb) = (
                to_screen.mul_rect(elements[*a].1),
                to_screen.mul_rect(elements[*b].1),
            );
            let start = draw::border_point(ra, rb.center());
            let end = draw::border_point(rb, ra.center());
            if distance_to_segment(screen, start, end) <= 6.0 {
                return Hit::Flow(key.clone());
            }
        }
        let _ = model;
        Hit::Empty
    }

    /// Draws the board and handles its gestures; returns the commands they
    /// mean and the canvas' response (for its context menu).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        model: &Model,
        revision: u64,
    ) -> (Vec<Command>, egui::Response) {
        let mut commands = Vec::new();
        self.cache.refresh(model, revision);
        self.selection.retain_existing(model);
        let (canvas, response) =
            ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
        self.canvas = canvas;
        let response = response.on_hover_cursor(egui::CursorIcon::Default);
        let requested = self.fit_pending.take();
        let mut settling = None;
        if let Some((selection_only, size, frames)) = self.fit_settling.take() {
            if size != canvas.size() {
                settling = Some(selection_only);
            }
            if frames > 1 {
                self.fit_settling = Some((selection_only, canvas.size(), frames - 1));
            }
        }
        if let Some(selection_only) = requested {
            self.fit_settling = Some((selection_only, canvas.size(), FIT_SETTLE_FRAMES));
        }
        if let Some(selection_only) = requested.or(settling) {
            // The status bar, drawn before the board, shows the new zoom next frame.
            ui.ctx().request_repaint();
            let bounds = if selection_only {
                self.selection
                    .elements
                    .iter()
                    .filter_map(|id| self.cache.index.get(id).map(|i| self.cache.elements[*i].1))
                    .fold(Rect::NOTHING, |a, r| a.union(r))
            } else {
                self.cache.bounds
            };
            if bounds.is_positive() {
                let max_zoom = if selection_only { 2.0 } else { 1.2 };
                self.view.fit(canvas, bounds, max_zoom);
                self.fit_clear_of_minimap(canvas, bounds, max_zoom);
            } else if !selection_only {
                // An empty board starts at 100% with its origin in the middle.
                self.view.zoom = 1.0;
                self.view.pan = canvas.size() / 2.0;
            }
        }
        if let Some(id) = self.center_on.take()
            && let Some(i) = self.cache.index.get(&id)
        {
            let rect = self.cache.elements[*i].1;
            // Close enough to read it, no closer: the rest stays in view.
            if self.view.zoom < 0.35 {
                self.view.zoom = 0.6;
            }
            self.view.center_on(canvas, rect.center());
        }
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

        let to_board = self.view.board_from_screen(canvas);
        // A gesture starts.
        if response.drag_started() {
            let origin = ui
                .input(|i| i.pointer.press_origin())
                .unwrap_or(canvas.center());
            let middle = ui.input(|i| i.pointer.button_down(PointerButton::Middle));
            self.drag = Some(if middle || space {
                Drag::Pan
            } else {
                match self.hit(model, origin, read_only.is_none()) {
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
                        let ids = self.moving_set(model);
                        Drag::Move {
                            ids,
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
            match self.drag.take() {
                Some(Drag::Move { ids, delta }) => {
                    let (dx, dy) = self.snapped_delta(model, &ids, delta, shift);
                    if dx != 0 || dy != 0 {
                        if let Some(reason) = &read_only {
                            self.toast_at(ui.ctx(), reason.clone(), None, true);
                        } else {
                            commands.push(Command::MoveBy { ids, dx, dy });
                        }
                    }
                }
                Some(Drag::Connect { from, pointer }) => match self.hit(model, pointer, false) {
                    Hit::Element(to) if to != from => {
                        let kinds = (
                            model.element(&from).map(|e| e.kind),
                            model.element(&to).map(|e| e.kind),
                        );
                        if let (Some(a), Some(b)) = kinds
                            && let Err(reason) = infer_flow(a, b)
                        {
                            self.toast_at(ui.ctx(), reason, Some(pointer), true);
                        } else {
                            commands.push(Command::Connect { from, to });
                        }
                    }
                    _ => {}
                },
                Some(Drag::Rubber {
                    start,
                    pointer,
                    additive,
                }) => {
                    let band = Rect::from_two_pos(start, pointer);
                    let to_screen = self.view.screen_from_board(canvas);
                    if !additive {
                        self.selection.clear();
                    }
                    for (id, rect, kind) in &self.cache.elements {
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
                }
                Some(Drag::Pan) | None => {}
            }
        }
        // Clicks: a message dot first, then what is under the pointer.
        if response.clicked()
            && let Some(at) = response.interact_pointer_pos()
            && let Some(message) = self.dot_at(at)
        {
            commands.push(Command::SelectMessage(message));
        } else if response.clicked()
            && let Some(at) = response.interact_pointer_pos()
        {
            match self.hit(model, at, false) {
                Hit::Element(id) => {
                    if shift {
                        if !self.selection.elements.remove(&id) {
                            self.selection.elements.insert(id);
                        }
                        self.selection.flow = None;
                    } else {
                        self.selection.only(id);
                    }
                }
                Hit::Flow(key) => {
                    self.selection.clear();
                    self.selection.flow = Some(key);
                }
                Hit::Handle(id) => self.selection.only(id),
                Hit::Empty => {
                    if !shift {
                        self.selection.clear();
                    }
                }
            }
        }
        if response.double_clicked()
            && let Some(at) = response.interact_pointer_pos()
        {
            match self.hit(model, at, false) {
                Hit::Element(id) => {
                    if let Some(element) = model.element(&id) {
                        if let Some(reason) = &read_only {
                            self.toast_at(ui.ctx(), reason.clone(), Some(at), true);
                        } else {
                            let name = element.name.clone();
                            self.selection.only(id.clone());
                            self.start_editing(id, &name, false);
                        }
                    }
                }
                Hit::Empty => {
                    if let Some(reason) = &read_only {
                        self.toast_at(ui.ctx(), reason.clone(), Some(at), true);
                    } else {
                        let board = to_board.mul_pos(at);
                        let (w, h) = self.current_kind.default_size();
                        commands.push(Command::Create {
                            kind: self.current_kind,
                            pivotal: self.current_pivotal,
                            at: self.snap_pos(Pos {
                                x: (board.x - w as f32 / 2.0) as i32,
                                y: (board.y - h as f32 / 2.0) as i32,
                            }),
                        });
                    }
                }
                _ => {}
            }
        }
        if response.secondary_clicked()
            && let Some(at) = response.interact_pointer_pos()
        {
            let hit = self.hit(model, at, false);
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
        // A sticky dropped from the palette.
        if let Some((kind, pivotal)) = self.palette_drag
            && !ui.input(|i| i.pointer.any_down())
        {
            self.palette_drag = None;
            if let Some(at) = ui.input(|i| i.pointer.latest_pos())
                && canvas.contains(at)
            {
                let board = to_board.mul_pos(at);
                let (w, h) = kind.default_size();
                commands.push(Command::Create {
                    kind,
                    pivotal,
                    at: self.snap_pos(Pos {
                        x: (board.x - w as f32 / 2.0) as i32,
                        y: (board.y - h as f32 / 2.0) as i32,
                    }),
                });
            }
        }

        let hovered = pointer
            .filter(|_| self.drag.is_none())
            .map(|p| self.hit(model, p, read_only.is_none()));
        self.paint(ui, model, canvas, hovered.as_ref());
        self.accessible_stickies(ui, model, canvas);
        // The minimap only where there is room to spare.
        if self.minimap_frame(canvas).is_some() {
            self.minimap_ui(ui, canvas);
        }
        commands.extend(self.editor_ui(ui, model));
        self.toast_ui(ui);
        (commands, response)
    }

    fn dot_pos(&self, dot: &Dot, screen_rect: &dyn Fn(usize) -> Rect) -> Option<Pos2> {
        let (a, b) = (
            self.cache.index.get(&dot.from)?,
            self.cache.index.get(&dot.to)?,
        );
        let (ra, rb) = (screen_rect(*a), screen_rect(*b));
        let start = draw::border_point(ra, rb.center());
        let end = draw::border_point(rb, ra.center());
        Some(start + (end - start) * dot.progress.clamp(0.0, 1.0))
    }

    /// The message of the dot under `screen`, if any.
    fn dot_at(&self, screen: Pos2) -> Option<u64> {
        let to_screen = self.view.screen_from_board(self.canvas);
        let screen_rect = |i: usize| to_screen.mul_rect(self.cache.elements[i].1);
        self.overlay
            .dots
            .iter()
            .filter_map(|dot| {
                self.dot_pos(dot, &screen_rect)
                    .map(|p| (p.distance(screen), dot.message))
            })
            .filter(|(d, _)| *d <= 7.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, message)| message)
    }

    /// The context menu's target from the last right-click, taken once.
    pub fn take_context_target(&mut self) -> Option<Hit> {
        self.context_target.take()
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

    fn snapped_delta(
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

    fn paint(&self, ui: &egui::Ui, model: &Model, canvas: Rect, hovered: Option<&Hit>) {
        let painter = ui.painter_at(canvas);
        let dark = ui.visuals().dark_mode;
        painter.rect_filled(
            canvas,
            0,
            if dark {
                Color32::from_gray(22)
            } else {
                Color32::from_gray(246)
            },
        );
        let to_screen = self.view.screen_from_board(canvas);
        paint_grid(&painter, canvas, &self.view, dark);
        if model.element_count() == 0 && self.overlay.read_only.is_none() {
            let kind = if self.current_pivotal {
                "pivotal event"
            } else {
                self.current_kind.label()
            };
            painter.text(
                canvas.center(),
                egui::Align2::CENTER_CENTER,
                format!(
                    "Double-click to add a sticky ({kind}) and type its name: Enter confirms, \
                     Tab adds the next one to the right.\nPick another kind in the palette \
                     or with its number key. F1 lists every shortcut."
                ),
                FontId::proportional(15.0),
                ui.visuals().weak_text_color(),
            );
        }
        let zoom = self.view.zoom;
        let moving: BTreeSet<&ElementId> = match &self.drag {
            Some(Drag::Move { ids, .. }) => ids.iter().collect(),
            _ => BTreeSet::new(),
        };
        let move_delta = match &self.drag {
            Some(Drag::Move { delta, .. }) => {
                let (dx, dy) = self.snapped_delta(
                    model,
                    &moving.iter().map(|i| (*i).clone()).collect::<Vec<_>>(),
                    *delta,
                    ui.input(|i| i.modifiers.shift),
                );
                vec2(dx as f32, dy as f32)
            }
            _ => Vec2::ZERO,
        };
        let screen_rect = |i: usize| {
            let (id, rect, _) = &self.cache.elements[i];
            let rect = if moving.contains(id) {
                rect.translate(move_delta)
            } else {
                *rect
            };
            to_screen.mul_rect(rect)
        };
        let frames = self
            .cache
            .elements
            .iter()
            .take_while(|(_, _, k)| k.is_frame())
            .count();
        let hovered_id = match hovered {
            Some(Hit::Element(id)) | Some(Hit::Handle(id)) => Some(id),
            _ => None,
        };
        let emphasis = |id: &ElementId| draw::Emphasis {
            selected: self.selection.elements.contains(id),
            hovered: hovered_id == Some(id),
            highlighted: self.overlay.highlight.contains(id),
            problems: self.problem_counts.get(id).copied().unwrap_or((0, 0)),
            show_pattern: model.level != stormflow_core::model::Level::BigPicture,
        };
        for i in 0..frames {
            let rect = screen_rect(i);
            if ui.is_rect_visible(rect)
                && let Some(element) = model.element(&self.cache.elements[i].0)
            {
                draw::element(&painter, element, rect, zoom, emphasis(&element.id), dark);
            }
        }
        let show_labels = zoom >= 0.55;
        let label_font = FontId::proportional((10.0 * zoom).clamp(8.0, 13.0));
        // Far out, arrows become thin lines in one mesh (level of detail).
        let lod = zoom < draw::TEXT_MIN_ZOOM;
        let mut lines = egui::Mesh::default();
        let line_color = if dark {
            Color32::from_gray(110)
        } else {
            Color32::from_gray(150)
        };
        for (a, b, key) in &self.cache.flows {
            let (ra, rb) = (screen_rect(*a), screen_rect(*b));
            if !ui.is_rect_visible(ra.union(rb)) {
                continue;
            }
            let selected = self.selection.flow.as_ref() == Some(key);
            let highlighted = selected
                || self
                    .overlay
                    .highlight_flows
                    .contains(&(key.from.clone(), key.to.clone()));
            if lod && !highlighted {
                mesh_line(&mut lines, ra.center(), rb.center(), line_color);
                continue;
            }
            let (mid, length) = draw::flow(&painter, ra, rb, key.kind, zoom, dark, highlighted);
            if show_labels {
                let color = if dark {
                    Color32::from_gray(180)
                } else {
                    Color32::from_gray(80)
                };
                let galley =
                    painter.layout_no_wrap(key.kind.label().to_string(), label_font.clone(), color);
                let r = Rect::from_center_size(mid, galley.size() + vec2(6.0, 2.0));
                // Between stickies too close for it, a label would cover them.
                if r.width() + 8.0 > length {
                    continue;
                }
                painter.rect_filled(
                    r,
                    3,
                    if dark {
                        Color32::from_gray(30)
                    } else {
                        Color32::from_gray(250)
                    },
                );
                painter.galley(r.min + vec2(3.0, 1.0), galley, color);
            }
        }
        painter.add(egui::Shape::mesh(lines));
        // Far out, plain stickies become coloured blocks in one mesh.
        let mut blocks = egui::Mesh::default();
        for i in frames..self.cache.elements.len() {
            let rect = screen_rect(i);
            if !ui.is_rect_visible(rect) {
                continue;
            }
            let id = &self.cache.elements[i].0;
            if lod
                && !self.selection.elements.contains(id)
                && !self.overlay.highlight.contains(id)
                && !self.overlay.badges.contains_key(id)
                && hovered_id != Some(id)
            {
                blocks.add_colored_rect(rect, self.cache.colors[i]);
                continue;
            }
            let Some(element) = model.element(id) else {
                continue;
            };
            draw::element(&painter, element, rect, zoom, emphasis(&element.id), dark);
            if let Some(badges) = self.overlay.badges.get(&element.id) {
                draw::badges(&painter, rect, zoom, badges);
            }
        }
        painter.add(egui::Shape::mesh(blocks));
        for dot in &self.overlay.dots {
            if let Some(at) = self.dot_pos(dot, &screen_rect)
                && canvas.contains(at)
            {
                painter.circle(
                    at,
                    (4.0 * zoom).clamp(2.5, 6.0),
                    dot.color,
                    Stroke::new(1.0, Color32::from_black_alpha(120)),
                );
            }
        }
        // The handle to connect from, on the sticky under the pointer.
        if self.overlay.read_only.is_none()
            && zoom >= 0.25
            && let Some(id) = hovered_id
            && let Some(i) = self.cache.index.get(id)
            && !self.cache.elements[*i].2.is_annotation()
        {
            let r = screen_rect(*i);
            let active = matches!(hovered, Some(Hit::Handle(_)));
            painter.circle(
                handle_pos(r),
                if active { 7.0 } else { 5.5 },
                Color32::from_rgb(0x1E, 0x88, 0xE5),
                Stroke::new(1.5, Color32::WHITE),
            );
        }
        match &self.drag {
            Some(Drag::Connect { from, pointer }) => {
                if let Some(i) = self.cache.index.get(from) {
                    let start = handle_pos(screen_rect(*i));
                    let target = match self.hit(model, *pointer, false) {
                        Hit::Element(to) if &to != from => model.element(&to).map(|e| e.kind),
                        _ => None,
                    };
                    let from_kind = self.cache.elements[*i].2;
                    let (color, label) = match target.map(|to| infer_flow(from_kind, to)) {
                        Some(Ok(kind)) => (
                            Color32::from_rgb(0x2E, 0x7D, 0x32),
                            Some(kind.label().to_string()),
                        ),
                        Some(Err(reason)) => (Color32::from_rgb(0xC6, 0x28, 0x28), Some(reason)),
                        None => (Color32::from_rgb(0x1E, 0x88, 0xE5), None),
                    };
                    painter.line_segment([start, *pointer], Stroke::new(2.0, color));
                    painter.circle_filled(*pointer, 4.0, color);
                    if let Some(label) = label {
                        tip(&painter, *pointer + vec2(14.0, 14.0), &label, color, dark);
                    }
                }
            }
            Some(Drag::Rubber { start, pointer, .. }) => {
                let band = Rect::from_two_pos(*start, *pointer);
                painter.rect(
                    band,
                    0,
                    Color32::from_rgba_unmultiplied(0x1E, 0x88, 0xE5, 30),
                    Stroke::new(1.0, Color32::from_rgb(0x1E, 0x88, 0xE5)),
                    StrokeKind::Inside,
                );
            }
            _ => {}
        }
        if let Some((kind, _)) = self.palette_drag
            && let Some(at) = ui.input(|i| i.pointer.latest_pos())
            && canvas.contains(at)
        {
            let (w, h) = kind.default_size();
            let r = Rect::from_center_size(at, vec2(w as f32, h as f32) * zoom);
            painter.rect_filled(
                r,
                4,
                draw::legend_color(kind.legend_rgb()).gamma_multiply(0.6),
            );
        }
    }

    /// Gives each visible sticky an accessible name, so screen readers and
    /// tests find it by its text. (Hover-only: the canvas handles the clicks.)
    fn accessible_stickies(&self, ui: &egui::Ui, model: &Model, canvas: Rect) {
        if self.view.zoom < draw::TEXT_MIN_ZOOM {
            return;
        }
        let to_screen = self.view.screen_from_board(canvas);
        let base = ui.make_persistent_id("sticky");
        let mut given = 0;
        for (id, rect, kind) in &self.cache.elements {
            let r = to_screen.mul_rect(*rect).intersect(canvas);
            if !r.is_positive() || !ui.is_rect_visible(r) {
                continue;
            }
            let Some(element) = model.element(id) else {
                continue;
            };
            let label = if element.name.trim().is_empty() {
                format!("unnamed {}", kind.label())
            } else {
                element.name.clone()
            };
            let selected = self.selection.elements.contains(id);
            let response = ui.interact(r, base.with(id.as_str()), Sense::hover());
            response.widget_info(|| {
                egui::WidgetInfo::selected(egui::Role::Button, true, selected, &label)
            });
            given += 1;
            if given >= MAX_ACCESSIBLE {
                break;
            }
        }
    }

    fn editor_ui(&mut self, ui: &mut egui::Ui, model: &Model) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(editing) = &mut self.editing else {
            return commands;
        };
        let Some(i) = self.cache.index.get(&editing.id) else {
            self.editing = None;
            return commands;
        };
        let rect = self
            .view
            .screen_from_board(self.canvas)
            .mul_rect(self.cache.elements[*i].1);
        let (enter, tab, escape) = ui.input_mut(|input| {
            (
                input.consume_key(Modifiers::NONE, Key::Enter),
                input.consume_key(Modifiers::NONE, Key::Tab),
                input.consume_key(Modifiers::NONE, Key::Escape),
            )
        });
        let font = FontId::proportional((14.0 * self.view.zoom).clamp(12.0, 28.0));
        let width = rect.width().max(140.0);
        let area = egui::Area::new(ui.make_persistent_id("sticky-name-editor"))
            .order(egui::Order::Foreground)
            .fixed_pos(rect.min + vec2(0.0, (rect.height() / 2.0 - 14.0).max(0.0)))
            .show(ui.ctx(), |ui| {
                ui.set_width(width);
                ui.add(
                    egui::TextEdit::singleline(&mut editing.text)
                        // Tab must reach the board (next sticky), not move focus.
                        .lock_focus(true)
                        .font(font)
                        .desired_width(width)
                        .hint_text("Name, then Enter (Tab: next)"),
                )
            });
        let response = area.inner;
        if editing.focus_pending {
            response.request_focus();
            editing.focus_pending = false;
        }
        let id = editing.id.clone();
        let name = editing.text.trim().to_string();
        let is_new = editing.is_new;
        let original = model
            .element(&id)
            .map(|e| e.name.clone())
            .unwrap_or_default();
        let clicked_away = response.lost_focus() && !enter && !tab && !escape;
        if escape {
            if is_new {
                commands.push(Command::CancelCreate(id));
            }
            self.editing = None;
        } else if enter || tab || clicked_away {
            let cancelled = is_new && name.is_empty();
            if cancelled {
                commands.push(Command::CancelCreate(id.clone()));
            } else if name != original {
                commands.push(Command::SetName {
                    id: id.clone(),
                    name,
                });
            }
            self.editing = None;
            if tab && !cancelled {
                commands.push(Command::CreateNextTo(id));
            }
        }
        commands
    }

    fn toast_ui(&mut self, ui: &egui::Ui) {
        let Some(toast) = &self.toast else { return };
        let now = ui.input(|i| i.time);
        if now > toast.until {
            self.toast = None;
            return;
        }
        let dark = ui.visuals().dark_mode;
        let color = if toast.error {
            Color32::from_rgb(0xC6, 0x28, 0x28)
        } else {
            Color32::from_rgb(0x2E, 0x7D, 0x32)
        };
        let painter = ui.ctx().layer_painter(egui::LayerId::new(
            egui::Order::Tooltip,
            egui::Id::unique("stormflow-toast"),
        ));
        tip(
            &painter,
            toast.at + vec2(14.0, 14.0),
            &toast.text,
            color,
            dark,
        );
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(200));
    }

    /// Where the minimap sits in `canvas`, if it is shown there.
    fn minimap_frame(&self, canvas: Rect) -> Option<Rect> {
        let size = vec2(200.0, 130.0);
        let frame = Rect::from_min_size(canvas.max - size - vec2(12.0, 12.0), size);
        (self.minimap
            && canvas.height() >= 420.0
            && canvas.width() >= 520.0
            && canvas.contains_rect(frame))
        .then_some(frame)
    }

    /// After a fit, if a sticky lies under the minimap, fits again beside
    /// or above it, whichever leaves the board bigger.
    fn fit_clear_of_minimap(&mut self, canvas: Rect, bounds: Rect, max_zoom: f32) {
        let Some(frame) = self.minimap_frame(canvas) else {
            return;
        };
        let to_screen = self.view.screen_from_board(canvas);
        let covered = self
            .cache
            .elements
            .iter()
            .any(|(_, rect, _)| to_screen.mul_rect(*rect).intersects(frame.expand(6.0)));
        if !covered {
            return;
        }
        let beside = Rect::from_min_max(canvas.min, pos2(frame.left() - 6.0, canvas.max.y));
        let above = Rect::from_min_max(canvas.min, pos2(canvas.max.x, frame.top() - 6.0));
        let mut best = self.view;
        best.zoom = 0.0;
        for area in [beside, above] {
            let mut view = self.view;
            view.fit(area, bounds, max_zoom);
            if view.zoom > best.zoom {
                best = view;
            }
        }
        if best.zoom > 0.0 {
            self.view = best;
        }
    }

    fn minimap_ui(&mut self, ui: &egui::Ui, canvas: Rect) {
        let bounds = self.cache.bounds;
        if !bounds.is_positive() {
            return;
        }
        let Some(frame) = self.minimap_frame(canvas) else {
            return;
        };
        let dark = ui.visuals().dark_mode;
        let painter = ui.painter_at(frame);
        painter.rect(
            frame,
            CornerRadius::same(4),
            if dark {
                Color32::from_black_alpha(170)
            } else {
                Color32::from_white_alpha(220)
            },
            Stroke::new(1.0, Color32::from_gray(120)),
            StrokeKind::Inside,
        );
        let visible = self.visible_board_rect();
        let world = bounds.union(visible).expand(40.0);
        let scale = (frame.width() / world.width()).min(frame.height() / world.height());
        let offset = frame.center() - world.center().to_vec2() * scale;
        let map = |r: Rect| {
            Rect::from_min_max(
                offset + r.min.to_vec2() * scale,
                offset + r.max.to_vec2() * scale,
            )
        };
        let mut mesh = egui::Mesh::default();
        for (i, (_, rect, kind)) in self.cache.elements.iter().enumerate() {
            let color = self.cache.colors[i];
            let color = if kind.is_frame() {
                color.gamma_multiply(0.35)
            } else {
                color
            };
            mesh.add_colored_rect(map(*rect), color);
        }
        painter.add(egui::Shape::mesh(mesh));
        painter.rect_stroke(
            map(visible),
            0,
            Stroke::new(1.5, Color32::from_rgb(0x1E, 0x88, 0xE5)),
            StrokeKind::Inside,
        );
        let response = ui.interact(
            frame,
            ui.make_persistent_id("minimap"),
            Sense::click_and_drag(),
        );
        if (response.clicked() || response.dragged())
            && let Some(at) = response.interact_pointer_pos()
        {
            let board = (at - offset) / scale;
            self.view.center_on(canvas, board.to_pos2());
        }
    }
}

/// Adds a thin, unsmoothed line to a mesh (the far-out arrows).
fn mesh_line(mesh: &mut egui::Mesh, a: Pos2, b: Pos2, color: Color32) {
    let d = b - a;
    let length = d.length();
    if length < 0.5 {
        return;
    }
    let n = vec2(-d.y, d.x) / length * 0.5;
    let base = mesh.vertices.len() as u32;
    for p in [a + n, a - n, b - n, b + n] {
        mesh.colored_vertex(p, color);
    }
    mesh.add_triangle(base, base + 1, base + 2);
    mesh.add_triangle(base, base + 2, base + 3);
}

/// Where a sticky's connection handle sits: the middle of its right edge.
fn handle_pos(rect: Rect) -> Pos2 {
    pos2(rect.right(), rect.center().y)
}

fn distance_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let t = if ab.length_sq() < 1e-6 {
        0.0
    } else {
        ((p - a).dot(ab) / ab.length_sq()).clamp(0.0, 1.0)
    };
    p.distance(a + ab * t)
}

/// A small label with a background, for hints at the pointer.
fn tip(painter: &egui::Painter, at: Pos2, text: &str, color: Color32, dark: bool) {
    let galley = painter.layout(
        text.to_string(),
        FontId::proportional(13.0),
        Color32::WHITE,
        360.0,
    );
    let rect = Rect::from_min_size(at, galley.size() + vec2(12.0, 8.0));
    let _ = dark;
    painter.rect(
        rect,
        4,
        color,
        Stroke::new(1.0, Color32::from_black_alpha(60)),
        StrokeKind::Inside,
    );
    painter.galley(rect.min + vec2(6.0, 4.0), galley, Color32::WHITE);
}

/// A dot grid every [`GRID`] board units, thinned out when zoomed far out.
pub fn paint_grid(painter: &egui::Painter, canvas: Rect, view: &BoardView, dark: bool) {
    let mut step = GRID * 2.0 * view.zoom;
    while step < 16.0 {
        step *= 2.0;
    }
    let color = if dark {
        Color32::from_gray(52)
    } else {
        Color32::from_gray(208)
    };
    let origin = canvas.min + view.pan;
    let first_x = origin.x - ((origin.x - canvas.left()) / step).floor() * step;
    let first_y = origin.y - ((origin.y - canvas.top()) / step).floor() * step;
    let mut mesh = egui::Mesh::default();
    let mut x = first_x;
    while x < canvas.right() {
        let mut y = first_y;
        while y < canvas.bottom() {
            mesh.add_colored_rect(Rect::from_center_size(pos2(x, y), vec2(1.5, 1.5)), color);
            y += step;
        }
        x += step;
    }
    painter.add(egui::Shape::mesh(mesh));
}

/// The flow kind a new connection between two kinds gets (for the UI's preview).
pub fn preview_flow(from: ElementKind, to: ElementKind) -> Result<FlowKind, String> {
    infer_flow(from, to)
}
