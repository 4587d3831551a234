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
#[derive(Debug, Clone)]
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

impl Pricings<'_> {
    fn of(&self, provider: &str) -> Option<&Pricing> {
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
    // Quote each distinct (pricing, allocated units) once.
    let mut used: Vec<&Pricing> = Vec::new();
    let mut keys = Vec::with_capacity(planned.len());
    let mut distinct: Vec<(usize, String)> = Vec::new();
    let mut seen: std::collections::HashSet<(usize, String)> = std::collections::HashSet::new();
    for ((id, _), result) in providers.iter().zip(&planned) {
        let key = match (result, pricings.of(id)) {
            (Ok(reservation), Some(pricing)) => {
                let index = used
                    .iter()
                    .position(|p| std::ptr::eq(*p, pricing))
                    .unwrap_or_else(|| {
                        used.push(pricing);
                        used.len() - 1
                    });
                let key = (index, order.script_input(&reservation.allocated));
                if seen.insert(key.clone()) {
                    distinct.push(key.clone());
                }
                Some(key)
            }
            _ => None,
        };
        keys.push(key);
    }
    let priced = parallel(&distinct, threads, |(index, stdin)| {
        used[*index].quote_script_input(stdin.as_bytes(), akt_usd)
    });
    let quotes: HashMap<(usize, String), Result<Quote, String>> =
        distinct.into_iter().zip(priced).collect();
    planned
        .into_iter()
        .zip(keys)
        .map(|(result, key)| match result {
            Err(outcome) => *outcome,
            Ok(reservation) => {
                let quote = key.and_then(|k| quotes.get(&k).cloned());
                Outcome::Fits(Box::new(reservation), quote)
            }
        })
        .collect()
}
