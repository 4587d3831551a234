//! Exact mode: the provider's placement without its quirks, the device's own memory size and
//! interface, and a policy for wildcards: the model the provider would pick, or the cheapest
//! or the most expensive model that fits, with a quote for every model that does.

use super::gpu::{fold_interface, normalize_ram, GpuRequest};
use super::{reserve, Mode, NoFit, Options, Overcommit, Reservation};
use crate::inventory::Inventory;
use crate::order::Order;
use crate::price::decimal::Dec;
use crate::price::{Pricing, Quote};
use crate::report::GpuDevice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wildcard {
    ProviderOrder,
    Cheapest,
    MostExpensive,
}

impl Wildcard {
    pub fn from_name(name: &str) -> Option<Wildcard> {
        match name {
            "provider-order" => Some(Wildcard::ProviderOrder),
            "cheapest" => Some(Wildcard::Cheapest),
            "most-expensive" => Some(Wildcard::MostExpensive),
            _ => None,
        }
    }
}

/// One GPU model a unit could get, whether it fits, and at what price.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOption {
    pub unit: usize,
    pub device: GpuDevice,
    pub fits: bool,
    pub quote: Option<Result<Quote, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactOutcome {
    pub reservation: Reservation,
    pub quote: Option<Result<Quote, String>>,
    /// Every model the GPU units could get, when a unit could get more than one.
    pub options: Vec<ModelOption>,
}

/// The exact price of a reservation, by the devices it chose.
pub fn exact_quote(
    pricing: &Pricing,
    order: &Order,
    reservation: &Reservation,
    akt_usd: Option<&str>,
) -> Result<Quote, String> {
    let devices: Vec<Option<&GpuDevice>> = reservation
        .placements
        .iter()
        .map(|p| p.gpu.as_ref().map(|c| &c.device))
        .collect();
    pricing.quote_exact(order, &reservation.allocated, &devices, akt_usd)
}

/// The order with unit `u` asking for exactly `device`'s model, memory size and interface.
fn pinned(order: &Order, u: usize, device: &GpuDevice) -> Order {
    let mut key = format!(
        "vendor/{}/model/{}",
        device.vendor.to_ascii_lowercase(),
        device.model
    );
    if let Ok(ram) = normalize_ram(&device.memory_size) {
        key.push_str(&format!("/ram/{ram}"));
    }
    let interface = fold_interface(&device.interface);
    if matches!(interface.as_str(), "pcie" | "sxm") {
        key.push_str(&format!("/interface/{interface}"));
    }
    let mut units = order.units.clone();
    units[u].gpu_attributes = vec![key];
    order.with_units(units)
}

/// The distinct models in `inventory` that unit `u`'s request matches.
fn candidates(inventory: &Inventory, order: &Order, u: usize) -> Vec<GpuDevice> {
    let Ok(request) = GpuRequest::parse(&order.units[u].gpu_attributes) else {
        return Vec::new();
    };
    let mut seen: Vec<GpuDevice> = Vec::new();
    for device in inventory.nodes.iter().flat_map(|n| &n.devices) {
        let same = |d: &GpuDevice| {
            d.vendor == device.vendor
                && d.model == device.model
                && d.memory_size == device.memory_size
                && fold_interface(&d.interface) == fold_interface(&device.interface)
        };
        if request.matches(device).is_some() && !seen.iter().any(same) {
            seen.push(device.clone());
        }
    }
    seen
}

fn rate(option: &ModelOption) -> Option<Dec> {
    match &option.quote {
        Some(Ok(quote)) => quote.rate_exact.as_deref().and_then(Dec::parse),
        _ => None,
    }
}

/// Exact-mode reservation with a wildcard policy; `pricing` is needed by the two price
/// policies and gives every option its quote.
pub fn reserve_exact(
    inventory: &mut Inventory,
    order: &Order,
    wildcard: Wildcard,
    pricing: Option<&Pricing>,
    akt_usd: Option<&str>,
    overcommit: Overcommit,
    commit: bool,
) -> Result<ExactOutcome, NoFit> {
    let options = Options {
        overcommit,
        ..Options::new(Mode::Exact)
    };
    let quote = |order: &Order, r: &Reservation| pricing.map(|p| exact_quote(p, order, r, akt_usd));
    let mut choices: Vec<(ModelOption, Order)> = Vec::new();
    for u in (0..order.units.len()).filter(|&u| order.units[u].gpu_units > 0) {
        let models = candidates(inventory, order, u);
        if models.len() < 2 {
            continue;
        }
        for device in models {
            let candidate = pinned(order, u, &device);
            let outcome = reserve(inventory, &candidate, &options, false);
            let option = ModelOption {
                unit: u,
                device,
                fits: outcome.is_ok(),
                quote: outcome.as_ref().ok().and_then(|r| quote(&candidate, r)),
            };
            choices.push((option, candidate));
        }
    }
    let fitting = choices.iter().filter(|(o, _)| o.fits && rate(o).is_some());
    let chosen = match wildcard {
        Wildcard::ProviderOrder => None,
        Wildcard::Cheapest => fitting.min_by(|a, b| {
            rate(&a.0)
                .partial_cmp(&rate(&b.0))
                .unwrap_or(std::cmp::Ordering::Equal)
        }),
        Wildcard::MostExpensive => fitting.max_by(|a, b| {
            rate(&a.0)
                .partial_cmp(&rate(&b.0))
                .unwrap_or(std::cmp::Ordering::Equal)
        }),
    };
    let final_order = chosen.map_or(order, |(_, o)| o);
    let reservation = reserve(inventory, final_order, &options, commit)?;
    Ok(ExactOutcome {
        quote: quote(final_order, &reservation),
        reservation,
        options: choices.into_iter().map(|(o, _)| o).collect(),
    })
}
