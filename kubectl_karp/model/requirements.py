"""Karpenter's requirement algebra (``pkg/scheduling/requirement.go``, ``requirements.go``).

A :class:`Requirement` is the set of label values one key may take: a finite set (``In``,
``DoesNotExist`` = the empty set) or the complement of a finite set (``NotIn``, ``Exists``)
optionally narrowed by integer bounds (``Gt``/``Lt``/``Gte``/``Lte``). A value outside the
bounds, or one that is not an integer (Go ``strconv.Atoi``), is never allowed by a bounded
requirement. :class:`Requirements` maps label keys to requirements and implements
Karpenter's ``Compatible``/``Intersects`` rules.

The scheduler calls these millions of times, so requirements are tuples (C-level hashing and
equality), intersections are memoised, and operations that change nothing return ``self``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import (
    LABEL_ARCH,
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_OS,
    LABEL_REGION,
    LABEL_ZONE,
    NodeSelectorRequirement,
    Pod,
)

IN = "In"
NOT_IN = "NotIn"
EXISTS = "Exists"
DOES_NOT_EXIST = "DoesNotExist"
GT = "Gt"
LT = "Lt"
GTE = "Gte"
LTE = "Lte"
OPERATORS = (IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GT, LT, GTE, LTE)

LABEL_WINDOWS_BUILD = "node.kubernetes.io/windows-build"

WELL_KNOWN_LABELS: frozenset[str] = frozenset({
    LABEL_NODEPOOL, LABEL_ZONE, LABEL_REGION, LABEL_INSTANCE_TYPE, LABEL_ARCH, LABEL_OS,
    LABEL_CAPACITY_TYPE, LABEL_WINDOWS_BUILD,
})
"""Core well-known labels: a side that leaves them undefined is compatible with any value."""

# Deprecated aliases are rewritten to the stable keys before anything else happens.
NORMALIZED_LABELS: Mapping[str, str] = {
    "failure-domain.beta.kubernetes.io/zone": LABEL_ZONE,
    "failure-domain.beta.kubernetes.io/region": LABEL_REGION,
    "beta.kubernetes.io/arch": LABEL_ARCH,
    "beta.kubernetes.io/os": LABEL_OS,
    "beta.kubernetes.io/instance-type": LABEL_INSTANCE_TYPE,
    # The AWS provider adds the EBS CSI driver's zone key (upstream: karpenter-provider-aws
    # pkg/operator/operator.go); no other cloud's volumes carry it, so it is safe everywhere.
    "topology.ebs.csi.aws.com/zone": LABEL_ZONE,
}

# Karpenter v1.0–v1.9 (the versions the cloud providers ship) reserve these domains.
RESTRICTED_LABEL_DOMAINS: frozenset[str] = frozenset({"kubernetes.io", "k8s.io", "karpenter.sh"})
LABEL_DOMAIN_EXCEPTIONS: frozenset[str] = frozenset({
    "kops.k8s.io", "node.kubernetes.io", "node-restriction.kubernetes.io",
})
RESTRICTED_LABELS: frozenset[str] = frozenset({LABEL_HOSTNAME})

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


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """Why two sets of requirements cannot both hold for one label ``key``.

    ``ours`` is the requirement of the side ``compatible``/``intersects`` was called on
    (``None`` when that side does not define the key); ``theirs`` is the argument's.
    The words (``message``) are built only when read: the scheduler meets thousands of
    incompatibilities per run and reports few of them.
    """

    key: str
    ours: Requirement | None
    theirs: Requirement | None
    # For an undefined key: the keys that side does define and the labels it may leave
    # undefined, to suggest a typo when the message is read.
    known_keys: tuple[str, ...] = ()
    allow_undefined: frozenset[str] = frozenset()

    @property
    def message(self) -> str:
        key, ours, theirs = self.key, self.ours, self.theirs
        if ours is None:
            wanted = theirs.describe() if theirs is not None else "any value"
            hint = _label_hint(key, self.known_keys, self.allow_undefined)
            return f"{key}: needs {wanted} but the label has no known values here{hint}"
        other = theirs.describe() if theirs is not None else "any value"
        return f"{key}: {ours.describe()} does not intersect {other}"

    def describe(self, ours: str, theirs: str) -> str:
        """The message with the two sides named, e.g. ``describe("the NodePool", "the pod")``
        → ``…: the pod needs In [C6] but the NodePool allows In [S5, SA2]``."""
        wanted = self.theirs.describe() if self.theirs is not None else "any value"
        if self.ours is None:
            return f"{self.key}: {theirs} needs {wanted} but {ours} does not define the label"
        return f"{self.key}: {theirs} needs {wanted} but {ours} allows {self.ours.describe()}"


def _undefined(key: str, theirs: Requirement, ours: Requirements,
               allow_undefined: frozenset[str]) -> Incompatibility:
    return Incompatibility(key, None, theirs, tuple(ours.keys()), allow_undefined)


def _label_hint(key: str, known_keys: tuple[str, ...], allow_undefined: frozenset[str]) -> str:
    suffix = key.partition("/")[2] or key
    candidates = [*sorted(allow_undefined), *known_keys]
    for known in candidates:
        if key in known or known.endswith(suffix):
            return f" (typo of {known!r}?)"
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.9)
    return f" (typo of {close[0]!r}?)" if close else ""


def _disjoint(key: str, ours: Requirement, theirs: Requirement) -> Incompatibility:
    return Incompatibility(key, ours, theirs)


_ABSENT_OK = (NOT_IN, DOES_NOT_EXIST)


class Requirements:
    """An immutable mapping of label key → :class:`Requirement` (Karpenter's ``Requirements``).

    Adding a requirement for a key already present intersects the two. ``get`` of an undefined
    key returns an unconstrained ``Exists`` requirement, as upstream.
    """

    __slots__ = ("_hash", "_reqs")

    _reqs: dict[str, Requirement]
    _hash: int | None

    def __init__(self, requirements: Iterable[Requirement] = ()) -> None:
        reqs: dict[str, Requirement] = {}
        for req in requirements:
            existing = reqs.get(req.key)
            reqs[req.key] = req if existing is None else existing.intersection(req)
        self._reqs = reqs
        self._hash = None

    @classmethod
    def _wrap(cls, reqs: dict[str, Requirement]) -> Requirements:
        obj = cls.__new__(cls)
        obj._reqs = reqs
        obj._hash = None
        return obj

    @classmethod
    def from_node_selector_requirements(cls, requirements: Iterable[NodeSelectorRequirement],
                                        *, where: str | None = None) -> Requirements:
        return cls(Requirement.of(r.key, r.operator, r.values, r.min_values, where=where)
                   for r in requirements)

    @classmethod
    def from_labels(cls, labels: Mapping[str, str]) -> Requirements:
        """Each label as ``In [value]`` (a nodeSelector, or a node's labels)."""
        return cls(Requirement(NORMALIZED_LABELS.get(k, k), False, frozenset((v,)))
                   for k, v in labels.items())

    # ------------------------------------------------------------------ mapping protocol
    def get(self, key: str) -> Requirement:
        req = self._reqs.get(key)
        return _exists(key) if req is None else req

    def defined(self, key: str) -> Requirement | None:
        """The requirement for ``key`` if this side sets one, else ``None``."""
        return self._reqs.get(key)

    def __getitem__(self, key: str) -> Requirement:
        return self._reqs[key]

    def __contains__(self, key: object) -> bool:
        return key in self._reqs

    def __iter__(self) -> Iterator[str]:
        return iter(self._reqs)

    def __len__(self) -> int:
        return len(self._reqs)

    def __bool__(self) -> bool:
        return bool(self._reqs)

    def keys(self) -> KeysView[str]:
        return self._reqs.keys()

    def values(self) -> ValuesView[Requirement]:
        return self._reqs.values()

    def items(self) -> ItemsView[str, Requirement]:
        return self._reqs.items()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Requirements):
            return NotImplemented
        return self is other or self._reqs == other._reqs

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._reqs.values()))
        return self._hash

    def __repr__(self) -> str:
        return f"Requirements({list(self._reqs.values())!r})"

    def __str__(self) -> str:
        return ", ".join(sorted(str(r) for k, r in self._reqs.items()
                                if k not in RESTRICTED_LABELS))

    # ------------------------------------------------------------------ algebra
    def add(self, *requirements: Requirement) -> Requirements:
        """A copy with ``requirements`` intersected in (``self`` when nothing changes)."""
        new: dict[str, Requirement] | None = None
        for req in requirements:
            current = (self._reqs if new is None else new).get(req.key)
            merged = req if current is None else current.intersection(req)
            if merged is not current:
                if new is None:
                    new = dict(self._reqs)
                new[req.key] = merged
        return self if new is None else Requirements._wrap(new)

    def intersect(self, other: Requirements) -> Requirements:
        """Both sets of requirements at once (same key → intersection)."""
        if not other._reqs or other is self:
            return self
        if not self._reqs:
            return other
        mine = self._reqs
        new: dict[str, Requirement] | None = None
        for key, req in other._reqs.items():
            current = mine.get(key)
            if current is None:
                merged = req
            else:
                merged = current.intersection(req)
                if merged is current:
                    continue
            if new is None:
                new = dict(mine)
            new[key] = merged
        return self if new is None else Requirements._wrap(new)

    def without(self, *keys: str) -> Requirements:
        if not any(k in self._reqs for k in keys):
            return self
        return Requirements._wrap({k: r for k, r in self._reqs.items() if k not in keys})

    def compatible(self, other: Requirements,
                   allow_undefined: frozenset[str] = WELL_KNOWN_LABELS
                   ) -> Incompatibility | None:
        """Karpenter's ``Compatible``: the first reason ``other`` cannot be met here, or None.

        A key ``other`` constrains but ``self`` leaves undefined fails unless ``other`` uses
        NotIn/DoesNotExist for it or the key is in ``allow_undefined``; then every shared key
        must intersect (see :meth:`intersects`).
        """
        mine = self._reqs
        for key, theirs in other._reqs.items():
            if key in mine or key in allow_undefined:
                continue
            if theirs.complement:
                if theirs.values:
                    continue  # NotIn
            elif not theirs.values:
                continue  # DoesNotExist
            return _undefined(key, theirs, self, allow_undefined)
        return self.intersects(other)

    def intersects(self, other: Requirements) -> Incompatibility | None:
        """Karpenter's ``Intersects``: every key both sides define must share a value, except
        that two requirements that both accept a missing label (NotIn/DoesNotExist) agree."""
        mine, theirs_all = self._reqs, other._reqs
        if len(theirs_all) < len(mine):
            for key, theirs in theirs_all.items():
                ours = mine.get(key)
                if ours is not None and ours is not theirs and not ours.has_intersection(theirs) \
                        and not (ours.allows_absent() and theirs.allows_absent()):
                    return _disjoint(key, ours, theirs)
        else:
            for key, ours in mine.items():
                other_req = theirs_all.get(key)
                if other_req is not None and ours is not other_req and \
                        not ours.has_intersection(other_req) and \
                        not (ours.allows_absent() and other_req.allows_absent()):
                    return _disjoint(key, ours, other_req)
        return None

    def incompatibilities(self, other: Requirements,
                          allow_undefined: frozenset[str] = WELL_KNOWN_LABELS
                          ) -> list[Incompatibility]:
        """Every reason :meth:`compatible` could give, for explanations (not the hot path)."""
        problems: list[Incompatibility] = []
        for key, theirs in other._reqs.items():
            ours = self._reqs.get(key)
            if ours is None:
                if key not in allow_undefined and theirs.set_operator not in _ABSENT_OK:
                    problems.append(_undefined(key, theirs, self, allow_undefined))
            elif not ours.has_intersection(theirs) and \
                    not (ours.allows_absent() and theirs.allows_absent()):
                problems.append(_disjoint(key, ours, theirs))
        return problems

    def is_compatible(self, other: Requirements,
                      allow_undefined: frozenset[str] = WELL_KNOWN_LABELS) -> bool:
        return self.compatible(other, allow_undefined) is None

    # ------------------------------------------------------------------ derived facts
    def labels(self, *, include_restricted: bool = False, arbitrary: bool = False,
               well_known: frozenset[str] = WELL_KNOWN_LABELS) -> dict[str, str]:
        """Labels a node launched with these requirements gets from them (upstream
        ``Labels()``): every single-valued ``In``. Restricted node labels (the well-known
        ones — pass the provider's set as ``well_known`` — kubernetes.io/k8s.io/karpenter.sh
        domains, hostname) are skipped unless ``include_restricted``: upstream sets those from
        the instance type and offering.
        ``arbitrary=True`` also labels multi-valued In and NotIn/Exists keys with
        :meth:`Requirement.any_value`, as upstream does with a random pick."""
        out: dict[str, str] = {}
        for key, req in self._reqs.items():
            if not include_restricted and is_restricted_node_label(key, well_known):
                continue
            if not req.complement and len(req.values) == 1:
                out[key] = next(iter(req.values))
            elif arbitrary:
                value = req.any_value()
                if value is not None:
                    out[key] = value
        return out

    def has_min_values(self) -> bool:
        return any(r.min_values is not None for r in self._reqs.values())

    def min_values_shortfall(self, instance_type_labels: Iterable[Mapping[str, str]]
                             ) -> list[tuple[str, int, int]]:
        """``(key, needed, available)`` for each requirement whose ``minValues`` is not met by
        the distinct allowed values of ``key`` among the given instance types' labels."""
        wanted = [r for r in self._reqs.values() if r.min_values is not None]
        if not wanted:
            return []
        seen: dict[str, set[str]] = {r.key: set() for r in wanted}
        for labels in instance_type_labels:
            for req in wanted:
                value = labels.get(req.key)
                if value is not None and req.has(value):
                    seen[req.key].add(value)
        return [(r.key, r.min_values, len(seen[r.key])) for r in wanted
                if r.min_values is not None and len(seen[r.key]) < r.min_values]

    def node_selector_requirements(self) -> tuple[NodeSelectorRequirement, ...]:
        return tuple(nsr for req in self._reqs.values() for nsr in req.to_node_selector())


