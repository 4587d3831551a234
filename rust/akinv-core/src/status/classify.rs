//! One number as read, and what it can be trusted for: a pure function from a token's parsed
//! value to its trust and, when it is untrusted, the code of its finding.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use crate::quantity::{QuantityError, QuantityErrorKind, Scale};
use crate::report::{Code, FindingValue};

/// What a value is checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Check {
    pub resource: &'static str,
    pub cap: Option<i64>,
    /// An allocatable of -1 means unbounded.
    pub unbounded_ok: bool,
    pub unit: &'static str,
}

/// How a value is spelled in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spelling {
    /// A JSON integer (legacy documents: Go `uint64`).
    Integer,
    /// A Kubernetes quantity: a string, `{"string": "..."}`, or a bare number.
    Quantity(Scale),
}

impl Spelling {
    /// The token that replaces an untrusted value of this spelling.
    pub fn zero(self) -> &'static str {
        match self {
            Spelling::Integer => "0",
            Spelling::Quantity(_) => "\"0\"",
        }
    }

    pub fn scale(self) -> Scale {
        match self {
            Spelling::Integer => Scale::Unit,
            Spelling::Quantity(scale) => scale,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trust {
    Absent,
    Trusted,
    /// An allocatable whose `Value()` is -1: no limit.
    Unbounded,
    Untrusted(Code),
}

/// A token's exact value: `(value, rounded)`, where `rounded` says an integer field held a
/// fraction or an exponent; or why it is not a number at all.
pub(crate) type Parsed = Result<(i128, bool), QuantityErrorKind>;

const WRAP_CENTER: i128 = 1 << 64;
const WRAP_WINDOW: i128 = 1 << 32;

/// The trust of a parsed value; `value` is meaningful when trusted or unbounded.
#[inline]
pub(crate) fn classify(parsed: Parsed, scale: Scale, check: &Check, largest: i64) -> (i64, Trust) {
    // Nearly every number: non-negative, within the cap and the limit.
    if let Ok((value, false)) = parsed {
        let bound = check.cap.map_or(largest, |cap| cap.min(largest));
        if (0..=i128::from(bound)).contains(&value) {
            return (i64::try_from(value).unwrap_or(0), Trust::Trusted);
        }
    }
    let code = match parsed {
        Ok((value, false)) => {
            // Unbounded is Value() == -1, so in millicores anything from -1000m to -1m.
            let unbounded = match scale {
                Scale::Unit => value == -1,
                Scale::Milli => (-1000..=-1).contains(&value),
            };
            if check.unbounded_ok && unbounded {
                return (-1, Trust::Unbounded);
            }
            if (-WRAP_WINDOW..WRAP_WINDOW).contains(&value.saturating_sub(WRAP_CENTER)) {
                Code::WrappedNegative
            } else if value > i128::from(largest) {
                Code::NotInt64Safe
            } else if value < 0 {
                Code::Negative
            } else if check.cap.is_some_and(|cap| value > i128::from(cap)) {
                Code::AboveCap
            } else {
                // Within 0..=largest, which fits an i64.
                return (i64::try_from(value).unwrap_or(0), Trust::Trusted);
            }
        }
        Ok((_, true)) => Code::Unparsable,
        Err(QuantityErrorKind::TooLarge) => Code::NotInt64Safe,
        Err(_) => Code::Unparsable,
    };
    (0, Trust::Untrusted(code))
}

/// The finding value and message of a number classified as `code`; `field` names it
/// ("gpu allocatable") and `text` is its token as written.
pub(crate) fn describe(
    code: Code,
    parsed: Parsed,
    field: &str,
    text: &str,
    check: &Check,
    largest: i64,
) -> (FindingValue, String) {
    let value = match parsed {
        Ok((value, false)) => value,
        Ok((_, true)) => {
            let message = format!("{field} {text} is not an integer");
            return (FindingValue::Text(text.to_owned()), message);
        }
        Err(QuantityErrorKind::TooLarge) => {
            let message = format!("{field} {text} is far beyond a signed 64-bit integer");
            return (FindingValue::Text(text.to_owned()), message);
        }
        Err(kind) => {
            let reason = QuantityError { kind }.reason(text.trim_matches('"').as_bytes());
            let message = format!("{field} {text} is not a valid quantity: {reason}");
            return (FindingValue::Text(text.to_owned()), message);
        }
    };
    let distance = value.saturating_sub(WRAP_CENTER);
    let message = match code {
        Code::WrappedNegative if distance < 0 => format!(
            "{field} {value} is a uint64 wraparound of {distance}: allocated exceeded allocatable \
             (e.g. the GPU device plugin restarted)"
        ),
        Code::WrappedNegative => format!(
            "{field} {value} is just above 2^64: a wrapped count printed through a float, or summed past 2^64"
        ),
        Code::NotInt64Safe => format!(
            "{field} {value} does not fit a signed integer column below {}",
            i128::from(largest).saturating_add(1)
        ),
        Code::Negative => format!("{field} {value} is negative"),
        _ => format!(
            "{field} {value} {} is above the plausibility cap of {}",
            check.unit,
            check.cap.unwrap_or_default()
        ),
    };
    (FindingValue::Int(value), message)
}

/// A legacy number must be a JSON integer, as Go's decoder requires of a `uint64`: `1.0e3`
/// and `0.0` are not, although they name whole numbers.
pub(crate) fn is_integer_token(text: &[u8]) -> bool {
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECK: Check = Check {
        resource: "gpu",
        cap: Some(64),
        unbounded_ok: true,
        unit: "GPUs",
    };

    fn trust(value: i128) -> Trust {
        classify(Ok((value, false)), Scale::Unit, &CHECK, i64::MAX).1
    }

    #[test]
    fn codes_apply_in_order() {
        assert_eq!(trust(8), Trust::Trusted);
        assert_eq!(trust(-1), Trust::Unbounded);
        assert_eq!(
            trust((1 << 64) - 1),
            Trust::Untrusted(Code::WrappedNegative)
        );
        assert_eq!(
            trust((1 << 64) + 5),
            Trust::Untrusted(Code::WrappedNegative)
        );
        assert_eq!(trust(1 << 63), Trust::Untrusted(Code::NotInt64Safe));
        assert_eq!(trust(-2), Trust::Untrusted(Code::Negative));
        assert_eq!(trust(65), Trust::Untrusted(Code::AboveCap));
        let fraction = classify(Ok((1, true)), Scale::Unit, &CHECK, i64::MAX).1;
        assert_eq!(fraction, Trust::Untrusted(Code::Unparsable));
        let too_large = classify(Err(QuantityErrorKind::TooLarge), Scale::Unit, &CHECK, 9).1;
        assert_eq!(too_large, Trust::Untrusted(Code::NotInt64Safe));
    }

    #[test]
    fn the_limit_is_inclusive_and_millicores_are_unbounded_from_minus_one_core() {
        assert_eq!(
            classify(Ok((9, false)), Scale::Unit, &CHECK, 9).1,
            Trust::Trusted
        );
        assert_eq!(
            classify(Ok((10, false)), Scale::Unit, &CHECK, 9).1,
            Trust::Untrusted(Code::NotInt64Safe)
        );
        assert_eq!(
            classify(Ok((-1000, false)), Scale::Milli, &CHECK, 9).1,
            Trust::Unbounded
        );
    }

    #[test]
    fn integer_tokens_are_plain_digits() {
        assert!(is_integer_token(b"18446744073709551615"));
        assert!(is_integer_token(b"-5"));
        for bad in [&b"1.0e3"[..], b"0.0", b"1e3", b"-", b""] {
            assert!(!is_integer_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn messages_quote_the_document() {
        let (value, message) = describe(
            Code::WrappedNegative,
            Ok(((1 << 64) - 1, false)),
            "gpu available",
            "18446744073709551615",
            &CHECK,
            i64::MAX,
        );
        assert_eq!(value, FindingValue::Int((1 << 64) - 1));
        assert!(
            message.starts_with("gpu available 18446744073709551615 is a uint64 wraparound of -1")
        );
    }
}
