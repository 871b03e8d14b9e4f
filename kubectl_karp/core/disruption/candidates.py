"""Which nodes Karpenter would consider disrupting, and what stops the others.

Mirrors upstream GetCandidates/NewCandidate: a candidate is a Karpenter-owned, initialised
node of a known NodePool that is not already disrupting and not annotated do-not-disrupt.
Pod-level blockers (a do-not-disrupt pod, a PDB that allows no eviction) are kept on the
candidate because drift with a terminationGracePeriod may ignore them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kubectl_karp.core import reasons as R
from kubectl_karp.core import releases
from kubectl_karp.core.disruption.costs import (
    PER_NODE_BASE_DISRUPTION_COST,
    disruption_cost,
    reschedule_disruption_cost,
)
from kubectl_karp.core.disruption.pdbs import PdbIndex
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.releases import DEFAULT_RULES, KarpenterRules
from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.durations import format_duration
from kubectl_karp.model.objects import (
    ANNOTATION_DO_NOT_DISRUPT,
    TAINT_DISRUPTED,
    Node,
    NodeClaim,
    NodePool,
    Pod,
)
from kubectl_karp.model.parse import parse_time
from kubectl_karp.model.predicates import (
    do_not_disrupt_active,
    do_not_disrupt_until,
    is_active,
    is_mirror,
    is_reschedulable,
    node_initialized,
    tolerates_disrupted,
)


def instance_terminating(claim: NodeClaim | None) -> bool:
    """The NodeClaim's instance is already being terminated (drained, cloud delete sent)."""
    cond = claim.condition("InstanceTerminating") if claim is not None else None
    return cond is not None and cond.is_true


def node_disrupting(node: Node, claim: NodeClaim | None) -> str | None:
    """Why the node already counts as disrupting (deleting or tainted by Karpenter), if it does."""
    if node.deletion_timestamp is not None:
        return f"node {node.name} is being deleted"
    if claim is not None and claim.deletion_timestamp is not None:
        return f"its NodeClaim {claim.name} is being deleted"
    if instance_terminating(claim):
        assert claim is not None
        return f"NodeClaim {claim.name}'s instance is terminating (InstanceTerminating=True)"
    if any(t.key == TAINT_DISRUPTED for t in node.taints):
        return f"node {node.name} carries the {TAINT_DISRUPTED} taint (Karpenter is draining it)"
    if claim is not None and claim.has_condition("DisruptionReason"):
        cond = claim.condition("DisruptionReason")
        why = cond.reason if cond is not None else ""
        return f"NodeClaim {claim.name} is already being disrupted" + (f" ({why})" if why else "")
    return None


class PodRules:
    """What the pod predicates need besides the pod: the clock and the release's rules."""

    __slots__ = ("durations", "now", "rules")

    def __init__(self, now: datetime, rules: KarpenterRules = DEFAULT_RULES) -> None:
        self.now = now
        self.rules = rules
        # Looked up once: the predicates below run for every pod of every node.
        self.durations = rules.has(releases.DO_NOT_DISRUPT_GRACE)

    def do_not_disrupt(self, pod: Pod) -> bool:
        if ANNOTATION_DO_NOT_DISRUPT not in pod.annotations:
            return False
        return do_not_disrupt_active(pod, self.now, durations=self.durations)

    def evictable(self, pod: Pod) -> bool:
        """Pods Karpenter would call the eviction API for (the ones PDBs can stop).
        upstream: pod.IsEvictable"""
        return is_active(pod) and not tolerates_disrupted(pod) and not is_mirror(pod) \
            and not self.do_not_disrupt(pod)

    def disruptable(self, pod: Pod) -> bool:
        """upstream: pod.IsDisruptable — only active pods block with do-not-disrupt."""
        return not is_active(pod) or not self.do_not_disrupt(pod)

    def currently_reschedulable(self, pod: Pod, pdbs: PdbIndex) -> bool:
        """The pods a disruption simulation moves: reschedulable, not protected by an active
        do-not-disrupt, not behind a PDB that can never allow their eviction.
        upstream: pdb.Limits.IsCurrentlyReschedulable"""
        return is_reschedulable(pod) and self.stays_movable(pod, pdbs)

    def stays_movable(self, pod: Pod, pdbs: PdbIndex) -> bool:
        """currently_reschedulable for a pod already known to be reschedulable."""
        if not self.disruptable(pod):
            return False
        if not pdbs.any_in(pod.namespace):
            return True
        return not self.evictable(pod) or pdbs.blocking(pod, fully=True) is None


