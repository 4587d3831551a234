//! The one way long work runs: without the GIL, in chunks, with a check for signals between
//! chunks so Ctrl-C stops a batch within a second, and errors mapped on the way back.

use pyo3::prelude::*;

/// Input bytes per chunk: at the core's 400 MB/s a chunk takes about a tenth of a second.
const CHUNK_BYTES: usize = 32 << 20;

/// Runs `job` over `items` a chunk at a time with the GIL released, checking for signals
/// (KeyboardInterrupt) between chunks; results keep input order. `weight` is an item's size.
pub fn batched<I: Sync, R: Send>(
    py: Python<'_>,
    items: &[I],
    weight: impl Fn(&I) -> usize,
    job: impl Fn(&[I]) -> Vec<R> + Sync,
) -> PyResult<Vec<R>> {
    let mut results = Vec::with_capacity(items.len());
    let mut start = 0;
    while start < items.len() {
        let mut end = start;
        let mut bytes = 0usize;
        while end < items.len() && (end == start || bytes < CHUNK_BYTES) {
            bytes = bytes.saturating_add(weight(&items[end]));
            end += 1;
        }
        let chunk = &items[start..end];
        results.extend(py.detach(|| job(chunk)));
        py.check_signals()?;
        start = end;
    }
    Ok(results)
}

/// One piece of work that cannot be split (a single document: at most 256 MiB, under a second).
pub fn detached<T: Send>(py: Python<'_>, job: impl FnOnce() -> T + Send) -> PyResult<T> {
    let result = py.detach(job);
    py.check_signals()?;
    Ok(result)
}
