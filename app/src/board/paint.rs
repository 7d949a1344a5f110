//! Painting one frame of the board, back to front: the background and its
//! dot grid, the phase lines of pivotal events, frames, arrows, stickies,
//! the run's badges and message dots, frame titles, and what a gesture in
//! progress shows. Off-screen shapes are culled; far out, stickies and
//! arrows become plain blocks and lines in one mesh each (level of detail).

use std::collections::BTreeSet;

use egui::{Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Vec2, pos2, vec2};
use stormflow_core::model::{ElementId, Model, infer_flow};
use stormflow_core::placement;
use stormflow_core::style::{self, Point};

use super::draw::{self, StickyLayout, TEXT_MIN_ZOOM, board_rect, color, egui_rect};
use super::gesture::Drag;
use super::hit::handle_pos;
use super::scene::Scene;
use super::toast::tip;
use super::view::{BoardView, GRID};
use super::{BoardState, Hit, arrows, badges};
use crate::theme;

/// Most stickies given their own accessible widget in one frame.
const MAX_ACCESSIBLE: usize = 1_500;
/// Zoom from which arrows carry their kind label.
const LABEL_MIN_ZOOM: f32 = 0.55;
/// Most pivotal phase lines drawn dashed; past it they are drawn solid.
const MAX_DASHED_PHASE_LINES: usize = 40;
/// Smallest side of a level-of-detail block on screen, so that a sticky
/// never vanishes however far out the board is zoomed.
const MIN_BLOCK_PX: f32 = 1.5;

impl BoardState {
    /// Paints the board; returns where each frame's title went (screen,
    /// indexed like the scene's frames) for hit-testing.
    pub(super) fn paint(
        &self,
        ui: &egui::Ui,
        model: &Model,
        canvas: Rect,
        hovered: Option<&Hit>,
    ) -> Vec<Rect> {
        let painter = ui.painter_at(canvas);
        let dark = ui.visuals().dark_mode;
        painter.rect_filled(canvas, 0, color(style::background_rgb(dark)));
        paint_grid(&painter, canvas, &self.view, dark);
        if model.element_count() == 0 && self.overlay.read_only.is_none() {
            self.empty_hint(ui, &painter, canvas);
        }
        let scene = &self.scene;
        let zoom = self.view.zoom;
        let to_screen = self.view.screen_from_board(canvas);
        let (moving, move_delta) = self.moving(ui, model);
        let board_rect_of = |i: usize| {
            let (id, rect, _) = &scene.elements[i];
            if moving.contains(id) {
                rect.translate(move_delta)
            } else {
                *rect
            }
        };
        let screen_rect = |i: usize| to_screen.mul_rect(board_rect_of(i));
        let hovered_id = match hovered {
            Some(Hit::Element(id)) | Some(Hit::Handle(id)) => Some(id),
            _ => None,
        };
        let show_pattern = style::shows_patterns(model);
        let emphasis = |id: &ElementId| draw::Emphasis {
            selected: self.selection.elements.contains(id),
            hovered: hovered_id == Some(id),
            highlighted: self.overlay.highlight.contains(id),
            problems: self.problem_counts.get(id).copied().unwrap_or((0, 0)),
            show_pattern,
        };
        let lod = zoom < TEXT_MIN_ZOOM;
        // Lay out the stickies drawn in full first: arrows end at them as drawn.
        let mut layouts: Vec<Option<StickyLayout>> = vec![None; scene.elements.len()];
        let mut blocks: Vec<usize> = Vec::new();
        for (i, layout) in layouts.iter_mut().enumerate().skip(scene.frames) {
            let rect = screen_rect(i);
            if !ui.is_rect_visible(rect.expand(6.0)) {
                continue;
            }
            let id = &scene.elements[i].0;
            let full = !lod
                || self.selection.elements.contains(id)
                || self.overlay.highlight.contains(id)
                || self.overlay.badges.contains_key(id)
                || hovered_id == Some(id);
            match model.element(id) {
                Some(element) if full => {
                    *layout = Some(draw::sticky_layout(
                        &painter,
                        element,
                        rect,
                        zoom,
                        show_pattern,
                    ));
                }
                _ => blocks.push(i),
            }
        }
        self.phase_lines(&painter, canvas, &screen_rect);
        for i in 0..scene.frames {
            let rect = screen_rect(i);
            if ui.is_rect_visible(rect)
                && let Some(element) = model.element(&scene.elements[i].0)
            {
                let selected = self.selection.elements.contains(&element.id);
                draw::frame_body(&painter, element, rect, selected, dark);
            }
        }
        self.paint_arrows(ui, &painter, &layouts, &moving, &board_rect_of, dark);
        // Far out, plain stickies become coloured blocks in one mesh.
        let mut mesh = egui::Mesh::default();
        let pivotal = color(style::PIVOTAL_BAR_RGB);
        for i in blocks {
            let r = screen_rect(i);
            let r = Rect::from_center_size(r.center(), r.size().max(Vec2::splat(MIN_BLOCK_PX)));
            if scene.pivotal[i] {
                mesh.add_colored_rect(r.expand(style::pivotal_outline_px(zoom)), pivotal);
            }
            mesh.add_colored_rect(r, scene.colors[i]);
            if scene.pivotal[i] {
                let bar = style::pivotal_bar_px(zoom, r.width());
                mesh.add_colored_rect(
                    Rect::from_min_max(pos2(r.right() - bar, r.top()), r.max),
                    pivotal,
                );
            }
        }
        painter.add(egui::Shape::mesh(mesh));
        for (i, layout) in layouts.iter().enumerate() {
            if let (Some(layout), Some(element)) = (layout, model.element(&scene.elements[i].0)) {
                draw::sticky(&painter, element, layout, zoom, emphasis(&element.id), dark);
            }
        }
        self.paint_badges(ui, &painter, model, &layouts, &board_rect_of);
        for dot in &self.overlay.dots {
            if let Some(at) = self.dot_pos(dot)
                && canvas.contains(at)
            {
                painter.circle(
                    at,
                    (4.0 * zoom).clamp(2.5, 6.0),
                    dot.color,
                    Stroke::new(1.0, theme::MESSAGE_DOT_OUTLINE),
                );
            }
        }
        let titles = self.paint_frame_titles(ui, &painter, model, &board_rect_of, dark);
        self.paint_gesture(ui, &painter, canvas, hovered, &screen_rect, dark);
        titles
    }

