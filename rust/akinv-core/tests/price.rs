//! The generic price script reproduced: the reference outputs recorded with the real script
//! (helm-charts f3d8d46, `../shared/samples/INDEX.md`), and hand-computed cases.

use akinv_core::price::Pricing;

const MAPPINGS: &str = "a100=900,a100.80Gi=1000,a100.80Gi.sxm=1100,h100=1800,*=2000";

fn sample(name: &str) -> Option<Vec<u8>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/samples")
        .join(name);
    std::fs::read(path).ok()
}

#[test]
fn the_reference_outputs_of_the_generic_script() {
    let pricing = Pricing::new(&[], MAPPINGS).unwrap();
    for (name, usd, rate, key) in [
        (
            "bidscript-stdin_gpu-wildcard_unallocated.json",
            "2040.45",
            "1582.078998",
            None,
        ),
        (
            "bidscript-stdin_gpu-wildcard_allocated-a100.json",
            "940.45",
            "729.185324",
            None,
        ),
        (
            "bidscript-stdin_a100-80Gi-sxm.json",
            "1160.45",
            "899.764059",
            Some("a100.80Gi.sxm"),
        ),
    ] {
        let Some(data) = sample(name) else {
            eprintln!("{name} is not beside the checkout: skipped");
            continue;
        };
        let quote = pricing.quote_script_input(&data, Some("3.00")).unwrap();
        assert_eq!(quote.exit_code, 0, "{name}: {}", quote.stderr);
        assert_eq!(quote.stdout, rate, "{name}");
        let total: f64 = quote.usd_per_month.parse().unwrap();
        assert!(
            (total - usd.parse::<f64>().unwrap()).abs() < 1e-9,
            "{name}: {}",
            quote.usd_per_month
        );
        if let Some(key) = key {
            assert_eq!(quote.gpus[0].matched.as_deref(), Some(key));
        }
    }
}

fn input(denom: &str, amount: &str, gpu: &str) -> String {
    format!(
        r#"{{"resources":[{{"memory":34359738368,"cpu":8000,"gpu":{{"units":1,"attributes":{{"vendor":{{"nvidia":{gpu}}}}}}},
        "storage":[{{"class":"ephemeral","size":107374182400}}],"count":2,"endpoint_quantity":3,"ip_lease_quantity":1}}],
        "price":{{"denom":"{denom}","amount":"{amount}"}},"price_precision":6}}"#
    )
}

#[test]
fn every_denom_and_refusal() {
    // Per replica: 8 cpu, 32 GiB, 100 GiB ephemeral, 1 a100; 2 replicas; 3 endpoints, 1 IP
    // (not multiplied by the count: the script's jq precedence).
    // USD/month = 16*1.60 + 64*0.80 + 200*0.02 + 3*0.05 + 1*5 + 2*900 = 1885.95
    let pricing = Pricing::new(&[], MAPPINGS).unwrap();
    let a100 = r#"{"model":"a100"}"#;
    let quote = pricing
        .quote_script_input(input("uact", "100000", a100).as_bytes(), None)
        .unwrap();
    // bc keeps the memory part's 14 decimals (64.000000000000 GiB from awk, times 0.80).
    assert_eq!(quote.usd_per_month, "1885.95000000000000");
    // 1885.95 / 429909 (20 decimals, truncated) * 1e6 = 4386.85861426487931...
    assert_eq!(quote.stdout, "4386.858614");
    let usdc = "ibc/170C677610AC31DF0904FFE09CD3B5C657492170E7E52372E48756B71E56F2F1";
    assert_eq!(
        pricing
            .quote_script_input(input(usdc, "100000", a100).as_bytes(), None)
            .unwrap()
            .stdout,
        "4386.858614"
    );
    // uakt at 2.5 USD: 1885.95 / 2.5 * 1e6 / 429909 = 1754.74344570595172...
    let uakt = pricing
        .quote_script_input(input("uakt", "100000", a100).as_bytes(), Some("2.5"))
        .unwrap();
    assert_eq!(uakt.stdout, "1754.743446");
    let low = pricing
        .quote_script_input(input("uakt", "1000", a100).as_bytes(), Some("2.5"))
        .unwrap();
    assert_eq!(
        (low.exit_code, low.stderr.as_str()),
        (1, "requested rate is too low. min expected 1754.743446uakt")
    );
    let other = pricing
        .quote_script_input(input("uatom", "1", a100).as_bytes(), None)
        .unwrap();
    assert_eq!(
        (other.exit_code, other.stderr.as_str()),
        (1, "denom in not supported: uatom")
    );
    let not_object = pricing
        .quote_script_input(br#"{"resources":[],"price":"1uakt"}"#, None)
        .unwrap();
    assert_eq!(not_object.exit_code, 1);
    assert!(not_object.stderr.starts_with("price must be an object!"));
}

#[test]
fn catch_all_and_the_legacy_input() {
    let pricing = Pricing::new(&[], MAPPINGS).unwrap();
    // An unpriced model takes the highest mapping (2000), not 100.
    let t4 = pricing
        .quote_script_input(
            input("uact", "100000", r#"{"model":"t4"}"#).as_bytes(),
            None,
        )
        .unwrap();
    assert_eq!(t4.gpus[0].matched, None);
    assert_eq!(t4.gpus[0].price, "2000");
    // The legacy input is the list of resources: uakt, an integer.
    let legacy = br#"[{"memory":1073741824,"cpu":1000,"storage":[{"class":"ephemeral","size":1073741824}],"count":1}]"#;
    // 1.60 + 0.80 + 0.02 = 2.42 USD; at 1 USD/AKT: 2.42e6/429909 = 5.629 -> "5.629098" -> 6
    let quote = pricing.quote_script_input(legacy, Some("1")).unwrap();
    assert_eq!(quote.stdout, "6");
}
