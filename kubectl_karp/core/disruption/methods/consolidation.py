"""Multi-node and single-node consolidation (upstream consolidation.go, multinodeconsolidation.go,
singlenodeconsolidation.go): delete candidates whose pods fit elsewhere, or replace them with
one strictly cheaper NodeClaim."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from kubectl_karp.core import reasons as R
from kubectl_karp.core.disruption import balanced
from kubectl_karp.core.disruption.balanced import Score
from kubectl_karp.core.disruption.budgets import REASON_UNDERUTILIZED
from kubectl_karp.core.disruption.candidates import Candidate
from kubectl_karp.core.disruption.plan import (
    METHOD_MULTI,
    METHOD_SINGLE,
    Action,
    Move,
    Replacement,
)
from kubectl_karp.core.disruption.room import unconstrained
from kubectl_karp.core.disruption.simulation import (
    Env,
    SimOutcome,
    cheapest_offering,
    claim_worst_price,
    reschedule,
)
from kubectl_karp.core.nodepools import template_requirements
from kubectl_karp.core.nodepools.launch import min_values_shortfall
from kubectl_karp.core.reasons import Reason
from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import CAPACITY_ON_DEMAND, CAPACITY_SPOT
from kubectl_karp.model.prices import money
from kubectl_karp.model.requirements import Requirements
from kubectl_karp.model.resources import add, render

MIN_SPOT_TO_SPOT_OPTIONS = 15
MAX_MULTI_NODE_CANDIDATES = 100
_SPOT = frozenset({CAPACITY_SPOT})


@dataclass(frozen=True)
class Attempt:
    """One computeConsolidation: an action, or why there is none."""

    action: Action | None
    blocks: tuple[Reason, ...] = ()
    outcome: SimOutcome | None = None
    scores: tuple[Score, ...] = ()  # Balanced scores of the move, when any pool was scored


def _fmt(price: float | None, currency: str) -> str:
    return "unknown" if price is None else f"{money(price, currency=currency)}/h"


def _no(code: str, message: str, candidates: Sequence[Candidate], outcome: SimOutcome | None,
        fix: str = "", detail: str = "") -> Attempt:
    pool = candidates[0].pool.name if len(candidates) == 1 else None
    node = candidates[0].name if len(candidates) == 1 else None
    return Attempt(None, (Reason(code=code, message=message, fix=fix, detail=detail, node=node,
                                 node_pool=pool),), outcome)


def _unplaceable_reason(outcome: SimOutcome, candidates: Sequence[Candidate]) -> Attempt:
    pod, why = outcome.unplaceable[0]
    words = "; ".join(dict.fromkeys(r.message for r in why)) or "no node or NodePool fits it"
    more = len(outcome.unplaceable) - 1
    message = f"pod {pod} would not reschedule: {words}" + (
        f" (and {more} more pod{'s' if more > 1 else ''})" if more else "")
    fixes = [r.fix for r in why if r.fix]
    return _no(R.PODS_CANNOT_RESCHEDULE, message, candidates, outcome,
               fix=fixes[0] if fixes else "",
               detail="Karpenter only removes a node when every pod on it can run elsewhere.")


def _existing_moves(outcome: SimOutcome, replacement: str | None) -> tuple[Move, ...]:
    out = []
    for move in outcome.moves:
        if move.to_replacement:
            out.append(Move(move.pod, replacement or move.to, True))
        else:
            out.append(move)
    return tuple(out)


def _price_sum(candidates: Sequence[Candidate]) -> float | None:
    if any(c.price is None for c in candidates):
        return None
    return sum(c.price or 0.0 for c in candidates)


def _claim_capacity_types(claim_reqs: tuple[tuple[str, str, tuple[str, ...]], ...]
                          ) -> frozenset[str] | None:
    for k, op, values in claim_reqs:
        if k == "karpenter.sh/capacity-type" and op == "In":
            return frozenset(values)
    return None


def _min_values(env: Env, pool_name: str, names: Sequence[str]
                ) -> tuple[Requirements, list[InstanceType]] | None:
    """The NodePool's requirements (when any has minValues) and the named types, in order."""
    npc = next((p for p in env.ctx.node_pools if p.name == pool_name), None)
    if npc is None or not any(r.min_values is not None for r in npc.node_pool.requirements):
        return None
    reqs = template_requirements(npc.node_pool)
    by_name = {it.name: it for it in npc.instance_types}
    return reqs, [by_name[n] for n in names if n in by_name]


