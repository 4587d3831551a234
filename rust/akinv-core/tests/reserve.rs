//! Reservation rules, one test each, on small hand-made v1 inventories.

use akinv_core::inventory::Inventory;
use akinv_core::order::Order;
use akinv_core::price::Pricing;
use akinv_core::reserve::{
    plan, reserve, reserve_exact, Mode, NoFitKind, Options, Overcommit, Wildcard,
};
use akinv_core::{validate, Policy};
use std::sync::Arc;

/// A node: name, free cpu cores, free memory GiB, GPUs allocatable, GPUs allocated,
/// devices as (model, memory, interface), storage classes.
struct N(
    &'static str,
    u64,
    u64,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
    &'static [&'static str],
);

fn inventory(nodes: &[N], pools: &[(&str, u64)]) -> Inventory {
    let nodes: Vec<String> = nodes
        .iter()
        .map(|N(name, cpu, memory, gpu_a, gpu_l, devices, classes)| {
            let info: Vec<String> = devices
                .iter()
                .map(|(model, mem, iface)| {
                    format!(r#"{{"vendor": "nvidia", "name": "{model}", "memory_size": "{mem}", "interface": "{iface}"}}"#)
                })
                .collect();
            let classes: Vec<String> = classes.iter().map(|c| format!("\"{c}\"")).collect();
            format!(
                r#"{{"name": "{name}", "resources": {{
                    "cpu": {{"quantity": {{"allocatable": "{cpu}", "allocated": "0"}}}},
                    "memory": {{"quantity": {{"allocatable": "{memory}Gi", "allocated": "0"}}}},
                    "gpu": {{"quantity": {{"allocatable": "{gpu_a}", "allocated": "{gpu_l}"}}, "info": [{}]}},
                    "ephemeral_storage": {{"allocatable": "1000Gi", "allocated": "0"}}}},
                  "capabilities": {{"storage_classes": [{}]}}}}"#,
                info.join(", "),
                classes.join(", ")
            )
        })
        .collect();
    let pools: Vec<String> = pools
        .iter()
        .map(|(class, gib)| format!(r#"{{"quantity": {{"allocatable": "{gib}Gi", "allocated": "0"}}, "info": {{"class": "{class}"}}}}"#))
        .collect();
    let doc = format!(
        r#"{{"cluster": {{"inventory": {{"cluster": {{"nodes": [{}], "storage": [{}]}}}}}}}}"#,
        nodes.join(", "),
        pools.join(", ")
    );
    let report = validate(doc.as_bytes(), None, &Policy::default()).expect("test inventory reads");
    Inventory::from_report(Arc::new(report))
}

/// A unit: cpu cores, memory GiB, GPU units, GPU keys, count, more volumes (JSON).
type U<'a> = (u64, u64, u64, &'a [&'a str], u32, &'a str);

/// An order of these units, priced in uact.
fn order(units: &[U<'_>]) -> Order {
    let units: Vec<String> = units
        .iter()
        .enumerate()
        .map(|(i, (cpu, memory, gpus, keys, count, volumes))| {
            let keys: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
            format!(
                r#"{{"id": {}, "name": "u{i}", "count": {count}, "cpu_millis": {}, "memory_bytes": {},
                    "gpu_units": {gpus}, "gpu_attributes": [{}],
                    "storage": [{{"name": "default", "bytes": 1073741824}}{volumes}], "endpoints": 1, "ips": 0}}"#,
                i + 1,
                cpu * 1000,
                memory << 30,
                keys.join(", ")
            )
        })
        .collect();
    let doc = format!(
        r#"{{"source": "test", "units": [{}], "price": {{"denom": "uact", "amount": "1000000"}}, "price_precision": 6}}"#,
        units.join(", ")
    );
    Order::from_json(doc.as_bytes()).expect("test order reads")
}

