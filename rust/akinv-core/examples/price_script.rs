//! The generic price script, reproduced by the core: reads its stdin, prints what it prints,
//! exits as it exits. For differential runs against the real script:
//!
//! PRICE_TARGET_GPU_MAPPINGS=... AKINV_AKT_USD=3.00 cargo run --example price_script < stdin.json
use akinv_core::price::{Pricing, DEFAULTS};
use std::io::{Read, Write};

fn main() {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).expect("stdin");
    let targets: Vec<(&str, String)> = DEFAULTS
        .iter()
        .filter_map(|(name, _)| {
            std::env::var(format!("PRICE_TARGET_{name}"))
                .ok()
                .map(|v| (*name, v))
        })
        .collect();
    let targets: Vec<(&str, &str)> = targets.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let mappings = std::env::var("PRICE_TARGET_GPU_MAPPINGS").unwrap_or_default();
    let akt = std::env::var("AKINV_AKT_USD").ok();
    let quote = Pricing::new(&targets, &mappings)
        .map_err(|e| e.to_string())
        .and_then(|p| p.quote_script_input(&input, akt.as_deref()));
    match quote {
        Ok(quote) => {
            print!("{}", quote.stdout);
            eprint!("{}", quote.stderr);
            std::io::stdout().flush().ok();
            std::process::exit(quote.exit_code);
        }
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    }
}
