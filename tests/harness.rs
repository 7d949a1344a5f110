//! What the UI tests share: an app on a board, a kittest harness around it,
//! keys and commands sent the way a user's would be.

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use stormflow_app::app::StormflowApp;
use stormflow_app::command::Command;
use stormflow_app::document::Document;
use stormflow_app::files::ScriptedDialogs;
use stormflow_app::settings::Settings;
use stormflow_core::{Model, format};

/// The online-shop sample, as on disk.
pub fn shop() -> Model {
    format::load(&stormflow_tests::samples_dir().join("online-shop.ron")).expect("sample loads")
}

/// An app with default settings showing `model` as an untitled board.
pub fn app_with(model: Model, dialogs: ScriptedDialogs) -> StormflowApp {
    let mut app = StormflowApp::with(Settings::default(), Box::new(dialogs), None);
    app.replace_document(Document::new(model, None));
    app
}

/// A harness of `size` around `app`, at 60 frames a second, after its first frames.
pub fn harness_sized(app: StormflowApp, size: [f32; 2]) -> Harness<'static, StormflowApp> {
    let mut h = Harness::builder()
        .with_size(size)
        .with_step_dt(1.0 / 60.0)
        .with_max_steps(200)
        .build_ui_state(|ui, app: &mut StormflowApp| app.ui_root(ui), app);
    h.run_steps(3);
    h
}

/// A harness of `size` around `app`, run until it settles (no repaint
/// asked for, at most 120 frames): for an idle board, where each queued
/// event must become a frame of its own (a double-click fits in egui's
/// 0.3 s window at 60 Hz).
pub fn settled_harness(app: StormflowApp, size: [f32; 2]) -> Harness<'static, StormflowApp> {
    let mut h = Harness::builder()
        .with_size(size)
        .with_max_steps(120)
        .with_step_dt(1.0 / 60.0)
        .build_ui_state(|ui, app: &mut StormflowApp| app.ui_root(ui), app);
    h.run();
    h
}

/// A harness of 1600x1000 around `app`.
pub fn harness(app: StormflowApp) -> Harness<'static, StormflowApp> {
    harness_sized(app, [1600.0, 1000.0])
}

/// A key pressed with modifiers, then a few frames.
pub fn press(h: &mut Harness<StormflowApp>, modifiers: Modifiers, key: Key) {
    h.key_press_modifiers(modifiers, key);
    h.run_steps(3);
}

/// A command applied as a menu or button would, then a frame.
pub fn apply(h: &mut Harness<StormflowApp>, command: Command) {
    let ctx = h.ctx.clone();
    h.state_mut().apply(command, &ctx);
    h.run_steps(2);
}

/// Every text painted last frame: (text, smallest font size in points, where).
pub fn painted_texts(h: &Harness<StormflowApp>) -> Vec<(String, f32, egui::Rect)> {
    fn walk(shape: &egui::Shape, out: &mut Vec<(String, f32, egui::Rect)>) {
        match shape {
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, out)),
            egui::Shape::Text(text) => {
                let size = text
                    .galley
                    .job
                    .sections
                    .iter()
                    .map(|s| s.format.font_id.size)
                    .fold(f32::INFINITY, f32::min);
                out.push((
                    text.galley.text().to_string(),
                    size,
                    text.visual_bounding_rect(),
                ));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &h.output().shapes {
        walk(&clipped.shape, &mut out);
    }
    out
}

/// A right-click inside the sticky `id` (60, 40 board units in from its
/// corner), as a user opens its context menu; then a few frames.
pub fn right_click_sticky(h: &mut Harness<StormflowApp>, id: &str) {
    let at = {
        let board = &h.state().board;
        let sticky = h
            .state()
            .doc
            .model()
            .element(&id.into())
            .unwrap_or_else(|| panic!("{id} is on the board"))
            .clone();
        board
            .view
            .screen_from_board(board.canvas())
            .mul_pos(egui::Pos2::new(
                sticky.pos.x as f32 + 60.0,
                sticky.pos.y as f32 + 40.0,
            ))
    };
    h.hover_at(at);
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Secondary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    h.run_steps(3);
}
