//! One provider's inventory, and where an order would go on it.

use crate::errors::payload_error;
use crate::gil;
use crate::input;
use crate::pickle::{self, Reduced, Restored};
use crate::policy::{policy_arg, schema_arg, Policy};
use crate::report::{py_bool, py_list_repr, py_opt_repr, py_repr, Report};
use crate::state::Refused;
use akinv_core as core;
use core::inventory::Inventory as CoreInventory;
use core::reserve::{
    self, Mode, NoFit, Options, Overcommit, Reservation as CoreReservation, Wildcard,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::{order_of, pricing_of, Quote};

pub(super) fn quote_item(
    py: Python<'_>,
    quote: Option<Result<core::price::Quote, String>>,
) -> PyResult<Py<PyAny>> {
    Ok(match quote {
        None => py.None(),
        Some(Ok(quote)) => Py::new(py, Quote::new(quote))?.into_any(),
        Some(Err(message)) => PyValueError::new_err(message).into_value(py).into_any(),
    })
}

pub(super) fn chosen_dict<'py>(
    py: Python<'py>,
    chosen: &reserve::Chosen,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("vendor", &chosen.device.vendor)?;
    dict.set_item("model", &chosen.device.model)?;
    dict.set_item("memory_size", &chosen.device.memory_size)?;
    dict.set_item("interface", &chosen.device.interface)?;
    dict.set_item("key", &chosen.key)?;
    dict.set_item("node", &chosen.node)?;
    dict.set_item("uncertain", chosen.uncertain)?;
    Ok(dict)
}

pub(super) fn no_fit_dict<'py>(
    py: Python<'py>,
    no_fit: &NoFit,
    inventory: &CoreInventory,
    order: &core::order::Order,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("kind", no_fit.kind.name())?;
    dict.set_item("message", no_fit.message(inventory, order))?;
    dict.set_item("unit", no_fit.unit.map(|u| order.units[u].name.clone()))?;
    dict.set_item("class", no_fit.class.as_deref())?;
    dict.set_item("nodes", no_fit.node_reasons(inventory, order))?;
    dict.set_item("quirks", no_fit.quirks.clone())?;
    Ok(dict)
}

/// Where an order would go on one provider, or why it would not.
#[pyclass(module = "akinv._akinv", frozen, eq, name = "Reservation")]
#[derive(PartialEq, Serialize, Deserialize)]
pub struct Reservation {
    order: Arc<core::order::Order>,
    /// The inventory before the reservation, to name its nodes.
    inventory: Arc<CoreInventory>,
    result: Result<CoreReservation, NoFit>,
    quote: Option<Result<core::price::Quote, String>>,
    options: Vec<reserve::ModelOption>,
}

impl Reservation {
    /// A reservation read back, when it names only units of its order and nodes of its
    /// inventory.
    pub(super) fn restore(py: Python<'_>, state: &[u8]) -> Restored {
        let r: Reservation = pickle::decode(state)?;
        let (units, nodes) = (r.order.units.len(), r.inventory.nodes.len());
        let within = match &r.result {
            Ok(reservation) => reservation.refers_within(units, nodes),
            Err(no_fit) => no_fit.refers_within(units, nodes),
        };
        if !within || !r.options.iter().all(|o| o.refers_within(units)) {
            let why = "it names a unit or node its order or inventory does not have";
            return Err(Refused::Value(why.to_owned()).into());
        }
        pickle::new(py, r)
    }

    /// The names of the nodes it uses, each once, in the order they were first used.
    fn node_names(&self, reservation: &CoreReservation) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (node, _) in reservation.placements.iter().flat_map(|p| &p.nodes) {
            let name = &self.inventory.nodes[*node].name;
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }
}

/// The rate of a quote, as Python writes it; `None` without one (or when it cannot be priced).
pub(super) fn rate_repr(
    py: Python<'_>,
    quote: Option<&Result<core::price::Quote, String>>,
) -> PyResult<String> {
    py_opt_repr(py, quote.and_then(|q| q.as_ref().ok()?.rate.as_deref()))
}