    /// What a drag moves, and by how much (board units) it is drawn moved.
    fn moving(&self, ui: &egui::Ui, model: &Model) -> (BTreeSet<ElementId>, Vec2) {
        let Some(Drag::Move { ids, delta }) = &self.drag else {
            return (BTreeSet::new(), Vec2::ZERO);
        };
        let (dx, dy) = self.snapped_delta(model, ids, *delta, ui.input(|i| i.modifiers.shift));
        (ids.iter().cloned().collect(), vec2(dx as f32, dy as f32))
    }

    fn empty_hint(&self, ui: &egui::Ui, painter: &egui::Painter, canvas: Rect) {
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

    /// A dashed line through the whole board at each pivotal event: the
    /// tape a workshop puts on the wall between the story's phases.
    fn phase_lines(
        &self,
        painter: &egui::Painter,
        canvas: Rect,
        screen_rect: &dyn Fn(usize) -> Rect,
    ) {
        let bounds = self
            .view
            .screen_from_board(canvas)
            .mul_rect(self.scene.bounds);
        let (top, bottom) = (
            bounds.top().max(canvas.top()),
            bounds.bottom().min(canvas.bottom()),
        );
        if top >= bottom {
            return;
        }
        let xs: Vec<f32> = (self.scene.frames..self.scene.elements.len())
            .filter(|&i| self.scene.pivotal[i])
            .map(|i| screen_rect(i).right())
            .filter(|x| (canvas.left()..=canvas.right()).contains(x))
            .collect();
        let (width, rgba, (dash, gap)) = style::PIVOTAL_LINE;
        let stroke = Stroke::new(width, color(rgba));
        for x in &xs {
            let line = [pos2(*x, top), pos2(*x, bottom)];
            if xs.len() <= MAX_DASHED_PHASE_LINES {
                painter.extend(egui::Shape::dashed_line(&line, stroke, dash, gap));
            } else {
                painter.line_segment(line, stroke);
            }
        }
    }

    fn paint_arrows(
        &self,
        ui: &egui::Ui,
        painter: &egui::Painter,
        layouts: &[Option<StickyLayout>],
        moving: &BTreeSet<ElementId>,
        board_rect_of: &dyn Fn(usize) -> Rect,
        dark: bool,
    ) {
        let scene = &self.scene;
        let zoom = self.view.zoom;
        let to_screen = self.view.screen_from_board(self.canvas);
        // Far out, arrows become thin lines in one mesh (level of detail).
        let lod = zoom < TEXT_MIN_ZOOM;
        let mut lines = egui::Mesh::default();
        let line_color = theme::far_arrow(dark);
        for flow in &scene.flows {
            let dragged = moving.contains(&scene.elements[flow.from].0)
                || moving.contains(&scene.elements[flow.to].0);
            let board_path = if dragged {
                Scene::straight(board_rect_of(flow.from), board_rect_of(flow.to))
            } else {
                flow.path.clone()
            };
            let mut path: Vec<Pos2> = board_path.iter().map(|p| to_screen.mul_pos(*p)).collect();
            let extent = path
                .iter()
                .fold(Rect::NOTHING, |r, p| r.union(Rect::from_pos(*p)));
            if !ui.is_rect_visible(extent.expand(2.0)) {
                continue;
            }
            let key = &flow.key;
            let highlighted = self.selection.flow.as_ref() == Some(key)
                || self
                    .overlay
                    .highlight_flows
                    .contains(&(key.from.clone(), key.to.clone()));
            if lod && !highlighted {
                for pair in path.windows(2) {
                    mesh_line(&mut lines, pair[0], pair[1], line_color);
                }
                continue;
            }
            let drawn = |i: usize| {
                layouts[i]
                    .as_ref()
                    .map_or_else(|| to_screen.mul_rect(board_rect_of(i)), |l| l.rect)
            };
            arrows::clip_ends(&mut path, drawn(flow.from), drawn(flow.to));
            let label = arrows::arrow(painter, &path, key.kind, zoom, dark, highlighted);
            if zoom >= LABEL_MIN_ZOOM
                && let Some((at, room)) = label
            {
                arrows::label(painter, at, room, key.kind, zoom, dark);
            }
        }
        painter.add(egui::Shape::mesh(lines));
    }

    /// The run's badges: marks on each sticky, and its figures where they
    /// stay inside its frame and off the other stickies and figures.
    fn paint_badges(
        &self,
        ui: &egui::Ui,
        painter: &egui::Painter,
        model: &Model,
        layouts: &[Option<StickyLayout>],
        board_rect_of: &dyn Fn(usize) -> Rect,
    ) {
        if self.overlay.badges.is_empty() {
            return;
        }
        let canvas = self.canvas;
        let zoom = self.view.zoom;
        let to_board = self.view.board_from_screen(canvas);
        let to_screen = self.view.screen_from_board(canvas);
        let mut taken = Vec::new();
        for (i, layout) in layouts.iter().enumerate() {
            let Some(layout) = layout else { continue };
            let id = &self.scene.elements[i].0;
            let Some(b) = self.overlay.badges.get(id) else {
                continue;
            };
            let Some(element) = model.element(id) else {
                continue;
            };
            badges::marks(painter, layout.rect, zoom, b);
            let Some(boxes) = badges::layout(painter, layout.rect.width(), zoom, b) else {
                continue;
            };
            let size = boxes.size() / zoom;
            let frame = self.scene.frame_of[i].map(|f| board_rect(board_rect_of(f)));
            let spot = placement::badge_spot(
                &board_rect(to_board.mul_rect(layout.rect)),
                (size.x, size.y),
                style::BADGE_GAP.0 / zoom,
                frame.as_ref(),
                &self.scene.obstacles,
                &taken,
            );
            taken.push(spot);
            let at = to_screen.mul_rect(egui_rect(&spot));
            badges::boxes(painter, boxes, at, b);
            // Tests and screen readers find the figures by their text.
            let response = ui.interact(at, ui.make_persistent_id(("badges", id)), Sense::hover());
            response.widget_info(|| {
                let mut text = b.lines.clone();
                text.extend(b.partitions.iter().map(|(group, _)| format!("lag {group}")));
                egui::WidgetInfo::labeled(
                    egui::Role::Label,
                    true,
                    format!("{} figures: {}", element.name, text.join(", ")),
                )
            });
        }
    }

    /// Frame titles, last: where no sticky covers them, on a background of
    /// their own. Returns where each went.
    fn paint_frame_titles(
        &self,
        ui: &egui::Ui,
        painter: &egui::Painter,
        model: &Model,
        board_rect_of: &dyn Fn(usize) -> Rect,
        dark: bool,
    ) -> Vec<Rect> {
        let zoom = self.view.zoom;
        let mut titles = vec![Rect::NOTHING; self.scene.frames];
        if !draw::shows_frame_titles(zoom) {
            return titles;
        }
        let to_screen = self.view.screen_from_board(self.canvas);
        for (i, title) in titles.iter_mut().enumerate() {
            let rect = board_rect_of(i);
            if !ui.is_rect_visible(to_screen.mul_rect(rect)) {
                continue;
            }
            let Some(element) = model.element(&self.scene.elements[i].0) else {
                continue;
            };
            let galley = draw::frame_title_galley(painter, element, zoom, dark);
            let size = (galley.size() + 2.0 * draw::FRAME_TITLE_PAD) / zoom;
            // The inset keeps a few points on screen however far out.
            let scale = zoom.max(0.6) / zoom;
            let offset = style::FRAME_TITLE_OFFSET;
            let inset = Point::new(offset.x * scale, offset.y * scale);
            let spot = placement::frame_title_spot(
                &board_rect(rect),
                (size.x, size.y),
                inset,
                &self.scene.obstacles,
            );
            *title = to_screen.mul_rect(egui_rect(&spot));
            draw::frame_title(painter, galley, *title, dark);
        }
        titles
    }

    /// The handle under the pointer, the arrow being pulled, the rubber
    /// band, the sticky being dragged in from the palette.
    fn paint_gesture(
        &self,
        ui: &egui::Ui,
        painter: &egui::Painter,
        canvas: Rect,
        hovered: Option<&Hit>,
        screen_rect: &dyn Fn(usize) -> Rect,
        dark: bool,
    ) {
        let zoom = self.view.zoom;
        let hovered_id = match hovered {
            Some(Hit::Element(id)) | Some(Hit::Handle(id)) => Some(id),
            _ => None,
        };
        if self.overlay.read_only.is_none()
            && zoom >= 0.25
            && let Some(id) = hovered_id
            && let Some(i) = self.scene.index.get(id)
            && !self.scene.elements[*i].2.is_annotation()
        {
            let active = matches!(hovered, Some(Hit::Handle(_)));
            painter.circle(
                handle_pos(screen_rect(*i)),
                if active { 7.0 } else { 5.5 },
                theme::SELECTION,
                Stroke::new(1.5, Color32::WHITE),
            );
        }
        match &self.drag {
            Some(Drag::Connect { from, pointer }) => {
                let Some(i) = self.scene.index.get(from) else {
                    return;
                };
                let start = handle_pos(screen_rect(*i));
                let from_kind = self.scene.elements[*i].2;
                let target = match self.hit(*pointer, false) {
                    Hit::Element(to) if &to != from => {
                        self.scene.index.get(&to).map(|j| self.scene.elements[*j].2)
                    }
                    _ => None,
                };
                let (line, label) = match target.map(|to| infer_flow(from_kind, to)) {
                    Some(Ok(kind)) => (theme::ACCEPTED, Some(kind.label().to_string())),
                    Some(Err(reason)) => (theme::REFUSED, Some(reason)),
                    None => (theme::SELECTION, None),
                };
                painter.line_segment([start, *pointer], Stroke::new(2.0, line));
                painter.circle_filled(*pointer, 4.0, line);
                if let Some(label) = label {
                    tip(painter, *pointer + vec2(14.0, 14.0), &label, line, dark);
                }
            }
            Some(Drag::Rubber { start, pointer, .. }) => {
                painter.rect(
                    Rect::from_two_pos(*start, *pointer),
                    0,
                    theme::SELECTION.gamma_multiply(0.12),
                    Stroke::new(1.0, theme::SELECTION),
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
            painter.rect_filled(r, 4, color(kind.legend_rgb()).gamma_multiply(0.6));
        }
    }

    /// Gives each visible sticky an accessible name, so screen readers and
    /// tests find it by its text. (Hover-only: the canvas handles the clicks.)
    pub(super) fn accessible_stickies(&self, ui: &egui::Ui, model: &Model, canvas: Rect) {
        if self.view.zoom < TEXT_MIN_ZOOM {
            return;
        }
        let to_screen = self.view.screen_from_board(canvas);
        let base = ui.make_persistent_id("sticky");
        let mut given = 0;
        for (id, rect, kind) in &self.scene.elements {
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

/// A dot grid every [`GRID`] board units, thinned out when zoomed far out.
pub fn paint_grid(painter: &egui::Painter, canvas: Rect, view: &BoardView, dark: bool) {
    let mut step = GRID * 2.0 * view.zoom;
    if step.is_nan() || step <= 0.0 {
        return;
    }
    while step < 16.0 {
        step *= 2.0;
    }
    let dot = theme::grid_dot(dark);
    let origin = canvas.min + view.pan;
    let first_x = origin.x - ((origin.x - canvas.left()) / step).floor() * step;
    let first_y = origin.y - ((origin.y - canvas.top()) / step).floor() * step;
    let mut mesh = egui::Mesh::default();
    let mut x = first_x;
    while x < canvas.right() {
        let mut y = first_y;
        while y < canvas.bottom() {
            mesh.add_colored_rect(Rect::from_center_size(pos2(x, y), vec2(1.5, 1.5)), dot);
            y += step;
        }
        x += step;
    }
    painter.add(egui::Shape::mesh(mesh));
}
