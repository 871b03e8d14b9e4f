"""DaemonSet overhead: which DaemonSets would run a pod on a node, and what they request.

The pod Karpenter models for a DaemonSet is its newest pod when one exists, else one built
from its template (:func:`daemon_pods`). A new NodeClaim reserves room for every DaemonSet
whose pod tolerates the NodePool's taints (PreferNoSchedule is ignored for daemons) and whose
required node affinity — any term — is compatible with the NodePool's requirements; from
Karpenter v1.14 also with the instance type's own requirements, so the overhead and the
host ports are decided per instance type (:func:`daemons_for`). An existing node expects the
DaemonSets its labels and taints admit; the pods already there are subtracted (never below
zero).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import DaemonSet, Pod, Taint
from kubectl_karp.model.requirements import Requirements, pod_requirements
from kubectl_karp.model.resources import add
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.model.taints import tolerates_all, with_prefer_no_schedule


def _controlled_by(pod: Pod, ds: DaemonSet) -> bool:
    ref = pod.controller
    if ref is None or ref.kind != "DaemonSet" or ref.name != ds.name \
            or pod.namespace != ds.namespace:
        return False
    uid = ds.raw.get("metadata", {}).get("uid", "") if isinstance(ds.raw, dict) else ""
    return not (uid and ref.uid and uid != ref.uid)


def daemon_pods(snapshot: ClusterSnapshot, extra: Sequence[DaemonSet] = ()
                ) -> tuple[DaemonSet, ...]:
    """Each DaemonSet with the pod Karpenter models for it as its ``template``.

    upstream: provisioning/provisioner.go getDaemonSetPods (v1.8-v1.14 alike) — the newest
    pod the DaemonSet controls (state/cluster.go UpdateDaemonSet keeps the one created last),
    whose requests, tolerations and node selector are what the DaemonSet controller really
    made (an admission webhook may have changed them); its required node affinity is put back
    to the template's when the template has one (the controller pins each pod to its node).
    Without a pod, the template itself. ``extra`` (DaemonSets read from files) are new: their
    templates are used as written."""
    chosen: dict[tuple[str, str], Pod] = {}
    if snapshot.daemon_sets:
        wanted = {(ds.namespace, ds.name): ds for ds in snapshot.daemon_sets}
        for pod in snapshot.pods:
            ref = pod.controller
            if ref is None or ref.kind != "DaemonSet":
                continue
            ds = wanted.get((pod.namespace, ref.name))
            if ds is None or not _controlled_by(pod, ds):
                continue
            seen = chosen.get((ds.namespace, ds.name))
            if seen is None or _newer(pod, seen):
                chosen[(ds.namespace, ds.name)] = pod
    out: list[DaemonSet] = []
    for ds in snapshot.daemon_sets:
        newest = chosen.get((ds.namespace, ds.name))
        if newest is None:
            out.append(ds)
            continue
        if ds.template.required_node_affinity:
            newest = replace(newest, required_node_affinity=ds.template.required_node_affinity)
        out.append(replace(ds, template=newest))
    return (*out, *extra)


def _newer(pod: Pod, than: Pod) -> bool:
    # CreationTimestamp.After: strictly later; a pod without a timestamp is never newer.
    if pod.creation_timestamp is None:
        return False
    return than.creation_timestamp is None or pod.creation_timestamp > than.creation_timestamp


def daemon_fits(ds: DaemonSet, taints: Sequence[Taint], requirements: Requirements,
                allow_undefined: frozenset[str], *, ignore_prefer_no_schedule: bool = True,
                type_requirements: Requirements | None = None) -> bool:
    """upstream: scheduling/scheduler.go isDaemonPodCompatible. With ``type_requirements``
    (v1.14, rule DAEMONSET_PER_INSTANCE_TYPE) the same required-affinity term must also
    intersect the instance type's requirements (keys the type does not define are ignored)."""
    template: Pod = ds.template
    tolerations = template.tolerations
    if ignore_prefer_no_schedule:
        tolerations = with_prefer_no_schedule(tolerations)
    if not tolerates_all(taints, tolerations):
        return False
    return any(requirements.compatible(alt, allow_undefined) is None
               and (type_requirements is None or type_requirements.intersects(alt) is None)
               for alt in pod_requirements(template))


def daemons_for(daemonsets: Iterable[DaemonSet], taints: Sequence[Taint],
                requirements: Requirements, allow_undefined: frozenset[str],
                type_requirements: Requirements | None = None) -> tuple[DaemonSet, ...]:
    """The DaemonSets a new node of this template (of this instance type, from v1.14) runs."""
    return tuple(ds for ds in daemonsets
                 if daemon_fits(ds, taints, requirements, allow_undefined,
                                type_requirements=type_requirements))


def requests_of(daemonsets: Iterable[DaemonSet]) -> dict[str, int]:
    return add(*(ds.template.requests for ds in daemonsets))


def overheads_by_type(daemonsets: Sequence[DaemonSet], taints: Sequence[Taint],
                      requirements: Requirements, allow_undefined: frozenset[str],
                      types: Sequence[InstanceType], *, per_type: bool
                      ) -> dict[str, dict[str, int]]:
    """The DaemonSet requests a new node of each type would carry: one answer for every type
    before v1.14, the type's own from v1.14 (``per_type``: rule DAEMONSET_PER_INSTANCE_TYPE)."""
    if not per_type or not daemonsets:
        shared, _ = overhead(daemonsets, taints, requirements, allow_undefined)
        return {it.name: shared for it in types}
    return {it.name: requests_of(daemons_for(daemonsets, taints, requirements, allow_undefined,
                                             it.requirements()))
            for it in types}


def overhead(daemonsets: Iterable[DaemonSet], taints: Sequence[Taint],
             requirements: Requirements, allow_undefined: frozenset[str],
             *, ignore_prefer_no_schedule: bool = True) -> tuple[dict[str, int], list[DaemonSet]]:
    chosen = [ds for ds in daemonsets
              if daemon_fits(ds, taints, requirements, allow_undefined,
                             ignore_prefer_no_schedule=ignore_prefer_no_schedule)]
    return requests_of(chosen), chosen


def remaining_overhead(expected: dict[str, int], present: Iterable[Pod]) -> dict[str, int]:
    """What the expected DaemonSets still need on a node where ``present`` already run."""
    out = dict(expected)
    for pod in present:
        for name, milli in pod.requests.items():
            if name in out:
                out[name] = max(0, out[name] - milli)
    return {k: v for k, v in out.items() if v > 0}
