"""Matching a pod against an existing node's concrete labels and taints.

Existing nodes have real labels, so the kube-scheduler's plain match (not Karpenter's set
algebra) decides whether the pod's nodeSelector and required node affinity hold there.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubectl_karp.model.objects import (
    Labels,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Taint,
    Toleration,
)
from kubectl_karp.model.selectors import node_affinity_matches, node_requirement_matches
from kubectl_karp.model.taints import untolerated as taints_untolerated


def terms_match(terms: Iterable[NodeSelectorTerm], labels: Labels,
                node_name: str | None = None) -> bool:
    return node_affinity_matches(terms, labels, node_name)


def first_failing(terms: Iterable[NodeSelectorTerm], labels: Labels
                  ) -> NodeSelectorRequirement | None:
    """The first expression of the first term that fails, to name in messages."""
    for term in terms:
        for req in term.match_expressions:
            if not node_requirement_matches(req, labels):
                return req
    return None


def untolerated(taints: Iterable[Taint], tolerations: Iterable[Toleration]) -> list[Taint]:
    """Taints that keep the pod off for good: PreferNoSchedule ones are relaxed by both the
    kube-scheduler and Karpenter, so they never explain a pending pod."""
    return [t for t in taints_untolerated(taints, tolerations) if t.effect != "PreferNoSchedule"]
