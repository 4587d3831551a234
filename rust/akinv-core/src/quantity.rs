//! Exact Kubernetes `resource.Quantity` parsing.
//!
//! The grammar is apimachinery's (`pkg/api/resource/quantity.go`):
//! `[+-] digits [. digits] [suffix]` where the suffix is a decimal SI suffix
//! (`n u m "" k M G T P E`), a binary one (`Ki Mi Gi Ti Pi Ei`) or a decimal
//! exponent (`e`/`E` followed by a signed integer).
//!
//! Values are computed exactly and rounded up away from zero, like
//! `Quantity.Value()` / `MilliValue()`, but without Go's int64 overflow: any
//! magnitude up to `i128::MAX` is returned exactly. Deliberate deviations
//! from Go, each tested:
//! - a text without any digit (`Gi`, `.`, `-`) is an error, not zero;
//! - an exponent outside `i32` is an error (Go truncates it to 32 bits);
//! - binary values above `2^63 - 1` are exact (Go silently caps them);
//! - a magnitude above `i128::MAX` is an error instead of a wrapped int64.
//!
//! Parsing borrows the input and never allocates.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use ethnum::U256;
use std::fmt;

/// What is wrong with a quantity text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityErrorKind {
    /// The text is empty.
    Empty,
    /// The text has no digit at all (`Gi`, `.`, `-`).
    NoDigits,
    /// A byte that cannot start a suffix, at this offset.
    BadCharacter { offset: usize },
    /// The suffix is not one Kubernetes knows (`K`, `ki`, `e` alone, ...).
    UnknownSuffix,
    /// The exponent does not fit a 32-bit integer.
    ExponentOutOfRange,
    /// The value's magnitude exceeds `i128::MAX`.
    TooLarge,
}

/// A quantity text that Kubernetes would not accept, or one too large to represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantityError {
    pub kind: QuantityErrorKind,
}

impl QuantityError {
    const fn new(kind: QuantityErrorKind) -> Self {
        Self { kind }
    }

    /// A one-line explanation that does not repeat the input.
    pub fn reason(&self, text: &[u8]) -> String {
        match self.kind {
            QuantityErrorKind::Empty => "empty text".to_owned(),
            QuantityErrorKind::NoDigits => "no digits".to_owned(),
            QuantityErrorKind::BadCharacter { offset } => {
                let shown = text
                    .get(offset..)
                    .and_then(|rest| String::from_utf8_lossy(rest).chars().next())
                    .unwrap_or('?');
                format!("unexpected character {shown:?} at offset {offset}")
            }
            QuantityErrorKind::UnknownSuffix => {
                let suffix = String::from_utf8_lossy(&text[suffix_start(text)..]);
                format!(
                    "unknown suffix {suffix:?} (expected one of n u m k M G T P E Ki Mi Gi Ti Pi Ei, or e<exponent>)"
                )
            }
            QuantityErrorKind::ExponentOutOfRange => {
                "exponent too large (beyond 32 bits)".to_owned()
            }
            QuantityErrorKind::TooLarge => "value too large (magnitude above 2^127 - 1)".to_owned(),
        }
    }
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.kind)
    }
}

impl std::error::Error for QuantityError {}

/// The unit an integer result is expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// `Quantity.Value()`: whole units (bytes, GPUs, cores).
    Unit,
    /// `Quantity.MilliValue()`: thousandths (millicores).
    Milli,
}

impl Scale {
    const fn exponent(self) -> i64 {
        match self {
            Scale::Unit => 0,
            Scale::Milli => 3,
        }
    }
}

/// A parsed quantity: `sign * digits * 10^exp10 * 2^exp2`, borrowing its digits.
///
/// `digits` are the integer and fraction digits with the decimal point
/// removed, as two slices of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity<'a> {
    negative: bool,
    int_digits: &'a [u8],
    frac_digits: &'a [u8],
    exp10: i64,
    exp2: u32,
    /// Every digit folded into one integer, read while splitting them: exact when there are
    /// at most 19 digits (nearly every real quantity), so the value needs no second scan.
    mantissa: u64,
}

/// Where the number ends and the suffix starts (used only for messages).
fn suffix_start(text: &[u8]) -> usize {
    let unsigned = text
        .strip_prefix(b"+")
        .or_else(|| text.strip_prefix(b"-"))
        .unwrap_or(text);
    let number = unsigned
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    text.len()
        .saturating_sub(unsigned.len())
        .saturating_add(number)
}

