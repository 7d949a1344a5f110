//! Side panels, windows and overlays. Each reads the model and returns commands.

pub mod inspector;
pub mod live;
pub mod overlays;
pub mod palette;
pub mod problems;
pub mod tour;
pub mod whatif;
