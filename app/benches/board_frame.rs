//! CPU time of one frame of the app (egui layout + tessellation, headless)
//! showing a board of 2,000 or 10,000 stickies with flows, zoomed to fit and
//! at 100%. Goal: 10,000 stickies at fit-all <= 8 ms on the reference machine.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use stormflow_app::app::StormflowApp;
use stormflow_app::command::Command;
use stormflow_app::document::Document;
use stormflow_app::files::ScriptedDialogs;
use stormflow_app::run::runner::Speed;
use stormflow_app::settings::Settings;
use stormflow_core::synth;

fn frame(ctx: &egui::Context, app: &mut StormflowApp) -> usize {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1600.0, 1000.0),
        )),
        ..Default::default()
    };
    let mut output = ctx.run_ui(input, |ui| app.ui_root(ui));
    output.textures_delta.clear();
    let primitives = ctx.tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
    primitives.len()
}

fn board_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("board_frame");
    group.sample_size(30);
    for stickies in [2_000usize, 10_000] {
        for zoom in ["fit", "100%"] {
            let ctx = egui::Context::default();
            let mut app = StormflowApp::with(
                Settings::default(),
                Box::new(ScriptedDialogs::default()),
                None,
            );
            app.replace_document(Document::new(synth::workshop(stickies), None));
            // Settle: fonts, fit, checks.
            for _ in 0..3 {
                frame(&ctx, &mut app);
            }
            if zoom == "100%" {
                let canvas = app.board.canvas();
                app.board.view.zoom = 1.0;
                app.board.view.pan = egui::vec2(100.0, 100.0);
                let _ = canvas;
                frame(&ctx, &mut app);
            }
            group.bench_with_input(BenchmarkId::new(zoom, stickies), &(), |b, ()| {
                b.iter(|| frame(&ctx, &mut app));
            });
        }
    }
    group.finish();
}

/// A frame while a ~100-element pipeline runs as fast as the worker can go:
/// the UI takes in the frame's trace delta, updates the overlay, the dock's
/// plots and the board. The engine's own work is on the worker thread.
fn run_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("run_frame");
    group.sample_size(20);
    group.measurement_time(std::time::Duration::from_secs(3));
    let mut model = synth::pipeline(32, 4, 200, 20_000);
    // Keep tracing for the whole measurement, so every frame takes in rows.
    model.run.trace_limit = 20_000_000;
    let elements = model.element_count();
    let ctx = egui::Context::default();
    let mut app = StormflowApp::with(
        Settings::default(),
        Box::new(ScriptedDialogs::default()),
        None,
    );
    app.replace_document(Document::new(model, None));
    frame(&ctx, &mut app);
    app.apply(Command::RunSetSpeed(Speed::Max), &ctx);
    app.apply(Command::RunPlay, &ctx);
    for _ in 0..10 {
        frame(&ctx, &mut app);
    }
    group.bench_function(BenchmarkId::new("full_speed", elements), |b| {
        b.iter(|| frame(&ctx, &mut app));
    });
    let run = app.run.as_ref().expect("running");
    eprintln!(
        "run_frame: after the benchmark the run is at {} us of virtual time with {} messages traced",
        run.now(),
        run.trace.len()
    );
    group.finish();
}

criterion_group!(benches, board_frame, run_frame);
criterion_main!(benches);
