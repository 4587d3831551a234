"""``akinv.dask.scan``: re-validate archives on a Dask cluster (see akinv.index.dask)."""

from akinv.index.dask import ScanSummary, scan

__all__ = ["ScanSummary", "scan"]
