"""``kubectl karp consolidate``: a read-only dry run of Karpenter's disruption controller."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from kubectl_karp.cli.common import node_pool_warnings, rules_warning
from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.errors import InputError, UsageError
from kubectl_karp.model.prices import money, money_month

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import SchedulingContext
    from kubectl_karp.core.disruption.plan import ConsolidationPlan, NodeReport
    from kubectl_karp.core.verify import Comparison
    from kubectl_karp.render.output import Style

_MOVES_SHOWN = 5


def parse_now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(timezone.utc)
    value = text.strip()
    try:
        when = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z"))
                                      else value)
    except ValueError:
        raise UsageError(f"--now: {text!r} is not an RFC 3339 time such as "
                         "2026-03-02T12:00:00Z") from None
    if when.tzinfo is None:
        raise UsageError(f"--now: {text!r} has no time zone; add Z for UTC") from None
    return when.astimezone(timezone.utc)


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _actions(plan: ConsolidationPlan, style: Style, wide: bool) -> list[str]:
    from kubectl_karp.render.output import table

    rows = []
    for i, a in enumerate(plan.actions, 1):
        rep = ", ".join(f"{r.instance_type} {r.capacity_type} {r.zone_name or r.zone} "
                        f"{money(r.price_per_hour, currency=plan.currency)}"
                        for r in a.replacements) or "-"
        rows.append([str(i), style.bold(a.type), a.method, ",".join(a.nodes), rep,
                     str(len(a.moves)), money(a.savings_per_hour, currency=plan.currency)])
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
    lines.append(style.bold("Savings: ") + f"{money(per_hour, currency=plan.currency)}/hour, "
                 f"{money_month(per_hour, plan.currency)}/month"
                 + ("" if plan.prices_known else " (prices unknown)"))
    return "\n".join(lines) + "\n"


def render_node(plan: ConsolidationPlan, report: NodeReport, style: Style,
                reported: Comparison | None = None, header: str = "") -> str:
    from kubectl_karp.render.verify import reported_line

    lines = [style.bold(f"Node {report.node}") + f"  NodePool {report.node_pool or '-'}, "
             f"{report.instance_type or '?'} {report.capacity_type or '?'} "
             f"{report.zone or '?'}, {money(report.price_per_hour, currency=plan.currency)}/h",
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
                         f"{money(r.price_per_hour, currency=plan.currency)}/h")
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


@click.command("consolidate", context_settings={"max_content_width": 100})
@click.option("--node", "node_name", metavar="NAME",
              help="Explain one node in depth: why Karpenter would or would not disrupt it.")
@click.option("--now", "now_text", metavar="RFC3339",
              help="Evaluate at this time instead of now (budget windows, consolidateAfter), "
                   "e.g. 2026-03-02T12:00:00Z.")
@click.option("--spot-to-spot", is_flag=True,
              help="Assume Karpenter's SpotToSpotConsolidation feature gate is on (off by "
                   "default upstream).")
@click.option("--what-if", "what_if", multiple=True, metavar="PATH",
              help="NodePools / node classes that replace same-named ones: shows which "
                   "NodeClaims the change drifts and plans with them drifted (repeatable).")
@click.option("--rounds", type=click.IntRange(min=1), metavar="N",
              help="Preview N rounds of disruption on the clock (a rollout), not one.")
@click.option("--until-steady", is_flag=True,
              help="Preview rounds until nothing more would happen (within 14 days).")
@click.option("--launch-time", "launch_time", default="5m", show_default=True, metavar="DUR",
              help="Assumed time from launching a replacement to it being Ready (rollouts).")
@cluster_options(selector=False, catalog=True, namespaced=False)
@output_option()
def consolidate(node_name: str | None, now_text: str | None, spot_to_spot: bool,
                what_if: tuple[str, ...], rounds: int | None, until_steady: bool,
                launch_time: str, output: str, cluster: ClusterOptions) -> int:
    """Dry-run Karpenter's disruption: which nodes it would delete or replace now, and why
    it leaves the others alone.

    Read-only: it never cordons, taints, evicts, deletes or patches anything; it only reads
    the cluster (or --snapshot/--demo). Methods run in Karpenter's order (emptiness, drift,
    multi-node then single-node consolidation), honouring NodePool disruption budgets,
    consolidateAfter, do-not-disrupt annotations and PodDisruptionBudgets.

    \b
    Examples:
      kubectl karp consolidate --demo
      kubectl karp consolidate --node ip-10-0-1-23 -o yaml
      kubectl karp consolidate --now 2026-03-02T09:30:00Z --snapshot cluster.yaml
    """
    from kubectl_karp.core.disruption import plan_consolidation
    from kubectl_karp.core.disruption.plan import node_document, plan_document
    from kubectl_karp.render.output import Style, emit_document, rules_fields, use_color
    from kubectl_karp.render.verify import reported_document
    from kubectl_karp.render.width import echo
    from kubectl_karp.sources.catalogs import load_context

    now = parse_now(now_text)
    if rounds is not None and until_steady:
        raise UsageError("--rounds and --until-steady cannot be used together")
    if node_name is not None and (rounds is not None or until_steady):
        raise UsageError("--node explains one reconcile; it cannot be used with --rounds or "
                         "--until-steady")
    if rounds is not None or until_steady or what_if:
        return _rollout(cluster, now, what_if, rounds, until_steady, launch_time, spot_to_spot,
                        output, node_name)
    ctx = load_context(cluster)
    if node_name is not None and node_name not in ctx.snapshot.node_by_name:
        where = ctx.snapshot.source or "the cluster"
        raise InputError(f"node {node_name!r} not found in {where}")
    plan = plan_consolidation(ctx, now, spot_to_spot=spot_to_spot,
                              explain=frozenset([node_name] if node_name else []))
    for note in dict.fromkeys((*ctx.notes, *plan.notes)):
        click.echo(f"note: {note}", err=True)
    rules_warning(ctx.rules)
    warnings = node_pool_warnings(ctx.node_pools)
    header = ctx.rules.header
    reported = _karpenter_said(ctx, plan, now)
    said = {name: reported_document(row) for name, row in reported.items()}
    if node_name is not None:
        report = plan.node(node_name)
        assert report is not None
        if output in ("json", "yaml"):
            extra = {"karpenter": said[node_name]} if node_name in said else {}
            emit_document({"kind": "ConsolidationNodeReport", **rules_fields(ctx.rules),
                           **node_document(report), **extra, "warnings": warnings}, output)
        else:
            echo(render_node(plan, report, Style(use_color()), reported.get(node_name),
                             header), nl=False)
        return 0
    if output in ("json", "yaml"):
        emit_document({**plan_document(plan), **rules_fields(ctx.rules), "karpenter": said,
                       "warnings": warnings}, output)
    else:
        echo(render_plan(plan, Style(use_color()), output == "wide", reported, header),
             nl=False, fit=output != "wide")
    return 0


def _rollout(cluster: ClusterOptions, now: datetime, what_if: tuple[str, ...],
             rounds: int | None, until_steady: bool, launch_time: str, spot_to_spot: bool,
             output: str, node_name: str | None) -> int:
    """--what-if (drift from a change) and --rounds/--until-steady (a rollout preview)."""
    from dataclasses import replace

    from kubectl_karp.core.disruption import plan_consolidation
    from kubectl_karp.core.disruption.drift_change import (
        change_findings,
        changed_snapshot,
        node_class_drift_note,
    )
    from kubectl_karp.core.disruption.plan import node_document, plan_document
    from kubectl_karp.core.disruption.rollout import mark_drifted, rollout
    from kubectl_karp.model.durations import parse_duration
    from kubectl_karp.render.output import Style, emit_document, use_color
    from kubectl_karp.render.rollout import document, drift_document, drift_lines, render_text
    from kubectl_karp.render.width import echo
    from kubectl_karp.sources import load_snapshot
    from kubectl_karp.sources.catalogs import load_context

    try:
        launch = parse_duration(launch_time, allow_never=False) or 0
    except InputError as err:
        raise UsageError(f"--launch-time: {err}") from None
    before = load_snapshot(cluster)
    ctx = load_context(cluster, before, what_if=what_if)
    findings = change_findings(before, ctx) if what_if else []
    changed = changed_snapshot(before, ctx) if what_if else before
    ctx = replace(ctx, snapshot=changed)
    if node_name is not None and node_name not in changed.node_by_name:
        raise InputError(f"node {node_name!r} not found in {changed.source or 'the cluster'}")
    notes = list(ctx.notes)
    old_classes = {(c.group, c.kind, c.name): c.spec for c in before.node_classes}
    changed_class_providers = {npc.provider for npc in ctx.node_pools
                               if npc.provider and npc.node_class is not None
                               and old_classes.get((npc.node_class.group, npc.node_class.kind,
                                                    npc.node_class.name), npc.node_class.spec)
                               != npc.node_class.spec}
    for provider in sorted(changed_class_providers):
        note = node_class_drift_note(provider)
        if note:
            notes.append(note)
    for note in dict.fromkeys(notes):
        click.echo(f"note: {note}", err=True)
    style = Style(use_color())
    if rounds is None and not until_steady:
        drifted = replace(ctx, snapshot=mark_drifted(changed, findings, now))
        plan = plan_consolidation(drifted, now, spot_to_spot=spot_to_spot,
                                  explain=frozenset([node_name] if node_name else []))
        if node_name is not None:
            report = plan.node(node_name)
            assert report is not None
            if output in ("json", "yaml"):
                emit_document({"kind": "ConsolidationNodeReport", **node_document(report),
                               "drift": [drift_document(f) for f in findings
                                         if f.node == node_name]}, output)
            else:
                echo("\n".join(drift_lines([f for f in findings if f.node == node_name],
                                                  style))
                           + render_node(plan, report, style), nl=False)
            return 0
        if output in ("json", "yaml"):
            emit_document({**plan_document(plan),
                           "drift": [drift_document(f) for f in findings]}, output)
        else:
            echo("\n".join(drift_lines(findings, style)) + "\n"
                 + render_plan(plan, style, output == "wide"), nl=False, fit=output != "wide")
        return 0
    result = rollout(ctx, now, drift=findings, max_rounds=rounds, launch_seconds=launch,
                     spot_to_spot=spot_to_spot)
    if output in ("json", "yaml"):
        emit_document(document(result), output)
    else:
        echo(render_text(result, style, output == "wide"), nl=False, fit=output != "wide")
    return 0


def _karpenter_said(ctx: SchedulingContext, plan: ConsolidationPlan, now: datetime
                    ) -> dict[str, Comparison]:
    """Node name → Karpenter's newest word on it beside our plan (empty without events)."""
    if not ctx.snapshot.events:
        return {}
    from kubectl_karp.core.verify import compare_nodes
    from kubectl_karp.render.verify import said_text

    rows = compare_nodes(ctx.snapshot, plan, ctx.rules, now)
    return {row.name: row for row in rows if said_text(row) is not None}