EMPTY_REQUIREMENTS = Requirements()


# --------------------------------------------------------------------------- label domains

def label_domain(key: str) -> str:
    prefix, slash, _ = key.partition("/")
    return prefix if slash else ""


def is_restricted_node_label(key: str, well_known: frozenset[str] = WELL_KNOWN_LABELS,
                             domains: frozenset[str] = RESTRICTED_LABEL_DOMAINS) -> bool:
    """Upstream ``IsRestrictedNodeLabel``: labels Karpenter sets itself (well-known ones
    included) or that kubelet would refuse; requirements on them do not become node labels.
    ``domains``: the restricted domains, with those the cloud provider adds (TKE:
    karpenter.k8s.tke)."""
    if key in well_known:
        return True
    domain = label_domain(key)
    # Suffix matching without a dot boundary is what upstream does.
    if any(domain.endswith(d) for d in LABEL_DOMAIN_EXCEPTIONS):
        return False
    if any(domain.endswith(d) for d in domains):
        return True
    return key in RESTRICTED_LABELS


def restricted_label_problem(key: str, well_known: frozenset[str] = WELL_KNOWN_LABELS,
                             domains: frozenset[str] = RESTRICTED_LABEL_DOMAINS) -> str | None:
    """Why a NodePool may not use label ``key`` (upstream ``IsRestrictedLabel``), or None."""
    if key in well_known or not is_restricted_node_label(key, well_known, domains):
        return None
    domain = label_domain(key)
    what = f"domain {domain!r}" if domain else "label"
    # A key in a restricted domain is most often a typo of one of its well-known labels.
    close = difflib.get_close_matches(key, sorted(k for k in well_known
                                                  if label_domain(k) == domain), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return (f"label {key!r} is restricted{hint}: its {what} is reserved for Kubernetes/"
            f"Karpenter or the cloud provider; use a well-known label "
            f"({', '.join(sorted(well_known))}) or a custom label outside "
            f"{', '.join(sorted(domains))}")


# --------------------------------------------------------------------------- pods

def pod_requirements(pod: Pod) -> list[Requirements]:
    """The pod's hard requirements, one alternative per required node-affinity term (each
    ANDed with ``nodeSelector``), in the order Karpenter tries them; just the nodeSelector
    when there are no terms. ``matchFields`` are ignored, as Karpenter does."""
    base = Requirements.from_labels(pod.node_selector)
    if not pod.required_node_affinity:
        return [base]
    return [base.intersect(Requirements.from_node_selector_requirements(
        term.match_expressions, where=f"pod {pod.key} required node affinity term {i}"))
        for i, term in enumerate(pod.required_node_affinity)]


def preferred_requirements(pod: Pod) -> list[tuple[int, Requirements]]:
    """Preferred node-affinity terms as requirements, heaviest first (stable on ties), the
    order in which Karpenter first treats them as required and then drops them."""
    terms = sorted(pod.preferred_node_affinity, key=lambda t: -t.weight)
    return [(t.weight, Requirements.from_node_selector_requirements(
        t.preference.match_expressions, where=f"pod {pod.key} preferred node affinity"))
        for t in terms]
