"""The one NodePool template: the requirements every NodeClaim from a NodePool carries.

upstream: pkg/controllers/provisioning/scheduling/nodeclaimtemplate.go NewNodeClaimTemplate —
the NodePool's requirements, its template labels as In requirements, and karpenter.sh/nodepool.
No capacity-type default is added: a NodePool that names none allows every capacity type its
provider offers.
"""

from __future__ import annotations

from kubectl_karp.core.releases import LIMITS_NODES, KarpenterRules
from kubectl_karp.model.objects import LABEL_NODEPOOL, NodePool
from kubectl_karp.model.requirements import Requirements
from kubectl_karp.model.resources import Resources


def template_requirements(pool: NodePool) -> Requirements:
    """What a NodeClaim from ``pool`` promises: its requirements, template labels, its name."""
    reqs = Requirements.from_node_selector_requirements(
        pool.requirements, where=f"NodePool {pool.name} spec.template.spec.requirements")
    return reqs.intersect(Requirements.from_labels(
        {**pool.template_labels, LABEL_NODEPOOL: pool.name}))


def effective_limits(pool: NodePool, rules: KarpenterRules) -> Resources:
    """``spec.limits`` as the release's provisioner applies them.

    ``nodes`` became a limit in v1.11 (#2526, rule LIMITS_NODES: every node and NodeClaim
    then counts 1). Before, the key was one more resource name that no instance type's
    capacity carries, so ``filterByRemainingResources`` never excluded a type for it and the
    limit never bound (scheduler.go at v1.10)."""
    if "nodes" in pool.limits and not rules.has(LIMITS_NODES):
        return {k: v for k, v in pool.limits.items() if k != "nodes"}
    return pool.limits
