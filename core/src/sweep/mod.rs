//! Capacity planning: run a grid of variants of a model (partitions,
//! instances, rates, ...) with several seeds each, in parallel on every
//! core, and answer "the smallest variant that meets a target".
//!
//! Each (variant, seed) is one simulation with the trace off, run on a
//! rayon worker; a variant's figures are the same whatever ran beside it
//! (determinism per variant). Progress and cancellation go through
//! [`Progress`], which another thread (a progress bar, Ctrl+C, the app's
//! Cancel button) reads and sets.

mod spec;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::Serialize;

pub use spec::{
    Axis, Cmp, Knob, MAX_VARIANTS, Metric, SpecError, Target, apply, parse_axis, parse_rate,
};

use crate::model::{ElementId, Model};
use crate::sim::{Sim, SimError, SimOptions, Time};

/// Counts finished runs and carries a request to stop, between the sweep
/// and whoever watches it.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
    cancel: AtomicBool,
}

impl Progress {
    /// Runs finished so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// Runs in all.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// Asks the sweep to stop: runs in progress end early and are left out.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether a stop was asked for.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// How a sweep runs.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepOptions {
    /// Seeds per variant (the model's seed, then the next ones).
    pub seeds: u32,
    /// Virtual time of each run (none: the model's horizon).
    pub until_us: Option<Time>,
    /// Goals a variant must meet to count.
    pub targets: Vec<Target>,
}

impl Default for SweepOptions {
    fn default() -> Self {
        Self {
            seeds: 3,
            until_us: None,
            targets: Vec::new(),
        }
    }
}

/// A figure over a variant's seeds: the mean and the spread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Spread {
    /// Mean over the seeds.
    pub mean: f64,
    /// Lowest.
    pub min: f64,
    /// Highest.
    pub max: f64,
}

impl Spread {
    fn of(values: impl Iterator<Item = f64>) -> Spread {
        let values: Vec<f64> = values.collect();
        if values.is_empty() {
            return Spread::default();
        }
        Spread {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// What one run measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunFigures {
    /// The seed.
    pub seed: u64,
    /// Deliveries processed per second of virtual time.
    pub throughput_per_sec: f64,
    /// Headline latency percentiles (µs): the sources' requests, else the
    /// slowest element's end-to-end latency.
    pub p50_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// The largest lag of a consumer group at the end.
    pub max_lag: u64,
    /// Deliveries dead-lettered.
    pub dead_lettered: u64,
    /// Deliveries dropped.
    pub dropped: u64,
    /// Requests that failed.
    pub failed: u64,
    /// The busiest element and the share of its workers' time it was busy.
    pub busiest: Option<(ElementId, f64)>,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
}

/// One variant's figures over its seeds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VariantResult {
    /// Position in the grid.
    pub index: usize,
    /// The value of each axis, in axis order.
    pub values: Vec<f64>,
    /// Per seed.
    pub runs: Vec<RunFigures>,
    /// Throughput over the seeds.
    pub throughput_per_sec: Spread,
    /// Latency p50 over the seeds (µs).
    pub p50_us: Spread,
    /// Latency p99 over the seeds (µs).
    pub p99_us: Spread,
    /// Latency p99.9 over the seeds (µs).
    pub p999_us: Spread,
    /// Largest lag over the seeds.
    pub max_lag: u64,
    /// Dead letters, summed over the seeds.
    pub dead_lettered: u64,
    /// Drops, summed over the seeds.
    pub dropped: u64,
    /// Failed requests, summed over the seeds.
    pub failed: u64,
    /// The element that saturated first: the busiest one, when its workers
    /// were busy 90% of the time or more (in the seed where it was busiest).
    pub saturated: Option<ElementId>,
    /// Whether every target is met (with every seed's figure).
    pub meets_targets: bool,
    /// The cheapest variant meeting every target (per load, when a rate is varied).
    pub cheapest: bool,
    /// Why it could not run (check errors), if it could not.
    pub error: Option<String>,
}

/// A whole sweep's results, in grid order.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SweepResult {
    /// The axes, as `element.field`.
    pub axes: Vec<String>,
    /// Seeds per variant.
    pub seeds: u32,
    /// Virtual time of each run.
    pub until_us: Time,
    /// The targets, as written.
    pub targets: Vec<String>,
    /// Variants whose every seed finished, in grid order.
    pub variants: Vec<VariantResult>,
    /// Variants in the grid.
    pub grid_size: usize,
    /// Whether the sweep was stopped before the end.
    pub cancelled: bool,
}

