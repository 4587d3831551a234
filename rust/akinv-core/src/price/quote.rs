//! A quote: what the generic script prints for an order (stdout, stderr, exit status), with
//! the parts it added up; and akinv's exact quote of the device a reservation chose.

use super::decimal::{awk_fixed, jq_text, Dec};
use super::script::{ScriptInput, ScriptPrice, ScriptUnit};
use super::{Pricing, BLOCKS_A_MONTH, USDC_DENOMS};

/// One GPU unit's price: the key built from the order, the mapping that priced it.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuLine {
    pub unit: usize,
    pub key: String,
    /// The mapping key that matched; `None` when the catch-all (highest) price was used.
    pub matched: Option<String>,
    pub price: String,
}

/// The parts a quote adds up, by name.
pub const PARTS: [&str; 9] = [
    "cpu",
    "memory",
    "ephemeral",
    "beta1",
    "beta2",
    "beta3",
    "endpoints",
    "ips",
    "gpu",
];

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// 0 when the provider would bid at `rate`; 1 when the script refuses.
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
    pub denom: String,
    /// The rate per block as printed (the bid), when there is one.
    pub rate: Option<String>,
    /// The rate before printing, with bc's 20 decimals.
    pub rate_exact: Option<String>,
    pub usd_per_month: String,
    /// USD a month per part: cpu, memory, ephemeral, beta1, beta2, beta3, endpoints, ips, gpu
    /// (of [`PARTS`]).
    #[cfg_attr(feature = "serde", serde(with = "crate::persist::parts"))]
    pub breakdown: Vec<(&'static str, String)>,
    pub gpus: Vec<GpuLine>,
}

const STORAGE_CLASSES: [&str; 4] = ["ephemeral", "beta1", "beta2", "beta3"];

const GIB: f64 = 1_073_741_824.0;

/// A jq double as bc reads it, or why the script cannot.
fn jq_number(x: f64) -> Result<Dec, String> {
    let text = jq_text(x)?;
    Dec::parse(&text).ok_or_else(|| format!("bc cannot read {text}"))
}

/// jq's `add` over doubles, left to right.
fn add(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |sum, v| sum + v)
}

/// USD a month by part.
pub(super) type Parts = Vec<(&'static str, Dec)>;

pub(super) fn total(parts: &Parts) -> Result<Dec, String> {
    Ok(parts
        .iter()
        .try_fold(Dec::ZERO, |sum, (_, v)| sum.checked_add(*v))?)
}

/// GiB of each storage class across the units, as the script's jq and awk sum them.
fn storage_gib(units: &[ScriptUnit]) -> Result<Vec<Dec>, String> {
    let mut storage = Vec::new();
    for class in STORAGE_CLASSES {
        let sizes: Vec<f64> = units
            .iter()
            .flat_map(|u| {
                let of_class = |(c, size): &(Option<String>, f64)| {
                    if c.as_deref() == Some(class) {
                        size * u.count
                    } else {
                        0.0
                    }
                };
                u.storage.iter().map(of_class)
            })
            .collect();
        if sizes.is_empty() {
            return Err(
                "the order has no storage volumes (jq's add gives null, and the script fails)"
                    .to_owned(),
            );
        }
        storage.push(awk_fixed(add(sizes.into_iter()) / GIB, 12));
    }
    Ok(storage)
}

/// The GPU total and its lines: each unit's key built from its model, ram and interface.
fn script_gpus(pricing: &Pricing, units: &[ScriptUnit]) -> Result<(Dec, Vec<GpuLine>), String> {
    let mut gpu_total = Dec::ZERO;
    let mut lines = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let mut key = u.gpu.model.clone();
        if u.gpu.ram != "0" {
            key = format!("{key}.{}", u.gpu.ram);
        }
        if u.gpu.interface != "0" {
            key = format!("{key}.{}", u.gpu.interface);
        }
        let (price, matched) = pricing.gpu_price(&key);
        let product = jq_number(u.count)?
            .checked_mul(jq_number(u.gpu_units)?)?
            .checked_mul(price)?;
        gpu_total = gpu_total.checked_add(product)?;
        if u.gpu_units != 0.0 {
            let price = price.to_string();
            lines.push(GpuLine {
                unit: i,
                key,
                matched,
                price,
            });
        }
    }
    Ok((gpu_total, lines))
}

/// The USD a month of the parts, as the script's jq and bc compute them.
fn script_parts(p: &Pricing, units: &[ScriptUnit]) -> Result<(Parts, Vec<GpuLine>), String> {
    let cpu = jq_number(add(units.iter().map(|u| u.cpu * u.count)) / 1000.0)?;
    let memory = awk_fixed(add(units.iter().map(|u| u.memory * u.count)) / GIB, 12);
    let storage = storage_gib(units)?;
    // `.ip_lease_quantity//0 * .count` binds as `ip_lease_quantity // (0 * count)`: IPs and
    // endpoints are not multiplied by the replica count.
    let ips = jq_number(add(units.iter().map(|u| u.ips)))?;
    let endpoints = jq_number(add(units.iter().map(|u| u.endpoints)))?;
    let (gpu_total, lines) = script_gpus(p, units)?;
    Ok((
        vec![
            ("cpu", cpu.checked_mul(p.cpu)?),
            ("memory", memory.checked_mul(p.memory)?),
            ("ephemeral", storage[0].checked_mul(p.hd_ephemeral)?),
            ("beta1", storage[1].checked_mul(p.hd_pers_hdd)?),
            ("beta2", storage[2].checked_mul(p.hd_pers_ssd)?),
            ("beta3", storage[3].checked_mul(p.hd_pers_nvme)?),
            ("endpoints", endpoints.checked_mul(p.endpoint)?),
            ("ips", ips.checked_mul(p.ip)?),
            ("gpu", gpu_total),
        ],
        lines,
    ))
}

