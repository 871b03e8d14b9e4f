"""The questions about single objects that simulate, explain and consolidate must answer alike
— one home for each, so the scheduler, the explainer and the disruption planner never drift
apart.

Pods (upstream pkg/utils/pod, pkg/utils/pdb): what Karpenter asks of a pod before moving it —
mirror, active, reschedulable, evictable, currently reschedulable under PDBs, DRA.
NodePools and nodes: in which order NodePools are tried, whether a node counts as
initialized, and which of its taints count while it is not.

Pure: the release-dependent parts take a flag the caller reads from ``ctx.rules`` (the
do-not-disrupt grace period of v1.12 is applied by the caller too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from functools import cmp_to_key
from typing import TYPE_CHECKING

from kubectl_karp.model.objects import (
    ANNOTATION_DO_NOT_DISRUPT,
    LABEL_INITIALIZED,
    LABEL_NODEPOOL,
    LABEL_REGISTERED,
    TAINT_DISRUPTED,
    Node,
    NodeClaim,
    NodePool,
    Pod,
    PodDisruptionBudget,
    Taint,
)
from kubectl_karp.model.selectors import selector_matches
from kubectl_karp.model.taints import (
    KNOWN_EPHEMERAL_TAINT_PREFIXES,
    KNOWN_EPHEMERAL_TAINTS,
    TAINT_UNREGISTERED,
    tolerates,
)

if TYPE_CHECKING:
    from kubectl_karp.model.snapshot import ClusterSnapshot

_DISRUPTED = Taint(key=TAINT_DISRUPTED, effect="NoSchedule")


def is_mirror(pod: Pod) -> bool:
    """A static pod's API mirror (owned by its Node): it cannot be moved or provisioned for."""
    ref = pod.controller
    return ref is not None and ref.kind == "Node"


def is_active(pod: Pod) -> bool:
    return not pod.is_terminal and pod.deletion_timestamp is None


def is_reschedulable(pod: Pod) -> bool:
    """Pods Karpenter must find room for elsewhere: active (or a terminating StatefulSet pod,
    which must go before its replacement is created), not DaemonSet, not mirror pods."""
    # upstream: utils/pod/scheduling.go IsReschedulable
    ref = pod.controller
    statefulset_terminating = (ref is not None and ref.kind == "StatefulSet"
                               and pod.deletion_timestamp is not None and not pod.is_terminal)
    return ((is_active(pod) or statefulset_terminating)
            and not pod.is_daemonset_pod and not is_mirror(pod))


def _has_do_not_disrupt(pod: Pod) -> bool:
    # The provisioner's view (IsCurrentlyReschedulable / IsEvictable) at every release reads
    # the value "true"; duration values are the disruption controller's (PodRules below the
    # planner applies do_not_disrupt_active with the release's rule).
    return pod.annotations.get(ANNOTATION_DO_NOT_DISRUPT) == "true"


def tolerates_disrupted(pod: Pod) -> bool:
    return any(tolerates(t, _DISRUPTED) for t in pod.tolerations)


def is_evictable(pod: Pod) -> bool:
    """Pods Karpenter would call the eviction API for (the ones PDBs can stop)."""
    # upstream: utils/pod/scheduling.go IsEvictable
    return is_active(pod) and not tolerates_disrupted(pod) and not is_mirror(pod) \
        and not _has_do_not_disrupt(pod)


def pdb_matches(pdb: PodDisruptionBudget, pod: Pod) -> bool:
    # A PDB without a selector selects nothing in policy/v1.
    return (pdb.namespace == pod.namespace and pdb.selector is not None
            and selector_matches(pdb.selector, pod.labels))


def fully_blocking(pdb: PodDisruptionBudget) -> bool:
    """A PDB that never allows an eviction, whatever the pods' health: maxUnavailable 0 or
    0%, or minAvailable 100% (utils/pdb newPdb isFullyBlocking)."""
    return pdb.max_unavailable in ("0", "0%") or pdb.min_available == "100%"


