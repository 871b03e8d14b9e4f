"""``kubectl karp consolidate`` end to end: demo, --node, --now, and a live run against the
API emulator that must not send a single write request."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from kubectl_karp.sources.catalogs import bundled_catalogs
from kubectl_karp.sources.demo import demo_documents
from tests.emulator import KubeEmulator

NOW = "2026-03-02T12:00:00Z"


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = run(["consolidate", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip().startswith("{") else out, err


def test_help_says_it_is_read_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["consolidate", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Read-only" in out and "never" in out
    assert "--node" in out and "--now" in out


def test_demo_plan_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = _json(capsys, "--demo", "--now", NOW, "-o", "json")
    assert code == 0
    assert doc["kind"] == "ConsolidationPlan"
    assert set(doc) >= {"actions", "blocked", "budgets", "savings"}
    assert doc["savings"]["perMonth"] == round(doc["savings"]["perHour"] * 730, 2)
    for action in doc["actions"]:
        assert action["type"] in ("delete", "replace")
        assert {"method", "nodes", "replacement", "savingsPerHour", "moves"} <= set(action)
    codes = {r["code"] for b in doc["blocked"] for r in b["reasons"]}
    assert "DoNotDisrupt" in codes
    assert [b["nodePool"] for b in doc["budgets"]] == ["test"]


def test_demo_table_shows_sections(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["consolidate", "--demo", "--now", NOW]) == 0
    out = capsys.readouterr().out
    for heading in ("Actions", "Not touched", "Disruption budgets", "Savings:"):
        assert heading in out
    assert "nothing is changed" in out


def test_node_explains_one_node(capsys: pytest.CaptureFixture[str]) -> None:
    _, doc, _ = _json(capsys, "--demo", "--now", NOW, "-o", "json")
    blocked = doc["blocked"][0]["node"]
    assert run(["consolidate", "--demo", "--now", NOW, "--node", blocked]) == 0
    out = capsys.readouterr().out
    assert f"Node {blocked}" in out and "Checks:" in out and "left alone" in out
    code, report, _ = _json(capsys, "--demo", "--now", NOW, "--node", blocked, "-o", "json")
    assert code == 0 and report["kind"] == "ConsolidationNodeReport"
    assert report["node"] == blocked and report["reasons"]


def test_unknown_node_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["consolidate", "--demo", "--node", "nope"]) == 1
    assert capsys.readouterr().err.startswith("error: node 'nope' not found")


def test_bad_now_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["consolidate", "--demo", "--now", "yesterday"]) == 2
    assert "--now" in capsys.readouterr().err


def _catalog_file(tmp_path: Path) -> Path:
    """The bundled TKE catalogue as a --catalog file, so the live run needs no cloud API."""
    docs = []
    for cat in bundled_catalogs("tke", "ap-guangzhou"):
        docs.append({"apiVersion": "kubectl-karp/v1", "kind": "InstanceTypeCatalog",
                     "provider": cat.provider, "region": cat.region, "instanceTypes": [
                         {"name": it.name,
                          "capacity": {"cpu": f"{it.capacity['cpu']}m",
                                       "memory": f"{it.capacity['memory'] // 1000}"},
                          "labels": dict(it.labels),
                          "offerings": [{"zone": o.zone, "zoneName": o.zone_name,
                                         "capacityType": o.capacity_type,
                                         "pricePerHour": o.price_per_hour,
                                         "available": o.available} for o in it.offerings]}
                         for it in cat.instance_types]})
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return path


def test_live_run_sends_no_write_request(k8s: KubeEmulator, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    docs = [doc for doc, _ in demo_documents()
            if isinstance(doc, Mapping) and doc.get("kind") != "InstanceTypeCatalog"]
    k8s.add_all(docs)
    k8s.clear_requests()
    live_code, live, _ = _json(capsys, *k8s.cli_args, "--catalog", str(_catalog_file(tmp_path)),
                               "--now", NOW, "-o", "json")
    assert live_code == 0, live
    assert k8s.writes() == []
    assert k8s.lists("/api/v1/nodes") and k8s.lists("/api/v1/pods")
    # The live cluster holds the demo objects: the plan decides the same nodes.
    _, demo, _ = _json(capsys, "--demo", "--now", NOW, "-o", "json")
    assert [a["nodes"] for a in live["actions"]] == [a["nodes"] for a in demo["actions"]]
    assert {b["node"] for b in live["blocked"]} == {b["node"] for b in demo["blocked"]}


def test_now_moves_the_budget_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = Path(__file__).parent / "disruption" / "scenarios" / "business-hours-budget.yaml"
    cluster = yaml.safe_load(scenario.read_text(encoding="utf-8"))["cluster"]
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": cluster}),
                    encoding="utf-8")
    _, noon, _ = _json(capsys, "--snapshot", str(path), "--now", "2026-03-02T12:00:00Z",
                       "-o", "json")
    _, evening, _ = _json(capsys, "--snapshot", str(path), "--now", "2026-03-02T18:00:00+00:00",
                          "-o", "json")
    assert [a["method"] for a in noon["actions"]] == ["emptiness"]
    assert noon["budgets"][0]["nextOpen"] == "2026-03-02T17:00:00Z"
    assert [a["method"] for a in evening["actions"]] == ["emptiness",
                                                         "single-node-consolidation"]
    assert evening["actions"][1]["replacement"]["instanceType"] == "m.large"
    assert evening["savings"]["perHour"] == pytest.approx(0.1 + 0.8 - 0.1)
    assert run(["consolidate", "--snapshot", str(path), "--now", "2026-03-02T18:00:00Z",
                "-o", "wide", "--spot-to-spot"]) == 0
    assert "shop/api-1 → replacement-1" in capsys.readouterr().out


def _broken_node_class(variant: str) -> list[Any]:
    docs = [copy.deepcopy(doc) for doc, _ in demo_documents()
            if isinstance(doc, Mapping) and doc.get("kind") != "InstanceTypeCatalog"]
    for doc in docs:
        if variant == "unknown-kind" and doc["kind"] == "NodePool":
            doc["spec"]["template"]["spec"]["nodeClassRef"] = {
                "group": "example.com", "kind": "FooNodeClass", "name": "default"}
        if variant == "not-ready" and doc["kind"] == "TKEMachineNodeClass":
            doc["status"]["conditions"] = [{"type": "Ready", "status": "False",
                                            "reason": "SubnetsNotFound",
                                            "message": "no subnet matches"}]
    if variant == "missing":
        docs = [d for d in docs if d["kind"] != "TKEMachineNodeClass"]
    return docs


@pytest.mark.parametrize(("variant", "expected"), [
    ("unknown-kind", "NodePool test refers to FooNodeClass.example.com default, which no known "
                     "cloud provider owns"),
    ("missing", "NodePool test refers to TKEMachineNodeClass default, which does not exist"),
    ("not-ready", "NodePool test: TKEMachineNodeClass default is not Ready (Ready=False): "
                  "no subnet matches"),
])
def test_broken_node_class_is_reported(variant: str, expected: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List",
                                    "items": _broken_node_class(variant)}), encoding="utf-8")
    args = ["--snapshot", str(path), "--catalog", "bundled:tke", "--now", NOW]
    assert run(["consolidate", *args]) == 0
    assert f"warning: {expected}\n" in capsys.readouterr().err
    code, doc, err = _json(capsys, *args, "-o", "json")
    assert code == 0 and doc["warnings"] == [expected]
    assert err.count("warning: ") == 1
    node = doc["blocked"][0]["node"]
    _, report, _ = _json(capsys, *args, "--node", node, "-o", "json")
    assert report["warnings"] == [expected]
    # catalog --nodepool says the same.
    assert run(["catalog", *args[:4], "--nodepool", "test"]) == 0
    assert f"warning: {expected}\n" in capsys.readouterr().err
    # So do simulate and explain, whether or not a pending pod runs into that NodePool.
    # The demo's pending pods need NodePool test, which cannot provision: they stay pending.
    for command in ("simulate", "explain"):
        assert run([command, *args[:4]]) == 3
        assert f"warning: {expected}\n" in capsys.readouterr().err


def test_healthy_cluster_has_no_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = _json(capsys, "--demo", "--now", NOW, "-o", "json")
    assert code == 0 and doc["warnings"] == [] and "warning:" not in err


def _scenario_snapshot(tmp_path: Path, name: str) -> str:
    spec = yaml.safe_load((Path(__file__).parent / "disruption" / "scenarios" / name)
                          .read_text(encoding="utf-8"))
    path = tmp_path / "snapshot.yaml"
    path.write_text(yaml.safe_dump_all(spec["cluster"]), encoding="utf-8")
    return str(path)


def test_node_shows_the_balanced_score_check_by_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # issue 16 item 13: the score that approved the move, in --node text and -o json
    snap = _scenario_snapshot(tmp_path, "balanced-oversized-node.yaml")
    assert run(["consolidate", "--snapshot", snap, "--now", NOW, "--node", "ip-old"]) == 0
    out = capsys.readouterr().out
    assert "✓ Balanced: score 1.17 ≥ threshold 0.5, approved" in out
    code, report, _ = _json(capsys, "--snapshot", snap, "--now", NOW, "--node", "ip-old",
                            "-o", "json")
    assert code == 0 and report["balanced"][0]["score"] == pytest.approx(7 / 6, abs=1e-6)


def test_balanced_under_an_older_release_is_one_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the NodePool API of v1.13 has no Balanced: the API server would refuse the NodePool
    snap = _scenario_snapshot(tmp_path, "balanced-oversized-node.yaml")
    assert run(["consolidate", "--snapshot", snap, "--now", NOW,
                "--karpenter-version", "1.13"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: NodePool balanced: spec.disruption.consolidationPolicy: "
                          "unsupported value 'Balanced'")
    assert err.count("\n") == 1


def test_static_nodepool_is_marked_in_the_budget_table(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = _scenario_snapshot(tmp_path, "static-nodepool-drift.yaml")
    assert run(["consolidate", "--snapshot", snap, "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "fixed (static, 2 replicas)" in out and "-/1/-" in out
    assert "static-drift" in out
