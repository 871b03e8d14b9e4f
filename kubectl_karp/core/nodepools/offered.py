"""What a catalogue offers, as `catalog` lists it: every type with its offerings, and for one
NodePool, why each type is ruled out or can never launch.

The NodePool side asks the scheduler's own template (``template_requirements``), so
``catalog --nodepool`` lists exactly what ``simulate`` may launch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kubectl_karp.core.context import NodePoolContext
from kubectl_karp.core.nodepools.limits import limit_amount
from kubectl_karp.core.nodepools.template import template_requirements
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.objects import LABEL_CAPACITY_TYPE, LABEL_ZONE
from kubectl_karp.model.requirements import Requirements


@dataclass(frozen=True)
class OfferedType:
    it: InstanceType
    provider: str
    offerings: tuple[Offering, ...]  # available ones matching the filters
    excluded: str = ""  # why the NodePool rules it out (empty: allowed)
    # (resource, one node's amount, the NodePool's limit) for each spec.limits entry one node
    # of this type alone exceeds: it can never launch.
    over_limits: tuple[tuple[str, int, int], ...] = ()


def over_limits(it: InstanceType, npc: NodePoolContext) -> tuple[tuple[str, int, int], ...]:
    """The NodePool's ``spec.limits`` one node of this type alone exceeds: the scheduler
    drops such a type even with nothing in use (upstream: scheduling/scheduler.go
    filterByRemainingResources, against the type's capacity)."""
    limits = npc.node_pool.limits or {}
    return tuple((name, limit_amount(it.capacity, name), limit)
                 for name, limit in sorted(limits.items())
                 if limit_amount(it.capacity, name) > limit)


def _zone_matches(offering: Offering, zone: str | None) -> bool:
    return zone is None or zone in (offering.zone, offering.zone_name)


def _exclusion(it: InstanceType, offerings: Sequence[Offering], reqs: Requirements,
               npc: NodePoolContext) -> tuple[str, tuple[Offering, ...]]:
    clash = reqs.intersects(it.requirements().without(LABEL_ZONE, LABEL_CAPACITY_TYPE))
    if clash is not None:
        return clash.describe(f"NodePool {npc.name}", it.name), ()
    zone_req, ctype_req = reqs.get(LABEL_ZONE), reqs.get(LABEL_CAPACITY_TYPE)
    allowed = tuple(o for o in offerings if ctype_req.has(o.capacity_type)
                    and (zone_req.has(o.zone) or (o.zone_name and zone_req.has(o.zone_name))))
    if allowed:
        return "", allowed
    if not it.offerings:
        zones = ", ".join(sorted(npc.node_class_zones or ())) or "none"
        return f"not offered in the node class's zones ({zones})", ()
    if not offerings:
        return "no available offering matches --zone/--capacity-type (or all are sold out)", ()
    return (f"no available offering satisfies the NodePool's {LABEL_ZONE} / "
            f"{LABEL_CAPACITY_TYPE} requirements"), ()


def _keep(o: Offering, zone: str | None, capacity_type: str | None) -> bool:
    return o.available and _zone_matches(o, zone) and (
        capacity_type is None or o.capacity_type == capacity_type)


def catalog_types(catalogs: Sequence[InstanceTypeCatalog], *, zone: str | None,
                  capacity_type: str | None) -> list[OfferedType]:
    """Every type of ``catalogs`` with an offering matching the filters (all types when
    there are no filters)."""
    out = []
    for catalog in catalogs:
        for it in catalog.instance_types:
            offerings = tuple(o for o in it.offerings if _keep(o, zone, capacity_type))
            if offerings or (zone is None and capacity_type is None):
                out.append(OfferedType(it, catalog.provider, offerings))
    return out


def node_pool_types(npc: NodePoolContext, *, zone: str | None,
                    capacity_type: str | None) -> list[OfferedType]:
    """Every type of the NodePool's catalogue, with why the NodePool rules it out."""
    reqs = template_requirements(npc.node_pool)
    out = []
    for it in npc.instance_types:
        offerings = tuple(o for o in it.offerings if _keep(o, zone, capacity_type))
        reason, allowed = _exclusion(it, offerings, reqs, npc)
        out.append(OfferedType(it, npc.provider or "", allowed, reason,
                               over_limits(it, npc) if not reason else ()))
    return out
