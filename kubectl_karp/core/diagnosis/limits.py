"""NodePool limits as the diagnosis words them: what counts against ``spec.limits`` and the
one NodePoolLimitExceeded message, used by explain and by simulate's batch reasons alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kubectl_karp.core import reasons as rc
from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.diagnosis.text import amount
from kubectl_karp.core.nodepools import effective_limits, limit_amount, nodepool_usage
from kubectl_karp.core.reasons import Reason
from kubectl_karp.model import resources as res
from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import NodePool


def pool_usage(ctx: SchedulingContext, pool: NodePool) -> dict[str, int]:
    """What counts against ``spec.limits`` of ``pool``, as the scheduler counts it
    (nodepools.nodepool_usage: the Active nodes and in-flight NodeClaims, one node each)."""
    return nodepool_usage(ctx.snapshot).get(pool.name, {})


def limit_exceeded(pool: str, name: str, limit: int, in_use: int, planned: int,
                   smallest: str, adds: int) -> Reason:
    """The one NodePoolLimitExceeded reason: NodePool ``pool``'s ``limits.<name>`` of
    ``limit`` with ``in_use`` taken by its nodes and in-flight NodeClaims and ``planned`` by
    the NodeClaims this simulation plans, so that ``smallest`` (the smallest instance type
    that fits, adding ``adds``) no longer does."""
    if in_use >= limit:
        state = f"already reached: {amount(name, in_use)} in use"
    else:
        state = f"{amount(name, in_use)} in use"
    if planned:
        # upstream: scheduling/scheduler.go subtractMax — a NodeClaim not launched yet
        # holds the limit of the largest instance type it may still become.
        state += (f", {amount(name, planned)} more for the NodeClaims simulate plans for "
                  "other pending pods, each counted as its largest instance-type option")
    return Reason(
        rc.NODEPOOL_LIMIT_EXCEEDED,
        f"NodePool {pool} limits.{name} is {amount(name, limit)} ({state}); the smallest "
        f"instance type that fits, {smallest}, adds {amount(name, adds)}",
        detail="Karpenter drops instance types that would take the NodePool's total capacity "
               "past spec.limits; a planned NodeClaim counts as its largest instance-type "
               "option",
        fix=f"raise spec.limits.{name} of NodePool {pool} from {amount(name, limit)} to at "
            f"least {amount(name, in_use + planned + adds)}",
        node_pool=pool)


def limits_check(ctx: SchedulingContext, pool: NodePool, planned: Mapping[str, int],
                 offered: Sequence[InstanceType]
                 ) -> tuple[list[InstanceType], Reason | None]:
    """The types of ``offered`` one more node of which stays within the NodePool's limits,
    given what its nodes use and ``planned`` (simulate's planned NodeClaims); when none
    does, why (worded for the smallest of them)."""
    limits = effective_limits(pool, ctx.rules)
    if not limits:
        return list(offered), None
    usage = pool_usage(ctx, pool)
    current = res.add(usage, planned)

    def adds(it: InstanceType) -> dict[str, int]:
        # one more node of the type: its capacity and, for limits.nodes, one node
        return {name: limit_amount(it.capacity, name) for name in limits}

    within = [it for it in offered if not res.exceeds(res.add(current, adds(it)), limits)]
    if within:
        return within, None
    smallest = min(offered, key=lambda it: (
        tuple(limit_amount(it.capacity, r) for r in sorted(limits)),
        it.capacity.get("cpu", 0), it.capacity.get("memory", 0), it.name))
    over = res.exceeds(res.add(current, adds(smallest)), limits)
    name = over[0]
    return [], limit_exceeded(pool.name, name, limits[name], usage.get(name, 0),
                              planned.get(name, 0), smallest.name,
                              limit_amount(smallest.capacity, name))
