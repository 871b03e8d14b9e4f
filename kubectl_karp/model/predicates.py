"""What Karpenter asks of a pod before moving it — one home for the pod predicates the
provisioner and the disruption controller share (upstream pkg/utils/pod, pkg/utils/pdb).

Pure and release-independent: the do-not-disrupt grace period (v1.12) is the caller's to
apply on top of ``Pod.do_not_disrupt``.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubectl_karp.model.objects import TAINT_DISRUPTED, Pod, PodDisruptionBudget, Taint
from kubectl_karp.model.selectors import selector_matches
from kubectl_karp.model.taints import tolerates

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


def tolerates_disrupted(pod: Pod) -> bool:
    return any(tolerates(t, _DISRUPTED) for t in pod.tolerations)


def is_evictable(pod: Pod) -> bool:
    """Pods Karpenter would call the eviction API for (the ones PDBs can stop)."""
    # upstream: utils/pod/scheduling.go IsEvictable
    return is_active(pod) and not tolerates_disrupted(pod) and not is_mirror(pod) \
        and not pod.do_not_disrupt


def pdb_matches(pdb: PodDisruptionBudget, pod: Pod) -> bool:
    # A PDB without a selector selects nothing in policy/v1.
    return (pdb.namespace == pod.namespace and pdb.selector is not None
            and selector_matches(pdb.selector, pod.labels))


def fully_blocking(pdb: PodDisruptionBudget) -> bool:
    """A PDB that never allows an eviction, whatever the pods' health: maxUnavailable 0 or
    0%, or minAvailable 100% (utils/pdb newPdb isFullyBlocking)."""
    return pdb.max_unavailable in ("0", "0%") or pdb.min_available == "100%"


def _unready(pod: Pod) -> bool:
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
        if pdb.unhealthy_pod_eviction_policy == "AlwaysAllow" and _unready(pod):
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
    if is_active(pod) and pod.do_not_disrupt:
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
