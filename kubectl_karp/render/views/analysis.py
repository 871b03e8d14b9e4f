"""Views 4 and 5: pending pods grouped as ``explain`` groups them, and the consolidation
dry run node by node."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.diagnosis.text import workload
from kubectl_karp.core.disruption.plan import ConsolidationPlan
from kubectl_karp.model.objects import Pod
from kubectl_karp.model.prices import money
from kubectl_karp.render.views.columns import (
    Column,
    cpu_text,
    format_age,
    memory_text,
    missing_last,
    newest_first_age,
    placement,
)


@dataclass(frozen=True, slots=True)
class PendingGroupRow:
    """Pending pods of one owner with the same spec (as ``explain`` groups them)."""

    key: str
    namespace: str
    # What a person edits, as the CLI names it (core.diagnosis.text.workload):
    # deployment/web for a Deployment's pods (not their ReplicaSet), pod/NAME without owner.
    owner: str
    pods: tuple[str, ...]  # ns/name
    cpu: int  # per pod
    memory: int
    created: datetime | None  # the oldest pod's
    verdict: str  # "new NodeClaim in default (S5.MEDIUM4)", "stays pending", "…"
    reason: str  # the first reason code, or ""

    @property
    def count(self) -> int:
        return len(self.pods)


def group_pending(pods: Iterable[Pod]) -> list[list[Pod]]:
    """Pending pods grouped by namespace, controller and requests (first-seen order)."""
    groups: dict[tuple[Any, ...], list[Pod]] = {}
    for pod in pods:
        key = (pod.namespace, workload(pod), tuple(sorted(pod.requests.items())))
        groups.setdefault(key, []).append(pod)
    return list(groups.values())


def pending_row(pods: Sequence[Pod], verdict: str = "", reason: str = "") -> PendingGroupRow:
    first = pods[0]
    owner = workload(first)
    created = [p.creation_timestamp for p in pods if p.creation_timestamp is not None]
    return PendingGroupRow(
        key=first.key, namespace=first.namespace, owner=owner,
        pods=tuple(p.key for p in pods), cpu=first.requests.get("cpu", 0),
        memory=first.requests.get("memory", 0), created=min(created) if created else None,
        verdict=verdict, reason=reason)


def pending_rows(ctx: SchedulingContext) -> tuple[PendingGroupRow, ...]:
    """Groups without an explanation (the verdict is filled in by the caller's explain run)."""
    return tuple(pending_row(group) for group in group_pending(ctx.snapshot.pending_pods))


PENDING_COLUMNS: tuple[Column[PendingGroupRow], ...] = (
    Column("namespace", "NAMESPACE", lambda r, _: r.namespace, lambda r: r.namespace, "E"),
    Column("owner", "OWNER", lambda r, _: r.owner, lambda r: r.owner, "N"),
    Column("pods", "PODS", lambda r, _: str(r.count), lambda r: -r.count, "O"),
    Column("cpu", "CPU", lambda r, _: cpu_text(r.cpu), lambda r: r.cpu, "C"),
    Column("memory", "MEMORY", lambda r, _: memory_text(r.memory), lambda r: r.memory, "M"),
    Column("age", "AGE", lambda r, now: format_age(r.created, now),
           lambda r: newest_first_age(r.created), "A"),
    Column("verdict", "VERDICT", lambda r, _: r.verdict or "…", lambda r: r.verdict, "V"),
    Column("reason", "REASON", lambda r, _: r.reason or "-", lambda r: r.reason, "R"),
)


@dataclass(frozen=True, slots=True)
class ConsolidationRow:
    """One node of the consolidation dry run: the action it is part of, or what blocks it."""

    key: str
    node: str
    node_pool: str
    instance_type: str
    price: float | None
    action: str  # "#1 delete", "#2 replace → S5.MEDIUM2", "" when blocked
    method: str
    savings: float | None  # of the whole action
    pods: int
    blocked: str  # "Code: message" of the first block, "" when in an action
    currency: str = ""


def consolidation_rows(plan: ConsolidationPlan, pods_on: Mapping[str, int] | None = None
                       ) -> tuple[ConsolidationRow, ...]:
    """``pods_on``: node → pods bound to it, so PODS counts what view 1 counts (all of
    them, not only the ones the dry run would move); without it, the movable ones."""
    rows = []
    for report in plan.nodes:
        action = method = blocked = ""
        savings = None
        if report.action is not None:
            act = plan.actions[report.action]
            targets = ", ".join(r.instance_type for r in act.replacements)
            action = f"#{report.action + 1} {act.type}" + (f" → {targets}" if targets else "")
            method, savings = act.method, act.savings_per_hour
        elif report.blocks:
            blocked = f"{report.blocks[0].code}: {report.blocks[0].message}"
        rows.append(ConsolidationRow(
            key=report.node, node=report.node, node_pool=report.node_pool or "-",
            instance_type=report.instance_type or "-", price=report.price_per_hour,
            action=action, method=method, savings=savings,
            pods=pods_on.get(report.node, len(report.pods)) if pods_on is not None
            else len(report.pods), blocked=blocked, currency=plan.currency))
    return tuple(rows)


CONSOLIDATION_COLUMNS: tuple[Column[ConsolidationRow], ...] = (
    Column("node", "NODE", lambda r, _: r.node, lambda r: r.node, "N"),
    *placement(zone=False, capacity=False),
    Column("price", "PRICE/H", lambda r, _: money(r.price, currency=r.currency),
           lambda r: missing_last(r.price), "H"),
    Column("pods", "PODS", lambda r, _: str(r.pods), lambda r: r.pods, "O"),
    Column("action", "ACTION", lambda r, _: r.action or "-", lambda r: (r.action == "",
                                                                        r.action), "C"),
    Column("savings", "SAVES/H", lambda r, _: money(r.savings, currency=r.currency),
           lambda r: missing_last(-r.savings if r.savings is not None else None), "S"),
    Column("blocked", "BLOCKED BY", lambda r, _: r.blocked or "-", lambda r: r.blocked, "B"),
)