/// The grid: every combination of the axes' values, the first axis
/// varying slowest.
pub fn grid(axes: &[Axis]) -> Result<Vec<Vec<f64>>, SpecError> {
    let size = axes
        .iter()
        .try_fold(1usize, |n, axis| n.checked_mul(axis.values.len()))
        .filter(|n| *n <= MAX_VARIANTS)
        .ok_or_else(|| {
            SpecError(format!(
                "the grid has more than {MAX_VARIANTS} variants: vary fewer fields or fewer values"
            ))
        })?;
    let mut grid = Vec::with_capacity(size);
    for mut i in 0..size {
        let mut values = vec![0.0; axes.len()];
        for (a, axis) in axes.iter().enumerate().rev() {
            values[a] = axis.values[i % axis.values.len()];
            i /= axis.values.len();
        }
        grid.push(values);
    }
    Ok(grid)
}

/// The model of one variant.
pub fn variant(base: &Model, axes: &[Axis], values: &[f64]) -> Model {
    let mut model = base.clone();
    for (axis, value) in axes.iter().zip(values) {
        apply(&mut model, &axis.element, axis.knob, *value);
    }
    model
}

/// Runs the grid of variants with `options.seeds` seeds each, in parallel;
/// `progress` counts finished runs and can stop the sweep.
pub fn run_sweep(
    base: &Model,
    axes: &[Axis],
    options: &SweepOptions,
    progress: &Progress,
) -> Result<SweepResult, SpecError> {
    let grid = grid(axes)?;
    let grid_size = grid.len();
    let seeds = options.seeds.max(1);
    let until = options.until_us.unwrap_or(base.run.horizon_us);
    progress
        .total
        .store(grid.len() * seeds as usize, Ordering::Relaxed);
    let jobs: Vec<(usize, u64)> = (0..grid.len())
        .flat_map(|v| (0..u64::from(seeds)).map(move |s| (v, s)))
        .collect();
    let models: Vec<Model> = grid
        .iter()
        .map(|values| variant(base, axes, values))
        .collect();
    let outcomes: Vec<(usize, Result<Option<RunFigures>, SimError>)> = jobs
        .par_iter()
        .map(|&(v, s)| {
            let seed = base.run.seed.wrapping_add(s);
            (v, run_one(&models[v], seed, until, progress))
        })
        .collect();
    let mut per_variant: Vec<Vec<RunFigures>> = vec![Vec::new(); grid.len()];
    let mut errors: Vec<Option<String>> = vec![None; grid.len()];
    for (v, outcome) in outcomes {
        match outcome {
            Ok(Some(figures)) => per_variant[v].push(figures),
            Ok(None) => {}
            Err(error) => errors[v] = Some(error.to_string()),
        }
    }
    let mut variants: Vec<VariantResult> = grid
        .into_iter()
        .zip(per_variant.into_iter().zip(errors))
        .enumerate()
        .filter(|(_, (_, (runs, error)))| runs.len() == seeds as usize || error.is_some())
        .map(|(v, (values, (mut runs, error)))| {
            runs.sort_by_key(|r| r.seed);
            summarise(v, values, runs, error, &options.targets)
        })
        .collect();
    if !options.targets.is_empty() {
        mark_cheapest(&mut variants, axes);
    }
    Ok(SweepResult {
        axes: axes.iter().map(ToString::to_string).collect(),
        seeds,
        until_us: until,
        targets: options.targets.iter().map(|t| t.text.clone()).collect(),
        variants,
        grid_size,
        cancelled: progress.cancelled(),
    })
}

/// One run of one variant; none when the sweep was cancelled during it.
fn run_one(
    model: &Model,
    seed: u64,
    until: Time,
    progress: &Progress,
) -> Result<Option<RunFigures>, SimError> {
    if progress.cancelled() {
        return Ok(None);
    }
    let mut sim = Sim::new(
        model,
        &SimOptions {
            seed: Some(seed),
            trace_off: true,
            ..SimOptions::default()
        },
    )?;
    while sim.next_event_time().is_some_and(|t| t <= until) {
        sim.run_events(200_000, until);
        if progress.cancelled() {
            return Ok(None);
        }
    }
    sim.run_until(until);
    progress.done.fetch_add(1, Ordering::Relaxed);
    Ok(Some(figures_of(&sim, seed)))
}

