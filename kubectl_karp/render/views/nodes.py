"""Views 1 and 2: nodes (with launching NodeClaims) and NodeClaims, as rows and columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.disruption.plan import ConsolidationPlan
from kubectl_karp.core.status import claim_lifecycle, dry_run_verdicts, node_state
from kubectl_karp.model.objects import NodeClaim
from kubectl_karp.model.prices import HOURS_PER_MONTH, money
from kubectl_karp.render.views.columns import (
    Column,
    bar,
    cpu_text,
    format_age,
    memory_text,
    missing_last,
    newest_first_age,
    percent,
    placement,
    plain,
)


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
    plain("name", "NAME", "name", "N"),
    *placement(),
    Column("price", "PRICE/H", lambda r, _: money(r.price, currency=r.currency),
           lambda r: missing_last(r.price), "H"),
    Column("cpu", "CPU", lambda r, _: bar(r.cpu_requested, r.cpu_allocatable),
           lambda r: missing_last(percent(r.cpu_requested, r.cpu_allocatable)), "C"),
    Column("memory", "MEMORY", lambda r, _: bar(r.memory_requested, r.memory_allocatable),
           lambda r: missing_last(percent(r.memory_requested, r.memory_allocatable)), "M"),
    Column("pods", "PODS", lambda r, _: str(r.pods), lambda r: r.pods, "O"),
    Column("age", "AGE", lambda r, now: format_age(r.created, now),
           lambda r: newest_first_age(r.created), "A"),
    Column("state", "STATE", lambda r, _: r.state, lambda r: r.state, "S"),
    Column("dryrun", "DRY RUN", lambda r, _: r.dry_run or "-", lambda r: (r.dry_run == "",
                                                                          r.dry_run), "D"),
)


def with_dry_run(rows: Sequence[NodeRow], plan: ConsolidationPlan | None) -> tuple[NodeRow, ...]:
    """View 1's rows with the dry run's verdicts (unchanged without a plan)."""
    if plan is None:
        return tuple(rows)
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
    plain("name", "NAME", "name", "N"),
    *placement(),
    Column("node", "NODE", lambda r, _: (r.node if r.node_present or not r.node
                                         else f"{r.node} (gone)") or "-",
           lambda r: r.node, "D"),
    Column("conditions", "CONDITIONS", lambda r, _: r.conditions, lambda r: r.conditions, "C"),
    Column("age", "AGE", lambda r, now: format_age(r.created, now),
           lambda r: newest_first_age(r.created), "A"),
    Column("state", "STATE", lambda r, _: r.state, lambda r: r.state, "S"),
)
