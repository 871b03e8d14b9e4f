"""PodDisruptionBudgets as Karpenter reads them before evicting.

A pod blocks eviction when it matches more than one PDB (the eviction API refuses that) or
when its PDB allows zero disruptions — except a pod whose Ready condition is False under a
PDB with ``unhealthyPodEvictionPolicy: AlwaysAllow``, which the eviction API always lets go
(upstream: utils/pdb/pdb.go isEvictable). A PDB is *fully blocking* when it can never allow
an eviction (``maxUnavailable: 0`` / ``0%``, ``minAvailable: 100%``): the pods it covers are
not moved in a disruption simulation (IsCurrentlyReschedulable).
``status.disruptionsAllowed`` is used when the disruption controller reported it;
otherwise (saved files) it is computed from the spec and the pods in the snapshot, as the
controller would.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kubectl_karp.model.objects import Pod, PodDisruptionBudget
from kubectl_karp.model.predicates import fully_blocking, is_healthy, is_unready, pdb_matches


def _scaled(value: str, total: int) -> int:
    if value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


matches = pdb_matches  # the one selector test (model/predicates.py)


def computed_disruptions_allowed(pdb: PodDisruptionBudget, pods: Iterable[Pod]) -> int:
    selected = [p for p in pods if p.is_bound and not p.is_terminal and matches(pdb, p)]
    expected = len(selected)
    healthy = sum(1 for p in selected if is_healthy(p))
    if pdb.max_unavailable is not None:
        desired = expected - _scaled(pdb.max_unavailable, expected)
    elif pdb.min_available is not None:
        desired = _scaled(pdb.min_available, expected)
    else:
        desired = expected  # no rule at all: Kubernetes allows no voluntary disruption
    return max(0, healthy - max(0, desired))


ALWAYS_ALLOW = "AlwaysAllow"


@dataclass(frozen=True, slots=True)
class PdbLimit:
    pdb: PodDisruptionBudget
    disruptions_allowed: int


class PdbIndex:
    """The PDBs of a snapshot with their allowed disruptions, looked up per pod."""

    def __init__(self, pdbs: Sequence[PodDisruptionBudget], pods: Sequence[Pod]) -> None:
        by_ns: dict[str, list[PdbLimit]] = {}
        pods_by_ns: dict[str, list[Pod]] = {}
        for pod in pods:
            pods_by_ns.setdefault(pod.namespace, []).append(pod)
        for pdb in pdbs:
            allowed = pdb.disruptions_allowed
            if allowed is None:
                allowed = computed_disruptions_allowed(pdb, pods_by_ns.get(pdb.namespace, ()))
            by_ns.setdefault(pdb.namespace, []).append(PdbLimit(pdb, allowed))
        self._by_ns = by_ns

    def any_in(self, namespace: str) -> bool:
        return namespace in self._by_ns

    def matching(self, pod: Pod) -> list[PdbLimit]:
        return [lim for lim in self._by_ns.get(pod.namespace, ()) if matches(lim.pdb, pod)]

    def blocking(self, pod: Pod, *, fully: bool = False) -> tuple[list[PdbLimit], str] | None:
        """The PDB(s) that stop ``pod`` from being evicted now, with why; None when evictable.

        ``fully``: only PDBs that can never allow an eviction count (the check the
        disruption simulation uses to decide which pods to move). The caller has already
        checked that Karpenter would evict the pod at all."""
        found = self.matching(pod)
        if len(found) > 1:
            return found, "the pod matches several PodDisruptionBudgets, which the eviction " \
                "API refuses"
        if not found:
            return None
        limit = found[0]
        if limit.pdb.unhealthy_pod_eviction_policy == ALWAYS_ALLOW and is_unready(pod):
            return None
        if fully:
            if fully_blocking(limit.pdb):
                return found, "it can never allow an eviction"
            return None
        if limit.disruptions_allowed == 0:
            return found, "it allows 0 disruptions now"
        return None
