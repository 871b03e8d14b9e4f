"""A rollout to steady state: the consolidation dry run repeated on the clock.

Each round is one ``plan_consolidation`` at the round's time — the wave of disruptions Karpenter
starts then, within its budgets — after which the wave is completed in memory: replacements
become initialised nodes (with the DaemonSet pods that would run there), the removed nodes and
their NodeClaims go, evicted pods are bound where the simulation placed them. The clock then
moves on by the launch-to-ready time (``launch_seconds``), or, when a round does nothing, to the
next moment something could change: a budget window opening, a node's consolidateAfter
elapsing, a NodeClaim reaching expireAfter (expiration is not budgeted: the node goes and its
pods are provisioned for anew). The rollout stops when nothing more would happen within the
horizon, or after ``max_rounds``. Pure: the start time is passed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from kubectl_karp.core import reasons as R
from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.core.disruption.drift_change import (
    DriftFinding,
)
from kubectl_karp.core.disruption.pdbs import PdbIndex
from kubectl_karp.core.disruption.plan import Action, ConsolidationPlan
from kubectl_karp.core.disruption.planner import plan_consolidation
from kubectl_karp.core.disruption.rollout_nodes import bound_to, new_node
from kubectl_karp.core.disruption.simulation import share_unbound
from kubectl_karp.core.scheduling import simulate
from kubectl_karp.core.scheduling.cache import share_pod_facts
from kubectl_karp.model.objects import (
    Condition,
    Node,
    NodeClaim,
    Pod,
)
from kubectl_karp.model.predicates import is_healthy, is_reschedulable
from kubectl_karp.model.snapshot import ClusterSnapshot

DEFAULT_LAUNCH_SECONDS = 300
DEFAULT_HORIZON_SECONDS = 14 * 86400

# Risk codes (documented with the RolloutPlan document).
RISK_ALL_REPLICAS = "AllReplicasEvicted"
RISK_PDB_STALL = "PDBStallsRollout"
RISK_POD_LOST = "PodWouldBeLost"
RISK_NEVER_DRIFTS = "NeverDisrupted"
RISK_UNPLACEABLE = "PodsLeftPending"


@dataclass(frozen=True, slots=True)
class RolloutStep:
    round: int
    time: datetime
    kind: str  # "disrupt" | "expire" | "wait"
    actions: tuple[Action, ...]
    nodes_after: int
    cost_after: float | None  # hourly, None when a price is unknown
    evicted: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class Risk:
    code: str
    message: str
    round: int | None = None


@dataclass(frozen=True)
class RolloutPlan:
    start: datetime
    drift: tuple[DriftFinding, ...]
    steps: tuple[RolloutStep, ...]
    steady: bool  # False: stopped at max_rounds with more to do
    final_nodes: int
    final_cost: float | None
    start_nodes: int
    start_cost: float | None
    risks: tuple[Risk, ...]
    notes: tuple[str, ...]
    final_snapshot: ClusterSnapshot

    @property
    def rounds(self) -> int:
        return sum(1 for s in self.steps if s.kind != "wait")


def mark_drifted(snapshot: ClusterSnapshot, findings: Sequence[DriftFinding], now: datetime
                 ) -> ClusterSnapshot:
    """The snapshot with a Drifted=True condition on every NodeClaim the change drifts."""
    drifted = {f.node_claim: f for f in findings}
    claims = []
    for claim in snapshot.node_claims:
        finding = drifted.get(claim.name)
        if finding is None or (claim.condition("Drifted") is not None
                               and claim.condition("Drifted").is_true):  # type: ignore[union-attr]
            claims.append(claim)
            continue
        conditions = (*(c for c in claim.conditions if c.type != "Drifted"),
                      Condition("Drifted", "True", reason=finding.reason,
                                last_transition_time=now))
        claims.append(replace(claim, conditions=conditions))
    return snapshot.with_changes(node_claims=tuple(claims))


def _cost(ctx: SchedulingContext, nodes: Sequence[Node]) -> float | None:
    total = 0.0
    for node in nodes:
        if not node.node_pool:
            continue  # not Karpenter's: outside what a rollout changes
        price = ctx.node_price(node)
        if price is None:
            return None
        total += price
    return round(total, 6)


def _alive(snapshot: ClusterSnapshot, run: _Rollout) -> list[Node]:
    return [n for n in snapshot.nodes if n.name not in run.draining]


def _managed(nodes: Sequence[Node]) -> int:
    return sum(1 for n in nodes if n.node_pool)


class _Rollout:
    def __init__(self, ctx: SchedulingContext, now: datetime, launch_seconds: int,
                 spot_to_spot: bool) -> None:
        self.base = ctx
        self.now = now
        self.launch = timedelta(seconds=launch_seconds)
        self.spot_to_spot = spot_to_spot
        self.seq = 0
        self.risks: list[Risk] = []
        self.notes: list[str] = []
        # Nodes being deleted → nothing yet; pod key → where the simulation placed it.
        self.draining: dict[str, dict[str, str]] = {}
        self.destination: dict[str, str] = {}
        self.stalled: set[str] = set()
        self._last: tuple[ClusterSnapshot, SchedulingContext] | None = None
        # Unbound pod copies, and the scheduler's per-pod facts, outlive a round's context:
        # most pods stay as they are.
        self.unbound: dict[int, tuple[Pod, Pod]] = {}
        self.pod_facts: dict[int, tuple[object, ...]] = {}

    def context(self, snapshot: ClusterSnapshot) -> SchedulingContext:
        if self._last is not None and self._last[0] is snapshot:
            return self._last[1]  # nothing changed since the last context was built
        ctx = build_context(snapshot, self.base.catalogs, rules=self.base.rules,
                            catalog_source=self.base.catalog_source)
        share_unbound(ctx, self.unbound)
        share_pod_facts(ctx, self.pod_facts)
        self._last = (snapshot, ctx)
        return ctx

    def _new_node(self, snapshot: ClusterSnapshot, pool_name: str, instance_type: str,
                  zone: str, capacity_type: str, ready_at: datetime
                  ) -> tuple[Node, NodeClaim, list[Pod]]:
        self.seq += 1
        return new_node(self.base, snapshot, f"{pool_name}-rollout-{self.seq:03d}", pool_name,
                        instance_type, zone, capacity_type, ready_at)

    # ---------------------------------------------------------------- applying a wave
    def start_wave(self, snapshot: ClusterSnapshot, plan: ConsolidationPlan, at: datetime
                   ) -> ClusterSnapshot:
        """Launch the wave's replacements and mark its nodes for deletion. The pods leave
        when the replacements are Ready (``drain``), as the termination controller evicts
        them only then, each eviction subject to its PodDisruptionBudget."""
        ready_at = at + self.launch
        new_nodes: list[Node] = []
        new_claims: list[NodeClaim] = []
        new_pods: list[Pod] = []
        for action in plan.actions:
            names = {}
            for rep in action.replacements:
                node, claim, daemons = self._new_node(snapshot, rep.node_pool,
                                                      rep.instance_type, rep.zone,
                                                      rep.capacity_type, ready_at)
                names[rep.name] = node.name
                new_nodes.append(node)
                new_claims.append(claim)
                new_pods += daemons
            for name in action.nodes:
                self.draining.setdefault(name, {})
            for move in action.moves:
                self.destination[move.pod] = names.get(move.to, move.to)
        removed = {name for action in plan.actions for name in action.nodes}
        nodes = [replace(n, deletion_timestamp=at) if n.name in removed else n
                 for n in snapshot.nodes]
        return snapshot.with_changes(nodes=(*nodes, *new_nodes),
                                     node_claims=(*snapshot.node_claims, *new_claims),
                                     pods=(*snapshot.pods, *new_pods))

    def drain(self, snapshot: ClusterSnapshot, at: datetime, round_: int
              ) -> tuple[ClusterSnapshot, int]:
        """Evict what the PDBs allow from the nodes being deleted; delete emptied nodes."""
        if not self.draining:
            return snapshot, 0
        pdbs = PdbIndex(snapshot.pdbs, snapshot.pods)
        used: dict[str, int] = defaultdict(int)
        moved: dict[str, str] = {}
        homeless: list[Pod] = []
        waiting: list[str] = []
        for pod in snapshot.pods:
            if pod.node_name not in self.draining or not is_reschedulable(pod):
                continue
            limits = pdbs.matching(pod)
            if any(used[f"{lim.pdb.namespace}/{lim.pdb.name}"] >= lim.disruptions_allowed
                   for lim in limits) or len(limits) > 1:
                waiting.append(f"{pod.key} (PodDisruptionBudget "
                               + ", ".join(f"{lim.pdb.namespace}/{lim.pdb.name}"
                                           for lim in limits) + ")")
                continue
            for lim in limits:
                used[f"{lim.pdb.namespace}/{lim.pdb.name}"] += 1
            target = self.destination.get(pod.key)
            if target is None or target in self.draining \
                    or target not in snapshot.node_by_name:
                # The last simulation that moved it put it on an in-flight replacement (no
                # Move names those) or on a node deleting since: the provisioner places it.
                homeless.append(pod)
            else:
                moved[pod.key] = target
        self.eviction_risks(snapshot, set(moved) | {p.key for p in homeless}, round_)
        for item in waiting:  # once per pod: the stall, from when it starts
            pod_key = item.split(" ", 1)[0]
            if pod_key not in self.stalled:
                self.stalled.add(pod_key)
                self.risks.append(Risk(RISK_PDB_STALL, f"{item} cannot be evicted at "
                                       f"{at.strftime('%H:%M')}: its node's deletion waits",
                                       round_))
        if homeless:
            keys = {p.key for p in homeless}
            rest = snapshot.with_changes(pods=tuple(p for p in snapshot.pods
                                                    if p.key not in keys))
            snapshot, stuck, provisioned = self._provision(
                rest, [replace(p, node_name="") for p in homeless], at,
                exclude=frozenset(self.draining))
            if stuck:
                self.risks.append(Risk(RISK_UNPLACEABLE, f"{stuck} pod(s) evicted at "
                                       f"{at.strftime('%H:%M')} would stay pending", round_))
        provisioned_to = provisioned if homeless else set()
        pods: list[Pod] = []
        for pod in snapshot.pods:
            target = moved.get(pod.key)
            if target is not None:
                pods.append(bound_to(pod, target))
            else:
                pods.append(pod)
        left = {p.node_name for p in pods if p.node_name in self.draining
                and is_reschedulable(p)}
        done = set(self.draining) - left
        for name in done:
            del self.draining[name]
        received = set(moved.values()) | provisioned_to
        claims = []
        for claim in snapshot.node_claims:
            if claim.node_name in done:
                continue
            if claim.node_name in received:  # a pod event restarts consolidateAfter
                status = dict(claim.raw.get("status") or {}) if isinstance(
                    claim.raw.get("status"), dict) else {}
                status["lastPodEventTime"] = at.isoformat()
                claim = replace(claim, raw={**claim.raw, "status": status})
            claims.append(claim)
        return snapshot.with_changes(
            nodes=tuple(n for n in snapshot.nodes if n.name not in done),
            node_claims=tuple(claims),
            pods=tuple(p for p in pods if p.node_name not in done)), len(moved) + len(homeless)

    def expire(self, snapshot: ClusterSnapshot, at: datetime) -> tuple[ClusterSnapshot, int, str]:
        """NodeClaims past expireAfter go (not budgeted); their pods are provisioned for."""
        expired = []
        for claim in snapshot.node_claims:
            pool = snapshot.node_pool_by_name.get(claim.node_pool or "")
            if pool is None or pool.expire_after_seconds is None \
                    or claim.creation_timestamp is None:
                continue
            if claim.creation_timestamp + timedelta(seconds=pool.expire_after_seconds) <= at:
                expired.append(claim.node_name)
        if not expired:
            return snapshot, 0, ""
        gone = set(expired)
        moving = [replace(p, node_name="") for p in snapshot.pods
                  if p.node_name in gone and is_reschedulable(p)]
        rest = snapshot.with_changes(
            nodes=tuple(n for n in snapshot.nodes if n.name not in gone),
            node_claims=tuple(c for c in snapshot.node_claims if c.node_name not in gone),
            pods=tuple(p for p in snapshot.pods if p.node_name not in gone))
        placed, left, _ = self._provision(rest, moving, at)
        note = f"expireAfter: {', '.join(sorted(gone))} deleted"
        if left:
            self.risks.append(Risk(RISK_UNPLACEABLE, f"{left} pod(s) of expired nodes would "
                                   "stay pending"))
        return placed, len(moving), note

    def _provision(self, snapshot: ClusterSnapshot, moving: Sequence[Pod], at: datetime,
                   exclude: frozenset[str] = frozenset()
                   ) -> tuple[ClusterSnapshot, int, set[str]]:
        """``snapshot`` plus ``moving`` (pods without a node) where the provisioner puts them
        at ``at``: on existing nodes (but ``exclude``), or on new nodes Ready after the launch
        time; a pod that fits nowhere stays Pending. Also the count of those, and the existing
        nodes that received pods."""
        result = simulate(self.context(snapshot), moving, exclude_nodes=exclude)
        ready_at = at + self.launch
        nodes, claims = list(snapshot.nodes), list(snapshot.node_claims)
        pods = list(snapshot.pods)
        where: dict[str, str] = {}
        for placement in result.existing:
            for key in placement.pods:
                where[key] = placement.node
        for planned in result.node_claims:
            node, claim, daemons = self._new_node(snapshot, planned.node_pool,
                                                  planned.instance_type, planned.zone,
                                                  planned.capacity_type, ready_at)
            nodes.append(node)
            claims.append(claim)
            pods += daemons
            for key in planned.pods:
                where[key] = node.name
        for pod in moving:
            target = where.get(pod.key)
            if target is not None:
                pods.append(bound_to(pod, target))
            else:
                pods.append(replace(pod, phase="Pending", conditions=()))
        received = {p.node for p in result.existing if p.pods}
        return snapshot.with_changes(nodes=tuple(nodes), node_claims=tuple(claims),
                                     pods=tuple(pods)), len(result.unschedulable), received

    # ---------------------------------------------------------------- what to wait for
    def next_event(self, snapshot: ClusterSnapshot, plan: ConsolidationPlan, at: datetime
                   ) -> datetime | None:
        times: list[datetime] = []
        drifted_pools = set()
        for claim in snapshot.node_claims:
            drifted = claim.condition("Drifted")
            if drifted is not None and drifted.is_true and claim.node_pool:
                drifted_pools.add(claim.node_pool)
            pool = snapshot.node_pool_by_name.get(claim.node_pool or "")
            if pool is not None and pool.expire_after_seconds is not None \
                    and claim.creation_timestamp is not None:
                times.append(claim.creation_timestamp
                             + timedelta(seconds=pool.expire_after_seconds))
        for budget in plan.budgets:
            blocked_here = any(r.code == R.BUDGET_EXHAUSTED for n in plan.nodes
                               if n.node_pool == budget.node_pool for r in n.blocks)
            if budget.next_open is not None and (blocked_here
                                                 or budget.node_pool in drifted_pools):
                times.append(budget.next_open)
        for report in plan.nodes:
            if report.consolidatable_at is not None and any(
                    r.code == R.CONSOLIDATE_AFTER_NOT_ELAPSED for r in report.blocks):
                times.append(report.consolidatable_at)
        later = [t for t in times if t > at]
        return min(later) if later else None

    # ---------------------------------------------------------------- risks
    def wave_risks(self, snapshot: ClusterSnapshot, plan: ConsolidationPlan, round_: int
                   ) -> None:
        for action in plan.actions:
            for warning in action.warnings:
                self.risks.append(Risk(RISK_POD_LOST, warning, round_))
        stalled = sorted(n.node for n in plan.nodes
                         if any(r.code == R.POD_DISRUPTION_BUDGET for r in n.blocks)
                         and self._drifted(snapshot, n.node))
        if stalled:
            self.risks.append(Risk(RISK_PDB_STALL, f"round {round_}: drifted node(s) "
                                   f"{', '.join(stalled)} wait for a PodDisruptionBudget",
                                   round_))

    def eviction_risks(self, snapshot: ClusterSnapshot, moved: set[str], round_: int) -> None:
        """A workload whose every ready replica is evicted at the same time."""
        by_owner: dict[str, list[Pod]] = defaultdict(list)
        for pod in snapshot.pods:
            if pod.node_name and not pod.is_daemonset_pod and pod.owner_refs:
                owner = pod.owner_refs[0]
                by_owner[f"{pod.namespace}/{owner.kind}/{owner.name}"].append(pod)
        for owner_key, pods in sorted(by_owner.items()):
            ready = [p for p in pods if is_healthy(p)]
            if len(ready) >= 2 and all(p.key in moved for p in ready):
                self.risks.append(Risk(RISK_ALL_REPLICAS, f"all {len(ready)} ready replicas "
                                       f"of {owner_key} are evicted together in round "
                                       f"{round_}", round_))

    @staticmethod
    def _drifted(snapshot: ClusterSnapshot, node_name: str) -> bool:
        node = snapshot.node_by_name.get(node_name)
        claim = snapshot.node_claim_for(node) if node is not None else None
        drifted = claim.condition("Drifted") if claim is not None else None
        return drifted is not None and drifted.is_true


def rollout(ctx: SchedulingContext, now: datetime, *, drift: Sequence[DriftFinding] = (),
            max_rounds: int | None = None, launch_seconds: int = DEFAULT_LAUNCH_SECONDS,
            horizon_seconds: int = DEFAULT_HORIZON_SECONDS,
            spot_to_spot: bool = False) -> RolloutPlan:
    """Rounds of disruption from ``now`` until steady (or ``max_rounds`` rounds)."""
    run = _Rollout(ctx, now, launch_seconds, spot_to_spot)
    snapshot = mark_drifted(ctx.snapshot, drift, now)
    start_cost = _cost(ctx, snapshot.nodes)
    start_nodes = _managed(snapshot.nodes)
    horizon = now + timedelta(seconds=horizon_seconds)
    steps: list[RolloutStep] = []
    at = now
    steady = False
    rounds = 0
    seen_blocked: set[str] = set()
    while True:
        if max_rounds is not None and rounds >= max_rounds:
            break
        snapshot, evicted = run.drain(snapshot, at, rounds)
        snapshot, expired, note = run.expire(snapshot, at)
        if expired or note:
            rounds += 1
            ctx_now = run.context(snapshot)
            steps.append(RolloutStep(rounds, at, "expire", (), _managed(snapshot.nodes),
                                     _cost(ctx_now, snapshot.nodes), expired, note))
            at += run.launch
            continue
        ctx_now = run.context(snapshot)
        plan = plan_consolidation(ctx_now, at, spot_to_spot=spot_to_spot, failures=False)
        if plan.actions:
            rounds += 1
            run.wave_risks(snapshot, plan, rounds)
            snapshot = run.start_wave(snapshot, plan, at)
            steps.append(RolloutStep(rounds, at, "disrupt", plan.actions,
                                     _managed(snapshot.nodes) - len(run.draining),
                                     _cost(run.context(snapshot), _alive(snapshot, run)),
                                     evicted))
            at += run.launch
            continue
        if run.draining and at > horizon:
            run.risks.append(Risk(RISK_PDB_STALL, "the drain of " + ", ".join(
                sorted(run.draining)) + " does not finish within the horizon", rounds))
            break
        if run.draining:
            steps.append(RolloutStep(rounds, at, "wait", (), _managed(snapshot.nodes),
                                     _cost(ctx_now, snapshot.nodes), evicted,
                                     "waiting for evictions: "
                                     + ", ".join(sorted(run.draining))))
            at += run.launch
            continue
        if evicted:  # the last evictions of earlier waves finished now
            steps.append(RolloutStep(rounds, at, "wait", (), _managed(snapshot.nodes),
                                     _cost(ctx_now, snapshot.nodes), evicted,
                                     "the last nodes drained"))
        seen_blocked = {n.node for n in plan.nodes if run._drifted(snapshot, n.node)}
        upcoming = run.next_event(snapshot, plan, at)
        if upcoming is None or upcoming > horizon:
            steady = True
            break
        steps.append(RolloutStep(rounds, at, "wait", (), _managed(snapshot.nodes),
                                 _cost(ctx_now, snapshot.nodes), evicted,
                                 f"nothing to do until {upcoming.isoformat()}"))
        at = upcoming
    final_ctx = run.context(snapshot)
    if steady and seen_blocked:
        names = ", ".join(sorted(seen_blocked))
        run.risks.append(Risk(RISK_NEVER_DRIFTS, f"{len(seen_blocked)} drifted node(s) are "
                              f"never replaced within the horizon: {names} (budget 0 in every "
                              "window, or blocked by PDBs/do-not-disrupt)"))
    return RolloutPlan(start=now, drift=tuple(drift), steps=tuple(steps), steady=steady,
                       final_nodes=_managed(snapshot.nodes),
                       final_cost=_cost(final_ctx, snapshot.nodes), start_nodes=start_nodes,
                       start_cost=start_cost, risks=tuple(run.risks), notes=tuple(run.notes),
                       final_snapshot=snapshot)
