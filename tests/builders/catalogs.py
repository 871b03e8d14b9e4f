"""Instance-type catalogues for tests, in Karpenter's fake cloud provider convention: price =
0.1 per vCPU + 0.1 per GiB (spot cheaper), every type in every zone.

``make_catalog`` is the scheduling scenarios' (TKE names S5.LARGE8 with kubelet overhead, or
another cloud's names without allocatable so its provider's formula applies); ``fake_type``
and ``standard_types`` are the disruption suite's cpu-N types (upstream's benchmark shape).
"""

from __future__ import annotations

from typing import Any

from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.objects import LABEL_INSTANCE_TYPE
from kubectl_karp.model.quantity import parse_milli
from tests.builders.documents import ZONE_NAMES

GI = 2**30 * 1000
MI = 2**20 * 1000
CPU = 1000
ZONES = ("zone-a", "zone-b")
DEFAULT_ZONES = ["100003", "100004", "100006"]
DEFAULT_SIZES = [[1, 1], [1, 2], [2, 4], [2, 8], [4, 8], [4, 16], [8, 16], [8, 32], [16, 32],
                 [16, 64], [32, 64], [32, 128], [64, 256]]
SIZE_NAMES = {1: "SMALL", 2: "MEDIUM", 4: "LARGE", 8: "2XLARGE", 16: "4XLARGE", 32: "8XLARGE",
              64: "16XLARGE"}


# Provider → (type-name pattern, node-class status key) for non-TKE scenarios.
_CLOUD_NAMES = {"aws": "{family}.{size}", "alibaba": "ecs.{family}.{size}",
                "huawei": "{family}.{size}.2"}
_AWS_SIZES = {1: "medium", 2: "large", 4: "xlarge", 8: "2xlarge", 16: "4xlarge", 32: "8xlarge",
              64: "16xlarge"}


def make_catalog(spec: dict[str, Any], provider: str = "tke") -> InstanceTypeCatalog:
    if provider != "tke":
        return _cloud_catalog(spec, provider)
    zones = spec.get("zones", DEFAULT_ZONES)
    families = spec.get("families", {"S5": "amd64"})
    sizes = spec.get("sizes", DEFAULT_SIZES)
    spot = spec.get("spot", False)
    sold_out = {tuple(x) for x in spec.get("soldOut", [])}
    sold_out_all = {tuple(x) for x in spec.get("soldOutAll", [])}  # (zone, capacity type)
    types = []
    for family, arch in families.items():
        factor = 0.9 if arch == "arm64" else 1.0
        for cpu, mem in sizes:
            name = f"{family}.{SIZE_NAMES.get(cpu, str(cpu))}{mem}"
            price = round((0.1 * cpu + 0.1 * mem) * factor, 4)
            offerings = []
            for zone in zones:
                for ctype, p in (("on-demand", price), ("spot", round(price * 0.3, 4))):
                    if ctype == "spot" and not spot:
                        continue
                    offerings.append(Offering(zone=zone, capacity_type=ctype, price_per_hour=p,
                                              available=(name, zone, ctype) not in sold_out
                                              and (zone, ctype) not in sold_out_all,
                                              zone_name=ZONE_NAMES.get(zone, "")))
            for rname, rzone, rprice in spec.get("reserved", []):
                if rname == name:
                    offerings.append(Offering(zone=rzone, capacity_type="reserved",
                                              price_per_hour=rprice))
            capacity = {"cpu": cpu * 1000, "memory": mem * GI, "pods": 110_000}
            allocatable = {"cpu": cpu * 1000 - 100, "memory": mem * GI - 10 * MI,
                           "pods": 110_000}
            extra = {k: parse_milli(str(v)) for k, v in spec.get("extraCapacity", {}).items()}
            capacity.update(extra)
            allocatable.update(extra)
            if spec.get("providerFormula"):
                del capacity["pods"]
                allocatable = {}
            types.append(InstanceType(
                name=name, labels={"karpenter.k8s.tke/instance-family": family,
                                   "kubernetes.io/arch": arch},
                capacity=capacity, allocatable=allocatable, offerings=tuple(offerings)))
    return InstanceTypeCatalog(provider="tke", region="ap-guangzhou", source="test catalogue",
                               instance_types=tuple(types), origin="test")


def _cloud_catalog(spec: dict[str, Any], provider: str) -> InstanceTypeCatalog:
    zones = spec.get("zones", DEFAULT_ZONES)
    families = spec.get("families", {"m5": "amd64"})
    gpus = spec.get("gpus", {})
    types = []
    for family, arch in families.items():
        for cpu, mem in spec.get("sizes", DEFAULT_SIZES):
            size = f"{_AWS_SIZES.get(cpu, str(cpu))}{'' if provider == 'aws' else mem}"
            name = _CLOUD_NAMES[provider].format(family=family, size=size)
            price = round(0.1 * cpu + 0.1 * mem, 4)
            capacity = {"cpu": cpu * 1000, "memory": mem * GI}
            if family in gpus:
                capacity["nvidia.com/gpu"] = gpus[family] * 1000
            offerings = tuple(Offering(zone=z, capacity_type=ct, price_per_hour=p)
                              for z in zones for ct, p in (("on-demand", price),
                                                           ("spot", round(price * 0.3, 4)))
                              if ct == "on-demand" or spec.get("spot", False))
            types.append(InstanceType(name=name, labels={"kubernetes.io/arch": arch},
                                      capacity=capacity, offerings=offerings))
    return InstanceTypeCatalog(provider=provider, source="test catalogue",
                               instance_types=tuple(types), origin="test")


def fake_price(cpu: int, mem_gi: int) -> float:
    return round(0.1 * cpu + 0.1 * mem_gi, 6)


def fake_type(name: str, cpu: int, mem_gi: int, *, spot_discount: float = 0.5,
              zones: tuple[str, ...] = ZONES, spot: bool = True) -> InstanceType:
    price = fake_price(cpu, mem_gi)
    offerings = [Offering(zone=z, capacity_type="on-demand", price_per_hour=price)
                 for z in zones]
    if spot:
        offerings += [Offering(zone=z, capacity_type="spot",
                               price_per_hour=round(price * spot_discount, 6)) for z in zones]
    capacity = {"cpu": cpu * CPU, "memory": mem_gi * GI, "pods": 110_000}
    return InstanceType(name=name, capacity=capacity, allocatable=dict(capacity),
                        labels={LABEL_INSTANCE_TYPE: name, "kubernetes.io/arch": "amd64",
                                "kubernetes.io/os": "linux"},
                        offerings=tuple(offerings))


def standard_types() -> list[InstanceType]:
    """cpu-N types with N vCPU and 2N GiB (upstream benchmark shape), N = 1..32."""
    return [fake_type(f"cpu-{n}", n, 2 * n) for n in range(1, 33)]
