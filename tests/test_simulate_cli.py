"""``kubectl karp simulate``: table and JSON contract, -f workloads, --what-if, exit statuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from tests.builders import documents

NODE_CLASS = {
    "apiVersion": "karpenter.k8s.tke/v1beta1", "kind": "TKEMachineNodeClass",
    "metadata": {"name": "default"},
    "spec": {"subnetSelectorTerms": [{"tags": {"a": "b"}}],
             "securityGroupSelectorTerms": [{"tags": {"a": "b"}}]},
    "status": {"subnets": [{"id": "subnet-1", "zone": "ap-guangzhou-3", "zoneID": "100003"}],
               "conditions": [{"type": "Ready", "status": "True"}]},
}


def node_pool(name: str = "test", **spec: Any) -> dict[str, Any]:
    return documents.node_pool(name, requirements=spec.pop("requirements", []), ready=None,
                               **spec)


CATALOG = {
    "kind": "InstanceTypeCatalog", "provider": "tke", "region": "ap-guangzhou",
    "source": "test catalogue",
    "instanceTypes": [
        {"name": f"S5.{size}", "capacity": {"cpu": str(cpu), "memory": f"{mem}Gi", "pods": "61"},
         "allocatable": {"cpu": f"{cpu * 1000 - 100}m", "memory": f"{mem * 1024 - 200}Mi",
                         "pods": "61"},
         "offerings": [{"zone": "100003", "zoneName": "ap-guangzhou-3",
                        "capacityType": "on-demand", "pricePerHour": price}]}
        for size, cpu, mem, price in (("MEDIUM4", 2, 4, 0.19), ("LARGE8", 4, 8, 0.38),
                                      ("2XLARGE16", 8, 16, 0.76))],
}


def pod(name: str, cpu: str, **spec: Any) -> dict[str, Any]:
    return documents.pod(name, cpu=cpu, memory=None, spec=spec)


def write(path: Path, *docs: Any) -> str:
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return str(path)


@pytest.fixture
def cluster(tmp_path: Path) -> str:
    return write(tmp_path / "cluster.yaml", NODE_CLASS, node_pool(), CATALOG,
                 pod("web-0", "1"), pod("web-1", "1"))


def test_table_plans_one_node_claim(cluster: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulate", "--snapshot", cluster]) == 0
    out = capsys.readouterr().out
    assert "S5.LARGE8" in out
    assert "100003 (ap-guangzhou-3)" in out
    assert "$0.3800/h" in out and "$277.40/month" in out


def test_json_contract(cluster: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulate", "--snapshot", cluster, "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "Simulation"
    claim = doc["nodeClaims"][0]
    assert claim["nodePool"] == "test"
    assert claim["instanceType"] == "S5.LARGE8"
    assert claim["zone"] == "100003"
    assert claim["capacityType"] == "on-demand"
    assert claim["pricePerHour"] == 0.38
    assert claim["instanceTypeOptions"] == ["S5.LARGE8", "S5.2XLARGE16"]
    assert sorted(claim["pods"]) == ["default/web-0", "default/web-1"]
    assert doc["existingNodes"] == []
    assert doc["unschedulable"] == []
    assert doc["cost"] == {"newPerHour": 0.38, "newPerMonth": 277.4}


def test_pending_pod_exits_3_with_reason(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = write(tmp_path / "c.yaml", NODE_CLASS, node_pool(), CATALOG, pod("huge", "64"))
    assert run(["simulate", "--snapshot", snapshot, "-o", "yaml"]) == 3
    doc = yaml.safe_load(capsys.readouterr().out)
    reasons = doc["unschedulable"][0]["reasons"]
    assert doc["unschedulable"][0]["pod"] == "default/huge"
    # A NodePool with no type big enough: NoInstanceTypeFits (InsufficientResource is for
    # existing nodes), as explain says.
    assert reasons[0]["code"] == "NoInstanceTypeFits"
    assert reasons[0]["nodePool"] == "test"
    assert "S5.2XLARGE16" in reasons[0]["message"]


def test_filename_workloads_and_replicas(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = write(tmp_path / "c.yaml", NODE_CLASS, node_pool(), CATALOG)
    deploy = write(tmp_path / "deploy.yaml", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "api"}}, "spec": {
            "containers": [{"name": "c", "image": "i",
                            "resources": {"requests": {"cpu": "3"}}}]}}}})
    assert run(["simulate", "--snapshot", snapshot, "-f", deploy, "--replicas", "api=5",
                "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    pods = [p for c in doc["nodeClaims"] for p in c["pods"]]
    assert sorted(pods) == [f"shop/api-{i}" for i in range(5)]


def test_daemonset_in_filename_adds_overhead(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = write(tmp_path / "c.yaml", NODE_CLASS, node_pool(), CATALOG, pod("p", "1500m"))
    daemonset = write(tmp_path / "ds.yaml", {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "kube-system"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {
            "metadata": {"labels": {"app": "agent"}},
            "spec": {"containers": [{"name": "c", "image": "i",
                                     "resources": {"requests": {"cpu": "500m"}}}]}}}})
    assert run(["simulate", "--snapshot", snapshot, "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["nodeClaims"][0]["instanceType"] == "S5.MEDIUM4"
    assert run(["simulate", "--snapshot", snapshot, "-f", daemonset, "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["nodeClaims"][0]["instanceType"] == "S5.LARGE8"


def test_what_if_replaces_node_pool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = write(tmp_path / "c.yaml", NODE_CLASS, node_pool(), CATALOG, pod("p", "1"))
    bigger = write(tmp_path / "np.yaml", node_pool(requirements=[
        {"key": "karpenter.k8s.tke/instance-cpu", "operator": "Gt", "values": ["4"]}]))
    assert run(["simulate", "--snapshot", snapshot, "--what-if", bigger, "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["nodeClaims"][0]["instanceType"] == \
        "S5.2XLARGE16"


def test_nodepool_filter_and_unknown_name(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = write(tmp_path / "c.yaml", NODE_CLASS, node_pool("a", weight=50),
                     node_pool("b"), CATALOG, pod("p", "1"))
    assert run(["simulate", "--snapshot", snapshot, "--nodepool", "b", "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["nodeClaims"][0]["nodePool"] == "b"
    # Issue 19: the same exit code and wording as catalog --nodepool (kubectl's NotFound).
    assert run(["simulate", "--snapshot", snapshot, "--nodepool", "nope"]) == 1
    assert capsys.readouterr().err == "error: NodePool 'nope' not found (NodePools: a, b)\n"


def test_usage_errors(cluster: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulate", "--snapshot", cluster, "--replicas", "x=2"]) == 2
    assert "--replicas needs -f" in capsys.readouterr().err
    assert run(["simulate", "--snapshot", cluster, "-o", "xml"]) == 2


def test_wide_lists_options(cluster: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulate", "--snapshot", cluster, "-o", "wide"]) == 0
    assert "S5.LARGE8,S5.2XLARGE16" in capsys.readouterr().out


def test_demo_runs(capsys: pytest.CaptureFixture[str]) -> None:
    status = run(["simulate", "--demo", "-o", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert status == (3 if doc["unschedulable"] else 0)
    assert doc["podsConsidered"] > 0


def test_sold_out_catalogue_is_offerings_unavailable_as_in_explain(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sold_out = json.loads(json.dumps(CATALOG))
    for it in sold_out["instanceTypes"]:
        for offering in it["offerings"]:
            offering["available"] = False
    catalog = write(tmp_path / "catalog.yaml", sold_out)
    snapshot = write(tmp_path / "c.yaml", NODE_CLASS, node_pool(), pod("web-0", "1"))
    assert run(["simulate", "--snapshot", snapshot, "--catalog", catalog, "-o", "json"]) == 3
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    codes = {(r["nodePool"], r["code"]) for r in doc["unschedulable"][0]["reasons"]}
    assert codes == {("test", "OfferingsUnavailable")}
    # The note names the real cause, not "requirements rule out every instance type".
    assert "rule out every instance type" not in captured.err
    assert "NodePool test: every offering of the 3 instance type(s) its requirements allow " \
           "is unavailable (sold out)" in captured.err
    assert "OfferingsUnavailable" in captured.err
    assert run(["explain", "--snapshot", snapshot, "--catalog", catalog, "-o", "json"]) == 3
    explained = json.loads(capsys.readouterr().out)
    pools = explained["pods"][0]["nodePools"]
    assert {(p["name"], r["code"]) for p in pools for r in p["reasons"]} == codes
