"""Rescheduling a set of candidates' pods with the provisioning simulator.

Upstream SimulateScheduling (disruption/helpers.go): the cluster's pending pods, the
candidates' reschedulable pods and the pods of nodes that are already deleting are scheduled
together onto the other nodes and, if needed, new NodeClaims. Only the pods that are not
pending must all find a place (AllNonPendingPodsScheduled), but the pending ones take room and
may need a NodeClaim of their own. A pod that would only fit on a node that is not initialised
yet (a replacement still booting) counts as unplaceable: Karpenter does not build a decision on
capacity that is not there. From v1.14 a consolidation simulation also keeps the candidates'
pods off nodes still inside their NodePool's consolidateAfter (#3006).

A caller that only needs to know whether a simulation succeeds (the rollout: its timeline shows
actions, never why a candidate was passed over) may ask for ``Env.first_miss``: the run stops
as soon as one of the candidates' pods is placed on a node that is not initialised, which
settles the answer (that pod is unplaceable whatever the rest of the run does), and the outcome
names that one pod. Most simulations of a rollout fail this way, a third of the way through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from kubectl_karp.core import reasons as R
from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.disruption.balanced import PoolTotals
from kubectl_karp.core.disruption.candidates import Candidate
from kubectl_karp.core.disruption.plan import Move
from kubectl_karp.core.disruption.room import RoomIndex
from kubectl_karp.core.nodepools.launch import worst_launch_price
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.scheduling import PlannedNodeClaim, simulate
from kubectl_karp.core.scheduling.cache import context_cache
from kubectl_karp.core.scheduling.pods import PendingPod
from kubectl_karp.core.scheduling.scheduler import Scheduler
from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_ZONE,
    NodeSelectorRequirement,
    Pod,
)
from kubectl_karp.model.requirements import Requirements


@dataclass(frozen=True)
class Env:
    """What every simulation in one round shares."""

    ctx: SchedulingContext
    deleting: frozenset[str]  # nodes already disrupting: excluded, their pods move too
    deleting_pods: tuple[Pod, ...]
    uninitialized: frozenset[str]  # node / in-flight NodeClaim names that cannot be relied on
    # The free-room index of the single-candidate pre-check, built on first use: most rounds
    # end before single-node consolidation and never read it.
    room_source: Callable[[], RoomIndex] | None = None
    pending: tuple[Pod, ...] = ()  # the cluster's pending pods Karpenter would provision for
    # Nodes inside their NodePool's consolidateAfter: a consolidation simulation puts none of
    # the candidates' pods there (rule CONSOLIDATE_AFTER_DESTINATIONS; empty before v1.14).
    closed: frozenset[str] = frozenset()
    # Totals of the Balanced NodePools this pass (empty: nothing is scored)
    balanced: Mapping[str, PoolTotals] = field(default_factory=dict)
    # Stop a simulation at its first candidate pod placed on a node not initialised: the
    # outcome then says only that it failed, and on which pod (see the module docstring).
    first_miss: bool = False

    @cached_property
    def room(self) -> RoomIndex | None:
        return self.room_source() if self.room_source is not None else None


@dataclass(frozen=True)
class SimOutcome:
    moves: tuple[Move, ...]  # existing-node moves; new-claim moves use "new-<index>"
    claims: tuple[PlannedNodeClaim, ...]
    unplaceable: tuple[tuple[str, tuple[Reason, ...]], ...]
    pods: tuple[str, ...]

    @property
    def all_placed(self) -> bool:
        return not self.unplaceable


def reschedule(env: Env, candidates: Sequence[Candidate], *,
               consolidation: bool = True) -> SimOutcome:
    """``consolidation``: a consolidation simulation (drift's is not: consolidateAfter on
    destinations does not apply to it)."""
    names = frozenset(c.name for c in candidates)
    # upstream SimulateScheduling: only the currently reschedulable pods move; a pod kept in
    # place by do-not-disrupt or a fully blocking PDB needs no room elsewhere.
    own = [p for c in candidates for p in c.moving]
    moving = own + [p for p in env.deleting_pods if p.node_name not in names]
    # Unbind them: they are re-created pods as far as the scheduler is concerned.
    pods = _unbound(env.ctx, moving)
    own_keys = {p.key for p in own}
    closed = env.closed - names if consolidation else frozenset()
    batch = [*env.pending, *pods]
    options: dict[str, Any] = {
        "exclude_nodes": names | env.deleting, "closed_nodes": closed,
        "closed_to": frozenset(own_keys) if closed else frozenset()}
    if env.first_miss:
        stopper = _FirstMiss(env.ctx, watched=frozenset(own_keys),
                             uninitialized=env.uninitialized, **options)
        try:
            result = stopper.solve(batch)
        except _Missed as missed:
            return SimOutcome(moves=(), claims=(), unplaceable=((missed.pod, (
                _uninitialized_reason(missed.node),)),), pods=tuple(sorted(own_keys)))
    else:
        result = simulate(env.ctx, batch, **options)
    pending = {p.key for p in env.pending}
    moves: list[Move] = []
    # Pending pods that find no place do not stop the command (AllNonPendingPodsScheduled).
    unplaceable: list[tuple[str, tuple[Reason, ...]]] = [
        (f.pod, f.reasons) for f in result.unschedulable if f.pod not in pending]
    for placement in result.existing:
        for key in placement.pods:
            if key in pending:
                continue
            if placement.node in env.uninitialized or placement.in_flight:
                if key in own_keys:
                    unplaceable.append((key, (_uninitialized_reason(placement.node),)))
                continue
            moves.append(Move(pod=key, to=placement.node))
    for index, claim in enumerate(result.node_claims):
        for key in claim.pods:
            if key not in pending:
                moves.append(Move(pod=key, to=f"new-{index}", to_replacement=True))
    # The candidates' own pods first: they are what the user asks about.
    unplaceable.sort(key=lambda item: item[0] not in own_keys)
    return SimOutcome(moves=tuple(moves), claims=result.node_claims,
                      unplaceable=tuple(unplaceable), pods=tuple(sorted(own_keys)))


def share_unbound(ctx: SchedulingContext, store: dict[int, tuple[Pod, Pod]]) -> None:
    """Let ``ctx`` use (and add to) ``store`` of unbound copies: an entry keeps its pod, so
    it answers for any context (the rollout builds one per round over mostly the same pods)."""
    context_cache(ctx).setdefault("unbound", store)


def _uninitialized_reason(node: str) -> Reason:
    return Reason(code=R.PODS_CANNOT_RESCHEDULE, node=node,
                  message=f"would only fit on {node}, which is not initialised yet (Karpenter "
                          "waits for it)")


class _Missed(Exception):
    def __init__(self, pod: str, node: str) -> None:
        super().__init__(pod)
        self.pod = pod
        self.node = node


class _FirstMiss(Scheduler):
    """The provisioning simulation, stopped at the first watched pod placed on a node that
    is not initialised or on an in-flight NodeClaim (what ``reschedule`` counts as that pod
    being unplaceable). A placement is final once made, so what the run did up to then is
    exactly what the whole run does: stopping there changes no answer, only skips the rest."""

    def __init__(self, ctx: SchedulingContext, *, watched: frozenset[str],
                 uninitialized: frozenset[str], **options: Any) -> None:
        super().__init__(ctx, **options)
        self._watched = watched
        self._uninitialized = uninitialized

    def _try_schedule(self, pp: PendingPod) -> bool:
        placed = super()._try_schedule(pp)
        if placed and pp.key in self._watched:
            kind, where = self.placed[pp.key]
            if kind == "node" and (where.in_flight or where.name in self._uninitialized):
                raise _Missed(pp.key, where.name)
        return placed


def _unbound(ctx: SchedulingContext, pods: Sequence[Pod]) -> list[Pod]:
    """``pods`` with no node, each copy made once per context rather than per simulation
    (a round simulates the same pods many times; copying a pod costs more than placing it).
    Keyed by identity, with the pod itself kept so an id is never reused meanwhile."""
    cache: dict[int, tuple[Pod, Pod]] = context_cache(ctx).setdefault("unbound", {})
    out: list[Pod] = []
    for p in pods:
        hit = cache.get(id(p))
        if hit is None or hit[0] is not p:
            hit = cache[id(p)] = (p, replace(p, node_name=""))
        out.append(hit[1])
    return out


def _offer_requirements(claim: PlannedNodeClaim,
                        capacity_types: frozenset[str] | None) -> Requirements:
    """The claim's zone and capacity-type requirements (what decides its offerings)."""
    reqs = [NodeSelectorRequirement(k, op, values) for k, op, values in claim.requirements
            if k in (LABEL_ZONE, LABEL_CAPACITY_TYPE)]
    if capacity_types is not None:
        reqs.append(NodeSelectorRequirement(LABEL_CAPACITY_TYPE, "In",
                                            tuple(sorted(capacity_types))))
    return Requirements.from_node_selector_requirements(reqs, where="planned NodeClaim")


