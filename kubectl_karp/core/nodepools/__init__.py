"""What a NodePool promises a NodeClaim, below both the scheduler and the diagnosis: the
template's requirements, DaemonSet overhead (daemonsets), launch choice and minValues
(launch), and limits (limits)."""

from kubectl_karp.core.nodepools.limits import (
    effective_limits,
    limit_amount,
    nodepool_usage,
)
from kubectl_karp.core.nodepools.template import template_requirements

__all__ = ["effective_limits", "limit_amount", "nodepool_usage", "template_requirements"]
