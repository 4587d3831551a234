//! Orders, pricings and quotes.

use crate::pickle::{self, Reduced, Restored};
use crate::report::{py_list_repr, py_opt_repr, py_repr};
use akinv_core as core;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::order_of;

/// A canonical order, read by the core (the Python `akinv.Order` builds it).
#[pyclass(module = "akinv._akinv", frozen, eq, name = "OrderCore")]
#[derive(PartialEq)]
pub struct OrderCore {
    pub(super) inner: Arc<core::order::Order>,
    canonical: Vec<u8>,
}

#[pymethods]
impl OrderCore {
    #[new]
    #[pyo3(signature = (canonical, /))]
    fn new(canonical: &[u8]) -> PyResult<Self> {
        let inner =
            core::order::Order::from_json(canonical).map_err(|e| PyValueError::new_err(e.0))?;
        Ok(OrderCore {
            inner: Arc::new(inner),
            canonical: canonical.to_vec(),
        })
    }
    /// The price script's stdin document of the order as given.
    fn script_input<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.script_input(&self.inner.units).as_bytes())
    }
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        Ok((
            slf.get_type().into_any(),
            (PyBytes::new(py, &slf.get().canonical),),
        ))
    }
    /// Where it came from and its units' names.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let units: Vec<String> = self.inner.units.iter().map(|u| u.name.clone()).collect();
        Ok(format!(
            "OrderCore(source={}, units={})",
            py_repr(py, &self.inner.source)?,
            py_list_repr(py, &units)?
        ))
    }
}

/// The generic price script's settings (decimal strings, as its environment holds them).
#[pyclass(module = "akinv._akinv", frozen, eq, name = "Pricing")]
#[derive(PartialEq)]
pub struct Pricing {
    pub(super) inner: Arc<core::price::Pricing>,
    settings: Vec<(String, String)>,
}

#[pymethods]
impl Pricing {
    #[new]
    #[pyo3(signature = (*, cpu=None, memory=None, hd_ephemeral=None, hd_pers_hdd=None, hd_pers_ssd=None, hd_pers_nvme=None, endpoint=None, ip=None, gpu_mappings=""))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        cpu: Option<String>,
        memory: Option<String>,
        hd_ephemeral: Option<String>,
        hd_pers_hdd: Option<String>,
        hd_pers_ssd: Option<String>,
        hd_pers_nvme: Option<String>,
        endpoint: Option<String>,
        ip: Option<String>,
        gpu_mappings: &str,
    ) -> PyResult<Self> {
        let given = [
            ("CPU", cpu),
            ("MEMORY", memory),
            ("HD_EPHEMERAL", hd_ephemeral),
            ("HD_PERS_HDD", hd_pers_hdd),
            ("HD_PERS_SSD", hd_pers_ssd),
            ("HD_PERS_NVME", hd_pers_nvme),
            ("ENDPOINT", endpoint),
            ("IP", ip),
        ];
        let targets: Vec<(&str, &str)> = given
            .iter()
            .filter_map(|(name, value)| value.as_deref().map(|v| (*name, v)))
            .collect();
        let inner = core::price::Pricing::new(&targets, gpu_mappings)
            .map_err(|e| PyValueError::new_err(e.0))?;
        let mut settings: Vec<(String, String)> = given
            .iter()
            .filter_map(|(name, value)| value.clone().map(|v| (name.to_ascii_lowercase(), v)))
            .collect();
        settings.push(("gpu_mappings".to_owned(), gpu_mappings.to_owned()));
        Ok(Pricing {
            inner: Arc::new(inner),
            settings,
        })
    }
    /// The generic script on its raw stdin: what it prints and how it exits.
    #[pyo3(signature = (data, /, *, akt_usd=None))]
    fn quote_script_input(&self, data: &[u8], akt_usd: Option<&str>) -> PyResult<Quote> {
        self.inner
            .quote_script_input(data, akt_usd)
            .map(Quote::new)
            .map_err(PyValueError::new_err)
    }
    /// The generic script on the order's own units.
    #[pyo3(signature = (order, /, *, akt_usd=None))]
    fn quote(&self, order: &Bound<'_, PyAny>, akt_usd: Option<&str>) -> PyResult<Quote> {
        let order = order_of(order)?;
        let order = order.get();
        let stdin = order.inner.script_input(&order.inner.units);
        self.quote_script_input(stdin.as_bytes(), akt_usd)
    }
    fn __getnewargs_ex__<'py>(&self, py: Python<'py>) -> PyResult<((), Bound<'py, PyDict>)> {
        let kwargs = PyDict::new(py);
        for (name, value) in &self.settings {
            kwargs.set_item(name, value)?;
        }
        Ok(((), kwargs))
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let parts: Vec<String> = self
            .settings
            .iter()
            .map(|(n, v)| Ok(format!("{n}={}", py_repr(py, v)?)))
            .collect::<PyResult<_>>()?;
        Ok(format!("Pricing({})", parts.join(", ")))
    }
}

