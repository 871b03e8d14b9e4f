"""Why a NodePool would, or would not, launch a node for one pod: each reason with a fix.

Walks the same gates Karpenter does for a new NodeClaim — NodePool/node-class state, taints,
requirements (NodePool ∩ pod ∩ volume zones), instance types that match, that have room
(daemonset overhead included), that have an available offering, and NodePool limits — and
stops narrowing at the first gate that leaves nothing, naming what is closest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kubectl_karp.core import reasons as rc
from kubectl_karp.core.context import NodePoolContext, SchedulingContext
from kubectl_karp.core.diagnosis.fixes import disk_fix, with_fix
from kubectl_karp.core.diagnosis.limits import limits_check
from kubectl_karp.core.diagnosis.matching import untolerated
from kubectl_karp.core.diagnosis.text import (
    amount,
    join,
    plural,
    pod_field,
    pod_spec_path,
    resource_name,
    toleration_for,
    workload,
)
from kubectl_karp.core.diagnosis.verdicts import ClosestType, NodePoolVerdict
from kubectl_karp.core.diagnosis.volumes import VolumePin
from kubectl_karp.core.nodepools import template_requirements
from kubectl_karp.core.nodepools.daemonsets import daemon_pods, overheads_by_type
from kubectl_karp.core.nodepools.instancetypes import type_requirements
from kubectl_karp.core.nodepools.launch import min_values_shortfall
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.releases import DAEMONSET_PER_INSTANCE_TYPE
from kubectl_karp.errors import InputError
from kubectl_karp.model import resources as res
from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    DaemonSet,
    Pod,
)
from kubectl_karp.model.requirements import Incompatibility, Requirement, Requirements
from kubectl_karp.model.requirements import pod_requirements as _pod_requirements
from kubectl_karp.providers.registry import provider_named

_OFFERING_KEYS = (LABEL_ZONE, LABEL_CAPACITY_TYPE)
# What only the whole batch reveals: other pods' topology, affinity, and limits they used.
BATCH_CODES = (rc.TOPOLOGY_SPREAD, rc.POD_AFFINITY, rc.POD_ANTI_AFFINITY,
               rc.NODEPOOL_LIMIT_EXCEEDED)
_CLOSEST = 3


# --------------------------------------------------------------------------- building blocks

def pod_alternatives(pod: Pod) -> list[Requirements] | None:
    """The pod's required-affinity alternatives; None when they cannot even be read."""
    try:
        return _pod_requirements(pod)
    except InputError:
        return None


def offering_allowed(offering: Offering, reqs: Requirements) -> bool:
    return offering.allowed_by(reqs)


def daemon_overheads(ctx: SchedulingContext, npc: NodePoolContext, types: Sequence[InstanceType],
                     extra: Sequence[DaemonSet] = ()) -> dict[str, dict[str, int]]:
    """Requests of the daemonset pods that would land on a new node of this NodePool, per
    instance type (the scheduler's own rule, so both reserve the same room)."""
    return overheads_by_type(daemon_pods(ctx.snapshot, extra), npc.node_pool.taints,
                             template_requirements(npc.node_pool), npc.allow_undefined_labels,
                             types, per_type=ctx.rules.has(DAEMONSET_PER_INSTANCE_TYPE))


def sold_out_reason(npc: NodePoolContext) -> Reason | None:
    """A blocker when no instance type the NodePool allows has any available offering."""
    try:
        reqs = template_requirements(npc.node_pool)
    except InputError:
        return None
    label_reqs = reqs.without(*_OFFERING_KEYS)
    allowed = [it for it in npc.instance_types
               if type_requirements(it).intersects(label_reqs) is None
               and any(offering_allowed(o, reqs) for o in it.offerings)]
    if not allowed or any(o.available and offering_allowed(o, reqs)
                          for it in allowed for o in it.offerings):
        return None
    name = npc.node_pool.name
    return Reason(
        rc.OFFERINGS_UNAVAILABLE,
        f"NodePool {name}: all {plural(len(allowed), 'instance type')} it allows are sold out "
        "in every zone and capacity type it allows",
        detail="the cloud reports no stock for any of them; Karpenter cannot launch until "
               "stock returns",
        fix=f"widen the instance families, zones or capacity types of NodePool {name} "
            "(e.g. allow spot), or retry later", node_pool=name)


