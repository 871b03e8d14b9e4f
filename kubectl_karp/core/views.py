"""Row models for the TUI: what each view shows, computed from a snapshot as plain data.

Pure (no textual): the TUI turns these rows into table cells, and tests check them as
tables. Quantities stay in milli-units; prices are display-only floats. Ages are computed
from an injected ``now`` so a rendered screen is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.disruption.budgets import pool_budget
from kubectl_karp.core.disruption.plan import ConsolidationPlan
from kubectl_karp.model.objects import TAINT_DISRUPTED, Node, NodeClaim, NodePool, Pod
from kubectl_karp.model.prices import HOURS_PER_MONTH, money

R = TypeVar("R")


# --------------------------------------------------------------------------- formatting

def format_age(created: datetime | None, now: datetime) -> str:
    """kubectl's human duration (``45s``, ``3m12s``, ``5h``, ``2d4h``, ``40d``)."""
    if created is None:
        return "-"
    seconds = int((now - created).total_seconds())
    if seconds < 0:
        return "0s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y{days % 365}d"


def percent(used: int, total: int) -> int | None:
    """Whole percent, rounded down; None when there is no total to compare against."""
    if total <= 0:
        return None
    return used * 100 // total


def bar(used: int, total: int, width: int = 10) -> str:
    """``████▌░░░░░  45%`` — requests against allocatable, eks-node-viewer style."""
    pct = percent(used, total)
    if pct is None:
        return "░" * width + "    -"
    eighths = min(used * width * 8 // total, width * 8)
    full, part = divmod(eighths, 8)
    cells = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    cells = cells + "░" * (width - len(cells))
    return f"{cells} {pct:3d}%"


# --------------------------------------------------------------------------- columns

@dataclass(frozen=True)
class Column(Generic[R]):
    """One table column: title, how a row renders in it, and how it sorts.

    ``sort`` returns a value comparable across rows of the view (never None: tuples put
    missing values last). ``shortcut`` is the Shift+letter that sorts by it.
    """

    key: str
    title: str
    text: Callable[[R, datetime], str]
    sort: Callable[[R], Any]
    shortcut: str = ""


def _missing_last(value: Any) -> tuple[int, Any]:
    return (1, 0) if value is None else (0, value)


def _newest_first_age(created: datetime | None) -> tuple[int, float]:
    return (1, 0.0) if created is None else (0, -created.timestamp())


# --------------------------------------------------------------------------- nodes

@dataclass(frozen=True, slots=True)
class NodeRow:
    """A node, or a NodeClaim that has no node yet (``kind == "NodeClaim"``: launching)."""

    key: str
    kind: str  # Node | NodeClaim
    name: str
    node_pool: str
    instance_type: str
    zone: str
    capacity_type: str
    price: float | None
    cpu_requested: int
    cpu_allocatable: int
    memory_requested: int
    memory_allocatable: int
    pods: int
    created: datetime | None
    state: str
    node_claim: str = ""
    currency: str = ""  # ISO code of ``price`` ("" unnamed)
    # The consolidation dry run's word on the node (dry_run_verdicts): "#1 delete",
    # "BudgetExhausted"…; "" until the plan is ready.
    dry_run: str = ""


def claim_lifecycle(claim: NodeClaim | None) -> str | None:
    if claim is None:
        return None
    if claim.has_condition("Initialized"):
        return "initialized"
    if claim.has_condition("Registered"):
        return "registered"
    return "launching"


def node_state(node: Node, claim: NodeClaim | None) -> str:
    """The states worth a glance, most urgent first: disrupting, cordoned, drifted, …"""
    flags = []
    disrupting = (node.deletion_timestamp is not None
                  or any(t.key == TAINT_DISRUPTED for t in node.taints)
                  or (claim is not None and (claim.deletion_timestamp is not None
                                             or claim.has_condition("Disrupting"))))
    if disrupting:
        flags.append("disrupting")
    if node.unschedulable:
        flags.append("cordoned")
    if claim is not None and claim.has_condition("Drifted"):
        flags.append("drifted")
    # (Not the NodeClaim's Consolidatable condition: it says consolidateAfter elapsed, not
    # that Karpenter would act; the DRY RUN column says that, as `consolidate` does.)
    if flags:
        return ",".join(flags)
    lifecycle = claim_lifecycle(claim)
    if lifecycle is not None:
        return lifecycle
    return "ready" if node.ready else "not ready"


def _label_or(value: str | None) -> str:
    return value or "-"


def node_rows(ctx: SchedulingContext) -> tuple[NodeRow, ...]:
    snap = ctx.snapshot
    rows: list[NodeRow] = []
    by_node = snap.pods_by_node
    claimed: set[str] = set()
    for node in snap.nodes:
        pods = by_node.get(node.name, ())
        cpu = sum(p.requests.get("cpu", 0) for p in pods)
        memory = sum(p.requests.get("memory", 0) for p in pods)
        claim = snap.node_claim_for(node)
        if claim is not None:
            claimed.add(claim.name)
        zone = node.zone
        rows.append(NodeRow(
            key=f"node/{node.name}", kind="Node", name=node.name,
            node_pool=_label_or(node.node_pool),
            instance_type=_label_or(node.instance_type),
            zone=ctx.zone_name(zone) if zone else "-",
            capacity_type=_label_or(node.capacity_type),
            price=ctx.node_price(node), currency=ctx.currency,
            cpu_requested=cpu, cpu_allocatable=node.allocatable.get("cpu", 0),
            memory_requested=memory, memory_allocatable=node.allocatable.get("memory", 0),
            pods=len(pods), created=node.creation_timestamp,
            state=node_state(node, claim), node_claim=claim.name if claim else ""))
    for claim in snap.node_claims:
        if claim.name in claimed or (claim.node_name and claim.node_name in snap.node_by_name):
            continue
        labels = claim.labels
        itype = labels.get("node.kubernetes.io/instance-type")
        zone = labels.get("topology.kubernetes.io/zone")
        ctype = labels.get("karpenter.sh/capacity-type")
        state = "disrupting" if claim.deletion_timestamp is not None else \
            claim_lifecycle(claim) or "launching"
        rows.append(NodeRow(
            key=f"nodeclaim/{claim.name}", kind="NodeClaim", name=claim.name,
            node_pool=_label_or(claim.node_pool), instance_type=_label_or(itype),
            zone=ctx.zone_name(zone) if zone else "-", capacity_type=_label_or(ctype),
            price=ctx.price_of(itype, zone, ctype), currency=ctx.currency,
            cpu_requested=0, cpu_allocatable=claim.allocatable.get("cpu", 0),
            memory_requested=0, memory_allocatable=claim.allocatable.get("memory", 0),
            pods=0, created=claim.creation_timestamp, state=state, node_claim=claim.name))
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class Totals:
    nodes: int
    launching: int
    cpu_requested: int
    cpu_allocatable: int
    memory_requested: int
    memory_allocatable: int
    pods: int
    cost_per_hour: float
    unpriced: int  # nodes whose price is unknown (not in cost_per_hour)
    pending_pods: int
    currency: str = ""

    @property
    def cost_per_month(self) -> float:
        return self.cost_per_hour * HOURS_PER_MONTH


def totals(rows: Sequence[NodeRow], pending_pods: int = 0) -> Totals:
    nodes = [r for r in rows if r.kind == "Node"]
    return Totals(
        nodes=len(nodes), launching=len(rows) - len(nodes),
        cpu_requested=sum(r.cpu_requested for r in nodes),
        cpu_allocatable=sum(r.cpu_allocatable for r in nodes),
        memory_requested=sum(r.memory_requested for r in nodes),
        memory_allocatable=sum(r.memory_allocatable for r in nodes),
        pods=sum(r.pods for r in nodes),
        cost_per_hour=sum(r.price for r in rows if r.price is not None),
        unpriced=sum(1 for r in rows if r.price is None),
        pending_pods=pending_pods, currency=next((r.currency for r in rows), ""))


def totals_line(t: Totals) -> str:
    cost = (f"{money(t.cost_per_hour, digits=3, currency=t.currency)}/h  "
            f"{money(t.cost_per_month, digits=0, currency=t.currency)}/month")
    if t.unpriced:
        cost += f" (+{t.unpriced} unpriced)"
    launching = f" (+{t.launching} launching)" if t.launching else ""
    return (f"Nodes {t.nodes}{launching}   "
            f"CPU {cpu_text(t.cpu_requested)}/{cpu_text(t.cpu_allocatable)} "
            f"{_pct_text(t.cpu_requested, t.cpu_allocatable)}   "
            f"Memory {memory_text(t.memory_requested)}/{memory_text(t.memory_allocatable)} "
            f"{_pct_text(t.memory_requested, t.memory_allocatable)}   "
            f"Pods {t.pods}   Pending {t.pending_pods}   Cost {cost}")


def _pct_text(used: int, total: int) -> str:
    pct = percent(used, total)
    return "(-)" if pct is None else f"({pct}%)"


NODE_COLUMNS: tuple[Column[NodeRow], ...] = (
    Column("name", "NAME", lambda r, _: r.name, lambda r: r.name, "N"),
    Column("nodepool", "NODEPOOL", lambda r, _: r.node_pool, lambda r: r.node_pool, "P"),
    Column("type", "INSTANCE TYPE", lambda r, _: r.instance_type, lambda r: r.instance_type,
           "T"),
    Column("zone", "ZONE", lambda r, _: r.zone, lambda r: r.zone, "Z"),
    Column("capacity", "CAPACITY", lambda r, _: r.capacity_type, lambda r: r.capacity_type,
           "K"),
    Column("price", "PRICE/H", lambda r, _: money(r.price, currency=r.currency),
           lambda r: _missing_last(r.price), "H"),
    Column("cpu", "CPU", lambda r, _: bar(r.cpu_requested, r.cpu_allocatable),
           lambda r: _missing_last(percent(r.cpu_requested, r.cpu_allocatable)), "C"),
    Column("memory", "MEMORY", lambda r, _: bar(r.memory_requested, r.memory_allocatable),
           lambda r: _missing_last(percent(r.memory_requested, r.memory_allocatable)), "M"),
    Column("pods", "PODS", lambda r, _: str(r.pods), lambda r: r.pods, "O"),
    Column("age", "AGE", lambda r, now: format_age(r.created, now),
           lambda r: _newest_first_age(r.created), "A"),
    Column("state", "STATE", lambda r, _: r.state, lambda r: r.state, "S"),
    Column("dryrun", "DRY RUN", lambda r, _: r.dry_run or "-", lambda r: (r.dry_run == "",
                                                                          r.dry_run), "D"),
)


def dry_run_verdicts(plan: ConsolidationPlan) -> dict[str, str]:
    """Node name → the dry run's verdict in one word, as ``consolidate`` reports it: the
    action it is part of (``#1 delete``) or the code of what leaves it alone. The one source
    of view 1's DRY RUN column and view 5's ACTION/BLOCKED BY, so the two never differ."""
    out: dict[str, str] = {}
    for report in plan.nodes:
        if report.action is not None:
            out[report.node] = f"#{report.action + 1} {plan.actions[report.action].type}"
        elif report.blocks:
            out[report.node] = report.blocks[0].code
    return out


def with_dry_run(rows: Sequence[NodeRow], plan: ConsolidationPlan | None) -> tuple[NodeRow, ...]:
    """View 1's rows with the dry run's verdicts (unchanged without a plan)."""
    if plan is None:
        return tuple(rows)
    from dataclasses import replace

    verdicts = dry_run_verdicts(plan)
    return tuple(replace(r, dry_run=verdicts.get(r.name, "")) if r.kind == "Node" else r
                 for r in rows)


# --------------------------------------------------------------------------- nodeclaims

# Conditions in lifecycle order; others follow alphabetically.
_CLAIM_CONDITIONS = ("Launched", "Registered", "Initialized", "Ready", "Drifted",
                     "Consolidatable", "Disrupting", "Empty")


@dataclass(frozen=True, slots=True)
class NodeClaimRow:
    key: str
    name: str
    node_pool: str
    instance_type: str
    zone: str
    capacity_type: str
    node: str  # the Node it became, "" while launching
    node_present: bool  # that Node is in the snapshot
    conditions: str  # "Launched Registered Initialized"; "!Name" for a False condition
    created: datetime | None
    state: str


def claim_conditions(claim: NodeClaim) -> str:
    order = {name: i for i, name in enumerate(_CLAIM_CONDITIONS)}
    parts = []
    for cond in sorted(claim.conditions, key=lambda c: (order.get(c.type, len(order)), c.type)):
        if cond.is_true:
            parts.append(cond.type)
        elif cond.status == "False" and cond.type in ("Launched", "Registered", "Initialized",
                                                      "Ready"):
            parts.append(f"!{cond.type}")
    return " ".join(parts) or "-"


def node_claim_rows(ctx: SchedulingContext) -> tuple[NodeClaimRow, ...]:
    snap = ctx.snapshot
    rows = []
    by_provider_id = {n.provider_id: n.name for n in snap.nodes if n.provider_id}
    for claim in snap.node_claims:
        labels = claim.labels
        zone = labels.get("topology.kubernetes.io/zone")
        node = claim.node_name
        if not node and claim.provider_id:
            node = by_provider_id.get(claim.provider_id, "")
        present = node in snap.node_by_name
        if present:
            state = node_state(snap.node_by_name[node], claim)
        elif claim.deletion_timestamp is not None:
            state = "disrupting"
        else:
            state = claim_lifecycle(claim) or "launching"
        rows.append(NodeClaimRow(
            key=claim.name, name=claim.name, node_pool=_label_or(claim.node_pool),
            instance_type=_label_or(labels.get("node.kubernetes.io/instance-type")),
            zone=ctx.zone_name(zone) if zone else "-",
            capacity_type=_label_or(labels.get("karpenter.sh/capacity-type")),
            node=node, node_present=present, conditions=claim_conditions(claim),
            created=claim.creation_timestamp, state=state))
    return tuple(rows)


NODE_CLAIM_COLUMNS: tuple[Column[NodeClaimRow], ...] = (
    Column("name", "NAME", lambda r, _: r.name, lambda r: r.name, "N"),
    Column("nodepool", "NODEPOOL", lambda r, _: r.node_pool, lambda r: r.node_pool, "P"),
    Column("type", "INSTANCE TYPE", lambda r, _: r.instance_type, lambda r: r.instance_type,
           "T"),
    Column("zone", "ZONE", lambda r, _: r.zone, lambda r: r.zone, "Z"),
    Column("capacity", "CAPACITY", lambda r, _: r.capacity_type, lambda r: r.capacity_type,
           "K"),
    Column("node", "NODE", lambda r, _: (r.node if r.node_present or not r.node
                                         else f"{r.node} (gone)") or "-",
           lambda r: r.node, "D"),
    Column("conditions", "CONDITIONS", lambda r, _: r.conditions, lambda r: r.conditions, "C"),
    Column("age", "AGE", lambda r, now: format_age(r.created, now),
           lambda r: _newest_first_age(r.created), "A"),
    Column("state", "STATE", lambda r, _: r.state, lambda r: r.state, "S"),
)


# --------------------------------------------------------------------------- nodepools

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
            f" after {_fmt_seconds(after)}" if after else " after Never" if after is None else "")
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