/// Splits `text` after its leading ASCII digits, folding them into `mantissa` (which wraps
/// past 19 digits; callers use it only below that).
fn split_digits<'t>(text: &'t [u8], mantissa: &mut u64) -> (&'t [u8], &'t [u8]) {
    let mut rest = text;
    // Advancing a slice compiles to a pointer bump: this loop runs for every digit read.
    while let [byte, tail @ ..] = rest {
        let value = byte.wrapping_sub(b'0');
        if value > 9 {
            break;
        }
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(value));
        rest = tail;
    }
    text.split_at(text.len().saturating_sub(rest.len()))
}

/// The value of an ASCII digit (callers only pass digits).
fn digit(byte: u8) -> u8 {
    byte.saturating_sub(b'0')
}

/// Reads `[+-]digits` as an i32 exponent.
fn parse_exponent(text: &[u8]) -> Result<i64, QuantityErrorKind> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(QuantityErrorKind::UnknownSuffix);
    }
    let mut magnitude: i64 = 0;
    for &d in digits {
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(digit(d))))
            .filter(|m| *m <= i64::from(u32::MAX))
            .ok_or(QuantityErrorKind::ExponentOutOfRange)?;
    }
    let value = if negative {
        magnitude.checked_neg()
    } else {
        Some(magnitude)
    };
    value
        .filter(|v| (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(v))
        .ok_or(QuantityErrorKind::ExponentOutOfRange)
}

/// `(exp10, exp2)` of a suffix.
fn suffix_exponents(suffix: &[u8]) -> Result<(i64, u32), QuantityErrorKind> {
    Ok(match suffix {
        b"" => (0, 0),
        b"n" => (-9, 0),
        b"u" => (-6, 0),
        b"m" => (-3, 0),
        b"k" => (3, 0),
        b"M" => (6, 0),
        b"G" => (9, 0),
        b"T" => (12, 0),
        b"P" => (15, 0),
        b"E" => (18, 0),
        b"Ki" => (0, 10),
        b"Mi" => (0, 20),
        b"Gi" => (0, 30),
        b"Ti" => (0, 40),
        b"Pi" => (0, 50),
        b"Ei" => (0, 60),
        [b'e' | b'E', rest @ ..] if !rest.is_empty() => (parse_exponent(rest)?, 0),
        _ => return Err(QuantityErrorKind::UnknownSuffix),
    })
}

impl<'a> Quantity<'a> {
    /// Parses a quantity text with Kubernetes' grammar.
    pub fn parse(text: &'a [u8]) -> Result<Self, QuantityError> {
        Self::parse_inner(text).map_err(QuantityError::new)
    }

    fn parse_inner(text: &'a [u8]) -> Result<Self, QuantityErrorKind> {
        let (negative, unsigned) = match text {
            [] => return Err(QuantityErrorKind::Empty),
            [b'-', rest @ ..] => (true, rest),
            [b'+', rest @ ..] => (false, rest),
            _ => (false, text),
        };
        let mut mantissa = 0;
        let (int_digits, rest) = split_digits(unsigned, &mut mantissa);
        let (frac_digits, suffix) = match rest {
            [b'.', after @ ..] => split_digits(after, &mut mantissa),
            _ => (&rest[..0], rest),
        };
        let exponents = suffix_exponents(suffix);
        if exponents.is_err() {
            // Go's scanner only lets these bytes start a suffix; every valid suffix does.
            if let Some(&first) = suffix.first() {
                if !b"eEinumkKMGTP".contains(&first) {
                    let offset = text.len().saturating_sub(suffix.len());
                    return Err(QuantityErrorKind::BadCharacter { offset });
                }
            }
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(QuantityErrorKind::NoDigits);
        }
        let (suffix10, exp2) = exponents?;
        let frac_len = i64::try_from(frac_digits.len()).map_err(|_| QuantityErrorKind::TooLarge)?;
        Ok(Self {
            negative,
            int_digits,
            frac_digits,
            exp10: suffix10
                .checked_sub(frac_len)
                .ok_or(QuantityErrorKind::TooLarge)?,
            exp2,
            mantissa,
        })
    }

