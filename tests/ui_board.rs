//! The board, driven through egui_kittest like a user would: pointer and
//! keyboard events in, the model and what is shown out.

use egui::{Event, Key, Modifiers, PointerButton, Pos2, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stormflow_app::app::StormflowApp;
use stormflow_app::document::Document;
use stormflow_app::files::ScriptedDialogs;
use stormflow_app::settings::Settings;
use stormflow_core::model::{Element, ElementId, ElementKind, Flow, FlowKind, Pos};
use stormflow_core::{Model, format};

const SIZE: [f32; 2] = [1400.0, 900.0];

fn app_with(model: Model, dialogs: ScriptedDialogs) -> StormflowApp {
    let mut app = StormflowApp::with(Settings::default(), Box::new(dialogs), None);
    app.replace_document(Document::new(model, None));
    app
}

fn harness(app: StormflowApp) -> Harness<'static, StormflowApp> {
    let mut h = Harness::builder()
        .with_size(SIZE)
        .with_max_steps(120)
        // Frames at 60 Hz: each queued event is a frame, and a double-click
        // must fit in egui's 0.3 s window.
        .with_step_dt(1.0 / 60.0)
        .build_ui_state(|ui, app: &mut StormflowApp| app.ui_root(ui), app);
    h.run();
    h
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