def cpu_text(milli: int) -> str:
    """Cores for people: ``2``, ``7.78`` (display only)."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli / 1000:.2f}".rstrip("0")


def memory_text(milli: int) -> str:
    """GiB with one decimal for people (``3.5Gi``); Mi below 1Gi (display only)."""
    value = milli // 1000
    if value >= 2**30 or value == 0:
        return f"{value / 2**30:.1f}Gi".replace(".0Gi", "Gi")
    return f"{value // 2**20}Mi"


def _fmt_seconds(seconds: int) -> str:
    from kubectl_karp.model.durations import format_duration

    return format_duration(seconds)


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


# --------------------------------------------------------------------------- pending pods

@dataclass(frozen=True, slots=True)
class PendingGroupRow:
    """Pending pods of one owner with the same spec (as ``explain`` groups them)."""

    key: str
    namespace: str
    owner: str  # Kind/name, or the pod's own name when it has no controller
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
        ref = pod.controller
        owner = f"{ref.kind}/{ref.name}" if ref else pod.name
        key = (pod.namespace, owner, tuple(sorted(pod.requests.items())))
        groups.setdefault(key, []).append(pod)
    return list(groups.values())


def pending_row(pods: Sequence[Pod], verdict: str = "", reason: str = "") -> PendingGroupRow:
    first = pods[0]
    ref = first.controller
    owner = f"{ref.kind}/{ref.name}" if ref else first.name
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
           lambda r: _newest_first_age(r.created), "A"),
    Column("verdict", "VERDICT", lambda r, _: r.verdict or "…", lambda r: r.verdict, "V"),
    Column("reason", "REASON", lambda r, _: r.reason or "-", lambda r: r.reason, "R"),
)


# --------------------------------------------------------------------------- table helpers

def cells(row: R, columns: Sequence[Column[R]], now: datetime) -> tuple[str, ...]:
    return tuple(col.text(row, now) for col in columns)


def matches(texts: Sequence[str], query: str) -> bool:
    """Case-insensitive; every whitespace-separated word must occur in some cell."""
    words = query.lower().split()
    if not words:
        return True
    joined = "\t".join(texts).lower()
    return all(word in joined for word in words)


def arrange(rows: Sequence[R], columns: Sequence[Column[R]], now: datetime, *,
            query: str = "", sort_by: str | None = None, reverse: bool = False
            ) -> list[tuple[R, tuple[str, ...]]]:
    """Rows with their cells, filtered by ``query`` and sorted by column ``sort_by``.

    The sort is stable and falls back to the row order the view computed.
    """
    rendered = [(row, cells(row, columns, now)) for row in rows]
    if query:
        rendered = [item for item in rendered if matches(item[1], query)]
    if sort_by is not None:
        col = next((c for c in columns if c.key == sort_by), None)
        if col is not None:
            rendered.sort(key=lambda item: col.sort(item[0]), reverse=reverse)
    return rendered


# --------------------------------------------------------------------------- consolidation

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
    Column("nodepool", "NODEPOOL", lambda r, _: r.node_pool, lambda r: r.node_pool, "P"),
    Column("type", "INSTANCE TYPE", lambda r, _: r.instance_type, lambda r: r.instance_type,
           "T"),
    Column("price", "PRICE/H", lambda r, _: money(r.price, currency=r.currency),
           lambda r: _missing_last(r.price), "H"),
    Column("pods", "PODS", lambda r, _: str(r.pods), lambda r: r.pods, "O"),
    Column("action", "ACTION", lambda r, _: r.action or "-", lambda r: (r.action == "",
                                                                        r.action), "C"),
    Column("savings", "SAVES/H", lambda r, _: money(r.savings, currency=r.currency),
           lambda r: _missing_last(-r.savings if r.savings is not None else None), "S"),
    Column("blocked", "BLOCKED BY", lambda r, _: r.blocked or "-", lambda r: r.blocked, "B"),
)
