"""The Balanced consolidation policy (Karpenter v1.14, #2962; upstream disruption/balanced.go).

A NodePool with ``consolidationPolicy: Balanced`` consolidates like WhenEmptyOrUnderutilized,
but a move is only taken when the share of the NodePool's cost it saves is at least half the
share of the NodePool's disruption it causes:

    score = (savings / pool cost) / (move disruption / pool disruption)  ≥  1 / k,  k = 2

A node's disruption is 1 (draining it at all) plus the positive eviction costs of its
reschedulable pods. The pool's totals are taken over every node of the pool, candidates or
not, once per disruption pass. Empty nodes (emptiness) and drift are not scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kubectl_karp.core import reasons as R
from kubectl_karp.core.disruption.candidates import Candidate
from kubectl_karp.core.disruption.costs import reschedule_disruption_cost
from kubectl_karp.core.reasons import Reason

BALANCED = "Balanced"
BALANCED_K = 2  # upstream: apis/v1/nodepool.go BalancedK


@dataclass(frozen=True, slots=True)
class PoolTotals:
    """upstream NodePoolTotals: what a pool's scores are normalised against."""

    cost: float  # $/h of every NodeClaim of the pool
    disruption: float  # sum of every node's disruption cost


@dataclass(frozen=True, slots=True)
class Score:
    """upstream ScoreResult for one NodePool of a move, with the figures behind it."""

    node_pool: str
    savings: float  # $/h attributed to this pool
    disruption: float
    totals: PoolTotals
    k: int = BALANCED_K

    @property
    def savings_fraction(self) -> float:
        return self.savings / self.totals.cost if self._normalisable else 0.0

    @property
    def disruption_fraction(self) -> float:
        return self.disruption / self.totals.disruption if self._normalisable else 0.0

    @property
    def _normalisable(self) -> bool:
        # ScoreMove: with a zero total there is nothing to normalise against (score 0)
        return self.totals.cost > 0 and self.totals.disruption > 0

    @property
    def value(self) -> float:
        """ScoreResult.Score: 0 for no savings, infinite for no disruption."""
        if self.savings_fraction <= 0:
            return 0.0
        if self.disruption_fraction == 0:
            return float("inf")
        return self.savings_fraction / self.disruption_fraction

    @property
    def threshold(self) -> float:
        return 1.0 / self.k

    @property
    def approved(self) -> bool:
        return self.value >= self.threshold

    def describe(self, best_case: bool = False) -> str:
        """``score 0.42 < threshold 0.5, rejected (…)`` (reasons prefix ``Balanced: ``)"""
        value = "inf" if self.value == float("inf") else f"{self.value:.2f}"
        sign = "≥" if self.approved else "<"
        verdict = "approved" if self.approved else "rejected"
        what = "even deleting the node outright " if best_case else ""
        return (f"score {value} {sign} threshold {self.threshold:g}, {verdict} "
                f"(NodePool {self.node_pool}: {what}saves {self.savings_fraction:.1%} of its "
                f"cost for {self.disruption_fraction:.1%} of its disruption)")

    def document(self) -> dict[str, object]:
        return {"nodePool": self.node_pool,
                "score": None if self.value == float("inf") else round(self.value, 6),
                "threshold": self.threshold, "k": self.k, "approved": self.approved,
                "savingsPerHour": round(self.savings, 6),
                "savingsFraction": round(self.savings_fraction, 6),
                "disruptionCost": round(self.disruption, 6),
                "disruptionFraction": round(self.disruption_fraction, 6),
                "nodePoolCostPerHour": round(self.totals.cost, 6),
                "nodePoolDisruptionCost": round(self.totals.disruption, 6)}


def rejection(score: Score, node: str | None, node_pool: str | None, message: str) -> Reason:
    """The BalancedScoreTooLow reason for a rejected move (``message`` names the move)."""
    return Reason(
        code=R.BALANCED_SCORE_TOO_LOW, node=node, node_pool=node_pool,
        message=f"Balanced: {message}",
        detail="consolidationPolicy Balanced takes a move only when its share of the "
               "NodePool's cost saved is at least half its share of the NodePool's "
               "disruption.",
        fix=f"use consolidationPolicy WhenEmptyOrUnderutilized on NodePool "
            f"{score.node_pool} to take every cheaper move")


def is_balanced(c: Candidate) -> bool:
    return c.pool.consolidation_policy == BALANCED


def evaluate(candidates: Sequence[Candidate], savings: float,
             totals: Mapping[str, PoolTotals]) -> tuple[bool, tuple[Score, ...]]:
    """upstream EvaluateBalancedMove: each Balanced pool of the move scores its share; the
    move passes only if every one approves. Pools of other policies are not scored."""
    by_pool: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_pool.setdefault(c.pool.name, []).append(c)
    source = sum(c.price or 0.0 for c in candidates)
    scores: list[Score] = []
    for name, group in sorted(by_pool.items()):
        if not is_balanced(group[0]):
            continue
        share = savings
        if source > 0 and len(by_pool) > 1:
            # net savings split by each pool's share of the removed nodes' cost
            share = savings * (sum(c.price or 0.0 for c in group) / source)
        disruption = sum(reschedule_disruption_cost(c.reschedulable) for c in group)
        scores.append(Score(name, share, disruption, totals.get(name, PoolTotals(0.0, 0.0))))
    return all(s.approved for s in scores), tuple(scores)


def best_case(c: Candidate, totals: Mapping[str, PoolTotals]) -> Score | None:
    """upstream CanPassThreshold: the score of deleting ``c`` outright (the best any move of
    it can do), or None when it is not scored (not Balanced, or no pool cost known)."""
    if not is_balanced(c):
        return None
    pool = totals.get(c.pool.name)
    if pool is None or pool.cost <= 0:
        return None
    return Score(c.pool.name, c.price or 0.0, reschedule_disruption_cost(c.reschedulable),
                 pool)
