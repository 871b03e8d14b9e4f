"""Huawei Cloud CCE: CCENodeClass, the karpenter.k8s.huawei labels and CCE's reserved formula.

Follows huaweicloud-samples/karpenter-provider-huawei (core v1.13.0),
pkg/providers/instancetype/types.go: ``computeRequirements`` (instance-cpu and instance-memory
(MiB) carry values; instance-size, -network-bandwidth and -gpu-* are always DoesNotExist —
upstream never inserts a value for them), ``computeCapacity``/``pods``/``defaultMaxPods``,
``ephemeralStorage`` (the ext4 size of the kubernetes LV on the data volume),
``kubeReservedResources``, ``systemReservedResources`` and ``evictionThreshold``. The node
class's ``spec.kubelet`` (maxPods, kubeReserved, systemReserved), ``runtimeConfiguration.type``
and ``blockDeviceMappings.k8s.volumeSize`` change the types as the provider's Resolve does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.labels import LABEL_WINDOWS_BUILD
from kubectl_karp.model.objects import NodeClass
from kubectl_karp.model.quantity import parse_milli
from kubectl_karp.model.resources import Resources
from kubectl_karp.providers.aws import cpu_reserved
from kubectl_karp.providers.base import CORE, MI, BaseProvider

GROUP = "karpenter.k8s.huawei"
KIND = "CCENodeClass"
LABEL_CPU = f"{GROUP}/instance-cpu"
LABEL_MEMORY = f"{GROUP}/instance-memory"  # MiB
LABEL_SIZE = f"{GROUP}/instance-size"
LABEL_NETWORK_BANDWIDTH = f"{GROUP}/instance-network-bandwidth"
LABEL_GPU_NAME = f"{GROUP}/instance-gpu-name"
LABEL_GPU_MANUFACTURER = f"{GROUP}/instance-gpu-manufacturer"
LABEL_GPU_COUNT = f"{GROUP}/instance-gpu-count"
LABEL_GPU_MEMORY = f"{GROUP}/instance-gpu-memory"
NEVER_SET = frozenset({LABEL_SIZE, LABEL_NETWORK_BANDWIDTH, LABEL_GPU_NAME,
                       LABEL_GPU_MANUFACTURER, LABEL_GPU_COUNT, LABEL_GPU_MEMORY,
                       LABEL_WINDOWS_BUILD})

DEFAULT_VOLUME_GIB = 100  # upstream: v1alpha1.DefaultKubernetesVolumeSizeGiB
RUNTIME_DOCKER = "docker"
_GIB = 2**30
_LVM_EXTENT = 4 * 2**20
_BLOCK = 4096
_METADATA_MIB = 4
_KUBERNETES_LV_PERCENT = 10
_BLOCKS_PER_GROUP = 32768
_GROUPS_PER_DESCRIPTOR_BLOCK = 64
_INODE_BLOCKS_PER_GROUP = 512
_POINTERS_PER_BLOCK = _BLOCK // 4
# float32(0.1) widened to float64, as mustParsePercentage("10%") returns it
_TEN_PERCENT_F32 = 0.10000000149011612


def default_max_pods(memory_mib: int) -> int:
    """upstream: defaultMaxPodsByMemoryMiB."""
    for floor, pods in ((65536, 110), (32768, 80), (16384, 60), (8192, 40)):
        if memory_mib >= floor:
            return pods
    return 20


def _ceil_div(a: int, b: int) -> int:
    return 0 if a <= 0 else (a + b - 1) // b


def _sparse_super_copies(groups: int) -> int:
    if groups <= 0:
        return 0
    copies = 2
    for base in (3, 5, 7):
        group = base
        while group < groups:
            copies += 1
            if group > (groups - 1) // base:
                break
            group *= base
    return copies


def _reserved_gdt(blocks: int, descriptor_blocks: int) -> int:
    if blocks <= 0:
        return 0
    max_blocks = 0xFFFFFFFF
    if blocks < max_blocks // 1024:
        max_blocks = blocks * 1024
    reserved = _ceil_div(_ceil_div(max_blocks, _BLOCKS_PER_GROUP), _GROUPS_PER_DESCRIPTOR_BLOCK) \
        - descriptor_blocks
    return 0 if reserved < 0 else min(reserved, _POINTERS_PER_BLOCK)


def _journal_blocks(blocks: int) -> int:
    for limit, journal in ((2048, 0), (32768, 1024), (256 * 1024, 4096), (512 * 1024, 8192),
                           (4096 * 1024, 16384), (8192 * 1024, 32768), (16384 * 1024, 65536),
                           (32768 * 1024, 131072)):
        if blocks < limit:
            return journal
    return 262144


def ext4_size(device: int) -> int:
    """upstream: ext4FilesystemSizeBytes (mke2fs 1.47 overhead accounting)."""
    if device <= 0 or device // _BLOCK == 0:
        return 0
    blocks = device // _BLOCK
    groups = _ceil_div(blocks, _BLOCKS_PER_GROUP)
    descriptors = _ceil_div(groups, _GROUPS_PER_DESCRIPTOR_BLOCK)
    overhead = groups * (2 + _INODE_BLOCKS_PER_GROUP) \
        + _sparse_super_copies(groups) * (1 + descriptors + _reserved_gdt(blocks, descriptors)) \
        + _journal_blocks(blocks)
    return device - overhead * _BLOCK


def ephemeral_storage(volume_gib: int = DEFAULT_VOLUME_GIB) -> int:
    """upstream: ephemeralStorage — bytes kubelet sees on the kubernetes LV (10% of the data
    volume's managed LV, extent-aligned, formatted ext4)."""
    managed = volume_gib * _GIB - _METADATA_MIB * 2**20
    if managed <= 0:
        return 0
    kubernetes = (managed // _LVM_EXTENT * _LVM_EXTENT) * _KUBERNETES_LV_PERCENT // 100
    return ext4_size(kubernetes // _LVM_EXTENT * _LVM_EXTENT)


@dataclass(frozen=True)
class CCESettings:
    max_pods: int | None = None
    kube_reserved: Mapping[str, int] = field(default_factory=dict)
    system_reserved: Mapping[str, int] = field(default_factory=dict)
    runtime: str = "containerd"
    volume_gib: int = DEFAULT_VOLUME_GIB

    @property
    def is_default(self) -> bool:
        return self == CCESettings()


def cce_settings(node_class: NodeClass) -> CCESettings:
    spec = node_class.spec
    where = f"CCENodeClass {node_class.name} spec.kubelet"
    kubelet = spec.get("kubelet") if isinstance(spec.get("kubelet"), Mapping) else {}
    assert isinstance(kubelet, Mapping)

    def quantities(key: str) -> dict[str, int]:
        value = kubelet.get(key)
        return {str(k): parse_milli(v, where=f"{where}.{key}.{k}")
                for k, v in value.items()} if isinstance(value, Mapping) else {}

    runtime = spec.get("runtimeConfiguration")
    runtime_type = runtime.get("type") if isinstance(runtime, Mapping) else None
    devices = spec.get("blockDeviceMappings")
    k8s = devices.get("k8s") if isinstance(devices, Mapping) else None
    size = k8s.get("volumeSize") if isinstance(k8s, Mapping) else None
    max_pods = kubelet.get("maxPods")
    return CCESettings(
        max_pods=max_pods if isinstance(max_pods, int) and not isinstance(max_pods, bool)
        else None,
        kube_reserved=quantities("kubeReserved"), system_reserved=quantities("systemReserved"),
        runtime=str(runtime_type) if runtime_type else "containerd",
        volume_gib=size if isinstance(size, int) and size > 0 else DEFAULT_VOLUME_GIB)


def cce_allocatable(*, vcpus: int, memory_mib: int, pods: int,
                    settings: CCESettings = CCESettings(), extra: Resources | None = None
                    ) -> tuple[dict[str, int], dict[str, int]]:
    """(capacity, allocatable) in milli-units, as NewInstanceType and core's Allocatable()."""
    storage = ephemeral_storage(settings.volume_gib)
    capacity: dict[str, int] = dict(extra or {})
    capacity.update({"cpu": vcpus * CORE, "memory": memory_mib * MI,
                     "pods": (settings.max_pods if settings.max_pods is not None else pods) * CORE,
                     "ephemeral-storage": storage * 1000})
    per_pod = 20 if settings.runtime == RUNTIME_DOCKER else 5
    kube = {"memory": (500 + per_pod * default_max_pods(memory_mib)) * MI,
            "cpu": cpu_reserved(vcpus * CORE)}
    kube.update(settings.kube_reserved)
    system = {"memory": (400 + memory_mib * 25 // 1024) * MI}
    system.update(settings.system_reserved)
    eviction = {"memory": 100 * MI,
                "ephemeral-storage": int(float(storage) * _TEN_PERCENT_F32) * 1000}
    allocatable = dict(capacity)
    for reserved in (kube, system, eviction):
        for name, milli in reserved.items():
            if name in allocatable:
                allocatable[name] -= milli
    return capacity, {k: max(v, 0) for k, v in allocatable.items()}


@dataclass(frozen=True)
class HuaweiProvider(BaseProvider):
    def memory_label_value(self, memory_milli: int) -> str:
        return str(memory_milli // MI)

    def derive_labels(self, instance_type: InstanceType) -> dict[str, str]:
        labels = super().derive_labels(instance_type)
        for key in NEVER_SET:  # upstream never gives these a value
            labels.pop(key, None)
        return labels

    def type_capacity(self, instance_type: InstanceType) -> dict[str, int]:
        capacity = dict(instance_type.capacity)
        if "pods" not in capacity:
            capacity["pods"] = default_max_pods(capacity.get("memory", 0) // MI) * CORE
        capacity.setdefault("ephemeral-storage", ephemeral_storage() * 1000)
        return capacity

    def _resolve(self, it: InstanceType, settings: CCESettings, max_pods: int | None
                 ) -> tuple[dict[str, int], dict[str, int]]:
        memory_mib = it.capacity.get("memory", 0) // MI
        pods = it.capacity.get("pods", 0) // CORE or max_pods or default_max_pods(memory_mib)
        extra = {k: v for k, v in it.capacity.items()
                 if k not in ("cpu", "memory", "pods", "ephemeral-storage")}
        return cce_allocatable(vcpus=it.capacity.get("cpu", 0) // CORE, memory_mib=memory_mib,
                               pods=pods, settings=settings, extra=extra)

    def type_allocatable(self, instance_type: InstanceType, *, max_pods: int | None = None
                         ) -> dict[str, int]:
        return self._resolve(instance_type, CCESettings(), max_pods)[1]

    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        return self.type_allocatable(InstanceType(name="", capacity=capacity), max_pods=max_pods)

    def for_node_class(self, instance_type: InstanceType, node_class: NodeClass, *,
                       rules: frozenset[str] = frozenset()) -> InstanceType:
        settings = cce_settings(node_class)
        if settings.is_default:
            return instance_type
        capacity, allocatable = self._resolve(instance_type, settings, None)
        return replace(instance_type, capacity=capacity, allocatable=allocatable)


PROVIDER = HuaweiProvider(
    name="huawei", title="CCE", node_class_group=GROUP, node_class_kind=KIND,
    labels=frozenset({LABEL_CPU, LABEL_MEMORY} | NEVER_SET),
    cpu_label=LABEL_CPU, memory_label=LABEL_MEMORY, absent_labels=NEVER_SET,
    # upstream: pkg/apis/v1alpha1/labels.go RestrictedLabelDomains
    restricted_domains=frozenset({GROUP}),
    # computeRequirements: capacity type In [on-demand] only, so createOfferings makes no
    # spot offering even where a catalogue lists one.
    capacity_types=frozenset({"on-demand"}),
)