class _OfferingCheck:
    """``offering_allowed`` against one set of requirements, answered once per distinct
    offering label set: a catalogue's hundreds of types share a handful of zone and
    capacity-type combinations, and one pod's walk asks about each of them per type."""

    def __init__(self, reqs: Requirements) -> None:
        self._reqs = reqs
        self._seen: dict[tuple[tuple[str, str], ...], bool] = {}

    def __call__(self, offering: Offering) -> bool:
        items = offering.label_items()
        known = self._seen.get(items)
        if known is None:
            known = self._seen[items] = offering_allowed(offering, self._reqs)
        return known


def _cheapest(it: InstanceType, allowed: _OfferingCheck) -> float | None:
    prices = [o.price_per_hour for o in it.offerings
              if o.available and o.price_per_hour is not None and allowed(o)]
    return min(prices) if prices else None


def _size_key(it: InstanceType) -> tuple[int, int, str]:
    return (it.capacity.get("cpu", 0), it.capacity.get("memory", 0), it.name)


# --------------------------------------------------------------------------- one NodePool

@dataclass
class _Diagnosis:
    ctx: SchedulingContext
    npc: NodePoolContext
    pod: Pod
    pins: Sequence[VolumePin]
    planned: Mapping[str, int]  # capacity of NodeClaims simulate plans for this pool already
    daemonsets: Sequence[DaemonSet] = ()  # hypothetical DaemonSets (-f) besides the cluster's

    def __post_init__(self) -> None:
        self.reasons: list[Reason] = list(self.npc.pending_problems)
        self.closest: tuple[ClosestType, ...] = ()
        self.candidates: tuple[str, ...] = ()
        self.pool = self.npc.node_pool
        provider = provider_named(self.npc.provider) if self.npc.provider else None
        self.provider = provider
        self.family_label = provider.family_label if provider else None
        self.provider_title = provider.title if provider else "known"

    def add(self, code: str, message: str, detail: str = "", fix: str = "") -> None:
        self.reasons.append(Reason(code, message, detail, fix, node_pool=self.pool.name))

    # ------------------------------------------------------------------ gates
    def run(self) -> NodePoolVerdict:
        self.check_taints()
        combined = self.check_requirements()
        if combined is not None:
            self.check_instance_types(combined)
        return NodePoolVerdict(self.pool.name, accepted=not self.reasons,
                               reasons=tuple(self.reasons), closest=self.closest,
                               candidates=self.candidates)

    def check_taints(self) -> None:
        blocking = untolerated(self.pool.taints, self.pod.tolerations)
        if not blocking:
            return
        where = f"{pod_spec_path(self.pod)}.tolerations of {workload(self.pod)}"
        self.add(rc.UNTOLERATED_TAINT,
                 f"NodePool {self.pool.name} taints its nodes with {join(map(str, blocking))}, "
                 "which the pod does not tolerate",
                 detail="spec.template.spec.taints are on every node the NodePool launches",
                 fix=f"if the pod belongs on NodePool {self.pool.name}'s nodes, add to {where}: "
                     + "; ".join(toleration_for(t) for t in blocking))

    def check_requirements(self) -> Requirements | None:
        template = template_requirements(self.pool)
        alternatives = pod_alternatives(self.pod)
        if alternatives is None:
            self.add(rc.INCOMPATIBLE_REQUIREMENT,
                     "the pod's required node affinity cannot be read (a Gt/Lt value that is "
                     "not an integer?)",
                     fix=f"check {pod_spec_path(self.pod)}.affinity.nodeAffinity of "
                         f"{workload(self.pod)}")
            return None
        allow = self.npc.allow_undefined_labels
        first: list[Incompatibility] = []
        for alt in alternatives:
            problems = template.incompatibilities(alt, allow)
            if not problems:
                return self.check_volume_zones(template.intersect(alt))
            first = first or problems
        terms = len(alternatives)
        for problem in first:
            self.requirement_reason(problem, terms)
        return None

    def requirement_reason(self, problem: Incompatibility, terms: int) -> None:
        pool = self.pool.name
        key = problem.key
        selector_value = self.pod.node_selector.get(key)
        if selector_value is not None and problem.ours is None:
            self.add(rc.NODE_SELECTOR_MISMATCH,
                     f"the pod's nodeSelector {key}={selector_value} matches no label of "
                     f"NodePool {pool}'s template",
                     detail=f"{key} is not a well-known label, so only "
                            "spec.template.metadata.labels or an In requirement of the NodePool "
                            "can give nodes that label",
                     fix=f"add {key}: {selector_value} to spec.template.metadata.labels of "
                         f"NodePool {pool}, or remove it from "
                         f"{pod_field(self.pod, 'nodeSelector')}")
            return
        if selector_value is not None:
            allowed = problem.ours.describe() if problem.ours else "nothing"
            self.add(rc.NODE_SELECTOR_MISMATCH,
                     f"the pod's nodeSelector {key}={selector_value} is outside NodePool "
                     f"{pool}'s {key} {allowed}",
                     fix=f"widen NodePool {pool} requirement {key} to include {selector_value}, "
                         f"or change {pod_field(self.pod, 'nodeSelector')}")
            return
        wanted = problem.theirs.describe() if problem.theirs else "any value"
        which = "" if terms == 1 else f" (none of its {terms} node-affinity terms fits; first)"
        if problem.ours is None:
            self.add(rc.INCOMPATIBLE_REQUIREMENT,
                     f"the pod requires {key} {wanted}{which}, a label NodePool {pool} does not "
                     "define",
                     detail=problem.message,
                     fix=f"add {key} to NodePool {pool} (spec.template.metadata.labels or an In "
                         "requirement), or drop it from "
                         f"{pod_field(self.pod, 'affinity.nodeAffinity')}")
            return
        values = problem.theirs.values_list() if problem.theirs and \
            not problem.theirs.complement else []
        widen = (f"widen NodePool {pool} requirement {key} to include "
                 f"{join(values, conjunction='or')}" if values
                 else f"relax NodePool {pool} requirement {key}")
        self.add(rc.INCOMPATIBLE_REQUIREMENT,
                 f"the pod requires {key} {wanted}{which} but NodePool {pool} allows "
                 f"{problem.ours.describe()}",
                 detail=problem.message,
                 fix=f"{widen}, or relax {pod_field(self.pod, 'affinity.nodeAffinity')}")

    def check_volume_zones(self, combined: Requirements) -> Requirements | None:
        for pin in self.pins:
            zones = pin.zones()
            if zones is None:
                continue
            allowed = combined.get(LABEL_ZONE)
            if not any(allowed.has(z) for z in zones):
                self.add(rc.VOLUME_ZONE_CONFLICT,
                         f"volume {pin.volume} (claim {pin.claim}) is in zone "
                         f"{self.zones_text(zones)}, but NodePool {self.pool.name} allows "
                         f"{LABEL_ZONE} {allowed.describe()}",
                         detail="a zonal PersistentVolume pins its pod to the volume's zone",
                         fix=f"add {join(sorted(zones))} to NodePool {self.pool.name} requirement "
                             f"{LABEL_ZONE}, or move the data to a volume in an allowed zone")
                return None
            combined = combined.add(Requirement.of(LABEL_ZONE, "In", zones))
        return combined

    def zones_text(self, zones: frozenset[str] | set[str], conjunction: str = "and") -> str:
        out = []
        for zone in sorted(zones):
            name = self.ctx.zone_name(zone)
            if name == zone and self.provider is not None:
                name = self.provider.zone_name(zone) or zone
            out.append(zone if name == zone else f"{zone} ({name})")
        return join(out, conjunction=conjunction)

    # ------------------------------------------------------------------ instance types
    def check_instance_types(self, combined: Requirements) -> None:
        types = self.npc.instance_types
        if not types:
            if not self.npc.pending_problems:
                self.add(rc.NO_INSTANCE_TYPE_FITS,
                         f"no {self.provider_title} instance types are known for NodePool "
                         f"{self.pool.name}",
                         detail="without a catalogue kubectl-karp cannot tell what Karpenter "
                                "could launch",
                         fix="pass --catalog FILE, or give credentials for the live catalogue")
            return
        label_reqs = combined.without(*_OFFERING_KEYS)
        matching = [it for it in types if type_requirements(it).intersects(label_reqs) is None]
        if not matching:
            self.no_type_matches(types, label_reqs)
            return
        overheads = daemon_overheads(self.ctx, self.npc, matching, self.daemonsets)
        roomy = [it for it in matching
                 if res.fits(res.add(self.pod.requests, overheads[it.name]), it.allocatable)]
        if not roomy:
            # Worded with the overhead every type carries (per resource, the least of them;
            # all of it when the DaemonSets are the same on every type), as the scheduler.
            names = {k for o in overheads.values() for k in o}
            overhead = {k: min(o.get(k, 0) for o in overheads.values()) for k in names}
            need = res.add(self.pod.requests, overhead)
            self.nothing_big_enough(matching, need, overhead, combined)
            return
        allowed = _OfferingCheck(combined)
        offered = [it for it in roomy if any(o.available and allowed(o) for o in it.offerings)]
        if not offered:
            self.no_offering(roomy, combined)
            return
        shortfall = min_values_shortfall(combined, offered)
        if shortfall:
            key, wanted, have = shortfall[0]
            self.add(rc.NO_INSTANCE_TYPE_FITS,
                     f"NodePool {self.pool.name} requirement {key} needs minValues {wanted} "
                     f"distinct values, but only {have} remain among the "
                     f"{plural(len(offered), 'instance type')} that fit the pod",
                     fix=f"lower minValues of {key} on NodePool {self.pool.name} to {have}, or "
                         "widen its requirements so more instance types qualify")
            return
        within = self.check_limits(offered)
        if within:
            cheapest = {it.name: _cheapest(it, allowed) for it in within}
            priced = sorted(within, key=lambda it: (cheapest[it.name] is None,
                                                    cheapest[it.name] or 0.0, _size_key(it)))
            self.candidates = tuple(it.name for it in priced[:_CLOSEST])

    def no_type_matches(self, types: Sequence[InstanceType], label_reqs: Requirements) -> None:
        eliminated: Counter[str] = Counter()
        for it in types:
            labels = it.labels
            for key, req in label_reqs.items():
                value = labels.get(key)
                if value is not None and not req.has(value):
                    eliminated[key] += 1
        keys = [k for k, _ in eliminated.most_common(3)]
        shown = join(f"{k} {label_reqs.get(k).describe()}" for k in keys)
        self.add(rc.NO_INSTANCE_TYPE_FITS,
                 f"none of the {plural(len(types), self.provider_title + ' instance type')} "
                 f"matches NodePool {self.pool.name}'s requirements together with the pod's"
                 + (f" ({shown})" if shown else ""),
                 detail="the requirements of the NodePool and the pod are intersected; every "
                        "known instance type has a label outside that intersection",
                 fix=(f"widen {join(keys)} on NodePool {self.pool.name} or in the pod's node "
                      "affinity; `kubectl karp catalog` lists the labels of each type")
                 if keys else "")

    def nothing_big_enough(self, matching: Sequence[InstanceType], need: Mapping[str, int],
                           overhead: Mapping[str, int], combined: Requirements) -> None:
        lacking: Counter[str] = Counter()
        for it in matching:
            for name in res.insufficient(need, it.allocatable):
                lacking[name] += 1
        # Ties go to CPU, then memory, then by name: ``need`` may be built from a set union, so
        # its order (and most_common's tie-break) would otherwise vary between runs.
        main = min(lacking, key=lambda r: (-lacking[r], r != "cpu", r != "memory", r))
        ranked = sorted(matching, key=lambda it: (-it.allocatable.get(main, 0),
                                                  len(res.insufficient(need, it.allocatable)),
                                                  it.name))
        self.closest = tuple(
            ClosestType(it.name, dict(res.subtract(it.allocatable, overhead)),
                        {r: need.get(r, 0) - it.allocatable.get(r, 0)
                         for r in res.insufficient(need, it.allocatable)})
            for it in ranked[:_CLOSEST])
        best = ranked[0]
        family = ""
        if self.family_label and best.labels.get(self.family_label):
            family = f"{best.labels[self.family_label]} "
        requested = self.pod.requests.get(main, 0)
        free = best.allocatable.get(main, 0) - overhead.get(main, 0)
        ds = f" after {amount(main, overhead[main])} for daemonsets" if overhead.get(main) else ""
        if best.allocatable.get(main, 0) <= 0:
            message = (f"none of the {plural(len(matching), 'instance type')} NodePool "
                       f"{self.pool.name} allows has any {resource_name(main)}; the pod requests "
                       f"{amount(main, requested)}")
        else:
            message = (f"no instance type NodePool {self.pool.name} allows has room: the largest "
                       f"{family}type allowed is {best.name} with {amount(main, max(free, 0))} "
                       f"allocatable {resource_name(main)}{ds}; the pod requests "
                       f"{amount(main, requested)}")
        self.add(rc.NO_INSTANCE_TYPE_FITS, message,
                 detail=f"{plural(len(matching), 'instance type')} match the requirements; "
                        f"{plural(lacking[main], 'lacks', 'lack')} {resource_name(main)}",
                 fix=self.bigger_type_fix(need, combined, main, best, free))

    def bigger_type_fix(self, need: Mapping[str, int], combined: Requirements, main: str,
                        best: InstanceType, free: int) -> str:
        """Name a type of the catalogue that would fit and the requirement that excludes it."""
        pool_reqs = template_requirements(self.pool).without(*_OFFERING_KEYS, LABEL_NODEPOOL)
        pod_only = combined.without(*pool_reqs.keys())
        big = sorted((it for it in self.npc.instance_types
                      if res.fits(need, it.allocatable)
                      and type_requirements(it).intersects(pod_only.without(*_OFFERING_KEYS))
                      is None), key=_size_key)
        spec = pod_field(self.pod, "containers")
        node_class = self.npc.node_class
        if main == "ephemeral-storage" and self.npc.ephemeral_storage_source and node_class:
            return disk_fix(node_class.kind, node_class.name, self.npc.ephemeral_storage_source,
                            f"lower the ephemeral-storage requests in {spec} to at most "
                            f"{amount(main, max(free, 0))}")
        if not big:
            largest = max(self.npc.instance_types, key=lambda it: it.allocatable.get(main, 0))
            if largest.allocatable.get(main, 0) <= 0:
                return (f"no {self.provider_title} instance type in the catalogue offers "
                        f"{resource_name(main)}: add types that do (--catalog) and allow them in "
                        f"NodePool {self.pool.name}, or remove the request from {spec}")
            return (f"no {self.provider_title} instance type in the catalogue has room (the "
                    f"largest, {largest.name}, has {amount(main, largest.allocatable.get(main, 0))}"
                    f" allocatable {resource_name(main)}): lower the {resource_name(main)} "
                    f"requests in {spec} to at most {amount(main, max(free, 0))}")
        target = big[0]
        blocking = [key for key, req in pool_reqs.items()
                    if target.labels.get(key) is not None and not req.has(target.labels[key])]
        if not blocking:
            return (f"lower the {resource_name(main)} requests in {spec} to at most "
                    f"{amount(main, max(free, 0))}")
        key = blocking[0]
        return (f"widen NodePool {self.pool.name} requirement {key} to include "
                f"{target.labels[key]} (e.g. {target.name}: "
                f"{amount(main, target.allocatable.get(main, 0))} allocatable "
                f"{resource_name(main)}), or lower the {resource_name(main)} requests in {spec} "
                f"to at most {amount(main, max(free, 0))}")

    def no_offering(self, roomy: Sequence[InstanceType], combined: Requirements) -> None:
        zone_req = combined.get(LABEL_ZONE)
        ct_req = combined.get(LABEL_CAPACITY_TYPE)
        allowed = [o for it in roomy for o in it.offerings if offering_allowed(o, combined)]
        names = join(it.name for it in sorted(roomy, key=_size_key))
        node_class = self.npc.node_class
        nc_text = f"{node_class.kind} {node_class.name}" if node_class else "its node class"
        if allowed:
            zones = {o.zone for o in allowed}
            ctypes = sorted({o.capacity_type for o in allowed})
            other_ct = sorted({o.capacity_type for it in roomy for o in it.offerings
                               if o.available and zone_req.has(o.zone)} - set(ctypes))
            fix = (f"allow {join(other_ct, conjunction='or')} in NodePool {self.pool.name} "
                   f"requirement {LABEL_CAPACITY_TYPE}" if other_ct else
                   f"allow more instance families or zones in NodePool {self.pool.name} "
                   f"(and subnets in more zones in {nc_text}); retry later, stock returns")
            self.add(rc.OFFERINGS_UNAVAILABLE,
                     f"every instance type that fits ({names}) is sold out in "
                     f"{self.zones_text(zones)} ({join(ctypes)})",
                     detail="the cloud reports no stock for these offerings; Karpenter skips "
                            "unavailable offerings",
                     fix=fix)
            return
        offered_zones = {o.zone for it in roomy for o in it.offerings}
        pinned = [p for p in self.pins if p.zones() is not None]
        if pinned:
            pin = pinned[0]
            pin_zones = pin.zones() or frozenset()
            self.add(rc.VOLUME_ZONE_CONFLICT,
                     f"volume {pin.volume} (claim {pin.claim}) is in zone "
                     f"{self.zones_text(pin_zones)}, where {nc_text} of NodePool {self.pool.name} "
                     "has no subnet"
                     + (f" (it launches in {self.zones_text(offered_zones)})"
                        if offered_zones else ""),
                     detail="nodes for this pod must be in the volume's zone; the node class "
                            "only launches where it has subnets",
                     fix=f"add a subnet in zone {self.zones_text(pin_zones)} to {nc_text}, or move "
                         f"the data of claim {pin.claim} to a volume in "
                         f"{self.zones_text(offered_zones, 'or') or 'a zone it serves'}")
            return
        wanted = f"{LABEL_ZONE} {zone_req.describe()}, {LABEL_CAPACITY_TYPE} {ct_req.describe()}"
        self.add(rc.OFFERINGS_UNAVAILABLE,
                 f"no offering of the instance types that fit ({names}) satisfies {wanted}"
                 + (f"; {nc_text} launches in {self.zones_text(offered_zones)}"
                    if offered_zones else f"; {nc_text} offers no zone at all"),
                 detail="an offering is one zone and capacity type of an instance type; the "
                        "NodePool's and pod's zone and capacity-type requirements must allow one",
                 fix=f"align the zone/capacity-type requirements of NodePool {self.pool.name} "
                     f"and the pod with the zones of {nc_text} (or add subnets there)")

    def check_limits(self, offered: Sequence[InstanceType]) -> list[InstanceType]:
        within, reason = limits_check(self.ctx, self.pool, self.planned, offered)
        if reason is not None:
            self.reasons.append(reason)
        return within


