"""The dry run itself: Karpenter's disruption loop, repeated until it has nothing left to do.

Each round runs the methods in upstream order (emptiness, drift, multi-node, single-node
consolidation) and keeps the first action found, as the controller does per reconcile. The
action is then applied to an in-memory copy of the cluster — removed nodes count as
disrupting against their NodePool's budget, their pods are bound where the simulation put
them, a replacement becomes an in-flight NodeClaim, and nodes that receive pods restart their
consolidateAfter clock — and the next round starts. Nothing is ever sent to a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from kubectl_karp.core import releases
from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.disruption.balanced import BALANCED, PoolTotals
from kubectl_karp.core.disruption.budgets import (
    REASON_DRIFTED,
    REASON_EMPTY,
    REASON_UNDERUTILIZED,
    REASONS,
    allowed_disruptions,
)
from kubectl_karp.core.disruption.candidates import (
    Candidate,
    NodeStatus,
    PodFacts,
    PodRules,
    assess_nodes,
    consolidate_after_reference,
    instance_terminating,
    node_disrupting,
)
from kubectl_karp.core.disruption.costs import reschedule_disruption_cost, savings_ratio
from kubectl_karp.core.disruption.methods.consolidation import (
    Attempt,
    multi_node,
    single_node,
)
from kubectl_karp.core.disruption.methods.drift import drift
from kubectl_karp.core.disruption.methods.emptiness import emptiness
from kubectl_karp.core.disruption.methods.staticdrift import PoolCount, static_drift
from kubectl_karp.core.disruption.pdbs import PdbIndex
from kubectl_karp.core.disruption.plan import (
    Action,
    ConsolidationPlan,
    Replacement,
)
from kubectl_karp.core.disruption.reports import consolidation_ready, plan_result
from kubectl_karp.core.disruption.room import RoomIndex, room_pools
from kubectl_karp.core.disruption.simulation import Env
from kubectl_karp.core.scheduling import nodepool_templates, pending_batch
from kubectl_karp.core.scheduling.cache import carry_context_cache
from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    Node,
    NodeClaim,
    NodePool,
)
from kubectl_karp.model.predicates import is_reschedulable, node_initialized
from kubectl_karp.model.resources import add, subtract
from kubectl_karp.model.snapshot import ClusterSnapshot


@dataclass
class _Round:
    """What the last round saw, for explaining the nodes it left alone."""

    statuses: list[NodeStatus] = field(default_factory=list)
    budget: dict[str, dict[str, int]] = field(default_factory=dict)  # reason -> pool -> n
    failures: dict[str, Attempt] = field(default_factory=dict)
    drift_failures: dict[str, Attempt] = field(default_factory=dict)
    static_failures: dict[str, Attempt] = field(default_factory=dict)

    @cached_property
    def by_name(self) -> dict[str, NodeStatus]:
        return {s.node.name: s for s in self.statuses}


def _check_policies(rules: releases.KarpenterRules, pools: Iterable[NodePool]) -> None:
    """Before v1.14 the NodePool API's consolidationPolicy enum has no Balanced: the API
    server would have refused such a NodePool, so a snapshot holding one is not a cluster of
    that release."""
    if rules.has(releases.BALANCED_POLICY):
        return
    for pool in pools:
        if pool.consolidation_policy == BALANCED:
            since = releases.rule(releases.BALANCED_POLICY).since.short
            raise InputError(
                f"NodePool {pool.name}: spec.disruption.consolidationPolicy: unsupported value "
                f"'Balanced' (allowed: WhenEmpty, WhenEmptyOrUnderutilized) — the NodePool API "
                f"of {rules.label} has no Balanced policy (added in {since}); pass "
                f"--karpenter-version {since.lstrip('v')} if the cluster runs it")


# Snapshot indexes that do not look at NodeClaims, carried over when only those change.
_CLAIM_FREE_INDEXES = ("node_by_name", "node_pool_by_name", "pods_by_node", "pending_pods",
                       "node_class_by_ref", "pvc_by_key", "pv_by_name",
                       "storage_class_by_name", "events_by_object")


def _with_claims(snap: ClusterSnapshot, claims: tuple[NodeClaim, ...]) -> ClusterSnapshot:
    """``snap`` with other NodeClaims, keeping the indexes built from its other fields (a
    round per action would otherwise re-index every pod)."""
    out = snap.with_changes(node_claims=claims)
    names: tuple[str, ...] = _CLAIM_FREE_INDEXES
    added = claims[len(snap.node_claims):]
    if claims[:len(snap.node_claims)] == snap.node_claims and not any(
            c.node_name or c.provider_id for c in added):
        # Claims without a Node yet: the node-to-claim indexes stay as they are too.
        names += ("node_claim_by_node_name", "node_claim_by_provider_id")
    for name in names:
        if name in snap.__dict__:
            out.__dict__[name] = snap.__dict__[name]
    return out


def _order(cands: Sequence[Candidate],
           rules: releases.KarpenterRules = releases.DEFAULT_RULES) -> list[Candidate]:
    """Consolidation's candidate order. upstream: consolidation.go sortCandidates — from
    v1.14 by savings ratio (price ÷ reschedule cost), highest first; before, by disruption
    cost (eviction costs × lifetime remaining), lowest first. Names break ties (upstream's
    sort is not stable, so any tie order is Karpenter's)."""
    if rules.has(releases.CANDIDATE_SAVINGS_RATIO):
        return sorted(cands, key=lambda c: (-savings_ratio(c.price, c.reschedule_cost),
                                            c.name))
    return sorted(cands, key=lambda c: (c.disruption_cost, c.name))


class _Planner:
    def __init__(self, ctx: SchedulingContext, now: datetime, spot_to_spot: bool,
                 explain: frozenset[str] = frozenset(), failures: bool = True) -> None:
        self.explain = explain
        self.failures = failures
        self.ctx = ctx
        self.now = now
        self.spot_to_spot = spot_to_spot
        snap = ctx.snapshot
        self.original = snap
        self.pools = {p.node_pool.name: p.node_pool for p in ctx.node_pools}
        for np in snap.node_pools:
            self.pools.setdefault(np.name, np)
        _check_policies(ctx.rules, self.pools.values())
        self.static_rule = ctx.rules.has(releases.STATIC_NODEPOOLS)
        self.balanced_rule = ctx.rules.has(releases.BALANCED_POLICY)
        self.destinations_rule = ctx.rules.has(releases.CONSOLIDATE_AFTER_DESTINATIONS)
        # SimulateScheduling schedules the cluster's pending pods along with the candidates'.
        self.pending = tuple(p for p in pending_batch(snap)[0] if not p.node_name)
        self.room_pools = room_pools(nodepool_templates(ctx))
        self.claim_prices: dict[str, float | None] = {}
        self.instance_types: dict[str, dict[str, InstanceType]] = {
            p.node_pool.name: {it.name: it for it in p.instance_types} for p in ctx.node_pools}
        self.prices = {n.name: ctx.node_price(n) for n in snap.nodes}
        self.pdbs = PdbIndex(snap.pdbs, snap.pods)
        self.num_nodes: dict[str, int] = {}
        self.disrupting: dict[str, int] = {}
        self.deleting: set[str] = set()
        self.uninitialized: set[str] = set()
        for node in snap.nodes:
            claim = snap.node_claim_for(node)
            if claim is None:
                continue
            pool = node.node_pool or claim.node_pool or ""
            if not node_initialized(node, claim):
                self.uninitialized.add(node.name)
                continue
            if instance_terminating(claim):
                # upstream BuildDisruptionBudgetMapping: neither a node nor disrupting
                self.deleting.add(node.name)
                continue
            self.num_nodes[pool] = self.num_nodes.get(pool, 0) + 1
            marked = node_disrupting(node, claim) is not None
            if marked:
                self.deleting.add(node.name)
            if marked or not node.ready:
                self.disrupting[pool] = self.disrupting.get(pool, 0) + 1
        self.planned: dict[str, int] = {}
        # Free room of planned replacements once the pods planned onto them are there.
        self.inflight_room: dict[str, dict[str, int]] = {}
        self.pod_facts: dict[str, PodFacts] = {}
        self.bare = {p.key for p in snap.pods if p.controller is None}
        self.fresh: set[str] = set()
        self.actions: list[Action] = []
        self.action_of: dict[str, int] = {}
        self.current = snap
        self.current_ctx = ctx
        self.round = _Round()
        # node name -> (had pods moved onto it when assessed, its status): see _statuses
        self._status_cache: dict[str, tuple[bool, NodeStatus]] = {}

    # ------------------------------------------------------------------ state

    def _ctx(self) -> SchedulingContext:
        # Keep one context per snapshot version: the scheduler caches per-context work.
        if self.current_ctx.snapshot is not self.current:
            previous = self.current_ctx
            self.current_ctx = replace(self.ctx, snapshot=self.current)
            # The new snapshot only adds replacement NodeClaims: what the scheduler built
            # for the old one still holds (scheduler.carry_context_cache checks that).
            carry_context_cache(previous, self.current_ctx)
        return self.current_ctx

    def _budget(self, reason: str) -> dict[str, int]:
        return {name: max(0, allowed_disruptions(pool, self.num_nodes.get(name, 0), reason,
                                                 self.now)
                          - self.disrupting.get(name, 0) - self.planned.get(name, 0))
                for name, pool in self.pools.items()}

    def _env(self) -> Env:
        pod_rules = PodRules(self.now, self.ctx.rules)
        deleting_pods = tuple(p for name in self.deleting
                              for p in self.current.pods_by_node.get(name, ())
                              if pod_rules.currently_reschedulable(p, self.pdbs))
        # The room index as of now, built when first read (the state moves on after _apply).
        snap, deleting = self.current, frozenset(self.deleting)
        inflight, pools = list(self.inflight_room.items()), self.room_pools

        def room() -> RoomIndex:
            return RoomIndex.build((n for n in snap.nodes if n.name not in deleting),
                                   snap.pods_by_node, pools, inflight)

        return Env(ctx=self._ctx(), deleting=deleting,
                   deleting_pods=deleting_pods, uninitialized=frozenset(self.uninitialized),
                   room_source=room, pending=self.pending, closed=self._closed(),
                   balanced=self._balanced_totals(), first_miss=not self.failures)

    def _closed(self) -> frozenset[str]:
        """Nodes still inside their NodePool's consolidateAfter (upstream
        utils/disruption IsUnderConsolidateAfter): from v1.14 a consolidation simulation moves
        no candidate pod onto them."""
        if not self.destinations_rule:
            return frozenset()
        out: set[str] = set()
        snap = self.current
        for node in snap.nodes:
            if node.name in self.deleting:
                continue
            claim = snap.node_claim_for(node)
            pool = self.pools.get(node.node_pool or (claim.node_pool if claim else "") or "")
            after = pool.consolidate_after_seconds if pool else None
            if claim is None or not after or not claim.has_condition("Initialized"):
                continue
            if node.name in self.fresh:
                out.add(node.name)  # it received pods earlier in this plan
                continue
            since, _ = consolidate_after_reference(
                node, claim, snap.pods_by_node.get(node.name, ()))
            if since is not None and (self.now - since).total_seconds() < after:
                out.add(node.name)
        return frozenset(out)

    def _balanced_totals(self) -> dict[str, PoolTotals]:
        """upstream computeNodePoolTotals, per Balanced NodePool: the cost of all its
        NodeClaims and the disruption cost of all its nodes, candidates or not."""
        if not self.balanced_rule:
            return {}
        wanted = {name for name, p in self.pools.items() if p.consolidation_policy == BALANCED}
        if not wanted:
            return {}
        cost: dict[str, float] = {}
        disruption: dict[str, float] = {}
        snap = self.current
        for node in snap.nodes:
            pool = node.node_pool or ""
            if pool not in wanted:
                continue
            cost[pool] = cost.get(pool, 0.0) + (self.prices.get(node.name) or 0.0)
            disruption[pool] = disruption.get(pool, 0.0) + reschedule_disruption_cost(
                p for p in snap.pods_by_node.get(node.name, ()) if is_reschedulable(p))
        for claim in snap.node_claims:  # in-flight replacements of this plan
            pool = claim.node_pool or ""
            if claim.name in self.claim_prices and pool in wanted:
                cost[pool] = cost.get(pool, 0.0) + (self.claim_prices[claim.name] or 0.0)
                disruption[pool] = disruption.get(pool, 0.0) + reschedule_disruption_cost(())
        return {name: PoolTotals(cost.get(name, 0.0), disruption.get(name, 0.0))
                for name in wanted}

    def _replacement_name(self) -> str:
        return f"replacement-{sum(len(a.replacements) for a in self.actions) + 1}"

    def _apply(self, action: Action) -> None:
        # The removed nodes become "deleting", as in the cluster while Karpenter drains them:
        # their pods are rescheduled in every later simulation (upstream does the same), and
        # a replacement is an in-flight NodeClaim those pods may use but others may not.
        index = len(self.actions)
        self.actions.append(action)
        for name in action.nodes:
            self.action_of[name] = index
            self.deleting.add(name)
            pool = self.current.node_by_name[name].node_pool or ""
            self.planned[pool] = self.planned.get(pool, 0) + 1
        self.fresh.update(m.to for m in action.moves if not m.to_replacement)
        if action.replacements:
            self.uninitialized.update(rep.name for rep in action.replacements)
            requests = {p.key: p.requests for p in self.current.pods}
            for rep in action.replacements:
                self.claim_prices[rep.name] = rep.price_per_hour
                it = self.ctx.instance_type(rep.instance_type)
                moved = [requests[m.pod] for m in action.moves
                         if m.to == rep.name and m.pod in requests]
                self.inflight_room[rep.name] = subtract(
                    dict(it.allocatable) if it else {}, add(*moved))
            self.current = _with_claims(self.current, (
                *self.current.node_claims,
                *(self._replacement_claim(rep) for rep in action.replacements)))

    def _replacement_claim(self, rep: Replacement) -> NodeClaim:
        it = self.ctx.instance_type(rep.instance_type)
        labels = dict(it.labels) if it else {}
        labels.update({LABEL_NODEPOOL: rep.node_pool, LABEL_INSTANCE_TYPE: rep.instance_type,
                       LABEL_ZONE: rep.zone, LABEL_CAPACITY_TYPE: rep.capacity_type})
        return NodeClaim(name=rep.name, labels=labels,
                         capacity=dict(it.capacity) if it else {},
                         allocatable=dict(it.allocatable) if it else {},
                         creation_timestamp=self.now)

    # ------------------------------------------------------------------ rounds

    def _statuses(self) -> list[NodeStatus]:
        """Every node's candidate status this round. Within one plan a node's status
        depends on its own node, NodeClaim and pods (none of which an action changes: a
        replacement is a new NodeClaim without a Node) and on whether an earlier action moved
        pods onto it, so a status is assessed again only when that last fact changes."""
        snap = self.current
        cache = self._status_cache
        stale = [n for n in snap.nodes
                 if n.name not in cache or (n.name in self.fresh) != cache[n.name][0]]
        if stale:
            claim_for: dict[str, NodeClaim] = {}
            for node in stale:
                claim = snap.node_claim_for(node)
                if claim is not None:
                    claim_for[node.name] = claim
            fresh = frozenset(self.fresh)
            found = assess_nodes(stale, snap.pods_by_node, claim_for, self.pools,
                                 self.instance_types, self.prices, self.pdbs, self.now,
                                 rules=self.ctx.rules, fresh_pod_events=fresh,
                                 pod_blocks_cache=self.pod_facts)
            for status in found:
                cache[status.node.name] = (status.node.name in fresh, status)
        return [cache[n.name][1] for n in snap.nodes]

    def _one_round(self) -> Action | None:
        rnd = _Round(statuses=self._statuses(),
                     budget={r: self._budget(r) for r in REASONS})
        self.round = rnd
        cands = _order([s.candidate for s in rnd.statuses
                        if s.candidate is not None and s.node.name not in self.action_of],
                       self.ctx.rules)
        # Static NodePools: no emptiness, no consolidation, and StaticDrift instead of drift.
        static = [c for c in cands if self._static(c)]
        cands = [c for c in cands if not self._static(c)]
        free = [c for c in cands if not c.pod_blocks]
        env = self._env()
        # 1. Emptiness
        empty = [c for c in free if c.is_empty and c.consolidatable]
        action = emptiness(empty, rnd.budget[REASON_EMPTY])
        if action is not None:
            return action
        # 2. StaticDrift
        static_drifted = [c for c in static if c.drifted_since is not None
                          and (not c.pod_blocks or c.ignores_pod_blocks_for_drift)]
        if static_drifted:
            action, rnd.static_failures = static_drift(
                self.ctx, static_drifted, rnd.budget[REASON_DRIFTED], self._pool_counts(),
                self._replacement_name())
            if action is not None:
                return action
        # 3. Drift
        drifted = [c for c in cands if c.drifted_since is not None
                   and (not c.pod_blocks or c.ignores_pod_blocks_for_drift)]
        if drifted:
            action, rnd.drift_failures = drift(env, drifted, rnd.budget[REASON_DRIFTED],
                                               self._replacement_name())
            if action is not None:
                return action
        # 4./5. Consolidation of non-empty nodes
        under = [c for c in free if c.consolidatable and not c.is_empty
                 and c.pool.consolidation_policy != "WhenEmpty"
                 and consolidation_ready(c) is None]
        budget = rnd.budget[REASON_UNDERUTILIZED]
        name = self._replacement_name()
        attempt = multi_node(env, under, budget, spot_to_spot=self.spot_to_spot,
                             replacement_name=name)
        if attempt is not None and attempt.action is not None:
            return attempt.action
        attempt, rnd.failures = single_node(env, under, budget, spot_to_spot=self.spot_to_spot,
                                            replacement_name=name)
        if attempt is not None and attempt.action is not None:
            return attempt.action
        return None

    def _static(self, c: Candidate) -> bool:
        return self.static_rule and c.pool.is_static

    def _pool_counts(self) -> dict[str, PoolCount]:
        """Per static NodePool, its NodeClaims not deleting and those deleting (state
        NodePoolState counts), after the actions planned so far."""
        active: dict[str, int] = {}
        deleting: dict[str, int] = {}
        snap = self.current
        node_of: dict[str, Node] = {}
        for n in snap.nodes:
            owner = snap.node_claim_for(n)
            if owner is not None:
                node_of[owner.name] = n
        for claim in snap.node_claims:
            pool = claim.node_pool or ""
            node = node_of.get(claim.name)
            gone = claim.deletion_timestamp is not None or (node is not None and (
                node.name in self.deleting or node.deletion_timestamp is not None))
            target = deleting if gone else active
            target[pool] = target.get(pool, 0) + 1
        return {name: PoolCount(active.get(name, 0), deleting.get(name, 0))
                for name, p in self.pools.items() if p.is_static}

    def run(self) -> ConsolidationPlan:
        # Every action removes at least one node, so this ends after at most one round per
        # node; the last round (no action) is the one that explains the nodes left alone.
        for _ in range(len(self.original.nodes) + 1):
            action = self._one_round()
            if action is None:
                break
            self._apply(action)
        return plan_result(self)

def plan_consolidation(ctx: SchedulingContext, now: datetime, *, spot_to_spot: bool = False,
                       explain: frozenset[str] = frozenset(),
                       failures: bool = True) -> ConsolidationPlan:
    """What Karpenter's disruption controller would do, starting at ``now``, until it stops.

    ``spot_to_spot``: assume the SpotToSpotConsolidation feature gate is on (off upstream by
    default). ``explain``: nodes to explain in more depth (a budget-blocked node also gets what
    consolidation would do if its budget allowed). ``failures=False``: the actions and every
    node's reason codes are the same, but a failed simulation stops at its first candidate pod
    that lands on a node not initialised, so its report names that pod only (``Env.first_miss``;
    for the rollout, which shows actions, not why candidates were passed over).
    """
    return _Planner(ctx, now, spot_to_spot, explain, failures).run()


def snapshot_of(plan_ctx: SchedulingContext) -> ClusterSnapshot:
    return plan_ctx.snapshot
