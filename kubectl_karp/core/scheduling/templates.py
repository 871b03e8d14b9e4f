"""NodePools as NodeClaim templates (upstream: scheduling/nodeclaimtemplate.go and scheduler.go
NewScheduler): each NodePool's requirements, the catalogue types they allow, the DaemonSet
overhead a new node carries, and the domains NodePools can launch in (the topology universe).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace
from typing import Any

from kubectl_karp.core.context import NodePoolContext, SchedulingContext
from kubectl_karp.core.nodepools import template_requirements
from kubectl_karp.core.nodepools.daemonsets import daemons_for, overhead, requests_of
from kubectl_karp.core.reasons import NODEPOOL_NOT_READY, OFFERINGS_UNAVAILABLE, Reason
from kubectl_karp.core.releases import DAEMONSET_PER_INSTANCE_TYPE
from kubectl_karp.core.scheduling.hostports import PortKey, port_keys
from kubectl_karp.core.scheduling.nodes import Template, TypeEntry
from kubectl_karp.core.scheduling.placement import fits, with_unknown_disk
from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_ZONE,
    DaemonSet,
    Taint,
)
from kubectl_karp.model.requirements import Requirements


def type_entry(it: InstanceType) -> TypeEntry:
    available = tuple(o for o in it.offerings if o.available)
    allocatable = with_unknown_disk(it.allocatable or it.capacity)
    reqs = it.requirements()
    return TypeEntry(it=it, requirements=reqs, allocatable=allocatable,
                     capacity=dict(it.capacity), offerings=available)


class Templates:
    """The run's NodePool templates, in the order pods try them, with the NodePools that
    cannot provision at all (``pool_reasons``) and the topology universe."""

    def __init__(self, ctx: SchedulingContext, daemonsets: Sequence[DaemonSet],
                 pool_filter: set[str] | None, notes: list[str]) -> None:
        self.ctx = ctx
        self.daemonsets = daemonsets
        self.pool_filter = pool_filter
        self.notes = notes
        self.templates: list[Template] = []
        self.pool_reasons: list[Reason] = []
        self.universe: dict[str, dict[str, set[int]]] = {}

    def build(self, cache: dict[Any, Any], ds_key: Hashable) -> None:
        """Every NodePool the run may launch from, kept per context and DaemonSet set."""
        key = ("templates", ds_key, frozenset(self.pool_filter)
               if self.pool_filter is not None else None)
        hit = cache.get(key)
        if hit is not None:
            self.templates, self.pool_reasons, self.universe, notes = hit
            self.notes.extend(notes)
            return
        before = len(self.notes)
        self._collect_templates()
        self._build_universe()
        cache[key] = (self.templates, self.pool_reasons, self.universe,
                           tuple(self.notes[before:]))

    def _collect_templates(self) -> None:
        for npc in self.ctx.node_pools:
            if self.pool_filter is not None and npc.name not in self.pool_filter:
                continue
            if npc.pending_problems:
                self.pool_reasons.extend(npc.pending_problems)
                continue
            try:
                self.templates.append(self.template(len(self.templates), npc))
            except InputError as err:
                # Karpenter's validation would keep such a NodePool from being Ready.
                self.pool_reasons.append(Reason(
                    code=NODEPOOL_NOT_READY, node_pool=npc.name,
                    message=f"NodePool {npc.name} is invalid: {err}",
                    fix=f"fix spec.template.spec.requirements of NodePool {npc.name}"))

    def template(self, index: int, npc: NodePoolContext) -> Template:
        pool = npc.node_pool
        reqs = template_requirements(pool)
        entries = [type_entry(it) for it in npc.instance_types]
        types = [t for t in entries
                 if t.requirements.intersects(reqs) is None and t.has_offering(reqs)]
        keys: set[str] = {LABEL_ZONE, LABEL_CAPACITY_TYPE}
        for t in entries:
            keys.update(t.requirements.keys())
        type_ports: dict[int, frozenset[PortKey]] = {}
        type_overhead: dict[str, dict[str, int]] = {}
        if self.ctx.rules.has(DAEMONSET_PER_INSTANCE_TYPE) and self.daemonsets:
            types, ds_overhead, ports, names, type_ports, type_overhead = \
                self._daemons_per_type(pool.taints, reqs, npc.allow_undefined_labels, types)
        else:
            ds_overhead, chosen = overhead(self.daemonsets, pool.taints, reqs,
                                           npc.allow_undefined_labels)
            ports = [k for ds in chosen for k in port_keys(ds.template.host_ports)]
            names = tuple(ds.key for ds in chosen)
        if not types and entries:
            self.notes.append(self._no_type_note(pool.name, reqs, npc.instance_types))
        return Template(index=index, npc=npc, requirements=reqs, taints=pool.taints,
                        has_min_values=reqs.has_min_values(),
                        allow_undefined=npc.allow_undefined_labels, types=types,
                        all_types=entries, type_keys=tuple(sorted(keys)),
                        daemon_overhead=ds_overhead, daemon_ports=ports,
                        daemon_names=names, type_ports=type_ports,
                        type_overhead=type_overhead)

    def _daemons_per_type(self, taints: tuple[Taint, ...], reqs: Requirements,
                          allow_undefined: frozenset[str], types: list[TypeEntry]
                          ) -> tuple[list[TypeEntry], dict[str, int], list[PortKey],
                                     tuple[str, ...], dict[int, frozenset[PortKey]],
                                     dict[str, dict[str, int]]]:
        """DaemonSet overhead and host ports per instance type (Karpenter v1.14+).

        upstream: scheduling/scheduler.go buildDaemonOverheadGroups groups the NodePool's
        types by the DaemonSets that would run on them; nodeclaim.go
        filterInstanceTypesByRequirements then fits pod + that group's overhead on each type
        and drops the types whose group's host ports the pod clashes with.

        Kept exact and fast by splitting each group's overhead in two: the part every group
        shares (the per-resource minimum) stays on the claim's requests, as before; the rest
        is taken off that type's allocatable (a type whose own daemons do not fit at all can
        never be chosen and goes). Host ports every group holds stay on the claim; the others
        are kept per type (``Template.type_ports``)."""
        groups: dict[tuple[str, ...], tuple[DaemonSet, ...]] = {}
        of_type: list[tuple[str, ...]] = []
        for t in types:
            chosen = daemons_for(self.daemonsets, taints, reqs, allow_undefined, t.requirements)
            key = tuple(sorted(ds.key for ds in chosen))
            groups.setdefault(key, chosen)
            of_type.append(key)
        loads = {key: requests_of(chosen) for key, chosen in groups.items()}
        port_sets = {key: frozenset(k for ds in chosen for k in port_keys(ds.template.host_ports))
                     for key, chosen in groups.items()}
        names = tuple(sorted({name for key in groups for name in key}))
        if len(groups) <= 1:
            key = next(iter(groups), ())
            return types, loads.get(key, {}), sorted(port_sets.get(key, frozenset())), \
                names, {}, {}
        shared: dict[str, int] = {}
        for name in {n for load in loads.values() for n in load}:
            shared[name] = min(load.get(name, 0) for load in loads.values())
        common = frozenset.intersection(*port_sets.values())
        kept: list[TypeEntry] = []
        type_ports: dict[int, frozenset[PortKey]] = {}
        for t, key in zip(types, of_type, strict=True):
            load = loads[key]
            if not fits(load, t.allocatable):
                continue
            extra = {name: milli - shared.get(name, 0) for name, milli in load.items()
                     if milli > shared.get(name, 0)}
            entry = t
            if extra:
                alloc = dict(t.allocatable)
                for name, milli in extra.items():
                    alloc[name] = alloc.get(name, 0) - milli
                entry = replace(t, allocatable=alloc)
            if port_sets[key] - common:
                type_ports[id(entry)] = port_sets[key] - common
            kept.append(entry)
        by_name = {t.name: loads[key] for t, key in zip(types, of_type, strict=True)}
        return kept, {k: v for k, v in shared.items() if v}, sorted(common), names, type_ports, \
            by_name

    @staticmethod
    def _no_type_note(name: str, reqs: Requirements, types: Sequence[InstanceType]) -> str:
        """Why a NodePool has no launchable type: its requirements, or (OfferingsUnavailable)
        every offering they allow is sold out."""
        labels = reqs.without(LABEL_ZONE, LABEL_CAPACITY_TYPE)
        zone, ctype = reqs.get(LABEL_ZONE), reqs.get(LABEL_CAPACITY_TYPE)
        allowed = [it for it in types
                   if it.requirements().without(
                       LABEL_ZONE, LABEL_CAPACITY_TYPE).intersects(labels) is None
                   and any(zone.has(o.zone) and ctype.has(o.capacity_type)
                           for o in it.offerings)]
        if allowed:
            return (f"NodePool {name}: every offering of the {len(allowed)} instance type(s) "
                    "its requirements allow is unavailable (sold out) in the zones and "
                    f"capacity types it allows ({OFFERINGS_UNAVAILABLE})")
        return (f"NodePool {name}: its requirements rule out every instance type of the "
                f"catalogue ({len(types)} types)")

    def _build_universe(self) -> None:
        universe: dict[str, dict[str, set[int]]] = {}
        for tpl in self.templates:
            # Every catalogue type of the NodePool counts, even one another key rules out
            # (buildDomainGroups intersects per key, not per type).
            for t in tpl.all_types:
                merged = tpl.requirements.intersect(t.requirements)
                for key, req in merged.items():
                    if not req.complement:
                        slot = universe.setdefault(key, {})
                        for value in req.values:
                            slot.setdefault(value, set()).add(tpl.index)
            for key, req in tpl.requirements.items():
                if not req.complement and key != LABEL_HOSTNAME:
                    slot = universe.setdefault(key, {})
                    for value in req.values:
                        slot.setdefault(value, set()).add(tpl.index)
        self.universe = universe
