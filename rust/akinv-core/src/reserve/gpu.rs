//! GPU requests as the provider parses them (`ParseGPUAttributes`) and the device matching of
//! its reservation (`tryAdjustGPU`): vendor, then model or `*`, then ram and interface.

use crate::report::GpuDevice;

/// What a request asks of a model beyond its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelAttributes {
    /// `<n>Gi`, normalized as the provider does, or empty.
    pub ram: String,
    /// `pcie` or `sxm`, or empty.
    pub interface: String,
}

/// A vendor's models: (model or `*`, attributes; `None` means any ram and interface).
pub type Models = Vec<(String, Option<ModelAttributes>)>;

/// vendor -> models, the last key of a model counting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuRequest {
    pub vendors: Vec<(String, Models)>,
}

/// The ram of a GPU key (`80Gi`, `81920Mi`, `0.5Ti`) as the provider normalizes it: a binary
/// suffix is required, and the value is rendered in whole Gi, truncated.
pub fn normalize_ram(text: &str) -> Result<String, String> {
    let invalid = || format!("invalid GPU ram {text:?} (a size with a binary suffix, like 80Gi)");
    let (number, unit) = match text.len().checked_sub(2).map(|at| text.split_at(at)) {
        Some((number, suffix)) => match suffix {
            "Ki" => (number, 1u128 << 10),
            "Mi" => (number, 1 << 20),
            "Gi" => (number, 1 << 30),
            "Ti" => (number, 1 << 40),
            "Pi" => (number, 1 << 50),
            "Ei" => (number, 1 << 60),
            _ => return Err(invalid()),
        },
        None => return Err(invalid()),
    };
    let unsigned = number.strip_prefix('+').unwrap_or(number);
    if unsigned.starts_with('-') {
        return Err(format!("GPU ram {text:?} is negative"));
    }
    // The SDL's grammar: digits without a leading zero, or a decimal fraction.
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None if unsigned.starts_with('0') || unsigned.is_empty() => return Err(invalid()),
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = whole.len() > 1 && whole.starts_with('0');
    if !digits(whole)
        || !digits(fraction)
        || leading_zero
        || (whole.is_empty() && fraction.is_empty())
    {
        return Err(invalid());
    }
    // bytes = floor(whole.fraction × unit), exactly.
    let mut numerator: u128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        numerator = numerator
            .checked_mul(10)
            .and_then(|n| n.checked_add(u128::from(b - b'0')))
            .ok_or_else(invalid)?;
    }
    let scale = 10u128
        .checked_pow(u32::try_from(fraction.len()).map_err(|_| invalid())?)
        .ok_or_else(invalid)?;
    let bytes = numerator.checked_mul(unit).ok_or_else(invalid)? / scale;
    if bytes > u128::from(u64::MAX) {
        return Err(format!("GPU ram {text:?} is too large"));
    }
    Ok(format!("{}Gi", bytes >> 30))
}

impl GpuRequest {
    /// Parses on-chain GPU attribute keys as the provider does; an error fails every node.
    pub fn parse(keys: &[String]) -> Result<GpuRequest, String> {
        let mut request = GpuRequest::default();
        for key in keys {
            let tokens: Vec<&str> = key.split('/').collect();
            if tokens.len() < 4 || tokens.len() % 2 != 0 {
                return Err(format!("invalid GPU attribute {key:?}"));
            }
            if tokens[0] != "vendor" || tokens[2] != "model" {
                return Err(format!(
                    "invalid GPU attribute {key:?} (expected vendor/<v>/model/<m>)"
                ));
            }
            let (vendor, model) = (tokens[1], tokens[3]);
            let attributes = if tokens.len() > 4 {
                let mut attributes = ModelAttributes::default();
                for pair in tokens[4..].chunks(2) {
                    match pair[0] {
                        "ram" => attributes.ram = normalize_ram(pair[1])?,
                        "interface" if matches!(pair[1], "pcie" | "sxm") => {
                            attributes.interface = pair[1].to_owned();
                        }
                        "interface" => {
                            return Err(format!("unsupported GPU interface {:?}", pair[1]))
                        }
                        _ => {}
                    }
                }
                Some(attributes)
            } else {
                None
            };
            if !matches!(vendor, "nvidia" | "amd") {
                return Err(format!("unsupported GPU vendor {vendor:?}"));
            }
            let models = match request.vendors.iter_mut().find(|(v, _)| v == vendor) {
                Some((_, models)) => models,
                None => {
                    request.vendors.push((vendor.to_owned(), Vec::new()));
                    &mut request.vendors.last_mut().expect("just pushed").1
                }
            };
            match models.iter_mut().find(|(m, _)| m == model) {
                Some(entry) => entry.1 = attributes,
                None => models.push((model.to_owned(), attributes)),
            }
        }
        Ok(request)
    }

