"""What state a node or NodeClaim is in, and the dry run's one-word verdict per node.

Pure facts about the objects (the TUI's views and any other renderer show them): the
lifecycle conditions Karpenter sets on a NodeClaim, the signs that it is disrupting a node,
and which action of a consolidation plan a node is part of or what leaves it alone.
"""

from __future__ import annotations

from kubectl_karp.core.disruption.plan import ConsolidationPlan
from kubectl_karp.model.objects import TAINT_DISRUPTED, Node, NodeClaim


def claim_lifecycle(claim: NodeClaim | None) -> str | None:
    """The furthest lifecycle condition a NodeClaim reached (Launched → Registered →
    Initialized); None without a claim."""
    if claim is None:
        return None
    if claim.has_condition("Initialized"):
        return "initialized"
    if claim.has_condition("Registered"):
        return "registered"
    return "launching"


def node_state(node: Node, claim: NodeClaim | None) -> str:
    """The states worth a glance, most urgent first: disrupting, cordoned, drifted, …"""
    flags = []
    # Karpenter taints a node it disrupts (karpenter.sh/disrupted) and deletes its claim;
    # any of the signs means the node is on its way out.
    disrupting = (node.deletion_timestamp is not None
                  or any(t.key == TAINT_DISRUPTED for t in node.taints)
                  or (claim is not None and (claim.deletion_timestamp is not None
                                             or claim.has_condition("Disrupting"))))
    if disrupting:
        flags.append("disrupting")
    if node.unschedulable:
        flags.append("cordoned")
    if claim is not None and claim.has_condition("Drifted"):
        flags.append("drifted")
    # (Not the NodeClaim's Consolidatable condition: it says consolidateAfter elapsed, not
    # that Karpenter would act; the dry run's verdict says that, as `consolidate` does.)
    if flags:
        return ",".join(flags)
    lifecycle = claim_lifecycle(claim)
    if lifecycle is not None:
        return lifecycle
    return "ready" if node.ready else "not ready"


def dry_run_verdicts(plan: ConsolidationPlan) -> dict[str, str]:
    """Node name → the dry run's verdict in one word, as ``consolidate`` reports it: the
    action it is part of (``#1 delete``) or the code of what leaves it alone. The one source
    of the TUI's view 1 DRY RUN column and view 5's ACTION/BLOCKED BY, so the two never
    differ."""
    out: dict[str, str] = {}
    for report in plan.nodes:
        if report.action is not None:
            out[report.node] = f"#{report.action + 1} {plan.actions[report.action].type}"
        elif report.blocks:
            out[report.node] = report.blocks[0].code
    return out