def consolidate_after_reference(node: Node, claim: NodeClaim | None, pods: Sequence[Pod]
                                ) -> tuple[datetime | None, str]:
    """The instant consolidateAfter counts from, and which rule produced it.

    Karpenter measures from the NodeClaim's ``status.lastPodEventTime`` (falling back to its
    Initialized transition). A snapshot cannot see pod events, so without that field we take
    the later of the Initialized transition and the newest pod creation on the node.
    """
    if claim is not None:
        status = claim.raw.get("status") if hasattr(claim.raw, "get") else None
        if isinstance(status, dict) and status.get("lastPodEventTime"):
            try:
                when = parse_time(status["lastPodEventTime"], f"NodeClaim {claim.name}")
            except Exception:
                when = None
            if when is not None:
                return when, "NodeClaim status.lastPodEventTime"
    times: list[tuple[datetime, str]] = []
    if claim is not None:
        init = claim.condition("Initialized")
        if init is not None and init.is_true and init.last_transition_time is not None:
            times.append((init.last_transition_time, "NodeClaim Initialized transition"))
    newest = max((p.creation_timestamp for p in pods if p.creation_timestamp is not None
                  and not p.is_daemonset_pod), default=None)
    if newest is not None:
        times.append((newest, "newest pod creation on the node"))
    if not times and node.creation_timestamp is not None:
        times.append((node.creation_timestamp, "node creation"))
    if not times:
        return None, "no timestamp known"
    return max(times, key=lambda t: t[0])


@dataclass(frozen=True)
class Candidate:
    """A node Karpenter could disrupt, with what the methods need to decide."""

    node: Node
    claim: NodeClaim
    pool: NodePool
    instance_type: InstanceType | None
    price: float | None  # the node's offering price; None when unknown
    pods: tuple[Pod, ...]  # every non-terminal pod bound to the node
    reschedulable: tuple[Pod, ...]  # upstream reschedulablePods (IsReschedulable)
    disruption_cost: float
    consolidatable: bool  # consolidateAfter set and elapsed
    consolidate_after_block: Reason | None  # why not consolidatable
    pod_blocks: tuple[Reason, ...]  # do-not-disrupt pods, PDBs
    drifted_since: datetime | None  # None: not drifted
    ignores_pod_blocks_for_drift: bool  # NodeClaim has terminationGracePeriod
    # The pods a simulation moves off this node (currently reschedulable): not the ones an
    # active do-not-disrupt or a fully blocking PDB keeps in place.
    moving: tuple[Pod, ...] = ()
    # 1 + the positive eviction costs of the reschedulable pods (RescheduleDisruptionCost).
    reschedule_cost: float = 1.0
    empty: bool = True  # see _is_empty

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_empty(self) -> bool:
        return self.empty

    @property
    def capacity_type(self) -> str | None:
        return self.node.capacity_type


@dataclass(frozen=True)
class PodFacts:
    """What a node's pods decide, kept between rounds (pods do not change within a plan)."""

    reschedulable: tuple[Pod, ...]
    moving: tuple[Pod, ...]
    blocks: tuple[Reason, ...]
    reschedule_cost: float
    empty: bool


@dataclass(frozen=True)
class NodeStatus:
    """The per-node outcome of candidate selection: a candidate, or the reasons it is not one."""

    node: Node
    claim: NodeClaim | None
    pool: NodePool | None
    candidate: Candidate | None
    blocks: tuple[Reason, ...]
    consolidate_after_since: datetime | None = None
    consolidate_after_rule: str = ""
    consolidatable_at: datetime | None = None


