"""The one NodePool template: the requirements every NodeClaim from a NodePool carries.

upstream: pkg/controllers/provisioning/scheduling/nodeclaimtemplate.go NewNodeClaimTemplate —
the NodePool's requirements, its template labels as In requirements, and karpenter.sh/nodepool.
No capacity-type default is added: a NodePool that names none allows every capacity type its
provider offers.
"""

from __future__ import annotations

from kubectl_karp.model.objects import LABEL_NODEPOOL, NodePool
from kubectl_karp.model.requirements import Requirements


def template_requirements(pool: NodePool) -> Requirements:
    """What a NodeClaim from ``pool`` promises: its requirements, template labels, its name."""
    reqs = Requirements.from_node_selector_requirements(
        pool.requirements, where=f"NodePool {pool.name} spec.template.spec.requirements")
    return reqs.intersect(Requirements.from_labels(
        {**pool.template_labels, LABEL_NODEPOOL: pool.name}))
