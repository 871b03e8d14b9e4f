"""Karpenter's requirement algebra (``pkg/scheduling/requirements.go``; one key's
``requirement.go`` is model/requirement.py).

The one label matcher of the project: :class:`Requirements` maps label keys to
:class:`Requirement` (the values one key may take) and implements Karpenter's
``Compatible``/``Intersects`` rules; selectors.node_requirement_matches and the existing-node
checks ask a single requirement's ``has``. Operations that change nothing return ``self``.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView

from kubectl_karp.model.labels import (
    NORMALIZED_LABELS,
    RESTRICTED_LABELS,
    WELL_KNOWN_LABELS,
    is_restricted_node_label,
)
from kubectl_karp.model.objects import NodeSelectorRequirement, Pod
from kubectl_karp.model.requirement import (
    DOES_NOT_EXIST,
    EXISTS,
    GT,
    GTE,
    IN,
    LT,
    LTE,
    NOT_IN,
    OPERATORS,
    Requirement,
    _exists,
    go_atoi,
    sorted_values,
)
from kubectl_karp.model.requirement_diagnostics import Incompatibility

# Re-exported: callers import the algebra from here (one key's Requirement included); the
# words of an Incompatibility are built in requirement_diagnostics.
__all__ = [
    "DOES_NOT_EXIST", "EMPTY_REQUIREMENTS", "EXISTS", "GT", "GTE", "IN", "LT", "LTE", "NOT_IN",
    "OPERATORS", "Incompatibility", "Requirement", "Requirements", "go_atoi",
    "pod_requirements", "preferred_requirements", "sorted_values",
]

def _undefined(key: str, theirs: Requirement, ours: Requirements,
               allow_undefined: frozenset[str]) -> Incompatibility:
    return Incompatibility(key, None, theirs, tuple(ours.keys()), allow_undefined)


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