/// The figures of a finished run.
pub fn figures_of(sim: &Sim, seed: u64) -> RunFigures {
    let snapshot = sim.snapshot();
    let seconds = (sim.now().max(1) as f64) / 1e6;
    let headline = headline_element(sim);
    let summary = headline
        .map(|(i, requests)| {
            let metrics = sim.element_metrics(i).cloned().unwrap_or_default();
            if requests {
                metrics.request_latency.summary()
            } else {
                metrics.latency.summary()
            }
        })
        .unwrap_or_default();
    let max_lag = snapshot
        .topics
        .iter()
        .flat_map(|t| t.groups.iter().map(|g| g.lag.iter().sum::<u64>()))
        .max()
        .unwrap_or(0);
    let busiest = snapshot
        .elements
        .iter()
        .enumerate()
        .filter_map(|(i, state)| {
            let metrics = sim.element_metrics(i as u32)?;
            let busy = metrics.service_time.count() as f64 * metrics.service_time.mean();
            let capacity = f64::from(state.instances.max(1)) * sim.now().max(1) as f64;
            Some((i, busy / capacity))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .and_then(|(i, share)| sim.element_id(i as u32).map(|id| (id.clone(), share)));
    RunFigures {
        seed,
        throughput_per_sec: snapshot.totals.processed as f64 / seconds,
        p50_us: summary.p50,
        p99_us: summary.p99,
        p999_us: summary.p999,
        max_lag,
        dead_lettered: snapshot.totals.dead_lettered,
        dropped: snapshot.totals.dropped,
        failed: snapshot
            .elements
            .iter()
            .map(|e| e.counters.requests_failed)
            .sum(),
        busiest,
        stopped: sim.stopped().map(ToString::to_string),
    }
}

/// The element whose latency is the run's headline (as
/// [`Sim::headline_latency`] chooses it), and whether it is a source's
/// request latency.
fn headline_element(sim: &Sim) -> Option<(u32, bool)> {
    let count = sim.element_ids().count() as u32;
    let metrics = |i: u32| sim.element_metrics(i);
    let requests = (0..count)
        .filter(|i| metrics(*i).is_some_and(|m| m.request_latency.count() > 0))
        .max_by_key(|i| metrics(*i).map_or(0, |m| m.request_latency.quantile(0.99)));
    if let Some(i) = requests {
        return Some((i, true));
    }
    (0..count)
        .filter(|i| metrics(*i).is_some_and(|m| m.latency.count() > 0))
        .max_by_key(|i| metrics(*i).map_or(0, |m| m.latency.quantile(0.99)))
        .map(|i| (i, false))
}

fn figure(run: &RunFigures, metric: Metric) -> f64 {
    match metric {
        Metric::P50 => run.p50_us as f64,
        Metric::P99 => run.p99_us as f64,
        Metric::P999 => run.p999_us as f64,
        Metric::Throughput => run.throughput_per_sec,
        Metric::Dropped => run.dropped as f64,
        Metric::DeadLettered => run.dead_lettered as f64,
        Metric::MaxLag => run.max_lag as f64,
        Metric::Failed => run.failed as f64,
    }
}

fn summarise(
    index: usize,
    values: Vec<f64>,
    runs: Vec<RunFigures>,
    error: Option<String>,
    targets: &[Target],
) -> VariantResult {
    let saturated = runs
        .iter()
        .filter_map(|r| r.busiest.as_ref())
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, share)| *share >= 0.9)
        .map(|(id, _)| id.clone());
    let meets_targets = error.is_none()
        && !runs.is_empty()
        && runs.iter().all(|run| {
            run.stopped.is_none() && targets.iter().all(|t| t.met_by(figure(run, t.metric)))
        });
    VariantResult {
        index,
        values,
        throughput_per_sec: Spread::of(runs.iter().map(|r| r.throughput_per_sec)),
        p50_us: Spread::of(runs.iter().map(|r| r.p50_us as f64)),
        p99_us: Spread::of(runs.iter().map(|r| r.p99_us as f64)),
        p999_us: Spread::of(runs.iter().map(|r| r.p999_us as f64)),
        max_lag: runs.iter().map(|r| r.max_lag).max().unwrap_or(0),
        dead_lettered: runs.iter().map(|r| r.dead_lettered).sum(),
        dropped: runs.iter().map(|r| r.dropped).sum(),
        failed: runs.iter().map(|r| r.failed).sum(),
        saturated,
        meets_targets,
        cheapest: false,
        error,
        runs,
    }
}

