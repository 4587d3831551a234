//! `akinv.Policy`: Python arguments converted to the core's policy, which checks them.

use crate::errors::{policy_error, type_error};
use akinv_core as core;
use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString};
use std::sync::Arc;

/// Plausibility caps per node, the integer bound for reports and sanitized output, severities.
#[pyclass(module = "akinv", frozen, eq, name = "Policy")]
#[derive(PartialEq)]
pub struct Policy {
    pub inner: Arc<core::Policy>,
}

const SEVERITY_SHAPE: &str = "severity must be a dict of {code: 'error' | 'warning'}";

/// An int argument exactly, or a value the core refuses with a message naming the setting.
fn int_of(value: &Bound<'_, PyAny>, what: &str) -> PyResult<i128> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int, not bool"
        )));
    }
    match value.extract::<i128>() {
        Ok(v) => Ok(v),
        // Far out of range: the core says what the range is.
        Err(e) if e.is_instance_of::<PyOverflowError>(value.py()) => Ok(i128::MAX),
        Err(_) => Err(type_error(&format!("{what} must be an int"), value)),
    }
}

#[pymethods]
impl Policy {
    #[new]
    #[pyo3(signature = (**settings))]
    fn new(settings: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let mut policy = core::Policy::default();
        for (key, value) in settings.into_iter().flatten() {
            let key: String = key.extract()?;
            match key.as_str() {
                "int_limit" => {
                    if let Ok(name) = value.cast::<PyString>() {
                        policy.set_int_limit_name(name.to_str()?)
                    } else {
                        policy.set_int_limit(int_of(&value, "int_limit")?)
                    }
                    .map_err(policy_error)?;
                }
                "severity" => {
                    let levels = value
                        .cast::<PyDict>()
                        .map_err(|_| PyTypeError::new_err(SEVERITY_SHAPE))?;
                    for (code, level) in levels {
                        let (Ok(code), Ok(level)) =
                            (code.extract::<String>(), level.extract::<String>())
                        else {
                            return Err(PyTypeError::new_err(SEVERITY_SHAPE));
                        };
                        policy.set_severity_by_name(&code, &level).map_err(|e| {
                            policy_error(core::PolicyError(format!("severity: {e}")))
                        })?;
                    }
                }
                name if core::Policy::CAPS.contains(&name) => {
                    policy
                        .set_cap(name, int_of(&value, &format!("cap {name}"))?)
                        .map_err(policy_error)?;
                }
                other => {
                    return Err(PyTypeError::new_err(format!(
                    "Policy has no setting '{other}'; the settings are {}, int_limit and severity",
                    core::Policy::CAPS.join(", ")
                )))
                }
            }
        }
        Ok(Policy {
            inner: Arc::new(policy),
        })
    }

    #[getter]
    fn gpu(&self) -> i64 {
        self.inner.caps.gpu
    }
    #[getter]
    fn cpu_millis(&self) -> i64 {
        self.inner.caps.cpu_millis
    }
    #[getter]
    fn memory_bytes(&self) -> i64 {
        self.inner.caps.memory_bytes
    }
    #[getter]
    fn ephemeral_storage_bytes(&self) -> i64 {
        self.inner.caps.ephemeral_storage_bytes
    }
    #[getter]
    fn storage_bytes(&self) -> i64 {
        self.inner.caps.storage_bytes
    }
    /// The largest integer a report (and a sanitized document) may hold.
    #[getter]
    fn int_limit(&self) -> i64 {
        self.inner.largest()
    }
    fn severity(&self, code: &str) -> PyResult<&'static str> {
        let code = core::Code::from_name(code).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!("unknown finding code {code:?}"))
        })?;
        Ok(self.inner.severity(code).name())
    }
    /// The settings that make this policy, as keyword arguments (pickling uses them).
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let settings = PyDict::new(py);
        for (name, value) in self.inner.caps() {
            settings.set_item(name, value)?;
        }
        settings.set_item("int_limit", self.inner.largest())?;
        let severity = PyDict::new(py);
        for (code, level) in self.inner.changed_severities() {
            severity.set_item(code, level)?;
        }
        settings.set_item("severity", severity)?;
        Ok(settings)
    }
    fn __getnewargs_ex__<'py>(&self, py: Python<'py>) -> PyResult<((), Bound<'py, PyDict>)> {
        Ok(((), self.settings(py)?))
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let parts: Vec<String> = self
            .settings(py)?
            .iter()
            .map(|(k, v)| Ok(format!("{}={}", k, v.repr()?)))
            .collect::<PyResult<_>>()?;
        Ok(format!("Policy({})", parts.join(", ")))
    }
}

pub fn policy_arg(policy: Option<&Policy>) -> Arc<core::Policy> {
    policy.map_or_else(|| Arc::new(core::Policy::default()), |p| p.inner.clone())
}

pub fn schema_arg(schema: Option<&str>) -> PyResult<Option<core::Schema>> {
    schema
        .map(|name| {
            core::Schema::from_name(name).ok_or_else(|| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "schema must be 'legacy', 'v1' or 'inventory', not {name:?}"
                ))
            })
        })
        .transpose()
}

/// The most worker threads a call may ask for: far more than any machine's cores.
const MAX_THREADS: i64 = 1024;

pub fn threads_arg(threads: Option<i64>) -> PyResult<Option<usize>> {
    match threads {
        None => Ok(None),
        Some(n @ 1..=MAX_THREADS) => Ok(usize::try_from(n).ok()),
        Some(n) => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "threads must be between 1 and {MAX_THREADS}, not {n}"
        ))),
    }
}
