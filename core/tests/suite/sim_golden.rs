//! The engine's semantics are pinned by recorded runs: every sample, seeds 1
//! to 5, to its horizon, as `stormflow run --json` prints it (totals,
//! per-element figures, read models, drop reasons and the run's fingerprint,
//! which covers every message and attempt). A rebuilt or faster engine must
//! give these outputs byte for byte; a deliberate change of behaviour
//! re-records them with `STORMFLOW_BLESS=1` in the same commit, saying why.

use std::path::{Path, PathBuf};

use stormflow_core::model::{Fault, FaultKind};
use stormflow_core::sim::{Sim, SimOptions};

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("samples/ exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    files.sort();
    files
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/runs")
}

/// The report of a run to the horizon, as `stormflow run --json` writes it.
fn report_json(model: &stormflow_core::Model, seed: u64, trace_off: bool) -> String {
    let mut sim = Sim::new(
        model,
        &SimOptions {
            seed: Some(seed),
            trace_off,
            ..SimOptions::default()
        },
    )
    .expect("every sample runs");
    sim.run_until(model.run.horizon_us);
    let mut json = serde_json::to_string_pretty(&sim.report()).expect("serialises");
    json.push('\n');
    json
}

/// The sample with a rolling schedule of faults over its services: each in
/// turn goes down, and every other one is slowed, so the recorded runs
/// cover aborted attempts, refused calls, requeues and recoveries.
fn with_rolling_faults(model: &stormflow_core::Model) -> stormflow_core::Model {
    let mut faulted = model.clone();
    let services: Vec<_> = model
        .elements()
        .filter(|e| e.kind.is_service())
        .map(|e| e.id.clone())
        .collect();
    for (i, id) in services.into_iter().enumerate() {
        let at_us = 2_000_000 + 3_000_000 * i as u64;
        faulted.faults.push(Fault {
            element: id.clone(),
            at_us,
            kind: FaultKind::Down { for_us: 1_500_000 },
        });
        if i % 2 == 1 {
            faulted.faults.push(Fault {
                element: id,
                at_us: at_us + 1_000_000,
                kind: FaultKind::Slow {
                    factor: 4,
                    for_us: 2_000_000,
                },
            });
        }
    }
    faulted.faults.sort_by_key(|f| f.at_us);
    faulted
}

#[test]
fn every_sample_runs_exactly_as_recorded_for_seeds_1_to_5() {
    let bless = std::env::var_os("STORMFLOW_BLESS").is_some();
    let dir = golden_dir();
    if bless {
        std::fs::create_dir_all(&dir).expect("golden dir");
    }
    let mut differences = Vec::new();
    for path in samples() {
        let model = stormflow_core::format::load(&path).expect("sample loads");
        let stem = path.file_stem().expect("a file name").to_string_lossy();
        let faulted = with_rolling_faults(&model);
        let runs = (1..=5)
            .map(|seed| (format!("{stem}-seed{seed}"), &model, seed))
            .chain(std::iter::once((
                format!("{stem}-faults-seed7"),
                &faulted,
                7,
            )));
        for (name, model, seed) in runs {
            let actual = report_json(model, seed, false);
            let golden = dir.join(format!("{name}.json"));
            if bless {
                std::fs::write(&golden, &actual).expect("write golden");
                continue;
            }
            let expected = std::fs::read_to_string(&golden).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; record it with STORMFLOW_BLESS=1",
                    golden.display()
                )
            });
            if actual != expected {
                let line = actual
                    .lines()
                    .zip(expected.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                differences.push(format!(
                    "{name}: first difference at line {}:\n  now:      {}\n  recorded: {}",
                    line + 1,
                    actual.lines().nth(line).unwrap_or(""),
                    expected.lines().nth(line).unwrap_or("")
                ));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn the_fingerprint_and_figures_do_not_depend_on_keeping_the_trace() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/online-shop.ron");
    let model = stormflow_core::format::load(&path).expect("sample loads");
    let traced: serde_json::Value =
        serde_json::from_str(&report_json(&model, 3, false)).expect("json");
    let untraced: serde_json::Value =
        serde_json::from_str(&report_json(&model, 3, true)).expect("json");
    assert_eq!(traced["trace_hash"], untraced["trace_hash"]);
    assert_eq!(traced["totals"], untraced["totals"]);
    assert_eq!(traced["elements"], untraced["elements"]);
    assert_eq!(untraced["trace_messages"], 0);
}
