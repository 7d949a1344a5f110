//! Starting the desktop app, and writing a screenshot of it from the
//! command line (`stormflow FILE --screenshot OUT.png`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;

use crate::app::StormflowApp;
use crate::cli::GuiArgs;

/// Opens the window and runs until it closes.
pub fn run(args: GuiArgs) -> anyhow::Result<ExitCode> {
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
    let options = eframe::NativeOptions {
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

/// A pending `--screenshot`: wait for the board to settle, grab a frame,
/// write it as PNG, close the window.
pub struct ScreenshotJob {
    path: PathBuf,
    frames_to_wait: u32,
    requested: bool,
    image: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
    outcome: Arc<Mutex<Option<anyhow::Result<()>>>>,
}

impl ScreenshotJob {
    fn new(path: PathBuf, outcome: Arc<Mutex<Option<anyhow::Result<()>>>>) -> Self {
        Self {
            path,
            frames_to_wait: 4,
            requested: false,
            image: Arc::new(Mutex::new(None)),
            outcome,
        }
    }

    /// Whether the app should keep waiting for something before the shot
    /// (the caller decides what "ready" means and calls [`Self::tick`]).
    pub fn tick(&mut self, ctx: &egui::Context, ready: bool) {
        if !ready {
            ctx.request_repaint();
            return;
        }
        if self.frames_to_wait > 0 {
            self.frames_to_wait -= 1;
            ctx.request_repaint();
            return;
        }
        if !self.requested {
            self.requested = true;
            let slot = self.image.clone();
            let repaint = ctx.clone();
            ctx.request_screenshot(move |image| {
                if let Ok(mut slot) = slot.lock() {
                    *slot = Some(image);
                }
                repaint.request_repaint();
            });
            return;
        }
        let taken = self.image.lock().ok().and_then(|mut slot| slot.take());
        match taken {
            Some(image) => {
                let result = write_png(&self.path, &image);
                if let Ok(mut outcome) = self.outcome.lock() {
                    *outcome = Some(result);
                }
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            None => ctx.request_repaint(),
        }
    }
}

/// Writes an egui image as PNG.
pub fn write_png(path: &Path, image: &egui::ColorImage) -> anyhow::Result<()> {
    let [w, h] = image.size;
    let mut bytes = Vec::with_capacity(w * h * 4);
    for pixel in &image.pixels {
        bytes.extend_from_slice(&pixel.to_srgba_unmultiplied());
    }
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, bytes)
        .context("the screenshot has an unexpected size")?;
    buffer
        .save_with_format(path, image::ImageFormat::Png)
        .with_context(|| format!("writing {}", path.display()))
}
