//! How strict validation is: plausibility caps, the largest integer a report may hold, and
//! the severity of each finding code. Every rule about a valid policy lives here, so the
//! bindings only convert arguments.

use crate::report::{Code, Severity};
use std::fmt;

/// Plausibility caps per node (and per storage class), in the report's units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caps {
    pub gpu: i64,
    pub cpu_millis: i64,
    pub memory_bytes: i64,
    pub ephemeral_storage_bytes: i64,
    pub storage_bytes: i64,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            gpu: 64,
            cpu_millis: 4096 * 1000,
            memory_bytes: 64 << 40,
            ephemeral_storage_bytes: 1 << 50,
            storage_bytes: 10 << 50,
        }
    }
}

/// The largest integer of an int64 column.
pub const INT64_LARGEST: i64 = i64::MAX;
/// JavaScript's largest safe integer, 2^53 - 1.
pub const JS_LARGEST: i64 = (1 << 53) - 1;

/// A policy argument that does not make sense; the message names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub caps: Caps,
    /// Values above this are `not-int64-safe`; every number in a report stays within it.
    largest: i64,
    severities: [Severity; Code::ALL.len()],
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            caps: Caps::default(),
            largest: INT64_LARGEST,
            severities: Code::ALL.map(Code::default_severity),
        }
    }
}

impl Policy {
    /// The names of the caps, as [`Policy::set_cap`] takes them.
    pub const CAPS: [&'static str; 5] = [
        "gpu",
        "cpu_millis",
        "memory_bytes",
        "ephemeral_storage_bytes",
        "storage_bytes",
    ];

    pub fn severity(&self, code: Code) -> Severity {
        self.severities[code as usize]
    }

    pub fn set_severity(&mut self, code: Code, severity: Severity) {
        self.severities[code as usize] = severity;
    }

    /// Sets a severity by names: a finding code and "error" or "warning".
    pub fn set_severity_by_name(&mut self, code: &str, severity: &str) -> Result<(), PolicyError> {
        let code = Code::from_name(code).ok_or_else(|| {
            PolicyError(format!(
                "unknown finding code {code:?} (known codes: {})",
                Code::ALL.map(Code::name).join(", ")
            ))
        })?;
        let severity = Severity::from_name(severity).ok_or_else(|| {
            PolicyError(format!(
                "the severity of {code} must be 'error' or 'warning', not {severity:?}"
            ))
        })?;
        self.set_severity(code, severity);
        Ok(())
    }

    /// The largest integer a report (and a sanitized document) may hold.
    pub fn largest(&self) -> i64 {
        self.largest
    }

    /// The integer limit by name: "int64" (2^63 - 1) or "js" (2^53 - 1).
    pub fn set_int_limit_name(&mut self, name: &str) -> Result<(), PolicyError> {
        self.largest = match name {
            "int64" => INT64_LARGEST,
            "js" => JS_LARGEST,
            _ => {
                return Err(PolicyError(format!(
                    "int_limit must be 'int64', 'js' or an integer, not {name:?}"
                )))
            }
        };
        Ok(())
    }

    /// A custom integer limit: the largest integer allowed, from 0 to 2^63 - 1.
    pub fn set_int_limit(&mut self, largest: i128) -> Result<(), PolicyError> {
        self.largest = in_int64("int_limit", largest)?;
        Ok(())
    }

    /// Sets one cap by name: a count a node could hold, so it fits an int64 column like every
    /// number akinv reports (above that, sums of capped values could not be stored).
    pub fn set_cap(&mut self, name: &str, value: i128) -> Result<(), PolicyError> {
        let slot = match name {
            "gpu" => &mut self.caps.gpu,
            "cpu_millis" => &mut self.caps.cpu_millis,
            "memory_bytes" => &mut self.caps.memory_bytes,
            "ephemeral_storage_bytes" => &mut self.caps.ephemeral_storage_bytes,
            "storage_bytes" => &mut self.caps.storage_bytes,
            _ => {
                return Err(PolicyError(format!(
                    "unknown cap {name:?} (known caps: {})",
                    Policy::CAPS.join(", ")
                )))
            }
        };
        *slot = in_int64(&format!("cap {name}"), value)?;
        Ok(())
    }

    /// Each cap with its name, as [`Policy::set_cap`] takes them.
    pub fn caps(&self) -> [(&'static str, i64); 5] {
        let c = &self.caps;
        [
            ("gpu", c.gpu),
            ("cpu_millis", c.cpu_millis),
            ("memory_bytes", c.memory_bytes),
            ("ephemeral_storage_bytes", c.ephemeral_storage_bytes),
            ("storage_bytes", c.storage_bytes),
        ]
    }

    /// Severities that differ from the defaults, by code name.
    pub fn changed_severities(&self) -> Vec<(&'static str, &'static str)> {
        Code::ALL
            .into_iter()
            .filter(|&code| self.severity(code) != code.default_severity())
            .map(|code| (code.name(), self.severity(code).name()))
            .collect()
    }
}

fn in_int64(what: &str, value: i128) -> Result<i64, PolicyError> {
    i64::try_from(value)
        .ok()
        .filter(|v| *v >= 0)
        .ok_or_else(|| {
            PolicyError(format!(
                "{what} must be between 0 and 2**63 - 1, not {value}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_arguments_name_themselves() {
        let mut policy = Policy::default();
        let typo = policy.set_cap("gpuu", 8).unwrap_err().0;
        assert!(
            typo.contains("gpuu") && typo.contains("known caps: gpu"),
            "{typo}"
        );
        assert!(policy
            .set_cap("gpu", 1 << 63)
            .unwrap_err()
            .0
            .contains("2**63"));
        assert!(policy.set_cap("gpu", -1).is_err());
        assert!(policy.set_int_limit_name("int32").is_err());
        assert!(policy.set_severity_by_name("wrapped", "error").is_err());
        assert!(policy.set_severity_by_name("negative", "fatal").is_err());
        policy.set_cap("gpu", 8).unwrap();
        policy.set_int_limit_name("js").unwrap();
        policy.set_severity_by_name("negative", "warning").unwrap();
        assert_eq!(policy.caps.gpu, 8);
        assert_eq!(policy.largest(), (1 << 53) - 1);
        assert_eq!(policy.changed_severities(), [("negative", "warning")]);
    }
}
