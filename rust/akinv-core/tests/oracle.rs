//! The trust rules and sums against a plain restatement of them, on generated documents of
//! every shape: legacy (named and pre-0.5 flat nodes, mixed), v1 (Go JSON and protojson),
//! inventory dumps; with keys given twice. No Python: `cargo test` checks the rules.
//!
//! Of a key given twice the last value counts (Go's decoder): the generator writes shadow
//! values before the ones that count, and the oracle reads only the latter.

use akinv_core::{sanitize, validate, Amount, Code, Policy, Report};
use proptest::prelude::*;

/// A number as written, and what the rules make of it.
#[derive(Debug, Clone)]
struct Value {
    /// The JSON token for a legacy (integer) field and the quantity text for a v1 field.
    legacy: String,
    quantity: String,
    /// The trusted value, or `None` when it must not be trusted.
    trusted: Option<i64>,
}

const CAPS: [i64; 4] = [4096 * 1000, 64 << 40, 64, 1 << 50];

/// A value of resource `r` (cpu millis, memory, gpu, ephemeral).
fn value(r: usize) -> impl Strategy<Value = Value> {
    let cap = CAPS[r];
    let trusted = (0..=cap).prop_map(move |v| Value {
        legacy: v.to_string(),
        // Quantities of cpu are written in millicores ("1500m").
        quantity: if r == 0 {
            format!("{v}m")
        } else {
            v.to_string()
        },
        trusted: Some(v),
    });
    let untrusted = prop_oneof![
        (1u64..5).prop_map(|k| (u64::MAX - k + 1).to_string()),
        Just("9223372036854775808".to_owned()),
        Just("-5".to_owned()),
        Just((cap as i128 + 1).to_string()),
    ]
    .prop_map(move |text| {
        let quantity = if r == 0 {
            format!("{text}000m")
        } else {
            text.clone()
        };
        Value {
            legacy: text,
            quantity,
            trusted: None,
        }
    });
    prop_oneof![4 => trusted, 1 => untrusted]
}

fn values() -> impl Strategy<Value = [Value; 4]> {
    (value(0), value(1), value(2), value(3)).prop_map(|(a, b, c, d)| [a, b, c, d])
}

const LEGACY_KEYS: [&str; 4] = ["cpu", "memory", "gpu", "storage_ephemeral"];

// Test data: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum LegacyNode {
    /// `{name, allocatable, available}`; `shadow` writes an allocatable object first whose
    /// keys the real one all overrides, and a flat gpu beside the objects.
    Named {
        allocatable: [Value; 4],
        available: [Value; 4],
        shadow: Option<[Value; 4]>,
        flat_gpu: Option<Value>,
    },
    /// Before 0.5: `{cpu, gpu, memory, storage_ephemeral}` of available values.
    Flat([Value; 4]),
}

fn legacy_node() -> impl Strategy<Value = LegacyNode> {
    let named = (
        values(),
        values(),
        proptest::option::of(values()),
        proptest::option::of(value(2)),
    )
        .prop_map(
            |(allocatable, available, shadow, flat_gpu)| LegacyNode::Named {
                allocatable,
                available,
                shadow,
                flat_gpu,
            },
        );
    prop_oneof![3 => named, 1 => values().prop_map(LegacyNode::Flat)]
}

fn object(values: &[Value; 4], keys: [&str; 4]) -> String {
    let members: Vec<String> = keys
        .iter()
        .zip(values)
        .map(|(key, v)| format!("\"{key}\": {}", v.legacy))
        .collect();
    format!("{{{}}}", members.join(", "))
}

