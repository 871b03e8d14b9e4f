"""Folding pods that would get the same explanation into one entry with a count.

Pods fold when they share a namespace and controller, ask for the same scheduling-relevant
spec, and the scheduler gave them the same kind of verdict; replicas of a Deployment that
all stay pending are one entry, not fifty.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from kubectl_karp.core.diagnosis.text import workload
from kubectl_karp.model.objects import Pod

# Pod labels that differ between replicas without changing where they can run.
_PER_REPLICA_LABELS = frozenset({
    "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
    "batch.kubernetes.io/job-completion-index", "controller-revision-hash",
})


def _frozen(value: Any) -> Hashable:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, Hashable):
        return value
    return repr(value)  # pragma: no cover - every model field is one of the above


def owner_of(pod: Pod) -> str | None:
    """``deployment/web`` for a Deployment's pod (not its ReplicaSet), None without owner."""
    return workload(pod) if pod.controller is not None else None


def spec_fingerprint(pod: Pod, extra: Hashable = None) -> Hashable:
    """Everything in ``pod`` that can change where it may run (``extra``: volume zones…)."""
    labels = {k: v for k, v in pod.labels.items() if k not in _PER_REPLICA_LABELS}
    return (
        pod.namespace, owner_of(pod) or pod.key, _frozen(labels), _frozen(pod.node_selector),
        pod.required_node_affinity, pod.preferred_node_affinity, pod.pod_affinity,
        pod.preferred_pod_affinity, pod.pod_anti_affinity, pod.preferred_pod_anti_affinity,
        pod.tolerations, pod.topology_spread, _frozen(pod.requests), pod.host_ports,
        pod.priority, pod.scheduler_name, extra,
    )


def fold(keys: Iterable[tuple[Pod, Hashable]]) -> list[list[Pod]]:
    """Pods grouped by key, groups in order of first appearance, pods in input order."""
    groups: dict[Hashable, list[Pod]] = {}
    for pod, key in keys:
        groups.setdefault(key, []).append(pod)
    return list(groups.values())
