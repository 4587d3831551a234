//! Throughput of each candidate JSON parser on the same corpus, in the same run, next to akinv's
//! whole job: how much of validate's time the parser itself sets, and what another one would
//! buy. Each line is the best of --repeat runs over every document of a JSON Lines file.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::hint::black_box;
use std::time::Instant;

mod minimal_v1;
use minimal_v1::Depth;
#[path = "../../../rust/akinv-core/examples/support/touch.rs"]
mod support;

/// Visits every key (borrowed when unescaped) and every scalar through serde, doing nothing:
/// the ceiling of a serde-visitor walker on that parser.
struct Touch;

impl<'de> DeserializeSeed<'de> for Touch {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Touch {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            n += key.len() + map.next_value_seed(Touch)?;
        }
        Ok(n)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(size) = seq.next_element_seed(Touch)? {
            n += size;
        }
        Ok(n)
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<usize, E> {
        Ok(v.len())
    }
    fn visit_str<E>(self, v: &str) -> Result<usize, E> {
        Ok(v.len())
    }
    fn visit_u64<E>(self, _: u64) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_i64<E>(self, _: i64) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_f64<E>(self, _: f64) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_bool<E>(self, _: bool) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_unit<E>(self) -> Result<usize, E> {
        Ok(0)
    }
}

/// simd-json's tape, with the buffers reused across documents as a batch reader would: the
/// document is copied into a padded buffer (the tape unescapes strings in place).
struct SimdTape {
    input: Vec<u8>,
    buffers: simd_json::Buffers,
    nodes: Vec<simd_json::Node<'static>>,
}

