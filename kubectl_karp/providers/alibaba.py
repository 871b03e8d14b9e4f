"""Alibaba Cloud ACK: ECSNodeClass (karpenter.alibabacloud.com) and its allocatable formula.

Follows AliyunContainerService/karpenter-provider-alibabacloud (v0.2.4, core v1.8.0),
pkg/cloudprovider/cloudprovider.go: ``GetInstanceTypes`` (requirements: instance type, arch,
os, zone and capacity type only), ``calculateCapacityAndAllocatable`` (cpu, memory, pods, GPUs)
and ``calculateOverhead`` (the reserved memory). Its labels.go declares
``node.kubernetes.io/instance-{family,size}`` but never puts them on an instance type nor
registers them as well-known, so Karpenter treats them as custom labels there; we do the same.
The community fork's group (karpenter.k8s.alibabacloud) is read the same way (model/kinds.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import LABEL_ARCH, NodeClass
from kubectl_karp.model.resources import Resources
from kubectl_karp.providers.base import CORE, BaseProvider, status_list

GROUP = "karpenter.alibabacloud.com"
KIND = "ECSNodeClass"
DEFAULT_PODS = 110  # upstream: DefaultPodsLimit
# upstream: pkg/operator/options (defaults of --vm-memory-overhead-percent/--vm-memory-overhead)
VM_MEMORY_OVERHEAD_PERCENT = 0.05
VM_MEMORY_OVERHEAD_MIN = 50 * 2**20
RESOURCE_GPU_MEMORY = "aliyun.com/gpu-mem"
RESOURCE_EXCLUSIVE_ENI = "alibabacloud.com/exclusive-eni"
NETWORK_TERWAY_ENIIP = "terway-eniip"
_ARM = re.compile(r"^ecs\.(g8y|c8y|r8y|g6r|c6r)\.")


def memory_bytes(memory_gib: float) -> int:
    """upstream: convertECSInstanceType — DescribeInstanceTypes' MemorySize (GiB) to bytes."""
    return int(float(memory_gib) * 1024 * 1024 * 1024)


def reserved_memory(memory: int) -> int:
    """Bytes the three overhead shares take: max(5%, 50Mi), split in thirds (each truncated)."""
    total = max(math.ceil(float(memory) * VM_MEMORY_OVERHEAD_PERCENT), VM_MEMORY_OVERHEAD_MIN)
    return 3 * (total // 3)


def terway_pods(eni_quantity: int, eni_private_ips: int) -> tuple[int, int]:
    """(pods, exclusive ENIs) on a terway-eniip cluster (calculateCapacityAndAllocatable)."""
    return (eni_quantity - 1) * eni_private_ips + 3, eni_quantity - 1 + 3


def ack_allocatable(capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
    """capacity − overhead, as core's Allocatable() sees the provider's instance types.

    CPU keeps everything: the 100m overhead is split in thirds of its integer Value() (1),
    which truncate to 0. There is no ephemeral-storage capacity upstream, so Karpenter's
    Fits() finds none for a pod that requests some; we say 0 rather than "unknown".
    """
    out = dict(capacity)
    memory = capacity.get("memory", 0) // 1000
    pods = capacity.get("pods", 0) // CORE or max_pods or DEFAULT_PODS
    out["memory"] = max(memory - reserved_memory(memory), 0) * 1000
    out["pods"] = pods * CORE
    out["ephemeral-storage"] = capacity.get("ephemeral-storage", 0)
    return out


@dataclass(frozen=True)
class AlibabaProvider(BaseProvider):
    def family_of(self, instance_type: str) -> str:
        # ecs.g7.large belongs to family ecs.g7
        return instance_type.rsplit(".", 1)[0] if instance_type.count(".") >= 2 \
            else instance_type.split(".", 1)[0]

    def derive_labels(self, instance_type: InstanceType) -> dict[str, str]:
        labels = dict(instance_type.labels)
        if _ARM.match(instance_type.name):
            labels.setdefault(LABEL_ARCH, "arm64")
        return super().derive_labels(InstanceType(
            name=instance_type.name, labels=labels, capacity=instance_type.capacity))

    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        return ack_allocatable(capacity, max_pods=max_pods)

    def node_class_zones(self, node_class: NodeClass) -> frozenset[str] | None:
        # upstream: GetInstanceTypes keeps offerings in status.vSwitches[].zoneID (else zone)
        zones = {str(v.get(k)) for v in status_list(node_class.status, "vSwitches")
                 for k in ("zoneID", "zone") if v.get(k)}
        return frozenset(zones) or None


PROVIDER = AlibabaProvider(
    name="alibaba", title="ACK", node_class_group=GROUP, node_class_kind=KIND,
    labels=frozenset(), resolved_status_key="vSwitches",
    # upstream: pkg/apis/v1alpha1/labels.go LabelInstanceFamily/LabelInstanceSize
    unset_labels=frozenset({"node.kubernetes.io/instance-family",
                            "node.kubernetes.io/instance-size"}),
)
