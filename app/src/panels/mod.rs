//! Side panels and overlays. Each reads the model and returns commands.

pub mod inspector;
pub mod overlays;
pub mod palette;
pub mod problems;
pub mod tour;
