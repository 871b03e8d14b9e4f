"""The questions about single objects that simulate, explain and consolidate must answer alike.

Each has one home here, so the scheduler, the explainer's view of existing nodes and the
disruption planner can never drift apart: in which order NodePools are tried, whether a node
counts as initialized, and which of its taints count while it is not.

Pure: the release-dependent parts take a flag the caller reads from ``ctx.rules``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cmp_to_key

from kubectl_karp.model.objects import (
    LABEL_INITIALIZED,
    LABEL_NODEPOOL,
    LABEL_REGISTERED,
    Node,
    NodeClaim,
    NodePool,
    Taint,
)
from kubectl_karp.model.taints import (
    KNOWN_EPHEMERAL_TAINT_PREFIXES,
    KNOWN_EPHEMERAL_TAINTS,
    TAINT_UNREGISTERED,
)


def _by_weight(a: NodePool, b: NodePool) -> int:
    if a.weight != b.weight:
        return -1 if a.weight > b.weight else 1
    # Equal weights: the name that sorts LAST goes first (upstream compares a.Name > b.Name).
    if a.name == b.name:
        return 0
    return -1 if a.name > b.name else 1


def order_by_weight(pools: Iterable[NodePool]) -> list[NodePool]:
    """NodePools in the order Karpenter tries them: weight descending, then name descending.

    upstream: utils/nodepool/nodepool.go OrderByWeight (the same at every release v1.8-v1.14).
    Names compare as Go strings do, byte by byte; Python's str order agrees for UTF-8 text.
    """
    return sorted(pools, key=cmp_to_key(_by_weight))


def is_managed(node: Node, claim: NodeClaim | None) -> bool:
    """Whether Karpenter owns the node. Upstream's StateNode.Managed is "has a NodeClaim";
    a snapshot may lack the NodeClaims, so the NodePool label stands in for one."""
    return claim is not None or LABEL_NODEPOOL in node.labels


def node_initialized(node: Node, claim: NodeClaim | None) -> bool:
    """upstream: state/statenode.go Initialized — a managed node is initialized once it carries
    ``karpenter.sh/initialized=true``; a node Karpenter does not manage always is. Karpenter
    sets that label and its NodeClaim's Initialized condition together, so either one will
    do (hand-written snapshots often carry only one of them)."""
    if not is_managed(node, claim):
        return True
    return node.labels.get(LABEL_INITIALIZED) == "true" or (
        claim is not None and claim.has_condition("Initialized"))


def _matches(a: Taint, b: Taint) -> bool:
    # corev1.Taint.MatchTaint: taints are unique by key and effect; the value does not count.
    return a.key == b.key and a.effect == b.effect


def is_known_ephemeral_taint(taint: Taint, *, readiness_prefixes: bool) -> bool:
    """upstream: scheduling/taints.go IsKnownEphemeralTaint (KnownEphemeralTaints, and from
    v1.13 the ``readiness.k8s.io/`` key prefix: rule NODE_READINESS_TAINTS)."""
    if any(_matches(known, taint) for known in KNOWN_EPHEMERAL_TAINTS):
        return True
    return readiness_prefixes and taint.key.startswith(KNOWN_EPHEMERAL_TAINT_PREFIXES)


def effective_taints(node: Node, claim: NodeClaim | None, pool: NodePool | None, *,
                     readiness_prefixes: bool) -> tuple[Taint, ...]:
    """The taints that count when Karpenter places a pod on an existing node.

    upstream: state/statenode.go Taints — until a managed node is initialized, its known
    ephemeral taints and its NodeClaim's startup taints are ignored (they are expected to go).
    Without the NodeClaim in the snapshot, the NodePool's startup taints stand in for its.
    A node Karpenter has not registered yet (no ``karpenter.sh/registered=true``) is seen
    through its NodeClaim's taints; without the NodeClaim, the ``karpenter.sh/unregistered``
    taint the kubelet registers with (never on a NodeClaim) is dropped the same way.
    """
    if not is_managed(node, claim):
        return node.taints
    registered = node.labels.get(LABEL_REGISTERED) == "true"
    # Until Karpenter registers the node, its NodeClaim's taints stand for the node's.
    taints = claim.taints if claim is not None and not registered else node.taints
    if node_initialized(node, claim):
        return taints
    startup: Sequence[Taint] = claim.startup_taints if claim is not None else (
        pool.startup_taints if pool is not None else ())
    return tuple(t for t in taints
                 if not is_known_ephemeral_taint(t, readiness_prefixes=readiness_prefixes)
                 and not any(_matches(s, t) for s in startup)
                 and not (not registered and _matches(TAINT_UNREGISTERED, t)))
