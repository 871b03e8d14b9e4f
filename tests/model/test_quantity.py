"""Kubernetes quantities as exact integer milli-units."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_karp.errors import QuantityError
from kubectl_karp.model.quantity import (
    MAX_MILLI,
    format_cpu,
    format_memory,
    format_memory_exact,
    format_quantity,
    parse_milli,
    parse_nonnegative_milli,
    to_units,
)

SUFFIXES: dict[str, Fraction | int] = {
    "": 1, "m": Fraction(1, 1000), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6)}

# Timing limits would make property tests flaky on busy machines.
no_deadline = settings(deadline=None)


def exact(text_number: str, suffix: str) -> Fraction:
    return Fraction(text_number) * SUFFIXES[suffix]


def ceil_milli(value: Fraction) -> int:
    scaled = value * 1000
    return -((-scaled.numerator) // scaled.denominator)


numbers = st.one_of(
    st.integers(0, 10**6).map(str),
    st.tuples(st.integers(0, 10**4), st.integers(0, 999)).map(lambda t: f"{t[0]}.{t[1]:03d}"),
    st.integers(1, 99).map(lambda n: f".{n}"),
)


@no_deadline
@given(numbers, st.sampled_from(sorted(SUFFIXES)), st.sampled_from(["", "-", "+"]))
def test_parse_canonical_forms(number: str, suffix: str, sign: str) -> None:
    value = exact(number, suffix) * (-1 if sign == "-" else 1)
    assert parse_milli(f"{sign}{number}{suffix}") == ceil_milli(value)


@no_deadline
@given(numbers, st.integers(-6, 6))
def test_parse_exponent_forms(number: str, exponent: int) -> None:
    value = Fraction(number) * Fraction(10) ** exponent
    assert parse_milli(f"{number}e{exponent}") == ceil_milli(value)
    assert parse_milli(f"{number}E{exponent}") == ceil_milli(value)


@no_deadline
@given(st.tuples(numbers, st.sampled_from(sorted(SUFFIXES))),
       st.tuples(numbers, st.sampled_from(sorted(SUFFIXES))))
def test_ordering_agrees_with_fractions(a: tuple[str, str], b: tuple[str, str]) -> None:
    fa, fb = exact(*a), exact(*b)
    ma, mb = parse_milli("".join(a)), parse_milli("".join(b))
    # Rounding up to milli-units keeps the order (never reverses it).
    if fa <= fb:
        assert ma <= mb
    if ma < mb:
        assert fa < fb


@no_deadline
@given(st.integers(-(10**15), 10**15))
def test_format_cpu_round_trips(milli: int) -> None:
    assert parse_milli(format_cpu(milli)) == milli


@no_deadline
@given(st.one_of(st.integers(-(10**18), 10**18),
                 st.integers(0, 2**20).map(lambda n: n * 2**20 * 1000),
                 st.integers(0, 10**6).map(lambda n: n * 10**6 * 1000)))
def test_exact_memory_round_trips(milli: int) -> None:
    assert parse_milli(format_memory_exact(milli)) == milli
    assert parse_milli(format_quantity("memory", milli)) == milli
    assert parse_milli(format_quantity("ephemeral-storage", milli)) == milli
    assert parse_milli(format_quantity("nvidia.com/gpu", milli)) == milli


@no_deadline
@given(st.integers(0, 2**50).map(lambda n: n * 1000))
def test_human_memory_is_close(milli: int) -> None:
    shown = parse_milli(format_memory(milli))
    if milli % (1024 * 1000) == 0:
        assert shown == milli  # whole binary units are exact
    else:  # one decimal in the largest unit: within 5%, or exact below 1Ki
        assert abs(shown - milli) * 20 <= milli


@pytest.mark.parametrize(("text", "milli"), [
    ("1", 1000), ("500m", 500), ("0.5", 500), ("1.5", 1500), ("2k", 2_000_000),
    ("1Ki", 1_024_000), ("1Gi", 2**30 * 1000), ("1e3", 1_000_000), ("1E3", 1_000_000),
    ("1E", 10**18 * 1000), ("1n", 1), ("1u", 1), ("0.1m", 1), ("-0.1m", 0), (".5", 500),
    ("5.", 5000), ("+1", 1000), ("0", 0), (" 2 ", 2000),
])
def test_parse_table(text: str, milli: int) -> None:
    assert parse_milli(text) == milli


@pytest.mark.parametrize(("value", "milli"), [(2, 2000), (1.5, 1500), (1e-07, 1), (0, 0)])
def test_yaml_numbers(value: object, milli: int) -> None:
    assert parse_milli(value) == milli


@pytest.mark.parametrize("text", [
    "", "abc", "1.2.3", "1Gb", "1 Gi", "1gi", "Gi", "1e", "1e3Gi", "--1", "1K", "1mi",
    "nan", "١", "0x10", "1_000",
])
def test_invalid_strings_name_the_field(text: str) -> None:
    where = "spec.containers[0].resources.requests.cpu"
    with pytest.raises(QuantityError) as err:
        parse_milli(text, where=where)
    assert str(err.value).startswith(f"{where}: ")
    assert err.value.where == where


@pytest.mark.parametrize("value", [None, True, [], {}, float("inf"), float("nan")])
def test_non_quantities(value: object) -> None:
    with pytest.raises(QuantityError, match=r"limits\.memory"):
        parse_milli(value, where="limits.memory")


@pytest.mark.parametrize("text", ["1e31", "1e-31", "1e99999999", "10000000000000000Ei",
                                  str(2**63), "9223372036854775808"])
def test_absurd_values_rejected(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_milli(text)


def test_limits() -> None:
    assert parse_milli(str(2**63 - 1)) == MAX_MILLI
    with pytest.raises(QuantityError, match="negative"):
        parse_nonnegative_milli("-1", where="x")
    assert to_units(1) == 1 and to_units(1000) == 1 and to_units(1001) == 2 and to_units(0) == 0


def test_formats() -> None:
    assert format_cpu(2000) == "2" and format_cpu(1930) == "1930m"
    assert format_memory_exact(2**30 * 1000) == "1Gi"
    assert format_memory_exact(1536 * 2**20 * 1000) == "1536Mi"
    assert format_memory_exact(1_500_000_000) == "1500k"
    assert format_memory_exact(1001_000) == "1001"
    assert format_memory_exact(500) == "500m"
    assert format_memory_exact(0) == "0"
    assert format_quantity("memory", 1_500_000_000) == "1500k"
    assert format_memory(int(14.7 * 2**30) * 1000) == "14.7Gi"
    assert format_memory(2 * 2**30 * 1000) == "2Gi"
    assert format_memory(512_000) == "512"
    assert format_memory(1_500_000_000) == "1.4Mi"
    assert format_quantity("cpu", 250) == "250m"
    assert format_quantity("pods", 110_000) == "110"