    /// True when the text carried a minus sign and a non-zero value.
    pub fn is_negative(&self) -> bool {
        self.negative && !self.is_zero()
    }

    /// True when every digit is zero.
    pub fn is_zero(&self) -> bool {
        self.digits().all(|d| d == 0)
    }

    fn digits(&self) -> impl Iterator<Item = u8> + 'a {
        self.int_digits
            .iter()
            .chain(self.frac_digits.iter())
            .map(|&d| digit(d))
    }

    /// The value in `scale` units, rounded up away from zero; exact up to `i128::MAX`.
    pub fn to_int(&self, scale: Scale) -> Result<i128, QuantityError> {
        self.to_int_rounded(scale).map(|(value, _)| value)
    }

    /// Like [`Quantity::to_int`], also saying whether rounding changed the value.
    pub fn to_int_rounded(&self, scale: Scale) -> Result<(i128, bool), QuantityError> {
        let (magnitude, rounded) = self.magnitude(scale).map_err(QuantityError::new)?;
        let signed = i128::try_from(magnitude)
            .map_err(|_| QuantityError::new(QuantityErrorKind::TooLarge))?;
        // |signed| <= i128::MAX, so negating cannot overflow.
        let value = if self.negative {
            signed.saturating_neg()
        } else {
            signed
        };
        Ok((value, rounded))
    }

    /// `ceil(|digits| * 2^exp2 * 10^(exp10 + scale))`, at most `i128::MAX`.
    fn magnitude(&self, scale: Scale) -> Result<(u128, bool), QuantityErrorKind> {
        let shift = self.exp10.saturating_add(scale.exponent());
        // Fast path: at most 19 digits fit a u64 directly, the shape of nearly every real quantity.
        if self.int_digits.len().saturating_add(self.frac_digits.len()) <= 19
            && (-38..=19).contains(&shift)
        {
            // 19 digits are below 10^19 < 2^64: the folded mantissa is exact.
            return Self::magnitude_small(self.mantissa, self.exp2, shift);
        }
        // Leading zeros carry no value; skipping them keeps the digit count honest.
        let mut digits = self.digits().skip_while(|d| *d == 0).peekable();
        if digits.peek().is_none() {
            return Ok((0, false));
        }
        let significant = self.digits().skip_while(|d| *d == 0).count();
        if significant <= 19 && (-38..=19).contains(&shift) {
            let mantissa = digits.fold(0u64, |m, d| {
                m.saturating_mul(10).saturating_add(u64::from(d))
            });
            return Self::magnitude_small(mantissa, self.exp2, shift);
        }
        Self::magnitude_general(digits, significant, self.exp2, shift)
    }

    /// `mantissa * 2^exp2 * 10^shift` rounded up, for shifts within u128's reach.
    fn magnitude_small(
        mantissa: u64,
        exp2: u32,
        shift: i64,
    ) -> Result<(u128, bool), QuantityErrorKind> {
        // mantissa < 2^64 and exp2 <= 60, so this fits.
        let scaled = u128::from(mantissa) << exp2;
        let power = usize::try_from(shift.unsigned_abs())
            .ok()
            .and_then(|i| POWERS_OF_TEN.get(i))
            .copied()
            .ok_or(QuantityErrorKind::TooLarge)?;
        // Most quantities fit 64 bits on both sides: a 64-bit multiply or divide is one
        // instruction, where a 128-bit division is a library call.
        if let (Ok(scaled), Ok(power)) = (u64::try_from(scaled), u64::try_from(power)) {
            return Ok(if shift >= 0 {
                // Both below 2^64: the product is below 2^128.
                let value = u128::from(scaled).wrapping_mul(u128::from(power));
                (check_i128(value)?, false)
            } else {
                // power >= 1, so neither divides by zero.
                let inexact = scaled.checked_rem(power).is_some_and(|r| r != 0);
                let quotient = scaled.checked_div(power).unwrap_or(0);
                (
                    u128::from(quotient).wrapping_add(u128::from(inexact)),
                    inexact,
                )
            });
        }
        let (value, rounded) = if shift >= 0 {
            let value = scaled
                .checked_mul(power)
                .ok_or(QuantityErrorKind::TooLarge)?;
            (value, false)
        } else {
            let remainder = scaled
                .checked_rem(power)
                .ok_or(QuantityErrorKind::TooLarge)?;
            (scaled.div_ceil(power), remainder != 0)
        };
        Ok((check_i128(value)?, rounded))
    }

    /// Any digit count and exponent: long division in 256 bits, streaming over the digits.
    fn magnitude_general(
        digits: impl Iterator<Item = u8>,
        significant: usize,
        exp2: u32,
        shift: i64,
    ) -> Result<(u128, bool), QuantityErrorKind> {
        if shift >= 0 {
            Self::magnitude_scaled_up(digits, significant, exp2, shift.unsigned_abs())
        } else {
            Self::magnitude_scaled_down(digits, significant, exp2, shift.unsigned_abs())
        }
    }

    /// A non-negative shift: the value is an integer, and over 2^127 once shift > 38.
    fn magnitude_scaled_up(
        digits: impl Iterator<Item = u8>,
        significant: usize,
        exp2: u32,
        shift: u64,
    ) -> Result<(u128, bool), QuantityErrorKind> {
        let too_large = || QuantityErrorKind::TooLarge;
        if shift > 38 || significant > 39 {
            return Err(QuantityErrorKind::TooLarge);
        }
        let mut mantissa = U256::ZERO;
        for d in digits {
            mantissa = mantissa
                .checked_mul(U256::from(10u8))
                .and_then(|m| m.checked_add(U256::from(d)))
                .ok_or_else(too_large)?;
        }
        let power = U256::from(10u8).checked_pow(u32::try_from(shift).map_err(|_| too_large())?);
        let value = mantissa
            .checked_shl(exp2)
            .zip(power)
            .and_then(|(m, p)| m.checked_mul(p))
            .ok_or_else(too_large)?;
        let value = u128::try_from(value).map_err(|_| too_large())?;
        Ok((check_i128(value)?, false))
    }

    /// 2^exp2 / 10^k as (multiplier, divisor), common factors of two cancelled so the
    /// divisor stays below 10^64.
    fn fraction(exp2: u32, k: u64) -> Option<(U256, U256)> {
        let k = u32::try_from(k).ok()?;
        let twos = exp2.min(k);
        let multiplier = U256::ONE.checked_shl(exp2.saturating_sub(twos))?;
        let divisor = U256::from(5u8)
            .checked_pow(k)
            .and_then(|p| p.checked_shl(k.saturating_sub(twos)))
            .filter(|d| *d != U256::ZERO)?;
        Some((multiplier, divisor))
    }

    /// A negative shift of `k`: ceil(D * 2^exp2 / 10^k), by long division in 256 bits.
    fn magnitude_scaled_down(
        digits: impl Iterator<Item = u8>,
        significant: usize,
        exp2: u32,
        mut k: u64,
    ) -> Result<(u128, bool), QuantityErrorKind> {
        let too_large = || QuantityErrorKind::TooLarge;
        // Digits below 10^-MAX_K of the scaled value only decide whether to round up: there
        // the value's grid step is 2^exp2 / 10^MAX_K = 1 / integer (as exp2 <= 60 < MAX_K),
        // so their contribution never crosses an integer.
        const MAX_K: u64 = 64;
        let mut kept = significant;
        if k > MAX_K {
            let dropped = usize::try_from(k.saturating_sub(MAX_K)).unwrap_or(usize::MAX);
            kept = significant.saturating_sub(dropped);
            k = MAX_K;
        }
        let (multiplier, divisor) = Self::fraction(exp2, k).ok_or_else(too_large)?;
        let limit = U256::from(i128::MAX.unsigned_abs());
        let ten = U256::from(10u8);
        let mut quotient = U256::ZERO;
        let mut remainder = U256::ZERO;
        let mut sticky = false;
        for (index, d) in digits.enumerate() {
            if index < kept {
                // remainder < divisor <= 10^64 < 2^213 and multiplier <= 2^60: these never fail.
                let partial = remainder
                    .checked_mul(ten)
                    .zip(U256::from(d).checked_mul(multiplier))
                    .and_then(|(r, m)| r.checked_add(m))
                    .ok_or_else(too_large)?;
                quotient = quotient
                    .checked_mul(ten)
                    .zip(partial.checked_div(divisor))
                    .and_then(|(q, p)| q.checked_add(p))
                    .ok_or_else(too_large)?;
                remainder = partial.checked_rem(divisor).ok_or_else(too_large)?;
                if quotient > limit {
                    return Err(QuantityErrorKind::TooLarge);
                }
            } else if d != 0 {
                sticky = true;
                break;
            }
        }
        let inexact = remainder != U256::ZERO || sticky;
        let rounded = quotient
            .checked_add(U256::from(u8::from(inexact)))
            .ok_or_else(too_large)?;
        let value = u128::try_from(rounded).map_err(|_| too_large())?;
        Ok((check_i128(value)?, inexact))
    }
}

