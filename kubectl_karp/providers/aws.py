"""Amazon EKS: EC2NodeClass, the karpenter.k8s.aws labels and the AWS allocatable formula.

Everything here follows karpenter-provider-aws at v1.14.0, pkg/providers/instancetype/types.go
(``NewInstanceType``: ``computeRequirements``, ``computeCapacity``, ``kubeReservedResources``,
``systemReservedResources``, ``evictionThreshold``, ``pods``, ``ENILimitedPods``) and
pkg/providers/amifamily (the AMI families' feature flags and default block devices). The
arithmetic is done in IEEE doubles where upstream uses float64, so ceilings agree to the byte.

Catalogues come from files (``kubectl karp catalog import aws`` writes one from the AWS CLI's
JSON). ``capacity.pods`` of an AWS type is its ENI-limited pod count, which upstream also uses
for the kube-reserved memory of AL2/AL2023/custom AMIs whatever ``maxPods`` says.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.labels import LABEL_WINDOWS_BUILD
from kubectl_karp.model.objects import (
    CAPACITY_ON_DEMAND,
    CAPACITY_RESERVED,
    LABEL_ARCH,
    LABEL_OS,
    NodeClass,
)
from kubectl_karp.model.quantity import parse_milli
from kubectl_karp.model.resources import Resources
from kubectl_karp.providers.base import CORE, MI, BaseProvider, status_list

GROUP = "karpenter.k8s.aws"
KIND = "EC2NodeClass"
# upstream: pkg/apis/v1/labels.go (every label it adds to karpv1.WellKnownLabels)
LABEL_FAMILY = f"{GROUP}/instance-family"
LABEL_CPU = f"{GROUP}/instance-cpu"
LABEL_CPU_MANUFACTURER = f"{GROUP}/instance-cpu-manufacturer"
LABEL_CPU_CLOCK = f"{GROUP}/instance-cpu-sustained-clock-speed-mhz"
LABEL_MEMORY = f"{GROUP}/instance-memory"  # MiB
LABEL_GENERATION = f"{GROUP}/instance-generation"
LABEL_SIZE = f"{GROUP}/instance-size"
LABEL_CATEGORY = f"{GROUP}/instance-category"
LABEL_FLEX = f"{GROUP}/instance-capability-flex"
LABEL_HYPERVISOR = f"{GROUP}/instance-hypervisor"
LABEL_ENCRYPTION = f"{GROUP}/instance-encryption-in-transit-supported"
LABEL_LOCAL_NVME = f"{GROUP}/instance-local-nvme"  # GB
LABEL_EBS_BANDWIDTH = f"{GROUP}/instance-ebs-bandwidth"  # Mbps
LABEL_NETWORK_BANDWIDTH = f"{GROUP}/instance-network-bandwidth"  # Mbps
LABEL_GPU_NAME = f"{GROUP}/instance-gpu-name"
LABEL_GPU_MANUFACTURER = f"{GROUP}/instance-gpu-manufacturer"
LABEL_GPU_COUNT = f"{GROUP}/instance-gpu-count"
LABEL_GPU_MEMORY = f"{GROUP}/instance-gpu-memory"  # MiB
LABEL_ACCELERATOR_NAME = f"{GROUP}/instance-accelerator-name"
LABEL_ACCELERATOR_MANUFACTURER = f"{GROUP}/instance-accelerator-manufacturer"
LABEL_ACCELERATOR_COUNT = f"{GROUP}/instance-accelerator-count"
LABEL_TENANCY = f"{GROUP}/instance-tenancy"
LABEL_NITRO_SANDBOX = f"{GROUP}/nitro-sandbox"
LABEL_RESERVATION_ID = f"{GROUP}/capacity-reservation-id"
LABEL_RESERVATION_TYPE = f"{GROUP}/capacity-reservation-type"
LABEL_RESERVATION_INTERRUPTIBLE = f"{GROUP}/capacity-reservation-interruptible"
LABEL_PLACEMENT_GROUP_ID = f"{GROUP}/placement-group-id"
LABEL_PLACEMENT_GROUP_PARTITION = f"{GROUP}/placement-group-partition"
LABEL_NODE_CLASS = f"{GROUP}/ec2nodeclass"
LABEL_ZONE_ID = "topology.k8s.aws/zone-id"

# computeRequirements starts these at DoesNotExist and inserts a value only when the type has
# one: a type without a value for them does not have the feature (no GPU, no local NVMe …).
ABSENT_WHEN_MISSING = frozenset({
    LABEL_FAMILY, LABEL_SIZE, LABEL_CATEGORY, LABEL_GENERATION, LABEL_LOCAL_NVME,
    LABEL_CPU_MANUFACTURER, LABEL_CPU_CLOCK, LABEL_EBS_BANDWIDTH, LABEL_NETWORK_BANDWIDTH,
    LABEL_GPU_NAME, LABEL_GPU_MANUFACTURER, LABEL_GPU_COUNT, LABEL_GPU_MEMORY,
    LABEL_ACCELERATOR_NAME, LABEL_ACCELERATOR_MANUFACTURER, LABEL_ACCELERATOR_COUNT,
    LABEL_RESERVATION_ID, LABEL_RESERVATION_TYPE, LABEL_RESERVATION_INTERRUPTIBLE,
    LABEL_WINDOWS_BUILD,
})
WELL_KNOWN = ABSENT_WHEN_MISSING | {
    LABEL_CPU, LABEL_MEMORY, LABEL_FLEX, LABEL_HYPERVISOR, LABEL_ENCRYPTION, LABEL_TENANCY,
    LABEL_NITRO_SANDBOX, LABEL_PLACEMENT_GROUP_ID, LABEL_PLACEMENT_GROUP_PARTITION,
    LABEL_ZONE_ID, LABEL_NODE_CLASS,
}

VM_MEMORY_OVERHEAD_PERCENT = 0.075  # the controller's --vm-memory-overhead-percent default
GRAVITON_CMA_MIB = 64  # memory(): arm64 types lose 64Mi of CMA-reserved memory
DEFAULT_MAX_PODS = 110
DEFAULT_VOLUME = 20 * 2**30  # amifamily.DefaultEBS
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu", "habana.ai/gaudi", "aws.amazon.com/neuron")

# upstream: types.go instanceTypeScheme
_SCHEME = re.compile(r"(^[a-z]+)(\-[0-9]+tb)?([0-9]+).*\.")
# Graviton families: a1 and every family whose generation digit is followed by "g" (m6g,
# c7gn, x2gd, im4gn, is4gen, g5g …).
_GRAVITON = re.compile(r"^(a1|[a-z]+\d+g[a-z]*)\.")


# --------------------------------------------------------------------------- AMI families

@dataclass(frozen=True)
class AMIFamily:
    """upstream: pkg/providers/amifamily FeatureFlags, EphemeralBlockDevice,
    DefaultBlockDeviceMappings."""

    name: str
    eni_limited_memory_overhead: bool = True
    pods_per_core: bool = True
    eni_limited_pod_density: bool = True
    eviction_soft: bool = True  # EvictionSoftEnabled
    ephemeral_device: str | None = "/dev/xvda"
    ephemeral_default: int = DEFAULT_VOLUME
    windows_build: str | None = None


AMI_FAMILIES: dict[str, AMIFamily] = {f.name.lower(): f for f in (
    AMIFamily("AL2023"),
    AMIFamily("AL2"),
    AMIFamily("Bottlerocket", eni_limited_memory_overhead=False, pods_per_core=False,
              ephemeral_device="/dev/xvdb", eviction_soft=False),
    AMIFamily("Windows2019", eni_limited_memory_overhead=False, eni_limited_pod_density=False,
              ephemeral_device="/dev/sda1", ephemeral_default=50 * 2**30,
              windows_build="10.0.17763"),
    AMIFamily("Windows2022", eni_limited_memory_overhead=False, eni_limited_pod_density=False,
              ephemeral_device="/dev/sda1", ephemeral_default=50 * 2**30,
              windows_build="10.0.20348"),
    AMIFamily("Windows2025", eni_limited_memory_overhead=False, eni_limited_pod_density=False,
              ephemeral_device="/dev/sda1", ephemeral_default=50 * 2**30,
              windows_build="10.0.26100"),
    AMIFamily("Custom", ephemeral_device=None),
)}
DEFAULT_FAMILY = AMI_FAMILIES["al2023"]
# core.releases.EVICTION_HARD_ONLY (providers sit below core, so the name is repeated here
# and a test keeps the two equal).
EVICTION_HARD_ONLY_RULE = "eks-allocatable-eviction-hard-only"


# --------------------------------------------------------------------------- node class

@dataclass(frozen=True)
class EC2Settings:
    """What of an EC2NodeClass changes its instance types (upstream: Resolver.CacheKey)."""

    family: AMIFamily = DEFAULT_FAMILY
    max_pods: int | None = None
    pods_per_core: int | None = None
    kube_reserved: Mapping[str, int] = field(default_factory=dict)  # milli-units
    system_reserved: Mapping[str, int] = field(default_factory=dict)
    eviction_hard: Mapping[str, str] = field(default_factory=dict)
    eviction_soft: Mapping[str, str] = field(default_factory=dict)  # counted before v1.9 only
    volume: int | None = None  # bytes of the ephemeral volume the block devices give
    raid0: bool = False  # instanceStorePolicy RAID0: local NVMe is the ephemeral storage

    @property
    def is_default(self) -> bool:
        return self == EC2Settings()


def _quantities(value: object, where: str) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): parse_milli(v, where=f"{where}.{k}") for k, v in value.items()}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def ami_family(spec: Mapping[str, object]) -> AMIFamily:
    """upstream: EC2NodeClass.AMIFamily — spec.amiFamily, else the alias term's family."""
    name = spec.get("amiFamily")
    if not isinstance(name, str) or not name:
        terms = spec.get("amiSelectorTerms")
        alias = next((t.get("alias") for t in terms if isinstance(t, Mapping) and t.get("alias")),
                     None) if isinstance(terms, list) else None
        if not alias:
            # Validation makes a real class name one or the other; a hand-written file that
            # names neither is read as the default (AL2023) rather than as a custom AMI.
            return DEFAULT_FAMILY
        name = str(alias).split("@", 1)[0]
    return AMI_FAMILIES.get(name.lower(), AMI_FAMILIES["custom"])


