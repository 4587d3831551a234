//! One order against many providers in parallel, without the GIL.

use crate::errors::payload_error;
use crate::gil;
use crate::input;
use crate::pickle::{self, Reduced, Restored};
use crate::policy::{policy_arg, threads_arg, Policy};
use crate::report::{py_list_repr, py_opt_repr, py_repr};
use akinv_core as core;
use core::inventory::Inventory as CoreInventory;
use core::matching::{match_order, Inventories as CoreInventories, Outcome, Pricings};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

use super::inventory::{chosen_dict, models, quote_item, rate_repr};
use super::{core_of, order_of, pricing_of, Pricing};

/// One provider's answer to an order.
#[pyclass(module = "akinv._akinv", frozen, name = "Match")]
#[derive(Serialize, Deserialize)]
pub struct Match {
    provider: String,
    order: Arc<core::order::Order>,
    /// The provider's inventory, to name its nodes when saying why nothing fits. A match
    /// pickles without it: its outcome says why in words instead (`resolved`).
    #[serde(skip)]
    inventory: Option<Arc<CoreInventory>>,
    outcome: Outcome,
}

impl Match {
    /// Its outcome with why nothing fits in words, which needs no inventory to read.
    fn resolved(&self) -> Outcome {
        match (&self.outcome, &self.inventory) {
            (Outcome::NoFit(no_fit), Some(inventory)) => {
                let mut no_fit = no_fit.clone();
                no_fit.detail = no_fit.message(inventory, &self.order);
                no_fit.nodes.clear();
                Outcome::NoFit(no_fit)
            }
            (outcome, _) => outcome.clone(),
        }
    }

    pub(super) fn restore(py: Python<'_>, state: &[u8]) -> Restored {
        let restored: Match = pickle::decode(state)?;
        pickle::new(py, restored)
    }
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
    /// Equal when a user can tell no difference: the same provider, order and outcome.
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.extract::<PyRef<'_, Match>>().is_ok_and(|o| {
            o.provider == self.provider && o.order == self.order && o.resolved() == self.resolved()
        })
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        let resolved = Match {
            provider: self.provider.clone(),
            order: self.order.clone(),
            inventory: None,
            outcome: self.resolved(),
        };
        pickle::reduce(py, "Match", &resolved)
    }
    /// The provider, and its GPU models and rate, or why it would not bid.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let provider = py_repr(py, &self.provider)?;
        Ok(match &self.outcome {
            Outcome::Fits(r, quote) => format!(
                "Match(provider={provider}, ok=True, gpus={}, rate={})",
                py_list_repr(py, &models(r))?,
                rate_repr(py, quote.as_ref())?
            ),
            _ => format!(
                "Match(provider={provider}, ok=False, kind='{}', reason={})",
                self.kind(),
                py_opt_repr(py, self.reason().as_deref())?
            ),
        })
    }
}

type Providers = Vec<(String, Result<Arc<CoreInventory>, core::DocumentError>)>;

/// Providers' status documents from Python: (id, payload) pairs.
pub(super) fn read_providers(
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

pub(super) fn run_match(
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
#[pyclass(module = "akinv._akinv", frozen, eq, name = "Inventories")]
#[derive(PartialEq, Serialize, Deserialize)]
pub struct Inventories {
    providers: Providers,
}

impl Inventories {
    pub(super) fn restore(py: Python<'_>, state: &[u8]) -> Restored {
        let restored: Inventories = pickle::decode(state)?;
        pickle::new(py, restored)
    }
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
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        pickle::reduce(py, "Inventories", self)
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
