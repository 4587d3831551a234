//! The price script's stdin document, read the way the generic script's jq expressions read
//! it: numbers are doubles, GPU attributes go through its (surprising) operator precedence.

use jiter::JsonValue;

/// One GPU unit's attributes as the script extracts them (`0` means absent, as it prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptGpu {
    pub model: String,
    pub ram: String,
    pub interface: String,
}

/// One element of `resources`, as the script uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptUnit {
    pub cpu: f64,
    pub memory: f64,
    pub count: f64,
    pub gpu_units: f64,
    pub gpu: ScriptGpu,
    /// (class, size) of each volume; a volume without a class matches no class.
    pub storage: Vec<(Option<String>, f64)>,
    pub endpoints: f64,
    pub ips: f64,
}

/// The stdin document: the resources, and the price object when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptInput {
    pub units: Vec<ScriptUnit>,
    /// `None`: the legacy input without `price` (uakt, integer output).
    pub price: Option<ScriptPrice>,
    pub precision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptPrice {
    Coin {
        denom: String,
        amount: String,
    },
    /// `price` is there but not an object: the script refuses it.
    NotAnObject,
}

type Fields<'a> = [(std::borrow::Cow<'a, str>, JsonValue<'a>)];

fn get<'v, 'a>(value: &'v JsonValue<'a>, key: &str) -> Option<&'v JsonValue<'a>> {
    match value {
        JsonValue::Object(fields) => last(fields, key),
        _ => None,
    }
}

fn last<'v, 'a>(fields: &'v Fields<'a>, key: &str) -> Option<&'v JsonValue<'a>> {
    fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// jq's truthiness: everything but null and false.
fn truthy<'v, 'a>(value: Option<&'v JsonValue<'a>>) -> Option<&'v JsonValue<'a>> {
    value.filter(|v| !matches!(v, JsonValue::Null | JsonValue::Bool(false)))
}

fn number(value: Option<&JsonValue<'_>>, what: &str) -> Result<f64, String> {
    #[allow(clippy::cast_precision_loss)] // jq's numbers are doubles
    match value {
        Some(JsonValue::Int(i)) => Ok(*i as f64),
        Some(JsonValue::Float(f)) => Ok(*f),
        _ => Err(format!("{what} must be a number")),
    }
}

/// What `jq -r` prints for a value used as text (a model, a ram size).
fn jq_raw(value: Option<&JsonValue<'_>>) -> Result<String, String> {
    match truthy(value) {
        None => Ok("0".to_owned()),
        Some(JsonValue::Str(s)) => Ok(s.to_string()),
        Some(JsonValue::Bool(true)) => Ok("true".to_owned()),
        Some(JsonValue::Int(i)) => Ok(i.to_string()),
        #[allow(clippy::cast_precision_loss)]
        Some(JsonValue::Float(f)) => super::decimal::jq_text(*f),
        Some(_) => Err("a GPU attribute is not text".to_owned()),
    }
}

/// The script's three jq expressions over `.gpu.attributes.vendor`. Its model comes from
/// `(.nvidia // .amd // empty).model // 0`; its ram and interface from an expression that
/// jq reads as `.nvidia | (select(.model == $m) // .amd) | (select(.model == $m) // empty)`,
/// so only an NVIDIA model ever carries a ram or an interface into the price key.
fn gpu(vendor: Option<&JsonValue<'_>>) -> Result<ScriptGpu, String> {
    let chosen = truthy(vendor.and_then(|v| get(v, "nvidia")))
        .or_else(|| truthy(vendor.and_then(|v| get(v, "amd"))));
    let model = jq_raw(chosen.and_then(|c| get(c, "model")))?;
    let matches = |v: Option<&JsonValue<'_>>| {
        v.and_then(|v| get(v, "model"))
            .is_some_and(|m| matches!(m, JsonValue::Str(s) if *s == model))
    };
    let nvidia = vendor.and_then(|v| get(v, "nvidia"));
    let first = if matches(nvidia) {
        nvidia
    } else {
        nvidia.and_then(|n| get(n, "amd"))
    };
    let picked = if matches(first) { first } else { None };
    Ok(ScriptGpu {
        model,
        ram: jq_raw(picked.and_then(|p| get(p, "ram")))?,
        interface: jq_raw(picked.and_then(|p| get(p, "interface")))?,
    })
}

