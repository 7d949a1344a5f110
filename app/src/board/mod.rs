//! The board: an infinite canvas showing the model's stickies and arrows.
//!
//! The model knows only board coordinates. Pan, zoom, selection, the gesture
//! in progress and the name being typed are view state ([`BoardState`]) and
//! never reach the file. The board does not change the model: it returns
//! [`Command`]s, which the app applies in one place.
//!
//! Where things are:
//! - [`view`]: the camera (pan and zoom, `screen_from_board`, fitting a board).
//! - `scene`: the model as the board sees it, once per revision: rectangles
//!   in drawing order, frames, the routes of the arrows.
//! - `hit`: what is under the pointer ([`Hit`]).
//! - `gesture`: drags, clicks and double-clicks, turned into commands.
//! - `paint`: one frame of the board, back to front; [`draw`], [`arrows`]
//!   and [`badges`] draw one sticky, one arrow, one sticky's run badges.
//! - `minimap`: the overview in a corner; `editor`: the in-place name
//!   editor ([`Editing`]); `toast`: short messages at the pointer.
//!
//! How things look (colours, sizes, the legible floor of text, where a
//! badge or a title goes, arrow routes) comes from `stormflow_core::style`,
//! `placement` and `route`, which the SVG export reads too.

pub mod arrows;
pub mod badges;
pub mod draw;
mod editor;
mod gesture;
mod hit;
mod minimap;
mod paint;
mod scene;
mod toast;
pub mod view;

use std::collections::{BTreeMap, BTreeSet};

use egui::{Color32, Pos2, Rect, Sense, Vec2, vec2};
use stormflow_core::model::{ElementId, ElementKind, FlowKey, FlowKind, Model, Pos, infer_flow};

pub use editor::Editing;
pub use hit::Hit;
pub use minimap::{Corner, Fold};
pub use paint::paint_grid;
pub use stormflow_core::style::Badges;
pub use view::{BoardView, GRID, MAX_ZOOM, MIN_ZOOM, element_rect, model_bounds};

use crate::command::Command;
use gesture::Drag;
use scene::Scene;
use toast::Toast;

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
    /// The last fit of the whole board: the view it left and the canvas
    /// size it was for. While the view stays as the fit left it, the board
    /// is fitted again whenever the canvas changes size (the run dock
    /// settling, a banner, the window resized); a pan or zoom ends it.
    fitted: Option<(BoardView, Vec2)>,
    center_on: Option<ElementId>,
    drag: Option<Drag>,
    toast: Option<Toast>,
    scene: Scene,
    canvas: Rect,
    context_target: Option<Hit>,
    /// Where each frame's title was drawn last frame (screen), for clicks.
    title_rects: Vec<Rect>,
    /// The corner the minimap is in.
    pub minimap_corner: Corner,
    /// Whether the minimap is open, folded, or up to the board.
    pub minimap_fold: Fold,
    minimap_shown: Option<Rect>,
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
            fitted: None,
            center_on: None,
            drag: None,
            toast: None,
            scene: Scene::default(),
            canvas: Rect::from_min_size(Pos2::ZERO, vec2(800.0, 600.0)),
            context_target: None,
            title_rects: Vec::new(),
            minimap_corner: Corner::default(),
            minimap_fold: Fold::default(),
            minimap_shown: None,
            palette_drag: None,
        }
    }
}

impl BoardState {
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

    /// The route an arrow is drawn along, on screen (as of the last frame's
    /// view), from its start to its head.
    pub fn arrow_path(&self, key: &FlowKey) -> Option<Vec<Pos2>> {
        let to_screen = self.view.screen_from_board(self.canvas);
        let flow = self.scene.flows.iter().find(|f| &f.key == key)?;
        Some(flow.path.iter().map(|p| to_screen.mul_pos(*p)).collect())
    }

    /// The context menu's target from the last right-click, taken once.
    pub fn take_context_target(&mut self) -> Option<Hit> {
        self.context_target.take()
    }

    /// Draws the board and handles its gestures; returns the commands they
    /// mean and the canvas' response (for its context menu).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        model: &Model,
        revision: u64,
    ) -> (Vec<Command>, egui::Response) {
        self.scene.refresh(model, revision);
        self.selection.retain_existing(model);
        let (canvas, response) =
            ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
        self.canvas = canvas;
        let response = response.on_hover_cursor(egui::CursorIcon::Default);
        self.camera_ui(ui, canvas);
        let mut commands = self.gestures_ui(ui, model, canvas, &response);
        let pointer = response.hover_pos().or(response.interact_pointer_pos());
        let hovered = pointer
            .filter(|_| self.drag.is_none())
            .map(|p| self.hit(p, self.overlay.read_only.is_none()));
        self.title_rects = self.paint(ui, model, canvas, hovered.as_ref());
        self.accessible_stickies(ui, model, canvas);
        self.minimap_ui(ui, canvas);
        commands.extend(self.editor_ui(ui, model));
        self.toast_ui(ui);
        (commands, response)
    }
}

/// The flow kind a new connection between two kinds gets (for the UI's preview).
pub fn preview_flow(from: ElementKind, to: ElementKind) -> Result<FlowKind, String> {
    infer_flow(from, to)
}
