//! Bid matching and pricing: orders, pricings and quotes, inventories and reservations, and
//! one order against many providers in parallel without the GIL.

use crate::errors::payload_error;
use crate::gil;
use crate::input;
use crate::policy::{policy_arg, schema_arg, threads_arg, Policy};
use crate::report::Report;
use akinv_core as core;
use core::inventory::Inventory as CoreInventory;
use core::matching::{match_order, Inventories as CoreInventories, Outcome, Pricings};
use core::reserve::{self, Mode, NoFit, Options, Reservation as CoreReservation, Wildcard};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use std::collections::HashMap;
use std::sync::Arc;

/// `value` itself, or its `core` attribute: the Python `akinv.Order` and `akinv.Pricing`
/// carry their core object there, so every call takes either.
fn core_of<'py, T: pyo3::PyClass>(
    value: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Bound<'py, T>> {
    if let Ok(native) = value.cast::<T>() {
        return Ok(native.clone());
    }
    value
        .getattr("core")
        .ok()
        .and_then(|core| core.cast_into::<T>().ok())
        .ok_or_else(|| {
            let kind = value
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            pyo3::exceptions::PyTypeError::new_err(format!("expected {what}, not {kind}"))
        })
}

fn order_of<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, OrderCore>> {
    core_of::<OrderCore>(value, "an akinv.Order")
}

fn pricing_of<'py>(value: Option<&Bound<'py, PyAny>>) -> PyResult<Option<Bound<'py, Pricing>>> {
    value
        .filter(|v| !v.is_none())
        .map(|v| core_of::<Pricing>(v, "an akinv.Pricing"))
        .transpose()
}

/// A canonical order, read by the core (the Python `akinv.Order` builds it).
#[pyclass(module = "akinv._akinv", frozen, name = "OrderCore")]
pub struct OrderCore {
    inner: Arc<core::order::Order>,
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
    fn __repr__(&self) -> String {
        format!("OrderCore(units={})", self.inner.units.len())
    }
}

/// The generic price script's settings (decimal strings, as its environment holds them).
#[pyclass(module = "akinv._akinv", frozen, name = "Pricing")]
pub struct Pricing {
    inner: Arc<core::price::Pricing>,
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
    fn __repr__(&self) -> String {
        let parts: Vec<String> = self
            .settings
            .iter()
            .map(|(n, v)| format!("{n}={v:?}"))
            .collect();
        format!("Pricing({})", parts.join(", "))
    }
}

/// What the price script prints for an order, and the parts it added up.
#[pyclass(module = "akinv._akinv", frozen, name = "Quote")]
pub struct Quote {
    inner: core::price::Quote,
}

impl Quote {
    fn new(inner: core::price::Quote) -> Quote {
        Quote { inner }
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
    fn __repr__(&self) -> String {
        match &self.inner.rate {
            Some(rate) => format!(
                "Quote({rate}{} per block, {} USD a month)",
                self.inner.denom, self.inner.usd_per_month
            ),
            None => format!("Quote(refused: {})", self.inner.stderr),
        }
    }
}

fn quote_item(
    py: Python<'_>,
    quote: Option<Result<core::price::Quote, String>>,
) -> PyResult<Py<PyAny>> {
    Ok(match quote {
        None => py.None(),
        Some(Ok(quote)) => Py::new(py, Quote::new(quote))?.into_any(),
        Some(Err(message)) => PyValueError::new_err(message).into_value(py).into_any(),
    })
}

fn chosen_dict<'py>(py: Python<'py>, chosen: &reserve::Chosen) -> PyResult<Bound<'py, PyDict>> {
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

fn no_fit_dict<'py>(
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
#[pyclass(module = "akinv._akinv", frozen, name = "Reservation")]
pub struct Reservation {
    order: Arc<core::order::Order>,
    inventory: Arc<CoreInventory>,
    result: Result<CoreReservation, NoFit>,
    quote: Option<Result<core::price::Quote, String>>,
    options: Vec<reserve::ModelOption>,
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
    fn __repr__(&self) -> String {
        match &self.result {
            Ok(r) => format!("Reservation(ok, units={})", r.placements.len()),
            Err(n) => format!(
                "Reservation(no fit: {})",
                n.message(&self.inventory, &self.order)
            ),
        }
    }
}

