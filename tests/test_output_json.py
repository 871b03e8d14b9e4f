"""render/output.indented_json is json.dumps(indent=2, ensure_ascii=False, default=str) to
the byte, NaN refusal included: every -o json document goes through it."""

from __future__ import annotations

import enum
import json
import math
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_karp.render.output import indented_json, to_json


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Word(str, enum.Enum):
    YES = "yes"


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(), st.sampled_from(["", "\x00\x1b\n\t\"\\", "ünïcödé ✓", "\u2028\ud7ff",
                                "{[,]}: \"x\""]),
    st.just(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)), st.just(Colour.RED),
    st.just(Level.HIGH), st.just(Word.YES))
_KEYS = st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none())
_DATA = st.recursive(
    _SCALARS, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_KEYS, inner, max_size=4),
        st.dictionaries(st.text(max_size=3), inner, max_size=3).map(OrderedDict)),
    max_leaves=30)


def _stdlib(data: Any, allow_nan: bool) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str, allow_nan=allow_nan)


@settings(deadline=None, max_examples=400)
@given(_DATA)
def test_same_bytes_as_the_standard_library(data: Any) -> None:
    assert indented_json(data, allow_nan=True) == _stdlib(data, True)
    try:
        expected = _stdlib(data, False)
    except ValueError:
        with pytest.raises(ValueError):
            indented_json(data, allow_nan=False)
    else:
        assert indented_json(data, allow_nan=False) == expected


def test_unknown_numbers_become_null() -> None:
    assert to_json({"price": math.nan, "list": [math.inf, 1.5]}) == \
        '{\n  "price": null,\n  "list": [\n    null,\n    1.5\n  ]\n}\n'


def test_keys_of_other_types_are_refused_as_json_does() -> None:
    with pytest.raises(TypeError):
        indented_json({(1, 2): "tuple key"})
