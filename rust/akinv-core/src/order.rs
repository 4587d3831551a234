//! An order as reservation and pricing see it: resource units with their replicas, GPU
//! attribute keys as on chain, volumes, endpoints, leased IPs and prices.
//!
//! Every source (the price script's stdin, the on-chain GroupSpec, an SDL) is turned into one
//! canonical JSON document by the Python layer; this module reads that document, strictly.

use crate::reserve::gpu::GpuRequest;
use jiter::JsonValue;
use std::fmt;

/// A value computed from the rest of the struct when first asked for: it takes no part in
/// comparisons, and a clone starts without it.
#[derive(Debug)]
struct Derived<T>(std::sync::OnceLock<T>);

impl<T> Default for Derived<T> {
    fn default() -> Self {
        Derived(std::sync::OnceLock::new())
    }
}

impl<T> Clone for Derived<T> {
    fn clone(&self) -> Self {
        Derived::default()
    }
}

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Derived<T> {}

/// An amount of a denom, as a DecCoin prints it (`"1000.000000000000000000"`).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coin {
    pub denom: String,
    pub amount: String,
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub name: String,
    pub bytes: u64,
    /// The `class` attribute, if any (`ram`, `beta3`, ...).
    pub class: Option<String>,
    pub persistent: bool,
}

impl Volume {
    /// The class the price script sees: its `class` attribute, or `ephemeral`.
    pub fn script_class(&self) -> &str {
        self.class.as_deref().unwrap_or("ephemeral")
    }
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: u32,
    pub name: String,
    pub count: u32,
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub gpu_units: u64,
    /// On-chain keys: `vendor/nvidia/model/a100[/ram/80Gi][/interface/sxm]`.
    pub gpu_attributes: Vec<String>,
    pub storage: Vec<Volume>,
    pub endpoints: u32,
    pub ips: u32,
    /// Per replica, per block.
    pub price: Option<Coin>,
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub name: String,
    /// Each unit's GPU keys as the provider parses them, made once (matching places one
    /// order on thousands of inventories).
    #[cfg_attr(feature = "serde", serde(skip))]
    gpu_requests: Derived<Vec<Result<GpuRequest, String>>>,
    /// Where it came from: `script-input`, `group-spec` or `sdl`.
    pub source: String,
    pub units: Vec<Unit>,
    /// The group's maximum per block, in its denom.
    pub price: Option<Coin>,
    pub price_precision: Option<i64>,
}

/// A canonical order document that does not read; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderError(pub String);

impl fmt::Display for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OrderError {}

type Fields<'a> = [(std::borrow::Cow<'a, str>, JsonValue<'a>)];

/// The last value of `key`: of a key given twice the last counts, as everywhere in akinv.
fn field<'v, 'a>(fields: &'v Fields<'a>, key: &str) -> Option<&'v JsonValue<'a>> {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .filter(|v| !matches!(v, JsonValue::Null))
}

fn object<'v, 'a>(value: &'v JsonValue<'a>, at: &str) -> Result<&'v Fields<'a>, OrderError> {
    match value {
        JsonValue::Object(fields) => Ok(fields),
        _ => Err(OrderError(format!("{at} must be an object"))),
    }
}

fn text(fields: &Fields<'_>, key: &str, at: &str) -> Result<Option<String>, OrderError> {
    match field(fields, key) {
        None => Ok(None),
        Some(JsonValue::Str(s)) => Ok(Some(s.to_string())),
        Some(_) => Err(OrderError(format!("{at}.{key} must be a string"))),
    }
}

fn number(fields: &Fields<'_>, key: &str, at: &str, max: u64) -> Result<u64, OrderError> {
    match field(fields, key) {
        None => Ok(0),
        Some(JsonValue::Int(v)) => u64::try_from(*v).ok().filter(|v| *v <= max).ok_or_else(|| {
            OrderError(format!(
                "{at}.{key} must be an integer from 0 to {max}, not {v}"
            ))
        }),
        Some(_) => Err(OrderError(format!("{at}.{key} must be an integer"))),
    }
}

fn coin(fields: &Fields<'_>, key: &str, at: &str) -> Result<Option<Coin>, OrderError> {
    let Some(value) = field(fields, key) else {
        return Ok(None);
    };
    let place = format!("{at}.{key}");
    let fields = object(value, &place)?;
    let denom = text(fields, "denom", &place)?;
    let amount = text(fields, "amount", &place)?;
    match (denom, amount) {
        (Some(denom), Some(amount)) => Ok(Some(Coin { denom, amount })),
        _ => Err(OrderError(format!("{place} needs a denom and an amount"))),
    }
}

