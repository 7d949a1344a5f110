//! Image snapshots of the sample boards, light and dark, rendered by wgpu
//! (Mesa's lavapipe on machines without a GPU). Reference images live in
//! `tests/snapshots/`; `UPDATE_SNAPSHOTS=1 cargo test -p stormflow-tests
//! ui_snapshots::` rewrites them after an intended change.
//!
//! With no GPU adapter at all a snapshot is SKIPPED loudly, unless
//! `STORMFLOW_REQUIRE_SNAPSHOTS=1` (set by `.ci/run`), which makes it fail.

use std::panic::{AssertUnwindSafe, catch_unwind};

use egui_kittest::wgpu::WgpuTestRenderer;
use egui_kittest::{Harness, SnapshotOptions};
use stormflow_app::app::StormflowApp;
use stormflow_app::document::Document;
use stormflow_app::files::ScriptedDialogs;
use stormflow_app::settings::Settings;
use stormflow_core::format;

fn renderer_or_skip(name: &str) -> Option<WgpuTestRenderer> {
    // kittest's renderer panics when no adapter exists; ask once, politely.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let renderer = catch_unwind(AssertUnwindSafe(WgpuTestRenderer::new)).ok();
    std::panic::set_hook(previous);
    if renderer.is_none() {
        let help = "no GPU adapter: install Mesa's CPU Vulkan driver (apt-get install -y mesa-vulkan-drivers libvulkan1)";
        assert!(
            std::env::var("STORMFLOW_REQUIRE_SNAPSHOTS").as_deref() != Ok("1"),
            "snapshot {name}: {help}"
        );
        eprintln!("\n*** SKIPPED snapshot {name}: {help} ***\n");
    }
    renderer
}

fn snapshot_board(sample: &str, theme: egui::Theme) {
    let name = format!(
        "board-{}-{}",
        sample.trim_end_matches(".ron"),
        if theme == egui::Theme::Dark {
            "dark"
        } else {
            "light"
        }
    );
    let Some(renderer) = renderer_or_skip(&name) else {
        return;
    };
    let path = stormflow_tests::samples_dir().join(sample);
    let model = format::load(&path).expect("sample loads");
    let mut app = StormflowApp::with(
        Settings::default(),
        Box::new(ScriptedDialogs::default()),
        None,
    );
    app.replace_document(Document::new(model, Some(path)));
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_theme(theme)
        .with_step_dt(1.0 / 60.0)
        .with_max_steps(60)
        .renderer(renderer)
        .with_options(
            SnapshotOptions::new()
                .threshold(2.0)
                .max_failed_pixels(600)
                .output_path(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")),
        )
        .build_ui_state(|ui, app: &mut StormflowApp| app.ui_root(ui), app);
    harness.run();
    harness.remove_cursor();
    harness.run();
    harness.snapshot(&name);
}

#[test]
fn online_shop_dark() {
    snapshot_board("online-shop.ron", egui::Theme::Dark);
}

#[test]
fn online_shop_light() {
    snapshot_board("online-shop.ron", egui::Theme::Light);
}

#[test]
fn big_picture_dark() {
    snapshot_board("big-picture.ron", egui::Theme::Dark);
}

#[test]
fn big_picture_light() {
    snapshot_board("big-picture.ron", egui::Theme::Light);
}
