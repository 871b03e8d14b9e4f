"""The rollout preview (``consolidate --rounds/--until-steady``) and the drift a change causes,
as text and as the ``RolloutPlan`` document."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kubectl_karp.core.disruption.drift_change import DriftFinding
from kubectl_karp.core.disruption.plan import ConsolidationPlan, NodeReport
from kubectl_karp.core.disruption.rollout import RolloutPlan
from kubectl_karp.model.prices import HOURS_PER_MONTH, format_money
from kubectl_karp.render.consolidate import action_document, node_document, plan_document
from kubectl_karp.render.output import Style, table

API_VERSION = "karp.kubectl.io/v1alpha1"


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def drift_document(finding: DriftFinding) -> dict[str, Any]:
    return {"nodeClaim": finding.node_claim, "node": finding.node or None,
            "nodePool": finding.node_pool, "reason": finding.reason, "detail": finding.detail,
            "alreadyDrifted": finding.already}


def drift_node_document(report: NodeReport, findings: Sequence[DriftFinding]
                        ) -> dict[str, Any]:
    """``consolidate --what-if … --node NAME -o json|yaml``: the node and its drift."""
    return {"kind": "ConsolidationNodeReport", **node_document(report),
            "drift": [drift_document(f) for f in findings if f.node == report.node]}


def drift_plan_document(plan: ConsolidationPlan, findings: Sequence[DriftFinding]
                        ) -> dict[str, Any]:
    """``consolidate --what-if … -o json|yaml``: the plan with the change's drift."""
    return {**plan_document(plan), "drift": [drift_document(f) for f in findings]}


def document(plan: RolloutPlan) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION, "kind": "RolloutPlan",
        "start": plan.start.isoformat().replace("+00:00", "Z"),
        "drift": [drift_document(f) for f in plan.drift],
        "rounds": [{
            "round": step.round, "time": step.time.isoformat().replace("+00:00", "Z"),
            "kind": step.kind, "actions": [action_document(a) for a in step.actions],
            "nodesAfter": step.nodes_after, "costPerHourAfter": step.cost_after,
            "podsEvicted": step.evicted, "note": step.note,
        } for step in plan.steps],
        "steady": plan.steady,
        "startState": {"nodes": plan.start_nodes, "costPerHour": plan.start_cost},
        "steadyState": {"nodes": plan.final_nodes, "costPerHour": plan.final_cost,
                        "costPerMonth": round(plan.final_cost * HOURS_PER_MONTH, 2)
                        if plan.final_cost is not None else None},
        "risks": [{"code": r.code, "message": r.message, "round": r.round} for r in plan.risks],
        "notes": list(plan.notes),
    }


def drift_lines(findings: Sequence[DriftFinding], style: Style) -> list[str]:
    if not findings:
        return [style.bold("Drift from the change"), "  none: no NodeClaim would drift", ""]
    rows = [[f.node or f.node_claim, f.node_pool, f.reason, f.detail] for f in findings]
    return [style.bold(f"Drift from the change ({len(findings)} NodeClaims)"),
            *table(["node", "nodepool", "reason", "why"], rows).rstrip("\n").split("\n"), ""]


def render_text(plan: RolloutPlan, style: Style, wide: bool = False) -> str:
    lines = [style.dim(f"Rollout preview from {_time(plan.start)} — nothing is changed in the "
                       "cluster."), ""]
    lines += drift_lines(plan.drift, style)
    rows = []
    for step in plan.steps:
        if step.kind == "wait":
            what = step.note
            nodes = "-"
        elif step.kind == "expire":
            what, nodes = step.note, "-"
        else:
            what = "; ".join(f"{a.type} ({a.method})" for a in step.actions[:2]) + (
                f"; +{len(step.actions) - 2} more" if len(step.actions) > 2 else "")
            nodes = ",".join(n for a in step.actions for n in a.nodes)
        rows.append([str(step.round) if step.kind != "wait" else "", _time(step.time), what,
                     nodes, str(step.evicted), str(step.nodes_after),
                     format_money(step.cost_after)])
    lines.append(style.bold(f"Timeline ({plan.rounds} rounds)"))
    if rows:
        lines += table(["round", "time", "action", "nodes", "evicted", "nodes after",
                        "$/h after"], rows, fit=not wide, keep=(6,)).rstrip("\n").split("\n")
    else:
        lines.append("  nothing would happen")
    lines.append("")
    state = "steady state" if plan.steady else "stopped before steady state (--rounds)"
    lines.append(style.bold(f"{state.capitalize()}: ") + f"{plan.final_nodes} node(s), "
                 f"{format_money(plan.final_cost)}/h (before: {plan.start_nodes} node(s), "
                 f"{format_money(plan.start_cost)}/h)")
    if plan.risks:
        lines += ["", style.bold(f"Risks ({len(plan.risks)})")]
        lines += ["  " + style.warn(r.code) + f": {r.message}" for r in plan.risks]
    return "\n".join(lines) + "\n"
