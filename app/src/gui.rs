//! Starting the desktop app, and writing a screenshot of it from the
//! command line (`stormflow FILE --screenshot OUT.png`).

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use crate::app::StormflowApp;
use crate::cli::GuiArgs;
use crate::screenshot::ScreenshotJob;

/// Opens the window and runs until it closes.
pub fn run(args: GuiArgs) -> anyhow::Result<ExitCode> {
    // A picture of a file that cannot be read would show the error dialog:
    // a script must be able to trust the exit status instead.
    if args.screenshot.is_some()
        && let Some(file) = &args.file
        && let Err(error) = stormflow_core::format::load(file)
    {
        eprintln!("{}", crate::cli::load_error_line(&error));
        eprintln!("stormflow: no picture written");
        return Ok(ExitCode::from(2));
    }
    let (w, h) = args.size;
    let screenshot = args.screenshot.clone();
    // eframe restores the saved window geometry even when it does not save
    // it: a screenshot run gets its own, empty place for state, so it takes
    // the size asked for and leaves the user's settings alone.
    // (eframe saves it from a background thread after the window closes, so
    // it is cleared when the next screenshot run starts, not at exit.)
    let scratch_state = screenshot
        .as_ref()
        .map(|_| std::env::temp_dir().join("stormflow-screenshot-state.ron"));
    if let Some(file) = &scratch_state {
        // Missing is the usual case; anything else only costs the size.
        let _ = std::fs::remove_file(file);
    }
    // STORMFLOW_STATE_DIR keeps the settings beside the recovery file.
    // (eframe takes the settings file's path, and does not make its folder.)
    let state_file = scratch_state.clone().or_else(|| {
        let dir = std::path::PathBuf::from(std::env::var_os("STORMFLOW_STATE_DIR")?);
        std::fs::create_dir_all(&dir).ok()?;
        Some(dir.join("app.ron"))
    });
    let mut options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Stormflow")
            .with_app_id("stormflow")
            .with_inner_size([w as f32, h as f32])
            .with_min_inner_size([640.0, 420.0])
            .with_drag_and_drop(true),
        persist_window: screenshot.is_none(),
        persistence_path: state_file,
        ..Default::default()
    };
    if !runtime_dir_usable() && std::env::var_os("WGPU_BACKEND").is_none() {
        // Without a usable XDG_RUNTIME_DIR (a bare X session, ssh -X, Xvfb)
        // Mesa's Vulkan drivers print "XDG_RUNTIME_DIR is invalid" four times
        // at every start while probing Wayland. OpenGL draws the same board
        // and probes nothing, so it is used there.
        use eframe::egui_wgpu::{WgpuSetup, WgpuSetupCreateNew};
        let mut setup = WgpuSetupCreateNew::without_display_handle();
        setup.instance_descriptor.backends = eframe::wgpu::Backends::GL;
        options.wgpu_options.wgpu_setup = WgpuSetup::CreateNew(setup);
    }
    let outcome: Arc<Mutex<Option<anyhow::Result<()>>>> = Arc::new(Mutex::new(None));
    let outcome_for_app = outcome.clone();
    let run = eframe::run_native(
        "Stormflow",
        options,
        Box::new(move |cc| {
            let mut app = StormflowApp::new(cc, &args);
            if let Some(path) = args.screenshot.clone() {
                app.screenshot = Some(ScreenshotJob::new(path, outcome_for_app));
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"));
    run?;
    if screenshot.is_some() {
        let result = outcome
            .lock()
            .map_err(|_| anyhow::anyhow!("the screenshot writer panicked"))?
            .take()
            .unwrap_or_else(|| {
                Err(anyhow::anyhow!(
                    "the window closed before the screenshot was taken"
                ))
            });
        result?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `XDG_RUNTIME_DIR` names a folder (what Wayland clients need).
fn runtime_dir_usable() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| std::path::Path::new(&dir).is_dir())
}