fn mode_arg(mode: &str) -> PyResult<Mode> {
    match mode {
        "provider" => Ok(Mode::Provider),
        "exact" => Ok(Mode::Exact),
        other => Err(PyValueError::new_err(format!(
            "mode must be 'provider' or 'exact', not {other:?}"
        ))),
    }
}

/// One provider's inventory, read from its status document.
#[pyclass(module = "akinv._akinv", name = "Inventory")]
pub struct Inventory {
    inner: Arc<CoreInventory>,
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
    #[pyo3(signature = (order, /, *, mode="provider", wildcard="provider-order", pricing=None, akt_usd=None, dry_run=true))]
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
    ) -> PyResult<Reservation> {
        let order = order_of(order)?;
        let order = order.get();
        let pricing = pricing_of(pricing)?;
        let pricing = pricing.as_ref().map(|p| p.get());
        let mode = mode_arg(mode)?;
        let wildcard = Wildcard::from_name(wildcard).ok_or_else(|| {
            PyValueError::new_err(format!("wildcard must be 'provider-order', 'cheapest' or 'most-expensive', not {wildcard:?}"))
        })?;
        if mode == Mode::Provider && wildcard != Wildcard::ProviderOrder {
            return Err(PyValueError::new_err(
                "a wildcard policy needs mode='exact'",
            ));
        }
        let pricing = pricing.map(|p| p.inner.clone());
        let order_core = order.inner.clone();
        let mut inventory = CoreInventory::clone(&self.inner);
        let (result, quote, options) = gil::detached(py, || {
            if mode == Mode::Exact {
                match reserve::reserve_exact(
                    &mut inventory,
                    &order_core,
                    wildcard,
                    pricing.as_deref(),
                    akt_usd,
                    !dry_run,
                ) {
                    Ok(outcome) => (Ok(outcome.reservation), outcome.quote, outcome.options),
                    Err(no_fit) => (Err(no_fit), None, Vec::new()),
                }
            } else {
                let result =
                    reserve::reserve(&mut inventory, &order_core, &Options::new(mode), !dry_run);
                let quote = result.as_ref().ok().and_then(|r| {
                    let stdin = order_core.script_input(&r.allocated);
                    pricing
                        .as_ref()
                        .map(|p| p.quote_script_input(stdin.as_bytes(), akt_usd))
                });
                (result, quote, Vec::new())
            }
        })?;
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
    fn __repr__(&self) -> String {
        format!(
            "Inventory(schema={:?}, nodes={})",
            self.inner.schema.name(),
            self.inner.nodes.len()
        )
    }
}

/// One provider's answer to an order.
#[pyclass(module = "akinv._akinv", frozen, name = "Match")]
pub struct Match {
    provider: String,
    order: Arc<core::order::Order>,
    /// The provider's inventory, to name its nodes when saying why nothing fits.
    inventory: Option<Arc<CoreInventory>>,
    outcome: Outcome,
}

