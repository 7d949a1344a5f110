//! Stormflow's end-to-end tests, one binary: every sample loaded, checked,
//! run and round-tripped; damaged files; the UI driven through egui_kittest
//! (board, run view, a run on a real NATS server, teaching); image
//! snapshots; and the real window.
//!
//! One binary links the GUI stack once instead of once a file, which is most
//! of what these tests cost to build. Run a part with a filter:
//! `cargo test -p stormflow-tests ui_board::`.

mod corruption;
mod harness;
mod samples;
mod screenshot;
mod ui_board;
mod ui_live;
mod ui_run;
mod ui_snapshots;
mod ui_teach;
mod ui_workshop;