def _min_values_miss(env: Env, pool_name: str, names: Sequence[str]) -> str | None:
    """SatisfiesMinValues after the price filter: the NodePool's minValues must still hold
    over the cheaper types, or Karpenter does not consolidate ("Filtering by price")."""
    found = _min_values(env, pool_name, names)
    if found is None:
        return None
    short = min_values_shortfall(*found)
    if not short:
        return None
    key, need, have = short[0]
    return (f"the cheaper replacement types offer {have} value{'s' if have != 1 else ''} of "
            f"{key}, fewer than NodePool {pool_name}'s minValues {need}")


def compute_consolidation(env: Env, candidates: Sequence[Candidate], *, method: str,
                          spot_to_spot: bool, replacement_name: str) -> Attempt:
    """Karpenter's computeConsolidation for ``candidates`` together (upstream
    consolidation.go), with multi-node's filterOutSameInstanceType and the Balanced score."""
    outcome = reschedule(env, candidates)
    if not outcome.all_placed:
        return _unplaceable_reason(outcome, candidates)
    nodes = tuple(c.name for c in candidates)
    pools = tuple(dict.fromkeys(c.pool.name for c in candidates))
    # A price Karpenter cannot look up counts as 0: deleting is fine, nothing is cheaper.
    price = sum(c.price or 0.0 for c in candidates)
    known_price = _price_sum(candidates)
    if not outcome.claims:
        return _scored(env, candidates, Attempt(Action(
            type="delete", method=method, reason=REASON_UNDERUTILIZED, nodes=nodes,
            node_pools=pools, replacements=(), moves=outcome.moves,
            price_per_hour=known_price, savings_per_hour=known_price), (), outcome), price)
    if len(outcome.claims) > 1:
        return _no(R.PODS_CANNOT_RESCHEDULE,
                   f"its pods would need {len(outcome.claims)} new nodes; consolidation "
                   "launches at most one replacement", candidates, outcome)
    claim = outcome.claims[0]
    all_spot = all(c.capacity_type == CAPACITY_SPOT for c in candidates)
    claim_cts = _claim_capacity_types(claim.requirements)
    spot_possible = claim_cts is None or CAPACITY_SPOT in claim_cts
    spot_case = all_spot and spot_possible
    if spot_case and not spot_to_spot:
        return _no(R.NOT_CHEAPER,
                   "replacing a spot node with a spot node needs Karpenter's "
                   "SpotToSpotConsolidation feature gate (off by default)", candidates, outcome,
                   fix="enable the gate in Karpenter (and pass --spot-to-spot here) if you "
                       "want spot nodes replaced by cheaper spot nodes")
    # Spot-to-spot compares spot offerings only (computeSpotToSpotConsolidation).
    cts = _SPOT if spot_case else None
    if known_price is None:
        return _no(R.NOT_CHEAPER, "the node's price is unknown, so no replacement can be "
                   "shown to be cheaper", candidates, outcome,
                   fix="use a catalogue with prices (--catalog) to compare")
    # Options ordered by their cheapest offering (OrderByPrice), kept only when the dearest
    # offering the launch may still get is cheaper (RemoveInstanceTypeOptionsByPrice…).
    priced: list[tuple[str, float, float]] = []
    for name in claim.instance_type_options:
        offer = cheapest_offering(env.ctx, claim, name, cts)
        if offer is not None and offer.price_per_hour is not None:
            priced.append((name, offer.price_per_hour,
                           claim_worst_price(env.ctx, claim, name, cts)))
    priced.sort(key=lambda t: (t[1], t[0]))
    cheaper = [t for t in priced if t[2] < price]
    if method == METHOD_MULTI:
        # Merging into one node of a type being removed is never better than deleting the
        # others: drop that type and anything at least as expensive (filterOutSameInstanceType).
        same = [c.price or 0.0 for c in candidates
                if c.node.instance_type in {t[0] for t in cheaper}]
        if same:
            cap = min(same)
            cheaper = [t for t in cheaper if t[2] < cap]
    if not cheaper:
        best = priced[0] if priced else None
        worst = "" if best is None or best[2] == best[1] else \
            f", up to {_fmt(best[2], env.ctx.currency)} in the offerings it may launch in"
        pending = {p.key for p in env.pending}
        held = sum(1 for key in claim.pods if key in pending)
        also = f" and {held} pending pod{'s' if held != 1 else ''}" if held else ""
        return _no(R.NOT_CHEAPER,
                   f"the cheapest replacement that fits its pods{also} ({best[0]} at "
                   f"{_fmt(best[1], env.ctx.currency)}"
                   f"{worst}) is not cheaper than {_fmt(price, env.ctx.currency)}" if best else
                   "no replacement instance type with a known price fits its pods",
                   candidates, outcome,
                   detail="Karpenter only replaces nodes with a strictly cheaper one, compared "
                          "at the worst launch price of the offerings the replacement may get.")
    miss = _min_values_miss(env, claim.node_pool, [t[0] for t in cheaper])
    if miss is not None:
        return _no(R.NOT_CHEAPER, miss, candidates, outcome,
                   detail="Karpenter keeps a NodePool's minValues flexibility when it filters "
                          "replacements by price.",
                   fix=f"lower minValues on NodePool {claim.node_pool} or widen its types")
    if spot_case and len(candidates) == 1:
        if len(cheaper) < MIN_SPOT_TO_SPOT_OPTIONS:
            return _no(R.NOT_CHEAPER,
                       f"spot-to-spot replacement needs {MIN_SPOT_TO_SPOT_OPTIONS} cheaper "
                       f"instance types; only {len(cheaper)} are cheaper than "
                       f"{_fmt(price, env.ctx.currency)}",
                       candidates, outcome,
                       detail="Karpenter requires enough cheaper spot options so that the "
                              "replacement does not churn again right away.",
                       fix="widen the NodePool's instance-type requirements")
        # The launch gets the cheapest 15, or with minValues as many as the cheapest types
        # take to meet them if that is more (SatisfiesMinValues' count).
        keep = MIN_SPOT_TO_SPOT_OPTIONS
        found = _min_values(env, claim.node_pool, [t[0] for t in cheaper])
        if found is not None:
            reqs, types = found
            need = next((i for i in range(1, len(types) + 1)
                         if not min_values_shortfall(reqs, types[:i])), len(types))
            keep = max(keep, need)
        cheaper = cheaper[:keep]
    # On-demand candidates with a spot-or-on-demand replacement: the price filter relied on
    # spot prices, so Karpenter pins the launch to spot (it never ends up dearer).
    launch_cts = cts
    if claim_cts is None or {CAPACITY_SPOT, CAPACITY_ON_DEMAND} <= claim_cts:
        launch_cts = _SPOT if spot_possible else cts
    choice, choice_price = cheaper[0][0], cheaper[0][1]
    offer = cheapest_offering(env.ctx, claim, choice, launch_cts)
    if offer is not None and offer.price_per_hour is not None:
        choice_price = offer.price_per_hour
    zone = offer.zone if offer else claim.zone
    zone_name = offer.zone_name if offer else claim.zone_name
    ctype = offer.capacity_type if offer else claim.capacity_type
    rep = Replacement(name=replacement_name, node_pool=claim.node_pool, instance_type=choice,
                      zone=zone, zone_name=zone_name, capacity_type=ctype,
                      price_per_hour=choice_price,
                      instance_type_options=tuple(t[0] for t in cheaper))
    return _scored(env, candidates, Attempt(Action(
        type="replace", method=method, reason=REASON_UNDERUTILIZED, nodes=nodes,
        node_pools=pools, replacements=(rep,), moves=_existing_moves(outcome, replacement_name),
        price_per_hour=known_price, savings_per_hour=known_price - choice_price), (), outcome),
        price - choice_price)


