"""DaemonSet overhead: which DaemonSets would run a pod on a node, and what they request.

A new NodeClaim reserves room for every DaemonSet whose pod tolerates the NodePool's taints
(PreferNoSchedule is ignored for daemons) and whose required node affinity — any term — is
compatible with the NodePool's requirements. An existing node expects the DaemonSets its
labels and taints admit; the pods already there are subtracted (never below zero).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kubectl_karp.model.objects import DaemonSet, Pod, Taint
from kubectl_karp.model.requirements import Requirements, pod_requirements
from kubectl_karp.model.resources import add
from kubectl_karp.model.taints import tolerates_all, with_prefer_no_schedule


def daemon_fits(ds: DaemonSet, taints: Sequence[Taint], requirements: Requirements,
                allow_undefined: frozenset[str], *, ignore_prefer_no_schedule: bool = True
                ) -> bool:
    template: Pod = ds.template
    tolerations = template.tolerations
    if ignore_prefer_no_schedule:
        tolerations = with_prefer_no_schedule(tolerations)
    if not tolerates_all(taints, tolerations):
        return False
    return any(requirements.compatible(alt, allow_undefined) is None
               for alt in pod_requirements(template))


def overhead(daemonsets: Iterable[DaemonSet], taints: Sequence[Taint],
             requirements: Requirements, allow_undefined: frozenset[str],
             *, ignore_prefer_no_schedule: bool = True) -> tuple[dict[str, int], list[DaemonSet]]:
    chosen = [ds for ds in daemonsets
              if daemon_fits(ds, taints, requirements, allow_undefined,
                             ignore_prefer_no_schedule=ignore_prefer_no_schedule)]
    return add(*(ds.template.requests for ds in chosen)), chosen


def remaining_overhead(expected: dict[str, int], present: Iterable[Pod]) -> dict[str, int]:
    """What the expected DaemonSets still need on a node where ``present`` already run."""
    out = dict(expected)
    for pod in present:
        for name, milli in pod.requests.items():
            if name in out:
                out[name] = max(0, out[name] - milli)
    return {k: v for k, v in out.items() if v > 0}