#[pymethods]
impl Match {
    #[getter]
    fn provider(&self) -> &str {
        &self.provider
    }
    /// It would reserve the order (and bid, if its quote is not refused).
    #[getter]
    fn ok(&self) -> bool {
        matches!(self.outcome, Outcome::Fits(..))
    }
    /// The GPU model of each GPU unit it would allocate (a list of dicts, possibly empty).
    #[getter]
    fn gpus<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        if let Outcome::Fits(reservation, _) = &self.outcome {
            for chosen in reservation.placements.iter().filter_map(|p| p.gpu.as_ref()) {
                list.append(chosen_dict(py, chosen)?)?;
            }
        }
        Ok(list)
    }
    /// Why it would not bid, or why its status could not be read; None when it fits.
    #[getter]
    fn reason(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Fits(..) => None,
            Outcome::NoFit(no_fit) => Some(match &self.inventory {
                Some(inventory) => no_fit.message(inventory, &self.order),
                None => no_fit.detail.clone(),
            }),
            Outcome::Unreadable(error) => Some(error.to_string()),
        }
    }
    #[getter]
    fn kind(&self) -> &'static str {
        match &self.outcome {
            Outcome::Fits(..) => "fits",
            Outcome::NoFit(no_fit) => no_fit.kind.name(),
            Outcome::Unreadable(_) => "unreadable",
        }
    }
    /// The rate it would bid (as its script prints it), when a pricing was given and it bids.
    #[getter]
    fn rate(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Fits(_, Some(Ok(quote))) => quote.rate.clone(),
            _ => None,
        }
    }
    #[getter]
    fn quote(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match &self.outcome {
            Outcome::Fits(_, quote) => quote_item(py, quote.clone()),
            _ => Ok(py.None()),
        }
    }
    /// The error reading its status document, or None.
    #[getter]
    fn error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        match &self.outcome {
            Outcome::Unreadable(error) => Some(payload_error(error).into_value(py).into_any()),
            _ => None,
        }
    }
    fn __repr__(&self) -> String {
        let gpus: Vec<String> = match &self.outcome {
            Outcome::Fits(r, _) => r
                .placements
                .iter()
                .filter_map(|p| p.gpu.as_ref().map(|c| c.device.model.clone()))
                .collect(),
            _ => Vec::new(),
        };
        match self.reason() {
            None => format!(
                "Match({:?}, fits, gpus={gpus:?}, rate={:?})",
                self.provider,
                self.rate()
            ),
            Some(reason) => format!("Match({:?}, {}: {reason})", self.provider, self.kind()),
        }
    }
}

type Providers = Vec<(String, Result<Arc<CoreInventory>, core::DocumentError>)>;

/// Providers' status documents from Python: (id, payload) pairs.
fn read_providers(
    py: Python<'_>,
    items: &Bound<'_, PyAny>,
    threads: Option<usize>,
    policy: &core::Policy,
) -> PyResult<Providers> {
    let mut ids = Vec::new();
    let mut inputs = Vec::new();
    for item in items.try_iter()? {
        let item = item?;
        let pair = item.cast::<PyTuple>().map_err(|_| {
            PyValueError::new_err("items must be (provider id, status payload) pairs")
        })?;
        if pair.len() != 2 {
            return Err(PyValueError::new_err(
                "items must be (provider id, status payload) pairs",
            ));
        }
        ids.push(pair.get_item(0)?.str()?.to_string());
        inputs.push(input::extract(&pair.get_item(1)?)?);
    }
    let texts: Vec<(String, &[u8])> = ids
        .iter()
        .cloned()
        .zip(inputs.iter().map(|i| i.as_ref()))
        .collect();
    let read = gil::batched(
        py,
        &texts,
        |(_, t)| t.len(),
        |chunk| CoreInventories::read(chunk, threads, policy).providers,
    )?;
    Ok(read
        .into_iter()
        .zip(&inputs)
        .map(|((id, result), input)| match input.refused() {
            Some(_) => (
                id,
                Err(core::DocumentError::Malformed {
                    message: "the document is a str that is not Unicode text".to_owned(),
                    line: 1,
                    column: 1,
                }),
            ),
            None => (id, result),
        })
        .collect())
}

/// The order, the default pricing and the per-provider ones from Python arguments.
type MatchArgs<'py> = (
    Bound<'py, PyAny>,
    Option<Bound<'py, PyAny>>,
    Option<HashMap<String, Bound<'py, PyAny>>>,
);

