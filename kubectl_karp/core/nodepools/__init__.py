"""What a NodePool promises a NodeClaim, below both the scheduler and the diagnosis."""

from kubectl_karp.core.nodepools.template import template_requirements

__all__ = ["template_requirements"]
