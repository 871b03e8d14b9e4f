"""``kubectl karp verify`` and the "Karpenter reported" lines of explain and consolidate, on the
demo cluster (whose events all agree) and on copies of it with a disagreement planted."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from kubectl_karp.sources.demo import demo_documents

NOW = "2026-01-12T10:00:00Z"


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def _demo_with(tmp_path: Path, *events: dict[str, Any], drop_events: bool = False) -> Path:
    docs = [copy.deepcopy(doc) for doc, _ in demo_documents() if isinstance(doc, Mapping)
            and not (drop_events and doc.get("kind") == "Event")]
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List",
                                    "items": [*docs, *events]}), encoding="utf-8")
    return path


def _event(kind: str, name: str, reason: str, message: str, *, namespace: str = "",
           when: str = "2026-01-12T09:50:00Z", reporter: str = "karpenter") -> dict[str, Any]:
    regarding: dict[str, Any] = {"kind": kind, "name": name}
    if namespace:
        regarding["namespace"] = namespace
    return {"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": f"{name}.planted", "namespace": namespace or "default"},
            "reportingController": reporter, "reason": reason, "note": message,
            "regarding": regarding, "deprecatedLastTimestamp": when}


def test_demo_agrees_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = _json(capsys, "verify", "--demo", "--now", NOW, "-o", "json")
    assert code == 0
    assert doc["kind"] == "VerifyReport" and doc["disagreements"] == 0
    assert doc["eventsRead"] == 5
    table = {row["code"]: (row["agree"], row["disagree"]) for row in doc["agreement"]}
    assert table == {"BudgetExhausted": (1, 0), "DoNotDisrupt": (1, 0),
                     "NodePoolLimitExceeded": (1, 0), "NodeSelectorMismatch": (1, 0),
                     "Placed": (1, 0)}
    by_name = {c["name"]: c for c in doc["comparisons"]}
    trainer = by_name["ml/trainer-0"]
    assert trainer["verdict"] == "agree"
    assert trainer["karpenter"]["reason"] == "FailedScheduling"
    assert trainer["karpenter"]["ageSeconds"] == 19 * 60  # last seen 09:41
    assert "NodePoolLimitExceeded" in trainer["ours"]["codes"]


def test_planted_disagreement_exits_3_with_evidence_and_a_reproduction(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Karpenter says the empty node cannot be replaced more cheaply; we delete it as empty.
    path = _demo_with(tmp_path, _event("Node", "10.0.2.41", "Unconsolidatable",
                                       "Can't replace with a cheaper node"))
    assert run(["verify", "--snapshot", str(path), "--catalog", "bundled:tke",
                "--now", NOW]) == 3
    out = capsys.readouterr().out
    assert "Disagreements (1)" in out
    assert "node/10.0.2.41" in out
    assert "ours:      delete (emptiness)" in out
    assert "Karpenter: Unconsolidatable (10m ago): Can't replace with a cheaper node" in out
    assert ("reproduce: kubectl karp snapshot > karp-snapshot.yaml && kubectl karp consolidate "
            "--snapshot karp-snapshot.yaml --node 10.0.2.41") in out
    code, doc, _ = _json(capsys, "verify", "--snapshot", str(path), "--catalog", "bundled:tke",
                         "--now", NOW, "-o", "json")
    assert code == 3 and doc["disagreements"] == 1
    # consolidate says the same beside its plan, in text and JSON.
    assert run(["consolidate", "--snapshot", str(path), "--catalog", "bundled:tke",
                "--now", NOW]) == 0
    assert ("10.0.2.41 (10m ago): Unconsolidatable: Can't replace with a cheaper node — "
            "DISAGREES with this preview") in capsys.readouterr().out
    _, plan, _ = _json(capsys, "consolidate", "--snapshot", str(path), "--catalog",
                       "bundled:tke", "--now", NOW, "-o", "json")
    assert plan["karpenter"]["10.0.2.41"]["verdict"] == "disagree"
    assert plan["karpenter"]["10.0.1.52"]["verdict"] == "agree"


def test_pod_disagreement_and_explain_marks_it(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # Karpenter nominated the trainer (it found room); we say it stays pending.
    path = _demo_with(tmp_path, _event("Pod", "trainer-0", "Nominated",
                                       "Pod should schedule on: nodeclaim/test-abcde",
                                       namespace="ml", when="2026-01-12T09:55:00Z"))
    code, doc, _ = _json(capsys, "verify", "--snapshot", str(path), "--catalog", "bundled:tke",
                         "--now", NOW, "-o", "json")
    assert code == 3
    [row] = [c for c in doc["comparisons"] if c["verdict"] == "disagree"]
    assert row["name"] == "ml/trainer-0" and row["karpenter"]["reason"] == "Nominated"
    _, explained, _ = _json(capsys, "explain", "--snapshot", str(path), "--catalog",
                            "bundled:tke", "pod/trainer-0", "-n", "ml", "-o", "json")
    assert explained["pods"][0]["karpenter"]["verdict"] == "disagree"
    run(["explain", "--snapshot", str(path), "--catalog", "bundled:tke", "pod/trainer-0",
         "-n", "ml"])
    assert "Nominated: Pod should schedule on: nodeclaim/test-abcde — DISAGREES" in \
        capsys.readouterr().out.replace("\n    ", " ")


def test_other_controllers_events_and_stale_events_are_not_karpenters_word(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _demo_with(
        tmp_path,
        # kube-scheduler's own FailedScheduling on a pod: not Karpenter's.
        _event("Pod", "postgres-0", "FailedScheduling", "0/5 nodes are available",
               namespace="data", reporter="default-scheduler"),
        # Older than the pod (a previous pod of the same name): ignored.
        _event("Pod", "postgres-0", "Nominated", "Pod should schedule on: node/10.0.1.12",
               namespace="data", when="2026-01-01T00:00:00Z"),
        drop_events=True)
    code, doc, _ = _json(capsys, "verify", "--snapshot", str(path), "--catalog",
                           "bundled:tke", "--now", NOW, "-o", "json")
    assert code == 0 and doc["eventsRead"] == 1
    assert doc["comparisons"] == [] and doc["agreement"] == []


def test_unknown_message_is_shown_verbatim_and_not_counted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _demo_with(tmp_path, _event("Node", "10.0.2.41", "Unconsolidatable",
                                       "A reason from a future release"), drop_events=True)
    assert run(["verify", "--snapshot", str(path), "--catalog", "bundled:tke",
                "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "Not comparable (1)" in out
    assert "node/10.0.2.41: Unconsolidatable: A reason from a future release" in out


def test_no_events_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _demo_with(tmp_path, drop_events=True)
    assert run(["verify", "--snapshot", str(path), "--catalog", "bundled:tke"]) == 0
    captured = capsys.readouterr()
    assert "note: no Karpenter events in the input" in captured.err
    assert "Nothing to compare" in captured.out
