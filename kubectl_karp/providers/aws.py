"""Amazon EKS: EC2NodeClass, the karpenter.k8s.aws labels and the AWS allocatable formula.

Catalogues come from files only (no live EC2 API here). Allocatable follows
karpenter-provider-aws: a 7.5% VM memory overhead, kube-reserved memory 11Mi per pod + 255Mi,
tiered kube-reserved CPU and a 100Mi eviction threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction

from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import CAPACITY_ON_DEMAND, CAPACITY_RESERVED, NodeClass
from kubectl_karp.model.resources import Resources
from kubectl_karp.providers.base import CORE, MI, BaseProvider, status_list

GROUP = "karpenter.k8s.aws"
KIND = "EC2NodeClass"
LABEL_FAMILY = f"{GROUP}/instance-family"
LABEL_CPU = f"{GROUP}/instance-cpu"
LABEL_MEMORY = f"{GROUP}/instance-memory"  # MiB
LABEL_GENERATION = f"{GROUP}/instance-generation"
LABEL_SIZE = f"{GROUP}/instance-size"
LABEL_CATEGORY = f"{GROUP}/instance-category"
VM_MEMORY_OVERHEAD = Fraction(75, 1000)
DEFAULT_MAX_PODS = 110
_NAME = re.compile(r"^(?P<category>[a-z]+)(?P<generation>\d+)[a-z\-]*$")


def cpu_reserved(cpu_milli: int) -> int:
    """6% of the first core, 1% of the second, 0.5% of the next two, 0.25% of the rest."""
    tiers = ((0, 1000, Fraction(6, 100)), (1000, 2000, Fraction(1, 100)),
             (2000, 4000, Fraction(5, 1000)), (4000, 1 << 40, Fraction(25, 10000)))
    total = sum(((min(cpu_milli, high) - low) * f for low, high, f in tiers if cpu_milli > low),
                Fraction(0))
    return int(total)


@dataclass(frozen=True)
class AWSProvider(BaseProvider):
    def memory_label_value(self, memory_milli: int) -> str:
        return str(memory_milli // MI)

    def derive_labels(self, instance_type: InstanceType) -> dict[str, str]:
        labels = super().derive_labels(instance_type)
        family, _, size = instance_type.name.partition(".")
        if size:
            labels.setdefault(LABEL_SIZE, size)
        match = _NAME.match(family)
        if match:
            labels.setdefault(LABEL_CATEGORY, match["category"])
            labels.setdefault(LABEL_GENERATION, match["generation"])
        return labels

    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        return reserved_allocatable(capacity, max_pods=max_pods)

    def node_class_zones(self, node_class: NodeClass) -> frozenset[str] | None:
        subnets = status_list(node_class.status, "subnets")
        zones = {str(s.get("zone")) for s in subnets if s.get("zone")}
        return frozenset(zones) or None


    def with_reservations(self, node_class: NodeClass | None,
                          types: tuple[InstanceType, ...]) -> tuple[InstanceType, ...]:
        """EC2NodeClass status.capacityReservations as reserved offerings, priced at the
        on-demand price / 10,000,000 so they come first but keep their relative order
        (offering/reserved_capacity_resolver.go). The instances left in a reservation are
        not in the status, so the preview does not cap how many nodes use one."""
        if node_class is None:
            return types
        reservations = status_list(node_class.status, "capacityReservations")
        if not reservations:
            return types
        out = []
        for it in types:
            mine = [r for r in reservations if r.get("instanceType") == it.name]
            if not mine:
                out.append(it)
                continue
            zones = {o.zone for o in it.offerings}
            on_demand = [o.price_per_hour for o in it.offerings
                         if o.capacity_type == CAPACITY_ON_DEMAND and o.price_per_hour is not None]
            price = min(on_demand) / 10_000_000 if on_demand else 0.0
            have = {(o.zone, o.capacity_type) for o in it.offerings}
            extra = tuple(
                Offering(zone=str(r.get("availabilityZone")), capacity_type=CAPACITY_RESERVED,
                         price_per_hour=price,
                         available=str(r.get("availabilityZone")) in zones
                         and r.get("state") != "expiring")
                for r in mine
                if (str(r.get("availabilityZone")), CAPACITY_RESERVED) not in have)
            out.append(replace(it, offerings=it.offerings + extra))
        return tuple(out)


def reserved_allocatable(capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
    """The AWS formula; also the stand-in for clouds whose own formula we do not model."""
    cpu = capacity.get("cpu", 0)
    memory_mi = capacity.get("memory", 0) // MI
    pods = max_pods or (capacity.get("pods", 0) // 1000) or DEFAULT_MAX_PODS
    overhead_mi = -((-memory_mi * VM_MEMORY_OVERHEAD.numerator)
                    // VM_MEMORY_OVERHEAD.denominator)
    memory = (memory_mi - overhead_mi - (11 * pods + 255) - 100) * MI
    out = dict(capacity)
    out["cpu"] = max(cpu - cpu_reserved(cpu), 0)
    out["memory"] = max(memory, 0)
    out["pods"] = pods * CORE
    return out


PROVIDER = AWSProvider(
    name="aws", title="EKS", node_class_group=GROUP, node_class_kind=KIND,
    labels=frozenset({LABEL_FAMILY, LABEL_CPU, LABEL_MEMORY, LABEL_GENERATION, LABEL_SIZE,
                      LABEL_CATEGORY, f"{GROUP}/ec2nodeclass", f"{GROUP}/instance-hypervisor",
                      f"{GROUP}/instance-encryption-in-transit-supported",
                      f"{GROUP}/instance-gpu-count", f"{GROUP}/instance-gpu-name",
                      f"{GROUP}/instance-local-nvme", f"{GROUP}/instance-network-bandwidth"}),
    family_label=LABEL_FAMILY, cpu_label=LABEL_CPU, memory_label=LABEL_MEMORY,
    resolved_status_key="subnets",
)
