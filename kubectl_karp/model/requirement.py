"""One label key's allowed values: Karpenter's ``Requirement`` (``pkg/scheduling/requirement.go``).

A :class:`Requirement` is a finite set (``In``, ``DoesNotExist`` = the empty set) or the
complement of a finite set (``NotIn``, ``Exists``) optionally narrowed by integer bounds
(``Gt``/``Lt``/``Gte``/``Lte``). A value outside the bounds, or one that is not an integer (Go
``strconv.Atoi``), is never allowed by a bounded requirement. Requirements of several keys:
model/requirements.py.

The scheduler calls these millions of times, so a requirement is a tuple (C-level hashing and
equality), intersections are memoised, and operations that change nothing return ``self``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from kubectl_karp.errors import InputError
from kubectl_karp.model.labels import NORMALIZED_LABELS
from kubectl_karp.model.objects import NodeSelectorRequirement

IN = "In"
NOT_IN = "NotIn"
EXISTS = "Exists"
DOES_NOT_EXIST = "DoesNotExist"
GT = "Gt"
LT = "Lt"
GTE = "Gte"
LTE = "Lte"
OPERATORS = (IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GT, LT, GTE, LTE)

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_INT = re.compile(r"[+-]?[0-9]+\Z")
_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=65536)
def go_atoi(text: str) -> int | None:
    """``strconv.Atoi`` on a 64-bit platform: the integer, or ``None`` when Go would fail."""
    if _INT.match(text) is None:
        return None
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _within(value: str, greater_than: int | None, less_than: int | None) -> bool:
    if greater_than is None and less_than is None:
        return True
    number = go_atoi(value)
    if number is None:
        return False
    if greater_than is not None and number <= greater_than:
        return False
    return less_than is None or number < less_than


def _sort_key(value: str) -> tuple[int, int, str]:
    number = go_atoi(value)
    return (0, number, value) if number is not None else (1, 0, value)


def sorted_values(values: Iterable[str]) -> list[str]:
    """Values in display order: integers numerically first, then the rest alphabetically."""
    return sorted(values, key=_sort_key)


class Requirement(NamedTuple):
    """The values one label key may take. Build with :meth:`of`; never mutated.

    ``complement=False``: exactly ``values`` (bounds are folded into the set and ``None``).
    ``complement=True``: anything not in ``values`` that is within the exclusive integer bounds
    ``greater_than`` < n < ``less_than`` (when a bound is set, only integers qualify).
    """

    key: str
    complement: bool
    values: frozenset[str]
    greater_than: int | None = None
    less_than: int | None = None
    min_values: int | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def of(cls, key: str, operator: str, values: Iterable[str] = (),
           min_values: int | None = None, *, where: str | None = None) -> Requirement:
        """A requirement from a node-selector operator (In/NotIn/Exists/DoesNotExist/Gt/Lt/
        Gte/Lte). ``Gte n`` is stored as ``Gt n-1`` and ``Lte n`` as ``Lt n+1``."""
        key = NORMALIZED_LABELS.get(key, key)
        if isinstance(values, str):  # a lone string is one value, not its characters
            values = (values,)
        if operator == IN:
            return cls(key, False, frozenset(values), None, None, min_values)
        if operator == NOT_IN:
            return cls(key, True, frozenset(values), None, None, min_values)
        if operator == EXISTS:
            return cls(key, True, _EMPTY, None, None, min_values)
        if operator == DOES_NOT_EXIST:
            return cls(key, False, _EMPTY, None, None, min_values)
        if operator in (GT, LT, GTE, LTE):
            items = tuple(values)
            number = go_atoi(items[0]) if len(items) == 1 else None
            if number is None:
                raise InputError(f"operator {operator} on {key!r} needs exactly one integer "
                                 f"value, got {list(items)}", where=where)
            greater_than = number if operator == GT else number - 1 if operator == GTE else None
            less_than = number if operator == LT else number + 1 if operator == LTE else None
            if (greater_than is not None and greater_than >= _INT64_MAX) or \
                    (less_than is not None and less_than <= _INT64_MIN):
                return cls(key, False, _EMPTY, None, None, min_values)
            return cls(key, True, _EMPTY, greater_than, less_than, min_values)
        raise InputError(f"unknown operator {operator!r} on {key!r} (allowed: "
                         f"{', '.join(OPERATORS)})", where=where)

    @classmethod
    def from_node_selector(cls, req: NodeSelectorRequirement, *, where: str | None = None
                           ) -> Requirement:
        return cls.of(req.key, req.operator, req.values, req.min_values, where=where)

    @classmethod
    def exists(cls, key: str) -> Requirement:
        """The unconstrained requirement ``Requirements.get`` returns for an undefined key."""
        return _exists(key)

    # ------------------------------------------------------------------ queries
    def has(self, value: str) -> bool:
        """Whether a node labelled ``key=value`` satisfies this requirement."""
        if self.complement:
            return value not in self.values and _within(value, self.greater_than,
                                                        self.less_than)
        return value in self.values

    def is_empty(self) -> bool:
        """No value is allowed (``DoesNotExist``, or an intersection that ruled out all).

        A complement is never empty: its bounds always leave at least one integer (otherwise
        it is normalised to the empty set) and each integer has endless spellings (``5``,
        ``+5``, ``05``) that Go's ``Atoi`` accepts.
        """
        return not self.complement and not self.values

    @property
    def set_operator(self) -> str:
        """Karpenter's ``Operator()``: In, NotIn, Exists or DoesNotExist (bounds read as Exists
        or NotIn). The compatibility rules use this one."""
        if self.complement:
            return NOT_IN if self.values else EXISTS
        return IN if self.values else DOES_NOT_EXIST

    @property
    def operator(self) -> str:
        """The operator Karpenter writes back (``NodeSelectorRequirement()``): Gt/Lt when a
        bound is set, otherwise :attr:`set_operator`."""
        if self.greater_than is not None:
            return GT
        if self.less_than is not None:
            return LT
        return self.set_operator

    def allows_absent(self) -> bool:
        """Whether Karpenter accepts a node without the label (NotIn and DoesNotExist)."""
        return (self.complement and bool(self.values)) or \
            (not self.complement and not self.values)

    def any_value(self) -> str | None:
        """A value a node could carry, deterministically (Karpenter picks at random):
        the smallest listed value for In; for NotIn/Exists the first allowed integer counting
        up from 0 (or from the lower bound; below an upper bound, down from it); ``None`` for
        DoesNotExist."""
        if not self.complement:
            return sorted_values(self.values)[0] if self.values else None
        low = None if self.greater_than is None else self.greater_than + 1
        high = None if self.less_than is None else self.less_than - 1
        start = low if low is not None else 0 if high is None else min(0, high)
        number = start
        while high is None or number <= high:
            if str(number) not in self.values:
                return str(number)
            number += 1
        if low is None:
            number = start - 1
            while str(number) in self.values:
                number -= 1
            return str(number)
        # Every plain spelling in range is excluded; Go's Atoi also reads zero-padded ones.
        pad = "0"
        while True:
            text = f"-{pad}{-start}" if start < 0 else f"{pad}{start}"
            if text not in self.values:
                return text
            pad += "0"

    def values_list(self) -> list[str]:
        return sorted_values(self.values)

    # ------------------------------------------------------------------ algebra
    def intersection(self, other: Requirement) -> Requirement:
        """Values both allow. Returns ``self`` (or ``other``) when the result equals it;
        ``min_values`` becomes the larger of the two."""
        if other is self:
            return self
        cache_key = (self, other)
        cached = _INTERSECTIONS.get(cache_key)
        if cached is None:
            result = self._intersect(other)
            # Remember "unchanged" rather than the object: equal keys may be other instances.
            cached = _SELF if result == self else _OTHER if result == other else result
            if len(_INTERSECTIONS) >= _CACHE_LIMIT:
                _INTERSECTIONS.clear()
            _INTERSECTIONS[cache_key] = cached
        if cached is _SELF:
            return self
        if cached is _OTHER:
            return other
        return cached

    def _intersect(self, other: Requirement) -> Requirement:
        key, a_comp, a_vals, a_gt, a_lt, a_min = self
        _, b_comp, b_vals, b_gt, b_lt, b_min = other
        greater_than = a_gt if b_gt is None else b_gt if a_gt is None else max(a_gt, b_gt)
        less_than = a_lt if b_lt is None else b_lt if a_lt is None else min(a_lt, b_lt)
        min_values = a_min if b_min is None else b_min if a_min is None else max(a_min, b_min)
        if greater_than is not None and less_than is not None and less_than - greater_than <= 1:
            return Requirement(key, False, _EMPTY, None, None, min_values)
        if a_comp:
            values = a_vals | b_vals if b_comp else b_vals - a_vals
        else:
            values = a_vals - b_vals if b_comp else a_vals & b_vals
        if values and (greater_than is not None or less_than is not None):
            values = frozenset(v for v in values if _within(v, greater_than, less_than))
        complement = a_comp and b_comp
        if not complement:
            greater_than = less_than = None
        return Requirement(key, complement, values, greater_than, less_than, min_values)

    def has_intersection(self, other: Requirement) -> bool:
        """``not self.intersection(other).is_empty()`` without building the intersection."""
        _, a_comp, a_vals, a_gt, a_lt, _ = self
        _, b_comp, b_vals, b_gt, b_lt, _ = other
        greater_than = a_gt if b_gt is None else b_gt if a_gt is None else max(a_gt, b_gt)
        less_than = a_lt if b_lt is None else b_lt if a_lt is None else min(a_lt, b_lt)
        if greater_than is not None and less_than is not None and less_than - greater_than <= 1:
            return False
        if a_comp:
            if b_comp:
                return True
            excluded, candidates = a_vals, b_vals
        elif b_comp:
            excluded, candidates = b_vals, a_vals
        else:
            return not a_vals.isdisjoint(b_vals)
        if greater_than is None and less_than is None:
            return not candidates <= excluded
        for value in candidates:
            if value in excluded:
                continue
            number = go_atoi(value)
            if number is not None and (greater_than is None or number > greater_than) and \
                    (less_than is None or number < less_than):
                return True
        return False

    # ------------------------------------------------------------------ rendering
    def describe(self) -> str:
        """The requirement without its key: ``In [S5, SA2]``, ``> 1``, ``NotIn [a] and < 9``."""
        parts: list[str] = []
        if self.complement:
            if self.values:
                parts.append(f"NotIn [{_join(self.values)}]")
            if self.greater_than is not None:
                parts.append(f"> {self.greater_than}")
            if self.less_than is not None:
                parts.append(f"< {self.less_than}")
            text = " and ".join(parts) if parts else EXISTS
        else:
            text = f"In [{_join(self.values)}]" if self.values else DOES_NOT_EXIST
        if self.min_values is not None:
            text += f" (minValues {self.min_values})"
        return text

    def __str__(self) -> str:
        return f"{self.key} {self.describe()}"

    def to_node_selector(self) -> tuple[NodeSelectorRequirement, ...]:
        """Back to node-selector terms (a bounded NotIn needs several, ANDed)."""
        out: list[NodeSelectorRequirement] = []
        mv = self.min_values
        if not self.complement:
            op = IN if self.values else DOES_NOT_EXIST
            return (NodeSelectorRequirement(self.key, op, tuple(self.values_list()), mv),)
        if self.values:
            out.append(NodeSelectorRequirement(self.key, NOT_IN, tuple(self.values_list()), mv))
        if self.greater_than is not None:
            out.append(NodeSelectorRequirement(self.key, GT, (str(self.greater_than),), mv))
        if self.less_than is not None:
            out.append(NodeSelectorRequirement(self.key, LT, (str(self.less_than),), mv))
        return tuple(out) or (NodeSelectorRequirement(self.key, EXISTS, (), mv),)


def _join(values: Iterable[str], limit: int = 5) -> str:
    items = sorted_values(values)
    if len(items) > limit:
        items = [*items[:limit], f"and {len(items) - limit} others"]
    return ", ".join(items)


_CACHE_LIMIT = 1 << 16
_SELF = Requirement("", False, _EMPTY)
_OTHER = Requirement("", True, _EMPTY)
_INTERSECTIONS: dict[tuple[Requirement, Requirement], Requirement] = {}


@lru_cache(maxsize=4096)
def _exists(key: str) -> Requirement:
    return Requirement(key, True, _EMPTY)


