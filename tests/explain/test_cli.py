"""``kubectl karp explain`` end to end on the demo cluster and on files (offline sources)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from tests.builders.documents import CATALOG, NODE_CLASS, node, node_pool, pod, replicas


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = run(["explain", *argv, "-o", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_demo_explains_every_pending_pod(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "--demo")
    assert code == 3
    assert doc["kind"] == "Explanation"
    codes = {r["code"] for e in doc["pods"] if not e["schedulable"]
             for p in e["nodePools"] for r in p["reasons"]}
    # The demo's pods are unplaceable for distinct reasons.
    assert {"NodeSelectorMismatch", "IncompatibleRequirement", "VolumeZoneConflict"} <= codes
    assert codes & {"NoInstanceTypeFits", "NodePoolLimitExceeded"}
    for entry in doc["pods"]:
        for pool in entry["nodePools"]:
            assert pool["accepted"] or pool["reasons"], entry["pod"]


def test_demo_text_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["explain", "--demo"])
    out = capsys.readouterr().out
    assert code == 3
    assert all(len(line) <= 100 for line in out.splitlines())
    assert "fix: " in out and "stays Pending" in out


def _write(tmp_path: Path, name: str, docs: list[dict[str, Any]]) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


@pytest.fixture
def cluster(tmp_path: Path) -> str:
    docs = [node_pool("test", families=["S5"]), NODE_CLASS, CATALOG, node("n1", cpu="2"),
            *replicas("web", 2, cpu="3"), pod("big", cpu="12", namespace="ml"),
            pod("running", cpu="100m", node_name="n1")]
    return _write(tmp_path, "cluster.yaml", docs)


def test_pod_target_and_exit_status(cluster: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "--snapshot", cluster, "pod/big")
    assert code == 3
    [entry] = doc["pods"]
    assert entry["pod"] == "ml/big" and entry["schedulable"] is False
    reasons = entry["nodePools"][0]["reasons"]
    assert reasons[0]["code"] == "NoInstanceTypeFits"
    assert "S5.2XLARGE16" in reasons[0]["message"]


def test_deployment_target_folds_replicas(cluster: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "--snapshot", cluster, "deployment/web")
    assert code == 0
    [entry] = doc["pods"]
    assert entry["count"] == 2 and entry["owner"] == "deployment/web"
    assert entry["placement"]["nodePool"] == "test"


def test_selector_and_namespace(cluster: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, doc = _json(capsys, "--snapshot", cluster, "-l", "app=web")
    assert [e["owner"] for e in doc["pods"]] == ["deployment/web"]
    _, doc = _json(capsys, "--snapshot", cluster, "-n", "ml")
    assert [e["pod"] for e in doc["pods"]] == ["ml/big"]


def test_bound_pod_is_already_running(cluster: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "--snapshot", cluster, "pod/running")
    assert code == 0
    assert doc["pods"][0]["placement"] == {"existingNode": "n1", "alreadyBound": True}


def test_unknown_targets_are_usage_errors(cluster: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # A missing object is an error (exit 1) as in kubectl; an unknown TYPE is a usage error.
    assert run(["explain", "--snapshot", cluster, "pod/nope"]) == 1
    assert "error: pod nope not found" in capsys.readouterr().err
    assert run(["explain", "--snapshot", cluster, "service/x"]) == 2
    assert run(["explain", "--snapshot", cluster, "deployment/ghost"]) == 1
    assert "deployment/ghost not found" in capsys.readouterr().err


def test_deployment_without_pods_uses_its_template(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "api", "namespace": "default"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}},
                           "template": {"metadata": {"labels": {"app": "api"}},
                                        "spec": {"containers": [{"name": "c", "image": "x",
                                                                 "resources": {"requests": {
                                                                     "cpu": "20"}}}]}}}}
    path = _write(tmp_path, "c.yaml", [node_pool(), NODE_CLASS, CATALOG, deployment])
    code, doc = _json(capsys, "--snapshot", path, "deployment/api")
    assert code == 3
    [entry] = doc["pods"]
    assert entry["count"] == 3 and entry["hypothetical"] is True


def test_file_workloads_are_hypothetical(cluster: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "etl"},
           "spec": {"parallelism": 2, "template": {"spec": {
               "restartPolicy": "Never",
               "containers": [{"name": "c", "image": "x",
                               "resources": {"requests": {"cpu": "3"}}}]}}}}
    path = _write(tmp_path, "job.yaml", [job])
    code, doc = _json(capsys, "--snapshot", cluster, "-f", path)
    assert code == 0
    [entry] = doc["pods"]
    assert entry["owner"] == "job/etl" and entry["count"] == 2 and entry["hypothetical"]
    assert entry["placement"]["nodePool"] == "test"


def test_nothing_pending_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "quiet.yaml", [node_pool(), NODE_CLASS, CATALOG, node("n1")])
    assert run(["explain", "--snapshot", path]) == 0
    assert "No pending pods to explain." in capsys.readouterr().out


def test_yaml_output_is_the_same_document(cluster: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    _, as_json = _json(capsys, "--snapshot", cluster)
    assert run(["explain", "--snapshot", cluster, "-o", "yaml"]) == 3
    assert yaml.safe_load(capsys.readouterr().out) == as_json


def test_cli_explain_and_simulate_agree_on_demo(capsys: pytest.CaptureFixture[str]) -> None:
    simulate_code = run(["simulate", "--demo", "-o", "json"])
    simulated = json.loads(capsys.readouterr().out)
    code, explained = _json(capsys, "--demo")
    assert code == simulate_code == 3
    assert explained["apiVersion"] == simulated["apiVersion"]
    pending = {f["pod"] for f in simulated["unschedulable"]}
    assert {k for e in explained["pods"] if not e["schedulable"] for k in e["pods"]} == pending


def test_demo_deployment_targets(capsys: pytest.CaptureFixture[str]) -> None:
    # The demo labels its pods (deployment/NAME); explaining that name must find them.
    assert run(["explain", "--demo", "deployment/sample-app"]) == 0
    out = capsys.readouterr().out
    assert "deployment/sample-app (3 pods" in out
    assert "new NodeClaim from NodePool" in out
    code, doc = _json(capsys, "--demo", "deployment/sample-app")
    assert code == 0
    [entry] = doc["pods"]
    assert entry["owner"] == "deployment/sample-app" and entry["count"] == 3
    assert entry["placement"]["nodePool"] == "test"
    assert run(["explain", "--demo", "deployment/cache"]) == 3
    assert "deployment/cache): stays Pending" in capsys.readouterr().out


def test_deployment_target_without_pod_template_hash(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # Pods written by hand often lack pod-template-hash: the ReplicaSet name still tells.
    pods = replicas("web", 2, deployment="web", cpu="3")
    for doc in pods:
        doc["metadata"]["ownerReferences"][0]["name"] = "web-7c9d6b5f4"
        del doc["metadata"]["labels"]["pod-template-hash"]
    path = _write(tmp_path, "c.yaml", [node_pool(families=["S5"]), NODE_CLASS, CATALOG, *pods])
    code, doc = _json(capsys, "--snapshot", path, "deployment/web")
    assert code == 0
    [entry] = doc["pods"]
    assert entry["count"] == 2 and entry["owner"] == "deployment/web"


def test_json_says_where_prices_come_from(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulate", "--demo", "-o", "json"]) == 3
    simulated = json.loads(capsys.readouterr().out)
    _, explained = _json(capsys, "--demo")
    assert explained["catalog"] == simulated["catalog"]
    assert explained["illustrativePrices"] is simulated["illustrativePrices"] is True
    assert explained["pricesKnown"] is True
    # Without a catalogue the instance types come from the nodes and have no price.
    path = _write(tmp_path, "bare.yaml", [node_pool(), NODE_CLASS, node("n1"), pod("p")])
    _, bare = _json(capsys, "--snapshot", path)
    assert bare["pricesKnown"] is False and bare["illustrativePrices"] is False
    assert "inferred" in bare["catalog"]
    assert {"pods", "blockers", "notes", "summary"} <= set(bare)
