//! The core crate's end-to-end tests, in one binary (one link, one run):
//! the checks, the simulation's scenarios, properties and recorded runs,
//! hostile models, files on disk, the trace exports, the importers and the
//! round trips from the exporters through the importers.

mod board_export;
mod checks;
mod export;
mod files;
mod hostile;
mod import;
mod roundtrip;
mod sim_golden;
mod sim_properties;
mod sim_scenarios;