def is_healthy(pod: Pod) -> bool:
    """Counted as healthy by a PodDisruptionBudget: its Ready condition, else Running
    (Kubernetes' disruption controller, countHealthyPods)."""
    for cond in pod.conditions:
        if cond.type == "Ready":
            return cond.is_true
    return pod.phase == "Running"


def is_unready(pod: Pod) -> bool:
    """An explicit Ready=False condition (not Unknown, not missing), as upstream looks for."""
    return any(c.type == "Ready" and c.status == "False" for c in pod.conditions)


def blocking_pdbs(pod: Pod, pdbs: Sequence[PodDisruptionBudget]
                  ) -> tuple[PodDisruptionBudget, ...]:
    """The PDBs that fully block evicting ``pod`` (several matching PDBs always do: the
    eviction API refuses them); empty when nothing blocks it."""
    # upstream: utils/pdb/pdb.go isFullyBlocked (isEvictable with fullyBlockingPDBs)
    if not is_evictable(pod):
        return ()  # Karpenter never evicts it, so no PDB stands in the way
    found = tuple(p for p in pdbs if pdb_matches(p, pod))
    if len(found) > 1:
        return found
    for pdb in found:
        if pdb.unhealthy_pod_eviction_policy == "AlwaysAllow" and is_unready(pod):
            return ()
        if fully_blocking(pdb):
            return (pdb,)
    return ()


def why_not_currently_reschedulable(pod: Pod, pdbs: Sequence[PodDisruptionBudget]
                                    ) -> str | None:
    """Why the provisioner would not move ``pod`` off a node being deleted now, or None when
    it would (IsCurrentlyReschedulable: reschedulable, not do-not-disrupt, no fully blocking
    PDB)."""
    # upstream: utils/pdb/pdb.go IsCurrentlyReschedulable
    if not is_reschedulable(pod):
        return "is not reschedulable (a DaemonSet, mirror or finished pod)"
    if is_active(pod) and _has_do_not_disrupt(pod):
        return "has karpenter.sh/do-not-disrupt"
    blocked = blocking_pdbs(pod, pdbs)
    if blocked:
        names = ", ".join(p.key for p in blocked)
        return f"cannot be evicted (PodDisruptionBudget {names} allows no eviction)"
    return None


def has_dra_requirements(pod: Pod) -> bool:
    """The pod asks for Dynamic Resource Allocation devices: pod-level resourceClaims or a
    container's resources.claims (utils/pod HasDRARequirements)."""
    spec = pod.raw.get("spec") if isinstance(pod.raw, dict) else None
    if not isinstance(spec, dict):
        return False
    if spec.get("resourceClaims"):
        return True
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or ():
            resources = container.get("resources") if isinstance(container, dict) else None
            if isinstance(resources, dict) and resources.get("claims"):
                return True
    return False


# ---------------------------------------------------------------- do-not-disrupt
# Go's time.ParseDuration: an optional sign, then one or more <number><unit>.
_GO_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNIT = {"ns": Fraction(1, 10**9), "us": Fraction(1, 10**6), "µs": Fraction(1, 10**6),
            "μs": Fraction(1, 10**6), "ms": Fraction(1, 1000), "s": Fraction(1),
            "m": Fraction(60), "h": Fraction(3600)}
_GO_MAX_NANOS = 2**63 - 1


def go_duration_seconds(text: str) -> Fraction | None:
    """``time.ParseDuration`` in seconds, or None where Go returns an error."""
    body = text[1:] if text[:1] in ("+", "-") else text
    sign = -1 if text[:1] == "-" else 1
    if body == "0":
        return Fraction(0)
    if not body:
        return None
    total = Fraction(0)
    pos = 0
    for match in _GO_PART.finditer(body):
        number = match[1]
        if match.start() != pos or number in ("", "."):
            return None
        total += Fraction(number if not number.endswith(".") else number[:-1] or "0") \
            * _GO_UNIT[match[2]]
        pos = match.end()
    if pos != len(body) or total * 10**9 > _GO_MAX_NANOS:
        return None  # Go: invalid, or overflows int64 nanoseconds
    return sign * total


