"""Karpenter's provisioning scheduler, re-implemented: which existing nodes pending pods land
on, which NodeClaims would be created from which NodePool, and which pods stay pending."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kubectl_karp.core.scheduling.result import (
    ExistingPlacement,
    Placement,
    PlannedNodeClaim,
    PodFailure,
    SimulationResult,
)
from kubectl_karp.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import SchedulingContext
    from kubectl_karp.core.scheduling.nodes import Template
    from kubectl_karp.model.catalog import InstanceType
    from kubectl_karp.model.objects import DaemonSet, Pod, Taint
    from kubectl_karp.model.requirements import Requirements
    from kubectl_karp.model.snapshot import ClusterSnapshot

__all__ = ["ExistingPlacement", "NodePoolTemplate", "Placement", "PlannedNodeClaim",
           "PodFailure", "SimulationResult", "nodepool_templates", "pending_batch", "simulate"]


@dataclass(frozen=True)
class NodePoolTemplate:
    """A provisionable NodePool as the scheduler turns it into new NodeClaims: its full
    requirements (labels, In/NotIn/Gt/Lt/Exists, template labels), the catalogue types those
    requirements and their offerings allow, and the DaemonSet overhead a new node carries."""

    name: str
    requirements: Requirements
    taints: tuple[Taint, ...]
    instance_types: tuple[InstanceType, ...]
    daemon_overhead: Mapping[str, int]
    limited: bool  # spec.limits set: a new node may be refused


def _view(t: Template) -> NodePoolTemplate:
    return NodePoolTemplate(
        name=t.name, requirements=t.requirements, taints=t.taints,
        instance_types=tuple(e.it for e in t.types), daemon_overhead=dict(t.daemon_overhead),
        limited=bool(t.npc.node_pool.limits))


def nodepool_template(ctx: SchedulingContext, name: str) -> NodePoolTemplate | None:
    """One NodePool's template whether or not it takes pending pods (a static NodePool's
    replacement is launched from it: StaticDrift's NewNodeClaimTemplate); None when the
    NodePool cannot provision or does not exist."""
    from kubectl_karp.core.scheduling.scheduler import Scheduler

    npc = next((p for p in ctx.node_pools if p.name == name), None)
    if npc is None or npc.problems:
        return None
    try:
        return _view(Scheduler(ctx).nodepools.template(0, npc))
    except InputError:
        return None


def nodepool_templates(ctx: SchedulingContext) -> tuple[NodePoolTemplate, ...]:
    """The scheduler's one view of each NodePool that can provision (cached per context), in
    the order it tries them."""
    from kubectl_karp.core.scheduling.cache import context_cache
    from kubectl_karp.core.scheduling.scheduler import Scheduler

    cache = context_cache(ctx)
    hit: tuple[NodePoolTemplate, ...] | None = cache.get("nodepool-templates")
    if hit is None:
        sched = Scheduler(ctx)
        sched.build_templates()
        hit = tuple(_view(t) for t in sched.templates)
        cache["nodepool-templates"] = hit
    return hit


def simulate(ctx: SchedulingContext, pods: Sequence[Pod] | None = None, *,
             exclude_nodes: frozenset[str] = frozenset(),
             extra_daemonsets: Sequence[DaemonSet] = (),
             node_pools: Sequence[str] | None = None,
             ignore_pods_on: frozenset[str] = frozenset(),
             closed_nodes: frozenset[str] = frozenset(),
             closed_to: frozenset[str] = frozenset()) -> SimulationResult:
    """Run Karpenter's provisioning decision for ``pods`` (default: the snapshot's pending pods
    that Karpenter would consider).

    ``exclude_nodes``: existing nodes treated as absent (their bound pods neither use room nor
    count for topology; consolidation passes those pods in ``pods``). ``ignore_pods_on``: nodes
    that stay but whose bound pods are ignored. ``extra_daemonsets`` add per-node overhead.
    ``node_pools`` restricts new NodeClaims to these NodePools. ``closed_nodes``: existing
    nodes that take none of the pods keyed (ns/name) in ``closed_to``.
    """
    from kubectl_karp.core.scheduling.scheduler import Scheduler

    return Scheduler(ctx, exclude_nodes=exclude_nodes, extra_daemonsets=extra_daemonsets,
                     node_pools=node_pools, ignore_pods_on=ignore_pods_on,
                     closed_nodes=closed_nodes, closed_to=closed_to).solve(pods)


def pending_batch(snapshot: ClusterSnapshot) -> tuple[list[Pod], list[str]]:
    """The cluster's pods Karpenter would provision for (what ``simulate`` schedules when
    given no pods), and notes on the pending pods it leaves out and why."""
    from kubectl_karp.core.scheduling.batch import pending_batch as batch

    return batch(snapshot)
