"""``kubectl karp explain``: why pods are pending, per node and NodePool, with fixes.

Pure: returns :class:`Explanation` data; rendering lives in ``kubectl_karp.render.explain``.
"""

from __future__ import annotations

from kubectl_karp.core.explain.explainer import blockers, explain
from kubectl_karp.core.explain.result import (
    ClosestType,
    Explanation,
    NodePoolVerdict,
    NodeReasonGroup,
    PodExplanation,
    Verdict,
)

__all__ = ["ClosestType", "Explanation", "NodePoolVerdict", "NodeReasonGroup",
           "PodExplanation", "Verdict", "blockers", "explain"]
