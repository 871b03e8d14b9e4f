"""DaemonSets, PodDisruptionBudgets, CapacityBuffers, and hypothetical workloads expanded
into the pods their controllers would create."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import (
    CapacityBuffer,
    DaemonSet,
    Pod,
    PodDisruptionBudget,
)
from kubectl_karp.model.parse.fields import (
    _DIGITS_RE,
    _int,
    _map,
    _name,
    _str,
    _with_raw,
)
from kubectl_karp.model.parse.pods import (
    parse_pod,
    parse_pod_spec,
)
from kubectl_karp.model.parse.terms import (
    parse_label_selector,
)

WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "Job", "CronJob",
                  "ReplicationController")


def parse_daemon_set(doc: Mapping[str, Any], where: str) -> DaemonSet:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    template = _map(spec.get("template"), f"{where}.spec.template")
    namespace = _name(meta.get("namespace"), where, "default") or "default"
    name = _name(meta.get("name"), f"{where}.metadata.name")
    tmeta = dict(_map(template.get("metadata"), f"{where}.spec.template.metadata"))
    tmeta.setdefault("name", name)
    tmeta.setdefault("namespace", namespace)
    tmeta["ownerReferences"] = [{"kind": "DaemonSet", "name": name, "controller": True,
                                 "apiVersion": "apps/v1", "uid": meta.get("uid", "")}]
    pod = parse_pod_spec(tmeta, _map(template.get("spec"), f"{where}.spec.template.spec"),
                         f"{where}.spec.template", namespace=namespace)
    return _with_raw(DaemonSet(namespace, name, pod), doc)


def _int_or_percent(value: Any, where: str) -> str | None:
    if value is None:
        return None
    text = _str(value, where)
    body = text[:-1] if text.endswith("%") else text
    if not _DIGITS_RE.fullmatch(body):
        raise InputError(f"{text!r} must be a whole number or a percentage", where=where)
    return text


def parse_pdb(doc: Mapping[str, Any], where: str) -> PodDisruptionBudget:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    status = _map(doc.get("status"), f"{where}.status")
    pdb = PodDisruptionBudget(
        namespace=_name(meta.get("namespace"), where, "default") or "default",
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        selector=parse_label_selector(spec.get("selector"), f"{where}.spec.selector"),
        min_available=_int_or_percent(spec.get("minAvailable"), f"{where}.spec.minAvailable"),
        max_unavailable=_int_or_percent(spec.get("maxUnavailable"),
                                        f"{where}.spec.maxUnavailable"),
        disruptions_allowed=_int(status.get("disruptionsAllowed"), f"{where}.status"),
        current_healthy=_int(status.get("currentHealthy"), f"{where}.status"),
        desired_healthy=_int(status.get("desiredHealthy"), f"{where}.status"),
        expected_pods=_int(status.get("expectedPods"), f"{where}.status"),
        unhealthy_pod_eviction_policy=_str(spec.get("unhealthyPodEvictionPolicy"),
                                           f"{where}.spec.unhealthyPodEvictionPolicy") or None,
    )
    return _with_raw(pdb, doc)


def parse_capacity_buffer(doc: Mapping[str, Any], where: str) -> CapacityBuffer:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    status = _map(doc.get("status"), f"{where}.status")
    replicas = _int(status.get("replicas"), f"{where}.status.replicas")
    if replicas is None:
        replicas = _int(spec.get("replicas"), f"{where}.spec.replicas")
    ref = _map(status.get("podTemplateRef") or spec.get("podTemplateRef"),
               f"{where}.podTemplateRef")
    return _with_raw(CapacityBuffer(
        namespace=_str(meta.get("namespace"), where, "default") or "default",
        name=_str(meta.get("name"), f"{where}.metadata.name"), replicas=replicas,
        pod_template=_str(ref.get("name"), f"{where}.podTemplateRef.name")), doc)


def workload_pods(doc: Mapping[str, Any], where: str, *, replicas: int | None = None
                  ) -> list[Pod]:
    """Expand a hypothetical workload into the pods its controller would create.

    Pods are named like their controllers name them (``<name>-<n>``), carry an owner
    reference to the workload, and have deterministic UIDs so results are reproducible.
    """
    kind = doc.get("kind")
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    name = _name(meta.get("name"), f"{where}.metadata.name")
    namespace = _name(meta.get("namespace"), where, "default") or "default"
    spec = _map(doc.get("spec"), f"{where}.spec")
    if kind == "Pod":
        return [parse_pod(doc, where)]
    if kind == "CronJob":
        job_template = _map(spec.get("jobTemplate"), f"{where}.spec.jobTemplate")
        spec = _map(job_template.get("spec"), f"{where}.spec.jobTemplate.spec")
        count = _int(spec.get("parallelism"), f"{where}.spec.jobTemplate.spec.parallelism", 1)
    elif kind == "Job":
        count = _int(spec.get("parallelism"), f"{where}.spec.parallelism", 1)
        completions = _int(spec.get("completions"), f"{where}.spec.completions")
        if completions is not None and count is not None:
            count = min(count, completions)
    elif kind in ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"):
        count = _int(spec.get("replicas"), f"{where}.spec.replicas", 1)
    else:
        raise InputError(f"cannot expand kind {kind!r} into pods (expected Pod, Deployment, "
                         "ReplicaSet, StatefulSet, Job or CronJob)", where=where)
    if replicas is not None:
        count = replicas
    if count is None or count < 0:
        raise InputError("replicas must not be negative", where=f"{where}.spec.replicas")
    if count > 100_000:
        raise InputError(f"{count} replicas is more than kubectl-karp simulates (100000)",
                         where=f"{where}.spec.replicas")
    template = _map(spec.get("template"), f"{where}.spec.template")
    tmeta = dict(_map(template.get("metadata"), f"{where}.spec.template.metadata"))
    tspec = _map(template.get("spec"), f"{where}.spec.template.spec")
    owner = {"kind": kind, "name": name, "controller": True, "uid": f"{kind}-{namespace}-{name}"}
    pods = []
    base = parse_pod_spec({**tmeta, "name": f"{name}-0", "namespace": namespace,
                           "ownerReferences": [owner]}, tspec, f"{where}.spec.template")
    raw_template: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {**tmeta, "namespace": namespace},
                                    "spec": tspec}
    for i in range(count):
        pod_name = f"{name}-{i}"
        pod = Pod(**{**_fields(base), "name": pod_name, "uid": f"{namespace}/{pod_name}",
                     "raw": {**raw_template,
                             "metadata": {**raw_template["metadata"], "name": pod_name}}})
        pods.append(pod)
    return pods


def _fields(pod: Pod) -> dict[str, Any]:
    return {f: getattr(pod, f) for f in Pod.__dataclass_fields__}
