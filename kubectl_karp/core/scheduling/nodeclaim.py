"""A NodeClaim planned in this run: its can-add check and its add (upstream: scheduling/
nodeclaim.go NodeClaim — NewNodeClaim, CanAdd, Add), and the NodePool limits that decide
which instance types a new one may still become."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubectl_karp.core.nodepools.launch import min_values_shortfall
from kubectl_karp.core.reasons import (
    HOST_PORT_CONFLICT,
    INSUFFICIENT_RESOURCE,
    NO_INSTANCE_TYPE_FITS,
    NODE_SELECTOR_MISMATCH,
    NODEPOOL_LIMIT_EXCEEDED,
    UNTOLERATED_TAINT,
)
from kubectl_karp.core.scheduling.hostports import PortKey, conflict, port_keys
from kubectl_karp.core.scheduling.nodes import Catalog, Template, TypeEntry, TypeSet
from kubectl_karp.core.scheduling.placement import (
    TOPOLOGY_CODES,
    ClaimPlan,
    Miss,
    add_requests,
    first_alternative,
    tolerates,
)
from kubectl_karp.core.scheduling.pods import PodShape
from kubectl_karp.model.objects import LABEL_HOSTNAME
from kubectl_karp.model.requirements import EMPTY_REQUIREMENTS, IN, Requirement, Requirements

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.scheduling.topology import Topology

_NO_PORTS: set[PortKey] = set()


@dataclass(eq=False)
class Claim:
    index: int
    template: Template
    hostname: str
    requirements: Requirements
    requests: dict[str, int]
    ts: TypeSet
    ports: set[PortKey]
    pods: list[Any] = field(default_factory=list)  # PendingPod

    @property
    def types(self) -> list[TypeEntry]:
        return self.ts.types()

    def can_add(self, shape: PodShape, topology: Topology,
                pool_ports: dict[int, set[PortKey]] | None) -> ClaimPlan | Miss:
        """upstream: nodeclaim.go CanAdd — taints, host ports, requirements, topology, then
        the instance types left with room (and minValues). ``pool_ports``: the NodePool-wide
        host-port book of releases before v1.13 (None from v1.13)."""
        if len(shape.volume_alternatives) > 1:  # each variant has exactly one
            return first_alternative(shape.volume_variants(),
                                     lambda v: self.can_add(v, topology, pool_ports))
        tpl = self.template
        if tpl.taints:
            tkey = ("taints", tpl.index)
            ok = shape.cache.get(tkey)
            if ok is None:
                ok = tolerates(shape.tolerations, tpl.taints)
                shape.cache[tkey] = ok
            if not ok:
                return Miss(UNTOLERATED_TAINT, True)
        if shape.host_ports:
            wanted = port_keys(shape.host_ports)
            clash = conflict(self.ports, wanted)
            if clash is None and pool_ports is not None:
                clash = conflict(pool_ports.get(tpl.index, _NO_PORTS), wanted)
            if clash is not None:
                return Miss(HOST_PORT_CONFLICT, True, clash)
        settled = True
        own = self.requirements
        matching = shape.matching
        if matching is None:
            matching = topology.matching(shape)
        if matching:
            quick = topology.quick_reject(shape, own)
            if isinstance(quick, Miss):
                return quick
            settled = quick
        wanted_reqs = shape.requirements
        if wanted_reqs is EMPTY_REQUIREMENTS:
            merged = own  # nothing to be compatible with, nothing to intersect
        else:
            incompatible = own.compatible(wanted_reqs, tpl.allow_undefined)
            if incompatible is not None:
                return Miss(NODE_SELECTOR_MISMATCH, True, incompatible)
            merged = own.intersect(wanted_reqs)
        topo = merged if settled else topology.add_requirements(shape, merged)
        if isinstance(topo, Miss):
            return topo
        requests = add_requests(self.requests, shape.requests)
        # A domain topology chose may be the one that fails; another may work later.
        lasting = topo is merged
        allowed: frozenset[int] | None = None
        if topo is not self.requirements:
            compat, allowed = compatible_types(tpl, topo)
            if not compat:
                if not lasting:
                    blame = _domain_blame(topology, shape, tpl, merged, topo)
                    if blame is not None:
                        return blame
                return Miss(NO_INSTANCE_TYPE_FITS, lasting, "requirements")
        ts = self.ts
        if tpl.type_ports and shape.host_ports:
            blocked = _port_blocked(tpl, shape)
            if blocked:
                allowed = (allowed if allowed is not None
                           else frozenset(id(t) for t in tpl.types)) - blocked
                if not ts.any_fit({}, allowed):
                    wanted = port_keys(shape.host_ports)
                    clash = next(c for c in (conflict(set(p), wanted)
                                             for p in tpl.type_ports.values()) if c is not None)
                    return Miss(HOST_PORT_CONFLICT, lasting, clash)
        if not (allowed is None and ts.all_fit(requests)) and not ts.any_fit(requests, allowed):
            return Miss(INSUFFICIENT_RESOURCE, lasting, requests)
        # minValues only ever come from the NodePool (pods cannot carry them).
        if tpl.has_min_values and topo.has_min_values():
            shortfall = min_values_shortfall(topo, (t.it for t in ts.preview(requests, allowed)))
            if shortfall:
                return Miss(NO_INSTANCE_TYPE_FITS, lasting, ("minValues", shortfall))
        return ClaimPlan(topo, allowed, requests)

    def add(self, shape: PodShape, plan: ClaimPlan, topology: Topology,
            pool_ports: dict[int, set[PortKey]] | None) -> bool:
        """upstream: nodeclaim.go Add — take what :meth:`can_add` planned, book the pod's
        host ports and record it for topology. Returns whether the requirements changed."""
        self.ts.commit(plan.requests, plan.allowed)
        narrowed = plan.requirements is not self.requirements
        self.requirements = plan.requirements
        self.requests = plan.requests
        if shape.host_ports:
            self.ports.update(port_keys(shape.host_ports))
            if pool_ports is not None:
                pool_ports.setdefault(self.template.index, set()).update(
                    port_keys(shape.host_ports))
        topology.record(shape, plan.requirements, self.template.taints,
                        self.template.allow_undefined)
        return narrowed


def compatible_types(tpl: Template, reqs: Requirements
                     ) -> tuple[list[TypeEntry], frozenset[int] | None]:
    """Template types compatible with ``reqs`` (requirements and offerings), cached per
    distinct requirement set on the keys instance types define; ``None`` ids = all."""
    key = tuple(reqs.defined(k) for k in tpl.type_keys)
    hit = tpl.compat.get(key)
    if hit is None:
        types = [t for t in tpl.types
                 if t.requirements.intersects(reqs) is None and t.has_offering(reqs)]
        ids = None if len(types) == len(tpl.types) else frozenset(id(t) for t in types)
        hit = (types, ids)
        tpl.compat[key] = hit
    return hit


def _port_blocked(tpl: Template, shape: PodShape) -> frozenset[int]:
    """The template's types whose own DaemonSets hold a host port the pod wants (v1.14:
    filterInstanceTypesByRequirements skips a group whose HostPortUsage conflicts)."""
    key = shape.host_ports
    hit = tpl.port_blocks.get(key)
    if hit is None:
        wanted = port_keys(shape.host_ports)
        hit = frozenset(i for i, ports in tpl.type_ports.items()
                        if conflict(set(ports), wanted) is not None)
        tpl.port_blocks[key] = hit
    return hit


def _domain_blame(topology: Topology, shape: PodShape, tpl: Template, merged: Requirements,
                  topo: Requirements) -> Miss | None:
    """When the pod alone fits the NodePool but the domain topology chose does not (a
    zone only an existing node provides, say), name the topology rule, not the types."""
    if not compatible_types(tpl, merged)[0]:
        return None
    for group, _ in topology.matching(shape):
        chosen = topo.get(group.key)
        if chosen != merged.get(group.key):
            return Miss(TOPOLOGY_CODES[group.kind], False,
                        (group, shape.strict.get(group.key), merged.get(group.key), chosen))
    return None


def base_catalog(tpl: Template, remaining: dict[str, int] | None) -> Catalog | Miss:
    """The template's types, minus those the NodePool's remaining limits no longer allow
    (upstream: scheduler.go filterByRemainingResources)."""
    if tpl.catalog is None:
        tpl.catalog = Catalog(tpl.types)
    if remaining is None:
        return tpl.catalog
    over = tpl.catalog.over_limits(remaining)
    if not over:
        return tpl.catalog
    if len(over) == len(tpl.types):
        return Miss(NODEPOOL_LIMIT_EXCEEDED, True)
    cat = tpl.limited.get(over)
    if cat is None:
        skip = set(over)
        cat = Catalog([t for i, t in enumerate(tpl.types) if i not in skip])
        tpl.limited[over] = cat
    return cat


def new_claim(tpl: Template, cat: Catalog, index: int, seq: int) -> Claim:
    """A fresh NodeClaim from ``tpl`` over ``cat`` (upstream: NewNodeClaim), not yet part of
    the run; ``seq`` numbers its placeholder hostname."""
    hostname = f"hostname-placeholder-{seq:04d}"
    reqs = tpl.requirements.add(Requirement.of(LABEL_HOSTNAME, IN, (hostname,)))
    return Claim(index=index, template=tpl, hostname=hostname, requirements=reqs,
                 requests=dict(tpl.daemon_overhead), ts=TypeSet(cat),
                 ports=set(tpl.daemon_ports))
