"""``consolidate``'s output: the ``ConsolidationPlan`` and ``ConsolidationNodeReport``
documents (-o json|yaml) and the dry run's text (the plan, or one node in depth)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kubectl_karp.core.disruption.budgets import PoolBudget
from kubectl_karp.core.disruption.plan import (
    Action,
    ConsolidationPlan,
    NodeReport,
    Replacement,
)
from kubectl_karp.core.reasons import Reason
from kubectl_karp.model.prices import HOURS_PER_MONTH, format_money, money_month

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.releases import KarpenterRules
    from kubectl_karp.core.verify import Comparison
    from kubectl_karp.render.output import Style

_MOVES_SHOWN = 5


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _price(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _reason(reason: Reason) -> dict[str, Any]:
    doc: dict[str, Any] = {"code": reason.code, "message": reason.message}
    if reason.detail:
        doc["detail"] = reason.detail
    if reason.fix:
        doc["fix"] = reason.fix
    return doc


def _replacement(rep: Replacement) -> dict[str, Any]:
    return {"name": rep.name, "nodePool": rep.node_pool, "instanceType": rep.instance_type,
            "zone": rep.zone_name or rep.zone, "capacityType": rep.capacity_type,
            "pricePerHour": _price(rep.price_per_hour),
            "instanceTypeOptions": list(rep.instance_type_options)}


def action_document(action: Action) -> dict[str, Any]:
    reps = [_replacement(r) for r in action.replacements]
    return {
        "type": action.type, "method": action.method, "reason": action.reason,
        "nodes": list(action.nodes), "nodePools": list(action.node_pools),
        "replacement": reps[0] if len(reps) == 1 else None,
        "replacements": reps,
        "pricePerHour": _price(action.price_per_hour),
        "savingsPerHour": _price(action.savings_per_hour),
        "moves": [{"pod": m.pod, "to": m.to, "toReplacement": m.to_replacement}
                  for m in action.moves],
        "warnings": list(action.warnings),
        "balanced": [s.document() for s in action.scores],
    }


def budget_document(budget: PoolBudget, planned: int = 0,
                    replicas: int | None = None) -> dict[str, Any]:
    return {"nodePool": budget.node_pool,
            # a static NodePool: only (Static)Drift uses its budget
            "static": None if replicas is None else {"replicas": replicas},
            "allowed": budget.allowed_min,
            "disrupting": budget.disrupting, "nodes": budget.nodes, "planned": planned,
            "allowedByReason": dict(budget.allowed_by_reason),
            "nextOpen": _time(budget.next_open),
            "problem": budget.problem,
            "activeBudgets": [{"nodes": b.nodes, "reasons": list(b.reasons),
                               "schedule": b.schedule, "durationSeconds": b.duration_seconds}
                              for b in budget.active_budgets]}


def node_document(report: NodeReport) -> dict[str, Any]:
    return {
        "node": report.node, "nodePool": report.node_pool,
        "instanceType": report.instance_type, "capacityType": report.capacity_type,
        "zone": report.zone, "pricePerHour": _price(report.price_per_hour),
        "pods": list(report.pods),
        "disruptionCost": None if report.disruption_cost is None
        else round(report.disruption_cost, 6),
        "candidateOrder": report.order or None,
        "consolidateAfter": {"since": _time(report.consolidate_after_since),
                             "rule": report.consolidate_after_rule,
                             "eligibleAt": _time(report.consolidatable_at)},
        "action": report.action,
        "checks": [{"name": c.name, "ok": c.ok, "message": c.message} for c in report.checks],
        "reasons": [_reason(r) for r in report.blocks],
        "simulation": [{"pod": m.pod, "to": m.to, "toReplacement": m.to_replacement}
                       for m in report.simulation],
        "unplaceable": [{"pod": pod, "reasons": [_reason(r) for r in why]}
                        for pod, why in report.unplaceable],
        "balanced": [s.document() for s in report.scores],
    }


def plan_document(plan: ConsolidationPlan) -> dict[str, Any]:
    """The documented ``-o json|yaml`` contract (README: consolidate)."""
    per_hour = plan.savings_per_hour
    return {
        "kind": "ConsolidationPlan",
        "evaluatedAt": _time(plan.now),
        "pricesKnown": plan.prices_known,
        **({"currency": plan.currency} if plan.currency else {}),
        "actions": [action_document(a) for a in plan.actions],
        "blocked": [{"node": n.node, "nodePool": n.node_pool,
                     "reasons": [_reason(r) for r in n.blocks]} for n in plan.blocked],
        "budgets": [budget_document(b, plan.planned(b.node_pool),
                                    plan.static_pools.get(b.node_pool))
                    for b in plan.budgets],
        "savings": {"perHour": round(per_hour, 6),
                    "perMonth": round(per_hour * HOURS_PER_MONTH, 2)},
        "notes": list(plan.notes),
    }


def node_report_document(report: NodeReport, rules: KarpenterRules,
                         karpenter: Mapping[str, Any] | None = None,
                         warnings: Sequence[str] = ()) -> dict[str, Any]:
    """``consolidate --node NAME -o json|yaml``: one node in depth."""
    from kubectl_karp.render.output import rules_fields

    extra = {"karpenter": karpenter} if karpenter is not None else {}
    return {"kind": "ConsolidationNodeReport", **rules_fields(rules), **node_document(report),
            **extra, "warnings": list(warnings)}


def plan_report_document(plan: ConsolidationPlan, rules: KarpenterRules,
                         karpenter: Mapping[str, Any], warnings: Sequence[str]
                         ) -> dict[str, Any]:
    """``consolidate -o json|yaml``: the plan, the release followed, Karpenter's own word."""
    from kubectl_karp.render.output import rules_fields

    return {**plan_document(plan), **rules_fields(rules), "karpenter": dict(karpenter),
            "warnings": list(warnings)}