def _is_empty(reschedulable: Sequence[Pod], reschedule_cost: float,
              rules: KarpenterRules) -> bool:
    """Whether emptiness (not consolidation) handles the node. From v1.14 a node is empty when
    no reschedulable pod adds a positive eviction cost (all clamp to zero or below, e.g. a
    minimal pod-deletion-cost); before, only when it has no reschedulable pod at all.
    upstream: disruption/types.go Candidate.IsEmpty (v1.14), len(reschedulablePods) == 0"""
    if rules.has(releases.EMPTY_BY_EVICTION_COST):
        return reschedule_cost <= PER_NODE_BASE_DISRUPTION_COST
    return not reschedulable


def _do_not_disrupt_message(pod: Pod, pr: PodRules) -> str:
    value = pod.annotations.get(ANNOTATION_DO_NOT_DISRUPT, "")
    until = do_not_disrupt_until(
        pod, durations=pr.rules.has(releases.DO_NOT_DISRUPT_GRACE))
    text = f"pod {pod.key} has {ANNOTATION_DO_NOT_DISRUPT}: \"{value}\""
    if until is not None:
        return f"{text}, which protects it until {until.isoformat()} (started " \
               f"{pod.start_time.isoformat() if pod.start_time else '?'})"
    if value != "true":
        return f"{text} and no known start time, so the grace period has not begun"
    return text


def _pod_blocks(node: Node, pods: Sequence[Pod], pdbs: PdbIndex, pr: PodRules
                ) -> list[Reason]:
    out: list[Reason] = []
    for pod in pods:
        if not pr.disruptable(pod):
            if pod.annotations.get(ANNOTATION_DO_NOT_DISRUPT) == "true":
                detail = ("Karpenter never evicts a pod with this annotation, so it leaves "
                          "the whole node alone.")
                fix = (f"remove the annotation from pod {pod.key} (or its workload template) "
                       "when it may be moved")
            else:
                detail = ("Karpenter does not evict this pod until its do-not-disrupt grace "
                          "period has run from the pod's start, so it leaves the node alone "
                          "until then.")
                fix = f"wait for the grace period, or shorten the annotation on pod {pod.key}"
            out.append(Reason(code=R.DO_NOT_DISRUPT, node=node.name,
                              message=_do_not_disrupt_message(pod, pr), detail=detail,
                              fix=fix))
    seen: set[str] = set()
    for pod in pods:
        if not pr.evictable(pod):
            continue
        blocked = pdbs.blocking(pod)
        if blocked is None:
            continue
        limits, why = blocked
        names = ", ".join(lim.pdb.key for lim in limits)
        if names in seen:
            continue
        seen.add(names)
        out.append(Reason(
            code=R.POD_DISRUPTION_BUDGET, node=node.name,
            message=f"PodDisruptionBudget {names} stops eviction of pod {pod.key}: {why}",
            detail="Karpenter only disrupts a node when every pod on it can be evicted now.",
            fix=f"relax PodDisruptionBudget {names} (minAvailable/maxUnavailable) or add "
                "replicas so it allows a disruption"))
    return out