const H100: (&str, &str, &str) = ("h100", "80Gi", "SXM5");
const A100: (&str, &str, &str) = ("a100", "80Gi", "SXM4");
const A100_40: (&str, &str, &str) = ("a100", "40Gi", "PCIe");
const T4: (&str, &str, &str) = ("t4", "16Gi", "PCIe");
const ANY: &[&str] = &["vendor/nvidia/model/*"];

fn provider() -> Options {
    Options::new(Mode::Provider)
}

fn models(inv: &Inventory, order: &Order) -> Vec<String> {
    plan(inv, order, &provider())
        .expect("fits")
        .placements
        .iter()
        .map(|p| {
            p.gpu
                .as_ref()
                .map_or_else(String::new, |c| c.device.model.clone())
        })
        .collect()
}

#[test]
fn a_wildcard_takes_the_model_of_the_first_node_by_name_that_fits() {
    let inv = inventory(
        &[
            N("b-t4", 8, 32, "1", "0", &[T4], &[]),
            N("a-h100", 64, 512, "8", "0", &[H100; 8], &[]),
        ],
        &[],
    );
    assert_eq!(models(&inv, &order(&[(4, 16, 1, ANY, 1, "")])), ["h100"]);
    // The provider writes the model it chose into the allocated units.
    let reservation = plan(&inv, &order(&[(4, 16, 1, ANY, 1, "")]), &provider()).unwrap();
    assert_eq!(
        reservation.allocated[0].gpu_attributes,
        ["vendor/nvidia/model/h100"]
    );
    // Too big for either node's memory.
    let big = order(&[(4, 600, 1, ANY, 1, "")]);
    let no_fit = plan(&inv, &big, &provider()).unwrap_err();
    assert_eq!(no_fit.nodes.len(), 2);
    let message = no_fit.message(&inv, &big);
    assert!(message.contains("a-h100: memory"), "{message}");
}

#[test]
fn ram_and_interface_filter_and_sxm_folds() {
    let inv = inventory(&[N("a", 64, 512, "2", "0", &[A100_40, A100], &[])], &[]);
    let ram80 = order(&[(1, 1, 1, &["vendor/nvidia/model/a100/ram/80Gi"], 1, "")]);
    let chosen = plan(&inv, &ram80, &provider()).unwrap().placements[0]
        .gpu
        .clone()
        .unwrap();
    assert_eq!(chosen.device.memory_size, "80Gi");
    // SXM4 on the device is "sxm" to the provider.
    let sxm = order(&[(1, 1, 1, &["vendor/nvidia/model/a100/interface/sxm"], 1, "")]);
    assert_eq!(
        plan(&inv, &sxm, &provider()).unwrap().placements[0]
            .gpu
            .as_ref()
            .unwrap()
            .device
            .interface,
        "SXM4"
    );
    let key = plan(&inv, &sxm, &provider()).unwrap().allocated[0]
        .gpu_attributes
        .clone();
    assert_eq!(key, ["vendor/nvidia/model/a100/interface/sxm"]);
    let ram160 = order(&[(1, 1, 1, &["vendor/nvidia/model/a100/ram/160Gi"], 1, "")]);
    assert!(plan(&inv, &ram160, &provider()).is_err());
    // "80GB" is not a binary size: the request does not parse, and no node fits.
    let bad = order(&[(1, 1, 1, &["vendor/nvidia/model/a100/ram/80GB"], 1, "")]);
    assert_eq!(
        plan(&inv, &bad, &provider()).unwrap_err().kind,
        NoFitKind::Capacity
    );
}

#[test]
fn on_a_mixed_node_the_device_completing_the_count_decides() {
    // Sorted (vendor, name, memory): a100 40Gi, a100 80Gi, h100.
    let inv = inventory(
        &[N("mixed", 64, 512, "3", "0", &[H100, A100, A100_40], &[])],
        &[],
    );
    assert_eq!(models(&inv, &order(&[(1, 1, 1, ANY, 1, "")])), ["a100"]);
    assert_eq!(models(&inv, &order(&[(1, 1, 3, ANY, 1, "")])), ["h100"]);
}