/// What the price script prints for an order, and the parts it added up.
#[pyclass(module = "akinv._akinv", frozen, eq, name = "Quote")]
#[derive(PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub(super) inner: core::price::Quote,
}

impl Quote {
    pub(super) fn new(inner: core::price::Quote) -> Quote {
        Quote { inner }
    }

    pub(super) fn restore(py: Python<'_>, state: &[u8]) -> Restored {
        let restored: Quote = pickle::decode(state)?;
        pickle::new(py, restored)
    }
}

#[pymethods]
impl Quote {
    #[getter]
    fn exit_code(&self) -> i32 {
        self.inner.exit_code
    }
    #[getter]
    fn stdout(&self) -> &str {
        &self.inner.stdout
    }
    #[getter]
    fn stderr(&self) -> &str {
        &self.inner.stderr
    }
    #[getter]
    fn denom(&self) -> &str {
        &self.inner.denom
    }
    /// The rate per block as printed (the bid), or None when the script refuses.
    #[getter]
    fn rate(&self) -> Option<&str> {
        self.inner.rate.as_deref()
    }
    #[getter]
    fn rate_exact(&self) -> Option<&str> {
        self.inner.rate_exact.as_deref()
    }
    #[getter]
    fn usd_per_month(&self) -> &str {
        &self.inner.usd_per_month
    }
    /// USD a month by part: cpu, memory, ephemeral, beta1, beta2, beta3, endpoints, ips, gpu.
    #[getter]
    fn breakdown<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in &self.inner.breakdown {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    }
    /// Each GPU unit's price: `unit`, `key`, `matched` (None: the catch-all price), `price`.
    #[getter]
    fn gpus<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for line in &self.inner.gpus {
            let dict = PyDict::new(py);
            dict.set_item("unit", line.unit)?;
            dict.set_item("key", &line.key)?;
            dict.set_item("matched", line.matched.as_deref())?;
            dict.set_item("price", &line.price)?;
            dict.set_item("catch_all", line.matched.is_none())?;
            list.append(dict)?;
        }
        Ok(list)
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("exit_code", self.inner.exit_code)?;
        dict.set_item("stdout", &self.inner.stdout)?;
        dict.set_item("stderr", &self.inner.stderr)?;
        dict.set_item("denom", &self.inner.denom)?;
        dict.set_item("rate", self.rate())?;
        dict.set_item("rate_exact", self.rate_exact())?;
        dict.set_item("usd_per_month", &self.inner.usd_per_month)?;
        dict.set_item("breakdown", self.breakdown(py)?)?;
        dict.set_item("gpus", self.gpus(py)?)?;
        Ok(dict)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        pickle::reduce(py, "Quote", self)
    }
    /// The bid (its rate per block and USD a month), or why the script refuses.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let q = &self.inner;
        let refusal = match q.rate {
            Some(_) => String::new(),
            None => format!(
                ", exit_code={}, stderr={}",
                q.exit_code,
                py_repr(py, &q.stderr)?
            ),
        };
        Ok(format!(
            "Quote(rate={}, denom={}, usd_per_month={}{refusal})",
            py_opt_repr(py, q.rate.as_deref())?,
            py_repr(py, &q.denom)?,
            py_repr(py, &q.usd_per_month)?
        ))
    }
}