def _volume(spec: Mapping[str, object], family: AMIFamily) -> int | None:
    """upstream: types.go ephemeralStorage, for the block device mappings part."""
    raw = spec.get("blockDeviceMappings")
    mappings = [m for m in raw if isinstance(m, Mapping)] if isinstance(raw, list) else []
    if not mappings:
        return None

    def size(mapping: Mapping[str, object]) -> int | None:
        ebs = mapping.get("ebs")
        value = ebs.get("volumeSize") if isinstance(ebs, Mapping) else None
        return parse_milli(value) // 1000 if value is not None else None

    root = next((m for m in mappings if m.get("rootVolume") is True), None)
    if root is not None and size(root) is not None:
        return size(root)
    if family.ephemeral_device is None:  # custom AMI: the last mapping, else the default
        last = size(mappings[-1])
        return last if last is not None else DEFAULT_VOLUME
    match = next((m for m in mappings if m.get("deviceName") == family.ephemeral_device), None)
    return size(match) if match is not None else None


def ec2_settings(node_class: NodeClass, *, eviction_hard_only: bool = True) -> EC2Settings:
    """``eviction_hard_only``: the v1.9+ rule (core.releases EVICTION_HARD_ONLY); before it,
    evictionSoft counted too, the larger signal per resource winning (types.go at v1.8.0
    evictionThreshold), except on AMI families without EvictionSoftEnabled (Bottlerocket)."""
    spec = node_class.spec
    where = f"EC2NodeClass {node_class.name} spec.kubelet"
    kubelet = spec.get("kubelet")
    kubelet = kubelet if isinstance(kubelet, Mapping) else {}
    family = ami_family(spec)
    hard = kubelet.get("evictionHard")
    soft = kubelet.get("evictionSoft")
    return EC2Settings(
        eviction_soft={str(k): str(v) for k, v in soft.items()}
        if isinstance(soft, Mapping) and not eviction_hard_only and family.eviction_soft
        else {},
        family=family, max_pods=_int(kubelet.get("maxPods")),
        pods_per_core=_int(kubelet.get("podsPerCore")),
        kube_reserved=_quantities(kubelet.get("kubeReserved"), f"{where}.kubeReserved"),
        system_reserved=_quantities(kubelet.get("systemReserved"), f"{where}.systemReserved"),
        eviction_hard={str(k): str(v) for k, v in hard.items()} if isinstance(hard, Mapping)
        else {},
        volume=_volume(spec, family), raid0=spec.get("instanceStorePolicy") == "RAID0")


