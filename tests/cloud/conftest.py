"""A fake Tencent Cloud API (CVM 2017-03-12, TKE 2018-05-25) on loopback for the real SDK (via
KARP_TENCENTCLOUD_ENDPOINT)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from kubectl_karp.cloud import tencent

SECRET_ID = "AKIDtestsecretid0001"
SECRET_KEY = "testsecretkey-do-not-print"
ZONES = {"ZoneSet": [
    {"Zone": "ap-guangzhou-3", "ZoneName": "广州三区", "ZoneId": "100003",
     "ZoneState": "AVAILABLE"},
    {"Zone": "ap-guangzhou-4", "ZoneName": "广州四区", "ZoneId": "100004",
     "ZoneState": "AVAILABLE"},
    {"Zone": "ap-guangzhou-2", "ZoneName": "广州二区", "ZoneId": "100002",
     "ZoneState": "UNAVAILABLE"}]}


def quota(itype: str, zone: str, charge: str, *, price: float = 0.2, status: str = "SELL",
          cpu: int = 2, memory: int = 4, **extra: Any) -> dict[str, Any]:
    return {"Zone": zone, "InstanceType": itype, "InstanceChargeType": charge,
            "InstanceFamily": itype.split(".")[0], "Cpu": cpu, "Memory": memory, "Gpu": 0,
            "Status": status, "CpuType": "Intel Xeon Cascade Lake 8255C",
            "Price": {"UnitPrice": price, "ChargeUnit": "HOUR"}, **extra}


QUOTAS = {
    "POSTPAID_BY_HOUR": [
        quota("S5.MEDIUM4", "ap-guangzhou-3", "POSTPAID_BY_HOUR", price=0.2),
        quota("S5.MEDIUM4", "ap-guangzhou-4", "POSTPAID_BY_HOUR", price=0.21, status="SOLD_OUT"),
        quota("S5.LARGE8", "ap-guangzhou-3", "POSTPAID_BY_HOUR", price=0.4, cpu=4, memory=8,
              Inventory=0),
        quota("S5.LARGE8", "ap-guangzhou-4", "POSTPAID_BY_HOUR", price=0.41, cpu=4, memory=8,
              Inventory=12),
        quota("SR1.MEDIUM4", "ap-guangzhou-2", "POSTPAID_BY_HOUR", price=0.15,
              CpuType="Ampere Altra"),
    ],
    "SPOTPAID": [
        quota("S5.MEDIUM4", "ap-guangzhou-3", "SPOTPAID", price=0.05),
    ],
}


CLUSTER_ID = "cls-7k2m9xq1"  # the demo cluster's node classes name it
# Each action answers only for its own service and version, as the real API does.
APIS = {"DescribeZones": ("cvm", "2017-03-12"),
        "DescribeZoneInstanceConfigInfos": ("cvm", "2017-03-12"),
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
        if action == "DescribeZones":
            return ok(ZONES)
        if action == "DescribeZoneInstanceConfigInfos":
            charge = body["Filters"][0]["Values"][0]
            return ok({"InstanceTypeQuotaSet": self.quotas[charge]})
        return error("InvalidAction", action)

    def actions(self) -> list[str]:
        return [a for a, _ in self.calls]


@pytest.fixture
def cloud(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
          ) -> Iterator[FakeCloud]:
    fake = FakeCloud()
    httpserver.expect_request("/").respond_with_handler(fake)
    monkeypatch.setenv(tencent.ENV_ENDPOINT, httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(tencent.ENV_CLUSTER_ID, raising=False)
    yield fake
