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

proptest! {}
