//! The board, driven through egui_kittest like a user would: pointer and
//! keyboard events in, the model and what is shown out.
//!
//! Over 800 lines on purpose: every test here shares the gesture helpers
//! below (click, drag, type at board coordinates), and the sections
//! (`// ---- ... ----`) are the board's concerns: gestures, editing, and
//! legibility in a room.

use egui::{Event, Key, Modifiers, PointerButton, Pos2, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stormflow_app::app::StormflowApp;
use stormflow_app::files::ScriptedDialogs;
use stormflow_core::model::{Element, ElementId, ElementKind, Flow, FlowKind, Pos};
use stormflow_core::{Model, format};

use crate::harness::{app_with, painted_texts};

const SIZE: [f32; 2] = [1400.0, 900.0];

fn harness(app: StormflowApp) -> Harness<'static, StormflowApp> {
    crate::harness::settled_harness(app, SIZE)
}

/// A Design-level board with stickies far apart, unconnected.
fn loose_board() -> Model {
    let mut model = Model::new("Loose");
    for (id, kind, name, x, y) in [
        ("customer", ElementKind::Actor, "Customer", 0, 0),
        ("place-order", ElementKind::Command, "Place Order", 400, 0),
        ("order-placed", ElementKind::Event, "Order Placed", 800, 0),
        ("ship-order", ElementKind::Command, "Ship Order", 800, 400),
    ] {
        model
            .add_element(Element::new(id, kind, name, Pos { x, y }))
            .expect("fresh id");
    }
    model
}

/// Where a board point is on the screen now.
fn screen(h: &Harness<StormflowApp>, x: f32, y: f32) -> Pos2 {
    let board = &h.state().board;
    board
        .view
        .screen_from_board(board.canvas())
        .mul_pos(Pos2::new(x, y))
}

/// The centre of a sticky on the screen.
fn center_of(h: &Harness<StormflowApp>, id: &str) -> Pos2 {
    let element = h
        .state()
        .doc
        .model()
        .element(&id.into())
        .expect("element exists")
        .clone();
    let size = element.size_or_default();
    screen(
        h,
        element.pos.x as f32 + size.w as f32 / 2.0,
        element.pos.y as f32 + size.h as f32 / 2.0,
    )
}

fn click(h: &mut Harness<StormflowApp>, pos: Pos2, modifiers: Modifiers) {
    h.hover_at(pos);
    h.step();
    for pressed in [true, false] {
        h.event_modifiers(
            Event::PointerButton {
                pos,
                button: PointerButton::Primary,
                pressed,
                modifiers,
            },
            modifiers,
        );
    }
    h.run();
}

/// Two clicks one frame apart (0.25 s, inside egui's double-click window).
fn double_click(h: &mut Harness<StormflowApp>, pos: Pos2) {
    h.hover_at(pos);
    h.step();
    for _ in 0..2 {
        for pressed in [true, false] {
            h.event(Event::PointerButton {
                pos,
                button: PointerButton::Primary,
                pressed,
                modifiers: Modifiers::NONE,
            });
        }
    }
    h.run();
}

fn drag(h: &mut Harness<StormflowApp>, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    for i in 1..=5 {
        h.hover_at(from + (to - from) * (i as f32 / 5.0));
        h.step();
    }
    h.drop_at(to);
    h.run();
}

fn type_text(h: &mut Harness<StormflowApp>, text: &str) {
    h.event(Event::Text(text.to_string()));
    h.step();
}

fn press(h: &mut Harness<StormflowApp>, modifiers: Modifiers, key: Key) {
    h.key_press_modifiers(modifiers, key);
    h.run();
}

#[test]
fn a_sticky_dragged_from_the_palette_is_created_and_named() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let from = h.get_by_label("palette Command").rect().center();
    let to = screen(&h, 400.0, 300.0);
    drag(&mut h, from, to);
    assert!(
        h.state().board.editing.is_some(),
        "typing the name starts at once"
    );
    type_text(&mut h, "Cancel Order");
    press(&mut h, Modifiers::NONE, Key::Enter);
    let model = h.state().doc.model();
    let created = model
        .element(&"cancel-order".into())
        .expect("named from what was typed");
    assert_eq!(created.kind, ElementKind::Command);
    assert_eq!(created.name, "Cancel Order");
    let dropped_at = created.pos;
    assert!(
        (dropped_at.x - 320).abs() <= 20 && (dropped_at.y - 245).abs() <= 20,
        "near the drop: {dropped_at:?}"
    );
    // Creating and naming is one undo step.
    press(&mut h, Modifiers::COMMAND, Key::Z);
    assert!(!h.state().doc.model().contains(&"cancel-order".into()));
}