/// Marks, among the variants meeting every target, the one whose varied
/// resources (partitions, instances) add up least; per value of the
/// non-resource axes (a rate), when there are any. A sweep that varies no
/// resource has nothing to be cheap in: it marks none (which loads meet
/// the targets is `meets_targets`).
fn mark_cheapest(variants: &mut [VariantResult], axes: &[Axis]) {
    if !axes.iter().any(|axis| axis.knob.is_resource()) {
        return;
    }
    let cost = |v: &VariantResult| -> f64 {
        axes.iter()
            .zip(&v.values)
            .filter(|(axis, _)| axis.knob.is_resource())
            .map(|(_, value)| *value)
            .sum()
    };
    let load = |v: &VariantResult| -> Vec<u64> {
        axes.iter()
            .zip(&v.values)
            .filter(|(axis, _)| !axis.knob.is_resource())
            .map(|(_, value)| value.to_bits())
            .collect()
    };
    let mut best: std::collections::BTreeMap<Vec<u64>, (f64, usize)> = Default::default();
    for (i, v) in variants.iter().enumerate().filter(|(_, v)| v.meets_targets) {
        let entry = best.entry(load(v)).or_insert((f64::INFINITY, usize::MAX));
        if cost(v) < entry.0 {
            *entry = (cost(v), i);
        }
    }
    for (_, i) in best.values() {
        if let Some(v) = variants.get_mut(*i) {
            v.cheapest = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Model {
        crate::format::from_ron_str(include_str!("../../../samples/online-shop.ron"))
            .expect("sample loads")
    }

    #[test]
    fn the_grid_varies_the_first_axis_slowest() {
        let model = shop();
        let axes = vec![
            parse_axis("orders.partitions=2,4", &model).expect("axis"),
            parse_axis("billing.instances=1..3", &model).expect("axis"),
        ];
        let grid = grid(&axes).expect("grid");
        assert_eq!(grid.len(), 6);
        assert_eq!(grid[0], [2.0, 1.0]);
        assert_eq!(grid[1], [2.0, 2.0]);
        assert_eq!(grid[3], [4.0, 1.0]);
    }

    #[test]
    fn a_sweep_is_the_same_whatever_runs_beside_it() {
        let mut model = shop();
        model.run.horizon_us = 5_000_000;
        let axes = vec![parse_axis("shipping.instances=1,2", &model).expect("axis")];
        let options = SweepOptions {
            seeds: 2,
            ..SweepOptions::default()
        };
        let first = run_sweep(&model, &axes, &options, &Progress::default()).expect("runs");
        let again = run_sweep(&model, &axes, &options, &Progress::default()).expect("runs");
        assert_eq!(first, again);
        assert_eq!(first.variants.len(), 2);
        // The variant run alone gives the same figures as in the grid.
        let alone = vec![parse_axis("shipping.instances=2", &model).expect("axis")];
        let single = run_sweep(&model, &alone, &options, &Progress::default()).expect("runs");
        assert_eq!(single.variants[0].runs, first.variants[1].runs);
    }

    #[test]
    fn the_cheapest_variant_meeting_the_targets_is_marked() {
        let mut model = shop();
        model.run.horizon_us = 5_000_000;
        let axes = vec![parse_axis("shipping.instances=1..3", &model).expect("axis")];
        let options = SweepOptions {
            seeds: 1,
            targets: vec![Target::parse("max_lag<1000").expect("target")],
            ..SweepOptions::default()
        };
        let result = run_sweep(&model, &axes, &options, &Progress::default()).expect("runs");
        let cheapest: Vec<_> = result.variants.iter().filter(|v| v.cheapest).collect();
        assert_eq!(cheapest.len(), 1);
        assert!(cheapest[0].meets_targets);
        let cheaper_meeting = result
            .variants
            .iter()
            .filter(|v| v.meets_targets && v.values[0] < cheapest[0].values[0])
            .count();
        assert_eq!(cheaper_meeting, 0);
    }

    #[test]
    fn without_targets_or_a_resource_to_save_nothing_is_the_cheapest() {
        // Every variant of a sweep without targets meets them, and a rate is
        // load, not cost: both once marked every row "cheapest".
        let mut model = shop();
        model.run.horizon_us = 2_000_000;
        let run = |spec: &[&str], targets: &[&str]| {
            let axes: Vec<Axis> = spec
                .iter()
                .map(|s| parse_axis(s, &model).expect("axis"))
                .collect();
            let options = SweepOptions {
                seeds: 1,
                targets: targets
                    .iter()
                    .map(|t| Target::parse(t).expect("target"))
                    .collect(),
                ..SweepOptions::default()
            };
            run_sweep(&model, &axes, &options, &Progress::default()).expect("runs")
        };
        let untargeted = run(&["shipping.instances=1,2"], &[]);
        assert!(untargeted.variants.iter().all(|v| !v.cheapest));
        let load_only = run(&["customer.rate=10,20"], &["max_lag<100000"]);
        assert!(
            load_only
                .variants
                .iter()
                .all(|v| v.meets_targets && !v.cheapest)
        );
        let both = run(
            &["customer.rate=10,20", "shipping.instances=1,2"],
            &["max_lag<100000"],
        );
        let marked: Vec<Vec<f64>> = both
            .variants
            .iter()
            .filter(|v| v.cheapest)
            .map(|v| v.values.clone())
            .collect();
        assert_eq!(marked, [vec![10.0, 1.0], vec![20.0, 1.0]], "one per load");
    }

    #[test]
    fn a_cancelled_sweep_returns_what_finished() {
        let model = shop();
        let axes = vec![parse_axis("billing.instances=1..8", &model).expect("axis")];
        let progress = Progress::default();
        progress.cancel();
        let result = run_sweep(&model, &axes, &SweepOptions::default(), &progress).expect("runs");
        assert!(result.cancelled);
        assert!(result.variants.is_empty());
        assert_eq!(result.grid_size, 8);
    }
}
