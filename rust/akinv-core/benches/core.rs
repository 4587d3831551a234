//! Criterion benchmarks of the core without the Python boundary.
use akinv_core::{parse_int, Scale};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

const QUANTITIES: [&str; 8] = [
    "64",
    "12500m",
    "503Gi",
    "1900G",
    "2e3",
    "63193980928",
    "4535332Ki",
    "1073741824k",
];

fn quantities(c: &mut Criterion) {
    let mut group = c.benchmark_group("quantity");
    group.throughput(Throughput::Elements(QUANTITIES.len() as u64));
    group.bench_function("parse_int", |b| {
        b.iter(|| {
            for text in QUANTITIES {
                black_box(parse_int(black_box(text.as_bytes()), Scale::Milli).ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, quantities);
criterion_main!(benches);