/// The AKT price as the script accepts it: a plain number in (0, 1,000,000].
pub fn akt_price(text: &str) -> Result<Dec, String> {
    let valid = text.split_once('.').map_or(
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()),
        |(w, f)| {
            !w.is_empty()
                && !f.is_empty()
                && w.bytes().all(|b| b.is_ascii_digit())
                && f.bytes().all(|b| b.is_ascii_digit())
        },
    );
    let price = Dec::parse(text)
        .filter(|_| valid)
        .ok_or_else(|| format!("{text} is not an integer/floating number!"))?;
    if price.is_zero() || price > Dec::int(1_000_000) {
        return Err(format!(
            "{text} is outside the permitted range (>0, <=1000000)"
        ));
    }
    Ok(price)
}

impl Quote {
    pub(super) fn refusal(
        denom: &str,
        message: String,
        usd: String,
        parts: &Parts,
        gpus: Vec<GpuLine>,
    ) -> Quote {
        // A part outside the table would not read back from a pickled quote.
        debug_assert!(parts.iter().all(|(name, _)| PARTS.contains(name)));
        Quote {
            exit_code: 1,
            stdout: String::new(),
            stderr: message,
            denom: denom.to_owned(),
            rate: None,
            rate_exact: None,
            usd_per_month: usd,
            breakdown: parts.iter().map(|(n, v)| (*n, v.to_string())).collect(),
            gpus,
        }
    }

    /// The provider bids `printed` (the rate before printing is `exact`).
    pub(super) fn bid(
        denom: &str,
        printed: String,
        exact: Dec,
        usd: String,
        parts: &Parts,
        gpus: Vec<GpuLine>,
    ) -> Quote {
        Quote {
            exit_code: 0,
            stdout: printed.clone(),
            stderr: String::new(),
            rate: Some(printed),
            rate_exact: Some(exact.to_string()),
            ..Quote::refusal(denom, String::new(), usd, parts, gpus)
        }
    }
}

/// The script's rate per block of `total` USD a month, in `denom`: the exact rate and the
/// text printed; `None` for a denom the script refuses.
fn script_rate(
    total: Dec,
    denom: &str,
    bid_cap: Option<&str>,
    precision: u32,
    akt_usd: Option<&str>,
) -> Result<Option<(Dec, String)>, String> {
    let blocks = Dec::int(BLOCKS_A_MONTH);
    let million = Dec::int(1_000_000);
    let uakt = || -> Result<Dec, String> {
        let akt = akt_price(akt_usd.ok_or("the AKT price in USD is needed for uakt")?)?;
        Ok(total
            .checked_div(akt)?
            .checked_mul(million)?
            .checked_div(blocks)?)
    };
    Ok(Some(match (denom, bid_cap) {
        ("uakt", None) => {
            // The legacy input: an integer, printed from the already rounded rate.
            let rate = uakt()?;
            let rounded = Dec::parse(&rate.printf(64, precision)).unwrap_or(Dec::ZERO);
            (rate, rounded.printf(64, 0))
        }
        ("uakt", Some(_)) => {
            let rate = uakt()?;
            (rate, rate.printf(64, precision))
        }
        (d, Some(_)) if d == "uact" || USDC_DENOMS.contains(&d) => {
            // ACT and USDC are taken at 1 USD; awk prints through a double.
            let rate = total.checked_div(blocks)?.checked_mul(million)?;
            let awk = rate.printf(53, precision);
            (Dec::parse(&awk).unwrap_or(Dec::ZERO), awk)
        }
        _ => return Ok(None),
    }))
}

impl Pricing {
    /// The generic script on its stdin: its stdout, stderr and exit status. `akt_usd` is
    /// the AKT price in USD, needed for `uakt` (and the legacy input). An `Err` is an input
    /// on which the script itself would fail without a useful answer.
    pub fn quote_script_input(&self, data: &[u8], akt_usd: Option<&str>) -> Result<Quote, String> {
        self.quote_script(&ScriptInput::parse(data)?, akt_usd)
    }

    pub fn quote_script(
        &self,
        input: &ScriptInput,
        akt_usd: Option<&str>,
    ) -> Result<Quote, String> {
        if input.price == Some(ScriptPrice::NotAnObject) {
            let message =
                "price must be an object! make sure you are using the latest akash-provider.";
            let none = Parts::new();
            return Ok(Quote::refusal(
                "",
                message.to_owned(),
                String::new(),
                &none,
                Vec::new(),
            ));
        }
        let (parts, gpus) = script_parts(self, &input.units)?;
        let total = total(&parts)?;
        let precision = u32::try_from(input.precision).unwrap_or(6);
        let usd = total.to_string();
        let (denom, amount) = match &input.price {
            Some(ScriptPrice::Coin { denom, amount }) => (denom.as_str(), Some(amount.as_str())),
            _ => ("uakt", None),
        };
        let Some((exact, printed)) = script_rate(total, denom, amount, precision, akt_usd)? else {
            let message = format!("denom in not supported: {denom}");
            return Ok(Quote::refusal(denom, message, usd, &parts, gpus));
        };
        let shown = Dec::parse(&printed)
            .unwrap_or(exact)
            .printf(64, if amount.is_some() { precision } else { 0 });
        if let Some(max) = amount.and_then(Dec::parse) {
            if exact > max {
                let min = exact.printf(64, precision);
                let message = format!("requested rate is too low. min expected {min}{denom}");
                let mut quote = Quote::refusal(denom, message, usd, &parts, gpus);
                quote.rate_exact = Some(exact.to_string());
                return Ok(quote);
            }
        }
        Ok(Quote::bid(denom, shown, exact, usd, &parts, gpus))
    }
}
