//! Any bytes as a status document: a report or a typed error, never a panic; whatever
//! sanitizes once is a fixed point of sanitizing, and holds no untrusted number.
#![no_main]
use akinv_core::{sanitize, validate, Code, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let policy = Policy::default();
    let report = validate(data, None, &policy);
    if let Ok(once) = sanitize(data, None, &policy) {
        assert_eq!(Ok(&once.report), report.as_ref());
        let again = validate(&once.data, None, &policy).expect("sanitized output must read");
        // A wrong-typed container is not a number: only numbers are replaced.
        let untrusted: Vec<_> = again
            .findings
            .iter()
            .filter(|f| f.code.distrusts_number() && (f.code != Code::WrongType || f.resource.is_some()))
            .collect();
        assert!(untrusted.is_empty(), "untrusted numbers left: {untrusted:?}");
        let twice = sanitize(&once.data, None, &policy).expect("sanitized output must read");
        assert!(twice.changes.is_empty(), "not idempotent: {:?}", twice.changes);
    }
});
