//! akinv's own price of a reservation: exact decimals throughout, the GPU priced by the
//! device the reservation chose (its own memory size and interface), endpoints and leased
//! IPs multiplied by the replica count, and the rate rounded half to even.

use super::decimal::{Dec, Overflow};
use super::quote::{akt_price, GpuLine, Quote};
use super::{Pricing, BLOCKS_A_MONTH, USDC_DENOMS};
use crate::order::{Order, Unit};
use crate::report::GpuDevice;

fn overflow(_: Overflow) -> String {
    "the order is too large to price exactly".to_owned()
}

/// The mapping keys akinv tries for a device, most specific first: the generic script never
/// tries `model.interface`, nor the device's own `sxm4` beside the folded `sxm`.
pub fn device_keys(device: &GpuDevice) -> Vec<String> {
    let model = &device.model;
    let memory = &device.memory_size;
    let raw = device.interface.to_ascii_lowercase();
    let folded = crate::reserve::gpu::fold_interface(&device.interface);
    let mut keys = Vec::new();
    for key in [
        format!("{model}.{memory}.{raw}"),
        format!("{model}.{memory}.{folded}"),
        format!("{model}.{memory}"),
        format!("{model}.{raw}"),
        format!("{model}.{folded}"),
        model.clone(),
    ] {
        if !keys.contains(&key) && !key.contains("..") && !key.ends_with('.') {
            keys.push(key);
        }
    }
    keys
}

impl Pricing {
    fn exact_gpu(&self, unit: &Unit, device: Option<&GpuDevice>) -> (Dec, String, Option<String>) {
        if let Some(device) = device {
            let keys = device_keys(device);
            for key in &keys {
                if let Some((_, price)) = self.gpu_mappings.iter().rev().find(|(k, _)| k == key) {
                    return (*price, keys[0].clone(), Some(key.clone()));
                }
            }
            return (self.catch_all(), keys[0].clone(), None);
        }
        // Counts only (no device list): the model the order names, priced as the script would.
        let key = unit
            .gpu_attributes
            .first()
            .and_then(|k| k.split('/').nth(3))
            .unwrap_or("*")
            .to_owned();
        let (price, matched) = self.gpu_price(&key);
        (price, key, matched)
    }

    /// The exact price of `units` (a reservation's allocated units, with the device each GPU
    /// unit got), in the order's denom.
    pub fn quote_exact(
        &self,
        order: &Order,
        units: &[Unit],
        devices: &[Option<&GpuDevice>],
        akt_usd: Option<&str>,
    ) -> Result<Quote, String> {
        let int = |v: u64| Dec::int(i128::from(v));
        let gib = Dec::int(1 << 30);
        let mut parts: Vec<(&'static str, Dec)> = Vec::new();
        let mut add = |name: &'static str, value: Dec| -> Result<(), String> {
            match parts.iter_mut().find(|(n, _)| *n == name) {
                Some((_, sum)) => *sum = sum.checked_add(value).map_err(overflow)?,
                None => parts.push((name, value)),
            }
            Ok(())
        };
        let mut gpus = Vec::new();
        for (i, unit) in units.iter().enumerate() {
            let count = int(u64::from(unit.count));
            let times = |a: Dec, b: Dec| a.checked_mul(b).map_err(overflow);
            add(
                "cpu",
                times(
                    int(unit.cpu_millis)
                        .checked_div(Dec::int(1000))
                        .map_err(overflow)?,
                    times(count, self.cpu)?,
                )?,
            )?;
            add(
                "memory",
                times(
                    int(unit.memory_bytes).checked_div(gib).map_err(overflow)?,
                    times(count, self.memory)?,
                )?,
            )?;
            for volume in &unit.storage {
                let (name, target) = match (volume.persistent, volume.class.as_deref()) {
                    (false, Some("ram")) => continue,
                    (false, _) => ("ephemeral", self.hd_ephemeral),
                    (true, Some("beta1")) => ("beta1", self.hd_pers_hdd),
                    (true, Some("beta2")) => ("beta2", self.hd_pers_ssd),
                    (true, Some("beta3")) => ("beta3", self.hd_pers_nvme),
                    (true, _) => continue,
                };
                add(
                    name,
                    times(
                        int(volume.bytes).checked_div(gib).map_err(overflow)?,
                        times(count, target)?,
                    )?,
                )?;
            }
            add(
                "endpoints",
                times(times(int(u64::from(unit.endpoints)), count)?, self.endpoint)?,
            )?;
            add(
                "ips",
                times(times(int(u64::from(unit.ips)), count)?, self.ip)?,
            )?;
            if unit.gpu_units > 0 {
                let (price, key, matched) = self.exact_gpu(unit, devices.get(i).copied().flatten());
                add("gpu", times(times(count, int(unit.gpu_units))?, price)?)?;
                gpus.push(GpuLine {
                    unit: i,
                    key,
                    matched,
                    price: price.to_string(),
                });
            }
        }
        let total = parts
            .iter()
            .try_fold(Dec::ZERO, |s, (_, v)| s.checked_add(*v))
            .map_err(overflow)?;
        let precision = u32::try_from(order.price_precision.unwrap_or(6)).unwrap_or(6);
        let (denom, amount) = match &order.price {
            Some(price) => (price.denom.as_str(), Some(price.amount.as_str())),
            None => ("uakt", None),
        };
        let million = Dec::int(1_000_000);
        let blocks = Dec::int(BLOCKS_A_MONTH);
        let rate = if denom == "uakt" {
            let akt = akt_price(akt_usd.ok_or("the AKT price in USD is needed for uakt")?)?;
            total
                .checked_mul(million)
                .and_then(|u| u.checked_div(akt))
                .and_then(|u| u.checked_div(blocks))
        } else if denom == "uact" || USDC_DENOMS.contains(&denom) {
            total
                .checked_mul(million)
                .and_then(|u| u.checked_div(blocks))
        } else {
            return Err(format!(
                "denom {denom} is not priced (uakt, uact and the USDC denoms are)"
            ));
        }
        .map_err(overflow)?;
        let printed = rate.round(precision).map_err(overflow)?.to_string();
        let too_low = amount.and_then(Dec::parse).is_some_and(|max| rate > max);
        Ok(Quote {
            exit_code: i32::from(too_low),
            stdout: if too_low {
                String::new()
            } else {
                printed.clone()
            },
            stderr: if too_low {
                format!("requested rate is too low. min expected {printed}{denom}")
            } else {
                String::new()
            },
            denom: denom.to_owned(),
            rate: (!too_low).then(|| printed.clone()),
            rate_exact: Some(rate.to_string()),
            usd_per_month: total.to_string(),
            breakdown: parts.iter().map(|(n, v)| (*n, v.to_string())).collect(),
            gpus,
        })
    }
}
