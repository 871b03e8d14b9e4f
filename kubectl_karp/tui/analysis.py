"""The slow part of a refresh, run in a worker thread: explain the pending pods, plan the
consolidation dry run, roll the plan out to steady state, and set what Karpenter's own
events said beside each answer. Nothing here touches widgets: results go to callbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.verify import (
    DISAGREE,
    OURS_ONLY,
    Comparison,
    answers_from_explanation,
    compare_nodes,
    compare_pods,
)
from kubectl_karp.render import views
from kubectl_karp.tui import panels
from kubectl_karp.tui.viewdefs import TIMELINE_MAX_NODES, TIMELINE_MAX_ROUNDS


@dataclass(frozen=True)
class Analysis:
    """The three results of one context, each delivered as soon as it is ready."""

    on_explained: Callable[[SchedulingContext, Any | None, str], None]
    on_planned: Callable[[SchedulingContext, Any | None, str], None]
    on_rolled: Callable[[SchedulingContext, Any | None], None]


def analyse(ctx: SchedulingContext, now: datetime, out: Analysis) -> None:
    """Explain pending pods, then plan consolidation, then the rollout (each can take a
    while; a failure in one is reported, never raised: the screen must stay up)."""
    from kubectl_karp.core.disruption import plan_consolidation
    from kubectl_karp.core.explain import explain

    try:
        result: Any = explain(ctx)
        error = ""
    except Exception as err:  # a bug in explain must not take the screen down
        result, error = None, f"could not explain: {type(err).__name__}: {err}"
    out.on_explained(ctx, result, error)
    try:
        plan: Any = plan_consolidation(ctx, now)
        error = ""
    except Exception as err:
        plan, error = None, f"could not plan: {type(err).__name__}: {err}"
    out.on_planned(ctx, plan, error)
    timeline: Any = None
    managed = sum(1 for n in ctx.snapshot.nodes if n.node_pool)
    if plan is not None and plan.actions and managed <= TIMELINE_MAX_NODES:
        from kubectl_karp.core.disruption.rollout import rollout

        try:
            timeline = rollout(ctx, now, max_rounds=TIMELINE_MAX_ROUNDS)
        except Exception:  # the timeline is a bonus: never take the screen down
            timeline = None
    out.on_rolled(ctx, timeline)


def pending_rows_from(ctx: SchedulingContext, explanation: Any,
                      reported: dict[str, Comparison]) -> tuple[views.PendingGroupRow, ...]:
    """View 4's rows as explain grouped the pods, each with its verdict and first reason."""
    pods_by_key = {p.key: p for p in ctx.snapshot.pods}
    rows = []
    for entry in explanation.pods:
        if entry.verdict.already_bound:
            continue
        group = [pods_by_key[k] for k in entry.pods if k in pods_by_key]
        if group:
            verdict = panels.verdict_text(entry)
            said = reported.get(entry.pod)
            if said is not None and said.verdict == DISAGREE:
                verdict += " ≠ Karpenter"  # the panel shows what Karpenter said
            rows.append(views.pending_row(group, verdict, panels.first_code(entry)))
    return tuple(rows)


def karpenter_said_pods(ctx: SchedulingContext, explanation: Any | None, now: datetime
                        ) -> dict[str, Comparison]:
    """Pod key → Karpenter's newest word on it beside the explanation (without events: none)."""
    if explanation is None or not ctx.snapshot.events:
        return {}
    rows = compare_pods(ctx.snapshot, answers_from_explanation(explanation), ctx.rules, now)
    return {r.name: r for r in rows if r.theirs is not None and r.verdict != OURS_ONLY}


def karpenter_said_nodes(ctx: SchedulingContext, plan: Any | None, now: datetime
                         ) -> dict[str, Comparison]:
    """Node name → Karpenter's newest word on it beside the dry-run plan."""
    if plan is None or not ctx.snapshot.events:
        return {}
    rows = compare_nodes(ctx.snapshot, plan, ctx.rules, now)
    return {r.name: r for r in rows if r.theirs is not None and r.verdict != OURS_ONLY}
