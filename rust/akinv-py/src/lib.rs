//! The `akinv._akinv` extension module: convert arguments, run the core without the GIL
//! (`gil`), map errors (`errors`), and wrap results as lazily converted objects (`report`).
#![forbid(unsafe_code)]

mod bidding;
mod documents;
mod errors;
mod gil;
mod input;
mod pickle;
mod policy;
mod quantities;
mod report;
mod state;
mod stream;

/// Reports are built on rayon threads and freed on Python's: glibc made freeing a batch of
/// them cost 6% of validating it (3.3 ms of 54 ms for the 20 MB corpus).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[pyo3::pymodule]
mod _akinv {
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    #[pymodule_export]
    use super::bidding::{
        match_providers, Inventories, Inventory, Match, OrderCore, Pricing, Quote, Reservation,
    };
    #[pymodule_export]
    use super::documents::{sanitize, sanitize_many, validate, validate_many};
    #[pymodule_export]
    use super::pickle::restore;
    #[pymodule_export]
    use super::policy::Policy;
    #[pymodule_export]
    use super::stream::{DocumentStream, SanitizedPart};
    /// Larger documents are refused (a stream's limit may only be lower).
    #[pymodule_export]
    const MAX_DOCUMENT_BYTES: usize = akinv_core::MAX_DOCUMENT_BYTES;
    /// Deeper nesting is refused.
    #[pymodule_export]
    const MAX_DEPTH: usize = akinv_core::MAX_DEPTH;
    #[pymodule_export]
    use super::quantities::{parse_quantities, parse_quantity};
    #[pymodule_export]
    use super::report::{
        Change, Finding, GpuDevice, GpuGroup, NodeSummary, Report, Sanitized, Totals, Usage,
    };
}