# --------------------------------------------------------------------------- formulas

def cpu_reserved(cpu_milli: int) -> int:
    """upstream: kubeReservedResources — 6% of the first core, 1% of the second, 0.5% of the
    next two, 0.25% of the rest, each tier truncated to a millicore."""
    total = 0
    for start, end, share in ((0, 1000, 0.06), (1000, 2000, 0.01), (2000, 4000, 0.005),
                              (4000, 1 << 31, 0.0025)):
        if cpu_milli >= start:
            span = float(min(cpu_milli, end) - start)
            total += int(span * share)
    return total


def memory_capacity_mib(memory_mib: int, *, arm64: bool) -> int:
    """upstream: types.go memory — MiB left once Graviton CMA and the VM overhead are gone."""
    size = memory_mib - (GRAVITON_CMA_MIB if arm64 else 0)
    overhead = math.ceil(float(size * 2**20) * VM_MEMORY_OVERHEAD_PERCENT / 1024 / 1024)
    return size - overhead


def eni_limited_pods(max_enis: int, ipv4_per_eni: int, reserved_enis: int = 0) -> int:
    """upstream: ENILimitedPods — ENIs × (IPv4 addresses per ENI − 1) + 2."""
    usable = max(max_enis - reserved_enis, 0)
    return 0 if usable == 0 else usable * (ipv4_per_eni - 1) + 2