# ---------------------------------------------------------------- text

def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _actions(plan: ConsolidationPlan, style: Style, wide: bool) -> list[str]:
    from kubectl_karp.render.output import table

    rows = []
    for i, a in enumerate(plan.actions, 1):
        rep = ", ".join(f"{r.instance_type} {r.capacity_type} {r.zone_name or r.zone} "
                        f"{format_money(r.price_per_hour, currency=plan.currency)}"
                        for r in a.replacements) or "-"
        rows.append([str(i), style.bold(a.type), a.method, ",".join(a.nodes), rep,
                     str(len(a.moves)), format_money(a.savings_per_hour, currency=plan.currency)])
    lines = [style.bold(f"Actions ({len(plan.actions)})")]
    if not rows:
        return [*lines, "  none: Karpenter would not disrupt any node now", ""]
    text = table(["#", "type", "method", "nodes", "replacement", "pods", "savings/h"], rows)
    lines += text.rstrip("\n").split("\n")
    for i, a in enumerate(plan.actions, 1):
        moves = a.moves if wide else a.moves[:_MOVES_SHOWN]
        if moves:
            lines.append(f"  #{i} moves: " + ", ".join(f"{m.pod} → {m.to}" for m in moves)
                         + (f", … {len(a.moves) - len(moves)} more (-o wide)"
                            if len(moves) < len(a.moves) else ""))
        for warning in a.warnings:
            lines.append("  " + style.warn(f"#{i} warning: {warning}"))
    return [*lines, ""]


def _blocked(plan: ConsolidationPlan, style: Style, wide: bool) -> list[str]:
    from kubectl_karp.render.output import table

    rows = []
    for n in plan.blocked:
        first = n.blocks[0] if n.blocks else None
        more = f" (+{len(n.blocks) - 1})" if len(n.blocks) > 1 else ""
        row = [n.node, n.node_pool or "-", style.warn(first.code) if first else "-",
               (first.message if first else "") + more]
        if wide:
            row.append(first.fix if first and first.fix else "")
        rows.append(row)
    lines = [style.bold(f"Not touched ({len(plan.blocked)})")]
    if not rows:
        return [*lines, "  none", ""]
    headers = ["node", "nodepool", "code", "reason"] + (["fix"] if wide else [])
    return [*lines, *table(headers, rows).rstrip("\n").split("\n"), ""]


def _left(planned: int, allowed: int) -> int:
    return max(0, allowed - planned)


def _per_reason(by: Mapping[str, int], static: bool, value: Callable[[int], int]) -> str:
    """``1/1/1``: Empty/Drifted/Underutilized; a static NodePool is never emptied or
    consolidated, so only its Drifted budget counts."""
    return "/".join("-" if static and r != "Drifted"
                    else "∞" if by[r] >= 2**31 - 1 else str(value(by[r]))
                    for r in ("Empty", "Drifted", "Underutilized"))


def _budgets(plan: ConsolidationPlan, style: Style) -> list[str]:
    from kubectl_karp.render.output import table

    rows = []
    for b in plan.budgets:
        by = dict(b.allowed_by_reason)
        replicas = plan.static_pools.get(b.node_pool)
        # A static NodePool is never emptied or consolidated: only its Drifted budget counts.
        planned = plan.planned(b.node_pool)
        reasons = ("Empty", "Drifted", "Underutilized")
        allowed = _per_reason(by, replicas is not None, lambda n: n)
        # What the actions planned here leave of each budget: a node the budget blocks
        # (BudgetExhausted) sits beside a 0 here, not beside the allowance.
        left = _per_reason(by, replicas is not None, functools.partial(_left, planned))
        open_left = any(by[r] - planned > 0 for r in reasons
                        if replicas is None or r == "Drifted")
        state = (style.bad("closed") if b.allowed_min == 0 else
                 style.ok("open") if open_left else style.warn("used up"))
        name = b.node_pool if replicas is None else f"{b.node_pool} (static, {replicas} replicas)"
        rows.append([name, str(b.nodes), str(b.disrupting), allowed, str(planned), left,
                     state, _when(b.next_open) if b.allowed_min == 0 else "-"])
    lines = [style.bold("Disruption budgets (e/d/u: Empty/Drifted/Underutilized)")]
    if not rows:
        return [*lines, "  no NodePools", ""]
    headers = ["nodepool", "nodes", "disrupting", "allowed e/d/u", "planned", "left e/d/u",
               "now", "next open"]
    if all(b.allowed_min > 0 for b in plan.budgets):  # no budget closed: nothing to reopen
        headers.pop()
        rows = [row[:-1] for row in rows]
    invalid = [style.bad(f"  NodePool {b.node_pool}: {b.problem}; Karpenter allows no "
                         "disruption for any reason until it is fixed")
               for b in plan.budgets if b.problem]
    return [*lines, *table(headers, rows).rstrip("\n").split("\n"), *invalid, ""]


