"""A fake Tencent Cloud API (TKE 2022-05-01 and 2018-05-25) on loopback for the real SDK (via
KARP_TENCENTCLOUD_ENDPOINT)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from kubectl_karp.cloud import tencent, tencent_client

SECRET_ID = "AKIDtestsecretid0001"
SECRET_KEY = "testsecretkey-do-not-print"


def quota(itype: str, zone: str, charge: str, *, price: float = 0.2, status: str = "SELL",
          cpu: int = 2, memory: int = 4, inventory: int | None = 100, **extra: Any
          ) -> dict[str, Any]:
    """An InstanceTypeQuotaSet item as TKE 2022-05-01 sends it (cxm.InstanceTypeQuotaItem)."""
    item = {"Zone": zone, "InstanceType": itype, "InstanceChargeType": charge,
            "InstanceFamily": itype.split(".")[0], "Cpu": cpu, "Memory": memory, "Gpu": 0,
            "Status": status, "CpuType": "Intel Xeon Cascade Lake 8255C",
            "Price": {"UnitPrice": price, "ChargeUnit": "HOUR"}, **extra}
    if inventory is not None:
        item["Inventory"] = inventory
    return item


# (charge type, architecture) → items, as the architecture filter selects them
QUOTAS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("POSTPAID_BY_HOUR", "amd64"): [
        quota("S5.MEDIUM4", "ap-guangzhou-3", "POSTPAID_BY_HOUR", price=0.2,
              StatusCategory="EnoughStock"),
        quota("S5.MEDIUM4", "ap-guangzhou-4", "POSTPAID_BY_HOUR", price=0.21, status="SOLD_OUT",
              StatusCategory="WithoutStock"),
        # StatusCategory says plenty, but the Inventory the provider reads is 0
        quota("S5.LARGE8", "ap-guangzhou-3", "POSTPAID_BY_HOUR", price=0.4, cpu=4, memory=8,
              inventory=0, StatusCategory="EnoughStock"),
        quota("S5.LARGE8", "ap-guangzhou-4", "POSTPAID_BY_HOUR", price=0.41, cpu=4, memory=8,
              inventory=12, StatusCategory="UnderStock"),
    ],
    ("POSTPAID_BY_HOUR", "arm64"): [
        quota("SR1.MEDIUM4", "ap-guangzhou-3", "POSTPAID_BY_HOUR", price=0.15,
              CpuType="Ampere Altra", inventory=None),  # no Inventory: none to sell
    ],
    ("SPOTPAID", "amd64"): [
        quota("S5.MEDIUM4", "ap-guangzhou-3", "SPOTPAID", price=0.05),
    ],
    ("SPOTPAID", "arm64"): [],
}


CLUSTER_ID = "cls-7k2m9xq1"  # the demo cluster's node classes name it
# Each action answers only for its own service and version, as the real API does.
APIS = {"DescribeZoneInstanceConfigInfos": ("tke", "2022-05-01"),
        "DescribeClusters": ("tke", "2018-05-25"),
        "DescribeVpcCniPodLimits": ("tke", "2018-05-25")}


def cluster(network_type: str = "GR", max_node_pod_num: int = 64, **prop: Any
            ) -> dict[str, Any]:
    """A DescribeClusters item; ``Property`` is a JSON document inside a string, as TKE sends."""
    return {"ClusterId": CLUSTER_ID, "ClusterName": "demo", "ClusterType": "MANAGED_CLUSTER",
            "ClusterNetworkSettings": {"ClusterCIDR": "172.16.0.0/16",
                                       "MaxNodePodNum": max_node_pod_num,
                                       "MaxClusterServiceNum": 256, "VpcId": "vpc-demo"},
            "Property": json.dumps({"NodeNameType": "lan-ip", "NetworkType": network_type,
                                    **prop})}


def pod_limit(itype: str, zone: str, static_ip: int) -> dict[str, Any]:
    return {"Zone": zone, "InstanceFamily": itype.split(".")[0], "InstanceType": itype,
            "PodLimits": {"TKERouteENINonStaticIP": static_ip + 1,
                          "TKERouteENIStaticIP": static_ip, "TKEDirectENI": 5,
                          "TKESubENI": 100}}


POD_LIMITS = [pod_limit("S5.MEDIUM4", "ap-guangzhou-3", 27),
              pod_limit("S5.MEDIUM4", "ap-guangzhou-4", 27),
              pod_limit("S5.LARGE8", "ap-guangzhou-3", 75),
              pod_limit("S5.LARGE8", "ap-guangzhou-4", 75)]


def ok(body: dict[str, Any]) -> Response:
    return Response(json.dumps({"Response": {**body, "RequestId": "req-1"}}),
                    content_type="application/json")


def error(code: str, message: str = "boom") -> Response:
    return Response(json.dumps({"Response": {"Error": {"Code": code, "Message": message},
                                             "RequestId": "req-err"}}),
                    content_type="application/json")


class FakeCloud:
    """Answers like the CVM and TKE APIs; ``script`` queues special answers per action."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.versions: list[str] = []  # X-TC-Version of each call
        self.script: dict[str, list[Response]] = {}
        self.quotas = QUOTAS
        self.clusters = [cluster()]
        self.pod_limits = POD_LIMITS

    def __call__(self, request: Request) -> Response:
        action = request.headers.get("X-TC-Action", "")
        version = request.headers.get("X-TC-Version", "")
        body = request.get_json(silent=True) or {}
        self.calls.append((action, body))
        self.versions.append(version)
        service, wanted = APIS.get(action, ("", ""))
        if version != wanted or f"/{service}/tc3_request" not in request.headers.get(
                "Authorization", ""):
            return error("InvalidAction", f"{action} is not an action of {version}")
        queued = self.script.get(action)
        if queued:
            return queued.pop(0)
        if action == "DescribeClusters":
            found = [c for c in self.clusters if c["ClusterId"] in body.get("ClusterIds", [])]
            return ok({"Clusters": found, "TotalCount": len(found)})
        if action == "DescribeVpcCniPodLimits":
            limits = [p for p in self.pod_limits if body.get("Zone") in (None, p["Zone"])]
            return ok({"PodLimitsInstanceSet": limits, "TotalCount": len(limits)})
        if action == "DescribeZoneInstanceConfigInfos":
            filters = {f["Name"]: f["Values"] for f in body.get("Filters", [])}
            [charge], [arch] = filters["instance-charge-type"], filters["architecture"]
            zones = filters.get("zone")
            items = [q for q in self.quotas.get((charge, arch), [])
                     if zones is None or q["Zone"] in zones]
            # TKE sends the set JSON-encoded inside a string
            return ok({"InstanceTypeQuotaSet": json.dumps(items)})
        return error("InvalidAction", action)

    def actions(self) -> list[str]:
        return [a for a, _ in self.calls]


@pytest.fixture
def cloud(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
          ) -> Iterator[FakeCloud]:
    fake = FakeCloud()
    httpserver.expect_request("/").respond_with_handler(fake)
    monkeypatch.setenv(tencent_client.ENV_ENDPOINT, httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(tencent.ENV_CLUSTER_ID, raising=False)
    yield fake
