"""Every public type pickles (to another process, too) and comes back equal; reprs read like
Python, not like the Rust behind them."""

from __future__ import annotations

import copy
import pickle
import re
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from typing import Any

import pytest
from documents import GPU_H100, dumps, legacy, legacy_node, v1, v1_node
from test_matching import MODELS, WILDCARD, order
from test_matching import v1 as matching_v1

import akinv
from akinv import _akinv

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
WRAPPED = dumps(legacy(legacy_node("h100-a", gpu=2**64 - 1), legacy_node("h100-b")))
V1 = dumps(v1(v1_node("h100-a"), v1_node("h100-b", gpu=("0", "5"), gpu_info=[GPU_H100] * 8)))


def round_trip(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def readable(value: Any) -> Any:
    """What a user can read of a value: its public attributes' values, all the way down."""
    if isinstance(value, list | tuple):
        return [readable(item) for item in value]
    if isinstance(value, dict):
        return {key: readable(item) for key, item in value.items()}
    if isinstance(value, str | bytes | int | float | bool | datetime | type(None)):
        return value
    attributes = {"type": type(value).__name__, "repr": repr(value)}
    for name in dir(value):
        if not name.startswith("_") and not callable(attribute := getattr(value, name)):
            attributes[name] = readable(attribute)
    return attributes


def same(a: Any, b: Any) -> bool:
    """Equal as far as a user can tell: the same type, repr and readable data."""
    return type(a) is type(b) and readable(a) == readable(b)


PROVIDERS = [
    ("fits", matching_v1([{"name": "n", "cpu": 64, "memory": 512, "devices": [MODELS[1]] * 8}])),
    ("small", matching_v1([{"name": "n", "cpu": 2, "memory": 4, "devices": []}])),
    ("broken", b"{"),
]
TWO_MODELS = matching_v1(
    [
        {"name": "a-h100", "cpu": 64, "memory": 512, "devices": [MODELS[0]] * 8},
        {"name": "b-t4", "cpu": 8, "memory": 32, "devices": [MODELS[3]]},
    ],
    pools={"beta3": 100},
)
PRICING = _akinv.Pricing(cpu="1.7", gpu_mappings="t4=80,h100=1800,a100=900")


def bid_matching_objects() -> dict[str, list[Any]]:
    """Each bid-matching type, in every state a user can hold it in."""
    inventory = akinv.Inventory.from_status(TWO_MODELS)
    reserved = akinv.Inventory.from_status(TWO_MODELS)
    assert reserved.reserve(order(8, 16, 1, WILDCARD, count=2), dry_run=False).ok
    gpu = order(4, 16, 1, WILDCARD)
    reservations = [
        inventory.reserve(gpu, pricing=PRICING),  # ok, with a quote
        inventory.reserve(order(100, 16, 1, WILDCARD)),  # no fit: every node says why
        inventory.reserve(order(1, 1, 1, WILDCARD), mode="exact", wildcard="cheapest", pricing=PRICING),
        inventory.reserve(order(1, 1, 0, [], denom="uakt"), pricing=PRICING),  # a quote that fails
        akinv.Inventory.from_status(WRAPPED).reserve(gpu),  # a legacy document: notes
    ]
    matches = akinv.match(gpu, PROVIDERS, pricing=PRICING)
    quotes = [PRICING.quote(gpu), PRICING.quote(order(1, 1, 0, [], denom="ufoo"))]
    return {
        "Inventory": [inventory, reserved],
        "Inventories": [akinv.Inventories(PROVIDERS), akinv.Inventories([])],
        "Reservation": reservations,
        "Match": matches,
        "Quote": quotes,
        "OrderCore": [gpu],
        "Pricing": [PRICING, _akinv.Pricing()],
    }


def every_public_object() -> dict[str, list[Any]]:
    """Objects of each public type, with as much inside them as a document can give."""
    report = akinv.validate(V1)
    sanitized = akinv.sanitize(WRAPPED)
    legacy_report = akinv.validate(WRAPPED)
    scanned = akinv.ScanResult("docs.jsonl", 3, report, None)
    summary = akinv.SanitizeSummary(documents=2, changed_documents=1, changes=1, errors=[("x", 2, "bad")])
    summary.reasons["wrapped-negative"] += 1
    reports = {
        "Report": [report, legacy_report],
        "Finding": [report.findings[0], legacy_report.findings[0]],
        "NodeSummary": [report.nodes[1]],
        "Totals": [report.totals],
        "Usage": [legacy_report.totals.gpu],  # withheld figures
        "GpuGroup": [legacy_report.gpus[0]],  # no device info
        "GpuDevice": [report.nodes[0].gpu_devices[0]],
        "Change": [sanitized.changes[0]],
        "Sanitized": [sanitized],
        "Policy": [akinv.Policy(gpu=16, int_limit="js", severity={"negative": "warning"})],
        "ScanResult": [scanned],
        "SanitizeSummary": [summary],
        "AkinvError": [akinv.AkinvError("something")],
        "QuantityError": [akinv.QuantityError('invalid quantity "12K"')],
        "PayloadError": [akinv.PayloadError("cannot read x")],
        "MalformedJSONError": [akinv.MalformedJSONError("malformed", 3, 7)],
        "UnknownShapeError": [akinv.UnknownShapeError("no known shape")],
        "PayloadTooLargeError": [akinv.PayloadTooLargeError("too large")],
        "Order": [akinv.Order.from_script_input({"resources": [{"cpu": 1000, "memory": 2**30, "count": 2}]})],
        "OrderFinding": [
            akinv.OrderFinding("chain-limit", "cpu 500000 is above 384000", "$.x", None, 500000, 384000)
        ],
        "OrderError": [akinv.OrderError("line 3: cpu: '8K' is not a decimal number", path="cpu", line=3)],
        "Pricing": [akinv.Pricing(cpu="2.5", gpu_mappings="a100=900,*=2000")],
        "FetchOptions": [akinv.FetchOptions(concurrency=8, max_bytes=2**40, policy=akinv.Policy(gpu=16))],
        "FetchResult": [
            akinv.FetchResult("https://p:8443/status", NOW, 0.25, 1, 200, sanitized=sanitized),
            akinv.FetchResult(
                "https://q:8443/status", NOW, 10.0, 3, error="timeout", reason="timed out after 10 s"
            ),
        ],
    }
    return reports | bid_matching_objects()


def public_types() -> set[str]:
    """Every class a user can reach: akinv's, and those of the compiled module it wraps."""
    names = {name for name in akinv.__all__ if isinstance(getattr(akinv, name), type)}
    compiled = {
        name for name in dir(_akinv) if not name.startswith("_") and isinstance(getattr(_akinv, name), type)
    }
    return names | compiled


# Machinery: a stream mid-read, one step of its sanitizing, a tracker on an open store. They refuse
# pickling and say what to pickle instead.
MACHINERY = {"DocumentStream", "SanitizedPart", "Tracker"}


def test_every_public_type_is_covered() -> None:
    assert public_types() == set(every_public_object()) | MACHINERY


def test_reading_machinery_refuses_pickling_and_reads_like_python() -> None:
    stream = _akinv.DocumentStream(format="lines", limit=1000)
    stream.push(WRAPPED + b"\n")
    stream.end()
    part = stream.sanitize()
    assert part is not None
    assert repr(stream) == "DocumentStream(format='lines', limit=1000, line=2)"
    assert repr(part) == (
        f"SanitizedPart(data=<{len(part.data)} bytes>, documents=1, changed_documents=1, changes=1, errors=0, dropped=0)"
    )
    for machinery, instead in ((stream, "its reports"), (part, "its data")):
        with pytest.raises(TypeError, match=f"cannot pickle a {type(machinery).__name__}: .*{instead}"):
            pickle.dumps(machinery)


def test_a_tracker_refuses_pickling_and_names_its_store() -> None:
    from akinv.index import connect

    with connect("sqlite:///:memory:") as store:
        with pytest.raises(TypeError, match="cannot pickle a Tracker: it holds an open store"):
            pickle.dumps(akinv.Tracker(store))


# Views into a report compare as the data they show, not as objects.
NOT_COMPARED = {"NodeSummary", "Totals", "GpuGroup"}


@pytest.mark.parametrize("name", sorted(every_public_object()))
def test_pickle_round_trip(name: str) -> None:
    for original in every_public_object()[name]:
        for copied in (round_trip(original), copy.deepcopy(original), copy.copy(original)):
            assert same(copied, original), (copied, original)
            if not isinstance(original, BaseException) and name not in NOT_COMPARED:
                assert copied == original and not copied != original
            if isinstance(original, akinv.PayloadError):
                assert (copied.line, copied.column, copied.message) == (
                    original.line,
                    original.column,
                    original.message,
                )


def test_a_reservation_comes_back_the_same() -> None:
    for reservation in bid_matching_objects()["Reservation"]:
        copied = round_trip(reservation)
        for attribute in ("ok", "no_fit", "units", "quirks", "notes", "options"):
            assert getattr(copied, attribute) == getattr(reservation, attribute), attribute
        assert repr(copied.quote) == repr(reservation.quote)
        assert copied.allocated_script_input() == reservation.allocated_script_input()
    ok, no_fit, exact, unpriced, legacy = bid_matching_objects()["Reservation"]
    assert isinstance(ok.quote, akinv.Quote) and no_fit.no_fit and exact.options
    assert isinstance(unpriced.quote, ValueError) and legacy.notes


def test_a_reserved_inventory_keeps_what_it_gave() -> None:
    fresh, reserved = bid_matching_objects()["Inventory"]
    assert reserved != fresh and reserved.nodes != fresh.nodes
    copied = round_trip(reserved)
    assert copied == reserved and copied.nodes == reserved.nodes
    # It goes on as the original would: the next reservation sees what the first took.
    big = order(50, 16, 1, WILDCARD)
    assert copied.reserve(big, dry_run=False) == reserved.reserve(big, dry_run=False)
    assert copied == reserved and not copied.reserve(big).ok


def test_a_match_pickles_what_it_says_not_its_inventory() -> None:
    fits, small, broken = bid_matching_objects()["Match"]
    for result in (fits, small, broken):
        assert round_trip(result) == result
    assert round_trip(small).reason == small.reason and "no node has room" in str(small.reason)
    assert isinstance(round_trip(broken).error, akinv.MalformedJSONError)
    # A match's state holds its answer, not the provider's whole report.
    many = matching_v1([{"name": f"n{i}", "cpu": 2, "memory": 4, "devices": []} for i in range(200)])
    [full] = akinv.match(order(4, 16, 1, WILDCARD), [("many", many)])
    assert round_trip(full) == full and "197 more nodes" in str(round_trip(full).reason)
    assert len(pickle.dumps(full)) * 10 < len(pickle.dumps(akinv.Inventory.from_status(many)))


def test_a_pickled_report_is_the_whole_report() -> None:
    report = akinv.validate(V1)
    copied = round_trip(report)
    assert copied == report and copied.to_dict() == report.to_dict()
    assert [f.to_dict() for f in copied.findings] == [f.to_dict() for f in report.findings]
    assert copied.nodes[1].gpu_devices == report.nodes[1].gpu_devices
    assert copied.reservations == report.reservations and copied.counters == report.counters
    # Findings are values: from a report, or alone, they compare equal.
    assert round_trip(report.findings) == report.findings


def test_parts_pickle_without_the_rest_of_their_report() -> None:
    big = akinv.validate(dumps(v1(*(v1_node(f"n{i}") for i in range(64)))))
    assert len(pickle.dumps(big.nodes[0])) * 20 < len(pickle.dumps(big))
    assert len(pickle.dumps(big.totals)) * 20 < len(pickle.dumps(big))


def states() -> list[tuple[str, bytes]]:
    """The kind and the state of one object of each type that pickles through _restore."""
    found = []
    for objects in every_public_object().values():
        reduced = objects[0].__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        if reduced[0] is _akinv._restore:
            kind, state = reduced[1]
            found.append((kind, state))
    return found


# Made from arguments, these pickle as those arguments (which survive a new version of akinv).
MADE_FROM_ARGUMENTS = {"Policy", "Pricing", "OrderCore"}


def test_every_rust_type_pickles_through_one_restore() -> None:
    compiled = {name for name in public_types() if hasattr(_akinv, name)}
    assert {kind for kind, _ in states()} == compiled - MADE_FROM_ARGUMENTS - MACHINERY


@pytest.mark.parametrize(("kind", "state"), states(), ids=[kind for kind, _ in states()])
def test_state_from_elsewhere_is_refused(kind: str, state: bytes) -> None:
    restore = _akinv._restore
    assert same(restore(kind, state), restore(kind, state))
    cut = f"cannot unpickle {kind}: its state is cut short"
    for end in (0, 1, 4, len(state) // 2, len(state) - 1):
        with pytest.raises(ValueError, match=cut):
            restore(kind, state[:end])
    changed = bytearray(state)
    changed[len(state) // 2] ^= 0x20
    with pytest.raises(ValueError, match=f"cannot unpickle {kind}: its state is cut short or corrupt"):
        restore(kind, bytes(changed))
    # Format 1 was akinv's hand-written format, before serde.
    with pytest.raises(
        ValueError, match=f"cannot unpickle {kind}: its state is of format 1, .* reads format 2"
    ):
        restore(kind, b"\x01" + state[1:])
    with pytest.raises(ValueError, match=f"cannot unpickle {kind}: its state does not read"):
        restore(kind, forged(state, b"\x00" * 3))


def forged(state: bytes, extra: bytes) -> bytes:
    """`state` with `extra` after its value, and a checksum that matches: state made by hand."""
    body = state[:-4] + extra
    return body + zlib.crc32(body).to_bytes(4, "little")


def test_state_of_another_kind_is_refused() -> None:
    report = akinv.validate(V1)
    _, (_, state) = report.__reduce__()
    with pytest.raises(ValueError, match="cannot unpickle Finding: its state is another kind of object's"):
        _akinv._restore("Finding", state)  # a whole report is not one finding
    with pytest.raises(ValueError, match="cannot unpickle Inventory: its state does not read"):
        _akinv._restore("Inventory", state)
    with pytest.raises(ValueError, match="cannot unpickle Spline: akinv has no such type"):
        _akinv._restore("Spline", state)


def validate_in_child(payload: bytes, policy: akinv.Policy) -> tuple[akinv.Report, list[akinv.Finding]]:
    report = akinv.validate(payload, policy=policy)
    return report, report.findings


def test_reports_cross_process_pools() -> None:
    policy = akinv.Policy(severity={"wrapped-negative": "warning"})
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(validate_in_child, [WRAPPED, V1], [policy, policy]))
    for (report, findings), payload in zip(results, [WRAPPED, V1], strict=True):
        here = akinv.validate(payload, policy=policy)
        assert report == here and findings == here.findings
    assert results[0][0].ok  # the policy went along


def reserve_in_child(
    inventory: akinv.Inventory, unit: _akinv.OrderCore
) -> tuple[akinv.Inventory, akinv.Reservation]:
    reservation = inventory.reserve(unit, pricing=PRICING, dry_run=False)
    return inventory, reservation


def test_inventories_cross_process_pools() -> None:
    unit = order(8, 16, 1, WILDCARD)
    inventories = [akinv.Inventory.from_status(TWO_MODELS), akinv.Inventory.from_status(WRAPPED)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(reserve_in_child, inventories, [unit, unit]))
    for (inventory, reservation), here in zip(results, inventories, strict=True):
        assert reservation == here.reserve(unit, pricing=PRICING, dry_run=False)
        assert inventory == here  # the child's reservation came back with it
    assert results[0][1].ok and results[0][1].quote == inventories[0].reserve(unit, pricing=PRICING).quote


def test_reprs_show_python_values() -> None:
    for name, objects in every_public_object().items():
        for value in objects:
            text = repr(value)
            assert text.startswith(f"{name}("), text
            # Rust's Debug would write Some("x"), "x" and true; a group without labels was ///.
            assert "Some(" not in text and "///" not in text, text
            assert not re.search(r'=(true|false)\b|="|\((ok|no fit|refused)[,:]', text), text


def test_bid_matching_reprs_say_what_happened() -> None:
    objects = bid_matching_objects()
    fresh, reserved = objects["Inventory"]
    assert repr(fresh) == "Inventory(schema='v1', nodes=2, has_devices=True, free_gpus=9)"
    assert repr(reserved) == "Inventory(schema='v1', nodes=2, has_devices=True, free_gpus=7)"
    assert repr(objects["Inventories"][0]) == "Inventories(providers=3, readable=2)"
    ok, no_fit, exact, unpriced, legacy = objects["Reservation"]
    rate = ok.quote.rate if isinstance(ok.quote, akinv.Quote) else None
    assert repr(ok) == f"Reservation(ok=True, nodes=['a-h100'], gpus=['h100'], rate={rate!r})"
    assert repr(no_fit).startswith(
        "Reservation(ok=False, kind='insufficient-capacity', message='no node has room"
    )
    assert repr(exact).startswith("Reservation(ok=True, nodes=['b-t4'], gpus=['t4'], rate='")
    assert repr(unpriced) == "Reservation(ok=True, nodes=['a-h100'], gpus=[], rate=None)"
    assert repr(legacy) == "Reservation(ok=True, nodes=['h100-b'], gpus=[], rate=None)"
    fits, small, broken = objects["Match"]
    assert repr(fits).startswith("Match(provider='fits', ok=True, gpus=['a100'], rate='")
    assert repr(small).startswith(
        "Match(provider='small', ok=False, kind='insufficient-capacity', reason='no node"
    )
    assert repr(broken).startswith(
        "Match(provider='broken', ok=False, kind='unreadable', reason='malformed JSON"
    )
    bid, refused = objects["Quote"]
    assert repr(bid) == f"Quote(rate={bid.rate!r}, denom='uact', usd_per_month={bid.usd_per_month!r})"
    assert repr(refused).startswith("Quote(rate=None, denom='ufoo', usd_per_month=")
    assert "exit_code=1, stderr='" in repr(refused)
    assert repr(objects["OrderCore"][0]) == "OrderCore(source='test', units=['web'])"
    assert repr(PRICING) == "Pricing(cpu='1.7', gpu_mappings='t4=80,h100=1800,a100=900')"


def test_totals_repr_shows_the_figures() -> None:
    report = akinv.validate(V1)
    text = repr(report.totals)
    gpu = report.totals.gpu
    assert (
        f"gpu=Usage(allocatable={gpu.allocatable}, allocated={gpu.allocated}, available={gpu.available})"
        in text
    )
    assert text.startswith("Totals(cpu_millis=Usage(allocatable=128000,")
    assert "storage={'beta3': Usage(" in text


def test_node_repr_names_the_node_as_python_would() -> None:
    node = akinv.validate(V1).nodes[1]
    text = repr(node)
    assert text.startswith("NodeSummary(name='h100-b', index=1, cpu_millis=Usage(")
    assert "gpu=Usage(allocatable=0, allocated=5, available=0)" in text
    device = "GpuDevice(vendor='nvidia', model='h100', memory_size='80Gi', interface='SXM5')"
    assert f"gpu_devices=[{device}] * 8" in text and "storage_classes=['beta3']" in text
    unnamed = akinv.validate({"cluster": {"inventory": {"available": {"nodes": [{"cpu": 1, "memory": 2}]}}}})
    assert repr(unnamed.nodes[0]).startswith("NodeSummary(name=None, index=0,")


def test_gpu_group_without_device_info_shows_question_marks() -> None:
    [group] = akinv.validate(WRAPPED).gpus
    assert repr(group) == (
        "GpuGroup(vendor=?, model=?, memory_size=?, interface=?, allocatable=16, available=6, devices=0, "
        "withheld=True)"
    )
    [h100] = akinv.validate(dumps(v1(v1_node()))).gpus
    assert repr(h100).startswith(
        "GpuGroup(vendor='nvidia', model='h100', memory_size='80Gi', interface='sxm5',"
    )


def test_report_finding_usage_change_reprs() -> None:
    report = akinv.validate(WRAPPED)
    assert repr(report) == (
        "Report(schema='legacy', ok=False, inventory_ready=True, nodes=2, findings={'wrapped-negative': 1})"
    )
    finding = report.findings[0]
    assert repr(finding) == (
        "Finding(code='wrapped-negative', severity='error', "
        "path='cluster.inventory.available.nodes[0].available.gpu', node='h100-a', resource='gpu', "
        f"value={2**64 - 1}, message={finding.message!r})"
    )
    assert "withheld=['allocated', 'available']" in repr(report.totals.gpu)
    change = akinv.sanitize(WRAPPED).changes[0]
    assert repr(change) == (
        f"Change(path={change.path!r}, original='18446744073709551615', replacement='0', "
        f"reason='wrapped-negative', start={change.start}, end={change.end})"
    )


def test_payload_error_repr_says_where() -> None:
    with pytest.raises(akinv.MalformedJSONError) as caught:
        akinv.validate(b'{"a": }')
    assert re.fullmatch(r"MalformedJSONError\('.*', line=1, column=7\)", repr(caught.value))


def test_summary_counter_survives() -> None:
    [summary] = every_public_object()["SanitizeSummary"]
    assert round_trip(summary).reasons == Counter({"wrapped-negative": 1})
