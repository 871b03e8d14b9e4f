"""What a NodePool promises a NodeClaim, below both the scheduler and the diagnosis."""

from kubectl_karp.core.nodepools.template import effective_limits, template_requirements

__all__ = ["effective_limits", "template_requirements"]
