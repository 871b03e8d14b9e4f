"""Shared field readers of the parsers: type checks that name the document and field on error,
labels, timestamps, quantities and conditions."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from kubectl_karp.errors import InputError
from kubectl_karp.model.names import printable
from kubectl_karp.model.objects import (
    Condition,
)
from kubectl_karp.model.quantity import parse_nonnegative_milli


def describe(doc: Mapping[str, Any], origin: str) -> str:
    """``origin`` plus the document's kind and name, for messages."""
    kind = doc.get("kind", "?")
    meta = doc.get("metadata") or {}
    name = meta.get("name", "?") if isinstance(meta, Mapping) else "?"
    namespace = meta.get("namespace") if isinstance(meta, Mapping) else None
    ident = f"{namespace}/{name}" if namespace else str(name)
    # Names reach notes and errors: escape what could drive the terminal.
    return printable(f"{origin} ({kind} {ident})")


def _map(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"expected a mapping, got {type(value).__name__}", where=where)
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise InputError(f"expected a list, got {type(value).__name__}", where=where)
    return value


def _str(value: Any, where: str, default: str = "") -> str:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"expected a string, got {type(value).__name__}", where=where)
    return str(value)


def _name(value: Any, where: str, default: str = "") -> str:
    """A name or namespace, control characters escaped: a name carrying a terminal escape
    sequence must not reach the terminal raw (the API server would refuse it anyway)."""
    return printable(_str(value, where, default) or "")


def _int(value: Any, where: str, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool):
        raise InputError(f"expected an integer, got {value!r}", where=where)
    if isinstance(value, int):
        if abs(value) >= 2**63:
            raise InputError("integer out of range (more than 64 bits)", where=where)
        return value
    # ASCII digits only: "²" passes str.isdigit() but int() refuses it.
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    raise InputError(f"expected an integer, got {_short(value)}", where=where)


_INT_RE = re.compile(r"-?[0-9]{1,18}")


_DIGITS_RE = re.compile(r"[0-9]{1,18}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _labels(value: Any, where: str) -> dict[str, str]:
    mapping = _map(value, where)
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


def parse_time(value: Any, where: str = "") -> datetime | None:
    if value is None or value == "":
        return None
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


def parse_resources(value: Any, where: str) -> dict[str, int]:
    return {str(name): parse_nonnegative_milli(q, where=f"{where}.{name}")
            for name, q in _map(value, where).items()}


def parse_conditions(value: Any, where: str) -> tuple[Condition, ...]:
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