    /// The attributes a device matches under (`ExistsOrWildcard`): its vendor requested, its
    /// model by name or `*`, and the ram and interface asked for; `None` when it does not.
    pub fn matches(&self, device: &GpuDevice) -> Option<Option<&ModelAttributes>> {
        let (_, models) = self.vendors.iter().find(|(v, _)| *v == device.vendor)?;
        let (_, attributes) = models
            .iter()
            .find(|(m, _)| *m == device.model)
            .or_else(|| models.iter().find(|(m, _)| m == "*"))?;
        if let Some(attributes) = attributes {
            if !attributes.ram.is_empty() && attributes.ram != device.memory_size {
                return None;
            }
            if !attributes.interface.is_empty()
                && attributes.interface != fold_interface(&device.interface)
            {
                return None;
            }
        }
        Some(attributes.as_ref())
    }
}

/// The provider's `FilterGPUInterface`: lower-cased, any `sxm*` is `sxm`.
pub fn fold_interface(interface: &str) -> String {
    let lower = interface.to_ascii_lowercase();
    if lower.starts_with("sxm") {
        "sxm".to_owned()
    } else {
        lower
    }
}

/// The attribute key the provider writes for the device chosen: the device's model, and only
/// the ram and interface the request asked for.
pub fn allocated_key(device: &GpuDevice, asked: Option<&ModelAttributes>) -> String {
    let mut key = format!(
        "vendor/{}/model/{}",
        device.vendor.to_ascii_lowercase(),
        device.model
    );
    if let Some(asked) = asked {
        if !asked.ram.is_empty() {
            key.push_str("/ram/");
            key.push_str(&asked.ram);
        }
        if !asked.interface.is_empty() {
            key.push_str("/interface/");
            key.push_str(&asked.interface);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(vendor: &str, model: &str, memory: &str, interface: &str) -> GpuDevice {
        GpuDevice {
            vendor: vendor.into(),
            model: model.into(),
            memory_size: memory.into(),
            interface: interface.into(),
        }
    }

    #[test]
    fn ram_is_normalized_to_whole_gi_as_the_provider_does() {
        assert_eq!(normalize_ram("80Gi").unwrap(), "80Gi");
        assert_eq!(normalize_ram("81920Mi").unwrap(), "80Gi");
        assert_eq!(normalize_ram("80.5Gi").unwrap(), "80Gi");
        assert_eq!(normalize_ram("0.5Gi").unwrap(), "0Gi");
        for bad in ["80GB", "80G", "80", "0Gi", "-80Gi", "08Gi", "Gi", "1e3Gi"] {
            assert!(normalize_ram(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn devices_match_by_vendor_model_or_wildcard_ram_and_folded_interface() {
        let keys =
            |k: &[&str]| GpuRequest::parse(&k.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let a100 = device("nvidia", "a100", "80Gi", "SXM4");
        let any = keys(&["vendor/nvidia/model/*"]).unwrap();
        assert!(any.matches(&a100).is_some());
        assert!(any
            .matches(&device("amd", "mi100", "32Gi", "PCIe"))
            .is_none());
        let sxm = keys(&["vendor/nvidia/model/a100/ram/80Gi/interface/sxm"]).unwrap();
        assert!(sxm.matches(&a100).is_some());
        assert!(sxm
            .matches(&device("nvidia", "a100", "40Gi", "SXM4"))
            .is_none());
        assert!(sxm
            .matches(&device("nvidia", "a100", "80Gi", "PCIe"))
            .is_none());
        // The last key of a model counts.
        let last = keys(&[
            "vendor/nvidia/model/a100/ram/40Gi",
            "vendor/nvidia/model/a100",
        ])
        .unwrap();
        assert!(last.matches(&a100).is_some());
        for bad in [
            "vendor/nvidia",
            "vendor/intel/model/arc",
            "gpu/nvidia/model/a100",
            "vendor/nvidia/model/a100/interface/sxm4",
            "vendor/nvidia/model/a100/ram/80GB",
        ] {
            assert!(keys(&[bad]).is_err(), "{bad}");
        }
        assert_eq!(allocated_key(&a100, None), "vendor/nvidia/model/a100");
    }
}
