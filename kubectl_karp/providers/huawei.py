"""Huawei Cloud CCE: CCENodeClass and the karpenter.k8s.huawei labels (file catalogues)."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_karp.model.resources import Resources
from kubectl_karp.providers.aws import reserved_allocatable
from kubectl_karp.providers.base import BaseProvider

GROUP = "karpenter.k8s.huawei"
KIND = "CCENodeClass"
LABEL_FAMILY = f"{GROUP}/instance-family"
LABEL_CPU = f"{GROUP}/instance-cpu"
LABEL_MEMORY = f"{GROUP}/instance-memory-gb"


@dataclass(frozen=True)
class HuaweiProvider(BaseProvider):
    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        return reserved_allocatable(capacity, max_pods=max_pods)


PROVIDER = HuaweiProvider(
    name="huawei", title="CCE", node_class_group=GROUP, node_class_kind=KIND,
    labels=frozenset({LABEL_FAMILY, LABEL_CPU, LABEL_MEMORY, f"{GROUP}/ccenodeclass"}),
    family_label=LABEL_FAMILY, cpu_label=LABEL_CPU, memory_label=LABEL_MEMORY,
)