#[test]
fn double_click_then_tab_adds_a_timeline_of_named_stickies() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let at = screen(&h, 200.0, 600.0);
    double_click(&mut h, at);
    for name in ["Payment Received", "Invoice Sent", "Receipt Mailed"] {
        type_text(&mut h, name);
        press(
            &mut h,
            Modifiers::NONE,
            if name == "Receipt Mailed" {
                Key::Enter
            } else {
                Key::Tab
            },
        );
    }
    let model = h.state().doc.model();
    let xs: Vec<i32> = ["payment-received", "invoice-sent", "receipt-mailed"]
        .iter()
        .map(|id| {
            model
                .element(&(*id).into())
                .unwrap_or_else(|| panic!("{id} created"))
                .pos
                .x
        })
        .collect();
    assert!(
        xs[0] < xs[1] && xs[1] < xs[2],
        "each Tab goes to the right: {xs:?}"
    );
    assert!(
        model
            .elements()
            .filter(|e| e.kind == ElementKind::Event)
            .all(|e| !e.name.is_empty())
    );
    assert!(h.state().board.editing.is_none());
}

#[test]
fn a_digit_and_a_double_click_in_one_frame_create_the_picked_kind() {
    // Fast hands (or xdotool) put the kind's digit and the second click in
    // the same frame; the sticky must still be of the kind just picked.
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let before: Vec<ElementId> = h
        .state()
        .doc
        .model()
        .elements()
        .map(|e| e.id.clone())
        .collect();
    let at = screen(&h, 200.0, 600.0);
    h.hover_at(at);
    h.step();
    let click = |pressed| Event::PointerButton {
        pos: at,
        button: PointerButton::Primary,
        pressed,
        modifiers: Modifiers::NONE,
    };
    h.input_mut().events.extend([click(true), click(false)]);
    h.step();
    let digit = |pressed| Event::Key {
        key: Key::Num3,
        physical_key: None,
        pressed,
        repeat: false,
        modifiers: Modifiers::NONE,
    };
    h.input_mut()
        .events
        .extend([digit(true), digit(false), click(true), click(false)]);
    h.step();
    h.run();
    let created: Vec<ElementKind> = h
        .state()
        .doc
        .model()
        .elements()
        .filter(|e| !before.contains(&e.id))
        .map(|e| e.kind)
        .collect();
    assert_eq!(created, vec![ElementKind::Command]);
}

#[test]
fn escape_cancels_a_new_sticky_and_leaves_no_trace() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let before = h.state().doc.model().clone();
    let at = screen(&h, 200.0, 600.0);
    double_click(&mut h, at);
    assert!(
        h.state().board.editing.as_ref().is_some_and(|e| e.is_new),
        "a new sticky is being named"
    );
    assert_ne!(*h.state().doc.model(), before);
    type_text(&mut h, "Oops");
    press(&mut h, Modifiers::NONE, Key::Escape);
    assert_eq!(*h.state().doc.model(), before);
    assert!(!h.state().is_dirty());
}

#[test]
fn connecting_two_stickies_infers_the_flow_kind() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let customer = h
        .state()
        .doc
        .model()
        .element(&"customer".into())
        .expect("exists")
        .clone();
    let size = customer.size_or_default();
    // The handle sits on the middle of the right edge.
    let handle = screen(
        &h,
        (customer.pos.x + size.w as i32) as f32,
        customer.pos.y as f32 + size.h as f32 / 2.0,
    );
    let target = center_of(&h, "place-order");
    drag(&mut h, handle, target);
    let model = h.state().doc.model();
    assert!(
        model
            .flow(&Flow::new("customer", "place-order", FlowKind::Issues).key())
            .is_some(),
        "actor -> command is 'issues'"
    );
    let toast = h
        .state()
        .board
        .toast_text()
        .expect("the inferred kind is shown")
        .to_string();
    assert!(toast.contains("issues"), "{toast}");
}

