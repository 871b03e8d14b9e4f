"""Karpenter's disruption controller as a pure, read-only dry run (``kubectl karp consolidate``).

Entry point: :func:`plan_consolidation` (context + clock → :class:`ConsolidationPlan`).
"""

from __future__ import annotations

from kubectl_karp.core.disruption.plan import ConsolidationPlan
from kubectl_karp.core.disruption.planner import plan_consolidation

__all__ = ["ConsolidationPlan", "plan_consolidation"]
