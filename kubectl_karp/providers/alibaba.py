"""Alibaba Cloud ACK: ECSNodeClass and the karpenter.k8s.alibabacloud labels (file catalogues)."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_karp.model.objects import NodeClass
from kubectl_karp.model.resources import Resources
from kubectl_karp.providers.aws import reserved_allocatable
from kubectl_karp.providers.base import MI, BaseProvider, status_list

GROUP = "karpenter.k8s.alibabacloud"
KIND = "ECSNodeClass"
LABEL_FAMILY = f"{GROUP}/instance-family"
LABEL_CPU = f"{GROUP}/instance-cpu"
LABEL_MEMORY = f"{GROUP}/instance-memory"  # MiB, as the AWS scheme it follows


@dataclass(frozen=True)
class AlibabaProvider(BaseProvider):
    def family_of(self, instance_type: str) -> str:
        # ecs.g7.large belongs to family ecs.g7
        return instance_type.rsplit(".", 1)[0] if instance_type.count(".") >= 2 \
            else instance_type.split(".", 1)[0]

    def memory_label_value(self, memory_milli: int) -> str:
        return str(memory_milli // MI)

    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        return reserved_allocatable(capacity, max_pods=max_pods)

    def node_class_zones(self, node_class: NodeClass) -> frozenset[str] | None:
        zones = {str(v.get(k)) for v in status_list(node_class.status, "vSwitches")
                 for k in ("zoneID", "zone") if v.get(k)}
        return frozenset(zones) or None


PROVIDER = AlibabaProvider(
    name="alibaba", title="ACK", node_class_group=GROUP, node_class_kind=KIND,
    labels=frozenset({LABEL_FAMILY, LABEL_CPU, LABEL_MEMORY, f"{GROUP}/ecsnodeclass"}),
    family_label=LABEL_FAMILY, cpu_label=LABEL_CPU, memory_label=LABEL_MEMORY,
    resolved_status_key="vSwitches",
)