#[test]
fn a_forbidden_connection_is_refused_with_the_reason_at_the_cursor() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let event = h
        .state()
        .doc
        .model()
        .element(&"order-placed".into())
        .expect("exists")
        .clone();
    let size = event.size_or_default();
    let handle = screen(
        &h,
        (event.pos.x + size.w as i32) as f32,
        event.pos.y as f32 + size.h as f32 / 2.0,
    );
    let target = center_of(&h, "ship-order");
    drag(&mut h, handle, target);
    assert_eq!(h.state().doc.model().flow_count(), 0, "nothing connected");
    let toast = h
        .state()
        .board
        .toast_text()
        .expect("a reason is shown")
        .to_string();
    assert!(toast.contains("policy"), "{toast}");
}

#[test]
fn a_drag_moves_a_sticky_in_one_undo_step_and_redo_brings_it_back() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let start = center_of(&h, "place-order");
    let zoom = h.state().board.view.zoom;
    drag(&mut h, start, start + vec2(200.0 * zoom, 100.0 * zoom));
    let moved = h
        .state()
        .doc
        .model()
        .element(&"place-order".into())
        .expect("exists")
        .pos;
    assert_eq!(
        moved,
        Pos { x: 600, y: 100 },
        "moved by the drag, on the grid"
    );
    press(&mut h, Modifiers::COMMAND, Key::Z);
    assert_eq!(
        h.state()
            .doc
            .model()
            .element(&"place-order".into())
            .expect("exists")
            .pos,
        Pos { x: 400, y: 0 }
    );
    press(&mut h, Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    assert_eq!(
        h.state()
            .doc
            .model()
            .element(&"place-order".into())
            .expect("exists")
            .pos,
        moved
    );
    press(&mut h, Modifiers::COMMAND, Key::Z);
    press(&mut h, Modifiers::COMMAND, Key::Y);
    assert_eq!(
        h.state()
            .doc
            .model()
            .element(&"place-order".into())
            .expect("exists")
            .pos,
        moved,
        "Ctrl+Y redoes too"
    );
}

#[test]
fn delete_removes_the_selection_and_undo_restores_it_with_its_flows() {
    let mut model = loose_board();
    model
        .connect(Flow::new("customer", "place-order", FlowKind::Issues))
        .expect("allowed");
    let mut h = harness(app_with(model, ScriptedDialogs::default()));
    let at = center_of(&h, "place-order");
    click(&mut h, at, Modifiers::NONE);
    assert!(
        h.state()
            .board
            .selection
            .elements
            .contains(&"place-order".into())
    );
    press(&mut h, Modifiers::NONE, Key::Delete);
    assert!(!h.state().doc.model().contains(&"place-order".into()));
    assert_eq!(h.state().doc.model().flow_count(), 0);
    press(&mut h, Modifiers::COMMAND, Key::Z);
    assert!(h.state().doc.model().contains(&"place-order".into()));
    assert_eq!(
        h.state().doc.model().flow_count(),
        1,
        "the flow comes back too"
    );
}

#[test]
fn f2_renames_in_place() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let at = center_of(&h, "ship-order");
    click(&mut h, at, Modifiers::NONE);
    press(&mut h, Modifiers::NONE, Key::F2);
    assert!(h.state().board.editing.is_some());
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.step();
    type_text(&mut h, "Dispatch Order");
    press(&mut h, Modifiers::NONE, Key::Enter);
    let element = h
        .state()
        .doc
        .model()
        .element(&"ship-order".into())
        .expect("the id stays");
    assert_eq!(element.name, "Dispatch Order");
    // Double-click renames too.
    let at = center_of(&h, "order-placed");
    double_click(&mut h, at);
    assert_eq!(
        h.state().board.editing.as_ref().map(|e| e.id.as_str()),
        Some("order-placed")
    );
}

#[test]
fn pasting_ron_text_adds_the_stickies_with_fresh_ids() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let clipboard = format::to_ron_string(&loose_board()).expect("encodes");
    h.event(Event::Paste(clipboard));
    h.run();
    let model = h.state().doc.model();
    assert_eq!(model.element_count(), 8);
    assert!(model.contains(&"customer-2".into()));
    assert_eq!(
        h.state().board.selection.elements.len(),
        4,
        "the pasted stickies are selected"
    );
    // Text that is not a model is refused, with a reason.
    h.event(Event::Paste("hello".into()));
    h.run();
    assert_eq!(h.state().doc.model().element_count(), 8);
    assert!(
        h.state()
            .board
            .toast_text()
            .is_some_and(|t| t.contains("neither Stormflow stickies nor"))
    );
}