impl LegacyNode {
    fn json(&self, index: usize) -> String {
        match self {
            LegacyNode::Flat(values) => object(values, LEGACY_KEYS),
            LegacyNode::Named {
                allocatable,
                available,
                shadow,
                flat_gpu,
            } => {
                let mut members = vec![format!("\"name\": \"node{index}\"")];
                if let Some(gpu) = flat_gpu {
                    members.push(format!("\"gpu\": {}", gpu.legacy));
                }
                if let Some(shadow) = shadow {
                    members.push(format!("\"allocatable\": {}", object(shadow, LEGACY_KEYS)));
                }
                members.push(format!(
                    "\"allocatable\": {}",
                    object(allocatable, LEGACY_KEYS)
                ));
                members.push(format!("\"available\": {}", object(available, LEGACY_KEYS)));
                format!("{{{}}}", members.join(", "))
            }
        }
    }

    /// The restated legacy rule: allocatable A and available V of each resource.
    fn triples(&self) -> [[i64; 3]; 4] {
        let mut out = [[0; 3]; 4];
        for (r, slot) in out.iter_mut().enumerate() {
            *slot = match self {
                LegacyNode::Flat(values) => [0, 0, values[r].trusted.unwrap_or(0)],
                LegacyNode::Named {
                    allocatable,
                    available,
                    ..
                } => match (allocatable[r].trusted, available[r].trusted) {
                    (Some(a), Some(v)) if v <= a => [a, a - v, v],
                    (Some(a), _) => [a, a, 0],
                    (None, _) => [0, 0, 0],
                },
            };
        }
        out
    }
}

#[derive(Debug, Clone)]
struct V1Node {
    allocatable: [Value; 4],
    allocated: [Value; 4],
    /// An allocatable written (and overridden) before the real one.
    shadow: Option<Value>,
}

fn v1_node() -> impl Strategy<Value = V1Node> {
    (values(), values(), proptest::option::of(value(2))).prop_map(
        |(allocatable, allocated, shadow)| V1Node {
            allocatable,
            allocated,
            shadow,
        },
    )
}

impl V1Node {
    fn json(&self, index: usize, proto: bool) -> String {
        let quote = |text: &str| {
            if proto {
                format!("{{\"string\": \"{text}\"}}")
            } else {
                format!("\"{text}\"")
            }
        };
        let pair = |r: usize, shadow: Option<&Value>| {
            let mut members = Vec::new();
            if let Some(shadow) = shadow {
                members.push(format!("\"allocatable\": {}", quote(&shadow.quantity)));
            }
            members.push(format!(
                "\"allocatable\": {}",
                quote(&self.allocatable[r].quantity)
            ));
            members.push(format!(
                "\"allocated\": {}",
                quote(&self.allocated[r].quantity)
            ));
            format!("{{{}}}", members.join(", "))
        };
        let ephemeral = if proto {
            "ephemeralStorage"
        } else {
            "ephemeral_storage"
        };
        format!(
            "{{\"name\": \"node{index}\", \"resources\": {{\"cpu\": {{\"quantity\": {}}}, \
             \"memory\": {{\"quantity\": {}}}, \"gpu\": {{\"quantity\": {}}}, \"{ephemeral}\": {}}}}}",
            pair(0, None),
            pair(1, None),
            pair(2, self.shadow.as_ref()),
            pair(3, None)
        )
    }

    /// The restated v1 rule: allocatable A and allocated L.
    fn triples(&self) -> [[i64; 3]; 4] {
        let mut out = [[0; 3]; 4];
        for (r, slot) in out.iter_mut().enumerate() {
            *slot = match (self.allocatable[r].trusted, self.allocated[r].trusted) {
                (Some(a), Some(l)) => [a, l, (a - l).max(0)],
                (Some(a), None) => [a, 0, 0],
                (None, Some(l)) => [0, l, 0],
                (None, None) => [0, 0, 0],
            };
        }
        out
    }
}

#[derive(Debug, Clone)]
enum Document {
    Legacy(Vec<LegacyNode>),
    Inventory(Vec<LegacyNode>),
    V1(Vec<V1Node>, bool),
}

fn document() -> impl Strategy<Value = Document> {
    let nodes = || proptest::collection::vec(legacy_node(), 0..5);
    prop_oneof![
        nodes().prop_map(Document::Legacy),
        nodes().prop_map(Document::Inventory),
        (proptest::collection::vec(v1_node(), 0..5), any::<bool>())
            .prop_map(|(nodes, proto)| Document::V1(nodes, proto)),
    ]
}

