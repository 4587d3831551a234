//! Validates every line of a JSON Lines corpus on one thread and prints the throughput: the
//! core alone, for profiling (`valgrind --tool=callgrind`) and for comparing with
//! `benches/compare.py`, which adds the Python boundary.
//!
//! cargo run --release -p akinv-core --example validate_corpus -- benches/out/corpus-20MB.jsonl [repeat]
//!
//! Modes (`MODE=...`), each a ceiling for a jiter-based reader of the same bytes:
//! - `skip`: jiter checks the JSON and skips every value;
//! - `touch`: also visits every key and scalar, as the walker must;
//! - `touch_parse`: also parses every scalar as a quantity: the minimal job, with none of the
//!   walker's bookkeeping (paths, pairs, totals, nodes, the report);
//! - `many`: `validate_many` on `THREADS` threads (default all);
//! - anything else: `validate`, one document after another.
use akinv_core::{validate, Policy};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::hint::black_box;

#[path = "support/touch.rs"]
mod support;
use std::time::Instant;
use support::touch_all;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: validate_corpus FILE.jsonl [REPEAT]");
    let repeat: usize = args
        .next()
        .map_or(3, |r| r.parse().expect("REPEAT is a number"));
    let mode = std::env::var("MODE").unwrap_or_default();
    let buffer = std::fs::read(&path).expect("readable corpus");
    // The generated corpus has one compact document a line and no blank ones.
    let lines: Vec<&[u8]> = buffer
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .collect();
    let bytes: usize = lines.iter().map(|line| line.len()).sum();
    let policy = Policy::default();
    let mut best = f64::INFINITY;
    let mut findings = 0;
    for _ in 0..repeat {
        let started = Instant::now();
        findings = 0;
        for line in &lines {
            if mode == "many" {
                break;
            }
            match mode.as_str() {
                "skip" => {
                    let mut jiter = jiter::Jiter::new(black_box(line));
                    black_box(jiter.next_skip().ok());
                }
                "touch_parse" => {
                    let mut jiter = jiter::Jiter::new(black_box(line));
                    // Every scalar parsed as a quantity, as the walker parses the numbers it reads.
                    let mut parse = |text: &[u8]| {
                        usize::from(akinv_core::parse_int(text, akinv_core::Scale::Unit).is_ok())
                    };
                    black_box(support::visit_all(&mut jiter, &mut parse).ok());
                }
                "touch" => {
                    let mut jiter = jiter::Jiter::new(black_box(line));
                    black_box(touch_all(&mut jiter).ok());
                }
                _ => {
                    if let Ok(report) = validate(black_box(line), None, &policy) {
                        findings += report.findings.len();
                    }
                }
            }
        }
        if mode == "many" {
            let docs: Vec<&[u8]> = lines.clone();
            let threads = std::env::var("THREADS").ok().and_then(|t| t.parse().ok());
            let started = Instant::now();
            let reports = akinv_core::validate_many(&docs, threads, None, &policy);
            findings = reports.iter().flatten().map(|r| r.findings.len()).sum();
            best = best.min(started.elapsed().as_secs_f64());
            continue;
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "{} documents, {:.1} MB, {findings} findings: best of {repeat} {:.3} s, {:.1} MB/s",
        lines.len(),
        bytes as f64 / 1e6,
        best,
        bytes as f64 / 1e6 / best
    );
}