#[test]
fn clicking_a_problem_selects_its_element() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let row = h.get_by_label_contains("place-order: command \"Place Order\" has no handler");
    row.click();
    h.run();
    assert_eq!(
        h.state()
            .board
            .selection
            .elements
            .iter()
            .map(|id| id.as_str())
            .collect::<Vec<_>>(),
        vec!["place-order"]
    );
}

#[test]
fn save_through_the_dialog_writes_a_file_that_reloads_equal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("saved.ron");
    let dialogs = ScriptedDialogs {
        saves: [path.clone()].into(),
        ..ScriptedDialogs::default()
    };
    let mut h = harness(app_with(loose_board(), dialogs));
    let at = center_of(&h, "ship-order");
    drag(&mut h, at, at + vec2(100.0, 0.0));
    assert!(h.state().is_dirty());
    press(&mut h, Modifiers::COMMAND, Key::S);
    assert!(!h.state().is_dirty());
    let reloaded = format::load(&path).expect("the saved file loads");
    assert_eq!(&reloaded, h.state().doc.model());
    assert!(h.state().title().contains("saved.ron"));
}

#[test]
fn opening_a_broken_file_shows_where_and_keeps_the_open_board() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.ron");
    std::fs::write(
        &path,
        "(version: 1,\n  name: \"x\",\n  elements: [ (id: ] )\n",
    )
    .expect("write");
    let dialogs = ScriptedDialogs {
        opens: [path].into(),
        ..ScriptedDialogs::default()
    };
    let mut h = harness(app_with(loose_board(), dialogs));
    let before = h.state().doc.model().clone();
    press(&mut h, Modifiers::COMMAND, Key::O);
    let error = h
        .state()
        .error_shown()
        .map(ToString::to_string)
        .expect("an error dialog");
    assert!(error.contains("broken.ron:3:"), "{error}");
    h.get_by_label("The file could not be opened");
    assert_eq!(*h.state().doc.model(), before);
    h.get_by_label("OK").click();
    h.run();
    assert!(h.state().error_shown().is_none());
}

#[test]
fn new_asks_before_unsaved_changes_are_lost() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let at = center_of(&h, "ship-order");
    drag(&mut h, at, at + vec2(100.0, 0.0));
    press(&mut h, Modifiers::COMMAND, Key::N);
    h.get_by_label("Unsaved changes");
    h.get_by_label("Cancel").click();
    h.run();
    assert_eq!(
        h.state().doc.model().name,
        "Loose",
        "cancel keeps the board"
    );
    press(&mut h, Modifiers::COMMAND, Key::N);
    h.get_by_label("Discard changes").click();
    h.run();
    assert_eq!(
        h.state().doc.model().element_count(),
        0,
        "a new, empty board"
    );
}

#[test]
fn rubber_band_selects_and_shift_click_toggles() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let from = screen(&h, -30.0, -30.0);
    let to = screen(&h, 700.0, 200.0);
    assert!(
        h.state().board.canvas().contains(from),
        "the band starts on the board"
    );
    drag(&mut h, from, to);
    let selected: Vec<String> = h
        .state()
        .board
        .selection
        .elements
        .iter()
        .map(|id| id.to_string())
        .collect();
    assert_eq!(selected, vec!["customer", "place-order"]);
    let at = center_of(&h, "order-placed");
    click(&mut h, at, Modifiers::SHIFT);
    assert_eq!(h.state().board.selection.elements.len(), 3);
    press(&mut h, Modifiers::COMMAND, Key::A);
    assert_eq!(h.state().board.selection.elements.len(), 4);
}

#[test]
fn the_command_palette_runs_a_command() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    press(&mut h, Modifiers::COMMAND, Key::K);
    type_text(&mut h, "auto-layout");
    press(&mut h, Modifiers::NONE, Key::Enter);
    let model = h.state().doc.model();
    let x = |id: &str| model.element(&id.into()).expect("exists").pos.x;
    // Unconnected stickies share the first column after an auto-layout.
    assert_eq!(x("customer"), x("place-order"));
    assert_eq!(h.state().doc.undo_label(), Some("Auto-layout"));
}

// ---- The board in a room: legible at fit, any board fits, nothing overlaps ----