impl Document {
    fn json(&self) -> String {
        match self {
            Document::Legacy(nodes) | Document::Inventory(nodes) => {
                let nodes: Vec<String> = nodes.iter().enumerate().map(|(i, n)| n.json(i)).collect();
                let list = format!("[{}]", nodes.join(", "));
                if matches!(self, Document::Legacy(_)) {
                    format!("{{\"cluster\": {{\"leases\": 0, \"inventory\": {{\"available\": {{\"nodes\": {list}}}}}}}}}")
                } else {
                    format!("{{\"nodes\": {list}}}")
                }
            }
            Document::V1(nodes, proto) => {
                let nodes: Vec<String> = nodes
                    .iter()
                    .enumerate()
                    .map(|(i, n)| n.json(i, *proto))
                    .collect();
                format!(
                    "{{\"cluster\": {{\"inventory\": {{\"cluster\": {{\"nodes\": [{}]}}}}}}}}",
                    nodes.join(", ")
                )
            }
        }
    }

    fn node_triples(&self) -> Vec<[[i64; 3]; 4]> {
        match self {
            Document::Legacy(nodes) | Document::Inventory(nodes) => {
                nodes.iter().map(LegacyNode::triples).collect()
            }
            Document::V1(nodes, _) => nodes.iter().map(V1Node::triples).collect(),
        }
    }
}

fn report_triples(report: &Report) -> Vec<[[i64; 3]; 4]> {
    fn t<A: Amount>(x: &akinv_core::Triple<A>) -> [i64; 3] {
        [x.allocatable.get(), x.allocated.get(), x.available.get()]
    }
    report
        .nodes
        .iter()
        .map(|n| {
            let r = &n.resources;
            [
                t(&r.cpu_millis),
                t(&r.memory_bytes),
                t(&r.gpu),
                t(&r.ephemeral_storage_bytes),
            ]
        })
        .collect()
}

/// A finding that says a number is not to be trusted.
fn distrusts_a_number(code: Code) -> bool {
    code.distrusts_number() && code != Code::WrongType
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn nodes_and_totals_follow_the_rules(doc in document()) {
        let json = doc.json();
        let report = validate(json.as_bytes(), None, &Policy::default()).expect("generated documents read");
        let expected = doc.node_triples();
        prop_assert_eq!(report_triples(&report), expected.clone(), "{}", json);
        let mut totals = [[0i64; 3]; 4];
        for node in &expected {
            for r in 0..4 {
                for f in 0..3 {
                    totals[r][f] += node[r][f];
                }
            }
        }
        let t = &report.totals.resources;
        prop_assert_eq!(
            [t.cpu_millis.cast::<i64>(), t.memory_bytes.cast(), t.gpu.cast(), t.ephemeral_storage_bytes.cast()]
                .map(|x| [x.allocatable, x.allocated, x.available]),
            totals
        );
    }

    #[test]
    fn sanitized_documents_hold_no_untrusted_number(doc in document()) {
        let json = doc.json();
        let policy = Policy::default();
        let once = sanitize(json.as_bytes(), None, &policy).expect("generated documents read");
        let again = validate(&once.data, None, &policy).expect("sanitized documents read");
        let left: Vec<_> = again.findings.iter().filter(|f| distrusts_a_number(f.code)).collect();
        prop_assert!(left.is_empty(), "{}\n{}\n{:?}", json, String::from_utf8_lossy(&once.data), left);
        // The same capacity as before: sanitizing never makes an untrusted count available.
        let available = |r: &Report| -> Vec<[i64; 4]> {
            report_triples(r).iter().map(|n| [n[0][2], n[1][2], n[2][2], n[3][2]]).collect()
        };
        prop_assert_eq!(available(&again), available(&once.report));
        prop_assert!(sanitize(&once.data, None, &policy).expect("reads").changes.is_empty());
    }
}
