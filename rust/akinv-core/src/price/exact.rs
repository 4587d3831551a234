//! akinv's own price of a reservation: exact decimals throughout, the GPU priced by the
//! device the reservation chose (its own memory size and interface), endpoints and leased
//! IPs multiplied by the replica count, and the rate rounded half to even.

use super::decimal::Dec;
use super::quote::{akt_price, GpuLine, Parts, Quote};
use super::{Pricing, BLOCKS_A_MONTH, USDC_DENOMS};
use crate::order::{Order, Unit, Volume};
use crate::report::GpuDevice;

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

fn int(value: u64) -> Dec {
    Dec::int(i128::from(value))
}

/// `amount / unit`, with bc's 20 decimals.
fn per(amount: u64, unit: i128) -> Result<Dec, String> {
    Ok(int(amount).checked_div(Dec::int(unit))?)
}

/// `amount × count × target`, exactly.
fn cost(amount: Dec, count: u32, target: Dec) -> Result<Dec, String> {
    Ok(amount.checked_mul(int(u64::from(count)).checked_mul(target)?)?)
}

/// Parts summed by name, in the order they first appear.
fn add(parts: &mut Parts, name: &'static str, value: Dec) -> Result<(), String> {
    match parts.iter_mut().find(|(n, _)| *n == name) {
        Some((_, sum)) => *sum = sum.checked_add(value)?,
        None => parts.push((name, value)),
    }
    Ok(())
}

const GIB: i128 = 1 << 30;

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

    /// A volume's part name and target; `None` for RAM and unknown persistent classes.
    fn volume_target(&self, volume: &Volume) -> Option<(&'static str, Dec)> {
        match (volume.persistent, volume.class.as_deref()) {
            (false, Some("ram")) | (true, None) => None,
            (false, _) => Some(("ephemeral", self.hd_ephemeral)),
            (true, Some("beta1")) => Some(("beta1", self.hd_pers_hdd)),
            (true, Some("beta2")) => Some(("beta2", self.hd_pers_ssd)),
            (true, Some("beta3")) => Some(("beta3", self.hd_pers_nvme)),
            (true, Some(_)) => None,
        }
    }

    /// USD a month by part, and the GPU lines, of the allocated units.
    fn exact_parts(
        &self,
        units: &[Unit],
        devices: &[Option<&GpuDevice>],
    ) -> Result<(Parts, Vec<GpuLine>), String> {
        let mut parts = Parts::new();
        let mut gpus = Vec::new();
        for (i, unit) in units.iter().enumerate() {
            let count = unit.count;
            let cpu = per(unit.cpu_millis, 1000)?;
            add(&mut parts, "cpu", cost(cpu, count, self.cpu)?)?;
            let memory = per(unit.memory_bytes, GIB)?;
            add(&mut parts, "memory", cost(memory, count, self.memory)?)?;
            for volume in &unit.storage {
                if let Some((name, target)) = self.volume_target(volume) {
                    add(
                        &mut parts,
                        name,
                        cost(per(volume.bytes, GIB)?, count, target)?,
                    )?;
                }
            }
            let endpoints = int(u64::from(unit.endpoints));
            add(
                &mut parts,
                "endpoints",
                cost(endpoints, count, self.endpoint)?,
            )?;
            add(
                &mut parts,
                "ips",
                cost(int(u64::from(unit.ips)), count, self.ip)?,
            )?;
            if unit.gpu_units > 0 {
                let (price, key, matched) = self.exact_gpu(unit, devices.get(i).copied().flatten());
                add(&mut parts, "gpu", cost(int(unit.gpu_units), count, price)?)?;
                let price = price.to_string();
                gpus.push(GpuLine {
                    unit: i,
                    key,
                    matched,
                    price,
                });
            }
        }
        Ok((parts, gpus))
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
        let (parts, gpus) = self.exact_parts(units, devices)?;
        let total = super::quote::total(&parts)?;
        let precision = u32::try_from(order.price_precision.unwrap_or(6)).unwrap_or(6);
        let (denom, amount) = match &order.price {
            Some(price) => (price.denom.as_str(), Some(price.amount.as_str())),
            None => ("uakt", None),
        };
        let micro = total.checked_mul(Dec::int(1_000_000))?;
        let blocks = Dec::int(BLOCKS_A_MONTH);
        let rate = if denom == "uakt" {
            let akt = akt_price(akt_usd.ok_or("the AKT price in USD is needed for uakt")?)?;
            micro.checked_div(akt)?.checked_div(blocks)?
        } else if denom == "uact" || USDC_DENOMS.contains(&denom) {
            micro.checked_div(blocks)?
        } else {
            return Err(format!(
                "denom {denom} is not priced (uakt, uact and the USDC denoms are)"
            ));
        };
        let printed = rate.round(precision)?.to_string();
        let usd = total.to_string();
        if amount.and_then(Dec::parse).is_some_and(|max| rate > max) {
            let message = format!("requested rate is too low. min expected {printed}{denom}");
            let mut quote = Quote::refusal(denom, message, usd, &parts, gpus);
            quote.rate_exact = Some(rate.to_string());
            return Ok(quote);
        }
        Ok(Quote::bid(denom, printed, rate, usd, &parts, gpus))
    }
}
