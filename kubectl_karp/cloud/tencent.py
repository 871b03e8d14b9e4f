"""The live TKE catalogue from the Tencent Cloud API, through the official Python SDK.

``DescribeZones`` maps zone names to the numeric zone IDs TKE nodes carry; then
``DescribeZoneInstanceConfigInfos`` is asked once per charge type (POSTPAID_BY_HOUR →
on-demand, SPOTPAID → spot). An offering is available only when Status is SELL and, where the
answer reports it, Inventory > 0.

Max pods per node (``capacity.pods``) comes from the cluster, as karpenter-provider-tke decides
it: TKE 2018-05-25 ``DescribeClusters`` (MaxNodePodNum and the network mode) and, on VPC-CNI
clusters, ``DescribeVpcCniPodLimits`` per zone of the node classes' subnets. The cluster ID is
``TKE_CLUSTER_ID``, else what the snapshot names (``kubectl_karp.providers.tke.cluster_hints``).
Without an ID, or when those calls fail (e.g. the credentials may not read the cluster), the
catalogue leaves pods out and carries a note: max pods then comes from the cluster's nodes,
else 110.

``KARP_TENCENTCLOUD_ENDPOINT`` (a URL; ``http://`` allowed) sends every call to another
endpoint: private/internal endpoints, or a local test server. The SDK is imported lazily.
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

from kubectl_karp import limits
from kubectl_karp.cloud.cache import cache_path, read_cached, ttl_from_env, write_cached
from kubectl_karp.errors import CloudError
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.providers.tke import (
    LABEL_FAMILY,
    ClusterHints,
    ClusterNetwork,
    cluster_id_of,
    max_pods,
    zone_id_from_name,
)

ENV_ENDPOINT = "KARP_TENCENTCLOUD_ENDPOINT"
ENV_METADATA = "KARP_TENCENTCLOUD_METADATA_ENDPOINT"
ENV_CLUSTER_ID = "TKE_CLUSTER_ID"
METADATA_URL = "http://metadata.tencentyun.com/latest/meta-data/"
SERVICE, VERSION = "cvm", "2017-03-12"
TKE_SERVICE, TKE_VERSION = "tke", "2018-05-25"
CHARGE_TYPES = {"POSTPAID_BY_HOUR": "on-demand", "SPOTPAID": "spot"}
RETRYABLE = ("RequestLimitExceeded", "InternalError", "ServerNetworkError", "ClientNetworkError",
             "ResourceUnavailable")
AUTH_CODES = ("AuthFailure", "UnauthorizedOperation", "InvalidCredential")
_ARM_CPUS = ("ampere", "kunpeng", "yitian", "arm")


class TencentCloudError(CloudError):
    """A Tencent Cloud API failure; ``no_credentials`` lets callers fall back quietly."""

    def __init__(self, message: str, *, no_credentials: bool = False) -> None:
        super().__init__(message)
        self.no_credentials = no_credentials


@dataclass(frozen=True)
class Credentials:
    credential: Any  # tencentcloud.common.credential.Credential or compatible
    source: str  # where they came from, in words; never the secret itself
    secrets: tuple[str, ...] = ()  # redacted from any message we print


# --------------------------------------------------------------------------- credentials

def _from_env() -> Credentials | None:
    from tencentcloud.common.credential import Credential

    secret_id = os.environ.get("TENCENTCLOUD_SECRET_ID", "")
    secret_key = os.environ.get("TENCENTCLOUD_SECRET_KEY", "")
    if not secret_id or not secret_key:
        return None
    token = os.environ.get("TENCENTCLOUD_SESSION_TOKEN") or None
    if secret_id.strip() != secret_id or secret_key.strip() != secret_key:
        raise TencentCloudError("environment TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY "
                                "has leading or trailing spaces")
    return Credentials(Credential(secret_id, secret_key, token),
                       "environment TENCENTCLOUD_SECRET_ID", (secret_id, secret_key))


def _from_profile() -> Credentials | None:
    from tencentcloud.common.credential import ProfileCredential

    for path in ("~/.tencentcloud/credentials", "/etc/tencentcloud/credentials"):
        if os.path.exists(os.path.expanduser(path)):
            break
    else:
        return None
    cred = ProfileCredential().get_credential()
    if cred is None:
        return None
    return Credentials(cred, f"profile file {path} [default]", (cred.secret_id, cred.secret_key))


def _from_instance_role(metadata_url: str, timeout: float) -> Credentials | None:
    """The CVM instance role, when the metadata service answers quickly (we may not be on CVM)."""
    from tencentcloud.common.credential import Credential

    base = metadata_url.rstrip("/") + "/cam/security-credentials/"
    try:
        with urllib.request.urlopen(base, timeout=timeout) as resp:
            role = resp.read().decode().strip().splitlines()[0]
        with urllib.request.urlopen(base + role, timeout=timeout) as resp:
            data = json.loads(resp.read().decode())
    except (OSError, ValueError, IndexError, urllib.error.URLError):
        return None
    if not isinstance(data, dict) or data.get("Code") != "Success":
        return None
    secret_id, secret_key = str(data.get("TmpSecretId", "")), str(data.get("TmpSecretKey", ""))
    if not secret_id or not secret_key:
        return None
    return Credentials(Credential(secret_id, secret_key, data.get("Token")),
                       f"CVM instance role {role}", (secret_id, secret_key))


def find_credentials(*, metadata_timeout: float = 1.0) -> Credentials:
    """The SDK's chain: environment, profile file, CVM instance role."""
    found = _from_env() or _from_profile() or _from_instance_role(
        os.environ.get(ENV_METADATA) or METADATA_URL, metadata_timeout)
    if found is None:
        raise TencentCloudError(
            "no Tencent Cloud credentials found (looked at TENCENTCLOUD_SECRET_ID/"
            "TENCENTCLOUD_SECRET_KEY, ~/.tencentcloud/credentials and the CVM instance role)",
            no_credentials=True)
    return found


