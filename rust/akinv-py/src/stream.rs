//! A stream of documents handed over in blocks: the core's splitter finds the documents, which
//! are validated or sanitized a batch at a time without the GIL. Python only reads and writes.

use crate::errors::payload_error;
use crate::gil;
use crate::policy::{policy_arg, schema_arg, threads_arg, Policy};
use crate::report::Report;
use akinv_core as core;
use core::{DocumentError, Format, Kind, Piece};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyDict};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Documents a call takes at most: what a result list holds, whatever the documents' size
/// (a block of `{}` lines is 700,000 of them).
const MAX_DOCUMENTS: usize = 4096;

/// A stream's documents, found by the core as its blocks are handed over.
#[pyclass(module = "akinv._akinv", name = "DocumentStream")]
pub struct DocumentStream {
    splitter: core::Splitter<PyBackedBytes>,
    limit: usize,
}

/// Whether the piece is a document to read (not a piece of one too large, not a cut one).
fn readable(piece: &Piece<'_>) -> bool {
    matches!(piece.kind, Kind::Value | Kind::Line | Kind::Malformed)
}

/// The line a result names: none for a stream that is one document alone.
fn line_of(piece: &Piece<'_>) -> Option<u64> {
    (!piece.only).then_some(piece.start.line)
}

/// The outcome of every readable piece and of each too-large document, in stream order.
fn outcomes<'a, T>(
    pieces: &'a [Piece<'a>],
    results: Vec<Result<T, DocumentError>>,
    limit: usize,
) -> impl Iterator<Item = (&'a Piece<'a>, Result<T, DocumentError>)> {
    let mut results = results.into_iter();
    pieces.iter().filter_map(move |piece| match piece.kind {
        _ if readable(piece) => {
            let result = results.next()?.map_err(|error| piece.locate(error));
            Some((piece, result))
        }
        Kind::TooLarge if piece.last => Some((
            piece,
            Err(DocumentError::TooLarge {
                bytes: usize::try_from(piece.size).unwrap_or(usize::MAX),
                limit,
            }),
        )),
        _ => None,
    })
}

/// What sanitizing part of a stream wrote and found. What to write stays in parts (pieces of
/// the input borrowed, sanitized documents owned) until it is copied once, into the bytes
/// Python writes.
#[derive(Default)]
struct Written<'a> {
    parts: Vec<Cow<'a, [u8]>>,
    documents: u64,
    changed_documents: u64,
    changes: u64,
    reasons: BTreeMap<&'static str, u64>,
    errors: Vec<(Option<u64>, DocumentError)>,
    dropped: u64,
}

impl Written<'_> {
    fn error(&mut self, line: Option<u64>, error: DocumentError, keep: usize) {
        if self.errors.len() < keep {
            self.errors.push((line, error));
        } else {
            self.dropped += 1;
        }
    }
}

/// Writes `pieces` sanitized: a document alone in its own shape (with the line ending the
/// stream ended with), the others one a line, compact when they are JSON texts, and what
/// cannot be read as it was.
fn write<'a>(
    pieces: &'a [Piece<'a>],
    results: Vec<Result<core::Sanitized, DocumentError>>,
    (separate, limit, keep): (bool, usize, usize),
) -> Written<'a> {
    let mut out = Written::default();
    let shaped = |piece: &Piece<'_>| piece.only && !separate;
    let end_of = |piece: &Piece<'_>| -> &'static [u8] {
        if shaped(piece) {
            piece.ending
        } else {
            b"\n"
        }
    };
    let mut results = outcomes(pieces, results, limit).peekable();
    for piece in pieces {
        let outcome = results.next_if(|(p, _)| std::ptr::eq(*p, piece));
        match (piece.kind, outcome) {
            (_, Some((_, Ok(sanitized)))) => {
                let data = if piece.kind == Kind::Value && !shaped(piece) {
                    core::compact(&sanitized.data)
                } else {
                    sanitized.data
                };
                out.parts.push(Cow::Owned(data));
                out.parts.push(Cow::Borrowed(end_of(piece)));
                out.documents += 1;
                if !sanitized.changes.is_empty() {
                    out.changed_documents += 1;
                    out.changes += sanitized.changes.len() as u64;
                    for change in &sanitized.changes {
                        *out.reasons.entry(change.reason.name()).or_default() += 1;
                    }
                }
            }
            (_, Some((_, Err(error)))) => {
                out.parts.push(Cow::Borrowed(piece.bytes));
                out.parts.push(Cow::Borrowed(end_of(piece)));
                out.documents += 1;
                out.error(line_of(piece), error, keep);
            }
            // Pieces of a document too large to keep, and what a cut input left: as they were.
            _ => out.parts.push(Cow::Borrowed(piece.bytes)),
        }
    }
    out
}