fn sample(name: &str) -> Model {
    format::load(&stormflow_tests::samples_dir().join(name)).expect("sample loads")
}

/// An element's rectangle on the screen now.
fn screen_rect_of(h: &Harness<StormflowApp>, element: &Element) -> egui::Rect {
    let board = &h.state().board;
    board
        .view
        .screen_from_board(board.canvas())
        .mul_rect(stormflow_app::board::element_rect(element))
}

#[test]
fn at_fit_every_name_on_the_online_shop_is_at_least_14_px_on_a_1920x1080_screen() {
    let model = sample("online-shop.ron");
    let h = crate::harness::settled_harness(
        app_with(model.clone(), ScriptedDialogs::default()),
        [1920.0, 1080.0],
    );
    let zoom = h.state().board.view.zoom;
    assert!(
        zoom < 14.0 / 16.0,
        "the whole board needs a zoom-out to fit, or this proves nothing: {zoom}"
    );
    assert!(
        h.state()
            .board
            .visible_board_rect()
            .contains_rect(stormflow_app::board::model_bounds(model.elements())),
        "the whole board is in view"
    );
    let texts = painted_texts(&h);
    for element in model.elements() {
        let wanted = if element.kind.is_frame() {
            stormflow_core::style::frame_title(element)
        } else {
            element.name.clone()
        };
        let at = screen_rect_of(&h, element);
        let sizes: Vec<f32> = texts
            .iter()
            .filter(|(text, _, rect)| *text == wanted && rect.intersects(at))
            .map(|(_, size, _)| *size)
            .collect();
        assert!(!sizes.is_empty(), "{wanted:?} is drawn on its sticky");
        for size in sizes {
            assert!(size >= 14.0, "{wanted:?} is drawn at {size} px");
        }
    }
}

#[test]
fn zoom_to_fit_shows_every_sticky_of_a_2000_sticky_board() {
    let model = stormflow_core::synth::workshop(2_000);
    let bounds = stormflow_app::board::model_bounds(model.elements());
    let mut h = harness(app_with(model, ScriptedDialogs::default()));
    let mut view = h.state().board.view;
    view.zoom = 1.0;
    h.state_mut().board.view = view;
    press(&mut h, Modifiers::COMMAND, Key::Num1);
    let board = &h.state().board;
    assert!(
        board.view.zoom < 0.1,
        "further out than the old 10% floor: {}",
        board.view.zoom
    );
    assert!(
        board.visible_board_rect().contains_rect(bounds),
        "{:?} holds {bounds:?}",
        board.visible_board_rect()
    );
}

#[test]
fn a_fitted_board_stays_fitted_as_the_window_changes_until_the_user_moves_it() {
    // A banner at the run's horizon took 28 points from a fitted board and
    // cut the bottom sticky's figures off under the timeline.
    let model = crate::harness::shop();
    let bounds = stormflow_app::board::model_bounds(model.elements());
    let mut h = harness(app_with(model, ScriptedDialogs::default()));
    h.run();
    for size in [vec2(1000.0, 640.0), vec2(1600.0, 700.0), vec2(900.0, 900.0)] {
        h.set_size(size);
        h.run();
        let shown = h.state().board.visible_board_rect();
        assert!(
            shown.contains_rect(bounds),
            "at {size:?}: {shown:?} holds {bounds:?}"
        );
    }
    // The user zooms in: their view is theirs, a resize keeps it.
    let mut view = h.state().board.view;
    view.zoom *= 2.0;
    h.state_mut().board.view = view;
    h.run();
    h.set_size(vec2(1200.0, 800.0));
    h.run();
    assert_eq!(h.state().board.view, view, "a view the user chose stays");
}