def _reported(reported: Mapping[str, Comparison], style: Style) -> list[str]:
    from kubectl_karp.core.verify import DISAGREE
    from kubectl_karp.render.verify import age_text, said_text

    lines = []
    for name, row in sorted(reported.items()):
        text = said_text(row)
        if text:
            styler = style.bad if row.verdict == DISAGREE else style.dim
            lines.append(f"  {name} ({age_text(row.age_seconds)}): " + styler(text))
    return [style.bold("What Karpenter itself reported"), *lines, ""] if lines else []


def render_plan(plan: ConsolidationPlan, style: Style, wide: bool,
                reported: Mapping[str, Comparison] | None = None, header: str = "") -> str:
    """``header``: which Karpenter release's rules were followed, under the first line."""
    lines = [style.dim(f"Dry run at {_when(plan.now)} — nothing is changed in the cluster."),
             *([style.dim(header)] if header else []), ""]
    lines += _actions(plan, style, wide)
    lines += _blocked(plan, style, wide)
    lines += _reported(reported or {}, style)
    lines += _budgets(plan, style)
    per_hour = plan.savings_per_hour
    lines.append(style.bold("Savings: ")
                 + f"{format_money(per_hour, currency=plan.currency)}/hour, "
                 f"{money_month(per_hour, plan.currency)}/month"
                 + ("" if plan.prices_known else " (prices unknown)"))
    return "\n".join(lines) + "\n"


def render_node(plan: ConsolidationPlan, report: NodeReport, style: Style,
                reported: Comparison | None = None, header: str = "") -> str:
    from kubectl_karp.render.verify import reported_line

    lines = [style.bold(f"Node {report.node}") + f"  NodePool {report.node_pool or '-'}, "
             f"{report.instance_type or '?'} {report.capacity_type or '?'} "
             f"{report.zone or '?'}, "
             f"{format_money(report.price_per_hour, currency=plan.currency)}/h",
             *([style.dim(header)] if header else [])]
    said = reported_line(reported) if reported is not None else None
    if said:
        lines.append(said)
    if report.action is not None:
        a = plan.actions[report.action]
        lines.append("Decision: " + style.ok(f"{a.type} by {a.method}")
                     + f" (action #{report.action + 1}, with {', '.join(a.nodes)})")
        for r in a.replacements:
            lines.append(f"  replacement {r.name}: {r.instance_type} {r.capacity_type} "
                         f"{r.zone_name or r.zone} "
                         f"{format_money(r.price_per_hour, currency=plan.currency)}/h")
    else:
        lines.append("Decision: " + style.bad("left alone"))
        for reason in report.blocks:
            lines.append(f"  {style.warn(reason.code)}: {reason.message}")
            if reason.detail:
                lines.append(f"    {style.dim(reason.detail)}")
            if reason.fix:
                lines.append("    fix: " + style.fix(reason.fix))
    lines.append("Checks:")
    for check in report.checks:
        mark = style.ok("✓") if check.ok else style.bad("✗")
        lines.append(f"  {mark} {check.name}: {check.message}")
    if report.consolidate_after_rule:
        lines.append(f"consolidateAfter counted from {report.consolidate_after_rule} "
                     f"({_when(report.consolidate_after_since)}); eligible at "
                     f"{_when(report.consolidatable_at)}")
    if report.order:
        lines.append(f"Candidate order: {report.order}")
    elif report.disruption_cost is not None:
        lines.append(f"Disruption cost: {report.disruption_cost:.3f} (lower goes first)")
    lines.append(f"Pods that would move ({len(report.pods)}): "
                 + (", ".join(report.pods) if report.pods else "none"))
    if report.simulation:
        lines.append("Simulated moves: " + ", ".join(f"{m.pod} → {m.to}"
                                                      for m in report.simulation))
    for pod, why in report.unplaceable:
        lines.append(style.bad(f"  {pod} fits nowhere: ")
                     + "; ".join(dict.fromkeys(r.message for r in why)))
    return "\n".join(lines) + "\n"
