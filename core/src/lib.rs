//! Stormflow's core: the event-storming model, its `.ron` file format, the
//! checks, the simulation and its trace. Nothing here knows about a UI;
//! everything a test or a script needs runs headless through this crate.

pub mod check;
pub mod format;
pub mod model;

pub use check::{Problem, Rule, Severity, check};
pub use format::{FormatError, LoadError, SaveError};
pub use model::{Element, ElementId, ElementKind, Flow, FlowKind, Model};
pub mod compare;
pub mod edit;
pub mod export;
pub mod import;
pub mod layout;
pub mod placement;
pub mod route;
pub mod sim;
pub mod style;
pub mod sweep;
pub mod synth;
pub mod text;
pub mod units;
