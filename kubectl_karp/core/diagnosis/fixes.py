"""Fixes for the reasons only the scheduler sees (topology spread, pod (anti-)affinity),
written from the pod's own constraints so they name the real fields and values."""

from __future__ import annotations

from dataclasses import replace

from kubectl_karp.core import reasons as rc
from kubectl_karp.core.diagnosis.text import join, pod_field
from kubectl_karp.core.reasons import Reason
from kubectl_karp.model.objects import LabelSelector, Pod, PodAffinityTerm

_ZONE = "topology.kubernetes.io/zone"


def _selector(selector: LabelSelector | None) -> str:
    if selector is None:
        return "no pods"
    parts = [f"{k}={v}" for k, v in selector.match_labels]
    parts += [f"{e.key} {e.operator} [{', '.join(e.values)}]" if e.values
              else f"{e.key} {e.operator}" for e in selector.match_expressions]
    return ",".join(parts) or "every pod"


def _term(term: PodAffinityTerm) -> str:
    return f"pods {_selector(term.label_selector)} per {term.topology_key}"


def _spread_fix(pod: Pod, pool: str | None) -> str:
    hard = [c for c in pod.topology_spread if c.when_unsatisfiable == "DoNotSchedule"]
    if not hard:
        return ""
    where = pod_field(pod, "topologySpreadConstraints")
    keys = join(sorted({c.topology_key for c in hard}), conjunction="or")
    skews = join(sorted({f"maxSkew {c.max_skew} on {c.topology_key}" for c in hard}))
    more = ""
    if any(c.topology_key == _ZONE for c in hard) and pool:
        more = f", or allow more zones in NodePool {pool} and its node class"
    return (f"raise {skews} or set whenUnsatisfiable: ScheduleAnyway in {where} (domains by "
            f"{keys}){more}")


def _affinity_fix(pod: Pod) -> str:
    if not pod.pod_affinity:
        return ""
    terms = join(_term(t) for t in pod.pod_affinity)
    return (f"the pod must run next to {terms}: start those pods first, or move the term to "
            f"preferredDuringSchedulingIgnoredDuringExecution in "
            f"{pod_field(pod, 'affinity.podAffinity')}")


def _anti_affinity_fix(pod: Pod, pool: str | None) -> str:
    if not pod.pod_anti_affinity:
        return ("another pod's required anti-affinity excludes this one: relax that pod's "
                "podAntiAffinity or give the two different labels")
    terms = join(_term(t) for t in pod.pod_anti_affinity)
    room = f" (raise the limits of NodePool {pool})" if pool else ""
    return (f"at most one of {terms}: each needs its own domain{room}, or move the term to "
            f"preferredDuringSchedulingIgnoredDuringExecution in "
            f"{pod_field(pod, 'affinity.podAntiAffinity')}")


def with_fix(reason: Reason, pod: Pod) -> Reason:
    """``reason`` with a fix aimed at ``pod``'s spec when the scheduler gave none."""
    if reason.fix:
        return reason
    pool = reason.node_pool
    if reason.code == rc.TOPOLOGY_SPREAD:
        fix = _spread_fix(pod, pool)
    elif reason.code == rc.POD_AFFINITY:
        fix = _affinity_fix(pod)
    elif reason.code == rc.POD_ANTI_AFFINITY:
        fix = _anti_affinity_fix(pod, pool)
    elif reason.code == rc.HOST_PORT_CONFLICT and pod.host_ports:
        ports = join(sorted({f"{p.port}/{p.protocol}" for p in pod.host_ports}))
        fix = (f"hostPort {ports} is taken on every new node (a DaemonSet uses it): change or "
               f"drop it in {pod_field(pod, 'containers')} and reach the pod via a Service")
    else:
        return reason
    return replace(reason, fix=fix) if fix else reason


def disk_fix(node_class_kind: str, node_class_name: str, source: str, lower: str) -> str:
    """The fix for an ephemeral-storage request no node of the class can hold: name the disk
    the provider sizes the storage from (TKE: the system disk, or the data disk that holds
    /var/lib/kubelet). ``lower`` is the alternative (lowering the request)."""
    return (f"{node_class_kind} {node_class_name} sizes each node's ephemeral storage from "
            f"{source}: make that disk larger, or {lower}")
