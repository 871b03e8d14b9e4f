"""Small wording helpers shared by the diagnoses: quantities, lists, objects, snippets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from kubectl_karp.model.objects import NodeSelectorRequirement, Pod, Taint
from kubectl_karp.model.quantity import format_quantity

_MEMORY_LIKE = ("memory", "ephemeral-storage", "storage")
_TEMPLATE_HASH = re.compile(r"[bcdfghjklmnpqrstvwxz2456789]{6,10}")


def amount(resource: str, milli: int) -> str:
    """A quantity as people read it: ``7.8`` CPU, ``15.5Gi`` memory, ``110`` pods."""
    if resource == "cpu":
        text = f"{milli / 1000:.2f}".rstrip("0").rstrip(".")
        return text or "0"
    if resource in _MEMORY_LIKE or resource.startswith("hugepages-"):
        gib = milli / 1000 / 2**30
        if gib >= 1:
            return f"{gib:.1f}".rstrip("0").rstrip(".") + "Gi"
        return f"{milli / 1000 / 2**20:.0f}Mi"
    return format_quantity(resource, milli)


def resource_name(resource: str) -> str:
    return "CPU" if resource == "cpu" else resource


def join(items: Iterable[str], *, limit: int = 6, conjunction: str = "and") -> str:
    """``a, b and c``; long lists end in ``… (+N more)``."""
    values = list(items)
    if not values:
        return ""
    if len(values) > limit:
        return ", ".join(values[:limit]) + f" … (+{len(values) - limit} more)"
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + f" {conjunction} " + values[-1]


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def workload(pod: Pod) -> str:
    """The object a person edits to change this pod: its controller, else the pod."""
    ref = pod.controller
    if ref is None:
        return f"pod/{pod.name}"
    if ref.kind == "ReplicaSet":
        # A Deployment's ReplicaSet is named <deployment>-<pod-template-hash>; the hash uses
        # Kubernetes' "safe" alphabet, which lets us recognise it when the label is missing.
        suffix = pod.labels.get("pod-template-hash")
        if suffix and ref.name.endswith("-" + suffix):
            return f"deployment/{ref.name[: -len(suffix) - 1]}"
        head, _, tail = ref.name.rpartition("-")
        if head and _TEMPLATE_HASH.fullmatch(tail):
            return f"deployment/{head}"
    return f"{ref.kind.lower()}/{ref.name}"


def pod_spec_path(pod: Pod) -> str:
    """Where the pod spec lives in the object ``workload`` names."""
    ref = pod.controller
    if ref is None:
        return "spec"
    if ref.kind == "CronJob":
        return "spec.jobTemplate.spec.template.spec"
    return "spec.template.spec"


def pod_field(pod: Pod, name: str) -> str:
    """``spec.template.spec.nodeSelector of deployment/web``: where a person edits ``name``."""
    return f"{pod_spec_path(pod)}.{name} of {workload(pod)}"


def toleration_for(taint: Taint) -> str:
    if taint.value:
        return (f"{{key: {taint.key}, operator: Equal, value: {taint.value}, "
                f"effect: {taint.effect}}}")
    return f"{{key: {taint.key}, operator: Exists, effect: {taint.effect}}}"


def requirement_text(req: NodeSelectorRequirement) -> str:
    if req.operator in ("In", "NotIn"):
        return f"{req.key} {req.operator} [{', '.join(req.values)}]"
    if req.operator in ("Exists", "DoesNotExist"):
        return f"{req.key} {req.operator}"
    return f"{req.key} {req.operator} {req.values[0] if req.values else ''}".rstrip()


def labels_text(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def resources_text(resources: Mapping[str, int]) -> str:
    return ", ".join(f"{resource_name(k)} {amount(k, v)}" for k, v in sorted(resources.items())
                     if k != "pods")
