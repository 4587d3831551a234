//! One order against many providers: which could host it, with which GPU model, at what
//! rate. Inventories are read once (in parallel) and matched many times without re-reading
//! any JSON.

use crate::error::DocumentError;
use crate::inventory::Inventory;
use crate::order::Order;
use crate::policy::Policy;
use crate::price::{Pricing, Quote};
use crate::reserve::{plan, Mode, NoFit, Options, Reservation};
use crate::{parallel, validate};
use std::collections::HashMap;
use std::sync::Arc;

/// Many providers' inventories, in input order.
#[derive(Debug, Clone, Default)]
pub struct Inventories {
    pub providers: Vec<(String, Result<Arc<Inventory>, DocumentError>)>,
}

impl Inventories {
    /// Reads every status document (any shape validate reads) in parallel.
    pub fn read<D: AsRef<[u8]> + Sync>(
        items: &[(String, D)],
        threads: Option<usize>,
        policy: &Policy,
    ) -> Inventories {
        let read = parallel(items, threads, |(_, data)| {
            validate(data.as_ref(), None, policy)
                .map(|report| Arc::new(Inventory::from_report(Arc::new(report))))
        });
        Inventories {
            providers: items.iter().map(|(id, _)| id.clone()).zip(read).collect(),
        }
    }
}

/// What one provider would do with the order.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It would reserve it; with the quote when a pricing was given.
    Fits(Box<Reservation>, Option<Result<Quote, String>>),
    /// It would not bid.
    NoFit(Box<NoFit>),
    /// Its status document could not be read.
    Unreadable(DocumentError),
}

/// The pricing of each provider: its own, else the default, else none.
pub struct Pricings<'p> {
    pub default: Option<&'p Pricing>,
    pub by_provider: &'p HashMap<String, Pricing>,
}

impl<'p> Pricings<'p> {
    fn of(&self, provider: &str) -> Option<&'p Pricing> {
        self.by_provider.get(provider).or(self.default)
    }
}

/// The order against every provider, in parallel, as each provider would reserve it (a dry
/// run: no inventory changes), priced as its generic script would price the allocated units.
/// Providers that allocate the same units under the same pricing share one quote.
pub fn match_order(
    providers: &[(String, Result<Arc<Inventory>, DocumentError>)],
    order: &Order,
    pricings: &Pricings<'_>,
    akt_usd: Option<&str>,
    threads: Option<usize>,
) -> Vec<Outcome> {
    let options = Options {
        explain: false,
        ..Options::new(Mode::Provider)
    };
    let planned = parallel(providers, threads, |(_, inventory)| match inventory {
        Err(error) => Err(Box::new(Outcome::Unreadable(error.clone()))),
        Ok(inventory) => {
            plan(inventory, order, &options).map_err(|n| Box::new(Outcome::NoFit(Box::new(n))))
        }
    });
    let (used, distinct, keys) = distinct_quotes(providers, &planned, pricings);
    let priced = parallel(&distinct, threads, |(index, reservation)| {
        let stdin = order.script_input(&reservation.allocated);
        used[*index].quote_script_input(stdin.as_bytes(), akt_usd)
    });
    planned
        .into_iter()
        .zip(keys)
        .map(|(result, key)| match result {
            Err(outcome) => *outcome,
            Ok(reservation) => {
                let quote = key.map(|slot| priced[slot].clone());
                Outcome::Fits(Box::new(reservation), quote)
            }
        })
        .collect()
}

/// The pricings used, the distinct (pricing, reservation) pairs to quote, and which of them
/// each provider's quote is. Quote each distinct (pricing, allocated units) once: the units
/// differ between providers only by the GPU keys their reservation wrote.
#[allow(clippy::type_complexity)]
fn distinct_quotes<'a, E>(
    providers: &[(String, Result<Arc<Inventory>, DocumentError>)],
    planned: &'a [Result<Reservation, E>],
    pricings: &Pricings<'a>,
) -> (
    Vec<&'a Pricing>,
    Vec<(usize, &'a Reservation)>,
    Vec<Option<usize>>,
) {
    let mut used: Vec<&Pricing> = Vec::new();
    let mut keys = Vec::with_capacity(planned.len());
    let mut distinct: Vec<(usize, &Reservation)> = Vec::new();
    let mut seen: HashMap<(usize, Vec<&[String]>), usize> = HashMap::new();
    for ((id, _), result) in providers.iter().zip(planned) {
        let (Ok(reservation), Some(pricing)) = (result, pricings.of(id)) else {
            keys.push(None);
            continue;
        };
        let index = used
            .iter()
            .position(|p| std::ptr::eq(*p, pricing))
            .unwrap_or_else(|| {
                used.push(pricing);
                used.len() - 1
            });
        let gpu_keys: Vec<&[String]> = reservation
            .allocated
            .iter()
            .map(|u| &u.gpu_attributes[..])
            .collect();
        let next = distinct.len();
        let slot = *seen.entry((index, gpu_keys)).or_insert(next);
        if slot == next {
            distinct.push((index, reservation));
        }
        keys.push(Some(slot));
    }
    (used, distinct, keys)
}
