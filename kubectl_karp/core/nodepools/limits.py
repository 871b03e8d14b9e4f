"""NodePool limits: which limits a release applies, what one node counts against them, and
what a NodePool's nodes use of them — the one count the scheduler (remaining limits) and the
diagnosis (explain's NodePoolLimitExceeded) both read."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from kubectl_karp.core.releases import LIMITS_NODES, KarpenterRules
from kubectl_karp.model.objects import LABEL_NODEPOOL, Node, NodeClaim, NodePool
from kubectl_karp.model.predicates import active_state_nodes, node_initialized
from kubectl_karp.model.resources import Resources
from kubectl_karp.model.snapshot import ClusterSnapshot

# (name, NodePool, capacity with nodes: 1) of each place that counts against limits.
CountedPlace = tuple[str, str, Mapping[str, int]]


def effective_limits(pool: NodePool, rules: KarpenterRules) -> Resources:
    """``spec.limits`` as the release's provisioner applies them.

    ``nodes`` became a limit in v1.11 (#2526, rule LIMITS_NODES: every node and NodeClaim
    then counts 1). Before, the key was one more resource name that no instance type's
    capacity carries, so ``filterByRemainingResources`` never excluded a type for it and the
    limit never bound (scheduler.go at v1.10)."""
    if "nodes" in pool.limits and not rules.has(LIMITS_NODES):
        return {k: v for k, v in pool.limits.items() if k != "nodes"}
    return pool.limits


def limit_amount(capacity: Mapping[str, int], name: str) -> int:
    """How much of NodePool limit ``name`` one node of this capacity uses: ``nodes`` counts
    each node as one (the state node's capacity carries nodes: 1)."""
    if name == "nodes":
        return 1000
    return capacity.get(name, 0)


def state_capacity(node: Node, claim: NodeClaim | None) -> dict[str, int]:
    """upstream: state/statenode.go Capacity — an initialised node's status.capacity; before
    initialisation the NodeClaim's status.capacity fills what the Node does not report yet.
    (A hand-written Node with no capacity at all takes its NodeClaim's.)"""
    if claim is None:
        return dict(node.capacity)
    if not node.capacity:
        return dict(claim.capacity)
    out = dict(node.capacity)
    if not node_initialized(node, claim):
        for name, value in claim.capacity.items():
            if not out.get(name):
                out[name] = value
    return out


def counted_places(snapshot: ClusterSnapshot) -> tuple[CountedPlace, ...]:
    """Each Node and in-flight NodeClaim that counts against its NodePool's limits.

    upstream: scheduler.go NewScheduler → calculateExistingNodeClaims, updateRemainingResources
    over the Active state nodes (provisioner.go Schedule: nodes marked for deletion — the
    disrupted taint, a deleting or terminating NodeClaim, a deleting Node — are left out, as
    state/cluster.go updateNodePoolResources leaves them out of NodePoolResourcesFor). A
    NodeClaim not launched yet counts its status.capacity, empty until the launch, and one
    node. Unchanged from v1.8 to v1.14."""
    nodes, in_flight = active_state_nodes(snapshot)
    out: list[CountedPlace] = []
    for node, claim in nodes:
        pool = node.labels.get(LABEL_NODEPOOL)
        if pool:
            out.append((node.name, pool, {**state_capacity(node, claim), "nodes": 1000}))
    for claim in in_flight:
        pool = claim.node_pool
        if pool:
            out.append((claim.name, pool, {**claim.capacity, "nodes": 1000}))
    return tuple(out)


def nodepool_usage(snapshot: ClusterSnapshot, exclude: Collection[str] = frozenset(),
                   places: tuple[CountedPlace, ...] | None = None) -> dict[str, dict[str, int]]:
    """What counts against each NodePool's ``spec.limits``: the capacity (and one node each)
    of :func:`counted_places`, less the places named in ``exclude`` (a consolidation
    simulation hands its scheduler the cluster without its candidates — disruption
    helpers.go SimulateScheduling — so their capacity is free again). ``places`` lets a
    caller that asks often pass the list it keeps."""
    usage: dict[str, dict[str, int]] = {}
    for name, pool, capacity in counted_places(snapshot) if places is None else places:
        if name in exclude:
            continue
        total = usage.setdefault(pool, {})
        for key, value in capacity.items():
            total[key] = total.get(key, 0) + value
    return usage
