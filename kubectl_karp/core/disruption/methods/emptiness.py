"""Emptiness (upstream emptiness.go): delete every empty candidate the Empty budget allows, in
one command, without a scheduling simulation."""

from __future__ import annotations

from collections.abc import Sequence

from kubectl_karp.core.disruption.budgets import REASON_EMPTY
from kubectl_karp.core.disruption.candidates import Candidate
from kubectl_karp.core.disruption.plan import METHOD_EMPTINESS, Action


def emptiness(candidates: Sequence[Candidate], budget: dict[str, int]) -> Action | None:
    allowed = dict(budget)
    chosen: list[Candidate] = []
    for cand in candidates:
        if not cand.is_empty or allowed.get(cand.pool.name, 0) <= 0:
            continue
        chosen.append(cand)
        allowed[cand.pool.name] -= 1
    if not chosen:
        return None
    prices = [c.price for c in chosen]
    total = None if any(p is None for p in prices) else sum(p or 0.0 for p in prices)
    # From v1.14 a node whose pods all cost nothing to evict counts as empty: emptiness
    # evicts them without planning room for them first (the provisioner re-creates them).
    evicted = [p.key for c in chosen for p in c.reschedulable]
    return Action(type="delete", method=METHOD_EMPTINESS, reason=REASON_EMPTY,
                  nodes=tuple(c.name for c in chosen),
                  node_pools=tuple(dict.fromkeys(c.pool.name for c in chosen)),
                  replacements=(), moves=(), price_per_hour=total, savings_per_hour=total,
                  warnings=tuple(f"pod {key} has no eviction cost (pod-deletion-cost or "
                                 "priority at the minimum), so the node counts as empty: "
                                 "it is evicted with no room planned for it"
                                 for key in evicted))