def eviction_signal(capacity: int, value: str) -> int:
    """upstream: computeEvictionSignal (bytes): a percentage of capacity, else a quantity."""
    if value.endswith("%"):
        percent = float(value.strip("%"))
        percent = 0.0 if percent == 100 else percent
        return math.ceil(float(capacity) / 100 * percent)
    return parse_milli(value) // 1000


def pods_for(vcpus: int, eni_pods: int, settings: EC2Settings) -> int:
    """upstream: types.go pods."""
    if settings.max_pods is not None:
        count = settings.max_pods
    elif settings.family.eni_limited_pod_density:
        count = eni_pods
    else:
        count = DEFAULT_MAX_PODS
    if (settings.pods_per_core or 0) > 0 and settings.family.pods_per_core:
        count = min((settings.pods_per_core or 0) * vcpus, count)
    return count


def ephemeral_for(settings: EC2Settings, local_nvme_gb: int | None) -> int:
    """upstream: types.go ephemeralStorage (bytes)."""
    if settings.raid0 and local_nvme_gb is not None:
        return local_nvme_gb * 10**9
    if settings.volume is not None:
        return settings.volume
    return settings.family.ephemeral_default


def aws_allocatable(*, vcpus: int, memory_mib: int, arm64: bool, eni_pods: int,
                    settings: EC2Settings = EC2Settings(), local_nvme_gb: int | None = None,
                    extra: Resources | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """(capacity, allocatable) in milli-units, as NewInstanceType and core's Allocatable()
    (capacity − kube-reserved − system-reserved − eviction threshold) give them."""
    cpu = vcpus * CORE
    memory = memory_capacity_mib(memory_mib, arm64=arm64) * 2**20  # bytes
    storage = ephemeral_for(settings, local_nvme_gb)
    pods = pods_for(vcpus, eni_pods, settings)
    capacity: dict[str, int] = dict(extra or {})
    capacity.update({"cpu": cpu, "memory": memory * 1000, "ephemeral-storage": storage * 1000,
                     "pods": pods * CORE})
    overhead_pods = eni_pods if settings.family.eni_limited_memory_overhead else pods
    kube = {"memory": (11 * overhead_pods + 255) * MI, "ephemeral-storage": 2**30 * 1000,
            "cpu": cpu_reserved(cpu)}
    kube.update(settings.kube_reserved)
    eviction = {"memory": 100 * MI, "ephemeral-storage": math.ceil(float(storage) / 100 * 10)
                * 1000}
    # Since v1.9 only evictionHard counts (evictionSoft is a warning threshold); before,
    # settings.eviction_soft carries the soft signals too and the larger one wins.
    for signal, name, base in (("memory.available", "memory", memory),
                               ("nodefs.available", "ephemeral-storage", storage)):
        found = [eviction_signal(base, signals[signal]) for signals in
                 (settings.eviction_hard, settings.eviction_soft) if signal in signals]
        if found:
            eviction[name] = max(found) * 1000
    allocatable = dict(capacity)
    for reserved in (kube, dict(settings.system_reserved), eviction):
        for name, milli in reserved.items():
            if name in allocatable:
                allocatable[name] -= milli
    return capacity, {k: max(v, 0) for k, v in allocatable.items()}


# --------------------------------------------------------------------------- provider

def _int_label(labels: Mapping[str, str], key: str) -> int | None:
    value = labels.get(key, "")
    return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class AWSProvider(BaseProvider):
    def memory_label_value(self, memory_milli: int) -> str:
        return str(memory_milli // MI)

    def derive_labels(self, instance_type: InstanceType) -> dict[str, str]:
        name = instance_type.name
        labels = dict(instance_type.labels)
        if _GRAVITON.match(name):
            labels.setdefault(LABEL_ARCH, "arm64")
        labels = {**super().derive_labels(replace(instance_type, labels=labels))}
        parts = name.split(".")
        if len(parts) == 2:  # upstream: family and size only for "<family>.<size>"
            labels.setdefault(LABEL_FAMILY, parts[0])
            labels.setdefault(LABEL_SIZE, parts[1])
        scheme = _SCHEME.match(name)
        if scheme:
            labels.setdefault(LABEL_CATEGORY, scheme[1])
            labels.setdefault(LABEL_GENERATION, scheme[3])
        labels.setdefault(LABEL_FLEX, "true" if "-flex" in parts[0] else "false")
        gpus = sum(instance_type.capacity.get(r, 0) for r in GPU_RESOURCES[:3]) // CORE
        if gpus:
            labels.setdefault(LABEL_GPU_COUNT, str(gpus))
        return labels

    def type_capacity(self, instance_type: InstanceType) -> dict[str, int]:
        capacity = dict(instance_type.capacity)
        capacity.setdefault("ephemeral-storage", DEFAULT_FAMILY.ephemeral_default * 1000)
        return capacity

    def _resolve(self, it: InstanceType, settings: EC2Settings, max_pods: int | None
                 ) -> tuple[dict[str, int], dict[str, int]]:
        eni_pods = it.capacity.get("pods", 0) // CORE or max_pods or DEFAULT_MAX_PODS
        extra = {k: v for k, v in it.capacity.items()
                 if k not in ("cpu", "memory", "pods", "ephemeral-storage")}
        return aws_allocatable(
            vcpus=it.capacity.get("cpu", 0) // CORE, memory_mib=it.capacity.get("memory", 0) // MI,
            arm64=it.labels.get(LABEL_ARCH) == "arm64", eni_pods=eni_pods, settings=settings,
            local_nvme_gb=_int_label(it.labels, LABEL_LOCAL_NVME), extra=extra)

    def type_allocatable(self, instance_type: InstanceType, *, max_pods: int | None = None
                         ) -> dict[str, int]:
        # No node class yet: AL2023 defaults, the disk the catalogue states (20Gi if none).
        disk = instance_type.capacity.get("ephemeral-storage")
        settings = EC2Settings(volume=disk // 1000 if disk is not None else None)
        return self._resolve(instance_type, settings, max_pods)[1]

    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        return self.type_allocatable(InstanceType(name="", capacity=capacity), max_pods=max_pods)

    def for_node_class(self, instance_type: InstanceType, node_class: NodeClass, *,
                       rules: frozenset[str] = frozenset({EVICTION_HARD_ONLY_RULE})
                       ) -> InstanceType:
        settings = ec2_settings(node_class, eviction_hard_only=EVICTION_HARD_ONLY_RULE in rules)
        if settings.is_default:
            return instance_type
        capacity, allocatable = self._resolve(instance_type, settings, None)
        # Capacity keeps the nominal memory the catalogue shows (upstream's is net of the VM
        # overhead); allocatable is what scheduling uses and is upstream's to the byte.
        capacity["memory"] = instance_type.capacity.get("memory", capacity["memory"])
        labels = dict(instance_type.labels)
        absent = set(instance_type.absent_labels)
        if settings.family.windows_build:  # upstream: getOS / the windows-build label
            labels[LABEL_OS] = "windows"
            labels[LABEL_WINDOWS_BUILD] = settings.family.windows_build
            absent.discard(LABEL_WINDOWS_BUILD)
        return replace(instance_type, capacity=capacity, allocatable=allocatable, labels=labels,
                       absent_labels=frozenset(absent))

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


PROVIDER = AWSProvider(
    name="aws", title="EKS", node_class_group=GROUP, node_class_kind=KIND,
    labels=frozenset(WELL_KNOWN),
    cpu_label=LABEL_CPU, memory_label=LABEL_MEMORY,
    resolved_status_key="subnets", absent_when_missing=ABSENT_WHEN_MISSING,
    # upstream: pkg/apis/v1/labels.go RestrictedLabelDomains
    restricted_domains=frozenset({GROUP}),
)
