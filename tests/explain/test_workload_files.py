"""``explain -f``: every workload kind the shared reader (sources/workloads.py) expands, and
``-f -`` from stdin."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from tests.builders.documents import CATALOG, NODE_CLASS, node, node_pool


def _template(app: str, cpu: str = "3") -> dict[str, Any]:
    return {"metadata": {"labels": {"app": app}},
            "spec": {"restartPolicy": "Never",
                     "containers": [{"name": "c", "image": "x",
                                     "resources": {"requests": {"cpu": cpu}}}]}}


CRONJOB = {"apiVersion": "batch/v1", "kind": "CronJob",
           "metadata": {"name": "nightly", "namespace": "batch"},
           "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {
               "parallelism": 3, "completions": 6, "template": _template("nightly")}}}}
STATEFULSET = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
               "spec": {"replicas": 3, "serviceName": "db",
                        "selector": {"matchLabels": {"app": "db"}}, "template": _template("db")}}
REPLICASET = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "frontend"},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "frontend"}},
                       "template": _template("frontend")}}
JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "etl"},
       "spec": {"parallelism": 4, "completions": 2, "template": _template("etl")}}


@pytest.fixture
def cluster(tmp_path: Path) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all([node_pool("test", families=["S5"]), NODE_CLASS, CATALOG,
                                        node("n1", cpu="2")]), encoding="utf-8")
    return str(path)


def _explain(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = run(["explain", *argv, "-o", "json"])
    return code, json.loads(capsys.readouterr().out)


def _entries(doc: dict[str, Any]) -> dict[str, list[str]]:
    """Owner → the pods explained for it (all hypothetical)."""
    out: dict[str, list[str]] = {}
    for entry in doc["pods"]:
        assert entry["hypothetical"] is True
        assert entry["count"] == len(entry["pods"])
        out.setdefault(entry["owner"], []).extend(entry["pods"])
    return out


@pytest.mark.parametrize(("workload", "owner", "pods"), [
    # A CronJob runs its job template: parallelism pods at once (completions do not cap it).
    (CRONJOB, "cronjob/nightly", ["batch/nightly-0", "batch/nightly-1", "batch/nightly-2"]),
    (STATEFULSET, "statefulset/db", ["default/db-0", "default/db-1", "default/db-2"]),
    (REPLICASET, "replicaset/frontend", ["default/frontend-0", "default/frontend-1"]),
    # A Job runs min(parallelism, completions) pods at once.
    (JOB, "job/etl", ["default/etl-0", "default/etl-1"]),
])
def test_file_workload_kinds_expand_to_their_pods(
        workload: dict[str, Any], owner: str, pods: list[str], cluster: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "workload.yaml"
    path.write_text(yaml.safe_dump(workload), encoding="utf-8")
    code, doc = _explain(capsys, "--snapshot", cluster, "-f", str(path))
    assert code == 0
    assert _entries(doc) == {owner: pods}
    assert doc["summary"]["pods"] == len(pods)
    assert all(e["placement"]["nodePool"] == "test" for e in doc["pods"])


def test_all_kinds_in_one_file_from_stdin(cluster: str, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    text = yaml.safe_dump_all([CRONJOB, STATEFULSET, REPLICASET, JOB])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, doc = _explain(capsys, "--snapshot", cluster, "-f", "-")
    assert code == 0
    assert {owner: len(names) for owner, names in _entries(doc).items()} == {
        "cronjob/nightly": 3, "statefulset/db": 3, "replicaset/frontend": 2, "job/etl": 2}
    assert doc["summary"] == {"entries": 4, "pods": 10, "pending": 0}
