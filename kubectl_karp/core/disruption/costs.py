"""Disruption cost of a node: how much evicting its pods hurts, scaled by remaining lifetime.

Karpenter orders consolidation candidates by this cost (cheapest to disrupt first). Each pod
costs 1, nudged by ``controller.kubernetes.io/pod-deletion-cost`` (÷2^27) and priority (÷2^25)
and clamped to [-10, 10]; the node's total is multiplied by the fraction of its
``expireAfter`` lifetime that remains, so nodes about to expire are cheap to disrupt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime

from kubectl_karp.errors import InputError
from kubectl_karp.model.durations import parse_duration
from kubectl_karp.model.objects import ANNOTATION_POD_DELETION_COST, NodeClaim, NodePool, Pod

_DELETION_COST_SCALE = 2.0 ** 27
_PRIORITY_SCALE = 2.0 ** 25


def eviction_cost(pod: Pod) -> float:
    cost = 1.0
    text = pod.annotations.get(ANNOTATION_POD_DELETION_COST)
    if text is not None:
        # Karpenter logs and ignores an unparsable annotation.
        with contextlib.suppress(ValueError):
            cost += float(text) / _DELETION_COST_SCALE
    cost += pod.priority / _PRIORITY_SCALE
    return min(10.0, max(-10.0, cost))


def rescheduling_cost(pods: Iterable[Pod]) -> float:
    return sum(eviction_cost(p) for p in pods)


def _expire_after(pool: NodePool, claim: NodeClaim | None) -> int | None:
    # upstream reads the NodeClaim's spec.expireAfter (copied from the NodePool at launch);
    # a snapshot without it falls back to the NodePool's.
    spec = claim.raw.get("spec") if claim is not None and isinstance(claim.raw, dict) else None
    if isinstance(spec, dict) and "expireAfter" in spec:
        try:
            return parse_duration(spec["expireAfter"])
        except InputError:
            return pool.expire_after_seconds
    return pool.expire_after_seconds


def lifetime_remaining(pool: NodePool, claim: NodeClaim | None, now: datetime) -> float:
    """Fraction in [0, 1] of the node's ``expireAfter`` lifetime still ahead of it.
    upstream: utils/disruption LifetimeRemaining"""
    total = _expire_after(pool, claim)
    if not total or claim is None or claim.creation_timestamp is None:
        return 1.0
    age = (now - claim.creation_timestamp).total_seconds()
    return min(1.0, max(0.0, (total - age) / total))


def disruption_cost(pods: Iterable[Pod], pool: NodePool, claim: NodeClaim | None,
                    now: datetime) -> float:
    return rescheduling_cost(pods) * lifetime_remaining(pool, claim, now)


# upstream: disruption/types.go PerNodeBaseDisruptionCost — draining a node at all costs 1.
PER_NODE_BASE_DISRUPTION_COST = 1.0


def reschedule_disruption_cost(pods: Iterable[Pod]) -> float:
    """upstream computeRescheduleDisruptionCost: 1 plus the positive eviction costs of the
    pods that would move (Balanced scoring weighs moves by it)."""
    return PER_NODE_BASE_DISRUPTION_COST + sum(max(0.0, eviction_cost(p)) for p in pods)


def savings_ratio(price: float | None, reschedule_cost: float) -> float:
    """Price per unit of disruption; consolidation tries the highest first from v1.14 (an
    unknown price counts as 0). upstream: Candidate.SavingsRatio"""
    return (price or 0.0) / reschedule_cost
