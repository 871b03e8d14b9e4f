"""The live TKE catalogue from the Tencent Cloud API, through the official Python SDK.

As karpenter-provider-tke does (pkg/providers/instancetype/instancetype.go getInstanceTypes),
TKE 2022-05-01 ``DescribeZoneInstanceConfigInfos`` is asked four times — on-demand
(POSTPAID_BY_HOUR) and spot (SPOTPAID), each for amd64 and arm64 — filtered by the zones of
the node classes' subnets. An offering is available iff ``Status == "SELL"`` and
``Inventory > 0`` (an item without Inventory has none); its price is ``Price.UnitPrice``;
``StatusCategory`` and the like are not read, as the provider does not read them. Zone IDs
come from the provider's own region table (``providers.tke.zones.zone_id_from_name``).

Max pods per node (``capacity.pods``) and the VPC-CNI extended resources
(``tke.cloud.tencent.com/eni-ip``, ``direct-eni``, ``eni``, ``sub-eni``, ``eip``) come from
the cluster: TKE 2018-05-25 ``DescribeClusters`` (MaxNodePodNum and the network mode) and
``DescribeVpcCniPodLimits`` per zone of the node classes' subnets. The cluster ID is
``TKE_CLUSTER_ID``, else what the snapshot names (``providers.tke.nodeclass.cluster_hints``).
Without an ID, or when those calls fail (e.g. the credentials may not read the cluster), the
catalogue leaves them out and carries a note: max pods then comes from the cluster's nodes,
else 110.

Prices are in the currency of the account's site: CNY on the China site. The API answer
names no currency, so ``KARP_TENCENTCLOUD_CURRENCY`` (e.g. USD for an international
account) says otherwise; an item's ``Price.Currency``, where present, wins.

Credentials, the endpoint and one call with its retries are ``cloud.tencent_client``.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from kubectl_karp.cloud.cache import cache_path, read_cached, ttl_from_env, write_cached
from kubectl_karp.cloud.tencent_client import (
    TKE_SERVICE,
    TKE_VERSION,
    VERSION,
    ZONE_NOT_SUPPORTED,
    Credentials,
    TencentClient,
    TencentCloudError,
    answer_items,
    endpoint_from_env,
    find_credentials,
)
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.providers.tke.capacity import (
    ClusterNetwork,
    PodLimits,
    max_pods,
    network_capacity,
)
from kubectl_karp.providers.tke.labels import LABEL_FAMILY
from kubectl_karp.providers.tke.nodeclass import ClusterHints, cluster_id_of
from kubectl_karp.providers.tke.zones import zone_id_from_name

ENV_CLUSTER_ID = "TKE_CLUSTER_ID"
ENV_CURRENCY = "KARP_TENCENTCLOUD_CURRENCY"
DEFAULT_CURRENCY = "CNY"  # the China site's; the API answer does not say
CHARGE_TYPES = {"POSTPAID_BY_HOUR": "on-demand", "SPOTPAID": "spot"}
ARCHITECTURES = ("amd64", "arm64")


# --------------------------------------------------------------------------- the calls

def quotas(client: TencentClient, charge_type: str, arch: str, zones: Sequence[str]
           ) -> list[Mapping[str, Any]]:
    """One DescribeZoneInstanceConfigInfos (TKE 2022-05-01) with the provider's filters:
    zone (the node classes' subnet zones), architecture, instance-charge-type. A zone the
    API does not support gives no types, as upstream skips it."""
    filters: list[dict[str, Any]] = []
    if zones:
        filters.append({"Name": "zone", "Values": list(zones)})
    filters += [{"Name": "architecture", "Values": [arch]},
                {"Name": "instance-charge-type", "Values": [charge_type]}]
    try:
        response = client.call("DescribeZoneInstanceConfigInfos", {"Filters": filters})
    except TencentCloudError as err:
        if ZONE_NOT_SUPPORTED in err.code:
            return []
        raise
    return answer_items(response, "InstanceTypeQuotaSet", "DescribeZoneInstanceConfigInfos")

# TKE 2018-05-25 (a client made with service=TKE_SERVICE, version=TKE_VERSION)


def cluster_network(client: TencentClient, cluster_id: str) -> ClusterNetwork:
    """MaxNodePodNum and the network mode of one cluster (DescribeClusters)."""
    response = client.call("DescribeClusters", {"ClusterIds": [cluster_id]})
    clusters = answer_items(response, "Clusters", "DescribeClusters")
    if not clusters:
        raise TencentCloudError(f"Tencent Cloud API DescribeClusters ({client.region}) knows "
                                f"no cluster {cluster_id}")
    cluster = clusters[0]
    settings = cluster.get("ClusterNetworkSettings")
    pod_num = settings.get("MaxNodePodNum") if isinstance(settings, dict) else None
    if isinstance(pod_num, bool) or not isinstance(pod_num, int):
        pod_num = 0
    raw = cluster.get("Property")
    if not isinstance(raw, str):  # the provider skips the cluster's settings then
        return ClusterNetwork(max_node_pod_num=pod_num)
    try:
        prop = json.loads(raw)
    except ValueError:
        prop = None
    prop = prop if isinstance(prop, dict) else {}
    return ClusterNetwork(
        max_node_pod_num=pod_num, has_property=True,
        network_type=str(prop.get("NetworkType") or ""),
        vpc_cni_type=str(prop.get("VpcCniType") or ""),
        meta_feature=isinstance(prop.get("MetaFeatureParam"), dict))

def eni_limits(client: TencentClient, zones: Sequence[str]) -> dict[str, dict[str, PodLimits]]:
    """Zone name → instance type → its PodLimits, per zone asked (DescribeVpcCniPodLimits);
    one unfiltered call when no zone is known. A zone the API does not support is left
    out, as upstream (getENILimits) skips it."""
    out: dict[str, dict[str, PodLimits]] = {}
    for zone in zones or [""]:
        try:
            response = client.call("DescribeVpcCniPodLimits", {"Zone": zone} if zone else {})
        except TencentCloudError as err:
            if ZONE_NOT_SUPPORTED in err.code:
                continue
            raise
        items = [] if response.get("PodLimitsInstanceSet") is None else answer_items(
            response, "PodLimitsInstanceSet", "DescribeVpcCniPodLimits")
        if zone:
            out.setdefault(zone, {})
        for item in items:
            name, limits = item.get("InstanceType"), item.get("PodLimits")
            where = str(item.get("Zone") or zone)
            if isinstance(name, str) and where and isinstance(limits, dict):
                out.setdefault(where, {})[name] = PodLimits(
                    eni_ip=_count(limits.get("TKERouteENIStaticIP")),
                    direct_eni=_count(limits.get("TKEDirectENI")),
                    sub_eni=_count(limits.get("TKESubENI")))
    return out


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --------------------------------------------------------------------------- the catalogue

def _number(item: Mapping[str, Any], key: str, where: str) -> float:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TencentCloudError(f"{where}: {key} is missing or not a number")
    try:
        number = float(value)
    except ValueError:
        raise TencentCloudError(f"{where}: {key} {value!r} is not a number") from None
    # NaN, infinities and negative sizes are not machines: refuse them, never show "-4Gi".
    if not math.isfinite(number) or number < 0 or number > 1e9:
        raise TencentCloudError(f"{where}: {key} {value!r} is out of range")
    return number


def _price(item: Mapping[str, Any]) -> float | None:
    """upstream: createOfferings — Price.UnitPrice (None here when the item has no price)."""
    price = item.get("Price")
    value = price.get("UnitPrice") if isinstance(price, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 \
            and math.isfinite(value):
        return float(value)
    return None


def _currency(item: Mapping[str, Any]) -> str:
    price = item.get("Price")
    value = price.get("Currency") if isinstance(price, dict) else None
    return value.upper() if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{3}", value) \
        else ""


def _in_stock(item: Mapping[str, Any]) -> bool:
    """upstream: createOfferings — Status == "SELL" && Inventory > 0 (absent Inventory is 0)."""
    inventory = item.get("Inventory")
    return item.get("Status") == "SELL" and isinstance(inventory, int | float) \
        and not isinstance(inventory, bool) and inventory > 0


@dataclass(frozen=True)
class QuotaAnswer:
    """One DescribeZoneInstanceConfigInfos answer and the filters that asked for it."""

    charge_type: str  # POSTPAID_BY_HOUR | SPOTPAID
    arch: str  # amd64 | arm64 (the provider labels the items with the filter's value)
    items: Sequence[Mapping[str, Any]]


def build_catalog(region: str, answers: Sequence[QuotaAnswer], *, source: str,
                  network: ClusterNetwork | None = None,
                  eni: Mapping[str, Mapping[str, PodLimits]] | None = None,
                  notes: Sequence[str] = (), currency: str = "") -> InstanceTypeCatalog:
    """Pure conversion of the API answers (on-demand first, then spot) into a catalogue.

    upstream: instancetype.go List. A type's figures are those of its last on-demand item
    (else its first spot item); with the cluster's ``network`` its pods and VPC-CNI resources
    follow the ENI limits of that item's zone (``eni``: zone name → type → limits).
    """
    chosen: dict[str, tuple[Mapping[str, Any], str]] = {}
    offerings: dict[str, dict[tuple[str, str], Offering]] = {}
    currencies = set()
    for answer in answers:
        capacity_type = CHARGE_TYPES[answer.charge_type]
        for i, item in enumerate(answer.items):
            where = (f"Tencent Cloud API DescribeZoneInstanceConfigInfos returned a malformed "
                     f"answer: InstanceTypeQuotaSet[{i}]")
            name, zone_name = item.get("InstanceType"), item.get("Zone")
            if not isinstance(name, str) or not name or not isinstance(zone_name, str):
                raise TencentCloudError(f"{where} lacks InstanceType or Zone")
            _number(item, "Cpu", where)
            _number(item, "Memory", where)
            if capacity_type == "on-demand" or name not in chosen:
                chosen[name] = (item, answer.arch)
            zone_id = zone_id_from_name(zone_name) or zone_name
            offerings.setdefault(name, {})[(zone_id, capacity_type)] = Offering(
                zone=zone_id, capacity_type=capacity_type, price_per_hour=_price(item),
                available=_in_stock(item), zone_name=zone_name if zone_name != zone_id else "")
            currencies.add(_currency(item))
    limits = (eni or {}) if network is not None and network.uses_eni_limits else {}
    types = []
    for name in sorted(chosen):
        item, arch = chosen[name]
        cpu = int(_number(item, "Cpu", name))
        res = {"cpu": cpu * 1000, "memory": int(_number(item, "Memory", name)) * 2**30 * 1000}
        gpu = item.get("Gpu")
        if isinstance(gpu, int | float) and not isinstance(gpu, bool) and gpu >= 1 \
                and math.isfinite(gpu) and gpu < 1e6:
            res["nvidia.com/gpu"] = int(gpu) * 1000
        if network is not None:
            zone_limits = limits.get(str(item.get("Zone")), {})
            own = zone_limits.get(name)
            res.update(network_capacity(cpu, own, bool(zone_limits)))
            res["pods"] = max_pods(network, own.eni_ip if own else None) * 1000
        family = item.get("InstanceFamily") or name.split(".")[0]
        types.append(InstanceType(
            name=name, labels={LABEL_FAMILY: str(family), "kubernetes.io/arch": arch},
            capacity=res, offerings=tuple(sorted(offerings[name].values(),
                                                 key=lambda o: (o.zone, o.capacity_type)))))
    stated = sorted(c for c in currencies if c)
    return InstanceTypeCatalog(provider="tke", region=region, source=source,
                               instance_types=tuple(types),
                               prices_known=any(o.price_per_hour is not None
                                                for t in types for o in t.offerings),
                               origin="tencentcloud-api", notes=tuple(notes),
                               currency=stated[0] if len(stated) == 1 else currency)


MAX_PODS_FALLBACK = "using the pods capacity of the cluster's nodes, else 110"


def resolve_cluster_id(hints: ClusterHints | None) -> tuple[str, str]:
    """(cluster ID, "") or ("", why there is none): ``TKE_CLUSTER_ID``, else the one cluster
    the snapshot names."""
    env = os.environ.get(ENV_CLUSTER_ID, "").strip()
    if env:
        return cluster_id_of(env) or env, ""
    found = hints.cluster_ids if hints else ()
    if len(found) == 1:
        return found[0], ""
    if found:
        return "", (f"the cluster's objects name several TKE clusters ({', '.join(found)}); "
                     f"set {ENV_CLUSTER_ID}")
    return "", f"no TKE cluster ID found (set {ENV_CLUSTER_ID}=cls-…)"


def fetch_pod_limits(client: TencentClient, cluster_id: str, zones: Sequence[str]
                     ) -> tuple[ClusterNetwork | None, dict[str, dict[str, PodLimits]], str]:
    """(network, ENI limits, note): any failure is a note, never an error."""
    try:
        network = cluster_network(client, cluster_id)
        eni = eni_limits(client, zones) if network.uses_eni_limits else {}
    except TencentCloudError as err:
        return None, {}, f"max pods per node: {err}; {MAX_PODS_FALLBACK}"
    return network, eni, ""


def fetch_catalog(region: str, *, credentials: Credentials | None = None, endpoint: str = "",
                  sleep: Callable[[float], None] = time.sleep,
                  hints: ClusterHints | None = None) -> InstanceTypeCatalog:
    """Ask the API now (no cache)."""
    creds = credentials or find_credentials()
    client = TencentClient(region, creds, endpoint=endpoint, sleep=sleep)
    zones = hints.zones if hints else ()
    answers = [QuotaAnswer(charge, arch, quotas(client, charge, arch, zones))
               for charge in CHARGE_TYPES for arch in ARCHITECTURES]
    notes = []
    if not zones:
        notes.append("no TKEMachineNodeClass subnet zones known: instance types of every zone "
                     f"of {region} are listed")
    cluster_id, why = resolve_cluster_id(hints)
    network: ClusterNetwork | None = None
    eni: dict[str, dict[str, PodLimits]] = {}
    if cluster_id:
        tke = TencentClient(region, creds, endpoint=endpoint, sleep=sleep,
                            service=TKE_SERVICE, version=TKE_VERSION)
        network, eni, note = fetch_pod_limits(tke, cluster_id, zones)
    else:
        note = f"max pods per node: {why}; {MAX_PODS_FALLBACK}"
    if note:
        notes.append(note)
    where = f" via {endpoint}" if endpoint else ""
    return build_catalog(region, answers, source=f"Tencent Cloud API {region}{where}",
                         network=network, eni=eni, notes=notes,
                         currency=os.environ.get(ENV_CURRENCY, "").strip().upper()
                         or DEFAULT_CURRENCY)


def load_live_catalog(region: str, *, refresh: bool = False, now: datetime | None = None,
                      credentials: Credentials | None = None,
                      sleep: Callable[[float], None] = time.sleep,
                      hints: ClusterHints | None = None) -> InstanceTypeCatalog:
    """The live catalogue for ``region``, from the disk cache unless stale or ``refresh``.

    ``hints`` (the cluster the catalogue is for) decide the zones asked and max pods; they
    are part of the cache key, as the answer depends on them (so is the currency setting).
    """
    endpoint = endpoint_from_env()
    moment = now or datetime.now(timezone.utc)
    cluster_id, _ = resolve_cluster_id(hints)
    zones = ",".join(hints.zones) if hints else ""
    currency = os.environ.get(ENV_CURRENCY, "").strip().upper()
    # The API version is in the key so answers cached from the CVM call of old are not reused.
    variant = " ".join(part for part in (VERSION, cluster_id, zones, currency) if part)
    path = cache_path("tke", region, endpoint, variant)
    if not refresh:
        cached = read_cached(path, now=moment, ttl=ttl_from_env())
        if cached is not None:
            return cached
    catalog = fetch_catalog(region, credentials=credentials, endpoint=endpoint, sleep=sleep,
                            hints=hints)
    write_cached(path, catalog, now=moment)
    return catalog
