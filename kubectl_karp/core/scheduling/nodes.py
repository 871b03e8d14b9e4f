"""NodePool templates and the instance types a NodeClaim may still become (the placeables
themselves: :mod:`.existingnode` and :mod:`.nodeclaim`)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_karp.core.context import NodePoolContext
from kubectl_karp.core.nodepools.limits import limit_amount
from kubectl_karp.core.scheduling.hostports import PortKey
from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import Taint
from kubectl_karp.model.requirements import Requirements

DEFAULT_MAX_PODS = 110


@dataclass(eq=False)
class TypeEntry:
    """An instance type with its requirements (labels, zones and capacity types of its
    available offerings) precomputed."""

    it: InstanceType
    requirements: Requirements
    allocatable: Mapping[str, int]
    capacity: Mapping[str, int]
    offerings: tuple[Offering, ...]  # available ones

    @property
    def name(self) -> str:
        return self.it.name

    def has_offering(self, requirements: Requirements) -> bool:
        return any(o.allowed_by(requirements) for o in self.offerings)


class Catalog:
    """An immutable list of instance types with per-resource sorted indexes, shared by every
    NodeClaim started from the same list."""

    __slots__ = ("_allocs", "_limit_orders", "_over", "_top", "index", "types")

    def __init__(self, types: list[TypeEntry]) -> None:
        self.types = types
        self._allocs: dict[str, list[int]] = {}
        # resource → (indexes sorted by allocatable, ascending; those sorted values): what
        # :meth:`order` returns, read directly on the hot path.
        self.index: dict[str, tuple[list[int], list[int]]] = {}
        self._top: int | None = None
        self._limit_orders: dict[str, tuple[list[int], list[int]]] = {}
        self._over: dict[tuple[int, ...], tuple[int, ...]] = {}

    def limit_order(self, name: str) -> tuple[list[int], list[int]]:
        """Indexes sorted by what one node of the type uses of NodePool limit ``name``
        (:func:`limit_amount`), ascending, and those sorted amounts."""
        found = self._limit_orders.get(name)
        if found is None:
            amounts = [limit_amount(t.capacity, name) for t in self.types]
            order = sorted(range(len(amounts)), key=amounts.__getitem__)
            found = (order, [amounts[i] for i in order])
            self._limit_orders[name] = found
        return found

    def over_limits(self, remaining: Mapping[str, int]) -> tuple[int, ...]:
        """Indexes, ascending, of the types one more node of which would exceed a limit
        left in ``remaining`` (any amount above what is left). Per limit those types are
        the top of the sorted amounts, so the answer depends only on how many there are per
        limit: found with a bisection each and kept per such count."""
        counts = []
        for name, left in remaining.items():
            order, amounts = self.limit_order(name)
            counts.append(len(amounts) - bisect_right(amounts, left))
        if not any(counts):
            return ()
        key = tuple(counts)
        found = self._over.get(key)
        if found is None:
            over: set[int] = set()
            for (name, _), count in zip(remaining.items(), counts, strict=True):
                if count:
                    order = self.limit_order(name)[0]
                    over.update(order[len(order) - count:])
            found = self._over[key] = tuple(sorted(over))
        return found

    @property
    def top(self) -> int:
        """Index of a type at least as large as every other in every resource, or -1."""
        if self._top is None:
            best = -1
            if self.types:
                names = {name for t in self.types for name in t.allocatable}
                best = max(range(len(self.types)),
                           key=lambda i: self.types[i].allocatable.get("cpu", 0))
                alloc = self.types[best].allocatable
                for name in names:
                    if any(t.allocatable.get(name, 0) > alloc.get(name, 0) for t in self.types):
                        best = -1
                        break
            self._top = best
        return self._top

    def alloc(self, resource: str) -> list[int]:
        values = self._allocs.get(resource)
        if values is None:
            values = [t.allocatable.get(resource, 0) for t in self.types]
            self._allocs[resource] = values
        return values

    def order(self, resource: str) -> tuple[list[int], list[int]]:
        """Indexes sorted by allocatable ``resource`` ascending, and those sorted values."""
        found = self.index.get(resource)
        if found is None:
            values = self.alloc(resource)
            order = sorted(range(len(values)), key=values.__getitem__)
            found = self.index[resource] = (order, [values[i] for i in order])
        return found


class TypeSet:
    """The instance types a NodeClaim may still become: a catalogue minus the types ruled out.

    Types only ever drop out (requests grow, requirements narrow), so per-resource cursors over
    the sorted indexes make "drop every type too small for these requests" cost, over a
    claim's life, one pass per resource instead of one pass per pod.
    """

    __slots__ = ("alive", "cat", "dead", "fit", "mins", "ptr")

    def __init__(self, cat: Catalog) -> None:
        self.cat = cat
        self.dead = bytearray(len(cat.types))
        self.alive = len(cat.types)
        self.ptr: dict[str, int] = {}
        self.mins: dict[str, int] = {}  # min_alloc per resource until the next commit
        # The requests :meth:`all_fit` last found every type left has room for: committing
        # exactly those drops no type (nothing changes the set in between but a commit).
        self.fit: Mapping[str, int] | None = None

    def min_alloc(self, resource: str) -> int:
        found = self.mins.get(resource)
        if found is not None:
            return found
        entry = self.cat.index.get(resource)
        order, values = entry if entry is not None else self.cat.order(resource)
        dead = self.dead
        p = self.ptr.get(resource, 0)
        n = len(order)
        while p < n and dead[order[p]]:
            p += 1
        self.ptr[resource] = p
        found = values[p] if p < n else -1
        self.mins[resource] = found
        return found

    def all_fit(self, requests: Mapping[str, int]) -> bool:
        mins = self.mins
        for resource, need in requests.items():
            if need > 0:
                low = mins.get(resource)
                if low is None:
                    low = self.min_alloc(resource)
                if low < need:
                    return False
        self.fit = requests
        return True

    def _survivor(self, index: int, requests: Mapping[str, int],
                  allowed: frozenset[int] | None) -> bool:
        if self.dead[index]:
            return False
        t = self.cat.types[index]
        if allowed is not None and id(t) not in allowed:
            return False
        alloc = t.allocatable
        for resource, need in requests.items():
            if need > 0 and alloc.get(resource, 0) < need:
                return False
        return True

    def any_fit(self, requests: Mapping[str, int], allowed: frozenset[int] | None) -> bool:
        top = self.cat.top
        if top >= 0:
            # The largest type decides at once when it is too small (then all are), or when
            # it is still a candidate and fits.
            t = self.cat.types[top]
            alloc = t.allocatable
            for resource, need in requests.items():
                if need > 0 and alloc.get(resource, 0) < need:
                    return False
            if not self.dead[top] and (allowed is None or id(t) in allowed):
                return True
        best: tuple[int, list[int]] | None = None
        for resource, need in requests.items():
            if need <= 0:
                continue
            order, values = self.cat.order(resource)
            start = max(bisect_left(values, need), self.ptr.get(resource, 0))
            if best is None or start > best[0]:
                best = (start, order)
        if best is None:
            return any(self._survivor(i, requests, allowed) for i in range(len(self.dead)))
        start, order = best
        return any(self._survivor(order[j], requests, allowed) for j in range(start, len(order)))

    def commit(self, requests: Mapping[str, int], allowed: frozenset[int] | None) -> None:
        if requests is self.fit and allowed is None:
            return  # every type left has room (all_fit said so): none drops out
        self.fit = None
        dead = self.dead
        before = alive = self.alive
        if allowed is not None:
            for i, t in enumerate(self.cat.types):
                if not dead[i] and id(t) not in allowed:
                    dead[i] = 1
                    alive -= 1
        mins = self.mins
        index = self.cat.index
        ptr = self.ptr
        for resource, need in requests.items():
            if need <= 0:
                continue
            low = mins.get(resource)
            if low is not None and low >= need:
                continue  # every type left has room: none drops out (a stale low is lower)
            entry = index.get(resource)
            order, values = entry if entry is not None else self.cat.order(resource)
            stop = bisect_left(values, need)
            p = ptr.get(resource, 0)
            if stop > p:
                for j in range(p, stop):
                    i = order[j]
                    if not dead[i]:
                        dead[i] = 1
                        alive -= 1
                ptr[resource] = stop
        self.alive = alive
        if alive != before:
            mins.clear()

    def preview(self, requests: Mapping[str, int], allowed: frozenset[int] | None
                ) -> list[TypeEntry]:
        return [t for i, t in enumerate(self.cat.types)
                if self._survivor(i, requests, allowed)]

    def max_limit_amount(self, name: str) -> int:
        """The most of NodePool limit ``name`` any type still possible would use (what a
        new NodeClaim counts against the limit), from the largest down."""
        order, amounts = self.cat.limit_order(name)
        dead = self.dead
        for j in range(len(order) - 1, -1, -1):
            if not dead[order[j]]:
                return amounts[j]
        return 0

    def types(self) -> list[TypeEntry]:
        dead = self.dead
        return [t for i, t in enumerate(self.cat.types) if not dead[i]]


@dataclass(eq=False)
class Template:
    """A NodePool turned into a NodeClaim template (Karpenter's NodeClaimTemplate)."""

    index: int
    npc: NodePoolContext
    requirements: Requirements
    taints: tuple[Taint, ...]
    allow_undefined: frozenset[str]
    types: list[TypeEntry]  # compatible with the template's requirements and offerings
    all_types: list[TypeEntry]  # the catalogue's, before the template narrowed them
    type_keys: tuple[str, ...]  # label keys any instance type defines (+ zone, capacity type)
    has_min_values: bool = False  # any requirement with minValues
    daemon_overhead: dict[str, int] = field(default_factory=dict)
    daemon_ports: list[PortKey] = field(default_factory=list)
    daemon_names: tuple[str, ...] = ()
    # v1.14 per-type DaemonSets: host ports of the type's own daemons beyond daemon_ports
    # (keyed by id of the TypeEntry in ``types``); empty when every type runs the same ones.
    type_ports: dict[int, frozenset[PortKey]] = field(default_factory=dict)
    port_blocks: dict[Any, frozenset[int]] = field(default_factory=dict)  # cache, see scheduler
    type_overhead: dict[str, dict[str, int]] = field(default_factory=dict)  # by type name
    catalog: Catalog | None = None  # over ``types``
    compat: dict[Any, tuple[list[TypeEntry], frozenset[int] | None]] = \
        field(default_factory=dict)
    limited: dict[Any, Catalog] = field(default_factory=dict)
    launch_orders: dict[Any, Any] = field(default_factory=dict)
    launch_choices: dict[Any, Any] = field(default_factory=dict)  # see results._planned

    @property
    def name(self) -> str:
        return self.npc.node_pool.name
