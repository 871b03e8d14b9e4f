"""Drift (upstream drift.go): replace drifted NodeClaims one at a time, oldest drift first and
empty ones before the rest. No price check: drifted nodes are replaced with whatever their
pods need, however many new NodeClaims that takes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from kubectl_karp.core.disruption.budgets import REASON_DRIFTED
from kubectl_karp.core.disruption.candidates import Candidate
from kubectl_karp.core.disruption.methods.consolidation import Attempt, _unplaceable_reason
from kubectl_karp.core.disruption.plan import METHOD_DRIFT, Action, Move, Replacement
from kubectl_karp.core.disruption.simulation import Env, reschedule

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def drift(env: Env, candidates: Sequence[Candidate], budget: dict[str, int],
          replacement_prefix: str) -> tuple[Action | None, dict[str, Attempt]]:
    ordered = sorted(candidates, key=lambda c: (c.drifted_since or _EPOCH, c.name))
    # upstream drift.go: "empty" here means no reschedulable pod, in every release
    ordered = [c for c in ordered if not c.reschedulable] + \
        [c for c in ordered if c.reschedulable]
    failures: dict[str, Attempt] = {}
    for cand in ordered:
        if budget.get(cand.pool.name, 0) <= 0:
            continue
        outcome = reschedule(env, [cand], consolidation=False)
        if not outcome.all_placed:
            failures[cand.name] = _unplaceable_reason(outcome, [cand])
            continue
        names = [f"{replacement_prefix}-{i + 1}" if len(outcome.claims) > 1
                 else replacement_prefix for i in range(len(outcome.claims))]
        reps = tuple(Replacement(
            name=names[i], node_pool=claim.node_pool, instance_type=claim.instance_type,
            zone=claim.zone, zone_name=claim.zone_name, capacity_type=claim.capacity_type,
            price_per_hour=claim.price_per_hour,
            instance_type_options=claim.instance_type_options)
            for i, claim in enumerate(outcome.claims))
        moves = tuple(Move(m.pod, names[int(m.to.split("-", 1)[1])], True)
                      if m.to_replacement else m for m in outcome.moves)
        new_cost = [r.price_per_hour for r in reps]
        savings = None
        if cand.price is not None and all(p is not None for p in new_cost):
            savings = cand.price - sum(p or 0.0 for p in new_cost)
        return Action(type="replace" if reps else "delete", method=METHOD_DRIFT,
                      reason=REASON_DRIFTED, nodes=(cand.name,), node_pools=(cand.pool.name,),
                      replacements=reps, moves=moves, price_per_hour=cand.price,
                      savings_per_hour=savings), failures
    return None, failures
