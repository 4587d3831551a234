"""akinv.parse_quantity against Kubernetes' grammar and the kubernetes client as an oracle."""

from __future__ import annotations

import decimal
import threading

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from kubernetes.utils import parse_quantity as k8s_parse_quantity

import akinv

I128_MAX = 2**127 - 1

# (text, Value(), MilliValue()): facts of Kubernetes' quantity semantics, re-derived by hand.
ACCEPTED = [
    ("0", 0, 0),
    ("1", 1, 1000),
    ("-1", -1, -1000),
    ("1.5", 2, 1500),
    ("-1.5", -2, -1500),
    (".5", 1, 500),
    ("1.", 1, 1000),
    ("100m", 1, 100),
    ("12500m", 13, 12500),
    ("1n", 1, 1),
    ("1u", 1, 1),
    ("1k", 10**3, 10**6),
    ("1M", 10**6, 10**9),
    ("1G", 10**9, 10**12),
    ("1.G", 10**9, 10**12),
    ("1T", 10**12, 10**15),
    ("1P", 10**15, 10**18),
    ("1E", 10**18, 10**21),
    ("1Ki", 1024, 1024000),
    ("1.5Ki", 1536, 1536000),
    ("503Gi", 503 * 2**30, 503000 * 2**30),
    ("1Ei", 2**60, 1000 * 2**60),
    ("8Ei", 2**63, 1000 * 2**63),  # Go caps this at 2^63 - 1; akinv is exact
    ("1e3", 1000, 10**6),
    ("1E3", 1000, 10**6),
    ("1e+3", 1000, 10**6),
    ("1e-3", 1, 1),
    ("0.0000000001", 1, 1),
    ("18446744073709551615", 2**64 - 1, (2**64 - 1) * 1000),
    ("1.8446744073709552e+19", 18446744073709552000, 18446744073709552000000),
]


@pytest.mark.parametrize(("text", "value", "milli"), ACCEPTED)
def test_values_match_kubernetes(text: str, value: int, milli: int) -> None:
    assert akinv.parse_quantity(text) == value
    assert akinv.parse_quantity(text, milli=True) == milli


REJECTED = [
    ("", "empty"),
    ("1K", "unknown suffix"),
    ("1ki", "unknown suffix"),
    ("1mi", "unknown suffix"),
    ("1e", "unknown suffix"),
    ("1e3Gi", "unknown suffix"),
    (" 1", "unexpected character"),
    ("1 ", "unexpected character"),
    ("1_000", "unexpected character"),
    ("0x10", "unexpected character"),
    ("inf", "no digits"),
    ("Gi", "no digits"),
    (".", "no digits"),
    ("-", "no digits"),
    ("1e4294967296", "exponent too large"),
    ("1e39", "too large"),
]


@pytest.mark.parametrize(("text", "reason"), REJECTED)
def test_bad_text_raises_quantity_error_quoting_input(text: str, reason: str) -> None:
    with pytest.raises(akinv.QuantityError) as info:
        akinv.parse_quantity(text)
    assert reason in str(info.value)
    assert repr(text).replace("'", '"') in str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, akinv.AkinvError)


# The kubernetes client is looser than Go's grammar; akinv follows Go. Each of these
# is accepted by the client and rejected by Kubernetes and akinv.
CLIENT_ONLY = ["1K", " 5 ", "5 Mi", "1_000Mi", "1e3Gi", "inf", "Infinity"]


@pytest.mark.parametrize("text", CLIENT_ONLY)
def test_kubernetes_client_leniency_is_not_copied(text: str) -> None:
    k8s_parse_quantity(text)  # the client takes it...
    with pytest.raises(akinv.QuantityError):
        akinv.parse_quantity(text)  # ...Kubernetes does not


def oracle(text: str, milli: bool) -> int:
    """The kubernetes client's Decimal, exact (wide context), rounded up away from zero."""
    with decimal.localcontext() as context:
        context.prec = 400
        value = k8s_parse_quantity(text)
        if milli:
            value *= 1000
        magnitude = abs(value).to_integral_value(rounding=decimal.ROUND_CEILING)
        return int(magnitude) if value >= 0 else -int(magnitude)


SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]


