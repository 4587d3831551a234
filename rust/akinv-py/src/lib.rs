//! The `akinv._akinv` extension module: extract, release the GIL, call the core, map errors.
#![forbid(unsafe_code)]

use pyo3::prelude::*;

pyo3::import_exception!(akinv.errors, QuantityError);

use akinv_core::{parse_int, Scale};

fn scale(milli: bool) -> Scale {
    if milli {
        Scale::Milli
    } else {
        Scale::Unit
    }
}

fn quantity_error(text: &[u8], error: akinv_core::QuantityError, index: Option<usize>) -> PyErr {
    let shown = String::from_utf8_lossy(text);
    let reason = error.reason(text);
    match index {
        Some(i) => {
            QuantityError::new_err(format!("texts[{i}]: invalid quantity {shown:?}: {reason}"))
        }
        None => QuantityError::new_err(format!("invalid quantity {shown:?}: {reason}")),
    }
}

#[pymodule]
mod _akinv {
    use super::*;
    use pyo3::pybacked::PyBackedStr;

    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// Parses one Kubernetes quantity exactly (see akinv.parse_quantity).
    #[pyfunction]
    #[pyo3(signature = (text, /, *, milli = false))]
    fn parse_quantity(text: &str, milli: bool) -> PyResult<i128> {
        parse_int(text.as_bytes(), scale(milli))
            .map_err(|e| quantity_error(text.as_bytes(), e, None))
    }

    /// Parses many quantities with the GIL released.
    #[pyfunction]
    #[pyo3(signature = (texts, /, *, milli = false))]
    fn parse_quantities(
        py: Python<'_>,
        texts: Vec<PyBackedStr>,
        milli: bool,
    ) -> PyResult<Vec<i128>> {
        let scale = scale(milli);
        py.detach(|| {
            texts
                .iter()
                .enumerate()
                .map(|(i, text)| parse_int(text.as_bytes(), scale).map_err(|e| (i, e)))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|(i, e)| quantity_error(texts[i].as_bytes(), e, Some(i)))
    }
}