def diagnose_node_pool(ctx: SchedulingContext, npc: NodePoolContext, pod: Pod,
                       pins: Sequence[VolumePin], *,
                       planned: Mapping[str, int] | None = None,
                       daemonsets: Sequence[DaemonSet] = ()) -> NodePoolVerdict:
    """``pod`` against one NodePool on its own; ``planned`` is the capacity of NodeClaims the
    simulation already plans for this NodePool (it counts against the limits)."""
    return _Diagnosis(ctx, npc, pod, pins, planned or {}, daemonsets).run()


def pending_verdict(mine: NodePoolVerdict, batch: Sequence[Reason], pod: Pod) -> NodePoolVerdict:
    """The one classification of a NodePool for a pod the scheduler leaves pending.

    ``mine`` is :func:`diagnose_node_pool` (the pod on its own, in depth); ``batch`` what the
    scheduler said about this NodePool. simulate reports these reasons and explain shows
    them, so both give the same codes and fixes. The scheduler's reasons count only where
    they see what a single-pod diagnosis cannot (the rest of the batch); a NodePool is never
    left accepting a pod that stays pending.
    """
    theirs = [with_fix(r, pod) for r in batch]
    if mine.accepted:
        if not theirs:
            theirs = [Reason(
                rc.NO_INSTANCE_TYPE_FITS,
                f"on its own the pod fits NodePool {mine.name}, but not together with the "
                "other pending pods of this simulation",
                detail="earlier pods took the room, the limits or the topology domains "
                       "this pod could have used",
                fix=f"raise the limits of NodePool {mine.name} or allow more instance "
                    "types, so that all pending pods fit", node_pool=mine.name)]
        return NodePoolVerdict(mine.name, accepted=False, reasons=tuple(theirs),
                               closest=mine.closest)
    codes = {r.code for r in mine.reasons}
    extra = tuple(r for r in theirs if r.code in BATCH_CODES and r.code not in codes)
    return NodePoolVerdict(mine.name, accepted=False, reasons=mine.reasons + extra,
                           closest=mine.closest)
