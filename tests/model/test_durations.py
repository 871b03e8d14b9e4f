"""Go-style durations as Karpenter writes them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_karp.errors import InputError
from kubectl_karp.model.durations import format_duration, parse_duration

# Timing limits would make property tests flaky on busy machines.
no_deadline = settings(deadline=None)


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("5m", 300), ("720h", 2_592_000), ("1h30m", 5400), ("1h0m5s", 3605),
    ("0", 0), ("0s", 0), ("1.5h", 5400), ("4.35h", 15660), ("1500ms", 1), ("999ms", 0),
    ("90000000ns", 0), ("2000000us", 2), ("2000000µs", 2), (" 10m ", 600),
    ("Never", None),
])
def test_parse(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5d", "m", "1h 30m", "-5m", "1.h", "abc", "5mm",
                                  "٣s", "1e3s", "h1"])
def test_invalid_names_the_field(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_duration(text, where="spec.disruption.consolidateAfter")
    assert str(err.value).startswith("spec.disruption.consolidateAfter: ")


@pytest.mark.parametrize("value", [None, True, 1.5, ["5m"]])
def test_wrong_types(value: object) -> None:
    with pytest.raises(InputError, match="expireAfter"):
        parse_duration(value, where="expireAfter")


def test_never_can_be_refused() -> None:
    with pytest.raises(InputError, match="Never"):
        parse_duration("Never", where="x", allow_never=False)
    assert parse_duration(0) == 0


@no_deadline
@given(st.integers(0, 10**7))
def test_format_round_trips(seconds: int) -> None:
    text = format_duration(seconds)
    assert parse_duration(text) == seconds


def test_format() -> None:
    assert format_duration(None) == "Never"
    assert format_duration(0) == "0s"
    assert format_duration(5400) == "1h30m"
    assert format_duration(2_592_000) == "720h"
    assert format_duration(61) == "1m1s"
