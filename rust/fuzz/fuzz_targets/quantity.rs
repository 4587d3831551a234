//! Any bytes: the parser returns a value or an error, never panics, and agrees with itself.
#![no_main]
use akinv_core::{parse_int, Scale};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let unit = parse_int(data, Scale::Unit);
    let milli = parse_int(data, Scale::Milli);
    // Whatever parses in milli units parses in whole units too, to the same value rounded up.
    if let Ok(m) = milli {
        let u = unit.expect("milli parsed but unit did not");
        let expected = if m >= 0 { (m + 999) / 1000 } else { -((-m + 999) / 1000) };
        assert_eq!(u, expected);
    }
});