/// Painted rectangles and line segments of one colour: (bounding box of
/// each mesh's or shape's vertices of that colour).
fn painted_in(h: &Harness<StormflowApp>, color: egui::Color32) -> Vec<egui::Rect> {
    fn walk(shape: &egui::Shape, color: egui::Color32, out: &mut Vec<egui::Rect>) {
        match shape {
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, color, out)),
            egui::Shape::LineSegment { points, stroke } if stroke.color == color => {
                out.push(egui::Rect::from_two_pos(points[0], points[1]));
            }
            egui::Shape::Rect(rect) if rect.fill == color || rect.stroke.color == color => {
                out.push(rect.visual_bounding_rect());
            }
            egui::Shape::Mesh(mesh) => {
                // Quads of the colour, four vertices each.
                for quad in mesh.vertices.chunks(4) {
                    if quad.iter().all(|v| v.color == color) {
                        out.push(quad.iter().fold(egui::Rect::NOTHING, |r, v| {
                            r.union(egui::Rect::from_pos(v.pos))
                        }));
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &h.output().shapes {
        walk(&clipped.shape, color, &mut out);
    }
    out
}

#[test]
fn a_pivotal_event_stands_out_near_and_far() {
    use stormflow_app::board::draw::color;
    use stormflow_core::style;
    let mut model = Model::new("Phases");
    let mut pivotal = Element::new(
        "paid",
        ElementKind::Event,
        "Order Paid",
        Pos { x: 400, y: 0 },
    );
    pivotal.pivotal = true;
    for element in [
        Element::new(
            "placed",
            ElementKind::Event,
            "Order Placed",
            Pos { x: 0, y: 0 },
        ),
        pivotal.clone(),
        Element::new(
            "shipped",
            ElementKind::Event,
            "Order Shipped",
            Pos { x: 800, y: 0 },
        ),
        // Far away: the fit must zoom out a long way.
        Element::new(
            "later",
            ElementKind::Event,
            "Much Later",
            Pos {
                x: 40_000,
                y: 9_000,
            },
        ),
    ] {
        model.add_element(element).expect("fresh id");
    }
    let mut h = harness(app_with(model, ScriptedDialogs::default()));
    let bar = color(style::PIVOTAL_BAR_RGB);
    let line = color(style::PIVOTAL_LINE.1);
    for far in [true, false] {
        if !far {
            // At 100%, with the pivotal event in the middle.
            let canvas = h.state().board.canvas();
            let board = &mut h.state_mut().board;
            board.view.zoom = 1.0;
            board.view.center_on(
                canvas,
                stormflow_app::board::element_rect(&pivotal).center(),
            );
            h.run();
        }
        let zoom = h.state().board.view.zoom;
        assert_eq!(far, zoom < 0.05, "{zoom}");
        let sticky = screen_rect_of(&h, &pivotal);
        let marked = painted_in(&h, bar)
            .into_iter()
            .filter(|r| r.intersects(sticky.expand(6.0)))
            .fold(egui::Rect::NOTHING, |a, r| a.union(r));
        assert!(
            marked.width() >= sticky.width() + 4.0 && marked.height() >= sticky.height() + 4.0,
            "a dark outline at least 2 px wide around {sticky:?} at {zoom}: {marked:?}"
        );
        let phase = painted_in(&h, line)
            .into_iter()
            .filter(|r| (r.center().x - sticky.right()).abs() < 1.0)
            .fold(egui::Rect::NOTHING, |a, r| a.union(r));
        let canvas = h.state().board.canvas();
        let board = h.state().board.view.screen_from_board(canvas).mul_rect(
            stormflow_app::board::model_bounds(h.state().doc.model().elements()),
        );
        let expected = board.intersect(canvas).height();
        assert!(
            phase.height() >= expected * 0.9,
            "the phase line runs through the board at {zoom}: {phase:?} of {expected}"
        );
    }
}

#[test]
fn a_new_arrow_goes_around_the_sticky_in_its_way() {
    use stormflow_core::style::{BoardRect, Point};
    let mut model = Model::new("In the way");
    for (id, kind, name, x) in [
        ("customer", ElementKind::Actor, "Customer", 0),
        ("worry", ElementKind::Hotspot, "In the way", 260),
        ("place-order", ElementKind::Command, "Place Order", 520),
    ] {
        model
            .add_element(Element::new(id, kind, name, Pos { x, y: 0 }))
            .expect("fresh id");
    }
    let mut h = harness(app_with(model, ScriptedDialogs::default()));
    let customer = h
        .state()
        .doc
        .model()
        .element(&"customer".into())
        .expect("exists")
        .clone();
    let size = customer.size_or_default();
    let handle = screen(&h, size.w as f32, size.h as f32 / 2.0);
    let target = center_of(&h, "place-order");
    drag(&mut h, handle, target);
    let key = Flow::new("customer", "place-order", FlowKind::Issues).key();
    assert!(h.state().doc.model().flow(&key).is_some(), "connected");
    let path = h.state().board.arrow_path(&key).expect("drawn");
    let worry = h
        .state()
        .doc
        .model()
        .element(&"worry".into())
        .expect("exists")
        .clone();
    let r = screen_rect_of(&h, &worry);
    let obstacle = BoardRect {
        min: Point::new(r.min.x, r.min.y),
        max: Point::new(r.max.x, r.max.y),
    };
    assert!(path.len() > 2, "a detour, not a straight line: {path:?}");
    for pair in path.windows(2) {
        assert!(
            !stormflow_core::route::segment_crosses(
                Point::new(pair[0].x, pair[0].y),
                Point::new(pair[1].x, pair[1].y),
                &obstacle
            ),
            "{path:?} runs through {r:?}"
        );
    }
}

#[test]
fn a_frame_title_moves_out_from_behind_the_sticky_in_its_corner() {
    let mut model = Model::new("Title");
    let mut frame = Element::new(
        "billing",
        ElementKind::BoundedContext,
        "Billing",
        Pos { x: 0, y: 0 },
    );
    frame.size = Some(stormflow_core::model::Size { w: 900, h: 500 });
    let corner = Element::new(
        "corner",
        ElementKind::Event,
        "In The Corner",
        Pos { x: 0, y: 0 },
    );
    model.add_element(frame.clone()).expect("fresh id");
    model.add_element(corner.clone()).expect("fresh id");
    let h = harness(app_with(model, ScriptedDialogs::default()));
    let title = stormflow_core::style::frame_title(&frame);
    let (_, _, at) = painted_texts(&h)
        .into_iter()
        .find(|(text, _, _)| *text == title)
        .expect("the title is drawn");
    let sticky = screen_rect_of(&h, &corner);
    assert!(!at.intersects(sticky), "{at:?} is clear of {sticky:?}");
    assert!(
        screen_rect_of(&h, &frame).contains_rect(at),
        "and inside its frame"
    );
}

#[test]
fn the_minimap_moves_off_the_stickies_and_folds_when_every_corner_has_one() {
    let covers = |h: &Harness<StormflowApp>, map: egui::Rect| {
        h.state()
            .doc
            .model()
            .elements()
            .filter(|e| screen_rect_of(h, e).intersects(map))
            .map(|e| e.id.to_string())
            .collect::<Vec<_>>()
    };
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    let first = h.state().board.minimap_rect().expect("shown");
    assert_eq!(covers(&h, first), Vec::<String>::new());
    // Pan a sticky under it: the minimap moves to a free corner.
    let under = first.center() - center_of(&h, "ship-order");
    h.state_mut().board.view.pan += under;
    h.run();
    let moved = h.state().board.minimap_rect().expect("still shown");
    assert_ne!(moved, first, "it moved");
    assert_eq!(covers(&h, moved), Vec::<String>::new());
    // A sticky in every corner: it folds into a tab, which opens it anyway.
    let mut corners = Model::new("Corners");
    for (id, x, y) in [
        ("a", 0, 0),
        ("b", 3000, 0),
        ("c", 0, 2000),
        ("d", 3000, 2000),
    ] {
        corners
            .add_element(Element::new(id, ElementKind::Event, id, Pos { x, y }))
            .expect("fresh id");
    }
    let mut h = harness(app_with(corners, ScriptedDialogs::default()));
    assert_eq!(h.state().board.minimap_rect(), None, "folded");
    h.get_by_label("Show the minimap").click();
    h.run();
    assert!(h.state().board.minimap_rect().is_some(), "opened by hand");
    h.get_by_label("Fold the minimap").click();
    h.run();
    assert_eq!(h.state().board.minimap_rect(), None, "and folded by hand");
}

#[test]
fn the_legend_explains_the_run_badges_the_dots_and_the_down_cross() {
    let mut h = harness(app_with(loose_board(), ScriptedDialogs::default()));
    press(&mut h, Modifiers::NONE, Key::F3);
    for needle in [
        "q: messages waiting",
        "busy: instances working",
        "done: messages processed",
        "err: failed attempts",
        "dlq: messages moved to the dead-letter topic",
        "a travelling dot: a message on its way",
        "DOWN: a fault took this element down",
        "pivotal event",
    ] {
        assert!(
            h.query_all_by_label_contains(needle).count() >= 1,
            "the legend says {needle:?}"
        );
    }
}
