"""Tencent Kubernetes Engine: TKEMachineNodeClass, TKE labels and the TKE allocatable formula.

The allocatable arithmetic follows karpenter-provider-tke (pkg/providers/instancetype): memory
loses a kdump reservation and a VM overhead share, then kube-reserved (tiered) and a 100Mi
eviction threshold; CPU loses a tiered kube-reserved share. Max pods per node follows the same
provider (``max_pods``): the cluster's MaxNodePodNum − 3, else the VPC-CNI ENI-IP limit of the
type (at least 61), else 110; the cloud adapter passes the figures in as data.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.labels import LABEL_WINDOWS_BUILD
from kubectl_karp.model.objects import Node, NodeClass
from kubectl_karp.model.resources import Resources
from kubectl_karp.providers.base import (
    CORE,
    GI,
    MI,
    BaseProvider,
    ClusterFacts,
    status_list,
)

GROUP = "karpenter.k8s.tke"
KIND = "TKEMachineNodeClass"
LABEL_FAMILY = f"{GROUP}/instance-family"
LABEL_CPU = f"{GROUP}/instance-cpu"
LABEL_MEMORY_GB = f"{GROUP}/instance-memory-gb"
LABEL_NODE_CLASS = f"{GROUP}/tkemachinenodeclass"
LABEL_NODECLAIM = f"{GROUP}/nodeclaim"
LABEL_CBS_ZONE = "topology.com.tencent.cloud.csi.cbs/zone"

VM_MEMORY_OVERHEAD = Fraction(75, 1000)  # the provider's --vm-memory-overhead-percent default
EVICTION_MEMORY = 100 * MI
DEFAULT_MAX_PODS = 110
MIN_ENI_MAX_PODS = 61  # the provider never goes below this on an ENI-IP limit
NODE_POD_NUM_RESERVED = 3  # MaxNodePodNum counts 3 addresses the node keeps for itself
NETWORK_VPC_CNI = "VPC-CNI"

# Zone IDs are <region base> + <zone number>: ap-guangzhou-3 is 100003. The bases are those the
# TKE provider itself uses to translate between the two (pkg/providers/zone).
REGION_ZONE_BASE: dict[str, int] = {
    "ap-guangzhou": 100000, "ap-shenzhen-fsi": 110000, "ap-guangzhou-open": 120000,
    "na-siliconvalley": 150000, "ap-chengdu": 160000, "eu-frankfurt": 170000,
    "ap-seoul": 180000, "ap-chongqing": 190000, "ap-shanghai": 200000, "ap-mumbai": 210000,
    "na-ashburn": 220000, "ap-bangkok": 230000, "ap-tokyo": 250000, "ap-hongkong": 300000,
    "ap-jinan-ec": 310000, "ap-hangzhou-ec": 320000, "ap-nanjing": 330000,
    "ap-fuzhou-ec": 340000, "ap-wuhan-ec": 350000, "ap-tianjin": 360000,
    "ap-shenzhen": 370000, "ap-taipei": 390000, "na-toronto": 400000,
    "ap-changsha-ec": 450000, "ap-beijing-fsi": 460000, "ap-shijiazhuang-ec": 530000,
    "ap-qingyuan": 540000, "ap-hefei-ec": 550000, "ap-shenyang-ec": 560000,
    "ap-xian-ec": 570000, "ap-xibei-ec": 580000, "ap-shanghai-fsi": 700000,
    "ap-zhengzhou-ec": 710000, "ap-jakarta": 720000, "sa-saopaulo": 740000,
    "ap-shanghai-adc": 780000, "ap-beijing": 800000, "ap-guangzhou-wxzf": 820000,
    "ap-shanghai-wxzf": 830000, "ap-singapore": 900000,
}
# TKE nodes carry short region names in topology.kubernetes.io/region.
SHORT_REGIONS: dict[str, str] = {
    "gz": "ap-guangzhou", "sh": "ap-shanghai", "bj": "ap-beijing", "cd": "ap-chengdu",
    "cq": "ap-chongqing", "hk": "ap-hongkong", "sg": "ap-singapore", "nj": "ap-nanjing",
    "tpe": "ap-taipei", "jkt": "ap-jakarta", "th": "ap-bangkok", "jp": "ap-tokyo",
    "kr": "ap-seoul", "in": "ap-mumbai", "de": "eu-frankfurt", "usw": "na-siliconvalley",
    "use": "na-ashburn", "sao": "sa-saopaulo", "szjr": "ap-shenzhen-fsi",
    "shjr": "ap-shanghai-fsi", "bjjr": "ap-beijing-fsi", "tsn": "ap-tianjin",
    "szx": "ap-shenzhen", "qy": "ap-qingyuan",
}


def zone_name_from_id(zone_id: str) -> str | None:
    if not zone_id.isdigit():
        return None
    number = int(zone_id)
    for region, base in REGION_ZONE_BASE.items():
        if base < number < base + 1000:
            return f"{region}-{number - base}"
    return None


def zone_id_from_name(zone_name: str) -> str | None:
    region, _, number = zone_name.rpartition("-")
    base = REGION_ZONE_BASE.get(region)
    if base is None or not number.isdigit():
        return None
    return str(base + int(number))


def region_of_zone(zone: str) -> str | None:
    """ap-guangzhou for 100003 or ap-guangzhou-3."""
    name = zone_name_from_id(zone) if zone.isdigit() else zone
    if not name:
        return None
    region = name.rpartition("-")[0]
    return region if region in REGION_ZONE_BASE else None


def normalize_region(value: str) -> str:
    return SHORT_REGIONS.get(value, value)


def _tiers(value: int, tiers: tuple[tuple[int, int, int, Fraction], ...]) -> int:
    """Sum over (low, high, base, factor) tiers, truncated like the provider's int64()."""
    total = Fraction(0)
    for low, high, base, factor in tiers:
        if value < low:
            continue
        total += (min(value, high) - low) * factor + base
    return int(total)