#[test]
fn replicas_that_would_get_different_models_do_not_fit() {
    let inv = inventory(
        &[
            N("node1", 64, 512, "1", "0", &[A100], &[]),
            N("node2", 64, 512, "1", "0", &[H100], &[]),
        ],
        &[],
    );
    let two = order(&[(1, 1, 1, ANY, 2, "")]);
    let no_fit = plan(&inv, &two, &provider()).unwrap_err();
    assert_eq!(no_fit.kind, NoFitKind::Capacity);
    let message = no_fit.message(&inv, &two);
    assert!(message.contains("replica 2 of 2"), "{message}");
}

#[test]
fn storage_classes_need_the_node_and_the_pool() {
    let beta3 = r#", {"name": "data", "bytes": 10737418240, "class": "beta3", "persistent": true}"#;
    let inv = inventory(
        &[
            N("a", 8, 32, "0", "0", &[], &["beta2"]),
            N("b", 8, 32, "0", "0", &[], &["beta3"]),
        ],
        &[("beta3", 100)],
    );
    let reservation = plan(&inv, &order(&[(1, 1, 0, &[], 1, beta3)]), &provider()).unwrap();
    assert_eq!(inv.nodes[reservation.placements[0].nodes[0].0].name, "b");
    let missing = inventory(
        &[N("b", 8, 32, "0", "0", &[], &["beta3"])],
        &[("beta2", 100)],
    );
    assert_eq!(
        plan(&missing, &order(&[(1, 1, 0, &[], 1, beta3)]), &provider())
            .unwrap_err()
            .kind,
        NoFitKind::StorageClassMissing
    );
    let small = inventory(&[N("b", 8, 32, "0", "0", &[], &["beta3"])], &[("beta3", 5)]);
    assert_eq!(
        plan(&small, &order(&[(1, 1, 0, &[], 1, beta3)]), &provider())
            .unwrap_err()
            .kind,
        NoFitKind::StorageClassFull
    );
}

#[test]
fn ram_volumes_come_out_of_memory() {
    let ram = r#", {"name": "shm", "bytes": 17179869184, "class": "ram", "persistent": false}"#;
    let inv = inventory(&[N("a", 8, 32, "0", "0", &[], &[])], &[]);
    assert!(plan(&inv, &order(&[(1, 16, 0, &[], 1, ram)]), &provider()).is_ok());
    assert!(plan(&inv, &order(&[(1, 17, 0, &[], 1, ram)]), &provider()).is_err());
}

#[test]
fn an_untrusted_gpu_count_never_hosts_a_gpu_order() {
    // The device plugin restarting: allocatable 0, allocated 8 (over-allocated), or a wrapped count.
    for (allocatable, allocated) in [
        ("0", "8"),
        ("18446744073709551615", "0"),
        ("8", "18446744073709551615"),
    ] {
        let inv = inventory(
            &[N("a", 64, 512, allocatable, allocated, &[H100; 8], &[])],
            &[],
        );
        assert!(
            plan(&inv, &order(&[(1, 1, 1, ANY, 1, "")]), &provider()).is_err(),
            "{allocatable}/{allocated}"
        );
    }
}

#[test]
fn units_are_placed_from_the_last_to_the_first() {
    // Both units fit node "a" alone, but not together: the last unit goes first and takes it.
    let inv = inventory(
        &[
            N("a", 8, 32, "0", "0", &[], &[]),
            N("b", 8, 32, "0", "0", &[], &[]),
        ],
        &[],
    );
    let reservation = plan(
        &inv,
        &order(&[(6, 1, 0, &[], 1, ""), (4, 1, 0, &[], 1, "")]),
        &provider(),
    )
    .unwrap();
    let node = |u: usize| inv.nodes[reservation.placements[u].nodes[0].0].name.clone();
    assert_eq!((node(0), node(1)), ("b".to_owned(), "a".to_owned()));
}

