"""View 3: NodePools with what they hold against their limits, cost and budget."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.disruption.budgets import pool_budget
from kubectl_karp.model.durations import format_duration
from kubectl_karp.model.objects import NodeClaim, NodePool
from kubectl_karp.model.prices import money
from kubectl_karp.render.views.columns import Column, cpu_text, memory_text
from kubectl_karp.render.views.nodes import NodeRow


@dataclass(frozen=True, slots=True)
class NodePoolRow:
    key: str
    name: str
    weight: int
    nodes: int
    launching: int
    cpu_used: int  # capacity of its nodes and claims, as Karpenter counts against limits
    cpu_limit: int | None
    memory_used: int
    memory_limit: int | None
    cost_per_hour: float
    disruptions_allowed: int
    consolidation: str
    ready: str  # "True", or "False: <why>"
    currency: str = ""


def _pool_ready(ctx: SchedulingContext, pool: NodePool) -> str:
    problems = []
    cond = pool.condition("Ready")
    if cond is not None and not cond.is_true:
        problems.append(cond.reason or cond.message or "Ready is " + cond.status)
    pctx = ctx.node_pool(pool.name)
    if pctx is not None:
        problems.extend(p.code for p in pctx.problems if p.code not in problems)
    return "False: " + ", ".join(problems) if problems else "True"


def node_pool_rows(ctx: SchedulingContext, node_rows_: Sequence[NodeRow], now: datetime
                   ) -> tuple[NodePoolRow, ...]:
    snap = ctx.snapshot
    by_pool: dict[str, list[NodeRow]] = {}
    for row in node_rows_:
        by_pool.setdefault(row.node_pool, []).append(row)
    out = []
    claims = {c.name: c for c in snap.node_claims}
    for pool in snap.node_pools:
        rows = by_pool.get(pool.name, [])
        nodes = [r for r in rows if r.kind == "Node"]
        cpu = memory = 0
        for r in rows:
            capacity = _capacity(ctx, r, claims)
            cpu += capacity.get("cpu", 0)
            memory += capacity.get("memory", 0)
        disrupting = sum(1 for r in rows if "disrupting" in r.state)
        after = pool.consolidate_after_seconds
        policy = pool.consolidation_policy + (
            f" after {format_duration(after)}" if after
            else " after Never" if after is None else "")
        out.append(NodePoolRow(
            key=pool.name, name=pool.name, weight=pool.weight, nodes=len(nodes),
            launching=len(rows) - len(nodes), cpu_used=cpu, cpu_limit=pool.limits.get("cpu"),
            memory_used=memory, memory_limit=pool.limits.get("memory"),
            cost_per_hour=sum(r.price for r in rows if r.price is not None),
            disruptions_allowed=pool_budget(pool, len(nodes), disrupting, now).allowed_min,
            consolidation=policy, ready=_pool_ready(ctx, pool), currency=ctx.currency))
    return tuple(out)


def _capacity(ctx: SchedulingContext, row: NodeRow, claims: dict[str, NodeClaim]
              ) -> Mapping[str, int]:
    if row.kind == "Node":
        node = ctx.snapshot.node_by_name.get(row.name)
        return node.capacity if node is not None else {}
    claim = claims.get(row.name)
    if claim is not None and claim.capacity:
        return claim.capacity
    itype = ctx.instance_type(row.instance_type)
    return itype.capacity if itype is not None else {}


def _used_of(used: int, limit: int | None, fmt: Callable[[int], str]) -> str:
    return f"{fmt(used)}/{fmt(limit) if limit is not None else '∞'}"


NODE_POOL_COLUMNS: tuple[Column[NodePoolRow], ...] = (
    Column("name", "NAME", lambda r, _: r.name, lambda r: r.name, "N"),
    Column("weight", "WEIGHT", lambda r, _: str(r.weight), lambda r: -r.weight, "W"),
    Column("nodes", "NODES", lambda r, _: str(r.nodes) + (f"+{r.launching}" if r.launching
                                                           else ""),
           lambda r: r.nodes + r.launching, "O"),
    Column("cpu", "CPU USED/LIMIT", lambda r, _: _used_of(r.cpu_used, r.cpu_limit, cpu_text),
           lambda r: r.cpu_used, "C"),
    Column("memory", "MEMORY USED/LIMIT",
           lambda r, _: _used_of(r.memory_used, r.memory_limit, memory_text),
           lambda r: r.memory_used, "M"),
    Column("cost", "COST/H", lambda r, _: money(r.cost_per_hour, currency=r.currency),
           lambda r: r.cost_per_hour, "H"),
    Column("disruptions", "DISRUPT NOW", lambda r, _: str(r.disruptions_allowed),
           lambda r: r.disruptions_allowed, "D"),
    Column("consolidation", "CONSOLIDATION", lambda r, _: r.consolidation,
           lambda r: r.consolidation, "P"),
    Column("ready", "READY", lambda r, _: r.ready, lambda r: r.ready, "R"),
)