/// 10^0 ..= 10^38, all that u128 holds.
const POWERS_OF_TEN: [u128; 39] = {
    let mut table = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        // Compile-time arithmetic: an overflow here fails the build, not a run.
        #[allow(clippy::arithmetic_side_effects)]
        {
            table[i] = table[i - 1] * 10;
            i += 1;
        }
    }
    table
};

fn check_i128(value: u128) -> Result<u128, QuantityErrorKind> {
    if value > i128::MAX.unsigned_abs() {
        Err(QuantityErrorKind::TooLarge)
    } else {
        Ok(value)
    }
}

/// Parses `text` and returns its value in `scale` units (see [`Quantity::to_int`]).
pub fn parse_int(text: &[u8], scale: Scale) -> Result<i128, QuantityError> {
    parse_int_rounded(text, scale).map(|(value, _)| value)
}

/// Like [`parse_int`], also saying whether rounding changed the value.
pub fn parse_int_rounded(text: &[u8], scale: Scale) -> Result<(i128, bool), QuantityError> {
    // Plain digits are most numbers in a status document: a loop small enough to inline into
    // the walker (without it, validate ran 8% slower).
    if let Some(value) = parse_digits(text) {
        let value = i128::from(value);
        // value < 10^18, so thousandths stay far below i128::MAX.
        return Ok((
            if scale == Scale::Milli {
                value.saturating_mul(1000)
            } else {
                value
            },
            false,
        ));
    }
    Quantity::parse(text)?.to_int_rounded(scale)
}

