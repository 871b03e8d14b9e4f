"""Text for the side panels and drill-down screens (explanation, node detail, describe)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.text import Text

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.diagnosis.text import workload
from kubectl_karp.core.reasons import Reason
from kubectl_karp.model.prices import money
from kubectl_karp.model.quantity import format_memory
from kubectl_karp.render.views import PendingGroupRow, cpu_text, format_age


def _reason(text: Text, reason: Reason | Any, indent: str = "  ") -> None:
    text.append(f"{indent}✗ ", style="red")
    text.append(f"{reason.code}: ", style="bold")
    text.append(f"{reason.message}\n")
    if getattr(reason, "detail", ""):
        text.append(f"{indent}  {reason.detail}\n", style="dim")
    if getattr(reason, "fix", ""):
        text.append(f"{indent}  fix: ", style="cyan")
        text.append(f"{reason.fix}\n")


def verdict_text(entry: Any) -> str:
    """One line for the table's VERDICT column from an explain ``PodExplanation``."""
    v = entry.verdict
    if not v.schedulable:
        return "stays pending"
    if v.existing_node:
        return f"fits {'launching ' if v.in_flight else ''}node {v.existing_node}"
    if v.node_pool:
        return f"new NodeClaim: {v.node_pool} {v.instance_type or ''}".rstrip()
    return "schedulable"


def first_code(entry: Any) -> str:
    for reason in entry.reasons:
        return str(reason.code)
    for pool in entry.node_pools:
        for reason in pool.reasons:
            return str(reason.code)
    for group in entry.existing_nodes:
        return str(group.code)
    return ""


def _reported(text: Text, said: Any | None) -> None:
    """Karpenter's own word (core.verify.Comparison) on the selected pod or node."""
    from kubectl_karp.render.verify import reported_line

    if said is None:
        return
    line = reported_line(said)
    if line:
        text.append(line + "\n", style="red" if said.verdict == "disagree" else "dim")


def explanation_text(row: PendingGroupRow | None, entry: Any | None,
                     blockers: Sequence[Reason], unavailable: str = "",
                     said: Any | None = None) -> Text:
    text = Text()
    if row is None:
        text.append("No pending pods.", style="dim")
        return text
    text.append(f"{row.owner}", style="bold")
    text.append(f"  ({row.namespace}, {row.count} pod{'s' if row.count != 1 else ''}, "
                f"each {cpu_text(row.cpu)} CPU / {format_memory(row.memory)})\n")
    if entry is None:
        text.append("\n" + (unavailable or "Explaining…") + "\n", style="dim")
        return text
    text.append("verdict: ", style="bold")
    text.append(verdict_text(entry) + "\n",
                style="green" if entry.verdict.schedulable else "red")
    _reported(text, said)
    if blockers:
        text.append("\nblocking every pod:\n", style="bold")
        for reason in blockers:
            _reason(text, reason)
    if entry.reasons:
        text.append("\nscheduling:\n", style="bold")
        for reason in entry.reasons:
            _reason(text, reason)
    if entry.existing_nodes:
        text.append("\nexisting nodes:\n", style="bold")
        for group in entry.existing_nodes:
            text.append(f"  {group.count} node{'s' if group.count != 1 else ''}: ",
                        style="yellow")
            text.append(f"{group.message}\n")
            if group.fix:
                text.append("    fix: ", style="cyan")
                text.append(f"{group.fix}\n")
    if entry.node_pools:
        text.append("\nNodePools:\n", style="bold")
        for pool in entry.node_pools:
            mark, style = ("✓", "green") if pool.accepted else ("✗", "red")
            text.append(f"  {mark} {pool.name}", style=style)
            if pool.chosen:
                text.append(" (chosen)", style="green")
            if pool.candidates:
                text.append(f"  fits: {', '.join(pool.candidates[:4])}")
            text.append("\n")
            for reason in pool.reasons:
                _reason(text, reason, indent="    ")
            for closest in pool.closest[:2]:
                lacks = ", ".join(f"{k} {cpu_text(v) if k == 'cpu' else format_memory(v)}"
                                  for k, v in closest.lacks.items())
                text.append(f"      closest {closest.name} lacks {lacks}\n", style="dim")
    text.append("\npods: " + ", ".join(row.pods[:10])
                + (f" … (+{row.count - 10})" if row.count > 10 else "") + "\n", style="dim")
    return text


