"""Type-checked with mypy --strict by scripts/test: the stubs must accept real use and reject misuse."""

from __future__ import annotations

import akinv

quantity_value: int = akinv.parse_quantity("503Gi")
millis: list[int] = akinv.parse_quantities(["1", "2"], milli=True)
version: str = akinv.__version__

akinv.parse_quantity(5)  # type: ignore[arg-type]
akinv.parse_quantity("1", True)  # type: ignore[call-arg]

report: akinv.Report = akinv.validate(b"{}", schema="legacy", policy=akinv.Policy(gpu=128, int_limit="js"))
ok: bool = report.ok
available: int = report.totals.gpu.available
codes: list[str] = [f.code for f in report.findings]
value: int | str | None = report.findings[0].value
sanitized: akinv.Sanitized = akinv.sanitize({"nodes": []})
data: bytes = sanitized.data
many: list[akinv.Report | akinv.PayloadError] = akinv.validate_many([b"{}", "{}"], threads=2)
for result in akinv.scan(["history.jsonl.gz"]):
    line: int | None = result.line

akinv.validate(b"{}", schema="v2")  # type: ignore[arg-type]
akinv.validate(b"{}", "legacy")  # type: ignore[call-arg]

order: akinv.Order = akinv.Order.from_sdl("version: '2.0'", group="dc")
from_json: akinv.Order = akinv.Order.from_group_spec(b"[]", name="westcoast")
order_findings: tuple[akinv.OrderFinding, ...] = akinv.Order.from_script_input({"resources": []}).findings
canonical: bytes = order.to_json()
limit: int | None = order_findings[0].limit
pricing: akinv.Pricing = akinv.Pricing.from_env({"PRICE_TARGET_CPU": "2"})
rate: str | None = pricing.quote(order, akt_usd="3.00").rate

akinv.Order.from_sdl(5)  # type: ignore[arg-type]
akinv.Order.from_sdl("", "dc")  # type: ignore[call-arg]
akinv.Pricing(cpu=1.6)  # type: ignore[arg-type]