#[pymethods]
impl DocumentStream {
    /// `format` is "lines" or "documents", or None to tell it from the first lines; documents
    /// larger than `limit` bytes are refused.
    #[new]
    #[pyo3(signature = (*, format = None, limit = core::MAX_DOCUMENT_BYTES))]
    fn new(format: Option<&str>, limit: usize) -> PyResult<DocumentStream> {
        let format = match format {
            None => None,
            Some("lines") => Some(Format::Lines),
            Some("documents") => Some(Format::Documents),
            Some(other) => {
                return Err(PyValueError::new_err(format!(
                    "format must be 'lines', 'documents' or None, not {other:?}"
                )))
            }
        };
        if !(1..=core::MAX_DOCUMENT_BYTES).contains(&limit) {
            return Err(PyValueError::new_err(format!(
                "limit must be between 1 and {} bytes, not {limit}",
                core::MAX_DOCUMENT_BYTES
            )));
        }
        Ok(DocumentStream {
            splitter: core::Splitter::new(format, limit),
            limit,
        })
    }

    /// "lines" or "documents", once the stream has shown which (None before).
    #[getter]
    fn format(&self) -> Option<&'static str> {
        self.splitter.format().map(|format| match format {
            Format::Lines => "lines",
            Format::Documents => "documents",
        })
    }

    /// The line of the document being read (or of the next byte): where a cut input stopped.
    #[getter]
    fn line(&self) -> u64 {
        self.splitter.line()
    }

    /// Hands over the next block (kept without a copy until its documents are taken).
    #[pyo3(signature = (block, /))]
    fn push(&mut self, block: PyBackedBytes) -> PyResult<()> {
        if self.splitter.ended() {
            return Err(PyValueError::new_err("the stream has ended"));
        }
        self.splitter.push(block);
        Ok(())
    }

    fn __repr__(&self) -> String {
        let format = self
            .format()
            .map_or("None".to_string(), |format| format!("'{format}'"));
        format!(
            "DocumentStream(format={format}, limit={}, line={})",
            self.limit,
            self.line()
        )
    }

    /// A stream mid-read holds blocks of a file or pipe that another process cannot reopen.
    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "cannot pickle a DocumentStream: it holds a stream mid-read; pickle its reports instead",
        ))
    }

    /// No block follows; `cut` when reading failed, which leaves the last document unread.
    #[pyo3(signature = (*, cut = false))]
    fn end(&mut self, cut: bool) {
        self.splitter.end(cut);
    }

    /// Reports of the next documents: `[(line, Report | PayloadError)]`, `line` None for a
    /// stream that holds one document alone. Empty when the blocks handed over are used up.
    #[pyo3(signature = (*, threads = None, schema = None, policy = None))]
    fn validate(
        &mut self,
        py: Python<'_>,
        threads: Option<i64>,
        schema: Option<&str>,
        policy: Option<&Policy>,
    ) -> PyResult<Vec<(Option<u64>, Py<PyAny>)>> {
        let (threads, schema, policy) = (
            threads_arg(threads)?,
            schema_arg(schema)?,
            policy_arg(policy),
        );
        let limit = self.limit;
        loop {
            let pieces = gil::detached(py, || self.splitter.next(MAX_DOCUMENTS))?;
            if pieces.is_empty() {
                return Ok(Vec::new());
            }
            let texts: Vec<&[u8]> = pieces
                .iter()
                .filter(|p| readable(p))
                .map(|p| p.bytes)
                .collect();
            let reports = gil::batched(
                py,
                &texts,
                |t| t.len(),
                |chunk| core::validate_many(chunk, threads, schema, &policy),
            )?;
            let results = outcomes(&pieces, reports, limit)
                .map(|(piece, result)| {
                    let item = match result {
                        Ok(report) => Py::new(py, Report::new(report))?.into_any(),
                        Err(error) => payload_error(&error).into_value(py).into_any(),
                    };
                    Ok((line_of(piece), item))
                })
                .collect::<PyResult<Vec<_>>>()?;
            // Only pieces of a document too large to read: on to the next ones.
            if !results.is_empty() {
                return Ok(results);
            }
        }
    }

    /// The next documents sanitized, as bytes to write and what was done; None when the blocks
    /// handed over are used up. Documents of JSON texts are written compact, one a line, and
    /// JSON Lines as they were, each followed by a newline; a stream that is one document alone
    /// keeps its shape (unless `separate`). What cannot be read is written as it was; the first
    /// `keep_errors` errors are returned, the others counted.
    #[pyo3(signature = (*, separate = false, keep_errors = 0, threads = None, schema = None, policy = None))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments, not a Rust API
    fn sanitize(
        &mut self,
        py: Python<'_>,
        separate: bool,
        keep_errors: usize,
        threads: Option<i64>,
        schema: Option<&str>,
        policy: Option<&Policy>,
    ) -> PyResult<Option<SanitizedPart>> {
        let (threads, schema, policy) = (
            threads_arg(threads)?,
            schema_arg(schema)?,
            policy_arg(policy),
        );
        let limit = self.limit;
        let pieces = gil::detached(py, || self.splitter.next(MAX_DOCUMENTS))?;
        if pieces.is_empty() {
            return Ok(None);
        }
        let texts: Vec<&[u8]> = pieces
            .iter()
            .filter(|p| readable(p))
            .map(|p| p.bytes)
            .collect();
        let results = gil::batched(
            py,
            &texts,
            |t| t.len(),
            |chunk| core::sanitize_many(chunk, threads, schema, &policy),
        )?;
        let options = (separate, limit, keep_errors);
        let written = gil::detached(py, || write(&pieces, results, options))?;
        SanitizedPart::new(py, written).map(Some)
    }
}

