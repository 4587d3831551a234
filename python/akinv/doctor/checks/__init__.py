"""The doctor's checks. Each is a function of the Context yielding findings; this module runs
them all, says which could not run for want of input, and ties the status's findings to them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from akinv.doctor.checks.capacity import check_conditions, check_overcommit
from akinv.doctor.checks.context import Context
from akinv.doctor.checks.device_plugin import check_device_plugins, check_gpu_requests
from akinv.doctor.checks.gpu_labels import check_gpu_labels, check_gpu_models
from akinv.doctor.checks.kernel import check_kernel_and_calico
from akinv.doctor.checks.status import check_status
from akinv.doctor.findings import DoctorFinding

__all__ = ["CLUSTER_CHECKS", "Context", "run_checks"]

Check = Callable[[Context], Iterable[DoctorFinding]]
CLUSTER_CHECKS: tuple[Check, ...] = (
    check_conditions,
    check_gpu_labels,
    check_gpu_models,
    check_gpu_requests,
    check_device_plugins,
    check_kernel_and_calico,
    check_overcommit,
)


def run_checks(context: Context) -> list[DoctorFinding]:
    findings = [finding for check in CLUSTER_CHECKS for finding in check(context)]
    findings.extend(check_status(context, findings))
    findings.extend(_missing_inputs(context))
    return findings


def _missing_inputs(context: Context) -> Iterable[DoctorFinding]:
    if context.cluster.pods is None:
        yield DoctorFinding(
            code="pods-not-given",
            severity="info",
            node=None,
            message=(
                "no PodList: the GPU request, device plugin, over-commit and calico-node checks did not run"
            ),
            evidence={},
            remedy="Give --pods FILE (`kubectl get pods -A -o json`), or let akinv doctor run kubectl.",
        )
    if context.status is None:
        yield DoctorFinding(
            code="status-not-given",
            severity="info",
            node=None,
            message="no provider status: its numbers were not checked against the cluster",
            evidence={},
            remedy=(
                "Give --status FILE or --status-url https://<provider>:8443/status (any status shape akinv reads)."
            ),
        )
