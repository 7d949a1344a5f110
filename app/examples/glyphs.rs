//! Lists which symbols the app's fonts can draw (run it after changing fonts).

// An example prints its figures for a person at a terminal.
#![allow(clippy::print_stdout)]

fn main() {
    let ctx = egui::Context::default();
    stormflow_app::fonts::install(&ctx);
    let mut output = ctx.run_ui(Default::default(), |_ui| {});
    output.textures_delta.clear();
    let chars = "⋔→↦⊕Σ⋈⑂⋃⊽●…·—×▶⏸⏭⟲↺✕⚠";
    ctx.fonts_mut(|f| {
        for c in chars.chars() {
            println!(
                "{c} U+{:04X} {}",
                c as u32,
                f.has_glyph(&egui::FontId::proportional(14.0), c)
            );
        }
    });
}