def _pool_type(ctx: SchedulingContext, pool: str, name: str) -> InstanceType | None:
    """The NodePool's own copy of a type: its offerings are limited to the zones its node
    class launches in, which the whole catalogue's are not."""
    cache = context_cache(ctx)
    types: dict[tuple[str, str], InstanceType] | None = cache.get("pool-types")
    if types is None:
        types = {(npc.name, it.name): it for npc in ctx.node_pools for it in npc.instance_types}
        cache["pool-types"] = types
    return types.get((pool, name)) or ctx.instance_type(name)


def compatible_offerings(ctx: SchedulingContext, claim: PlannedNodeClaim, type_name: str,
                         capacity_types: frozenset[str] | None = None
                         ) -> list[tuple[InstanceType, Offering]]:
    """Available offerings of ``type_name`` the claim's requirements allow (and, when given,
    of ``capacity_types`` only)."""
    it = _pool_type(ctx, claim.node_pool, type_name)
    if it is None:
        return []
    reqs = _offer_requirements(claim, capacity_types)
    zone, ctype = reqs.defined(LABEL_ZONE), reqs.defined(LABEL_CAPACITY_TYPE)
    return [(it, o) for o in it.available_offerings()
            if (zone is None or zone.has(o.zone) or (bool(o.zone_name) and zone.has(o.zone_name)))
            and (ctype is None or ctype.has(o.capacity_type))]


def cheapest_offering(ctx: SchedulingContext, claim: PlannedNodeClaim, type_name: str,
                      capacity_types: frozenset[str] | None = None) -> Offering | None:
    offers = [o for _, o in compatible_offerings(ctx, claim, type_name, capacity_types)
              if o.price_per_hour is not None]
    if not offers:
        return None
    return min(offers, key=lambda o: (o.price_per_hour or 0.0, o.zone))


def claim_worst_price(ctx: SchedulingContext, claim: PlannedNodeClaim, type_name: str,
                      capacity_types: frozenset[str] | None = None) -> float:
    """The price consolidation compares a replacement type at
    (RemoveInstanceTypeOptionsByPriceAndMinValues): its worst launch price."""
    return worst_launch_price([o for _, o in compatible_offerings(ctx, claim, type_name,
                                                                 capacity_types)])