fn array<'v, 'a>(
    fields: &'v Fields<'a>,
    key: &str,
    at: &str,
) -> Result<&'v [JsonValue<'a>], OrderError> {
    match field(fields, key) {
        None => Ok(&[]),
        Some(JsonValue::Array(items)) => Ok(items),
        Some(_) => Err(OrderError(format!("{at}.{key} must be an array"))),
    }
}

const U32: u64 = u32::MAX as u64;
const I64: u64 = i64::MAX as u64;

fn volume(value: &JsonValue<'_>, at: &str) -> Result<Volume, OrderError> {
    let fields = object(value, at)?;
    let persistent = match field(fields, "persistent") {
        None => false,
        Some(JsonValue::Bool(b)) => *b,
        Some(_) => return Err(OrderError(format!("{at}.persistent must be a boolean"))),
    };
    Ok(Volume {
        name: text(fields, "name", at)?.unwrap_or_default(),
        bytes: number(fields, "bytes", at, I64)?,
        class: text(fields, "class", at)?,
        persistent,
    })
}

fn unit(value: &JsonValue<'_>, at: &str) -> Result<Unit, OrderError> {
    let fields = object(value, at)?;
    let gpu_attributes = array(fields, "gpu_attributes", at)?
        .iter()
        .enumerate()
        .map(|(i, key)| match key {
            JsonValue::Str(s) => Ok(s.to_string()),
            _ => Err(OrderError(format!(
                "{at}.gpu_attributes[{i}] must be a string"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let storage = array(fields, "storage", at)?
        .iter()
        .enumerate()
        .map(|(i, v)| volume(v, &format!("{at}.storage[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let count = number(fields, "count", at, U32)?;
    Ok(Unit {
        id: u32::try_from(number(fields, "id", at, U32)?).unwrap_or(u32::MAX),
        name: text(fields, "name", at)?.unwrap_or_default(),
        count: u32::try_from(count.max(1)).unwrap_or(u32::MAX),
        cpu_millis: number(fields, "cpu_millis", at, I64)?,
        memory_bytes: number(fields, "memory_bytes", at, I64)?,
        gpu_units: number(fields, "gpu_units", at, I64)?,
        gpu_attributes,
        storage,
        endpoints: u32::try_from(number(fields, "endpoints", at, U32)?).unwrap_or(u32::MAX),
        ips: u32::try_from(number(fields, "ips", at, U32)?).unwrap_or(u32::MAX),
        price: coin(fields, "price", at)?,
    })
}

impl Order {
    /// Reads a canonical order document.
    pub fn from_json(data: &[u8]) -> Result<Order, OrderError> {
        let value = JsonValue::parse(data, false)
            .map_err(|e| OrderError(format!("the order is not JSON: {e}")))?;
        let fields = object(&value, "the order")?;
        let units = array(fields, "units", "order")?
            .iter()
            .enumerate()
            .map(|(i, v)| unit(v, &format!("units[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        if units.is_empty() {
            return Err(OrderError("the order has no resource units".to_owned()));
        }
        let price_precision = match field(fields, "price_precision") {
            None => None,
            Some(JsonValue::Int(p)) => Some(*p),
            Some(_) => return Err(OrderError("price_precision must be an integer".to_owned())),
        };
        Ok(Order {
            gpu_requests: Derived::default(),
            name: text(fields, "name", "order")?.unwrap_or_default(),
            source: text(fields, "source", "order")?.unwrap_or_default(),
            units,
            price: coin(fields, "price", "order")?,
            price_precision,
        })
    }

    /// Each unit's GPU request, parsed as the provider parses its keys.
    pub fn gpu_requests(&self) -> &[Result<GpuRequest, String>] {
        self.gpu_requests.0.get_or_init(|| {
            self.units
                .iter()
                .map(|u| GpuRequest::parse(&u.gpu_attributes))
                .collect()
        })
    }

    /// The same order with other units (concretized GPU keys, one model pinned).
    pub fn with_units(&self, units: Vec<Unit>) -> Order {
        Order {
            gpu_requests: Derived::default(),
            units,
            ..self.clone()
        }
    }

    /// A unit's name for messages: its name, else its id.
    pub fn unit_label(&self, index: usize) -> String {
        let unit = &self.units[index];
        if unit.name.is_empty() {
            format!("unit {}", unit.id)
        } else {
            format!("{:?}", unit.name)
        }
    }
}

/// `s` as a JSON string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len().saturating_add(2));
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `vendor -> {model, ram?, interface?}` from GPU keys, as the provider's `parseGPU` builds the
/// script's attributes: keyed by vendor, so of several keys for one vendor the last counts.
fn script_gpu_attributes(keys: &[String]) -> String {
    let mut vendors: Vec<(String, String)> = Vec::new();
    for key in keys {
        let tokens: Vec<&str> = key.split('/').collect();
        let (Some(vendor), Some(model)) = (tokens.get(1), tokens.get(3)) else {
            continue;
        };
        let mut fields = vec![format!("\"model\":{}", quoted(model))];
        for pair in tokens.get(4..).unwrap_or_default().chunks(2) {
            if let [name @ ("ram" | "interface"), value] = pair {
                fields.push(format!("{}:{}", quoted(name), quoted(value)));
            }
        }
        let entry = format!("{{{}}}", fields.join(","));
        match vendors.iter_mut().find(|(v, _)| v == vendor) {
            Some(slot) => slot.1 = entry,
            None => vendors.push(((*vendor).to_owned(), entry)),
        }
    }
    if vendors.is_empty() {
        return "{}".to_owned();
    }
    let members: Vec<String> = vendors
        .iter()
        .map(|(v, e)| format!("{}:{e}", quoted(v)))
        .collect();
    format!("{{\"vendor\":{{{}}}}}", members.join(","))
}

impl Order {
    /// The price script's stdin for `units` (the order's own, or a reservation's allocated
    /// ones), as the provider writes it; without a price, the legacy list of resources.
    pub fn script_input(&self, units: &[Unit]) -> String {
        let resources: Vec<String> = units
            .iter()
            .map(|u| {
                let storage: Vec<String> = u
                    .storage
                    .iter()
                    .map(|v| format!("{{\"class\":{},\"size\":{}}}", quoted(v.script_class()), v.bytes))
                    .collect();
                let attributes = if u.gpu_units == 0 {
                    "{}".to_owned()
                } else {
                    script_gpu_attributes(&u.gpu_attributes)
                };
                format!(
                    "{{\"memory\":{},\"cpu\":{},\"gpu\":{{\"units\":{},\"attributes\":{attributes}}},\"storage\":[{}],\"count\":{},\"endpoint_quantity\":{},\"ip_lease_quantity\":{}}}",
                    u.memory_bytes,
                    u.cpu_millis,
                    u.gpu_units,
                    storage.join(","),
                    u.count,
                    u.endpoints,
                    u.ips
                )
            })
            .collect();
        let list = format!("[{}]", resources.join(","));
        match &self.price {
            Some(price) => format!(
                "{{\"resources\":{list},\"price\":{{\"denom\":{},\"amount\":{}}},\"price_precision\":{}}}",
                quoted(&price.denom),
                quoted(&price.amount),
                self.price_precision.unwrap_or(6)
            ),
            None => list,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_canonical_order_and_names_bad_fields() {
        let order = Order::from_json(
            br#"{"source": "sdl", "name": "dcloud", "units": [{"id": 1, "name": "web", "count": 2,
                "cpu_millis": 8000, "memory_bytes": 34359738368, "gpu_units": 1,
                "gpu_attributes": ["vendor/nvidia/model/*"],
                "storage": [{"name": "data", "bytes": 1073741824, "class": "beta3", "persistent": true}],
                "endpoints": 1, "ips": 0}],
                "price": {"denom": "uakt", "amount": "10000.000000000000000000"}, "price_precision": 6}"#,
        )
        .unwrap();
        assert_eq!(order.units[0].count, 2);
        assert_eq!(order.units[0].storage[0].script_class(), "beta3");
        assert_eq!(order.price.unwrap().denom, "uakt");
        let bad = Order::from_json(br#"{"units": [{"cpu_millis": -1}]}"#).unwrap_err();
        assert!(bad.0.contains("units[0].cpu_millis"), "{bad}");
        assert!(Order::from_json(br#"{"units": []}"#).is_err());
    }
}