fn run_match(
    py: Python<'_>,
    providers: &Providers,
    (order, pricing, pricings): MatchArgs<'_>,
    akt_usd: Option<&str>,
    threads: Option<usize>,
) -> PyResult<Vec<Match>> {
    let order = order_of(&order)?;
    let order = order.get();
    let mut by_provider: HashMap<String, core::price::Pricing> = HashMap::new();
    for (id, p) in pricings.into_iter().flatten() {
        let p = core_of::<Pricing>(&p, "an akinv.Pricing")?;
        by_provider.insert(id, core::price::Pricing::clone(&p.get().inner));
    }
    let default = pricing_of(pricing.as_ref())?.map(|p| p.get().inner.clone());
    let outcomes = gil::batched(
        py,
        providers,
        |_| 4096,
        |chunk| {
            let pricings = Pricings {
                default: default.as_deref(),
                by_provider: &by_provider,
            };
            match_order(chunk, &order.inner, &pricings, akt_usd, threads)
        },
    )?;
    Ok(providers
        .iter()
        .zip(outcomes)
        .map(|((id, inventory), outcome)| Match {
            provider: id.clone(),
            inventory: inventory.as_ref().ok().cloned(),
            order: order.inner.clone(),
            outcome,
        })
        .collect())
}

/// Many providers' inventories, read once, for many orders.
#[pyclass(module = "akinv._akinv", frozen, name = "Inventories")]
pub struct Inventories {
    providers: Providers,
}

#[pymethods]
impl Inventories {
    #[new]
    #[pyo3(signature = (items, /, *, threads=None, policy=None))]
    fn new(
        py: Python<'_>,
        items: &Bound<'_, PyAny>,
        threads: Option<i64>,
        policy: Option<&Policy>,
    ) -> PyResult<Self> {
        let (threads, policy) = (threads_arg(threads)?, policy_arg(policy));
        Ok(Inventories {
            providers: read_providers(py, items, threads, &policy)?,
        })
    }
    fn __len__(&self) -> usize {
        self.providers.len()
    }
    /// The provider ids, in input order.
    #[getter]
    fn providers(&self) -> Vec<String> {
        self.providers.iter().map(|(id, _)| id.clone()).collect()
    }
    /// The order against every provider, in parallel without the GIL, in input order.
    #[pyo3(signature = (order, /, *, pricing=None, pricings=None, akt_usd=None, threads=None))]
    fn r#match<'py>(
        &self,
        py: Python<'py>,
        order: Bound<'py, PyAny>,
        pricing: Option<Bound<'py, PyAny>>,
        pricings: Option<HashMap<String, Bound<'py, PyAny>>>,
        akt_usd: Option<&str>,
        threads: Option<i64>,
    ) -> PyResult<Vec<Match>> {
        let threads = threads_arg(threads)?;
        run_match(
            py,
            &self.providers,
            (order, pricing, pricings),
            akt_usd,
            threads,
        )
    }
    fn __repr__(&self) -> String {
        let readable = self.providers.iter().filter(|(_, r)| r.is_ok()).count();
        format!(
            "Inventories(providers={}, readable={readable})",
            self.providers.len()
        )
    }
}

/// One order against many (provider id, status payload) pairs: read and matched in parallel.
#[pyfunction]
#[pyo3(name = "match", signature = (order, items, /, *, pricing=None, pricings=None, akt_usd=None, threads=None, policy=None))]
#[allow(clippy::too_many_arguments)]
pub fn match_providers<'py>(
    py: Python<'py>,
    order: Bound<'py, PyAny>,
    items: &Bound<'py, PyAny>,
    pricing: Option<Bound<'py, PyAny>>,
    pricings: Option<HashMap<String, Bound<'py, PyAny>>>,
    akt_usd: Option<&str>,
    threads: Option<i64>,
    policy: Option<&Policy>,
) -> PyResult<Vec<Match>> {
    let (threads, policy) = (threads_arg(threads)?, policy_arg(policy));
    let providers = read_providers(py, items, threads, &policy)?;
    run_match(py, &providers, (order, pricing, pricings), akt_usd, threads)
}
