//! The provider's logged inventory (`cluster resources dump=`): legacy-shaped nodes plus
//! `total_allocatable`/`total_available`, which are checked against the nodes and, when
//! sanitizing, recomputed from them.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use super::classify::Spelling;
use super::cursor::Result;
use super::legacy::legacy_check;
use super::rules::{Replacement, Sink};
use super::{NodeList, Place, Reading, Res, Seen, Walker};
use crate::report::{Code, FindingValue};

/// `total_*` numbers as read; of a key given twice the last counts.
#[derive(Default)]
pub(crate) struct ReportedTotals {
    allocatable: Option<[Reading; 4]>,
    available: Option<[Reading; 4]>,
    /// `total_*.storage` by class.
    storage: [Vec<(String, Reading)>; 2],
}

impl Walker<'_, '_> {
    pub(super) fn inventory_nodes(&mut self) -> Result<()> {
        self.start_node_list()?;
        self.expect_array(|w, index| w.legacy_node(index)).map(drop)
    }

    pub(super) fn reported_total(&mut self, allocatable: bool) -> Result<()> {
        let which = usize::from(!allocatable);
        let mut slots = if allocatable {
            self.reported.allocatable.take()
        } else {
            self.reported.available.take()
        };
        let readings = slots.get_or_insert([Reading::ABSENT; 4]);
        let mut storage = std::mem::take(&mut self.reported.storage[which]);
        let mut seen = Seen::default();
        self.expect_object(|w, key| {
            let res = Res::from_legacy_key(key);
            if res.is_none() && key != b"storage" {
                return w.unknown();
            }
            if !seen.first(res.map_or(4, |r| r as u32)) {
                w.repeated()?;
            }
            match res {
                Some(res) => {
                    let check = legacy_check(res, w.policy, false, false);
                    readings[res as usize] = w.number(Spelling::Integer, &check)?;
                    Ok(())
                }
                None => w.storage_map(Spelling::Integer, |_, class, reading| {
                    match storage.iter_mut().find(|(c, _)| c == class) {
                        Some((_, slot)) => *slot = *reading,
                        None => storage.push((class.to_owned(), *reading)),
                    }
                }),
            }
        })?;
        self.reported.storage[which] = storage;
        if allocatable {
            self.reported.allocatable = slots;
        } else {
            self.reported.available = slots;
        }
        Ok(())
    }

    /// Checks the `total_*` numbers against the nodes, sets them to the nodes' sums when
    /// sanitizing, and makes the storage pools of `total_*.storage`.
    pub(super) fn check_reported_totals(&mut self, list: &NodeList) {
        let objects = [self.reported.allocatable, self.reported.available];
        for (which, readings) in objects.into_iter().enumerate() {
            let Some(readings) = readings else { continue };
            for res in Res::ALL {
                self.check_total(list, res, &readings[res as usize], which == 0);
            }
        }
        self.storage_pools();
    }

    fn check_total(&mut self, list: &NodeList, res: Res, reading: &Reading, allocatable: bool) {
        let i = res as usize;
        let sums = &list.sums;
        let (object, sum, all_trusted) = if allocatable {
            let trusted = sums.allocatable_trusted[i];
            ("total_allocatable", sums.allocatable[i], trusted)
        } else {
            (
                "total_available",
                sums.available[i],
                sums.available_trusted[i],
            )
        };
        if let (Some(total), true, true) = (reading.trusted(), all_trusted, reading.present()) {
            if i128::from(total) != sum {
                let message = format!(
                    "{object} {} {total} differs from the sum over nodes, {sum}",
                    res.legacy_key()
                );
                let value = FindingValue::Int(i128::from(total));
                let place = Place::at(reading.at);
                self.finding(Code::TotalMismatch, place, Some(res.name()), value, message);
            }
        }
        // The sum of the sanitized nodes, which saturates at the limit.
        let recomputed: i128 = list
            .nodes
            .iter()
            .map(|node| {
                let triple = node.resources.by_index(i);
                i128::from(if allocatable {
                    triple.allocatable
                } else {
                    triple.available
                })
            })
            .fold(0i128, i128::saturating_add);
        let largest = i128::from(self.policy.largest());
        let bounded = i64::try_from(recomputed.min(largest)).unwrap_or(0);
        let reason = reading.untrusted_code().unwrap_or(Code::TotalMismatch);
        self.replace(reading, Replacement::Value(bounded), reason);
    }

    /// The pools of `total_*.storage`, by class.
    fn storage_pools(&mut self) {
        let reported = std::mem::take(&mut self.reported.storage);
        for (which, classes) in reported.into_iter().enumerate() {
            for (class, reading) in classes {
                let value = i128::from(reading.trusted().unwrap_or(0));
                let pool = self.pool(&class);
                if which == 0 {
                    pool.allocatable = value;
                } else {
                    pool.available = value;
                }
                pool.allocated = pool.allocatable.saturating_sub(pool.available).max(0);
            }
        }
    }

    /// `{class: bytes}` maps; `record` sees each reading with its class name.
    pub(super) fn storage_map(
        &mut self,
        spelling: Spelling,
        mut record: impl FnMut(&mut Self, &str, &Reading),
    ) -> Result<()> {
        if self.null()? {
            return Ok(());
        }
        let check = super::classify::Check {
            resource: "storage",
            cap: None,
            unbounded_ok: false,
            unit: "bytes",
        };
        self.expect_object(|w, key| {
            let reading = w.lone(spelling, &check)?;
            // A class name written with escapes is the name it decodes to, as for keys.
            let class = super::cursor::decoded(key);
            record(w, &class, &reading);
            Ok(())
        })
        .map(drop)
    }
}
