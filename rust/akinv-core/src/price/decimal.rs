//! The arithmetic of the generic price script, reproduced exactly: `bc -l` decimals (scale 20,
//! truncating), jq's doubles and the way jq prints them, and `printf "%.*f"` through a double
//! (awk) or a long double (bash), rounding half to even on the binary value as glibc does.

use ethnum::{I256, U256};
use std::cmp::Ordering;
use std::fmt;

/// `bc -l` sets `scale=20`: divisions keep 20 decimals, truncated.
pub const BC_SCALE: u32 = 20;

/// A decimal number as bc holds it: `digits / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec {
    digits: i128,
    scale: u32,
}

/// Beyond what an i128 holds: no order is priced at 10^17 USD, so this is an error, not a wrap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow;

/// Pricing reports an overflow as a message; `?` converts it.
impl From<Overflow> for String {
    fn from(_: Overflow) -> String {
        "the order is too large to price exactly".to_owned()
    }
}

fn pow10(n: u32) -> Result<i128, Overflow> {
    10i128.checked_pow(n).ok_or(Overflow)
}

impl Dec {
    pub const ZERO: Dec = Dec {
        digits: 0,
        scale: 0,
    };

    pub fn int(value: i128) -> Dec {
        Dec {
            digits: value,
            scale: 0,
        }
    }

    /// A number as bc reads it: an optional `-`, digits, at most one `.`; `None` otherwise
    /// (bc would stop with a syntax error, or read letters as variables).
    pub fn parse(text: &str) -> Option<Dec> {
        let text = text.trim();
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty())
            || !digits_only(whole)
            || !digits_only(fraction)
        {
            return None;
        }
        let mut digits: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            digits = digits.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        let scale = u32::try_from(fraction.len()).ok()?;
        Some(Dec {
            digits: if negative { -digits } else { digits },
            scale,
        })
    }

    fn rescaled(self, scale: u32) -> Result<i128, Overflow> {
        match scale.cmp(&self.scale) {
            Ordering::Equal => Ok(self.digits),
            Ordering::Greater => self
                .digits
                .checked_mul(pow10(scale - self.scale)?)
                .ok_or(Overflow),
            // Truncation toward zero, as bc does.
            Ordering::Less => Ok(self.digits / pow10(self.scale - scale)?),
        }
    }

    pub fn checked_add(self, other: Dec) -> Result<Dec, Overflow> {
        let scale = self.scale.max(other.scale);
        Ok(Dec {
            digits: self
                .rescaled(scale)?
                .checked_add(other.rescaled(scale)?)
                .ok_or(Overflow)?,
            scale,
        })
    }

    /// bc's product: exact, then truncated to min(a + b, max(scale, a, b)) decimals.
    pub fn checked_mul(self, other: Dec) -> Result<Dec, Overflow> {
        // The exact product can pass i128 before it is truncated (long decimals).
        let exact = I256::from(self.digits) * I256::from(other.digits);
        let exact_scale = self.scale + other.scale;
        let scale = exact_scale.min(BC_SCALE.max(self.scale).max(other.scale));
        let truncated = exact / I256::from(10).pow(exact_scale - scale);
        Ok(Dec {
            digits: i128::try_from(truncated).map_err(|_| Overflow)?,
            scale,
        })
    }

    /// bc's quotient: `scale` (20) decimals, truncated.
    pub fn checked_div(self, other: Dec) -> Result<Dec, Overflow> {
        if other.digits == 0 {
            return Err(Overflow);
        }
        // a/10^sa ÷ b/10^sb = a·10^(sb+S-sa)/b / 10^S
        let shift = i64::from(other.scale) + i64::from(BC_SCALE) - i64::from(self.scale);
        let ten = I256::from(10);
        let magnitude = u32::try_from(shift.unsigned_abs()).map_err(|_| Overflow)?;
        if magnitude > 70 {
            return Err(Overflow);
        }
        let numerator = if shift >= 0 {
            I256::from(self.digits) * ten.pow(magnitude)
        } else {
            I256::from(self.digits) / ten.pow(magnitude)
        };
        Ok(Dec {
            digits: i128::try_from(numerator / I256::from(other.digits)).map_err(|_| Overflow)?,
            scale: BC_SCALE,
        })
    }

    pub fn is_negative(self) -> bool {
        self.digits < 0
    }

    pub fn is_zero(self) -> bool {
        self.digits == 0
    }

    /// Through a binary float of `bits` significant bits (53: awk's double; 64: bash's long
    /// double), then printed with `precision` decimals, ties to even, as glibc's printf.
    pub fn printf(self, bits: u32, precision: u32) -> String {
        let magnitude = self.digits.unsigned_abs();
        let sign = if self.digits < 0 { "-" } else { "" };
        let (mantissa, exponent) = to_binary(magnitude, self.scale, bits);
        format!("{sign}{}", format_binary(mantissa, exponent, precision))
    }

    /// Rounded to `precision` decimals, ties to even, exactly (no binary float in between).
    pub fn round(self, precision: u32) -> Result<Dec, Overflow> {
        if precision >= self.scale {
            return Ok(self);
        }
        let unit = pow10(self.scale - precision)?;
        let (quotient, remainder) = (self.digits / unit, self.digits % unit);
        let twice = remainder.unsigned_abs().saturating_mul(2);
        let unit = unit.unsigned_abs();
        let away = twice > unit || (twice == unit && quotient % 2 != 0);
        let step = if self.digits < 0 { -1 } else { 1 };
        Ok(Dec {
            digits: if away { quotient + step } else { quotient },
            scale: precision,
        })
    }
}

