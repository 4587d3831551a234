//! Criterion benchmarks of the core without the Python boundary: quantities, and validate /
//! sanitize over the packaged sample documents (compact, as JSON Lines corpora hold them).
use akinv_core::{parse_int, sanitize, validate, validate_many, Policy, Scale};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

#[path = "../examples/support/touch.rs"]
mod support;
use std::path::PathBuf;
use support::touch_all;

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

fn sample_documents() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../python/akinv/samples");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("samples")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            // Compact: drop the indentation newlines and the spaces that follow them.
            let text = std::fs::read_to_string(p).expect("read");
            text.lines()
                .map(str::trim_start)
                .collect::<Vec<_>>()
                .join("")
                .into_bytes()
        })
        .collect()
}

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

fn documents(c: &mut Criterion) {
    let docs = sample_documents();
    let bytes: usize = docs.iter().map(Vec::len).sum();
    let policy = Policy::default();
    let mut group = c.benchmark_group("documents");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("validate", |b| {
        b.iter(|| {
            for doc in &docs {
                black_box(validate(black_box(doc), None, &policy).ok());
            }
        })
    });
    // The parser's own ceiling: validate the JSON and skip every value.
    group.bench_function("jiter_skip", |b| {
        b.iter(|| {
            for doc in &docs {
                let mut jiter = jiter::Jiter::new(black_box(doc));
                black_box(jiter.next_skip().ok());
            }
        })
    });
    group.bench_function("jiter_touch_all", |b| {
        b.iter(|| {
            for doc in &docs {
                let mut jiter = jiter::Jiter::new(black_box(doc));
                black_box(touch_all(&mut jiter).ok());
            }
        })
    });
    group.bench_function("sanitize", |b| {
        b.iter(|| {
            for doc in &docs {
                black_box(sanitize(black_box(doc), None, &policy).ok());
            }
        })
    });
    let batch: Vec<Vec<u8>> = docs
        .iter()
        .cycle()
        .take(docs.len() * 200)
        .cloned()
        .collect();
    group.throughput(Throughput::Bytes((bytes * 200) as u64));
    for threads in [Some(1), Some(2), None] {
        let name = threads.map_or("all".to_owned(), |t| t.to_string());
        group.bench_function(format!("validate_many/{name}"), |b| {
            b.iter(|| black_box(validate_many(&batch, threads, None, &policy)))
        });
    }
    group.finish();
}

criterion_group!(benches, quantities, documents);
criterion_main!(benches);