#[test]
fn a_wildcard_narrowed_in_place_is_the_providers_quirk_and_exact_mode_drops_it() {
    // Node "a" fits CPU and GPU (h100) but not memory: the provider has then narrowed the
    // wildcard to h100, and node "b" (a100) is refused.
    let inv = inventory(
        &[
            N("a", 64, 8, "8", "0", &[H100; 8], &[]),
            N("b", 64, 512, "8", "0", &[A100; 8], &[]),
        ],
        &[],
    );
    let wildcard = order(&[(4, 64, 1, ANY, 1, "")]);
    let no_fit = plan(&inv, &wildcard, &provider()).unwrap_err();
    assert!(
        no_fit.quirks.iter().any(|q| q.contains("narrowed")),
        "{:?}",
        no_fit.quirks
    );
    let exact = plan(&inv, &wildcard, &Options::new(Mode::Exact)).unwrap();
    assert_eq!(
        exact.placements[0].gpu.as_ref().unwrap().device.model,
        "a100"
    );
}

#[test]
fn exact_mode_picks_the_cheapest_model_that_fits_when_asked() {
    let mut inv = inventory(
        &[
            N("a-h100", 64, 512, "8", "0", &[H100; 8], &[]),
            N("b-t4", 8, 32, "1", "0", &[T4], &[]),
        ],
        &[],
    );
    let pricing = Pricing::new(&[], "t4=80,h100=1800").unwrap();
    let wildcard = order(&[(1, 1, 1, ANY, 1, "")]);
    let first = reserve_exact(
        &mut inv,
        &wildcard,
        Wildcard::ProviderOrder,
        Some(&pricing),
        None,
        Overcommit::default(),
        false,
    )
    .unwrap();
    assert_eq!(
        first.reservation.placements[0]
            .gpu
            .as_ref()
            .unwrap()
            .device
            .model,
        "h100"
    );
    let cheapest = reserve_exact(
        &mut inv,
        &wildcard,
        Wildcard::Cheapest,
        Some(&pricing),
        None,
        Overcommit::default(),
        false,
    )
    .unwrap();
    assert_eq!(
        cheapest.reservation.placements[0]
            .gpu
            .as_ref()
            .unwrap()
            .device
            .model,
        "t4"
    );
    assert_eq!(cheapest.options.len(), 2);
    assert!(cheapest.options.iter().all(|o| o.fits && o.quote.is_some()));
}

#[test]
fn committing_takes_capacity_and_a_dry_run_does_not() {
    let mut inv = inventory(&[N("a", 8, 32, "0", "0", &[], &[])], &[]);
    let big = order(&[(6, 1, 0, &[], 1, "")]);
    reserve(&mut inv, &big, &provider(), false).unwrap();
    reserve(&mut inv, &big, &provider(), true).unwrap();
    assert_eq!(inv.nodes[0].free.cpu_millis, 2000);
    assert!(reserve(&mut inv, &big, &provider(), true).is_err());
}

#[test]
fn overcommit_divides_requests_by_whole_hundreds_of_percent() {
    let inv = inventory(&[N("a", 2, 8, "0", "0", &[], &[])], &[]);
    let big = order(&[(3, 4, 0, &[], 1, "")]);
    let with = |cpu_pct| Options {
        overcommit: Overcommit {
            cpu_pct,
            memory_pct: 0,
            storage_pct: 0,
        },
        ..provider()
    };
    // 3 cores on a 2-core node: no fit without overcommit, nor at 50% (the provider's
    // factor is 1 + pct/100 in integer division, so 50% is 1.0).
    assert!(plan(&inv, &big, &provider()).is_err());
    assert!(plan(&inv, &big, &with(50)).is_err());
    // At 100% the request counts as 1.5 cores, and the price script sees the committed amount.
    let reservation = plan(&inv, &big, &with(100)).expect("fits at 100%");
    assert_eq!(reservation.allocated[0].cpu_millis, 1500);
    assert_eq!(reservation.allocated[0].memory_bytes, 4 << 30);
}
