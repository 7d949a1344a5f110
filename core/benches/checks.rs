//! How long the checks take on large boards (goal: well under 100 ms at 10,000 stickies).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use stormflow_core::{check, synth};

fn checks(c: &mut Criterion) {
    let mut group = c.benchmark_group("checks");
    for size in [1_000usize, 10_000] {
        let model = synth::workshop(size);
        group.bench_with_input(BenchmarkId::from_parameter(size), &model, |b, model| {
            b.iter(|| check(std::hint::black_box(model)));
        });
    }
    group.finish();
}

criterion_group!(benches, checks);
criterion_main!(benches);
