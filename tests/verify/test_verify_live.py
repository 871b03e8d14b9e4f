"""verify, snapshot and explain against the emulator: events read through the real kubernetes
client, only Karpenter's kept, nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubectl_karp.cli.app import run
from tests.builders.generated import small_cluster
from tests.emulator import KubeEmulator

CATALOG = ["--catalog", "bundled:tke"]


def _event(kind: str, name: str, reason: str, message: str, *, reporter: str = "karpenter",
           legacy: bool = False) -> dict[str, Any]:
    namespace = "default"
    regarding = {"kind": kind, "name": name, **({"namespace": namespace}
                                                if kind == "Pod" else {})}
    if legacy:  # recorded through client-go's old recorder: reporting controller unset
        return {"apiVersion": "events.k8s.io/v1", "kind": "Event",
                "metadata": {"name": f"{name}.{reason}", "namespace": namespace},
                "reason": reason, "note": message, "regarding": regarding,
                "deprecatedSource": {"component": reporter},
                "deprecatedLastTimestamp": "2026-12-01T00:00:00Z"}
    return {"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": f"{name}.{reason}", "namespace": namespace},
            "reportingController": reporter, "reason": reason, "note": message,
            "regarding": regarding, "eventTime": "2026-12-01T00:00:00.000000Z"}


def _cluster_with_events() -> list[dict[str, Any]]:
    return [*small_cluster(),
            _event("Pod", "web-100", "Nominated", "Pod should schedule on: node/10.0.0.0"),
            _event("Pod", "web-101", "FailedScheduling", "Failed to schedule pod, no instance "
                   "type has enough resources, requirements=…, resources=…", legacy=True),
            _event("Node", "10.0.0.1", "DisruptionBlocked", "Node isn't initialized"),
            _event("Pod", "web-100", "Scheduled", "Successfully assigned",
                   reporter="default-scheduler")]


def test_verify_reports_agreement_and_the_planted_disagreement(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(_cluster_with_events())
    code = run(["verify", *k8s.cli_args, *CATALOG, "--now", "2026-12-01T00:05:00Z",
                "-o", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3
    verdicts = {c["name"]: c["verdict"] for c in doc["comparisons"]}
    assert verdicts == {"default/web-100": "agree", "default/web-101": "disagree",
                        "10.0.0.1": "agree"}
    assert doc["eventsRead"] == 3  # the scheduler's event is not Karpenter's
    assert k8s.writes() == []
    paths = {r.path for r in k8s.requests}
    assert "/apis/events.k8s.io/v1/events" in paths
    assert not any("secrets" in p or "configmaps" in p for p in paths)


def test_snapshot_keeps_only_karpenters_events_and_verify_reads_them_back(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    k8s.add_all(_cluster_with_events())
    assert run(["snapshot", *k8s.cli_args, "--no-catalog", "-o", "json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    events = [d for d in saved["items"] if d["kind"] == "Event"]
    assert sorted(e["reason"] for e in events) == ["DisruptionBlocked", "FailedScheduling",
                                                   "Nominated"]
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(saved), encoding="utf-8")
    assert run(["verify", "--snapshot", str(path), *CATALOG,
                "--now", "2026-12-01T00:05:00Z"]) == 3
    assert "pod/default/web-101" in capsys.readouterr().out


def test_events_forbidden_is_a_note_not_a_failure(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(_cluster_with_events())
    k8s.fail("/apis/events.k8s.io/v1/events", 403)
    assert run(["verify", *k8s.cli_args, *CATALOG]) == 0
    err = capsys.readouterr().err
    assert "forbidden: cannot list events.events.k8s.io" in err
    assert "no Karpenter events in the input" in err
    assert k8s.writes() == []
