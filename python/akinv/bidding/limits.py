"""What the chain accepts in a deployment (chain-sdk ``deployment/v1beta4`` ``validation_config.go``,
``resourceunit.go``): an order beyond these limits is still read, and carries a finding naming the limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from akinv.bidding.quantities import DEC_PLACES, parse_dec
from akinv.bidding.spec import OrderFinding, OrderSpec

__all__ = ["check"]

MI, TI = 2**20, 2**40
UNIT_CPU = (10, 384_000)
UNIT_GPU = (0, 24)
UNIT_MEMORY = (MI, 2 * TI)
UNIT_STORAGE = (5 * MI, 32 * TI)
UNIT_PRICE_MAX = 10_000_000
GROUP_GPU_MAX = UNIT_GPU[1] * 50


def check(spec: OrderSpec, paths: Sequence[str]) -> list[OrderFinding]:
    """Findings for every unit value outside the chain's limits (``paths[i]`` locates unit i)."""
    findings: list[OrderFinding] = []

    def outside(value: int, bounds: tuple[int, int], what: str, path: str) -> None:
        low, high = bounds
        if value < low or value > high:
            limit = low if value < low else high
            findings.append(
                OrderFinding(
                    code="chain-limit",
                    message=f"{what} {value} is outside the chain's limits [{low}, {high}]: "
                    "the chain refuses this deployment",
                    path=path,
                    value=value,
                    limit=limit,
                )
            )

    gpus = 0
    for unit, path in zip(spec.units, paths, strict=True):
        outside(unit.cpu_millis, UNIT_CPU, "cpu millicores", f"{path}.cpu")
        outside(unit.gpu_units, UNIT_GPU, "gpu units", f"{path}.gpu")
        outside(unit.memory_bytes, UNIT_MEMORY, "memory bytes", f"{path}.memory")
        for volume in unit.storage:
            outside(volume.bytes, UNIT_STORAGE, f"storage {volume.name!r} bytes", f"{path}.storage")
        if unit.count < 1:
            outside(unit.count, (1, 2**32 - 1), "count", f"{path}.count")
        if (
            unit.price is not None
            and parse_dec(unit.price.amount, allow_zero=True) > UNIT_PRICE_MAX * 10**DEC_PLACES
        ):
            findings.append(
                OrderFinding(
                    code="chain-limit",
                    message=f"unit price {unit.price.amount}{unit.price.denom} is above the chain's "
                    f"{UNIT_PRICE_MAX} per block: the chain refuses this deployment",
                    path=f"{path}.price",
                    value=unit.price.amount,
                    limit=UNIT_PRICE_MAX,
                )
            )
        gpus += unit.gpu_units * unit.count
    if gpus > GROUP_GPU_MAX:
        findings.append(
            OrderFinding(
                code="chain-limit",
                message=f"the group asks for {gpus} GPUs, above the chain's {GROUP_GPU_MAX}",
                value=gpus,
                limit=GROUP_GPU_MAX,
            )
        )
    return findings