# --------------------------------------------------------------------------- the client

def endpoint_from_env() -> str:
    return os.environ.get(ENV_ENDPOINT, "").strip()


def _client_profile(endpoint: str, timeout: int) -> Any:
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    if endpoint:
        url = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
        if url.scheme not in ("http", "https") or not url.netloc:
            raise TencentCloudError(f"{ENV_ENDPOINT}={endpoint!r} is not an http(s) URL")
        http = HttpProfile(endpoint=url.netloc, protocol=url.scheme, reqTimeout=timeout)
    else:
        http = HttpProfile(reqTimeout=timeout)
    return ClientProfile(httpProfile=http)


class TencentClient:
    """Calls with retries: RequestLimitExceeded, 5xx and network errors back off and retry."""

    def __init__(self, region: str, credentials: Credentials, *, endpoint: str = "",
                 attempts: int = 5, base_delay: float = 0.5, timeout: float | None = None,
                 sleep: Callable[[float], None] = time.sleep, service: str = SERVICE,
                 version: str = VERSION) -> None:
        from tencentcloud.common.common_client import CommonClient

        self.region = region
        self.credentials = credentials
        self.attempts = attempts
        self.base_delay = base_delay
        self.sleep = sleep
        self.endpoint = endpoint
        # --request-timeout bounds each call as a whole, retries and back-off included
        # (the SDK's own timeout bounds each socket read only).
        self.timeout = timeout if timeout is not None else limits.request_timeout()
        socket_timeout = max(1, math.ceil(self.timeout)) if self.timeout else 60
        self._client = CommonClient(service, version, credentials.credential, region,
                                    profile=_client_profile(endpoint, socket_timeout))

    def _redact(self, text: str) -> str:
        for secret in self.credentials.secrets:
            if secret:
                text = text.replace(secret, "***")
        return " ".join(text.split())

    def call(self, action: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )

        where = f"Tencent Cloud API {action} ({self.region})"
        deadline = time.monotonic() + self.timeout if self.timeout else None
        for attempt in range(1, self.attempts + 1):
            remaining = None if deadline is None else deadline - time.monotonic()
            try:
                if remaining is not None and remaining <= 0:
                    raise limits.DeadlineExceeded
                answer = limits.run_within(
                    lambda: self._client.call_json(action, dict(params)), remaining)
            except limits.DeadlineExceeded:
                raise TencentCloudError(
                    f"{where} failed: no answer within {self.timeout:g}s (--request-timeout)"
                    + (f" (after {attempt} attempts)" if attempt > 1 else "")) from None
            except TencentCloudSDKException as err:
                code = str(err.get_code() or "")
                message = self._redact(str(err.get_message() or ""))
                if code.startswith("UnauthorizedOperation"):
                    raise TencentCloudError(
                        f"{where} is not permitted for the credentials from "
                        f"{self.credentials.source}: {code}: {message[:200]}") from None
                if code.startswith(AUTH_CODES):
                    raise TencentCloudError(
                        f"{where} refused the credentials from {self.credentials.source}: "
                        f"{code}: {message[:200]}") from None
                delay = min(self.base_delay * 2 ** (attempt - 1), 8.0)
                if code.startswith(RETRYABLE) and attempt < self.attempts and (
                        deadline is None or time.monotonic() + delay < deadline):
                    self.sleep(delay)
                    continue
                if code == "ServerNetworkError":
                    message = "the server answered with an HTTP error"
                raise TencentCloudError(f"{where} failed: {code}: {message[:200]}"
                                        + (f" (after {attempt} attempts)" if attempt > 1
                                           else "")) from None
            except (ValueError, KeyError, TypeError) as err:
                raise TencentCloudError(f"{where} returned a malformed answer: "
                                        f"{type(err).__name__}") from None
            response = answer.get("Response") if isinstance(answer, dict) else None
            if not isinstance(response, dict):
                raise TencentCloudError(f"{where} returned a malformed answer: no Response")
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def zones(self) -> dict[str, str]:
        """Zone name → zone ID, for zones in state AVAILABLE."""
        response = self.call("DescribeZones", {})
        out: dict[str, str] = {}
        for i, item in enumerate(_items(response, "ZoneSet", "DescribeZones")):
            name, zone_id = item.get("Zone"), item.get("ZoneId")
            if not isinstance(name, str) or not isinstance(zone_id, str | int):
                raise TencentCloudError(f"Tencent Cloud API DescribeZones returned a malformed "
                                        f"answer: ZoneSet[{i}] lacks Zone or ZoneId")
            if item.get("ZoneState", "AVAILABLE") == "AVAILABLE":
                out[name] = str(zone_id)
        return out

    def quotas(self, charge_type: str) -> list[Mapping[str, Any]]:
        response = self.call("DescribeZoneInstanceConfigInfos", {
            "Filters": [{"Name": "instance-charge-type", "Values": [charge_type]}]})
        return _items(response, "InstanceTypeQuotaSet", "DescribeZoneInstanceConfigInfos")

    # TKE 2018-05-25 (a client made with service=TKE_SERVICE, version=TKE_VERSION)

    def cluster_network(self, cluster_id: str) -> ClusterNetwork:
        """MaxNodePodNum and the network mode of one cluster (DescribeClusters)."""
        response = self.call("DescribeClusters", {"ClusterIds": [cluster_id]})
        clusters = _items(response, "Clusters", "DescribeClusters")
        if not clusters:
            raise TencentCloudError(f"Tencent Cloud API DescribeClusters ({self.region}) knows "
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

    def eni_limits(self, zones: Sequence[str]) -> dict[str, dict[str, int]]:
        """Zone name → instance type → VPC-CNI pods (TKERouteENIStaticIP), per zone asked
        (DescribeVpcCniPodLimits); one unfiltered call when no zone is known."""
        out: dict[str, dict[str, int]] = {}
        for zone in zones or [""]:
            response = self.call("DescribeVpcCniPodLimits", {"Zone": zone} if zone else {})
            items = [] if response.get("PodLimitsInstanceSet") is None else _items(
                response, "PodLimitsInstanceSet", "DescribeVpcCniPodLimits")
            if zone:
                out.setdefault(zone, {})
            for item in items:
                name, limits = item.get("InstanceType"), item.get("PodLimits")
                value = limits.get("TKERouteENIStaticIP") if isinstance(limits, dict) else None
                where = str(item.get("Zone") or zone)
                if isinstance(name, str) and where and isinstance(value, int) \
                        and not isinstance(value, bool):
                    out.setdefault(where, {})[name] = value
        return out


def _items(response: Mapping[str, Any], key: str, action: str) -> list[Mapping[str, Any]]:
    value = response.get(key)
    if isinstance(value, str):  # the TKE flavour of the API returns the set JSON-encoded
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TencentCloudError(f"Tencent Cloud API {action} returned a malformed answer: "
                                f"{key} is missing or not a list")
    return value


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
    price = item.get("Price")
    if not isinstance(price, dict):
        return None
    for key in ("UnitPriceDiscount", "UnitPrice"):
        value = price.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 \
                and math.isfinite(value):
            return float(value)
    return None


def _arch(item: Mapping[str, Any]) -> str:
    arch = item.get("Arch") or item.get("CpuArch")
    if isinstance(arch, str) and arch:
        return {"x86_64": "amd64", "aarch64": "arm64"}.get(arch.lower(), arch.lower())
    cpu_type = str(item.get("CpuType") or "").lower()
    return "arm64" if any(h in cpu_type for h in _ARM_CPUS) else "amd64"


def build_catalog(region: str, zones: Mapping[str, str],
                  quotas: Mapping[str, Sequence[Mapping[str, Any]]], *, source: str,
                  network: ClusterNetwork | None = None,
                  eni: Mapping[str, Mapping[str, int]] | None = None,
                  notes: Sequence[str] = ()) -> InstanceTypeCatalog:
    """Pure conversion of the API answers (charge type → items) into a catalogue.

    With the cluster's ``network`` (and ``eni``: zone name → type → ENI-IP pods), every type
    gets ``capacity.pods``. Like the provider, a type's ENI limit is the one of the zone of its
    last on-demand item (else its first spot item) among the zones ``eni`` covers.
    """
    capacity: dict[str, dict[str, int]] = {}
    eni_zone: dict[str, str] = {}
    labels: dict[str, dict[str, str]] = {}
    offerings: dict[str, dict[tuple[str, str], Offering]] = {}
    for charge_type, items in quotas.items():
        capacity_type = CHARGE_TYPES[charge_type]
        for i, item in enumerate(items):
            where = (f"Tencent Cloud API DescribeZoneInstanceConfigInfos returned a malformed "
                     f"answer: InstanceTypeQuotaSet[{i}]")
            name, zone_name = item.get("InstanceType"), item.get("Zone")
            if not isinstance(name, str) or not name or not isinstance(zone_name, str):
                raise TencentCloudError(f"{where} lacks InstanceType or Zone")
            if item.get("InstanceChargeType", charge_type) != charge_type:
                continue
            cpu = int(_number(item, "Cpu", where))
            memory_gb = int(_number(item, "Memory", where))
            gpu = item.get("GpuCount") or item.get("Gpu") or 0
            res = {"cpu": cpu * 1000, "memory": memory_gb * 2**30 * 1000}
            if isinstance(gpu, int | float) and not isinstance(gpu, bool) and gpu >= 1 \
                    and math.isfinite(gpu) and gpu < 1e6:
                res["nvidia.com/gpu"] = int(gpu) * 1000
            capacity.setdefault(name, res)
            family = item.get("InstanceFamily") or name.split(".")[0]
            labels.setdefault(name, {LABEL_FAMILY: str(family), "kubernetes.io/arch": _arch(item)})
            zone_id = zones.get(zone_name) or zone_id_from_name(zone_name) or zone_name
            inventory = item.get("Inventory")
            in_stock = inventory is None or (isinstance(inventory, int | float) and inventory > 0)
            # A zone DescribeZones did not list as AVAILABLE cannot launch anything.
            zone_open = not zones or zone_name in zones
            offering = Offering(zone=zone_id, capacity_type=capacity_type,
                                price_per_hour=_price(item),
                                available=item.get("Status") == "SELL" and in_stock and zone_open,
                                zone_name=zone_name if zone_name != zone_id else "")
            offerings.setdefault(name, {})[(zone_id, capacity_type)] = offering
            if eni and zone_name in eni and (capacity_type == "on-demand"
                                             or name not in eni_zone):
                eni_zone[name] = zone_name
    if network is not None:
        for name, res in capacity.items():
            zone_limits = (eni or {}).get(eni_zone.get(name, ""), {})
            res["pods"] = max_pods(network, zone_limits.get(name)) * 1000
    types = tuple(
        InstanceType(name=name, labels=labels[name], capacity=capacity[name],
                     offerings=tuple(sorted(offerings[name].values(),
                                            key=lambda o: (o.zone, o.capacity_type))))
        for name in sorted(capacity))
    return InstanceTypeCatalog(provider="tke", region=region, source=source,
                               instance_types=types,
                               prices_known=any(o.price_per_hour is not None
                                                for t in types for o in t.offerings),
                               origin="tencentcloud-api", notes=tuple(notes))


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
                     ) -> tuple[ClusterNetwork | None, dict[str, dict[str, int]], str]:
    """(network, ENI limits, note): any failure is a note, never an error."""
    try:
        network = client.cluster_network(cluster_id)
        eni = client.eni_limits(zones) if (network.node_pod_num is None
                                           and network.uses_eni_limits) else {}
    except TencentCloudError as err:
        return None, {}, f"max pods per node: {err}; {MAX_PODS_FALLBACK}"
    return network, eni, ""


