"""Shared field readers of the parsers: type checks that name the document and field on error,
labels, timestamps, quantities and conditions."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, TypeVar

from kubectl_karp.errors import InputError, QuantityError
from kubectl_karp.model.names import printable
from kubectl_karp.model.objects import (
    Condition,
)
from kubectl_karp.model.quantity import milli_of, parse_nonnegative_milli


def describe(doc: Mapping[str, Any], origin: str) -> str:
    """``origin`` plus the document's kind and name, for messages."""
    kind = doc.get("kind", "?")
    meta = doc.get("metadata") or {}
    name = meta.get("name", "?") if isinstance(meta, Mapping) else "?"
    namespace = meta.get("namespace") if isinstance(meta, Mapping) else None
    ident = f"{namespace}/{name}" if namespace else str(name)
    # Names reach notes and errors: escape what could drive the terminal.
    return printable(f"{origin} ({kind} {ident})")


# The readers take ``where`` (the document) and ``at`` (the field below it) apart and join
# them only to report an error: a snapshot has tens of thousands of objects, each read field by
# field, and the error path is the rare one. Exact types (dict, list, str) take the first test.

def _map(value: Any, where: str, at: str = "") -> Mapping[str, Any]:
    if type(value) is dict:
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"expected a mapping, got {type(value).__name__}", where=where + at)
    return value


def _list(value: Any, where: str, at: str = "") -> Sequence[Any]:
    if type(value) is list:
        return value
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise InputError(f"expected a list, got {type(value).__name__}", where=where + at)
    return value


def _str(value: Any, where: str, default: str = "", at: str = "") -> str:
    if type(value) is str:
        return value
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"expected a string, got {type(value).__name__}", where=where + at)
    return str(value)


def _name(value: Any, where: str, default: str = "", at: str = "") -> str:
    """A name or namespace, control characters escaped: a name carrying a terminal escape
    sequence must not reach the terminal raw (the API server would refuse it anyway)."""
    return printable(_str(value, where, default, at) or "")


def _int(value: Any, where: str, default: int | None = None, at: str = "") -> int | None:
    if value is None:
        return default
    if isinstance(value, bool):
        raise InputError(f"expected an integer, got {value!r}", where=where + at)
    if isinstance(value, int):
        if abs(value) >= 2**63:
            raise InputError("integer out of range (more than 64 bits)", where=where + at)
        return value
    # ASCII digits only: "²" passes str.isdigit() but int() refuses it.
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    raise InputError(f"expected an integer, got {_short(value)}", where=where + at)


_INT_RE = re.compile(r"-?[0-9]{1,18}")


_DIGITS_RE = re.compile(r"[0-9]{1,18}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _labels(value: Any, where: str, at: str = "") -> dict[str, str]:
    if not value and type(value) is dict:
        return {}
    mapping = _map(value, where, at)
    return {str(k): "" if v is None else str(v) for k, v in mapping.items()}


# Timestamps are added to durations (expireAfter up to ~292 years); near datetime's limits
# that would overflow, and no cluster object is dated there.
_EARLIEST = datetime(1000, 1, 1, tzinfo=timezone.utc)


_LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)


def _in_range(moment: datetime, value: Any, where: str) -> datetime:
    try:
        ok = _EARLIEST <= moment <= _LATEST
    except OverflowError:  # an offset that pushes it past datetime's range
        ok = False
    if not ok:
        raise InputError(f"timestamp {_short(str(value))} is out of range (years 1000 to "
                         "9000)", where=where)
    return moment


def parse_time(value: Any, where: str = "", at: str = "") -> datetime | None:
    if value is None or value == "":
        return None
    if type(value) is str:
        parsed = _rfc3339(value)  # remembered: a snapshot's objects share a few timestamps
        if parsed is not None:
            return parsed
    return _parse_time(value, where + at)


@lru_cache(maxsize=4096)
def _rfc3339(value: str) -> datetime | None:
    """``value`` as a timestamp when it is a valid, in-range one, else None (the caller then
    reports why, with the field's location)."""
    try:
        return _parse_time(value, "")
    except InputError:
        return None


def _quiet_time(value: Any) -> datetime | None:
    """A datetime (YAML reads unquoted timestamps as such) when valid, else None."""
    try:
        return _parse_time(value, "") if isinstance(value, datetime) else None
    except InputError:
        return None


def _parse_time(value: Any, where: str) -> datetime | None:
    if isinstance(value, datetime):
        return _in_range(value if value.tzinfo else value.replace(tzinfo=timezone.utc),
                         value, where)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(f"invalid timestamp {_short(value)} (expected RFC 3339)",
                             where=where) from None
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        return _in_range(parsed, value, where)
    raise InputError(f"invalid timestamp {value!r}", where=where)


def parse_resources(value: Any, where: str, at: str = "") -> dict[str, int]:
    if type(value) is dict:
        out: dict[str, int] = {}
        for name, quantity in value.items():
            # A valid quantity string is read through the remembered parser; anything else
            # takes the checked path, which names the field in its error.
            milli = _fast_milli(quantity) if type(name) is str else None
            out[name if milli is not None else str(name)] = milli if milli is not None else \
                parse_nonnegative_milli(quantity, where=f"{where}{at}.{name}")
        return out
    return {str(name): parse_nonnegative_milli(q, where=f"{where}{at}.{name}")
            for name, q in _map(value, where, at).items()}


def _fast_milli(quantity: Any) -> int | None:
    if type(quantity) is not str:
        return None
    try:
        milli = milli_of(quantity)
    except QuantityError:
        return None
    return milli if milli >= 0 else None


def parse_conditions(value: Any, where: str, at: str = "") -> tuple[Condition, ...]:
    if value is None:
        return ()
    if type(value) is list:
        out = []
        for cond in value:
            if type(cond) is not dict:
                break
            kind, status, reason = cond.get("type"), cond.get("status"), cond.get("reason")
            message, moment = cond.get("message"), cond.get("lastTransitionTime")
            if (type(kind) is not str and kind is not None) or \
                    (type(status) is not str and status is not None) or \
                    (type(reason) is not str and reason is not None) or \
                    (type(message) is not str and message is not None):
                break
            if moment is None or moment == "":
                when = None
            else:
                when = _rfc3339(moment) if type(moment) is str else _quiet_time(moment)
                if when is None:
                    break
            out.append(Condition(kind or "", "Unknown" if status is None else status,
                                 reason or "", message or "", when))
        else:
            return tuple(out)
    return _checked_conditions(value, where + at)


def _checked_conditions(value: Any, where: str) -> tuple[Condition, ...]:
    """parse_conditions field by field, each error naming its field (the fast path above
    hands anything unusual to this one)."""
    out = []
    for i, item in enumerate(_list(value, where)):
        at = f"{where}[{i}]"
        cond = _map(item, at)
        out.append(Condition(
            type=_str(cond.get("type"), f"{at}.type"),
            status=_str(cond.get("status"), f"{at}.status", "Unknown"),
            reason=_str(cond.get("reason"), f"{at}.reason"),
            message=_str(cond.get("message"), f"{at}.message"),
            last_transition_time=parse_time(cond.get("lastTransitionTime"),
                                            f"{at}.lastTransitionTime"),
        ))
    return tuple(out)


_T = TypeVar("_T")


def _with_raw(obj: _T, doc: Mapping[str, Any]) -> _T:
    object.__setattr__(obj, "raw", doc)  # raw is excluded from eq/repr; set once, at birth
    return obj
