//! The application: what is open, the view, and the frame-by-frame UI.

use std::path::PathBuf;

use stormflow_core::{Model, format};

use crate::board::{self, BoardView};
use crate::cli::GuiArgs;
use crate::gui::ScreenshotJob;
use crate::samples;

/// The Stormflow app.
pub struct StormflowApp {
    /// The open model.
    pub model: Model,
    /// Where it was loaded from (none: a built-in sample or a new board).
    pub path: Option<PathBuf>,
    /// Pan and zoom.
    pub view: BoardView,
    /// A message for the user (load errors), shown until dismissed.
    pub message: Option<String>,
    /// A pending `--screenshot`.
    pub screenshot: Option<ScreenshotJob>,
    fitted: bool,
    last_title: String,
}

impl StormflowApp {
    /// Builds the app from the command line: the given file, else the default sample.
    pub fn new(_cc: &eframe::CreationContext<'_>, args: &GuiArgs) -> Self {
        Self::from_args(args)
    }

    /// Builds the app without a window (tests).
    pub fn from_args(args: &GuiArgs) -> Self {
        let sample = samples::default_sample();
        let fallback =
            || format::from_ron_str(sample.text).unwrap_or_else(|_| Model::new("Untitled"));
        let (model, path, message) = match &args.file {
            Some(path) => match format::load(path) {
                Ok(model) => (model, Some(path.clone()), None),
                Err(error) => (fallback(), None, Some(error.to_string())),
            },
            None => (fallback(), None, None),
        };
        Self {
            model,
            path,
            view: BoardView::default(),
            message,
            screenshot: None,
            fitted: false,
            last_title: String::new(),
        }
    }

    /// The window title: model name and file.
    pub fn title(&self) -> String {
        match &self.path {
            Some(path) => format!("{} — {} — Stormflow", self.model.name, path.display()),
            None => format!("{} — Stormflow", self.model.name),
        }
    }

    /// The whole UI, inside the root `Ui` (kept apart from `eframe::App` so
    /// tests can drive it without a window).
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let title = self.title();
        if title != self.last_title {
            ui.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.last_title = title;
        }
        egui::Panel::bottom("status").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{} elements · {} flows",
                    self.model.element_count(),
                    self.model.flow_count()
                ));
                ui.separator();
                ui.label(format!("zoom {:.0}%", self.view.zoom * 100.0));
                if let Some(message) = &self.message {
                    ui.separator();
                    ui.colored_label(ui.visuals().error_fg_color, message);
                }
            });
        });
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                let (canvas, response) =
                    ui.allocate_exact_size(ui.available_size(), egui::Sense::click_and_drag());
                if !self.fitted {
                    self.view
                        .fit(canvas, board::model_bounds(self.model.elements()));
                    self.fitted = true;
                }
                if response.dragged() {
                    self.view.pan += response.drag_delta();
                }
                if let Some(hover) = response.hover_pos() {
                    let zoom = ui.input(|i| i.zoom_delta());
                    if zoom != 1.0 {
                        self.view.zoom_around(canvas, hover, zoom);
                    }
                    let scroll = ui.input(|i| i.smooth_scroll_delta);
                    if zoom == 1.0 && scroll != egui::Vec2::ZERO {
                        self.view.pan += scroll;
                    }
                }
                board::paint_model(ui, canvas, &self.model, &self.view);
            });
        let ctx = ui.ctx().clone();
        if let Some(job) = &mut self.screenshot {
            job.tick(&ctx, self.fitted);
        }
    }
}

impl eframe::App for StormflowApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }
}
