"""Which pods ``explain`` looks at: ``pod/NAME``, ``deployment/NAME``…, ``-l``, ``-n``/``-A``.

Pure: picks pods out of a snapshot. A workload with no pods yet is reported back so the
edge can expand its template (from the snapshot's documents or the live API).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_karp.core.diagnosis.text import workload
from kubectl_karp.errors import InputError, UsageError
from kubectl_karp.model.objects import LabelSelector, Pod
from kubectl_karp.model.selectors import selector_matches
from kubectl_karp.model.snapshot import ClusterSnapshot

KINDS: Mapping[str, str] = {
    "pod": "Pod", "pods": "Pod", "po": "Pod",
    "deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
    "statefulset": "StatefulSet", "statefulsets": "StatefulSet", "sts": "StatefulSet",
    "replicaset": "ReplicaSet", "replicasets": "ReplicaSet", "rs": "ReplicaSet",
    "job": "Job", "jobs": "Job", "cronjob": "CronJob", "cronjobs": "CronJob", "cj": "CronJob",
}


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # Pod, Deployment, StatefulSet, ReplicaSet, Job, CronJob
    name: str

    def __str__(self) -> str:
        return f"{self.kind.lower()}/{self.name}"


def parse_target(text: str) -> Target:
    kind, slash, name = text.partition("/")
    if not slash:
        # kubectl's `explain NAME` would be ambiguous; a bare name is a pod.
        kind, name = "pod", text
    canonical = KINDS.get(kind.lower())
    if canonical is None or not name:
        raise UsageError(f"cannot explain {text!r}: expected TYPE/NAME with TYPE one of pod, "
                         "deployment, statefulset, replicaset, job, cronjob")
    return Target(canonical, name)


def _owned_by(pod: Pod, target: Target) -> bool:
    ref = pod.controller
    if ref is None:
        return False
    if target.kind == "Deployment":
        # Through pod-template-hash, else the ReplicaSet name minus its hash segment.
        return ref.kind == "ReplicaSet" and workload(pod) == f"deployment/{target.name}"
    if target.kind == "CronJob":
        # Jobs of a CronJob are named <cronjob>-<scheduled time in minutes>.
        head, _, tail = ref.name.rpartition("-")
        return ref.kind == "Job" and head == target.name and tail.isdigit()
    return ref.kind == target.kind and ref.name == target.name


def _in_scope(pod: Pod, namespace: str | None) -> bool:
    return namespace is None or pod.namespace == namespace


@dataclass(frozen=True, slots=True)
class Selection:
    pods: tuple[Pod, ...]
    # Workloads named on the command line that have no pods: (namespace or None, target).
    empty: tuple[tuple[str | None, Target], ...] = ()


def select_pods(snapshot: ClusterSnapshot, candidates: Sequence[Pod],
                targets: Iterable[Target], *, namespace: str | None,
                selector: LabelSelector | None) -> Selection:
    """``candidates`` narrowed to the named targets (all when none), namespace and selector.

    A pod named without ``-n`` is looked up in every namespace; two matches are a usage error.
    """
    targets = list(targets)

    def keep(pod: Pod) -> bool:
        return _in_scope(pod, namespace) and (selector is None
                                              or selector_matches(selector, pod.labels))

    if not targets:
        return Selection(tuple(p for p in candidates if keep(p)))
    chosen: dict[str, Pod] = {}
    empty: list[tuple[str | None, Target]] = []
    every = {p.key: p for p in (*snapshot.pods, *candidates)}
    for target in targets:
        if target.kind == "Pod":
            found = [p for p in every.values() if p.name == target.name and keep(p)]
            namespaces = sorted({p.namespace for p in found})
            if len(namespaces) > 1:
                raise UsageError(f"pod {target.name} exists in namespaces "
                                 f"{', '.join(namespaces)}: choose one with -n")
            if not found:
                where = f" in namespace {namespace}" if namespace else ""
                raise InputError(f"pod {target.name} not found{where}")
        else:
            found = [p for p in every.values() if _owned_by(p, target) and keep(p)]
            if not found:
                empty.append((namespace, target))
        for pod in found:
            chosen.setdefault(pod.key, pod)
    return Selection(tuple(chosen.values()), tuple(empty))


def find_workload_document(documents: Iterable[Mapping[str, Any]], target: Target,
                           namespace: str | None) -> Mapping[str, Any] | None:
    """The workload's own document among ``documents`` (already flattened), if there."""
    found = []
    for doc in documents:
        meta = doc.get("metadata")
        if doc.get("kind") != target.kind or not isinstance(meta, Mapping):
            continue
        if meta.get("name") != target.name:
            continue
        if namespace is not None and (meta.get("namespace") or "default") != namespace:
            continue
        found.append(doc)
    if len(found) > 1:
        spaces = sorted(str((d.get("metadata") or {}).get("namespace") or "default")
                        for d in found)
        raise UsageError(f"{target} exists in namespaces {', '.join(spaces)}: choose one with -n")
    return found[0] if found else None
