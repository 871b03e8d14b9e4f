"""consolidate --what-if / --rounds / --until-steady on the demo cluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from kubectl_karp.sources.demo import demo_documents

NOW = "2026-01-12T10:00:00Z"


def _demo_pool() -> dict[str, Any]:
    return next(doc for doc, _ in demo_documents()
                if isinstance(doc, dict) and doc.get("kind") == "NodePool")


def _what_if(tmp_path: Path, **changes: Any) -> Path:
    pool = _demo_pool()
    template = pool["spec"]["template"]
    for key, value in changes.items():
        if key == "labels":
            template.setdefault("metadata", {})["labels"] = value
        elif key == "budgets":
            pool["spec"]["disruption"]["budgets"] = value
    path = tmp_path / "what-if.yaml"
    path.write_text(yaml.safe_dump(pool), encoding="utf-8")
    return path


def test_what_if_lists_the_drift_and_plans_with_it(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _what_if(tmp_path, labels={"image": "v2"})
    assert run(["consolidate", "--demo", "--what-if", str(path), "--now", NOW,
                "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "ConsolidationPlan"
    assert sorted(d["node"] for d in doc["drift"]) == ["10.0.1.37", "10.0.1.52", "10.0.2.41"]
    assert {d["reason"] for d in doc["drift"]} == {"NodePoolDrifted"}
    assert {d["detail"] for d in doc["drift"]} == {"spec.template.metadata.labels changed"}


def test_a_budget_only_change_drifts_nothing(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _what_if(tmp_path, budgets=[{"nodes": "50%"}])
    assert run(["consolidate", "--demo", "--what-if", str(path), "--now", NOW]) == 0
    assert "none: no NodeClaim would drift" in capsys.readouterr().out


def test_until_steady_timeline_document(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = _what_if(tmp_path, labels={"image": "v2"})
    assert run(["consolidate", "--demo", "--what-if", str(path), "--until-steady",
                "--now", NOW, "--launch-time", "10m", "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "RolloutPlan" and doc["steady"] is True
    disrupting = [r for r in doc["rounds"] if r["kind"] == "disrupt"]
    assert disrupting and disrupting[0]["time"] == NOW
    assert [r["time"] for r in disrupting][1:2] in ([], ["2026-01-12T10:10:00Z"])
    assert doc["steadyState"]["nodes"] <= doc["startState"]["nodes"]
    # the do-not-disrupt pod keeps its drifted node: named as a risk
    assert any(r["code"] == "NeverDisrupted" and "10.0.1.52" in r["message"]
               for r in doc["risks"])
    assert run(["consolidate", "--demo", "--what-if", str(path), "--rounds", "1",
                "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "Timeline (1 rounds)" in out and "Stopped before steady state" in out


@pytest.mark.parametrize("args", [
    ["--rounds", "2", "--until-steady"],
    ["--rounds", "0"],
    ["--until-steady", "--node", "10.0.1.37"],
    ["--until-steady", "--launch-time", "soon"],
])
def test_bad_rollout_flags_are_usage_errors(args: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["consolidate", "--demo", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("error: ") == 1 and "Traceback" not in err


def test_apply_diff_reports_the_drift_offline(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = _what_if(tmp_path, labels={"image": "v2"})
    assert run(["apply", "--demo", "-f", str(path), "--diff"]) == 0
    out = capsys.readouterr().out
    assert "Drift from the change (3 NodeClaims)" in out
    assert "NodePoolDrifted  spec.template.metadata.labels changed" in out
    assert run(["apply", "--demo", "-f", str(path), "--diff", "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(d["node"] for d in doc["drift"]) == ["10.0.1.37", "10.0.1.52", "10.0.2.41"]
    # A change outside the hash drifts nothing and says nothing.
    quiet = _what_if(tmp_path, budgets=[{"nodes": "50%"}])
    assert run(["apply", "--demo", "-f", str(quiet), "--diff"]) == 0
    assert "Drift from the change" not in capsys.readouterr().out