def _scored(env: Env, candidates: Sequence[Candidate], attempt: Attempt,
            savings: float) -> Attempt:
    """Score a found move for its Balanced pools (ApproveCommand); a rejected move is no
    action. ``savings``: EstimatedSavings (unknown prices count as 0, as upstream)."""
    if not env.balanced or not any(balanced.is_balanced(c) for c in candidates):
        return attempt
    approved, scores = balanced.evaluate(candidates, savings, env.balanced)
    action = attempt.action
    if approved:
        return Attempt(replace(action, scores=scores) if action else None, (),
                       attempt.outcome, scores)
    worst = next(s for s in scores if not s.approved)
    what = "" if action is None else (
        f"{action.type} of {', '.join(action.nodes)}" + (
            f" with {action.replacements[0].instance_type}" if action.replacements else ""))
    node = candidates[0].name if len(candidates) == 1 else None
    block = balanced.rejection(worst, node, worst.node_pool,
                               f"{worst.describe()}: the move ({what}) saves too little for "
                               "the disruption it causes")
    return Attempt(None, (block,), attempt.outcome, scores)


def multi_node(env: Env, candidates: Sequence[Candidate], budget: dict[str, int], *,
               spot_to_spot: bool, replacement_name: str) -> Attempt | None:
    """Binary search for the longest prefix (≥ 2, ≤ 100 candidates) that consolidates."""
    allowed = dict(budget)
    within: list[Candidate] = []
    for cand in candidates:
        if allowed.get(cand.pool.name, 0) <= 0:
            continue
        within.append(cand)
        allowed[cand.pool.name] -= 1
    if len(within) < 2:
        return None
    low, high = 1, min(len(within), MAX_MULTI_NODE_CANDIDATES) - 1
    best: Attempt | None = None
    while low <= high:
        mid = (low + high) // 2
        attempt = compute_consolidation(env, within[:mid + 1], method=METHOD_MULTI,
                                        spot_to_spot=spot_to_spot,
                                        replacement_name=replacement_name)
        if attempt.action is not None:
            best = attempt
            low = mid + 1
        else:
            high = mid - 1
    return best


