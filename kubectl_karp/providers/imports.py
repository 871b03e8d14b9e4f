"""Catalogues from the clouds' own CLI listings (``kubectl karp catalog import``).

Pure: the edge reads the JSON files and hands the parsed documents in. Each importer reads the
fields the provider's controller reads from the same API (cited per function), so the labels,
capacity and pods of the result are what that controller would compute; allocatable is then
filled in by the provider (``registry.complete_catalog``).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.objects import LABEL_ARCH, LABEL_INSTANCE_TYPE, LABEL_OS
from kubectl_karp.providers import alibaba, aws, huawei
from kubectl_karp.providers.base import CORE, MI

Doc = Mapping[str, Any]
_AWS_ARCH = {"x86_64": "amd64", "arm64": "arm64"}  # upstream: v1.AWSToKubeArchitectures


def _items(docs: Iterable[tuple[Doc, str]], *path: str) -> list[tuple[Mapping[str, Any], str]]:
    """The objects under ``path`` of every document (one list per file, or per page)."""
    out: list[tuple[Mapping[str, Any], str]] = []
    for doc, where in docs:
        value: Any = doc
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if not isinstance(value, list):
            raise InputError(f"expected {'.'.join(path)} (a list) in the document", where=where)
        out.extend((item, where) for item in value if isinstance(item, Mapping))
    return out


def _kebab(text: object) -> str:
    """upstream: types.go lowerKabobCase."""
    return str(text).lower().replace(" ", "-")


# --------------------------------------------------------------------------- AWS

def _aws_labels(info: Mapping[str, Any]) -> dict[str, str]:
    """The labels computeRequirements gives a value (types.go), from InstanceTypeInfo."""
    name = str(info.get("InstanceType", ""))
    processor = info.get("ProcessorInfo") or {}
    # upstream: getArchitecture — the first supported architecture Kubernetes has a name for
    known = [_AWS_ARCH[a] for a in processor.get("SupportedArchitectures") or [] if a in _AWS_ARCH]
    arch = known[0] if known else None
    network = info.get("NetworkInfo") or {}
    labels: dict[str, str] = {LABEL_INSTANCE_TYPE: name, LABEL_OS: "linux",
                              aws.LABEL_HYPERVISOR: str(info.get("Hypervisor") or ""),
                              aws.LABEL_ENCRYPTION: "true" if network.get(
                                  "EncryptionInTransitSupported") else "false"}
    if arch:
        labels[LABEL_ARCH] = arch
    storage = info.get("InstanceStorageInfo")
    if isinstance(storage, Mapping) and storage.get("NvmeSupport") != "unsupported" \
            and storage.get("TotalSizeInGB") is not None:
        labels[aws.LABEL_LOCAL_NVME] = str(storage["TotalSizeInGB"])
    # upstream reads a table generated from the EC2 docs' baseline bandwidth; the API's
    # default network card carries the same baseline figure (Gbps).
    cards = network.get("NetworkCards") or []
    card = _default_card(network, cards)
    baseline = card.get("BaselineBandwidthInGbps") if card else None
    if baseline is not None:
        labels[aws.LABEL_NETWORK_BANDWIDTH] = str(round(float(baseline) * 1000))
    gpus = (info.get("GpuInfo") or {}).get("Gpus") or []
    if len(gpus) == 1:
        gpu = gpus[0]
        labels[aws.LABEL_GPU_NAME] = _kebab(gpu.get("Name", ""))
        labels[aws.LABEL_GPU_MANUFACTURER] = _kebab(gpu.get("Manufacturer", ""))
        labels[aws.LABEL_GPU_COUNT] = str(gpu.get("Count", 0))
        labels[aws.LABEL_GPU_MEMORY] = str((gpu.get("MemoryInfo") or {}).get("SizeInMiB", 0))
    neuron = (info.get("NeuronInfo") or {}).get("NeuronDevices") or []
    accelerators = (info.get("InferenceAcceleratorInfo") or {}).get("Accelerators") or []
    if len(accelerators) == 1 and not info.get("NeuronInfo"):
        acc = accelerators[0]
        labels[aws.LABEL_ACCELERATOR_NAME] = _kebab(acc.get("Name", ""))
        labels[aws.LABEL_ACCELERATOR_MANUFACTURER] = _kebab(acc.get("Manufacturer", ""))
        labels[aws.LABEL_ACCELERATOR_COUNT] = str(acc.get("Count", 0))
    if len(neuron) == 1:
        labels[aws.LABEL_ACCELERATOR_NAME] = _kebab(neuron[0].get("Name", ""))
        labels[aws.LABEL_ACCELERATOR_MANUFACTURER] = "aws"
        labels[aws.LABEL_ACCELERATOR_COUNT] = str(neuron[0].get("Count", 0))
    if processor:
        labels[aws.LABEL_CPU_MANUFACTURER] = _kebab(processor.get("Manufacturer", ""))
        clock = float(processor.get("SustainedClockSpeedInGhz") or 0)
        labels[aws.LABEL_CPU_CLOCK] = str(math.floor(clock * 1000 + 0.5))  # Go math.Round
    ebs = info.get("EbsInfo") or {}
    if ebs.get("EbsOptimizedSupport") == "default" and ebs.get("EbsOptimizedInfo"):
        labels[aws.LABEL_EBS_BANDWIDTH] = str(ebs["EbsOptimizedInfo"].get(
            "MaximumBandwidthInMbps", 0))
    return labels


def _default_card(network: Mapping[str, Any], cards: Sequence[Mapping[str, Any]]
                  ) -> Mapping[str, Any] | None:
    index = network.get("DefaultNetworkCardIndex") or 0
    return next((c for c in cards if c.get("NetworkCardIndex", 0) == index),
                cards[index] if index < len(cards) else None)


def _aws_capacity(info: Mapping[str, Any], where: str) -> dict[str, int]:
    """types.go computeCapacity: the figures that do not depend on the node class."""
    name = info.get("InstanceType")
    try:
        vcpus = int(info["VCpuInfo"]["DefaultVCpus"])
        memory = int(info["MemoryInfo"]["SizeInMiB"])
    except (KeyError, TypeError, ValueError):
        raise InputError(f"instance type {name}: VCpuInfo.DefaultVCpus and "
                         "MemoryInfo.SizeInMiB are required", where=where) from None
    network = info.get("NetworkInfo") or {}
    card = _default_card(network, network.get("NetworkCards") or [])
    enis = int((card or {}).get("MaximumNetworkInterfaces")
               or network.get("MaximumNetworkInterfaces") or 0)
    ips = int(network.get("Ipv4AddressesPerInterface") or 0)
    capacity = {"cpu": vcpus * CORE, "memory": memory * MI,
                "pods": (aws.eni_limited_pods(enis, ips) if enis and ips
                         else aws.DEFAULT_MAX_PODS) * CORE}
    gpus: dict[str, int] = defaultdict(int)
    for gpu in (info.get("GpuInfo") or {}).get("Gpus") or []:
        resource = {"NVIDIA": "nvidia.com/gpu", "AMD": "amd.com/gpu",
                    "Habana": "habana.ai/gaudi"}.get(str(gpu.get("Manufacturer")))
        if resource:
            gpus[resource] += int(gpu.get("Count") or 0)
    neuron = (info.get("NeuronInfo") or {}).get("NeuronDevices") or []
    if neuron:
        gpus["aws.amazon.com/neuron"] = sum(int(d.get("Count") or 0) for d in neuron)
        cores = (neuron[0].get("CoreInfo") or {}).get("Count") or 0
        gpus["aws.amazon.com/neuroncore"] = int(neuron[0].get("Count") or 0) * int(cores)
    efa = (network.get("EfaInfo") or {}).get("MaximumEfaInterfaces")
    if efa:
        gpus["vpc.amazonaws.com/efa"] = int(efa)
    capacity.update({k: v * CORE for k, v in gpus.items() if v})
    return capacity


def aws_catalog(instance_types: Sequence[tuple[Doc, str]], offerings: Sequence[tuple[Doc, str]],
                prices: Sequence[tuple[Doc, str]] = (), *, region: str = "") -> InstanceTypeCatalog:
    """From ``aws ec2 describe-instance-types``, ``describe-instance-type-offerings
    --location-type availability-zone`` and optionally ``describe-spot-price-history`` /
    ``aws pricing get-products`` (EC2 on-demand) output.

    Offerings follow offering/base_resolver.go ResolveOfferings: every zone the type is offered
    in, for each of its SupportedUsageClasses (on-demand, spot). When a price file of that
    capacity type is given, an offering it has no price for is unavailable (upstream:
    ``Available: … && hasPrice``).
    """
    zones: dict[str, set[str]] = defaultdict(set)
    for item, where in _items(offerings, "InstanceTypeOfferings"):
        if item.get("LocationType", "availability-zone") != "availability-zone":
            raise InputError("offerings must be listed with --location-type availability-zone "
                             f"(got {item.get('LocationType')})", where=where)
        zones[str(item.get("InstanceType"))].add(str(item.get("Location")))
    spot, on_demand, have_spot, have_od = _aws_prices(prices)
    types = []
    seen: set[str] = set()
    for info, where in _items(instance_types, "InstanceTypes"):
        name = str(info.get("InstanceType") or "")
        if not name or name in seen:
            continue
        seen.add(name)
        usage = [u for u in info.get("SupportedUsageClasses") or ["on-demand"]
                 if u in ("on-demand", "spot")]
        offers = []
        for zone in sorted(zones.get(name, ())):
            for ctype in usage:
                price = on_demand.get(name) if ctype == "on-demand" else spot.get((name, zone))
                checked = have_od if ctype == "on-demand" else have_spot
                offers.append(Offering(zone=zone, capacity_type=ctype, price_per_hour=price,
                                       available=price is not None or not checked))
        types.append(InstanceType(name=name, labels=_aws_labels(info),
                                  capacity=_aws_capacity(info, where), offerings=tuple(offers)))
    if not types:
        raise InputError("no instance types in the describe-instance-types output",
                         where=instance_types[0][1] if instance_types else None)
    return InstanceTypeCatalog(
        provider="aws", region=region, instance_types=tuple(types),
        source="imported from the AWS CLI (describe-instance-types"
               + (", prices" if prices else "") + ")",
        prices_known=bool(have_spot or have_od), origin="aws-cli import")


def _aws_prices(docs: Sequence[tuple[Doc, str]]
                ) -> tuple[dict[tuple[str, str], float], dict[str, float], bool, bool]:
    spot: dict[tuple[str, str], tuple[str, float]] = {}
    on_demand: dict[str, float] = {}
    have_spot = have_od = False
    for doc, where in docs:
        if "SpotPriceHistory" in doc:
            have_spot = True
            for item, _ in _items([(doc, where)], "SpotPriceHistory"):
                if not str(item.get("ProductDescription", "Linux/UNIX")).startswith("Linux/UNIX"):
                    continue
                key = (str(item.get("InstanceType")), str(item.get("AvailabilityZone")))
                stamp = str(item.get("Timestamp", ""))
                if key not in spot or stamp > spot[key][0]:  # the newest price wins
                    spot[key] = (stamp, float(item.get("SpotPrice", 0)))
        elif "PriceList" in doc:
            have_od = True
            on_demand.update(_on_demand_prices(doc, where))
        else:
            raise InputError("a price file must be describe-spot-price-history "
                             "(SpotPriceHistory) or pricing get-products (PriceList) output",
                             where=where)
    return {k: v for k, (_, v) in spot.items()}, on_demand, have_spot, have_od


def _on_demand_prices(doc: Doc, where: str) -> dict[str, float]:
    """``aws pricing get-products --service-code AmazonEC2`` items (JSON strings), filtered as
    the controller's pricing provider does: Linux, shared tenancy, no pre-installed software,
    capacity status Used."""
    out: dict[str, float] = {}
    for raw in doc.get("PriceList") or []:
        try:
            product = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise InputError("PriceList holds an item that is not JSON", where=where) from None
        attrs = (product.get("product") or {}).get("attributes") or {}
        wanted = {"operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA",
                  "capacitystatus": "Used"}
        if any(attrs.get(k, v) != v for k, v in wanted.items()) or not attrs.get("instanceType"):
            continue
        for term in ((product.get("terms") or {}).get("OnDemand") or {}).values():
            for dim in (term.get("priceDimensions") or {}).values():
                usd = (dim.get("pricePerUnit") or {}).get("USD")
                if usd is not None and float(usd) > 0:
                    out[str(attrs["instanceType"])] = float(usd)
    return out


# --------------------------------------------------------------------------- Alibaba

def alibaba_catalog(instance_types: Sequence[tuple[Doc, str]], *,
                    on_demand: Sequence[tuple[Doc, str]] = (), spot: Sequence[tuple[Doc, str]] = (),
                    zones: Sequence[str] = (), network: str = "", max_pods: int | None = None,
                    region: str = "") -> InstanceTypeCatalog:
    """From ``aliyun ecs DescribeInstanceTypes`` and (optionally) ``DescribeAvailableResource
    --DestinationResource InstanceType`` with ``--SpotStrategy NoSpot`` (on_demand) and
    ``SpotAsPriceGo`` (spot), as the provider's instancetype.go reads them; ``zones`` when
    there is no availability listing (every type offered on-demand and spot there).

    Pods follow calculateCapacityAndAllocatable: 110, or on a terway-eniip cluster
    (EniQuantity − 1) × EniPrivateIpAddressQuantity + 3, or a flannel cluster's max pods.
    The provider sets no prices (``Price: 0.0``): prices are unknown.
    """
    stock: dict[str, dict[tuple[str, str], bool]] = defaultdict(dict)
    for ctype, docs in (("on-demand", on_demand), ("spot", spot)):
        for zone_item, _ in _items(docs, "AvailableZones", "AvailableZone"):
            zone = str(zone_item.get("ZoneId"))
            resources = ((zone_item.get("AvailableResources") or {}).get("AvailableResource")
                         or [])
            for res in resources:
                if res.get("Type") != "InstanceType":
                    continue
                for sr in (res.get("SupportedResources") or {}).get("SupportedResource") or []:
                    status = sr.get("StatusCategory")
                    has = status in ("WithStock", "ClosedWithStock")
                    if not has and status not in ("WithoutStock", "ClosedWithoutStock"):
                        continue
                    key = (zone, ctype)
                    seen = stock[str(sr.get("Value"))]
                    seen[key] = seen.get(key, False) or has
    listed = bool(on_demand or spot)
    if not listed and not zones:
        raise InputError("give the zones (--zone) or DescribeAvailableResource listings "
                         "(--on-demand-resources/--spot-resources)")
    types = []
    for info, where in _items(instance_types, "InstanceTypes", "InstanceType"):
        name = str(info.get("InstanceTypeId") or "")
        if not name or info.get("CpuCoreCount") is None or info.get("MemorySize") is None:
            continue  # upstream skips a type without CPU or memory
        memory = alibaba_memory(info.get("MemorySize"), where)
        pods = max_pods or 110
        capacity = {"cpu": int(info["CpuCoreCount"]) * CORE, "memory": memory * 1000}
        if network == "terway-eniip":
            pods, exclusive = _terway(info)
            capacity["alibabacloud.com/exclusive-eni"] = exclusive * CORE
        capacity["pods"] = pods * CORE
        gpus = int(info.get("GPUAmount") or 0)
        if gpus > 0:
            capacity["nvidia.com/gpu"] = gpus * CORE
        arch = "arm64" if info.get("CpuArchitecture") == "ARM64" else "amd64"
        labels = {LABEL_INSTANCE_TYPE: name, LABEL_ARCH: arch, LABEL_OS: "linux"}
        if listed:
            offers = tuple(Offering(zone=z, capacity_type=ct, available=has)
                           for (z, ct), has in sorted(stock.get(name, {}).items()))
        else:
            offers = tuple(Offering(zone=z, capacity_type=ct) for z in zones
                           for ct in ("on-demand", "spot"))
        types.append(InstanceType(name=name, labels=labels, capacity=capacity,
                                  offerings=offers))
    if not types:
        raise InputError("no instance types in the DescribeInstanceTypes output")
    return InstanceTypeCatalog(provider="alibaba", region=region, instance_types=tuple(types),
                               source="imported from the Alibaba Cloud CLI (DescribeInstanceTypes)",
                               prices_known=False, origin="aliyun-cli import")


def alibaba_memory(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"MemorySize {value!r} is not a number", where=where)
    try:
        return alibaba.memory_bytes(float(value))
    except ValueError:
        raise InputError(f"MemorySize {value!r} is not a number", where=where) from None


def _terway(info: Mapping[str, Any]) -> tuple[int, int]:
    return alibaba.terway_pods(int(info.get("EniQuantity") or 0),
                               int(info.get("EniPrivateIpAddressQuantity") or 0))


# --------------------------------------------------------------------------- Huawei

def _cond_az(text: str) -> dict[str, str]:
    """upstream: instancetype.go parseCondOperationAZ — "cn-north-4a(normal),…"."""
    for full, half in (("，", ","), ("；", ","), (";", ","), ("（", "("), ("）", ")")):
        text = text.replace(full, half)
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        zone, status = part, ""
        if "(" in part and part.rfind(")") > part.index("("):
            zone = part[:part.index("(")].strip()
            status = part[part.index("(") + 1:part.rfind(")")].strip()
        if zone:
            out[zone] = status
    return out


def _sells(status: str) -> bool:
    """upstream: condOperationStatusAvailable."""
    return status.strip() in ("", "normal", "promotion", "obt")


def huawei_catalog(flavors: Sequence[tuple[Doc, str]], *, zones: Sequence[str] = (),
                   region: str = "") -> InstanceTypeCatalog:
    """From ``hcloud ECS ListFlavors`` (``flavors[]`` with ``os_extra_specs``), as the
    provider's instancetype.go reads it: zones from ``cond:operation:az`` over the universe of
    every zone any flavor names (plus ``zones``), a flavor's default status from
    ``cond:operation:status``; pods from the memory tier capped by
    ``quota:sub_network_interface_max_num``; on-demand only (the provider's only capacity
    type), prices unknown.
    """
    items = _items(flavors, "flavors")
    universe = set(zones)
    for item, _ in items:
        extra = item.get("os_extra_specs") or {}
        universe.update(_cond_az(str(extra.get("cond:operation:az") or "")))
    types = []
    for item, where in items:
        name = str(item.get("name") or item.get("id") or "")
        try:
            vcpus, ram = int(item["vcpus"]), int(item["ram"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"flavor {name}: vcpus and ram are required", where=where) from None
        extra = item.get("os_extra_specs") or {}
        default = str(extra.get("cond:operation:status") or "normal")
        available = set(universe) if _sells(default) else set()
        for zone, status in _cond_az(str(extra.get("cond:operation:az") or "")).items():
            (available.add if _sells(status) else available.discard)(zone)
        pods = huawei.default_max_pods(ram)
        nic_cap = str(extra.get("quota:sub_network_interface_max_num") or "").strip()
        if nic_cap.isdigit() and int(nic_cap) > 0:
            pods = min(pods, int(nic_cap))
        labels = {LABEL_INSTANCE_TYPE: name, LABEL_OS: "linux",
                  LABEL_ARCH: str(extra.get("ecs:instance_architecture") or "amd64")}
        types.append(InstanceType(
            name=name, labels=labels,
            capacity={"cpu": vcpus * CORE, "memory": ram * MI, "pods": pods * CORE},
            offerings=tuple(Offering(zone=z, capacity_type="on-demand")
                            for z in sorted(available))))
    if not types:
        raise InputError("no flavors in the ListFlavors output")
    return InstanceTypeCatalog(provider="huawei", region=region, instance_types=tuple(types),
                               source="imported from the Huawei Cloud CLI (ECS ListFlavors)",
                               prices_known=False, origin="hcloud-cli import")