/// What sanitizing part of a stream wrote and found.
#[pyclass(module = "akinv._akinv", frozen, name = "SanitizedPart")]
pub struct SanitizedPart {
    data: Py<PyBytes>,
    data_length: usize,
    documents: u64,
    changed_documents: u64,
    changes: u64,
    reasons: Vec<(&'static str, u64)>,
    errors: Vec<(Option<u64>, Py<PyAny>)>,
    dropped: u64,
}

impl SanitizedPart {
    fn new(py: Python<'_>, written: Written<'_>) -> PyResult<SanitizedPart> {
        let errors = written
            .errors
            .iter()
            .map(|(line, error)| (*line, payload_error(error).into_value(py).into_any()))
            .collect();
        let length = written.parts.iter().map(|part| part.len()).sum();
        let data = PyBytes::new_with(py, length, |buffer| {
            let mut at = 0;
            for part in &written.parts {
                buffer[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
            Ok(())
        })?;
        Ok(SanitizedPart {
            data: data.unbind(),
            data_length: length,
            documents: written.documents,
            changed_documents: written.changed_documents,
            changes: written.changes,
            reasons: written.reasons.into_iter().collect(),
            errors,
            dropped: written.dropped,
        })
    }
}

#[pymethods]
impl SanitizedPart {
    /// The bytes to write.
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }
    #[getter]
    fn documents(&self) -> u64 {
        self.documents
    }
    #[getter]
    fn changed_documents(&self) -> u64 {
        self.changed_documents
    }
    #[getter]
    fn changes(&self) -> u64 {
        self.changes
    }
    /// How many changes of each reason.
    #[getter]
    fn reasons<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let reasons = PyDict::new(py);
        for (reason, count) in &self.reasons {
            reasons.set_item(reason, count)?;
        }
        Ok(reasons)
    }
    /// The errors kept: `[(line, PayloadError)]`.
    #[getter]
    fn errors(&self, py: Python<'_>) -> Vec<(Option<u64>, Py<PyAny>)> {
        self.errors
            .iter()
            .map(|(line, error)| (*line, error.clone_ref(py)))
            .collect()
    }
    /// Errors beyond those kept.
    #[getter]
    fn dropped(&self) -> u64 {
        self.dropped
    }

    fn __repr__(&self) -> String {
        format!(
            "SanitizedPart(data=<{} bytes>, documents={}, changed_documents={}, changes={}, errors={}, dropped={})",
            self.data_length, self.documents, self.changed_documents, self.changes, self.errors.len(), self.dropped
        )
    }

    /// One step of `akinv.io`'s sanitizing, written out as soon as it is made.
    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "cannot pickle a SanitizedPart: pickle its data or the SanitizeSummary instead",
        ))
    }
}
