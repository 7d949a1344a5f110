//! The Stormflow desktop app (eframe/egui) and its command line.
//!
//! The UI is a thin layer over `stormflow_core`: it reads the model and
//! sends commands; one place applies them and records undo.

pub mod app;
pub mod board;
pub mod cli;
pub mod command;
pub mod comparison;
pub mod document;
pub mod error;
pub mod files;
pub mod fonts;
pub mod gui;
pub mod panels;
pub mod run;
pub mod samples;
pub mod screenshot;
pub mod settings;
pub mod theme;