_BIG = 1 << 40
_CPU_TIERS_POST_129 = ((0, 1000, 60, Fraction(0)), (1000, 2000, 0, Fraction(1, 100)),
                       (2000, 4000, 0, Fraction(5, 1000)), (4000, _BIG, 0, Fraction(25, 10000)))
_CPU_TIERS_LEGACY = ((0, 4000, 100, Fraction(0)), (4000, 64000, 0, Fraction(25, 1000)),
                     (64000, 128000, 0, Fraction(125, 10000)), (128000, _BIG, 0, Fraction(5, 1000)))
# Memory tiers work on whole GB of instance memory and yield MiB.
_MEMORY_TIERS = ((0, 4, 0, Fraction(256)), (4, 8, 0, Fraction(1024) / 5),
                 (8, 16, 0, Fraction(1024) / 10), (16, 128, 0, Fraction(1024) * 6 / 100),
                 (128, _BIG, 0, Fraction(1024) * 2 / 100))


def kdump_reserved(memory_bytes: int) -> int:
    if 1800 * 2**20 <= memory_bytes < 64 * 2**30:
        return 256 * 2**20
    if 64 * 2**30 <= memory_bytes < 128 * 2**30:
        return 512 * 2**20
    # The provider's top tier is capped at MaxInt32 bytes, so it never applies above 128GiB.
    return 0


