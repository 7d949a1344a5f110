//! How long exporting a 10,000-sticky board takes (goal: SVG well under a
//! second). The PNG is drawn at the default scale, which the pixel budget
//! reduces for a board this large (the figure reports what was drawn).

use criterion::{Criterion, criterion_group, criterion_main};
use stormflow_core::export::{DEFAULT_PNG_SCALE, PictureOptions, svg_to_png, to_svg};
use stormflow_core::synth;

fn export(c: &mut Criterion) {
    let model = synth::workshop(10_000);
    let options = PictureOptions::default();
    let mut group = c.benchmark_group("export_10k");
    group.sample_size(10);
    group.bench_function("svg", |b| {
        b.iter(|| to_svg(std::hint::black_box(&model), &options));
    });
    let svg = to_svg(&model, &options);
    if let Ok(png) = svg_to_png(&svg, DEFAULT_PNG_SCALE) {
        eprintln!(
            "10k board: SVG {} bytes; PNG {}x{} px at scale {:.3}, {} bytes",
            svg.len(),
            png.width,
            png.height,
            png.scale,
            png.bytes.len()
        );
    }
    group.bench_function("png", |b| {
        b.iter(|| svg_to_png(std::hint::black_box(&svg), DEFAULT_PNG_SCALE));
    });
    group.finish();
}

criterion_group!(benches, export);
criterion_main!(benches);
