"""Tencent Kubernetes Engine: TKEMachineNodeClass, TKE labels and the TKE allocatable formula.

The allocatable arithmetic follows karpenter-provider-tke (pkg/providers/instancetype): memory
loses a kdump reservation and a VM overhead share, then kube-reserved (tiered) and a 100Mi
eviction threshold; CPU loses a tiered kube-reserved share.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from kubectl_karp.model.objects import NodeClass
from kubectl_karp.model.resources import Resources
from kubectl_karp.providers.base import (
    CORE,
    GI,
    MI,
    BaseProvider,
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


@dataclass(frozen=True)
class TKEProvider(BaseProvider):
    legacy_kube_reserved: bool = False

    def memory_label_value(self, memory_milli: int) -> str:
        return str(memory_milli // GI)

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
        if "ephemeral-storage" in capacity:  # nodefs.available 10% eviction threshold
            storage = capacity["ephemeral-storage"]
            out["ephemeral-storage"] = storage - storage // 10
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
    labels=frozenset({LABEL_FAMILY, LABEL_CPU, LABEL_MEMORY_GB, LABEL_NODE_CLASS,
                      LABEL_NODECLAIM, LABEL_CBS_ZONE}),
    catalog_loader="kubectl_karp.cloud.tencent:load_live_catalog",
    family_label=LABEL_FAMILY, cpu_label=LABEL_CPU, memory_label=LABEL_MEMORY_GB,
    resolved_status_key="subnets",
)
