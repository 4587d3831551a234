//! The status walker on the packaged samples and on hostile bytes.
use akinv_core::{sanitize, validate, validate_many, Amount, Code, DocumentError, Policy, Schema};
use proptest::prelude::*;
use std::path::PathBuf;

fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../python/akinv/samples");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("samples folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn samples_have_the_expected_findings() {
    let policy = Policy::default();
    for (name, data) in samples() {
        let report = validate(&data, None, &policy).unwrap_or_else(|e| panic!("{name}: {e}"));
        let codes: Vec<Code> = report.findings.iter().map(|f| f.code).collect();
        let expected: &[Code] = match name.as_str() {
            "legacy-3nodes-8xH100.json" | "v1-protojson-3nodes-8xH100.json" => &[],
            "legacy-gpu-wrapped-device-plugin-restart.json" => &[Code::WrappedNegative],
            "legacy-0.2-negative-storage.json" => &[Code::Negative],
            "v1-go-json-gpu-device-plugin-restart.json" => {
                &[Code::OverAllocated, Code::GpuInfoMismatch]
            }
            "inventory-wrapped-cpu-memory.json" => &[
                Code::NotInt64Safe,
                Code::WrappedNegative,
                Code::NotInt64Safe,
            ],
            other => panic!("no expectation for sample {other}"),
        };
        assert_eq!(codes, expected, "{name}");
    }
}

#[test]
fn sanitize_is_idempotent_on_samples() {
    let policy = Policy::default();
    for (name, data) in samples() {
        let once = sanitize(&data, None, &policy).unwrap();
        let twice = sanitize(&once.data, None, &policy).unwrap();
        assert!(twice.changes.is_empty(), "{name}: {:?}", twice.changes);
        assert_eq!(once.data, twice.data, "{name}");
    }
}

#[test]
fn wrapped_gpu_contributes_nothing_available() {
    let doc = br#"{"nodes":[{"name":"n","allocatable":{"cpu":1000,"gpu":0,"memory":1,"storage_ephemeral":1},
        "available":{"cpu":1000,"gpu":18446744073709551611,"memory":1,"storage_ephemeral":1}}]}"#;
    let report = validate(doc, None, &Policy::default()).unwrap();
    assert_eq!(report.schema, Schema::Inventory);
    assert_eq!(report.totals.resources.gpu.available.get(), 0);
    assert_eq!(report.findings[0].code, Code::WrappedNegative);
    assert_eq!(report.findings[0].path, "nodes[0].available.gpu");
}

#[test]
fn errors_are_typed() {
    let policy = Policy::default();
    assert!(matches!(
        validate(b"{\"a\":", None, &policy),
        Err(DocumentError::Malformed { line: 1, .. })
    ));
    assert!(matches!(
        validate(b"[]", None, &policy),
        Err(DocumentError::UnknownShape { .. })
    ));
    assert!(matches!(
        validate(b"{\"x\":1}", None, &policy),
        Err(DocumentError::UnknownShape { .. })
    ));
}

#[test]
fn batches_keep_order() {
    let docs: Vec<Vec<u8>> = samples()
        .into_iter()
        .map(|(_, d)| d)
        .chain([b"{".to_vec()])
        .collect();
    let policy = Policy::default();
    let many = validate_many(&docs, Some(2), None, &policy);
    for (doc, result) in docs.iter().zip(&many) {
        assert_eq!(result, &validate(doc, None, &policy));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn hostile_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let policy = Policy::default();
        let _ = validate(&bytes, None, &policy);
        let _ = sanitize(&bytes, None, &policy);
    }

    #[test]
    fn truncated_and_mutated_samples_never_panic(index in 0usize..6, cut in 0usize..12000, flip in 0usize..12000, byte in any::<u8>()) {
        let all = samples();
        let (_, data) = &all[index % all.len()];
        let mut data = data[..cut.min(data.len())].to_vec();
        if !data.is_empty() {
            let at = flip % data.len();
            data[at] = byte;
        }
        let policy = Policy::default();
        if let Ok(once) = sanitize(&data, None, &policy) {
            // Whatever could be read sanitizes to a fixed point.
            let twice = sanitize(&once.data, None, &policy).expect("sanitized output reads");
            prop_assert!(twice.changes.is_empty(), "{:?}", twice.changes);
        }
    }
}

#[test]
fn json_lines_skips_blanks_and_keeps_numbers() {
    let lines = akinv_core::json_lines(b"{\"a\":1}\n\n  \r\n{\"b\":2}\r\n{\"c\":3}");
    let expected: Vec<(usize, &[u8])> =
        vec![(0, b"{\"a\":1}"), (3, b"{\"b\":2}"), (4, b"{\"c\":3}")];
    assert_eq!(lines, expected);
    assert!(akinv_core::json_lines(b"").is_empty());
    assert_eq!(akinv_core::json_lines(b"x\n").len(), 1);
}

#[test]
fn deeply_wrapped_pairs_keep_their_whole_path_and_exact_edits() {
    // Writers wrap a pair in {"quantity": ...}; a hostile one nests that 60 times, beyond the
    // 48 path segments the walker holds inline.
    let mut pair = r#"{"allocatable": "0", "allocated": "18446744073709551615"}"#.to_owned();
    for _ in 0..60 {
        pair = format!(r#"{{"quantity": {pair}}}"#);
    }
    let doc = format!(
        r#"{{"cluster": {{"inventory": {{"cluster": {{"nodes": [{{"name": "n",
           "resources": {{"gpu": {pair}}}}}]}}}}}}}}"#
    );
    let policy = Policy::default();
    let report = validate(doc.as_bytes(), None, &policy).expect("readable");
    let finding = report
        .findings
        .iter()
        .find(|f| f.code == Code::WrappedNegative)
        .expect("the wrapped count is found");
    let expected = format!(
        "cluster.inventory.cluster.nodes[0].resources.gpu{}.allocated",
        ".quantity".repeat(60)
    );
    assert_eq!(finding.path, expected);
    let clean = sanitize(doc.as_bytes(), None, &policy).expect("readable");
    let text = String::from_utf8(clean.data).expect("utf-8");
    assert!(text.contains(r#""allocated": "0""#) && !text.contains("18446744073709551615"));
    assert_eq!(clean.changes.len(), 1);
    assert_eq!(clean.changes[0].path, expected);
}

proptest! {
    /// The SIMD line splitter numbers and trims lines as a plain split does.
    #[test]
    fn json_lines_matches_a_plain_split(
        bytes in proptest::collection::vec(prop::sample::select(vec![b'\n', b'\r', b' ', b'\t', b'{', b'}', b'a']), 0..200)
    ) {
        let expected: Vec<(usize, &[u8])> = bytes
            .split(|&b| b == b'\n')
            .enumerate()
            .map(|(number, line)| (number, line.strip_suffix(b"\r").unwrap_or(line)))
            .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
            .collect();
        prop_assert_eq!(akinv_core::json_lines(&bytes), expected);
        // A block's line count is where the next block's numbering starts.
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
        prop_assert_eq!(akinv_core::lines_ended(&bytes), newlines);
    }
}
