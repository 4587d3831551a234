//! Pricing, to the last printed decimal: the provider's generic price script
//! (`price_script_generic.sh`, helm-charts) reproduced exactly, quirks included, and akinv's
//! own exact price of the device a reservation actually chose.
//!
//! The script computes USD a month from per-resource targets, converts it to a rate per
//! block (429,909 blocks a month) in the order's denom, and prints it with `price_precision`
//! decimals. It mixes jq's doubles, `bc -l` decimals and `printf`'s binary rounding; each
//! step is reproduced in `decimal`.

pub mod decimal;
mod exact;
mod quote;
pub mod script;

pub use exact::device_keys;
pub use quote::{akt_price, GpuLine, Quote, PARTS};

use decimal::Dec;

/// The provider's blocks a month (6.117 s blocks, 30.437 days).
pub const BLOCKS_A_MONTH: i128 = 429_909;
/// The two Axelar USDC denoms the script prices like `uact` (sandbox, mainnet).
pub const USDC_DENOMS: [&str; 2] = [
    "ibc/12C6A0C374171B595A0A9E18B83FA09D295FB1F2D8C6DAA3AC28683471752D84",
    "ibc/170C677610AC31DF0904FFE09CD3B5C657492170E7E52372E48756B71E56F2F1",
];

/// A pricing setting that is not a number; the message names the setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingError(pub String);

impl std::fmt::Display for PricingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PricingError {}

/// The script's targets in USD a month, and its GPU price mappings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pricing {
    pub cpu: Dec,
    pub memory: Dec,
    pub hd_ephemeral: Dec,
    pub hd_pers_hdd: Dec,
    pub hd_pers_ssd: Dec,
    pub hd_pers_nvme: Dec,
    pub endpoint: Dec,
    pub ip: Dec,
    /// `key=price` pairs in order; of a key given twice the last counts.
    pub gpu_mappings: Vec<(String, Dec)>,
}

/// The settings by their environment variable's suffix, with the script's defaults.
pub const DEFAULTS: [(&str, &str); 8] = [
    ("CPU", "1.60"),
    ("MEMORY", "0.80"),
    ("HD_EPHEMERAL", "0.02"),
    ("HD_PERS_HDD", "0.01"),
    ("HD_PERS_SSD", "0.03"),
    ("HD_PERS_NVME", "0.04"),
    ("ENDPOINT", "0.05"),
    ("IP", "5"),
];

fn target(name: &str, text: &str) -> Result<Dec, PricingError> {
    Dec::parse(text).ok_or_else(|| {
        PricingError(format!(
            "PRICE_TARGET_{name} must be a decimal number, not {text:?}"
        ))
    })
}

impl Pricing {
    /// From the script's settings as text: `targets` by name (`CPU`, `MEMORY`, ...; missing
    /// ones take the script's defaults) and `PRICE_TARGET_GPU_MAPPINGS`.
    pub fn new(targets: &[(&str, &str)], gpu_mappings: &str) -> Result<Pricing, PricingError> {
        let value = |name: &str| {
            let text = targets
                .iter()
                .rev()
                .find(|(n, _)| *n == name)
                .or_else(|| DEFAULTS.iter().find(|(n, _)| *n == name))
                .map_or("0", |(_, t)| t);
            target(name, text)
        };
        for (name, _) in targets {
            if !DEFAULTS.iter().any(|(n, _)| n == name) {
                return Err(PricingError(format!("unknown price target {name:?}")));
            }
        }
        Ok(Pricing {
            cpu: value("CPU")?,
            memory: value("MEMORY")?,
            hd_ephemeral: value("HD_EPHEMERAL")?,
            hd_pers_hdd: value("HD_PERS_HDD")?,
            hd_pers_ssd: value("HD_PERS_SSD")?,
            hd_pers_nvme: value("HD_PERS_NVME")?,
            endpoint: value("ENDPOINT")?,
            ip: value("IP")?,
            gpu_mappings: parse_mappings(gpu_mappings)?,
        })
    }

    /// The script's GPU price of `key`: the key, then without its last `.part`, then the
    /// bare model, else the highest mapping (at least 100); and the key that matched.
    pub fn gpu_price(&self, key: &str) -> (Dec, Option<String>) {
        let last_cut = key.rfind('.').map_or(key, |at| &key[..at]);
        let model = key.split('.').next().unwrap_or(key);
        for candidate in [key, last_cut, model] {
            if let Some(price) = self.mapping(candidate) {
                return (price, Some(candidate.to_owned()));
            }
        }
        (self.catch_all(), None)
    }

    fn mapping(&self, key: &str) -> Option<Dec> {
        if key.is_empty() {
            return None;
        }
        self.gpu_mappings
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
    }

    /// The highest mapping price, or 100 when all are lower (the script's fallback since
    /// helm-charts PR #236; its comment and the docs still say 100).
    pub fn catch_all(&self) -> Dec {
        self.gpu_mappings
            .iter()
            .map(|(_, v)| *v)
            .fold(Dec::int(100), |max, v| if v > max { v } else { max })
    }
}

/// `a100=900,a100.80Gi=1000,*=2000`, split as bash's `read -a` splits it: an empty pair or
/// key is skipped (bash refuses the empty subscript), a pair without `=` has no price.
fn parse_mappings(text: &str) -> Result<Vec<(String, Dec)>, PricingError> {
    let mut mappings = Vec::new();
    for pair in text.split(',') {
        let mut parts = pair.split('=');
        let key = parts.next().unwrap_or_default();
        let value = parts.next().unwrap_or_default();
        if key.is_empty() || value.is_empty() {
            continue;
        }
        let price = Dec::parse(value).ok_or_else(|| {
            PricingError(format!(
                "PRICE_TARGET_GPU_MAPPINGS: the price of {key:?} must be a decimal number, not {value:?}"
            ))
        })?;
        mappings.push((key.to_owned(), price));
    }
    Ok(mappings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_keys_fall_back_as_the_script_does() {
        let pricing = Pricing::new(
            &[],
            "a100=900,a100.80Gi=1000,a100.80Gi.sxm=1100,h100=1800,*=500",
        )
        .unwrap();
        let price = |key: &str| {
            let (price, matched) = pricing.gpu_price(key);
            (price.to_string(), matched)
        };
        assert_eq!(
            price("a100.80Gi.sxm"),
            ("1100".into(), Some("a100.80Gi.sxm".into()))
        );
        assert_eq!(price("a100.40Gi.pcie"), ("900".into(), Some("a100".into())));
        // model.interface is never tried when ram is there: a100.80Gi.pcie -> a100.80Gi.
        assert_eq!(
            price("a100.80Gi.pcie"),
            ("1000".into(), Some("a100.80Gi".into()))
        );
        assert_eq!(price("*"), ("500".into(), Some("*".into())));
        // An unpriced concrete model gets the highest price, not the `*` one.
        assert_eq!(price("t4"), ("1800".into(), None));
        assert_eq!(
            Pricing::new(&[], "").unwrap().catch_all().to_string(),
            "100"
        );
        assert!(Pricing::new(&[("CPU", "abc")], "").is_err());
        assert!(Pricing::new(&[], "a100=lots").is_err());
    }
}