def interleave_by_pool(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Single-node order: take the cheapest of each NodePool in turn (upstream interweaves
    pools so one large pool cannot starve the others)."""
    groups: dict[str, list[Candidate]] = {}
    for cand in candidates:
        groups.setdefault(cand.pool.name, []).append(cand)
    out: list[Candidate] = []
    longest = max((len(g) for g in groups.values()), default=0)
    for i in range(longest):
        for name in sorted(groups):
            if i < len(groups[name]):
                out.append(groups[name][i])
    return out


def format_resources(resources: dict[str, int]) -> str:
    shown = render({k: v for k, v in resources.items() if k in ("cpu", "memory")})
    return ", ".join(f"{k} {v}" for k, v in shown.items())


def _ruled_out(env: Env, cand: Candidate) -> Attempt | None:
    """The arithmetic pre-check (room.py): a NotCheaper answer without a simulation."""
    # Pending pods join the simulation and may need a NodeClaim of their own; a spot node's
    # replacement is priced on spot offerings only: both are left to the simulation.
    if env.room is None or cand.price is None or env.pending \
            or cand.capacity_type == CAPACITY_SPOT:
        return None
    homeless = env.room.homeless(cand.reschedulable, cand.name)
    if not homeless or not all(unconstrained(p) for p in homeless):
        return None
    need = add(*(p.requests for p in homeless))
    if not env.room.only_dearer_types_hold(homeless, need, cand.price):
        return None
    return _no(R.NOT_CHEAPER,
               f"{len(homeless)} of its pods fit in no other node's free room and together "
               f"({format_resources(need)}) need a node; no instance type cheaper than "
               f"{_fmt(cand.price, env.ctx.currency)} holds them, so a replacement would not be "
               "cheaper",
               [cand], None,
               detail="Karpenter only replaces nodes with a strictly cheaper one.")


def single_node(env: Env, candidates: Sequence[Candidate], budget: dict[str, int], *,
                spot_to_spot: bool, replacement_name: str
                ) -> tuple[Attempt | None, dict[str, Attempt]]:
    """The first candidate (in order) that consolidates alone; every failure, by node name."""
    failures: dict[str, Attempt] = {}
    for cand in interleave_by_pool(candidates):
        if budget.get(cand.pool.name, 0) <= 0:
            continue
        # CanPassThreshold: if even deleting the node outright scores too low, no move will.
        best = balanced.best_case(cand, env.balanced) if env.balanced else None
        if best is not None and not best.approved:
            failures[cand.name] = Attempt(None, (balanced.rejection(
                best, cand.name, cand.pool.name, best.describe(best_case=True)),), None, (best,))
            continue
        ruled_out = _ruled_out(env, cand)
        if ruled_out is not None:
            failures[cand.name] = ruled_out
            continue
        attempt = compute_consolidation(env, [cand], method=METHOD_SINGLE,
                                        spot_to_spot=spot_to_spot,
                                        replacement_name=replacement_name)
        if attempt.action is not None:
            return attempt, failures
        failures[cand.name] = attempt
    return None, failures