def node_detail_rows(ctx: SchedulingContext, node_name: str, now: datetime
                     ) -> list[tuple[str, tuple[str, ...]]]:
    pods = ctx.snapshot.pods_by_node.get(node_name, [])
    rows: list[tuple[str, tuple[str, ...]]] = []
    for pod in sorted(pods, key=lambda p: p.key):
        # The object a person edits, as the CLI names it (deployment/web, not its
        # ReplicaSet).
        rows.append((pod.key, (pod.namespace, pod.name,
                               workload(pod) if pod.controller else "-",
                               cpu_text(pod.requests.get("cpu", 0)),
                               format_memory(pod.requests.get("memory", 0)),
                               format_age(pod.creation_timestamp, now))))
    return rows


NODE_DETAIL_COLUMNS = (("namespace", "NAMESPACE"), ("name", "POD"), ("owner", "OWNER"),
                       ("cpu", "CPU"), ("memory", "MEMORY"), ("age", "AGE"))


def node_summary(ctx: SchedulingContext, key: str) -> str:
    snap = ctx.snapshot
    kind, _, name = key.partition("/")
    if kind == "nodeclaim":
        claim = next((c for c in snap.node_claims if c.name == name), None)
        conds = " ".join(f"{c.type}={c.status}" for c in claim.conditions) if claim else ""
        return f"NodeClaim {name} (no node yet)  conditions: {conds or '-'}"
    node = snap.node_by_name.get(name)
    if node is None:
        return f"Node {name} is gone"
    claim = snap.node_claim_for(node)
    taints = ", ".join(str(t) for t in node.taints) or "none"
    return (f"Node {name}  NodeClaim {claim.name if claim else '-'}  "
            f"providerID {node.provider_id or '-'}  taints: {taints}")


def _timeline(text: Text, timeline: Any | None, currency: str = "") -> None:
    """The rollout of the plan to steady state (core.disruption.rollout.RolloutPlan)."""
    if timeline is None:
        return
    text.append(f"\nrollout to steady state ({timeline.rounds} rounds):\n", style="bold")
    for step in timeline.steps[:8]:
        when = step.time.strftime("%H:%M")
        if step.kind == "disrupt":
            nodes = ", ".join(n for a in step.actions for n in a.nodes)
            text.append(f"  {step.round:>2} {when} {len(step.actions)} action(s): {nodes}\n")
        else:
            text.append(f"     {when} {step.note}\n", style="dim")
    if len(timeline.steps) > 8:
        text.append(f"  … {len(timeline.steps) - 8} more (kubectl karp consolidate "
                    "--until-steady)\n", style="dim")
    state = "steady" if timeline.steady else "after the shown rounds"
    cost = money(timeline.final_cost, currency=currency)
    text.append(f"  {state}: {timeline.final_nodes} node(s), {cost}/h\n")
    for risk in timeline.risks[:3]:
        text.append(f"  risk {risk.code}: {risk.message}\n", style="yellow")


def consolidation_text(plan: Any | None, node: str | None, unavailable: str = "",
                       said: Any | None = None, timeline: Any | None = None) -> Text:
    """The dry-run plan's summary and, for the selected node, each check in order."""
    text = Text()
    if plan is None:
        text.append(unavailable or "Planning…", style="dim")
        return text
    # The one money formatter (model.prices), in the catalogue's currency.
    text.append(f"{len(plan.actions)} action(s), saves "
                f"{money(plan.savings_per_hour, currency=plan.currency)}/h "
                "(dry run: nothing is changed)\n", style="bold")
    report = plan.node(node) if node else None
    if report is None:
        _timeline(text, timeline, plan.currency)
        return text
    text.append(f"\n{report.node}", style="bold")
    text.append(f"  {report.node_pool or '-'} {report.instance_type or '-'}\n")
    _reported(text, said)
    if report.action is not None:
        act = plan.actions[report.action]
        text.append(f"action #{report.action + 1}: {act.type} ({act.method}, {act.reason})\n",
                    style="green")
        for rep in act.replacements:
            text.append(f"  replacement: {rep.node_pool} {rep.instance_type} "
                        f"{rep.zone_name or rep.zone} {rep.capacity_type}\n")
        for warning in act.warnings:
            text.append(f"  warning: {warning}\n", style="yellow")
    for check in report.checks:
        mark, style = ("✓", "green") if check.ok else ("✗", "red")
        text.append(f"  {mark} {check.name}: ", style=style)
        text.append(f"{check.message}\n")
    for reason in report.blocks:
        _reason(text, reason)
    if report.simulation:
        text.append("\npods would move:\n", style="bold")
        for move in report.simulation[:12]:
            text.append(f"  {move.pod} → {move.to}\n")
    _timeline(text, timeline, plan.currency)
    return text
