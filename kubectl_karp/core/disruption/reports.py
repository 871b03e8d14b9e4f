"""What the plan says about every node: the checks each passed or failed and why it was left
alone (or which action took it), the plan's budgets and notes. Read from the planner's state
after its last round (planner.py): that round is the one that left the remaining nodes alone."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from kubectl_karp.core import reasons as R
from kubectl_karp.core import releases
from kubectl_karp.core.disruption.budgets import (
    REASON_DRIFTED,
    REASON_EMPTY,
    REASON_UNDERUTILIZED,
    limiting_budget,
    pool_budget,
    pool_budget_problem,
)
from kubectl_karp.core.disruption.candidates import Candidate, NodeStatus
from kubectl_karp.core.disruption.costs import savings_ratio
from kubectl_karp.core.disruption.methods.consolidation import Attempt, compute_consolidation
from kubectl_karp.core.disruption.plan import (
    METHOD_SINGLE,
    Action,
    Check,
    ConsolidationPlan,
    Move,
    NodeReport,
)
from kubectl_karp.core.reasons import Reason
from kubectl_karp.model.durations import format_duration
from kubectl_karp.model.objects import LABEL_CAPACITY_TYPE, LABEL_ZONE, Node
from kubectl_karp.model.predicates import is_reschedulable
from kubectl_karp.model.prices import money

if TYPE_CHECKING:
    from kubectl_karp.core.disruption.planner import _Planner


def consolidation_ready(c: Candidate) -> str | None:
    """Why a non-empty candidate cannot be priced for consolidation (upstream ShouldDisrupt)."""
    if c.instance_type is None:
        return (f"instance type {c.node.instance_type or '(unlabelled)'} is not in the "
                f"catalogue for NodePool {c.pool.name}, so Karpenter cannot price the node")
    for label in (LABEL_CAPACITY_TYPE, LABEL_ZONE):
        if label not in c.node.labels:
            return f"node has no {label} label, so Karpenter cannot price it"
    return None


def if_budget_allowed(p: _Planner, cand: Candidate) -> tuple[Check, Attempt]:
    """What single-node consolidation would decide for ``cand`` were its budget open
    (only for nodes explained with ``--node``: it costs a simulation)."""
    attempt = compute_consolidation(p._env(), [cand], method=METHOD_SINGLE,
                                    spot_to_spot=p.spot_to_spot,
                                    replacement_name=p._replacement_name())
    action = attempt.action
    if action is None:
        return Check("if the budget allowed", False,
                     "; ".join(r.message for r in attempt.blocks)), attempt
    what = action.type + (f" with {action.replacements[0].instance_type}"
                          if action.replacements else "")
    saving = "" if action.savings_per_hour is None else \
        f", saving {money(action.savings_per_hour, currency=p.ctx.currency)}/h"
    return Check("if the budget allowed", True,
                 f"single-node consolidation would {what}{saving}"), attempt

def budget_block(p: _Planner, reason: str, pool: str) -> Reason:
    pool_obj = p.pools[pool]
    broken = pool_budget_problem(pool_obj)
    if broken is not None:
        return Reason(
            code=R.BUDGET_EXHAUSTED, node_pool=pool,
            message=f"NodePool {pool} has an invalid disruption budget ({broken[1]}), so "
                    f"Karpenter allows no disruption for any reason, {reason} included",
            detail="Karpenter fails closed when any budget of a NodePool cannot be "
                   "evaluated, whatever reasons that budget lists.",
            fix=f"fix spec.disruption.budgets on NodePool {pool} (schedules use "
                "five cron fields: minute hour day-of-month month day-of-week, days "
                "of week 0-6 or sun-sat, ranges low-high)")
    limiting = limiting_budget(pool_obj, p.num_nodes.get(pool, 0), reason, p.now)
    which = (f"budget nodes={limiting.nodes}"
             + (f" reasons={','.join(limiting.reasons)}" if limiting.reasons else "")
             + (f" schedule='{limiting.schedule}'" if limiting.schedule else "")
             ) if limiting else "its budgets"
    used = p.disrupting.get(pool, 0) + p.planned.get(pool, 0)
    return Reason(
        code=R.BUDGET_EXHAUSTED, node_pool=pool,
        message=f"NodePool {pool} disruption budget for {reason} is used up ({which}; "
                f"{used} node{'s' if used != 1 else ''} disrupting or planned of "
                f"{p.num_nodes.get(pool, 0)})",
        fix=f"raise spec.disruption.budgets on NodePool {pool}, or wait for its budget "
            "window")

def explain_status(p: _Planner, status: NodeStatus) -> tuple[list[Check], list[Reason],
                                                             Attempt | None]:
    checks: list[Check] = []
    if status.candidate is None:
        for reason in status.blocks:
            checks.append(Check("candidate", False, reason.message))
        return checks, list(status.blocks), None
    c = status.candidate
    rnd = p.round
    pool = c.pool.name
    checks.append(Check("Karpenter-managed", True,
                        f"NodeClaim {c.claim.name}, NodePool {pool}"))
    checks.append(Check("initialised and not disrupting", True, "yes"))
    if c.pod_blocks:
        checks.append(Check("pods evictable", False,
                            "; ".join(r.message for r in c.pod_blocks)))
    else:
        checks.append(Check("pods evictable", True,
                            "no do-not-disrupt pod, no PodDisruptionBudget at 0"))
    blocks: list[Reason] = list(c.pod_blocks)
    static = p._static(c)
    if c.drifted_since is not None:
        failure = (rnd.static_failures if static else rnd.drift_failures).get(c.name)
        if failure is not None:
            blocks.extend(failure.blocks)
        elif (not c.pod_blocks or c.ignores_pod_blocks_for_drift) \
                and rnd.budget[REASON_DRIFTED].get(pool, 0) <= 0:
            blocks.append(budget_block(p, REASON_DRIFTED, pool))
        checks.append(Check("static drift" if static else "drift", not blocks,
                            "NodeClaim is Drifted" + (
                                "; StaticDrift replaces it one for one" if static else "")))
        if blocks:
            return checks, blocks, failure
    if c.pod_blocks:
        return checks, blocks, None
    if static:
        block = Reason(
            code=R.STATIC_NODEPOOL, node=c.name, node_pool=pool,
            message=f"NodePool {pool} is static (replicas: {c.pool.replicas}): Karpenter "
                    "neither deletes its empty nodes nor consolidates it",
            detail="A static NodePool keeps spec.replicas nodes; only drift replaces "
                   "them, one for one.",
            fix=f"change spec.replicas on NodePool {pool} to resize it; for consolidation "
                "use a NodePool without replicas (a NodePool cannot switch between static "
                "and dynamic in place)")
        checks.append(Check("static NodePool", False, block.message))
        return checks, [block], None
    if c.consolidate_after_block is not None:
        checks.append(Check("consolidateAfter", False, c.consolidate_after_block.message))
        return checks, [c.consolidate_after_block], None
    after = c.pool.consolidate_after_seconds
    checks.append(Check("consolidateAfter", True,
                        f"{format_duration(after)} elapsed (counted from "
                        f"{status.consolidate_after_rule})"))
    if c.is_empty:
        if rnd.budget[REASON_EMPTY].get(pool, 0) <= 0:
            block = budget_block(p, REASON_EMPTY, pool)
            checks.append(Check("budget", False, block.message))
            return checks, [block], None
        checks.append(Check("budget", True, "Empty budget allows it"))
        return checks, [Reason(code=R.BUDGET_EXHAUSTED, node_pool=pool, node=c.name,
                               message="empty but not chosen this time")], None
    if c.pool.consolidation_policy == "WhenEmpty":
        block = Reason(
            code=R.WHEN_EMPTY_POLICY, node=c.name, node_pool=pool,
            message=f"NodePool {pool} has consolidationPolicy WhenEmpty and the node runs "
                    f"{len(c.reschedulable)} pod{'s' if len(c.reschedulable) != 1 else ''}",
            fix=f"set spec.disruption.consolidationPolicy: WhenEmptyOrUnderutilized on "
                f"NodePool {pool} to let Karpenter consolidate underutilised nodes")
        checks.append(Check("policy", False, block.message))
        return checks, [block], None
    checks.append(Check("policy", True, c.pool.consolidation_policy))
    unpriced = consolidation_ready(c)
    if unpriced is not None:
        block = Reason(code=R.NOT_CHEAPER, node=c.name, node_pool=pool, message=unpriced,
                       fix="use a catalogue that lists this instance type (--catalog)")
        checks.append(Check("price", False, unpriced))
        return checks, [block], None
    if rnd.budget[REASON_UNDERUTILIZED].get(pool, 0) <= 0:
        block = budget_block(p, REASON_UNDERUTILIZED, pool)
        checks.append(Check("budget", False, block.message))
        hypothetical = if_budget_allowed(p, c) if c.name in p.explain else None
        if hypothetical is not None:
            checks.append(hypothetical[0])
        return checks, [block], hypothetical[1] if hypothetical else None
    checks.append(Check("budget", True, "Underutilized budget allows it"))
    failure = rnd.failures.get(c.name)
    if failure is not None:
        balanced = any(r.code == R.BALANCED_SCORE_TOO_LOW for r in failure.blocks)
        checks.append(Check("Balanced" if balanced else "consolidation", False,
                            "; ".join(r.message.removeprefix("Balanced: ")
                                      for r in failure.blocks)))
        return checks, list(failure.blocks), failure
    # Unreachable in practice: the last round tried every candidate its budget allowed.
    return checks, [budget_block(p, REASON_UNDERUTILIZED, pool)], None

def node_report(p: _Planner, node: Node) -> NodeReport:
    status = p.round.by_name.get(node.name)
    claim = p.original.node_claim_for(node)
    pool = node.node_pool or (claim.node_pool if claim else None)
    resched = tuple(p.key for p in p.original.pods_by_node.get(node.name, ())
                    if is_reschedulable(p))
    base = NodeReport(
        node=node.name, node_pool=pool, instance_type=node.instance_type,
        capacity_type=node.capacity_type, zone=node.zone,
        price_per_hour=p.prices.get(node.name), pods=resched, disruption_cost=None,
        consolidate_after_since=None, consolidate_after_rule="", consolidatable_at=None,
        checks=(), action=None, blocks=())
    if node.name in p.action_of:
        index = p.action_of[node.name]
        action = p.actions[index]
        own = set(resched)
        moves = tuple(m for m in action.moves if m.pod in own)
        checks = [Check("action", True, f"{action.type} by {action.method}")]
        checks += [Check("Balanced", True, s.describe()) for s in action.scores]
        return replace(base, checks=tuple(checks), action=index, simulation=moves,
                       scores=action.scores)
    assert status is not None  # every node not in an action is still in the snapshot
    checks, blocks, attempt = explain_status(p, status)
    sim: tuple[Move, ...] = ()
    unplaceable: tuple[tuple[str, tuple[Reason, ...]], ...] = ()
    scores = attempt.scores if attempt is not None else ()
    if attempt is not None and attempt.outcome is not None:
        sim = attempt.outcome.moves
        unplaceable = attempt.outcome.unplaceable
    cand = status.candidate
    return replace(
        base, disruption_cost=cand.disruption_cost if cand else None,
        order=order_note(p, cand) if cand else "",
        consolidate_after_since=status.consolidate_after_since,
        consolidate_after_rule=status.consolidate_after_rule,
        consolidatable_at=status.consolidatable_at, checks=tuple(checks), action=None,
        blocks=tuple(blocks), simulation=sim, unplaceable=unplaceable, scores=scores)

def plan_result(p: _Planner) -> ConsolidationPlan:
    reports = tuple(node_report(p, n) for n in sorted(p.original.nodes,
                                                      key=lambda n: n.name))
    budgets = tuple(pool_budget(pool, p.num_nodes.get(name, 0),
                                p.disrupting.get(name, 0), p.now)
                    for name, pool in sorted(p.pools.items()))
    notes: list[str] = []
    if not p.ctx.prices_known:
        notes.append("instance-type prices are unknown: empty and underutilised nodes can "
                     "still be deleted, but no replacement can be shown to be cheaper "
                     "(use --catalog)")
    for action in p.actions:
        bare = [m.pod for m in action.moves if is_bare(p, m.pod)]
        if bare:
            notes.append(f"{', '.join(bare)} ha{'ve' if len(bare) > 1 else 's'} no "
                         "controller: Karpenter would evict and nothing would re-create "
                         "it")
    return ConsolidationPlan(now=p.now, actions=tuple(warned(p, a) for a in p.actions),
                             nodes=reports, budgets=budgets,
                             prices_known=p.ctx.prices_known, notes=tuple(notes),
                             options={"spotToSpot": p.spot_to_spot},
                             static_pools={name: pool.replicas
                                           for name, pool in p.pools.items()
                                           if pool.replicas is not None and p.static_rule},
                             currency=p.ctx.currency)


def order_note(p: _Planner, cand: Candidate) -> str:
    if p.ctx.rules.has(releases.CANDIDATE_SAVINGS_RATIO):
        return (f"savings ratio {savings_ratio(cand.price, cand.reschedule_cost):.4f} = "
                f"price {money(cand.price or 0.0, currency=p.ctx.currency)}/h ÷ reschedule cost "
                f"{cand.reschedule_cost:.3f} (higher goes first)")
    return (f"disruption cost {cand.disruption_cost:.3f} = pod eviction costs × node "
            "lifetime remaining (lower goes first)")

def is_bare(p: _Planner, key: str) -> bool:
    return key in p.bare

def warned(p: _Planner, action: Action) -> Action:
    bare = [m.pod for m in action.moves if is_bare(p, m.pod)]
    if not bare:
        return action
    return replace(action, warnings=action.warnings + tuple(
        f"pod {key} has no controller: it would be evicted and lost" for key in bare))
