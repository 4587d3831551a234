//! Bid matching and pricing: orders, pricings and quotes, inventories and reservations, and
//! one order against many providers in parallel without the GIL.

mod inventory;
mod matching;
mod pricing;

pub use inventory::{Inventory, Reservation};
pub use matching::{match_providers, Inventories, Match};
pub use pricing::{OrderCore, Pricing, Quote};

use crate::errors::type_error;
use crate::pickle::Restored;
use pyo3::prelude::*;

/// A bid-matching object from the state its `__reduce__` gave; `None` for another kind.
pub(crate) fn restore(py: Python<'_>, kind: &str, state: &[u8]) -> Option<Restored> {
    Some(match kind {
        "Inventory" => Inventory::restore(py, state),
        "Inventories" => Inventories::restore(py, state),
        "Reservation" => Reservation::restore(py, state),
        "Match" => Match::restore(py, state),
        "Quote" => Quote::restore(py, state),
        _ => return None,
    })
}

/// `value` itself, or its `core` attribute: the Python `akinv.Order` and `akinv.Pricing`
/// carry their core object there, so every call takes either.
pub(super) fn core_of<'py, T: pyo3::PyClass>(
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
        .ok_or_else(|| type_error(&format!("expected {what}"), value))
}

pub(super) fn order_of<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, OrderCore>> {
    core_of::<OrderCore>(value, "an akinv.Order")
}

pub(super) fn pricing_of<'py>(
    value: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<Bound<'py, Pricing>>> {
    value
        .filter(|v| !v.is_none())
        .map(|v| core_of::<Pricing>(v, "an akinv.Pricing"))
        .transpose()
}