def do_not_disrupt_active(pod: Pod, now: datetime, *, durations: bool) -> bool:
    """Whether ``karpenter.sh/do-not-disrupt`` protects the pod at ``now``.

    ``"true"`` always protects. With ``durations`` (Karpenter v1.12+, #2874) a positive Go
    duration (``"1h"``) protects the pod for that long after ``status.startTime`` — and
    indefinitely while the start time is unknown; any other value is ignored (upstream emits
    an event and treats the annotation as absent). Before v1.12 only ``"true"`` counts.
    upstream: pod.IsDoNotDisruptActive / pod.HasDoNotDisrupt
    """
    value = pod.annotations.get(ANNOTATION_DO_NOT_DISRUPT)
    if value is None:
        return False
    if value == "true":
        return True
    if not durations:
        return False
    seconds = go_duration_seconds(value)
    if seconds is None or seconds <= 0:
        return False
    if pod.start_time is None:
        return True
    return now - pod.start_time < timedelta(seconds=float(seconds))


def do_not_disrupt_until(pod: Pod, *, durations: bool) -> datetime | None:
    """When a duration-valued annotation stops protecting the pod (None when it is not a
    duration, or the start time is unknown)."""
    value = pod.annotations.get(ANNOTATION_DO_NOT_DISRUPT)
    if not durations or value is None or value == "true" or pod.start_time is None:
        return None
    seconds = go_duration_seconds(value)
    if seconds is None or seconds <= 0:
        return None
    return pod.start_time + timedelta(seconds=float(seconds))


# ---------------------------------------------------------------- NodePools and nodes

def _by_weight(a: NodePool, b: NodePool) -> int:
    if a.weight != b.weight:
        return -1 if a.weight > b.weight else 1
    # Equal weights: the name that sorts LAST goes first (upstream compares a.Name > b.Name).
    if a.name == b.name:
        return 0
    return -1 if a.name > b.name else 1


def order_by_weight(pools: Iterable[NodePool]) -> list[NodePool]:
    """NodePools in the order Karpenter tries them: weight descending, then name descending.

    upstream: utils/nodepool/nodepool.go OrderByWeight (the same at every release v1.8-v1.14).
    Names compare as Go strings do, byte by byte; Python's str order agrees for UTF-8 text.
    """
    return sorted(pools, key=cmp_to_key(_by_weight))


def is_managed(node: Node, claim: NodeClaim | None) -> bool:
    """Whether Karpenter owns the node. Upstream's StateNode.Managed is "has a NodeClaim";
    a snapshot may lack the NodeClaims, so the NodePool label stands in for one."""
    return claim is not None or LABEL_NODEPOOL in node.labels


def claim_deleting(claim: NodeClaim) -> bool:
    """upstream: state/statenode.go Deleted, for a NodeClaim — it is deleting, or its
    instance is terminating (condition InstanceTerminating)."""
    return claim.deletion_timestamp is not None or claim.has_condition("InstanceTerminating")


def node_deleting(node: Node, claim: NodeClaim | None) -> bool:
    """upstream: state/statenode.go MarkedForDeletion — disruption has taken the node (the
    karpenter.sh/disrupted:NoSchedule taint, set as the command starts, stands for the
    in-memory mark), or it is Deleted: its NodeClaim is deleting or terminating, or a Node
    without one is deleting. (A Node deleting under a live NodeClaim counts too: its
    NodeClaim is about to follow, and a snapshot may be read between the two.)"""
    if any(t.key == TAINT_DISRUPTED and t.effect == "NoSchedule" for t in node.taints):
        return True
    if claim is not None:
        return claim_deleting(claim) or node.deletion_timestamp is not None
    return node.deletion_timestamp is not None