impl PartialOrd for Dec {
    fn partial_cmp(&self, other: &Dec) -> Option<Ordering> {
        let scale = self.scale.max(other.scale);
        match (self.rescaled(scale), other.rescaled(scale)) {
            (Ok(a), Ok(b)) => Some(a.cmp(&b)),
            _ => None,
        }
    }
}

/// Printed with all its decimals and a leading zero ("0.5").
impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.digits.unsigned_abs().to_string();
        let sign = if self.digits < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{magnitude}");
        }
        let padded = format!("{magnitude:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

/// The nearest binary float of `bits` significant bits to `m / 10^s`: (mantissa, exponent)
/// with the value `mantissa × 2^exponent`, rounding half to even (strtod, strtold).
fn to_binary(m: u128, s: u32, bits: u32) -> (U256, i32) {
    if m == 0 {
        return (U256::ZERO, 0);
    }
    let denominator = U256::from(10u8).pow(s);
    let value = U256::from(m);
    // value / denominator ≈ 2^(log2 m - log2 denominator); start there and correct.
    let top = |x: U256| 256 - x.leading_zeros() as i32;
    let mut shift = bits as i32 - (top(value) - top(denominator));
    loop {
        let (quotient, remainder) = scaled_division(value, denominator, shift);
        if quotient >> bits != U256::ZERO {
            shift -= 1;
            continue;
        }
        if quotient >> (bits - 1) == U256::ZERO {
            shift += 1;
            continue;
        }
        let twice = remainder * 2;
        let divisor = if shift >= 0 {
            denominator
        } else {
            denominator << (-shift) as u32
        };
        let up = twice > divisor || (twice == divisor && quotient & U256::ONE == U256::ONE);
        let mut mantissa = if up { quotient + 1 } else { quotient };
        if mantissa >> bits != U256::ZERO {
            mantissa >>= 1;
            shift -= 1;
        }
        return (mantissa, -shift);
    }
}

/// `value × 2^shift / denominator`: quotient and remainder (of the scaled numerator).
fn scaled_division(value: U256, denominator: U256, shift: i32) -> (U256, U256) {
    if shift >= 0 {
        let numerator = value << shift as u32;
        (numerator / denominator, numerator % denominator)
    } else {
        let divisor = denominator << (-shift) as u32;
        (value / divisor, value % divisor)
    }
}

/// `mantissa × 2^exponent` with `precision` decimals, ties to even.
fn format_binary(mantissa: U256, exponent: i32, precision: u32) -> String {
    let scaled = mantissa * U256::from(10u8).pow(precision);
    let rounded = if exponent >= 0 {
        scaled << exponent as u32
    } else {
        let shift = (-exponent) as u32;
        if shift >= 256 {
            U256::ZERO
        } else {
            let quotient = scaled >> shift;
            let remainder = scaled - (quotient << shift);
            let half = U256::ONE << (shift - 1);
            if remainder > half || (remainder == half && quotient & U256::ONE == U256::ONE) {
                quotient + 1
            } else {
                quotient
            }
        }
    };
    let digits = rounded.to_string();
    let precision = precision as usize;
    if precision == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = precision + 1);
    let (whole, fraction) = padded.split_at(padded.len() - precision);
    format!("{whole}.{fraction}")
}