def memory_after_overhead(memory_bytes: int) -> int:
    """Node memory capacity (bytes) once kdump and the VM overhead are gone (ceil like Go)."""
    usable = Fraction(memory_bytes - kdump_reserved(memory_bytes)) * (1 - VM_MEMORY_OVERHEAD)
    return -((-usable.numerator) // usable.denominator)


def kube_reserved(cpu_milli: int, pods: int, memory_gb: int, *, legacy: bool = False
                  ) -> tuple[int, int]:
    """(cpu milli-cores, memory MiB) kube-reserved; ``legacy`` for Kubernetes before 1.29."""
    tiered_memory = _tiers(memory_gb, _MEMORY_TIERS)
    if legacy:
        return _tiers(cpu_milli, _CPU_TIERS_LEGACY), tiered_memory
    return _tiers(cpu_milli, _CPU_TIERS_POST_129), min(20 * pods + 256, tiered_memory)


# --------------------------------------------------------------------------- max pods

@dataclass(frozen=True)
class ClusterNetwork:
    """The parts of DescribeClusters (TKE 2018-05-25) that decide max pods per node."""

    max_node_pod_num: int = 0  # ClusterNetworkSettings.MaxNodePodNum
    has_property: bool = False  # the cluster answered with a Property document at all
    network_type: str = ""  # Property.NetworkType: GR (global router), VPC-CNI, ...
    vpc_cni_type: str = ""  # Property.VpcCniType
    meta_feature: bool = False  # Property.MetaFeatureParam is set

    @property
    def node_pod_num(self) -> int | None:
        """MaxNodePodNum − 3, when the provider uses it (not on a VPC-CNI cluster)."""
        if (self.has_property and self.network_type != NETWORK_VPC_CNI
                and self.max_node_pod_num > NODE_POD_NUM_RESERVED):
            return self.max_node_pod_num - NODE_POD_NUM_RESERVED
        return None

    @property
    def uses_eni_limits(self) -> bool:
        """False for a plain global-router cluster: the provider drops the ENI limits then."""
        return not (self.has_property and not self.vpc_cni_type
                    and self.network_type != NETWORK_VPC_CNI and not self.meta_feature)


def max_pods(cluster: ClusterNetwork, eni_ips: int | None) -> int:
    """Max pods per node for one instance type, as karpenter-provider-tke decides it.

    ``eni_ips`` is the type's VPC-CNI limit in its zone (``TKERouteENIStaticIP`` of
    DescribeVpcCniPodLimits), None when unknown.
    """
    setting = cluster.node_pod_num
    if setting:
        return setting
    if cluster.uses_eni_limits and eni_ips is not None and eni_ips > 0:
        return max(eni_ips, MIN_ENI_MAX_PODS)
    return DEFAULT_MAX_PODS


_CLUSTER_ID = re.compile(r"^(?:cls-)+([a-z0-9]{4,20})$")
_NODE_CLUSTER_ID_KEYS = ("karpenter.k8s.tke/managed-by",)
_SELECTOR_TERMS = ("subnetSelectorTerms", "securityGroupSelectorTerms", "sshKeySelectorTerms")


def cluster_id_of(value: object) -> str | None:
    """``cls-abcd1234`` for a value that names a TKE cluster (``cls-cls-x`` from a seed that
    substituted a full ID into ``cls-${CLUSTER_ID}`` counts as ``cls-x``)."""
    if not isinstance(value, str):
        return None
    match = _CLUSTER_ID.match(value.strip())
    return f"cls-{match.group(1)}" if match else None


@dataclass(frozen=True)
class ClusterHints:
    """What a snapshot says about its TKE cluster, for the max-pods calls of the live API."""

    cluster_ids: tuple[str, ...] = ()  # distinct candidates, strongest evidence first
    zones: tuple[str, ...] = ()  # zone names of the TKE node classes' subnets


def _node_cluster_ids(node: Node) -> list[str]:
    found = []
    for meta in (node.labels, node.annotations):
        for key, value in meta.items():
            name = key.rpartition("/")[2].lower()
            tencent = "tencent" in key or "tke" in key
            if key in _NODE_CLUSTER_ID_KEYS or (tencent and name in ("cluster-id", "clusterid")):
                cid = cluster_id_of(value)
                if cid:
                    found.append(cid)
    return found


def _node_class_cluster_ids(node_class: NodeClass) -> list[str]:
    found = []
    for key in _SELECTOR_TERMS:
        terms = node_class.spec.get(key)
        for term in terms if isinstance(terms, list) else ():
            tags = term.get("tags") if isinstance(term, Mapping) else None
            for value in tags.values() if isinstance(tags, Mapping) else ():
                cid = cluster_id_of(value)
                if cid:
                    found.append(cid)
    return found


def cluster_hints(nodes: Sequence[Node], node_classes: Sequence[NodeClass]) -> ClusterHints:
    """Cluster IDs from TKE node labels/annotations, else from TKEMachineNodeClass selector
    tags (``karpenter.sh/discovery: cls-…``); zones from the node classes' status.subnets."""
    mine = [nc for nc in node_classes if (nc.group, nc.kind) == (GROUP, KIND)]
    ids = [cid for node in nodes for cid in _node_cluster_ids(node)]
    ids = ids or [cid for nc in mine for cid in _node_class_cluster_ids(nc)]
    zones: set[str] = set()
    for nc in mine:
        for subnet in status_list(nc.status, "subnets"):
            zone = str(subnet.get("zone") or "") or zone_name_from_id(
                str(subnet.get("zoneID") or "")) or ""
            if zone:
                zones.add(zone)
    # upstream: getInstanceTypes also asks for the CBS zones of the class's existing
    # NodeClaims (a subnet since removed still has nodes to price); their nodes carry both.
    classes = {nc.name for nc in mine}
    zones.update(node.labels[LABEL_CBS_ZONE] for node in nodes
                 if node.labels.get(LABEL_NODE_CLASS) in classes
                 and node.labels.get(LABEL_CBS_ZONE))
    return ClusterHints(tuple(dict.fromkeys(ids)), tuple(sorted(zones)))


# --------------------------------------------------------------------------- node class disks

SYSTEM_DISK_DEFAULT_GB = 50  # the CRD's default systemDisk.size
SYSTEM_DISK_KEPT_GB = 15  # the provider leaves this much of the system disk out of the storage
DATA_DISK_KEPT_GB = 5  # … and this much of a data disk that holds the kubelet's files
# A data disk mounted at one of these (after path cleaning) holds the kubelet's and the
# runtime's files, so its size is the node's ephemeral storage. Not /var/lib/containerd.
STORAGE_MOUNTS = ("/var/lib/container", "/var/lib/kubelet", "/var/lib", "/var")
DECIMAL_G = 10**9  # the provider writes the storage as "<n>G"


@dataclass(frozen=True)
class NodeStorage:
    """The ephemeral storage a TKEMachineNodeClass gives its nodes, and the disk it comes from."""

    gigabytes: int  # decimal GB of capacity, as the provider computes it
    disk: str  # e.g. "spec.systemDisk (60G)" or "spec.dataDisks[0] (100G at /var/lib/kubelet)"
    ignored: tuple[str, ...] = ()  # data disks mounted elsewhere (e.g. /var/lib/containerd)


def _size(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return default


def node_storage(node_class: NodeClass) -> NodeStorage:
    """upstream: instancetype.go List — system disk size − 15, or the size − 5 of the last data
    disk mounted at /var, /var/lib, /var/lib/container or /var/lib/kubelet; never below 0."""
    spec = node_class.spec
    system = spec.get("systemDisk")
    size = _size(system.get("size"), SYSTEM_DISK_DEFAULT_GB) if isinstance(system, Mapping) \
        else SYSTEM_DISK_DEFAULT_GB
    storage = NodeStorage(max(size - SYSTEM_DISK_KEPT_GB, 0),
                          f"spec.systemDisk ({size}G"
                          + (")" if isinstance(system, Mapping) else ", the default)"))
    ignored: list[str] = []
    disks = spec.get("dataDisks")
    for i, disk in enumerate(disks if isinstance(disks, list) else ()):
        if not isinstance(disk, Mapping):
            continue
        target = str(disk.get("mountTarget") or "")
        cleaned = posixpath.normpath(target) if target else "."
        disk_size = _size(disk.get("size"), 0)
        if cleaned in STORAGE_MOUNTS:
            storage = NodeStorage(max(disk_size - DATA_DISK_KEPT_GB, 0),
                                  f"spec.dataDisks[{i}] ({disk_size}G at {target})")
            ignored = []
        elif target:
            ignored.append(f"spec.dataDisks[{i}] ({disk_size}G at {target})")
    return NodeStorage(storage.gigabytes, storage.disk, tuple(ignored))


# --------------------------------------------------------------------------- VPC-CNI capacity

RESOURCE_ENI_IP = "tke.cloud.tencent.com/eni-ip"
RESOURCE_DIRECT_ENI = "tke.cloud.tencent.com/direct-eni"
RESOURCE_ENI = "tke.cloud.tencent.com/eni"
RESOURCE_SUB_ENI = "tke.cloud.tencent.com/sub-eni"
RESOURCE_EIP = "tke.cloud.tencent.com/eip"
NETWORK_RESOURCES = (RESOURCE_ENI_IP, RESOURCE_DIRECT_ENI, RESOURCE_ENI, RESOURCE_SUB_ENI,
                     RESOURCE_EIP)


@dataclass(frozen=True)
class PodLimits:
    """One type's DescribeVpcCniPodLimits entry (TKE 2018-05-25 PodLimits); None = not given."""

    eni_ip: int | None = None  # TKERouteENIStaticIP
    direct_eni: int | None = None  # TKEDirectENI
    sub_eni: int | None = None  # TKESubENI


def eip_capacity(cpu: int) -> int:
    """upstream: types.go eip — one EIP fewer than the type's public-IP quota by vCPU band."""
    if cpu >= 48:
        return 9
    for low, high, quota in ((1, 5, 2), (6, 11, 3), (12, 17, 4), (18, 23, 5), (24, 29, 6),
                             (30, 35, 7), (36, 41, 8), (42, 47, 9)):
        if low <= cpu <= high:
            return quota - 1
    return 1


def network_capacity(cpu: int, limits: PodLimits | None, zone_has_limits: bool
                     ) -> dict[str, int]:
    """The VPC-CNI extended resources computeCapacity puts on a type (milli-units).

    upstream: types.go computeCapacity — eip whenever the zone has ENI limits at all (the
    cluster's network mode keeps them), eni-ip / direct-eni (+ eni, same figure) / sub-eni
    when the type's own entry gives them."""
    out: dict[str, int] = {}
    if zone_has_limits:
        out[RESOURCE_EIP] = eip_capacity(cpu) * CORE
    if limits is not None:
        if limits.eni_ip is not None:
            out[RESOURCE_ENI_IP] = limits.eni_ip * CORE
        if limits.direct_eni is not None:
            out[RESOURCE_DIRECT_ENI] = limits.direct_eni * CORE
            out[RESOURCE_ENI] = limits.direct_eni * CORE
        if limits.sub_eni is not None:
            out[RESOURCE_SUB_ENI] = limits.sub_eni * CORE
    return out


# ------------------------------------------------------------------- kube-reserved by version

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


def legacy_kube_reserved_for(kubernetes_version: str) -> bool | None:
    """True before Kubernetes 1.29, False from 1.29 on, None when the version is unknown.

    upstream: types.go kubeReservedResources — k8sVersion.GT("1.29.0-0") picks the new CPU
    tiers and the smaller of 20Mi·pods+256Mi and the memory tiers; older servers get the
    legacy CPU tiers and the memory tiers alone. Any 1.29.0 build (even a pre-release such as
    1.29.0-tke.1) is above 1.29.0-0."""
    match = _VERSION.match(kubernetes_version.strip())
    if not match:
        return None
    return (int(match.group(1)), int(match.group(2))) < (1, 29)


NO_FACTS = ClusterFacts()


@dataclass(frozen=True)
class TKEProvider(BaseProvider):
    legacy_kube_reserved: bool = False
    # Set by ``configured`` from the NodePool's TKEMachineNodeClass; None: no node class known.
    storage: NodeStorage | None = None
    cluster: ClusterFacts = NO_FACTS

    def memory_label_value(self, memory_milli: int) -> str:
        return str(memory_milli // GI)

    def configured(self, node_class: NodeClass | None, cluster: ClusterFacts) -> TKEProvider:
        legacy = legacy_kube_reserved_for(cluster.kubernetes_version)
        storage = node_storage(node_class) if node_class is not None and (
            node_class.group, node_class.kind) == (GROUP, KIND) else None
        return replace(self, legacy_kube_reserved=self.legacy_kube_reserved if legacy is None
                       else legacy, storage=storage, cluster=cluster)

    def offering_labels(self, offering: Offering) -> tuple[tuple[str, str], ...]:
        # upstream: instancetype.go createOfferings — the CBS CSI zone (by name) per offering.
        name = offering.zone_name or zone_name_from_id(offering.zone) or ""
        return ((LABEL_CBS_ZONE, name),) if name else ()

    def launch_capacity(self, it: InstanceType, *, max_pods: int | None = None
                        ) -> dict[str, int]:
        """upstream: types.go computeCapacity — the disk from the node class, and pods from the
        type's ENI-IP limit (at least 61) when the catalogue gives no pods figure.

        A catalogue without VPC-CNI figures (the bundled one, a file) takes those the cluster's
        nodes of the type expose; failing that, on a VPC-CNI cluster (its pods request them or
        its nodes expose them), eni-ip is estimated as the type's pods figure (upstream's pods
        are max(eni-ip, 61): an upper bound of the real limit) and eip from the vCPU count as
        upstream computes it. ``catalogue_notes`` says so."""
        out = dict(it.capacity)
        if self.storage is not None:
            out["ephemeral-storage"] = self.storage.gigabytes * DECIMAL_G * 1000
        out.update(self._network_from_nodes(it))
        if "pods" not in out:
            # upstream: types.go pods. A catalogue with ENI limits comes from a cluster whose
            # network mode uses them; the cluster's own figure (max_pods, read off its nodes)
            # stands in for MaxNodePodNum otherwise.
            eni_ip = out.get(RESOURCE_ENI_IP, 0) // 1000
            if eni_ip > 0:
                out["pods"] = max(eni_ip, MIN_ENI_MAX_PODS) * CORE
            elif max_pods:
                out["pods"] = max_pods * CORE
        if self.needs_vpc_cni_estimate(out):
            out[RESOURCE_ENI_IP] = out.get("pods", DEFAULT_MAX_PODS * CORE)
            out[RESOURCE_EIP] = eip_capacity(out.get("cpu", 0) // CORE) * CORE
        return out

    def _network_from_nodes(self, it: InstanceType) -> dict[str, int]:
        """The VPC-CNI figures the cluster's nodes of this type expose, when the catalogue
        gives none."""
        if any(name in it.capacity for name in NETWORK_RESOURCES):
            return {}
        seen = self.cluster.node_extended.get(it.name, {})
        return {k: v for k, v in seen.items() if k in NETWORK_RESOURCES}

    def needs_vpc_cni_estimate(self, capacity: Resources) -> bool:
        """A type without VPC-CNI figures in a cluster that runs VPC-CNI: its pods request
        them, or its nodes expose them."""
        vpc_cni = bool(self.cluster.requested & {RESOURCE_ENI_IP, RESOURCE_EIP}) or any(
            RESOURCE_ENI_IP in seen for seen in self.cluster.node_extended.values())
        return vpc_cni and not any(n in capacity for n in NETWORK_RESOURCES)

    def catalogue_notes(self, catalog: InstanceTypeCatalog) -> tuple[str, ...]:
        estimated = [it.name for it in catalog.instance_types if self.needs_vpc_cni_estimate(
            {**it.capacity, **self._network_from_nodes(it)})]
        if not estimated:
            return ()
        where = catalog.source or "the catalogue"
        return (f"pods request {RESOURCE_ENI_IP} (VPC-CNI) but {where} has no VPC-CNI limits "
                f"for {len(estimated)} type(s): their "
                f"{RESOURCE_ENI_IP} is estimated as their pods figure and {RESOURCE_EIP} from "
                "the vCPU count; the live catalogue (credentials and the cluster ID) has the "
                "real limits",)

    def ephemeral_storage_source(self) -> str:
        if self.storage is None:
            return ""
        text = self.storage.disk
        if self.storage.ignored:
            text += ("; not counted: " + ", ".join(self.storage.ignored)
                     + " (the provider only counts a data disk mounted at "
                     + ", ".join(STORAGE_MOUNTS) + ")")
        return text

    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        cpu = capacity.get("cpu", 0)
        memory_bytes = capacity.get("memory", 0) // 1000
        pods = max_pods or (capacity.get("pods", 0) // 1000) or DEFAULT_MAX_PODS
        cpu_reserved, memory_reserved_mi = kube_reserved(
            cpu, pods, memory_bytes // 2**30, legacy=self.legacy_kube_reserved)
        memory = memory_after_overhead(memory_bytes) * 1000 - memory_reserved_mi * MI \
            - EVICTION_MEMORY
        out = dict(capacity)
        out["cpu"] = max(cpu - cpu_reserved, 0)
        out["memory"] = max(memory, 0)
        out["pods"] = pods * CORE
        if "ephemeral-storage" in capacity:
            # upstream: types.go evictionThreshold — nodefs.available is ceil(10%) of the disk.
            storage_bytes = capacity["ephemeral-storage"] // 1000
            out["ephemeral-storage"] = (storage_bytes - -(-storage_bytes // 10)) * 1000
        return out

    def node_class_zones(self, node_class: NodeClass) -> frozenset[str] | None:
        subnets = status_list(node_class.status, "subnets")
        if not subnets:
            return None
        zones: set[str] = set()
        for subnet in subnets:
            zone_id = str(subnet.get("zoneID") or "")
            zone = str(subnet.get("zone") or "")
            zones.update(z for z in (zone_id, zone, zone_id_from_name(zone) or "",
                                     zone_name_from_id(zone_id) or "") if z)
        return frozenset(zones)

    def zone_names(self, node_class: NodeClass) -> dict[str, str]:
        names = {}
        for subnet in status_list(node_class.status, "subnets"):
            zone_id = str(subnet.get("zoneID") or "")
            zone = str(subnet.get("zone") or "")
            zone_id = zone_id or zone_id_from_name(zone) or ""
            if zone_id and zone:
                names[zone_id] = zone
        return names

    def zone_name(self, zone: str) -> str | None:
        return zone_name_from_id(zone)

    def zone_id(self, zone_name: str) -> str | None:
        return zone_id_from_name(zone_name)


PROVIDER = TKEProvider(
    name="tke", title="TKE", node_class_group=GROUP, node_class_kind=KIND,
    # upstream: apis/v1beta1/labels.go WellKnownLabels (the VPC-CNI resource names too)
    labels=frozenset({LABEL_FAMILY, LABEL_CPU, LABEL_MEMORY_GB, LABEL_NODE_CLASS,
                      LABEL_NODECLAIM, LABEL_CBS_ZONE, *NETWORK_RESOURCES}),
    catalog_loader="kubectl_karp.cloud.tencent:load_live_catalog",
    family_label=LABEL_FAMILY, cpu_label=LABEL_CPU, memory_label=LABEL_MEMORY_GB,
    resolved_status_key="subnets",
    # upstream: apis/v1beta1/labels.go RestrictedLabelDomains
    restricted_domains=frozenset({GROUP}),
    # upstream: types.go computeRequirements — node.kubernetes.io/windows-build DoesNotExist
    absent_labels=frozenset({LABEL_WINDOWS_BUILD}),
)