impl SimdTape {
    /// Builds the tape and hands it to `visit`; false when simd-json refuses the document.
    fn run(
        &mut self,
        document: &[u8],
        visit: impl FnOnce(&[simd_json::Node<'_>]) -> usize,
    ) -> bool {
        self.input.clear();
        self.input.extend_from_slice(document);
        self.input
            .resize(document.len() + simd_json::INPUT_PADDING, 0);
        let mut tape = simd_json::Tape(std::mem::take(&mut self.nodes));
        let ok = simd_json::fill_tape_padded(
            &mut self.input,
            document.len(),
            &mut self.buffers,
            &mut tape,
        )
        .is_ok();
        if ok {
            black_box(visit(&tape.0));
        }
        self.nodes = tape.reset().0;
        ok
    }
}

/// Walks the tape as a reader must (keys apart from values), handing each scalar value's text
/// to `scalar`; returns the sum and the index after the value at `at`.
fn walk_tape<F: FnMut(&[u8]) -> usize>(
    nodes: &[simd_json::Node<'_>],
    at: usize,
    scalar: &mut F,
) -> (usize, usize) {
    match nodes[at] {
        simd_json::Node::Object { len, .. } => {
            let (mut sum, mut next) = (0, at + 1);
            for _ in 0..len {
                if let simd_json::Node::String(key) = nodes[next] {
                    sum += key.len();
                }
                let (value, after) = walk_tape(nodes, next + 1, scalar);
                (sum, next) = (sum + value, after);
            }
            (sum, next)
        }
        simd_json::Node::Array { len, .. } => {
            let (mut sum, mut next) = (0, at + 1);
            for _ in 0..len {
                let (value, after) = walk_tape(nodes, next, scalar);
                (sum, next) = (sum + value, after);
            }
            (sum, next)
        }
        simd_json::Node::String(text) => (scalar(text.as_bytes()), at + 1),
        simd_json::Node::Static(_) => (1, at + 1),
    }
}

/// simdjson's (C++) DOM parser over the corpus buffer in place: every line is followed by at
/// least SIMDJSON_PADDING readable bytes (the next lines, then the padding `main` appends), which
/// is all simdjson asks, so nothing is copied. The tape is walked from Rust word by word (the
/// bindings' own walker re-checks every string's UTF-8, which would not measure simdjson).
#[cfg(feature = "simdjson-cpp")]
struct SimdjsonDom {
    parser: cxx::UniquePtr<simdjson_sys::dom_ffi::parser>,
}

#[cfg(feature = "simdjson-cpp")]
impl SimdjsonDom {
    /// A parser for documents up to `capacity` bytes.
    fn new(capacity: usize) -> SimdjsonDom {
        SimdjsonDom {
            parser: simdjson_sys::dom_ffi::parser_new(capacity),
        }
    }

    /// Parses `document`, which must lie in `readable` with SIMDJSON_PADDING bytes after it.
    fn parse(&mut self, readable: &[u8], document: &[u8]) -> bool {
        let start = document.as_ptr() as usize;
        let end = start + document.len() + simdjson_sys::SIMDJSON_PADDING;
        let within = readable.as_ptr_range();
        assert!(within.start as usize <= start && end <= within.end as usize);
        // SAFETY: checked above: SIMDJSON_PADDING initialized bytes of `readable`, borrowed for
        // the whole call, follow the document.
        unsafe { simdjson_sys::dom_ffi::parser_parse(self.parser.pin_mut(), document, false) == 0 }
    }

    /// Parses, then hands the tape to `visit`. Getting the tape costs one more pass over it in
    /// the bindings' C++ (it sums the string lengths), which the rows that walk it include.
    fn run(
        &mut self,
        readable: &[u8],
        document: &[u8],
        visit: impl FnOnce(&[u64], &[u8]) -> usize,
    ) -> bool {
        if !self.parse(readable, document) {
            return false;
        }
        // SAFETY: the parse above succeeded and the parser is not touched while the view lives.
        let view = unsafe { simdjson_sys::dom_ffi::parser_get_tape_view(&self.parser) };
        black_box(visit(view.tape, view.string_buf));
        true
    }
}

#[cfg(feature = "simdjson-cpp")]
fn simdjson_string(word: u64, strings: &[u8]) -> &[u8] {
    let at = (word & 0x00FF_FFFF_FFFF_FFFF) as usize;
    let len = u32::from_ne_bytes(strings[at..at + 4].try_into().unwrap()) as usize;
    &strings[at + 4..at + 4 + len]
}

/// Walks simdjson's tape from word `at` as a reader must, keys apart from values, handing each
/// string value to `scalar` (numbers are binary on this tape); returns the sum and the next word.
#[cfg(feature = "simdjson-cpp")]
fn walk_simdjson<F: FnMut(&[u8]) -> usize>(
    tape: &[u64],
    strings: &[u8],
    at: usize,
    scalar: &mut F,
) -> (usize, usize) {
    let word = tape[at];
    match (word >> 56) as u8 {
        b'r' => walk_simdjson(tape, strings, at + 1, scalar),
        b'{' => {
            let (mut sum, mut next) = (0, at + 1);
            while (tape[next] >> 56) as u8 != b'}' {
                sum += simdjson_string(tape[next], strings).len();
                let (value, after) = walk_simdjson(tape, strings, next + 1, scalar);
                (sum, next) = (sum + value, after);
            }
            (sum, next + 1)
        }
        b'[' => {
            let (mut sum, mut next) = (0, at + 1);
            while (tape[next] >> 56) as u8 != b']' {
                let (value, after) = walk_simdjson(tape, strings, next, scalar);
                (sum, next) = (sum + value, after);
            }
            (sum, next + 1)
        }
        b'"' => (scalar(simdjson_string(word, strings)), at + 1),
        b'l' | b'u' | b'd' => (1, at + 2),
        _ => (0, at + 1),
    }
}

/// akinv's findings counted in the lean walker's order of codes.
fn akinv_counts(report: &akinv_core::Report) -> [u32; 9] {
    use akinv_core::Code;
    let order = [
        Code::WrongType,
        Code::Unparsable,
        Code::WrappedNegative,
        Code::NotInt64Safe,
        Code::Negative,
        Code::AboveCap,
        Code::OverAllocated,
        Code::GpuInfoMismatch,
        Code::DuplicateNode,
    ];
    order.map(|code| report.findings.iter().filter(|f| f.code == code).count() as u32)
}

/// The lean walkers' totals and finding counts must be akinv's on every v1 document, or their
/// speed means nothing. Returns how many documents disagree.
fn check_minimal_v1(lines: &[(usize, &[u8])], policy: &akinv_core::Policy) -> usize {
    #[cfg(feature = "simdjson-cpp")]
    let mut simdjson = SimdjsonDom::new(1 << 26);
    let (mut agree, mut differ) = (0, 0);
    for (_, line) in lines {
        let report = akinv_core::validate(line, None, policy).expect("valid document");
        if report.schema != akinv_core::Schema::V1 {
            continue;
        }
        let parts = minimal_v1::ReportParts::of(&report);
        let r = &report.totals.resources;
        let akinv = [
            r.cpu_millis.cast::<i64>(),
            r.memory_bytes.cast(),
            r.gpu.cast(),
            r.ephemeral_storage_bytes.cast(),
        ]
        .map(|t| [t.allocatable, t.allocated, t.available].map(i128::from));
        let value: sonic_rs::Value =
            sonic_rs::from_slice(line).expect("sonic-rs parses the corpus");
        let sonic = minimal_v1::run(&minimal_v1::Sonic(&value), Depth::ReportAndChecks);
        // Nodes, GPU groups and storage classes are compared where akinv found nothing (the
        // lean walker does not settle untrusted values the way akinv reports them).
        let parts_agree = |lean: &minimal_v1::ReportParts| {
            !report.findings.is_empty()
                || (lean.nodes == parts.nodes
                    && lean.gpus == parts.gpus
                    && lean.storage == parts.storage)
        };
        #[allow(unused_mut)]
        let mut same = sonic.totals == akinv
            && sonic.findings == akinv_counts(&report)
            && parts_agree(&sonic.report);
        #[cfg(feature = "simdjson-cpp")]
        {
            let mut padded = line.to_vec();
            padded.resize(line.len() + simdjson_sys::SIMDJSON_PADDING, b' ');
            let mut lean = None;
            simdjson.run(&padded, &padded[..line.len()], |words, strings| {
                lean = Some(minimal_v1::run(
                    &minimal_v1::Tape { words, strings },
                    Depth::ReportAndChecks,
                ));
                0
            });
            same &= lean.is_some_and(|lean| {
                lean.totals == akinv && lean.findings == sonic.findings && parts_agree(&lean.report)
            });
        }
        if same {
            agree += 1;
        } else {
            differ += 1;
        }
    }
    println!(
        "lean walkers vs akinv: {agree} v1 documents agree (totals, finding counts; nodes, GPU groups and storage where clean), {differ} differ"
    );
    differ
}

/// 1 when a scalar's text is a quantity: the work the minimal job does with each value.
fn parses_as_quantity(text: &[u8]) -> usize {
    usize::from(akinv_core::parse_int(text, akinv_core::Scale::Unit).is_ok())
}

/// One candidate: its name, and what it does to a document (false: refused it).
type Job<'a> = (&'static str, Box<dyn Fn(&[u8]) -> bool + 'a>);

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: akinv-parser-ceilings FILE.jsonl [REPEAT]");
    let repeat: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("REPEAT is a number"));
    let mut buffer = std::fs::read(&path).expect("readable corpus");
    let corpus_len = buffer.len();
    // Readable bytes after the last line, for the parsers that read ahead (simdjson's 64).
    buffer.resize(corpus_len + 64, b' ');
    // The generated corpus: one compact document a line, numbered from 0, no blank lines.
    let lines: Vec<(usize, &[u8])> = buffer[..corpus_len]
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .enumerate()
        .collect();
    let bytes: usize = lines.iter().map(|(_, line)| line.len()).sum();
    let policy = akinv_core::Policy::default();
    let tape = std::cell::RefCell::new(SimdTape {
        input: Vec::new(),
        buffers: simd_json::Buffers::new(1 << 16),
        nodes: Vec::new(),
    });
    #[cfg(feature = "simdjson-cpp")]
    let simdjson = std::cell::RefCell::new(SimdjsonDom::new(1 << 26));
    #[allow(unused_mut)]
    let mut jobs: Vec<Job> = vec![
        (
            "akinv validate (the whole job)",
            Box::new(|d| akinv_core::validate(d, None, &policy).is_ok()),
        ),
        (
            "jiter: skip",
            Box::new(|d| jiter::Jiter::new(d).next_skip().is_ok()),
        ),
        (
            "jiter: visit every key and scalar",
            Box::new(|d| support::touch_all(&mut jiter::Jiter::new(d)).is_ok()),
        ),
        (
            "serde_json: skip (IgnoredAny)",
            Box::new(|d| serde_json::from_slice::<IgnoredAny>(d).is_ok()),
        ),
        (
            "serde_json: visit every key and scalar",
            Box::new(|d| {
                let mut de = serde_json::Deserializer::from_slice(d);
                Touch.deserialize(&mut de).is_ok() && de.end().is_ok()
            }),
        ),
        (
            "sonic-rs: skip (IgnoredAny)",
            Box::new(|d| sonic_rs::from_slice::<IgnoredAny>(d).is_ok()),
        ),
        (
            "sonic-rs: visit every key and scalar",
            Box::new(|d| {
                let mut de = sonic_rs::Deserializer::from_slice(d);
                Touch.deserialize(&mut de).is_ok() && de.end().is_ok()
            }),
        ),
        (
            "sonic-rs: Value (DOM)",
            Box::new(|d| sonic_rs::from_slice::<sonic_rs::Value>(d).is_ok()),
        ),
        // v1 documents only (`--shape v1` corpora): a lean walker doing the peers' job.
        (
            "sonic-rs: the peers' job, lean walker (v1)",
            Box::new(|d| {
                sonic_rs::from_slice::<sonic_rs::Value>(d).is_ok_and(|value| {
                    let summary = minimal_v1::run(&minimal_v1::Sonic(&value), Depth::PeersJob);
                    black_box(summary.findings);
                    true
                })
            }),
        ),
        (
            "simd-json: tape",
            Box::new(|d| tape.borrow_mut().run(d, |_| 0)),
        ),
        (
            "simd-json: tape, visit every key and scalar",
            Box::new(|d| {
                tape.borrow_mut()
                    .run(d, |nodes| walk_tape(nodes, 0, &mut <[u8]>::len).0)
            }),
        ),
        // Strings only: the tape keeps numbers as binary, not as text to parse exactly.
        (
            "simd-json: tape, parse every string value",
            Box::new(|d| {
                tape.borrow_mut()
                    .run(d, |nodes| walk_tape(nodes, 0, &mut parses_as_quantity).0)
            }),
        ),
    ];
    #[cfg(feature = "simdjson-cpp")]
    jobs.extend::<[Job; 7]>([
        (
            "simdjson (C++): DOM tape",
            Box::new(|d| simdjson.borrow_mut().parse(&buffer, d)),
        ),
        (
            "simdjson (C++): DOM tape, and its view",
            Box::new(|d| simdjson.borrow_mut().run(&buffer, d, |_, _| 0)),
        ),
        (
            "simdjson (C++): visit every key and scalar",
            Box::new(|d| {
                simdjson.borrow_mut().run(&buffer, d, |tape, strings| {
                    walk_simdjson(tape, strings, 0, &mut <[u8]>::len).0
                })
            }),
        ),
        (
            "simdjson (C++): parse every string value",
            Box::new(|d| {
                simdjson.borrow_mut().run(&buffer, d, |tape, strings| {
                    walk_simdjson(tape, strings, 0, &mut parses_as_quantity).0
                })
            }),
        ),
        // v1 documents only (`--shape v1` corpora): a lean walker doing the peers' job.
        (
            "simdjson (C++): the peers' job, lean walker (v1)",
            Box::new(|d| {
                simdjson.borrow_mut().run(&buffer, d, |words, strings| {
                    let summary =
                        minimal_v1::run(&minimal_v1::Tape { words, strings }, Depth::PeersJob);
                    summary.findings.iter().sum::<u32>() as usize
                })
            }),
        ),
        (
            "simdjson (C++): + nodes, GPU groups, storage (v1)",
            Box::new(|d| {
                simdjson.borrow_mut().run(&buffer, d, |words, strings| {
                    let tape = minimal_v1::Tape { words, strings };
                    let summary = minimal_v1::run(&tape, Depth::Report);
                    summary.report.nodes.len() + summary.report.gpus.len()
                })
            }),
        ),
        (
            "simdjson (C++): + capacities, volumes (v1)",
            Box::new(|d| {
                simdjson.borrow_mut().run(&buffer, d, |words, strings| {
                    let tape = minimal_v1::Tape { words, strings };
                    let summary = minimal_v1::run(&tape, Depth::ReportAndChecks);
                    summary.report.nodes.len() + summary.report.gpus.len()
                })
            }),
        ),
    ]);
    let disagreements = check_minimal_v1(&lines, &policy);
    println!(
        "{} documents, {:.1} MB, best of {repeat}",
        lines.len(),
        bytes as f64 / 1e6
    );
    let mut refusals = 0;
    for (name, job) in jobs {
        let mut best = f64::INFINITY;
        let mut failed = 0;
        for _ in 0..repeat {
            let started = Instant::now();
            failed = lines
                .iter()
                .filter(|(_, line)| !job(black_box(line)))
                .count();
            best = best.min(started.elapsed().as_secs_f64());
        }
        refusals += failed;
        println!(
            "{name:<46} {:>8.1} MB/s  ({failed} documents refused)",
            bytes as f64 / 1e6 / best
        );
    }
    // The corpus is valid JSON of known shapes: a refusal or a disagreement is a bug in the bench
    // or a parser.
    if refusals > 0 || disagreements > 0 {
        std::process::exit(1);
    }
}