def active_state_nodes(snapshot: ClusterSnapshot
                       ) -> tuple[list[tuple[Node, NodeClaim | None]], list[NodeClaim]]:
    """upstream: state/statenode.go StateNodes.Active, as provisioner.go Schedule hands them
    to its scheduler — the Nodes not marked for deletion (each with its NodeClaim), and the
    in-flight NodeClaims (no Node yet) not deleting. Both the places pods may go and what
    counts against NodePool limits come from here."""
    nodes: list[tuple[Node, NodeClaim | None]] = []
    claimed: set[str] = set()
    for node in snapshot.nodes:
        claim = snapshot.node_claim_for(node)
        if claim is not None:
            claimed.add(claim.name)  # a deleting Node's NodeClaim is not in flight either
        if not node_deleting(node, claim):
            nodes.append((node, claim))
    in_flight = [c for c in snapshot.node_claims
                 if c.name not in claimed and not claim_deleting(c)
                 and not (c.node_name and c.node_name in snapshot.node_by_name)]
    return nodes, in_flight


def node_initialized(node: Node, claim: NodeClaim | None) -> bool:
    """upstream: state/statenode.go Initialized — a managed node is initialized once it carries
    ``karpenter.sh/initialized=true``; a node Karpenter does not manage always is. Karpenter
    sets that label and its NodeClaim's Initialized condition together, so either one will
    do (hand-written snapshots often carry only one of them)."""
    if not is_managed(node, claim):
        return True
    return node.labels.get(LABEL_INITIALIZED) == "true" or (
        claim is not None and claim.has_condition("Initialized"))


def _matches(a: Taint, b: Taint) -> bool:
    # corev1.Taint.MatchTaint: taints are unique by key and effect; the value does not count.
    return a.key == b.key and a.effect == b.effect


def is_known_ephemeral_taint(taint: Taint, *, readiness_prefixes: bool) -> bool:
    """upstream: scheduling/taints.go IsKnownEphemeralTaint (KnownEphemeralTaints, and from
    v1.13 the ``readiness.k8s.io/`` key prefix: rule NODE_READINESS_TAINTS)."""
    if any(_matches(known, taint) for known in KNOWN_EPHEMERAL_TAINTS):
        return True
    return readiness_prefixes and taint.key.startswith(KNOWN_EPHEMERAL_TAINT_PREFIXES)


def effective_taints(node: Node, claim: NodeClaim | None, pool: NodePool | None, *,
                     readiness_prefixes: bool) -> tuple[Taint, ...]:
    """The taints that count when Karpenter places a pod on an existing node.

    upstream: state/statenode.go Taints — until a managed node is initialized, its known
    ephemeral taints and its NodeClaim's startup taints are ignored (they are expected to go).
    Without the NodeClaim in the snapshot, the NodePool's startup taints stand in for its.
    A node Karpenter has not registered yet (no ``karpenter.sh/registered=true``) is seen
    through its NodeClaim's taints; without the NodeClaim, the ``karpenter.sh/unregistered``
    taint the kubelet registers with (never on a NodeClaim) is dropped the same way.
    """
    if not is_managed(node, claim):
        return node.taints
    registered = node.labels.get(LABEL_REGISTERED) == "true"
    # Until Karpenter registers the node, its NodeClaim's taints stand for the node's.
    taints = claim.taints if claim is not None and not registered else node.taints
    if node_initialized(node, claim):
        return taints
    startup: Sequence[Taint] = claim.startup_taints if claim is not None else (
        pool.startup_taints if pool is not None else ())
    return tuple(t for t in taints
                 if not is_known_ephemeral_taint(t, readiness_prefixes=readiness_prefixes)
                 and not any(_matches(s, t) for s in startup)
                 and not (not registered and _matches(TAINT_UNREGISTERED, t)))