/// The GPU model each GPU unit got, in unit order.
pub(super) fn models(reservation: &CoreReservation) -> Vec<String> {
    let chosen = reservation.placements.iter().filter_map(|p| p.gpu.as_ref());
    chosen.map(|c| c.device.model.clone()).collect()
}

#[pymethods]
impl Reservation {
    #[getter]
    fn ok(&self) -> bool {
        self.result.is_ok()
    }
    /// Why nothing fits (`kind`, `message`, `unit`, `class`, `nodes`, `quirks`), or None.
    #[getter]
    fn no_fit<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.result
            .as_ref()
            .err()
            .map(|n| no_fit_dict(py, n, &self.inventory, &self.order))
            .transpose()
    }
    /// Per unit: `unit` (its name), `nodes` [(node, replicas)], `gpu` (the device chosen) or None.
    #[getter]
    fn units<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        if let Ok(reservation) = &self.result {
            for placement in &reservation.placements {
                let dict = PyDict::new(py);
                dict.set_item("unit", &self.order.units[placement.unit].name)?;
                let nodes: Vec<(String, u32)> = placement
                    .nodes
                    .iter()
                    .map(|(n, replicas)| (self.inventory.nodes[*n].name.clone(), *replicas))
                    .collect();
                dict.set_item("nodes", nodes)?;
                dict.set_item(
                    "gpu",
                    placement
                        .gpu
                        .as_ref()
                        .map(|c| chosen_dict(py, c))
                        .transpose()?,
                )?;
                list.append(dict)?;
            }
        }
        Ok(list)
    }
    /// Provider quirks that changed this outcome.
    #[getter]
    fn quirks(&self) -> Vec<String> {
        match &self.result {
            Ok(r) => r.quirks.clone(),
            Err(n) => n.quirks.clone(),
        }
    }
    /// What the document could not tell (no device list, no storage classes).
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.result
            .as_ref()
            .map(|r| r.notes.clone())
            .unwrap_or_default()
    }
    /// The allocated units as the provider hands them to its price script (stdin JSON).
    fn allocated_script_input<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        let reservation = self.result.as_ref().ok()?;
        Some(PyBytes::new(
            py,
            self.order.script_input(&reservation.allocated).as_bytes(),
        ))
    }
    /// The quote (a Quote, a ValueError when it cannot be priced, or None without pricing).
    #[getter]
    fn quote(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        quote_item(py, self.quote.clone())
    }
    /// Exact mode: every GPU model a unit could get (`unit`, `gpu`, `fits`, `quote`).
    #[getter]
    fn options<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for option in &self.options {
            let dict = PyDict::new(py);
            dict.set_item("unit", &self.order.units[option.unit].name)?;
            let device = &option.device;
            dict.set_item(
                "gpu",
                (
                    &device.vendor,
                    &device.model,
                    &device.memory_size,
                    &device.interface,
                ),
            )?;
            dict.set_item("fits", option.fits)?;
            dict.set_item("quote", quote_item(py, option.quote.clone())?)?;
            list.append(dict)?;
        }
        Ok(list)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        pickle::reduce(py, "Reservation", self)
    }
    /// Where it went (nodes, GPU models, the rate), or why nothing fits.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(match &self.result {
            Ok(r) => format!(
                "Reservation(ok=True, nodes={}, gpus={}, rate={})",
                py_list_repr(py, &self.node_names(r))?,
                py_list_repr(py, &models(r))?,
                rate_repr(py, self.quote.as_ref())?
            ),
            Err(n) => format!(
                "Reservation(ok=False, kind={}, message={})",
                py_repr(py, n.kind.name())?,
                py_repr(py, &n.message(&self.inventory, &self.order))?
            ),
        })
    }
}