@st.composite
def quantity_texts(draw: st.DrawFn) -> str:
    sign = draw(st.sampled_from(["", "+", "-"]))
    integer = draw(st.text("0123456789", max_size=30))
    fraction = draw(st.none() | st.text("0123456789", max_size=30))
    if not integer and not fraction:
        integer = "0"
    number = integer if fraction is None else f"{integer}.{fraction}"
    if draw(st.booleans()):
        suffix = draw(st.sampled_from(SUFFIXES))
    else:
        exponent = draw(st.integers(-60, 60))
        suffix = draw(st.sampled_from(["e", "E"])) + draw(st.sampled_from(["", "+"])) + str(exponent)
        if exponent < 0:
            suffix = suffix.replace("+", "")
    # The client reads "1E" ... as exa only without digits after it, like Go.
    return sign + number + suffix


@given(quantity_texts(), st.booleans())
@example("9223372036854775808", False)
@example("1.5Ki", True)
@example("0.000000000000000000000000000000000000001Ei", False)
@example("170141183460469231731687303715884105727", False)
def test_matches_kubernetes_client(text: str, milli: bool) -> None:
    expected = oracle(text, milli)
    if abs(expected) > I128_MAX:
        with pytest.raises(akinv.QuantityError, match="too large"):
            akinv.parse_quantity(text, milli=milli)
    else:
        assert akinv.parse_quantity(text, milli=milli) == expected


@given(st.lists(quantity_texts(), max_size=50), st.booleans())
def test_batch_matches_single(texts: list[str], milli: bool) -> None:
    def one(text: str) -> int | None:
        try:
            return akinv.parse_quantity(text, milli=milli)
        except akinv.QuantityError:
            return None

    singles = [one(t) for t in texts]
    if None in singles:
        with pytest.raises(akinv.QuantityError, match=rf"texts\[{singles.index(None)}\]"):
            akinv.parse_quantities(texts, milli=milli)
    else:
        assert akinv.parse_quantities(texts, milli=milli) == singles


REALISTIC = ["64", "12500m", "503Gi", "1900G", "2e3", "-1", "18446744073709551615", "1.5Gi", "0"]


@pytest.mark.parametrize("bad_at", [0, 1023, 1024, 4095, 4096, 9_999])
def test_large_batch_reports_the_first_bad_text_across_chunks(bad_at: int) -> None:
    # Batches this large are parsed a chunk at a time on a second thread; the error must still
    # name the first bad text, not a later one from a chunk parsed ahead.
    texts = (REALISTIC * 1200)[:10_000]
    texts[bad_at] = "12K"
    if bad_at < len(texts) - 1:
        texts[-1] = "Gi"  # a later bad text, in a chunk that may be parsed ahead
    with pytest.raises(akinv.QuantityError, match=rf'texts\[{bad_at}\]: invalid quantity "12K"'):
        akinv.parse_quantities(texts)


@pytest.mark.parametrize("count", [4096, 4097, 50_000])
def test_large_batch_matches_single(count: int) -> None:
    texts = (REALISTIC * (count // len(REALISTIC) + 1))[:count]
    singles = [akinv.parse_quantity(t, milli=True) for t in texts]
    assert akinv.parse_quantities(texts, milli=True) == singles
    assert akinv.parse_quantities(iter(texts), milli=True) == singles  # not a list: copied first


def test_batch_is_thread_safe_and_releases_the_gil() -> None:
    texts = ["64", "12500m", "503Gi", "1900G", "2e3"] * 20_000
    expected = akinv.parse_quantities(texts, milli=True)
    results: list[list[int]] = []

    def work() -> None:
        results.append(akinv.parse_quantities(texts, milli=True))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_batch_accepts_any_sequence_and_rejects_non_strings() -> None:
    assert akinv.parse_quantities(("1Ki", "1")) == [1024, 1]
    assert akinv.parse_quantities([]) == []
    with pytest.raises(TypeError):
        akinv.parse_quantities([1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not a single str"):
        akinv.parse_quantities("64")


def test_a_str_that_is_not_unicode_text_is_a_quantity_error() -> None:
    # A lone surrogate raised UnicodeEncodeError, not the documented QuantityError.
    with pytest.raises(akinv.QuantityError, match="not Unicode text"):
        akinv.parse_quantity("1\ud800")
    with pytest.raises(akinv.QuantityError, match=r"texts\[1\]: .*not Unicode text"):
        akinv.parse_quantities(["1", "\udcff"])