def fetch_catalog(region: str, *, credentials: Credentials | None = None, endpoint: str = "",
                  sleep: Callable[[float], None] = time.sleep,
                  hints: ClusterHints | None = None) -> InstanceTypeCatalog:
    """Ask the API now (no cache)."""
    creds = credentials or find_credentials()
    client = TencentClient(region, creds, endpoint=endpoint, sleep=sleep)
    zones = client.zones()
    quotas = {charge: client.quotas(charge) for charge in CHARGE_TYPES}
    cluster_id, why = resolve_cluster_id(hints)
    network: ClusterNetwork | None = None
    eni: dict[str, dict[str, int]] = {}
    if cluster_id:
        tke = TencentClient(region, creds, endpoint=endpoint, sleep=sleep,
                            service=TKE_SERVICE, version=TKE_VERSION)
        network, eni, note = fetch_pod_limits(tke, cluster_id, hints.zones if hints else ())
    else:
        note = f"max pods per node: {why}; {MAX_PODS_FALLBACK}"
    where = f" via {endpoint}" if endpoint else ""
    return build_catalog(region, zones, quotas, source=f"Tencent Cloud API {region}{where}",
                         network=network, eni=eni, notes=(note,) if note else ())


def load_live_catalog(region: str, *, refresh: bool = False, now: datetime | None = None,
                      credentials: Credentials | None = None,
                      sleep: Callable[[float], None] = time.sleep,
                      hints: ClusterHints | None = None) -> InstanceTypeCatalog:
    """The live catalogue for ``region``, from the disk cache unless stale or ``refresh``.

    ``hints`` (the cluster the catalogue is for) decide max pods; they are part of the cache
    key, as the pods figures depend on them.
    """
    endpoint = endpoint_from_env()
    moment = now or datetime.now(timezone.utc)
    cluster_id, _ = resolve_cluster_id(hints)
    variant = f"{cluster_id} {','.join(hints.zones)}" if cluster_id and hints else cluster_id
    path = cache_path("tke", region, endpoint, variant)
    if not refresh:
        cached = read_cached(path, now=moment, ttl=ttl_from_env())
        if cached is not None:
            return cached
    catalog = fetch_catalog(region, credentials=credentials, endpoint=endpoint, sleep=sleep,
                            hints=hints)
    write_cached(path, catalog, now=moment)
    return catalog
