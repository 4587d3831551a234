//! Any bytes as a status document: a report or a typed error, never a panic; and whatever
//! sanitizes once is a fixed point of sanitizing.
#![no_main]
use akinv_core::{sanitize, validate, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let policy = Policy::default();
    let report = validate(data, None, &policy);
    if let Ok(once) = sanitize(data, None, &policy) {
        assert_eq!(Ok(&once.report), report.as_ref());
        let twice = sanitize(&once.data, None, &policy).expect("sanitized output must read");
        assert!(twice.changes.is_empty(), "not idempotent: {:?}", twice.changes);
    }
});
