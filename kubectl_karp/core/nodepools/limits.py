"""NodePool limits: which limits a release applies, and what one node counts against them."""

from __future__ import annotations

from collections.abc import Mapping

from kubectl_karp.core.releases import LIMITS_NODES, KarpenterRules
from kubectl_karp.model.objects import NodePool
from kubectl_karp.model.resources import Resources


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
