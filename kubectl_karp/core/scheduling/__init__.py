"""Karpenter's provisioning scheduler, re-implemented: which existing nodes pending pods land
on, which NodeClaims would be created from which NodePool, and which pods stay pending."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kubectl_karp.core.scheduling.result import (
    ExistingPlacement,
    Placement,
    PlannedNodeClaim,
    PodFailure,
    SimulationResult,
)

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import SchedulingContext
    from kubectl_karp.model.objects import DaemonSet, Pod
    from kubectl_karp.model.snapshot import ClusterSnapshot

__all__ = ["ExistingPlacement", "Placement", "PlannedNodeClaim", "PodFailure",
           "SimulationResult", "pending_batch", "simulate"]


def simulate(ctx: SchedulingContext, pods: Sequence[Pod] | None = None, *,
             exclude_nodes: frozenset[str] = frozenset(),
             extra_daemonsets: Sequence[DaemonSet] = (),
             node_pools: Sequence[str] | None = None,
             ignore_pods_on: frozenset[str] = frozenset()) -> SimulationResult:
    """Run Karpenter's provisioning decision for ``pods`` (default: the snapshot's pending pods
    that Karpenter would consider).

    ``exclude_nodes``: existing nodes treated as absent (their bound pods neither use room nor
    count for topology; consolidation passes those pods in ``pods``). ``ignore_pods_on``: nodes
    that stay but whose bound pods are ignored. ``extra_daemonsets`` add per-node overhead.
    ``node_pools`` restricts new NodeClaims to these NodePools.
    """
    from kubectl_karp.core.scheduling.scheduler import Scheduler

    return Scheduler(ctx, exclude_nodes=exclude_nodes, extra_daemonsets=extra_daemonsets,
                     node_pools=node_pools, ignore_pods_on=ignore_pods_on).solve(pods)


def pending_batch(snapshot: ClusterSnapshot) -> tuple[list[Pod], list[str]]:
    """The cluster's pods Karpenter would provision for (what ``simulate`` schedules when
    given no pods), and notes on the pending pods it leaves out and why."""
    from kubectl_karp.core.scheduling.scheduler import pending_batch as batch

    return batch(snapshot)
