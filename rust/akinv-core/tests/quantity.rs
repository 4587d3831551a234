//! Quantity parsing against Kubernetes' grammar and a big-integer reference.
use akinv_core::{parse_int, saturating_i64, saturating_u64, QuantityErrorKind, Scale};
use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};
use proptest::prelude::*;

fn value(text: &str) -> i128 {
    parse_int(text.as_bytes(), Scale::Unit).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn milli(text: &str) -> i128 {
    parse_int(text.as_bytes(), Scale::Milli).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn error(text: &str) -> QuantityErrorKind {
    match parse_int(text.as_bytes(), Scale::Unit) {
        Ok(v) => panic!("{text:?} parsed as {v}"),
        Err(e) => e.kind,
    }
}

#[test]
fn values_kubernetes_accepts() {
    // (text, Value(), MilliValue()): facts of apimachinery's quantity semantics.
    let table: &[(&str, i128, i128)] = &[
        ("0", 0, 0),
        ("-0", 0, 0),
        ("1", 1, 1000),
        ("+1", 1, 1000),
        ("1.5", 2, 1500),
        ("-1.5", -2, -1500),
        (".5", 1, 500),
        ("1.", 1, 1000),
        ("-.001", -1, -1),
        ("100m", 1, 100),
        ("1m", 1, 1),
        ("12500m", 13, 12500),
        ("1n", 1, 1),
        ("1000000000n", 1, 1000),
        ("1u", 1, 1),
        ("1k", 1000, 1_000_000),
        ("1M", 1_000_000, 1_000_000_000),
        ("1G", 1_000_000_000, 1_000_000_000_000),
        ("1.G", 1_000_000_000, 1_000_000_000_000),
        ("1T", 1_000_000_000_000, 1_000_000_000_000_000),
        ("1P", 10i128.pow(15), 10i128.pow(18)),
        ("1E", 10i128.pow(18), 10i128.pow(21)),
        ("12E", 12 * 10i128.pow(18), 12 * 10i128.pow(21)),
        ("1Ki", 1024, 1_024_000),
        ("1.5Ki", 1536, 1_536_000),
        ("1Mi", 1 << 20, 1000 << 20),
        ("503Gi", 503 << 30, 503_000 << 30),
        ("1Ti", 1 << 40, 1000 << 40),
        ("1Pi", 1 << 50, 1000 << 50),
        ("1Ei", 1 << 60, 1000 << 60),
        ("8Ei", 1 << 63, 1000 << 63),
        ("1e3", 1000, 1_000_000),
        ("1E3", 1000, 1_000_000),
        ("1e+3", 1000, 1_000_000),
        ("1e-3", 1, 1),
        ("2e3", 2000, 2_000_000),
        ("1.0001", 2, 1001),
        ("0.0000000001", 1, 1),
        ("1073741824k", 1_073_741_824_000, 1_073_741_824_000_000),
        ("4535332Ki", 4_535_332 * 1024, 4_535_332_000 * 1024),
        (
            "9223372036854775807",
            i64::MAX as i128,
            i64::MAX as i128 * 1000,
        ),
        (
            "18446744073709551615",
            u64::MAX as i128,
            u64::MAX as i128 * 1000,
        ),
        (
            "18446744073709552000",
            18_446_744_073_709_552_000,
            18_446_744_073_709_552_000_000,
        ),
        (
            "1.8446744073709552e+19",
            18_446_744_073_709_552_000,
            18_446_744_073_709_552_000_000,
        ),
        ("0000000000000000000000000000000000000000001", 1, 1000),
    ];
    for &(text, unit, thousandths) in table {
        assert_eq!(value(text), unit, "Value({text})");
        assert_eq!(milli(text), thousandths, "MilliValue({text})");
    }
}

#[test]
fn texts_kubernetes_rejects() {
    use QuantityErrorKind::*;
    let table: &[(&str, QuantityErrorKind)] = &[
        ("", Empty),
        ("1K", UnknownSuffix),
        ("1ki", UnknownSuffix),
        ("1mi", UnknownSuffix),
        ("1ni", UnknownSuffix),
        ("1i", UnknownSuffix),
        ("1KiB", UnknownSuffix),
        ("1e", UnknownSuffix),
        ("1e3Gi", UnknownSuffix),
        ("1e3.5", UnknownSuffix),
        ("1Ee3", UnknownSuffix),
        ("1e+", UnknownSuffix),
        ("inf", NoDigits),
        ("nan", NoDigits),
        ("1.5.", BadCharacter { offset: 3 }),
        (" 1", BadCharacter { offset: 0 }),
        ("1 ", BadCharacter { offset: 1 }),
        ("1_000", BadCharacter { offset: 1 }),
        ("0x10", BadCharacter { offset: 1 }),
        ("1.2.3", BadCharacter { offset: 3 }),
        ("--1", BadCharacter { offset: 1 }),
        ("+-1", BadCharacter { offset: 1 }),
        ("1+1", BadCharacter { offset: 1 }),
    ];
    for &(text, kind) in table {
        assert_eq!(error(text), kind, "{text:?}");
    }
}

#[test]
fn go_holes_are_errors() {
    // Go reads these as zero; a status document that says them is broken.
    for text in ["Gi", ".", "-", "+", "-.", ".Gi", "e3", "m"] {
        assert_eq!(error(text), QuantityErrorKind::NoDigits, "{text:?}");
    }
    // Go truncates the exponent to 32 bits (`1e4294967296` would read as 1).
    for text in [
        "1e4294967296",
        "0e4294967296",
        "1e-4294967296",
        "1e2147483648",
        "1e99999999999999999999999",
    ] {
        assert_eq!(
            error(text),
            QuantityErrorKind::ExponentOutOfRange,
            "{text:?}"
        );
    }
}

#[test]
fn exact_beyond_int64_and_an_error_beyond_i128() {
    assert_eq!(value("170141183460469231731687303715884105727"), i128::MAX);
    assert_eq!(
        error("170141183460469231731687303715884105728"),
        QuantityErrorKind::TooLarge
    );
    assert_eq!(
        value("-170141183460469231731687303715884105727"),
        -i128::MAX
    );
    assert_eq!(error("1e39"), QuantityErrorKind::TooLarge);
    assert_eq!(error("1e2147483647"), QuantityErrorKind::TooLarge);
    assert_eq!(value("1e38"), 10i128.pow(38));
    assert_eq!(value("73786976294838206464Ei"), 1 << 126);
    assert_eq!(
        error("147573952589676412928Ei"),
        QuantityErrorKind::TooLarge
    );
    assert_eq!(value("1e-2147483648"), 1);
    // A huge number of digits is read without overflow or hang.
    let long = format!("0.{}1", "0".repeat(100_000));
    assert_eq!(value(&long), 1);
    let long_zero = format!("1.{}", "0".repeat(100_000));
    assert_eq!(value(&long_zero), 1);
    assert_eq!(milli(&format!("{long_zero}Ki")), 1_024_000);
}

#[test]
fn saturating_conversions_say_so() {
    assert_eq!(saturating_u64(-1).value, 0);
    assert!(saturating_u64(-1).clamped);
    assert_eq!(saturating_u64(1 << 64).value, u64::MAX);
    assert!(!saturating_u64(5).clamped);
    assert_eq!(saturating_i64(1 << 63).value, i64::MAX);
    assert!(saturating_i64(1 << 63).clamped);
    assert_eq!(saturating_i64(-(1 << 64)).value, i64::MIN);
}

/// Reference: ceil away from zero of sign * D * 2^exp2 * 10^exp10, in big integers.
fn reference(
    negative: bool,
    int: &str,
    frac: &str,
    exp10: i64,
    exp2: u32,
    scale: i64,
) -> Option<i128> {
    let digits = format!("{int}{frac}");
    let d: BigInt = if digits.is_empty() {
        BigInt::zero()
    } else {
        digits.parse().unwrap()
    };
    let shift = exp10 - frac.len() as i64 + scale;
    let mut num = d << exp2;
    let mut den = BigInt::one();
    if shift >= 0 {
        num *= BigInt::from(10).pow(shift as u32);
    } else {
        den = BigInt::from(10).pow((-shift) as u32);
    }
    let (q, r) = (&num / &den, &num % &den);
    let magnitude = if r.is_zero() { q } else { q + 1 };
    let signed = if negative { -magnitude } else { magnitude };
    if signed.abs() > BigInt::from(i128::MAX) {
        None
    } else {
        signed.to_i128()
    }
}

const SUFFIXES: [(&str, i64, u32); 16] = [
    ("", 0, 0),
    ("n", -9, 0),
    ("u", -6, 0),
    ("m", -3, 0),
    ("k", 3, 0),
    ("M", 6, 0),
    ("G", 9, 0),
    ("T", 12, 0),
    ("P", 15, 0),
    ("E", 18, 0),
    ("Ki", 0, 10),
    ("Mi", 0, 20),
    ("Gi", 0, 30),
    ("Ti", 0, 40),
    ("Pi", 0, 50),
    ("Ei", 0, 60),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn matches_big_integer_reference(
        negative in any::<bool>(),
        int in "[0-9]{0,45}",
        frac in proptest::option::of("[0-9]{0,45}"),
        suffix in 0usize..17,
        exponent in -80i64..80,
        milli in any::<bool>(),
    ) {
        prop_assume!(!(int.is_empty() && frac.as_deref().unwrap_or("").is_empty()));
        let (suffix_text, exp10, exp2) = if suffix == 16 {
            (format!("e{exponent}"), exponent, 0)
        } else {
            let (s, e10, e2) = SUFFIXES[suffix];
            (s.to_owned(), e10, e2)
        };
        let text = format!(
            "{}{}{}{}",
            if negative { "-" } else { "" },
            int,
            frac.as_deref().map(|f| format!(".{f}")).unwrap_or_default(),
            suffix_text,
        );
        let scale = if milli { Scale::Milli } else { Scale::Unit };
        let expected = reference(negative, &int, frac.as_deref().unwrap_or(""), exp10, exp2, if milli { 3 } else { 0 });
        match (parse_int(text.as_bytes(), scale), expected) {
            (Ok(got), Some(want)) => prop_assert_eq!(got, want, "{}", text),
            (Err(e), None) => prop_assert_eq!(e.kind, QuantityErrorKind::TooLarge, "{}", text),
            (got, want) => prop_assert!(false, "{}: got {:?}, want {:?}", text, got, want),
        }
    }

    #[test]
    fn never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_int(&bytes, Scale::Unit);
        let _ = parse_int(&bytes, Scale::Milli);
    }
}
