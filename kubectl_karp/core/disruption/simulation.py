"""Rescheduling a set of candidates' pods with the provisioning simulator.

Upstream SimulateScheduling: the candidates' reschedulable pods (plus the pods of nodes that
are already deleting) are scheduled onto the other nodes and, if needed, new NodeClaims. A
pod that would only fit on a node that is not initialised yet (a replacement still booting)
counts as unplaceable: Karpenter does not build a decision on capacity that is not there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from kubectl_karp.core import reasons as R
from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.disruption.candidates import Candidate
from kubectl_karp.core.disruption.plan import Move
from kubectl_karp.core.disruption.room import RoomIndex
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.scheduling import PlannedNodeClaim, simulate
from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import LABEL_CAPACITY_TYPE, LABEL_ZONE, Pod


@dataclass(frozen=True)
class Env:
    """What every simulation in one round shares."""

    ctx: SchedulingContext
    deleting: frozenset[str]  # nodes already disrupting: excluded, their pods move too
    deleting_pods: tuple[Pod, ...]
    uninitialized: frozenset[str]  # node / in-flight NodeClaim names that cannot be relied on
    room: RoomIndex | None = None  # for the single-candidate pre-check


@dataclass(frozen=True)
class SimOutcome:
    moves: tuple[Move, ...]  # existing-node moves; new-claim moves use "new-<index>"
    claims: tuple[PlannedNodeClaim, ...]
    unplaceable: tuple[tuple[str, tuple[Reason, ...]], ...]
    pods: tuple[str, ...]

    @property
    def all_placed(self) -> bool:
        return not self.unplaceable


def reschedule(env: Env, candidates: Sequence[Candidate]) -> SimOutcome:
    names = frozenset(c.name for c in candidates)
    # upstream SimulateScheduling: only the currently reschedulable pods move; a pod kept in
    # place by do-not-disrupt or a fully blocking PDB needs no room elsewhere.
    own = [p for c in candidates for p in c.moving]
    moving = own + [p for p in env.deleting_pods if p.node_name not in names]
    # Unbind them: they are re-created pods as far as the scheduler is concerned.
    pods = [replace(p, node_name="") for p in moving]
    result = simulate(env.ctx, pods, exclude_nodes=names | env.deleting)
    own_keys = {p.key for p in own}
    moves: list[Move] = []
    unplaceable: list[tuple[str, tuple[Reason, ...]]] = [
        (f.pod, f.reasons) for f in result.unschedulable]
    for placement in result.existing:
        for key in placement.pods:
            if placement.node in env.uninitialized or placement.in_flight:
                if key in own_keys:
                    unplaceable.append((key, (Reason(
                        code=R.PODS_CANNOT_RESCHEDULE, node=placement.node,
                        message=f"would only fit on {placement.node}, which is not initialised "
                                "yet (Karpenter waits for it)"),)))
                continue
            moves.append(Move(pod=key, to=placement.node))
    for index, claim in enumerate(result.node_claims):
        for key in claim.pods:
            moves.append(Move(pod=key, to=f"new-{index}", to_replacement=True))
    # The candidates' own pods first: they are what the user asks about.
    unplaceable.sort(key=lambda item: item[0] not in own_keys)
    return SimOutcome(moves=tuple(moves), claims=result.node_claims,
                      unplaceable=tuple(unplaceable), pods=tuple(sorted(own_keys)))


def _allowed(claim: PlannedNodeClaim, key: str) -> frozenset[str] | None:
    for k, op, values in claim.requirements:
        if k == key and op == "In":
            return frozenset(values)
    return None


def compatible_offerings(ctx: SchedulingContext, claim: PlannedNodeClaim, type_name: str,
                         capacity_types: frozenset[str] | None = None
                         ) -> list[tuple[InstanceType, Offering]]:
    it = ctx.instance_type(type_name)
    if it is None:
        return []
    zones = _allowed(claim, LABEL_ZONE)
    cts = capacity_types or _allowed(claim, LABEL_CAPACITY_TYPE)
    return [(it, o) for o in it.available_offerings()
            if o.price_per_hour is not None
            and (zones is None or o.zone in zones or o.zone_name in zones)
            and (cts is None or o.capacity_type in cts)]


def cheapest_offering(ctx: SchedulingContext, claim: PlannedNodeClaim, type_name: str,
                      capacity_types: frozenset[str] | None = None) -> Offering | None:
    offers = compatible_offerings(ctx, claim, type_name, capacity_types)
    if not offers:
        return None
    return min((o for _, o in offers), key=lambda o: (o.price_per_hour or 0.0, o.zone))