/// Plain digits, at most 18 of them (every legacy count and most byte sizes).
pub(crate) fn parse_digits(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 18 {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in text {
        if !byte.is_ascii_digit() {
            return None;
        }
        // 18 digits stay below 10^18 < 2^63: never saturates.
        value = value
            .saturating_mul(10)
            .saturating_add(u64::from(digit(byte)));
    }
    Some(value)
}

/// An integer clamped into a narrower range, remembering that it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clamped<T> {
    pub value: T,
    pub clamped: bool,
}

/// Converts to u64, saturating at 0 and `u64::MAX`.
pub fn saturating_u64(value: i128) -> Clamped<u64> {
    match u64::try_from(value) {
        Ok(value) => Clamped {
            value,
            clamped: false,
        },
        Err(_) if value < 0 => Clamped {
            value: 0,
            clamped: true,
        },
        Err(_) => Clamped {
            value: u64::MAX,
            clamped: true,
        },
    }
}

/// Converts to i64, saturating at `i64::MIN` and `i64::MAX`.
pub fn saturating_i64(value: i128) -> Clamped<i64> {
    match i64::try_from(value) {
        Ok(value) => Clamped {
            value,
            clamped: false,
        },
        Err(_) if value < 0 => Clamped {
            value: i64::MIN,
            clamped: true,
        },
        Err(_) => Clamped {
            value: i64::MAX,
            clamped: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// The plain-digit path agrees with the general parser.
        #[test]
        fn fast_path_agrees_with_general_parser(
            sign in prop::sample::select(vec!["", "+", "-"]),
            int in "[0-9]{0,20}",
            frac in proptest::option::of("[0-9]{0,12}"),
            suffix in prop::sample::select(vec![
                "", "m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti", "P", "u", "e3", "E-7", "e+12", "e999", "e1234", "e",
            ]),
            milli in any::<bool>(),
        ) {
            let number = match &frac {
                Some(f) => format!("{int}.{f}"),
                None => int.clone(),
            };
            let text = format!("{sign}{number}{suffix}");
            let scale = if milli { Scale::Milli } else { Scale::Unit };
            let general = Quantity::parse(text.as_bytes()).and_then(|q| q.to_int_rounded(scale));
            prop_assert_eq!(parse_int_rounded(text.as_bytes(), scale), general, "{}", text);
        }
    }
}
