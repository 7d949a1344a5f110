//! `stormflow FILE --screenshot OUT.png`: wait for the board (and the run,
//! with `--run-until`) to settle, grab a frame, write it as PNG, close.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;

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
    /// A job that writes to `path` and reports through `outcome`.
    pub fn new(path: PathBuf, outcome: Arc<Mutex<Option<anyhow::Result<()>>>>) -> Self {
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
