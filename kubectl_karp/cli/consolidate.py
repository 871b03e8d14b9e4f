"""``kubectl karp consolidate``: a read-only dry run of Karpenter's disruption controller."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from kubectl_karp.cli.common import node_pool_warnings, rules_warning
from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.errors import InputError, UsageError
from kubectl_karp.render.width import note as note_line

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import SchedulingContext
    from kubectl_karp.core.disruption.plan import ConsolidationPlan
    from kubectl_karp.core.verify import Comparison


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
    from kubectl_karp.render.consolidate import (
        node_report_document,
        plan_report_document,
        render_node,
        render_plan,
    )
    from kubectl_karp.render.output import Style, emit_document, use_color
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
        note_line(note)
    rules_warning(ctx.rules)
    warnings = node_pool_warnings(ctx.node_pools)
    header = ctx.rules.header
    reported = _karpenter_said(ctx, plan, now)
    said = {name: reported_document(row) for name, row in reported.items()}
    if node_name is not None:
        report = plan.node(node_name)
        assert report is not None
        if output in ("json", "yaml"):
            emit_document(node_report_document(report, ctx.rules, said.get(node_name),
                                               warnings), output)
        else:
            echo(render_node(plan, report, Style(use_color()), reported.get(node_name),
                             header), nl=False)
        return 0
    if output in ("json", "yaml"):
        emit_document(plan_report_document(plan, ctx.rules, said, warnings), output)
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
    from kubectl_karp.core.disruption.rollout import mark_drifted, rollout
    from kubectl_karp.model.durations import parse_duration
    from kubectl_karp.render.consolidate import render_node, render_plan
    from kubectl_karp.render.output import Style, emit_document, use_color
    from kubectl_karp.render.rollout import (
        document,
        drift_lines,
        drift_node_document,
        drift_plan_document,
        render_text,
    )
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
        note_line(note)
    style = Style(use_color())
    if rounds is None and not until_steady:
        drifted = replace(ctx, snapshot=mark_drifted(changed, findings, now))
        plan = plan_consolidation(drifted, now, spot_to_spot=spot_to_spot,
                                  explain=frozenset([node_name] if node_name else []))
        if node_name is not None:
            report = plan.node(node_name)
            assert report is not None
            if output in ("json", "yaml"):
                emit_document(drift_node_document(report, findings), output)
            else:
                echo("\n".join(drift_lines([f for f in findings if f.node == node_name],
                                                  style))
                           + render_node(plan, report, style), nl=False)
            return 0
        if output in ("json", "yaml"):
            emit_document(drift_plan_document(plan, findings), output)
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