fn unit(value: &JsonValue<'_>, at: usize) -> Result<ScriptUnit, String> {
    let place = |what: &str| format!("resources[{at}].{what}");
    let storage = match get(value, "storage") {
        Some(JsonValue::Array(items)) => items
            .iter()
            .map(|item| {
                let class = match get(item, "class") {
                    Some(JsonValue::Str(s)) => Some(s.to_string()),
                    _ => None,
                };
                let size = match truthy(get(item, "size")) {
                    None => 0.0,
                    some => number(some, &place("storage[].size"))?,
                };
                Ok((class, size))
            })
            .collect::<Result<Vec<_>, String>>()?,
        _ => {
            return Err(format!(
                "{} must be an array (jq cannot iterate it)",
                place("storage")
            ))
        }
    };
    let gpu_value = get(value, "gpu");
    let optional = |key: &str| -> Result<f64, String> {
        match truthy(get(value, key)) {
            None => Ok(0.0),
            some => number(some, &place(key)),
        }
    };
    Ok(ScriptUnit {
        cpu: number(get(value, "cpu"), &place("cpu"))?,
        memory: number(get(value, "memory"), &place("memory"))?,
        count: number(get(value, "count"), &place("count"))?,
        gpu_units: match truthy(gpu_value.and_then(|g| get(g, "units"))) {
            None => 0.0,
            some => number(some, &place("gpu.units"))?,
        },
        gpu: gpu(gpu_value
            .and_then(|g| get(g, "attributes"))
            .and_then(|a| get(a, "vendor")))?,
        storage,
        endpoints: optional("endpoint_quantity")?,
        ips: optional("ip_lease_quantity")?,
    })
}

impl ScriptInput {
    /// Reads the stdin document; an error is what would make the script fail. The input is an
    /// object with `resources` and `price`, or, from providers before prices, the list of
    /// resources itself (the legacy input: uakt, an integer rate).
    pub fn parse(data: &[u8]) -> Result<ScriptInput, String> {
        let value =
            JsonValue::parse(data, false).map_err(|e| format!("the input is not JSON: {e}"))?;
        let (list, price, precision) = match &value {
            JsonValue::Array(items) => (items.as_slice(), None, None),
            JsonValue::Object(fields) => {
                let Some(price) = last(fields, "price") else {
                    return Err(
                        "the input has no price and is not the legacy list of resources".to_owned(),
                    );
                };
                let price = match price {
                    JsonValue::Object(p) => {
                        let text = |key| match last(p, key) {
                            Some(JsonValue::Str(s)) => s.to_string(),
                            Some(JsonValue::Int(i)) => i.to_string(),
                            _ => "null".to_owned(),
                        };
                        ScriptPrice::Coin {
                            denom: text("denom"),
                            amount: text("amount"),
                        }
                    }
                    _ => ScriptPrice::NotAnObject,
                };
                // A price that is not an object stops the script before it reads anything else.
                let list = match last(fields, "resources") {
                    _ if price == ScriptPrice::NotAnObject => &[],
                    Some(JsonValue::Array(items)) => items.as_slice(),
                    _ => return Err("resources must be an array".to_owned()),
                };
                (list, Some(price), truthy(last(fields, "price_precision")))
            }
            _ => return Err("the input is neither an object nor a list".to_owned()),
        };
        let precision = match precision {
            None => 6,
            Some(JsonValue::Int(p)) if (0..=30).contains(p) => *p,
            Some(_) => return Err("price_precision must be an integer from 0 to 30".to_owned()),
        };
        let units = list
            .iter()
            .enumerate()
            .map(|(i, item)| unit(item, i))
            .collect::<Result<Vec<_>, String>>()?;
        if units.is_empty() && price != Some(ScriptPrice::NotAnObject) {
            return Err(
                "resources is empty (jq's add gives null, and the script fails)".to_owned(),
            );
        }
        Ok(ScriptInput {
            units,
            price,
            precision,
        })
    }
}