def assess_nodes(nodes: Sequence[Node], pods_by_node: dict[str, list[Pod]],
                 claim_for: dict[str, NodeClaim], pools: dict[str, NodePool],
                 instance_types: dict[str, dict[str, InstanceType]],
                 prices: dict[str, float | None], pdbs: PdbIndex, now: datetime,
                 *, rules: KarpenterRules = DEFAULT_RULES,
                 fresh_pod_events: frozenset[str] = frozenset(),
                 pod_blocks_cache: dict[str, PodFacts] | None = None
                 ) -> list[NodeStatus]:
    """Candidate selection for every node. ``fresh_pod_events``: nodes that receive pods in
    the plan so far (their consolidateAfter restarts at ``now``). ``pod_blocks_cache``: what
    each node's pods decide, kept between rounds (pods do not change within a plan)."""
    cache = pod_blocks_cache if pod_blocks_cache is not None else {}
    pr = PodRules(now, rules)
    out: list[NodeStatus] = []
    for node in nodes:
        claim = claim_for.get(node.name)
        pods = tuple(p for p in pods_by_node.get(node.name, ()) if not p.is_terminal)
        pool_name = node.node_pool or (claim.node_pool if claim else None)
        pool = pools.get(pool_name) if pool_name else None

        def blocked(code: str, message: str, fix: str = "", detail: str = "",
                    claim: NodeClaim | None = claim, pool: NodePool | None = pool,
                    node: Node = node) -> NodeStatus:
            return NodeStatus(node, claim, pool, None, (Reason(
                code=code, message=message, fix=fix, detail=detail, node=node.name,
                node_pool=pool.name if pool else None),))

        if claim is None:
            out.append(blocked(R.NOT_KARPENTER_MANAGED,
                               f"node {node.name} has no NodeClaim: Karpenter does not own it",
                               detail="Karpenter only disrupts nodes it launched."))
            continue
        if pool is None:
            out.append(blocked(
                R.NOT_KARPENTER_MANAGED,
                f"node {node.name} names NodePool {pool_name or '(none)'}, which does not "
                "exist", detail="Without its NodePool Karpenter will not disrupt the node."))
            continue
        if not node_initialized(node, claim):
            out.append(blocked(R.NOT_INITIALIZED,
                               f"NodeClaim {claim.name} is not Initialized yet",
                               detail="Karpenter waits for a node to initialise before "
                                      "disrupting it."))
            continue
        disrupting = node_disrupting(node, claim)
        if disrupting is not None:
            out.append(blocked(R.ALREADY_DISRUPTING, disrupting))
            continue
        if node.do_not_disrupt:
            out.append(blocked(
                R.DO_NOT_DISRUPT, f"node {node.name} has {ANNOTATION_DO_NOT_DISRUPT}: \"true\"",
                fix=f"kubectl annotate node {node.name} {ANNOTATION_DO_NOT_DISRUPT}-"))
            continue

        reference, rule = consolidate_after_reference(node, claim, pods)
        if node.name in fresh_pod_events:
            reference, rule = now, "pods moved onto it by an earlier action in this plan"
        after = pool.consolidate_after_seconds
        at: datetime | None = None
        ca_block: Reason | None = None
        if after is None:
            ca_block = Reason(
                code=R.CONSOLIDATION_DISABLED, node=node.name, node_pool=pool.name,
                message=f"NodePool {pool.name} has consolidateAfter: Never",
                fix=f"set spec.disruption.consolidateAfter on NodePool {pool.name} to a "
                    "duration (e.g. 5m) to allow consolidation")
        elif after > 0 and reference is not None:
            at = reference + timedelta(seconds=after)
            if now < at:
                left = int((at - now).total_seconds())
                ca_block = Reason(
                    code=R.CONSOLIDATE_AFTER_NOT_ELAPSED, node=node.name, node_pool=pool.name,
                    message=f"consolidateAfter {format_duration(after)} not elapsed: "
                            f"{format_duration(max(left, 1))} left (counted from {rule}, "
                            f"{reference.isoformat()})",
                    detail="Karpenter waits consolidateAfter since the last pod event on the "
                           "node before consolidating it.")
        facts = cache.get(node.name)
        if facts is None:
            resched = tuple(p for p in pods if is_reschedulable(p))
            cost = reschedule_disruption_cost(resched)
            facts = cache[node.name] = PodFacts(
                reschedulable=resched, moving=tuple(
                    p for p in resched if pr.stays_movable(p, pdbs)),
                blocks=tuple(_pod_blocks(node, pods, pdbs, pr)), reschedule_cost=cost,
                empty=_is_empty(resched, cost, rules))
        drifted = claim.condition("Drifted")
        drifted_since = None
        if drifted is not None and drifted.is_true:
            drifted_since = drifted.last_transition_time or claim.creation_timestamp or now
        tgp = isinstance(claim.raw.get("spec"), dict) and \
            claim.raw["spec"].get("terminationGracePeriod") is not None
        it_name = node.instance_type or ""
        cand = Candidate(
            node=node, claim=claim, pool=pool,
            instance_type=instance_types.get(pool.name, {}).get(it_name),
            price=prices.get(node.name), pods=pods, reschedulable=facts.reschedulable,
            disruption_cost=disruption_cost(pods, pool, claim, now),
            consolidatable=ca_block is None, consolidate_after_block=ca_block,
            pod_blocks=facts.blocks, drifted_since=drifted_since,
            ignores_pod_blocks_for_drift=tgp, moving=facts.moving,
            reschedule_cost=facts.reschedule_cost, empty=facts.empty)
        out.append(NodeStatus(node, claim, pool, cand, (), reference, rule, at))
    return out
