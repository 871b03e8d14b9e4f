"""``explain`` against a live API server (the kmock emulator, through the real client)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kubectl_karp.cli.app import run
from tests.builders.documents import CATALOG, NODE_CLASS, node, node_pool, pod
from tests.emulator import KubeEmulator


@pytest.fixture
def catalog(tmp_path: Path) -> str:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(CATALOG))
    return str(path)


def test_live_explain_reads_and_never_writes(k8s: KubeEmulator, catalog: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([node_pool(families=["S5"]), NODE_CLASS, node("n1", cpu="2"),
                 pod("trainer", cpu="12", namespace="ml"), pod("web", cpu="1")])
    code = run(["explain", *k8s.cli_args, "--catalog", catalog, "-o", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3
    by_pod = {e["pod"]: e for e in doc["pods"]}
    assert by_pod["default/web"]["schedulable"] is True
    trainer = by_pod["ml/trainer"]
    assert trainer["nodePools"][0]["reasons"][0]["code"] == "NoInstanceTypeFits"
    assert "S5.2XLARGE16" in trainer["nodePools"][0]["reasons"][0]["message"]
    assert k8s.writes() == []


def test_live_deployment_without_pods_reads_its_template(
        k8s: KubeEmulator, catalog: str, capsys: pytest.CaptureFixture[str]) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "api", "namespace": "shop"},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}},
                           "template": {"metadata": {"labels": {"app": "api"}},
                                        "spec": {"containers": [{
                                            "name": "c", "image": "x",
                                            "resources": {"requests": {"cpu": "2"}}}]}}}}
    k8s.add_all([node_pool(), NODE_CLASS, deployment])
    code = run(["explain", *k8s.cli_args, "--catalog", catalog, "-n", "shop",
                "deployment/api", "-o", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    [entry] = doc["pods"]
    assert entry["count"] == 2 and entry["hypothetical"] is True
    assert entry["placement"]["nodePool"] == "default"
    assert any(r.path == "/apis/apps/v1/namespaces/shop/deployments/api" for r in k8s.requests)
    assert run(["explain", *k8s.cli_args, "--catalog", catalog, "-n", "shop",
                "deployment/nope"]) == 1  # not found, as kubectl: an error, not a usage error
