"""StaticDrift (upstream disruption/staticdrift.go, Karpenter v1.8 #2521): a drifted node of a
static NodePool (``spec.replicas``) is replaced one for one by a NodeClaim from the NodePool's
template, without a scheduling simulation — the provisioner places the pods later.

Per NodePool: nothing while a scale-down is still under way (more nodes than replicas), at
most as many as the Drifted budget allows, and never past ``limits.nodes`` counting the nodes
still draining (ReserveNodeCount): a static NodePool whose node limit equals its replicas has
no room to surge and its drifted nodes stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kubectl_karp.core import reasons as R
from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.disruption.budgets import REASON_DRIFTED
from kubectl_karp.core.disruption.candidates import Candidate
from kubectl_karp.core.disruption.methods.consolidation import Attempt
from kubectl_karp.core.disruption.plan import METHOD_STATIC_DRIFT, Action, Replacement
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.scheduling import nodepool_template
from kubectl_karp.model.objects import LABEL_CAPACITY_TYPE, LABEL_ZONE


@dataclass(frozen=True)
class PoolCount:
    active: int  # NodeClaims of the NodePool that are not deleting (in-flight ones too)
    deleting: int


def _launch(ctx: SchedulingContext, pool: str, name: str) -> Replacement | None:
    tpl = nodepool_template(ctx, pool)
    if tpl is None:
        return None
    zone, ctype = (tpl.requirements.defined(LABEL_ZONE),
                   tpl.requirements.defined(LABEL_CAPACITY_TYPE))
    priced = []
    for it in tpl.instance_types:
        offers = [o for o in it.available_offerings()
                  if (zone is None or zone.has(o.zone))
                  and (ctype is None or ctype.has(o.capacity_type))]
        known = [o for o in offers if o.price_per_hour is not None]
        if known:
            best = min(known, key=lambda o: (o.price_per_hour or 0.0, o.zone))
            priced.append((best.price_per_hour or 0.0, it.name, best))
        elif offers:
            priced.append((float("inf"), it.name, offers[0]))
    if not priced:
        return None
    priced.sort(key=lambda t: (t[0], t[1]))
    _, type_name, offer = priced[0]
    return Replacement(name=name, node_pool=pool, instance_type=type_name, zone=offer.zone,
                       zone_name=offer.zone_name, capacity_type=offer.capacity_type,
                       price_per_hour=offer.price_per_hour,
                       instance_type_options=tuple(t[1] for t in priced))


def static_drift(ctx: SchedulingContext, candidates: Sequence[Candidate],
                 budget: dict[str, int], counts: dict[str, PoolCount], replacement_name: str
                 ) -> tuple[Action | None, dict[str, Attempt]]:
    """The first StaticDrift command, by NodePool then node name; why the others wait."""
    by_pool: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_pool.setdefault(c.pool.name, []).append(c)
    failures: dict[str, Attempt] = {}

    def wait(group: Sequence[Candidate], message: str, code: str = R.BUDGET_EXHAUSTED) -> None:
        for c in group:
            failures[c.name] = Attempt(None, (Reason(code=code, node=c.name,
                                                     node_pool=c.pool.name,
                                                     message=message),))

    for name in sorted(by_pool):
        group = sorted(by_pool[name], key=lambda c: c.name)
        pool = group[0].pool
        replicas = pool.replicas or 0
        count = counts.get(name, PoolCount(0, 0))
        if budget.get(name, 0) <= 0:
            continue  # the planner explains an exhausted budget
        if count.active > replicas:
            wait(group, f"static NodePool {name} has {count.active} nodes for {replicas} "
                        "replicas: Karpenter replaces drifted nodes only once the scale-down "
                        "is done")
            continue
        limit = pool.limits.get("nodes")
        # limits are kept in milli-units: nodes: 3 is 3000
        room = len(group) if limit is None else \
            limit // 1000 - count.active - count.deleting
        if min(budget[name], len(group), room) <= 0:
            wait(group, f"static NodePool {name} is at its limits.nodes ({count.active} "
                        f"active and {count.deleting} draining): a replacement would exceed "
                        "it", R.PODS_CANNOT_RESCHEDULE)
            continue
        cand = group[0]
        rep = _launch(ctx, name, replacement_name)
        if rep is None:
            wait([cand], f"static NodePool {name} has no instance type to launch a "
                         "replacement from", R.PODS_CANNOT_RESCHEDULE)
            continue
        savings = None
        if cand.price is not None and rep.price_per_hour is not None:
            savings = cand.price - rep.price_per_hour
        return Action(type="replace", method=METHOD_STATIC_DRIFT, reason=REASON_DRIFTED,
                      nodes=(cand.name,), node_pools=(name,), replacements=(rep,), moves=(),
                      price_per_hour=cand.price, savings_per_hour=savings), failures
    return None, failures
