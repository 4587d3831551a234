//! akinv-core: exact, wrap-free reading of Akash provider status documents.
//!
//! No Python here: the `akinv-py` crate binds this crate for the `akinv` wheel.
#![forbid(unsafe_code)]

pub mod quantity;

pub use quantity::{
    parse_int, saturating_i64, saturating_u64, Clamped, Quantity, QuantityError, QuantityErrorKind,
    Scale,
};