/// The reservation mode and wildcard policy; a wildcard policy other than the provider's
/// own needs the exact mode.
fn mode_args(mode: &str, wildcard: &str) -> PyResult<(Mode, Wildcard)> {
    let mode = match mode {
        "provider" => Mode::Provider,
        "exact" => Mode::Exact,
        other => {
            let message = format!("mode must be 'provider' or 'exact', not {other:?}");
            return Err(PyValueError::new_err(message));
        }
    };
    let policy = Wildcard::from_name(wildcard).ok_or_else(|| {
        PyValueError::new_err(format!(
            "wildcard must be 'provider-order', 'cheapest' or 'most-expensive', not {wildcard:?}"
        ))
    })?;
    if mode == Mode::Provider && policy != Wildcard::ProviderOrder {
        return Err(PyValueError::new_err(
            "a wildcard policy needs mode='exact'",
        ));
    }
    Ok((mode, policy))
}

/// The provider's `--overcommit-pct-cpu|mem|storage` as `{"cpu": 100, "memory": 0, ...}`.
fn overcommit_arg(value: Option<&Bound<'_, PyDict>>) -> PyResult<Overcommit> {
    let mut overcommit = Overcommit::default();
    for (key, pct) in value.into_iter().flat_map(|d| d.iter()) {
        let name = key.extract::<String>().unwrap_or_default();
        let slot = match name.as_str() {
            "cpu" => &mut overcommit.cpu_pct,
            "memory" => &mut overcommit.memory_pct,
            "storage" => &mut overcommit.storage_pct,
            _ => {
                let message = format!(
                    "overcommit takes 'cpu', 'memory' and 'storage' percentages, not {}",
                    key.repr()?
                );
                return Err(PyValueError::new_err(message));
            }
        };
        *slot = pct.extract::<u32>().map_err(|_| {
            PyValueError::new_err(format!(
                "overcommit[{name:?}] must be a percentage from 0 to 4294967295, not {}",
                pct.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        })?;
    }
    Ok(overcommit)
}

/// One provider's inventory, read from its status document.
#[pyclass(module = "akinv._akinv", name = "Inventory")]
pub struct Inventory {
    pub(super) inner: Arc<CoreInventory>,
}

#[pymethods]
impl Inventory {
    #[staticmethod]
    #[pyo3(signature = (payload, /, *, schema=None, policy=None))]
    fn from_status(
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        schema: Option<&str>,
        policy: Option<&Policy>,
    ) -> PyResult<Self> {
        let input = input::extract(payload)?;
        if let Some(refusal) = input.refused() {
            return Err(refusal);
        }
        let (schema, policy) = (schema_arg(schema)?, policy_arg(policy));
        let report = gil::detached(py, || core::validate(input.as_ref(), schema, &policy))?
            .map_err(|e| payload_error(&e))?;
        Ok(Inventory {
            inner: Arc::new(CoreInventory::from_report(Arc::new(report))),
        })
    }
    /// The validate report of the same document.
    #[getter]
    fn report(&self) -> Report {
        Report {
            inner: self.inner.report.clone(),
        }
    }
    /// Whether nodes list their GPU devices (legacy documents do not: counts only).
    #[getter]
    fn has_devices(&self) -> bool {
        self.inner.has_devices
    }
    /// Each node's free capacity: `name`, `cpu_millis`, `memory_bytes`, `gpus`, `ephemeral_storage_bytes`.
    #[getter]
    fn nodes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for node in &self.inner.nodes {
            let dict = PyDict::new(py);
            dict.set_item("name", &node.name)?;
            dict.set_item("cpu_millis", node.free.cpu_millis)?;
            dict.set_item("memory_bytes", node.free.memory_bytes)?;
            dict.set_item("gpus", node.free.gpus)?;
            dict.set_item("ephemeral_storage_bytes", node.free.ephemeral_bytes)?;
            list.append(dict)?;
        }
        Ok(list)
    }
    /// Places `order` as the provider would; with `dry_run=False` the inventory keeps what
    /// the reservation takes, as the provider's does until the bid closes.
    #[pyo3(signature = (order, /, *, mode="provider", wildcard="provider-order", pricing=None, akt_usd=None, dry_run=true, overcommit=None))]
    #[allow(clippy::too_many_arguments)]
    fn reserve(
        &mut self,
        py: Python<'_>,
        order: &Bound<'_, PyAny>,
        mode: &str,
        wildcard: &str,
        pricing: Option<&Bound<'_, PyAny>>,
        akt_usd: Option<&str>,
        dry_run: bool,
        overcommit: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Reservation> {
        let overcommit = overcommit_arg(overcommit)?;
        let order = order_of(order)?;
        let order = order.get();
        let pricing = pricing_of(pricing)?;
        let pricing = pricing.as_ref().map(|p| p.get());
        let (mode, wildcard) = mode_args(mode, wildcard)?;
        let request = Request {
            order: order.inner.clone(),
            mode,
            wildcard,
            pricing: pricing.map(|p| p.inner.clone()),
            akt_usd,
            overcommit,
            commit: !dry_run,
        };
        let mut inventory = CoreInventory::clone(&self.inner);
        let (result, quote, options) = gil::detached(py, || request.run(&mut inventory))?;
        let before = self.inner.clone();
        if !dry_run {
            self.inner = Arc::new(inventory);
        }
        Ok(Reservation {
            order: order.inner.clone(),
            inventory: before,
            result,
            quote,
            options,
        })
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .extract::<PyRef<'_, Inventory>>()
            .is_ok_and(|o| o.inner == self.inner)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        pickle::reduce(py, "Inventory", &*self.inner)
    }
    /// Its shape, its nodes, and the GPUs they have free.
    fn __repr__(&self) -> String {
        let inventory = &self.inner;
        let free = inventory.nodes.iter().map(|n| n.free.gpus);
        let free_gpus = free.fold(0i64, i64::saturating_add);
        format!(
            "Inventory(schema='{}', nodes={}, has_devices={}, free_gpus={free_gpus})",
            inventory.schema.name(),
            inventory.nodes.len(),
            py_bool(inventory.has_devices)
        )
    }
}

impl Inventory {
    pub(super) fn restore(py: Python<'_>, state: &[u8]) -> Restored {
        let inner: CoreInventory = pickle::decode(state)?;
        pickle::new(
            py,
            Inventory {
                inner: Arc::new(inner),
            },
        )
    }
}

/// One reservation as `Inventory.reserve` was asked for it, run without the GIL.
struct Request<'a> {
    order: Arc<core::order::Order>,
    mode: Mode,
    wildcard: Wildcard,
    pricing: Option<Arc<core::price::Pricing>>,
    akt_usd: Option<&'a str>,
    overcommit: Overcommit,
    commit: bool,
}

type Outcome = (
    Result<CoreReservation, NoFit>,
    Option<Result<core::price::Quote, String>>,
    Vec<reserve::ModelOption>,
);

impl Request<'_> {
    fn run(&self, inventory: &mut CoreInventory) -> Outcome {
        let pricing = self.pricing.as_deref();
        if self.mode == Mode::Exact {
            return match reserve::reserve_exact(
                inventory,
                &self.order,
                self.wildcard,
                pricing,
                self.akt_usd,
                self.overcommit,
                self.commit,
            ) {
                Ok(outcome) => (Ok(outcome.reservation), outcome.quote, outcome.options),
                Err(no_fit) => (Err(no_fit), None, Vec::new()),
            };
        }
        let options = Options {
            overcommit: self.overcommit,
            ..Options::new(self.mode)
        };
        let result = reserve::reserve(inventory, &self.order, &options, self.commit);
        let quote = result.as_ref().ok().and_then(|reserved| {
            let stdin = self.order.script_input(&reserved.allocated);
            pricing.map(|p| p.quote_script_input(stdin.as_bytes(), self.akt_usd))
        });
        (result, quote, Vec::new())
    }
}