/// How jq 1.6 prints a double: the shortest digits that read back the same, plainly, unless
/// the decimal point is far from them (then `1e+16`, `1.2e-05`, which bc cannot read).
pub fn jq_text(x: f64) -> Result<String, String> {
    if !x.is_finite() {
        return Err(format!("{x} is not a number jq prints"));
    }
    if x == 0.0 {
        return Ok("0".to_owned());
    }
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let point = exponent.parse::<i64>().unwrap_or(0) + 1;
    let count = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    if point <= -4 || point > count + 15 {
        return Err(format!(
            "jq prints {x} in exponent form, which bc cannot read"
        ));
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let text = if point <= 0 {
        format!(
            "0.{}{digits}",
            "0".repeat(usize::try_from(-point).unwrap_or(0))
        )
    } else if point >= count {
        format!(
            "{digits}{}",
            "0".repeat(usize::try_from(point - count).unwrap_or(0))
        )
    } else {
        let (whole, fraction) = digits.split_at(usize::try_from(point).unwrap_or(0));
        format!("{whole}.{fraction}")
    };
    Ok(format!("{sign}{text}"))
}

/// awk's `printf "%.12f"` of a double, as a bc number.
pub fn awk_fixed(x: f64, precision: u32) -> Dec {
    // Exact: a double's binary value printed to `precision` decimals, ties to even.
    let text = format!("{:.*}", precision as usize, x);
    Dec::parse(&text).unwrap_or(Dec::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn bc_arithmetic_truncates_at_scale_20() {
        assert_eq!(
            dec("2").checked_div(dec("3")).unwrap().to_string(),
            "0.66666666666666666666"
        );
        assert_eq!(
            dec("1.5").checked_mul(dec("1.60")).unwrap().to_string(),
            "2.400"
        );
        let x = dec("0.123456789012345678901234");
        assert_eq!(
            x.checked_mul(x).unwrap().to_string(),
            "0.015241578753238836750495"
        );
        assert_eq!(
            dec("-7").checked_div(dec("2")).unwrap().to_string(),
            "-3.50000000000000000000"
        );
        assert!(
            Dec::parse("1e5").is_none() && Dec::parse("abc").is_none() && Dec::parse(".").is_none()
        );
        assert_eq!(dec(".5").checked_add(dec("2")).unwrap().to_string(), "2.5");
    }

    #[test]
    fn printf_rounds_the_binary_value_ties_to_even() {
        assert_eq!(dec("2.5").printf(64, 0), "2");
        assert_eq!(dec("3.5").printf(64, 0), "4");
        assert_eq!(dec("1.005").printf(53, 2), "1.00");
        assert_eq!(dec("0.66666666666666666666").printf(64, 6), "0.666667");
        assert_eq!(
            dec("1582.07899835543755310310").printf(64, 6),
            "1582.078998"
        );
        assert_eq!(dec("0").printf(64, 6), "0.000000");
        assert_eq!(dec("1234.5").printf(53, 0), "1234");
    }

    #[test]
    fn jq_prints_shortest_digits_and_exponents_far_out() {
        assert_eq!(jq_text(0.1 + 0.2).unwrap(), "0.30000000000000004");
        assert_eq!(jq_text(0.3).unwrap(), "0.3");
        assert_eq!(jq_text(1e15).unwrap(), "1000000000000000");
        assert_eq!(jq_text(12300000000000000.0).unwrap(), "12300000000000000");
        assert_eq!(jq_text(0.0001).unwrap(), "0.0001");
        assert!(jq_text(1e16).is_err() && jq_text(0.000012).is_err());
        assert_eq!(jq_text(8.0).unwrap(), "8");
    }

    #[test]
    fn exact_rounding_is_half_even() {
        assert_eq!(dec("2.5").round(0).unwrap().to_string(), "2");
        assert_eq!(dec("0.0000005").round(6).unwrap().to_string(), "0.000000");
        assert_eq!(dec("0.0000015").round(6).unwrap().to_string(), "0.000002");
    }
}
