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
from kubectl_karp.core.disruption.costs import disruption_cost
from kubectl_karp.core.disruption.pdbs import PdbIndex
from kubectl_karp.core.reasons import Reason
from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.durations import format_duration
from kubectl_karp.model.objects import (
    ANNOTATION_DO_NOT_DISRUPT,
    LABEL_INITIALIZED,
    TAINT_DISRUPTED,
    Node,
    NodeClaim,
    NodePool,
    Pod,
)
from kubectl_karp.model.parse import parse_time
from kubectl_karp.model.predicates import is_active, is_evictable, is_reschedulable


def node_initialized(node: Node, claim: NodeClaim | None) -> bool:
    if claim is not None and claim.has_condition("Initialized"):
        return True
    return node.labels.get(LABEL_INITIALIZED) == "true"


def node_disrupting(node: Node, claim: NodeClaim | None) -> str | None:
    """Why the node already counts as disrupting (deleting or tainted by Karpenter), if it does."""
    if node.deletion_timestamp is not None:
        return f"node {node.name} is being deleted"
    if claim is not None and claim.deletion_timestamp is not None:
        return f"its NodeClaim {claim.name} is being deleted"
    if any(t.key == TAINT_DISRUPTED for t in node.taints):
        return f"node {node.name} carries the {TAINT_DISRUPTED} taint (Karpenter is draining it)"
    if claim is not None and claim.has_condition("DisruptionReason"):
        cond = claim.condition("DisruptionReason")
        why = cond.reason if cond is not None else ""
        return f"NodeClaim {claim.name} is already being disrupted" + (f" ({why})" if why else "")
    return None


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
    reschedulable: tuple[Pod, ...]
    disruption_cost: float
    consolidatable: bool  # consolidateAfter set and elapsed
    consolidate_after_block: Reason | None  # why not consolidatable
    pod_blocks: tuple[Reason, ...]  # do-not-disrupt pods, PDBs
    drifted_since: datetime | None  # None: not drifted
    ignores_pod_blocks_for_drift: bool  # NodeClaim has terminationGracePeriod

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_empty(self) -> bool:
        return not self.reschedulable

    @property
    def capacity_type(self) -> str | None:
        return self.node.capacity_type


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


def _pod_blocks(node: Node, pods: Sequence[Pod], pdbs: PdbIndex) -> list[Reason]:
    out: list[Reason] = []
    for pod in pods:
        if is_active(pod) and pod.do_not_disrupt:
            out.append(Reason(
                code=R.DO_NOT_DISRUPT, node=node.name,
                message=f"pod {pod.key} has {ANNOTATION_DO_NOT_DISRUPT}: \"true\"",
                detail="Karpenter never evicts a pod with this annotation, so it leaves the "
                       "whole node alone.",
                fix=f"remove the annotation from pod {pod.key} (or its workload template) when "
                    "it may be moved"))
    seen: set[str] = set()
    for pod in pods:
        if not is_evictable(pod):
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
                 *, fresh_pod_events: frozenset[str] = frozenset(),
                 pod_blocks_cache: dict[str, tuple[Reason, ...]] | None = None
                 ) -> list[NodeStatus]:
    """Candidate selection for every node. ``fresh_pod_events``: nodes that receive pods in
    the plan so far (their consolidateAfter restarts at ``now``). ``pod_blocks_cache``: the
    pod-level blockers per node, kept between rounds (pods do not change within a plan)."""
    cache = pod_blocks_cache if pod_blocks_cache is not None else {}
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
        resched = tuple(p for p in pods if is_reschedulable(p))
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
            price=prices.get(node.name), pods=pods, reschedulable=resched,
            disruption_cost=disruption_cost(pods, pool, claim, now),
            consolidatable=ca_block is None, consolidate_after_block=ca_block,
            pod_blocks=cache.setdefault(node.name, tuple(_pod_blocks(node, pods, pdbs)))
            if node.name not in cache else cache[node.name],
            drifted_since=drifted_since, ignores_pod_blocks_for_drift=tgp)
        out.append(NodeStatus(node, claim, pool, cand, (), reference, rule, at))
    return out
