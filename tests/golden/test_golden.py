"""Golden ``-o json`` documents: every command on ``--demo`` and every scenario in tests/.

Issue 13's refactor moves code between modules without changing behaviour; these files are
the proof. Each case's document is compared byte for byte with ``tests/golden/data/NAME.json``.
After a change that is *meant* to alter output, regenerate with
``KARP_GOLDEN_UPDATE=1 pytest tests/golden`` and review the diff like code.
"""

from __future__ import annotations

import difflib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from tests.scheduling import runner

DATA = Path(__file__).parent / "data"
UPDATE = os.environ.get("KARP_GOLDEN_UPDATE") == "1"
NOW = "2026-03-02T10:00:00Z"
TESTS = Path(__file__).resolve().parents[1]
# apply's inputs: the demo's own manifests, the apply fixtures and every broken manifest.
APPLY_INPUTS = [TESTS.parent / "kubectl_karp" / "data" / "demo" / "10-karpenter.yaml",
                *sorted((TESTS / "apply" / "fixtures").glob("*.yaml")),
                *sorted((TESTS / "apply" / "broken").glob("*.yaml"))]

# Every command with a machine-readable output, on the embedded demo cluster.
CLI_CASES: dict[str, list[str]] = {
    "simulate": ["simulate", "--demo"],
    "simulate-v1.9": ["simulate", "--demo", "--karpenter-version", "1.9"],
    "simulate-v1.8": ["simulate", "--demo", "--karpenter-version", "1.8"],
    "explain": ["explain", "--demo"],
    "explain-v1.9": ["explain", "--demo", "--karpenter-version", "1.9"],
    "consolidate": ["consolidate", "--demo", "--now", NOW],
    "consolidate-v1.9": ["consolidate", "--demo", "--now", NOW, "--karpenter-version", "1.9"],
    "consolidate-until-steady": ["consolidate", "--demo", "--now", NOW, "--until-steady"],
    "consolidate-rounds": ["consolidate", "--demo", "--now", NOW, "--rounds", "3"],
    "catalog": ["catalog", "--demo"],
    "verify": ["verify", "--demo", "--now", NOW],
    "snapshot": ["snapshot", "--demo"],
}


def _scrub(doc: Any) -> Any:
    """Drop what depends on the wall clock (explain has no --now: event ages)."""
    if isinstance(doc, dict):
        return {k: "<age>" if k == "ageSeconds" else _scrub(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_scrub(v) for v in doc]
    return doc


def _emit(doc: Any) -> str:
    return json.dumps(_scrub(doc), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def _compare(name: str, text: str) -> None:
    path = DATA / f"{name}.json"
    if UPDATE:
        DATA.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run with KARP_GOLDEN_UPDATE=1"
    want = path.read_text(encoding="utf-8")
    if text != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                            "golden", "now", n=2))
        pytest.fail(f"{name}: output changed\n{diff[:6000]}")


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run([*args, "-o", "json"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_command_on_demo(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(CLI_CASES[name], capsys)
    assert code in (0, 3), err
    # Re-emitted so the comparison is of the document, not of the encoder's layout.
    _compare(f"cli-{name}", _emit({"exit": code, "document": json.loads(out)}))


def test_apply_client_dry_run(capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """apply's client dry run (validation findings and diff) for each manifest."""
    monkeypatch.chdir(TESTS.parent)  # relative file names: findings quote them
    out: dict[str, Any] = {}
    for path in APPLY_INPUTS:
        rel = path.relative_to(TESTS.parent).as_posix()
        code, stdout, err = _cli(["apply", "-f", rel, "--demo", "--diff",
                                  "--dry-run", "client"], capsys)
        try:
            out[rel] = {"exit": code, "document": json.loads(stdout)}
        except json.JSONDecodeError:
            out[rel] = {"exit": code, "stdout": stdout, "stderr": err}
    _compare("cli-apply", _emit(out))


def _scheduling_cases() -> list[Any]:
    cases = []
    for path in sorted(runner.SCENARIOS.glob("*.yaml")):
        scenario = runner.load(path.name)
        versions = [str(v) for v in scenario.get("versions", {})] or [None]
        for version in versions:
            cases.append(pytest.param(path.name, version,
                                      id=path.stem + (f"@{version}" if version else "")))
    return cases


@pytest.mark.parametrize(("name", "version"), _scheduling_cases())
def test_scheduling_scenario(name: str, version: str | None) -> None:
    """simulate's and explain's documents for one scheduling scenario."""
    from kubectl_karp.core.explain import explain
    from kubectl_karp.render.explain import document as explain_document
    from kubectl_karp.render.simulate import document as simulate_document

    scenario = runner.load(name)
    if version is not None:
        scenario["karpenterVersion"] = version
    ctx = runner.context(scenario)
    result = runner.run(scenario)
    options = scenario.get("simulate", {})
    explanation = explain(ctx, node_pools=options.get("nodePools"),
                          exclude_nodes=frozenset(options.get("excludeNodes", [])))
    doc = {"simulate": simulate_document(result, ctx),
           "explain": explain_document(explanation, ctx)}
    stem = Path(name).stem + (f"@{version}" if version else "")
    _compare(f"scheduling-{stem}", _emit(doc))


def _disruption_cases() -> list[Any]:
    from tests.disruption.test_yaml_scenarios import FILES

    cases = []
    for path in FILES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i in range(len(spec["cases"])):
            cases.append(pytest.param(path, i, id=f"{path.stem}-{i}"))
    return cases


@pytest.mark.parametrize(("path", "index"), _disruption_cases())
def test_disruption_scenario(path: Path, index: int) -> None:
    """consolidate's document (and a rollout to steady state) for one YAML scenario case."""
    from kubectl_karp.core.context import build_context
    from kubectl_karp.core.disruption import plan_consolidation
    from kubectl_karp.core.releases import SOURCE_FLAG, resolve_rules
    from kubectl_karp.model.parse import build_snapshot
    from kubectl_karp.render.consolidate import plan_document
    from tests.disruption.test_yaml_scenarios import cluster_version

    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    cluster, case = spec["cluster"], spec["cases"][index]
    if spec.get("karpenterVersion"):
        cluster = [*cluster, {"karpenterVersion": spec["karpenterVersion"]}]
    docs = [d for d in cluster if "karpenterVersion" not in d]
    snapshot = build_snapshot([(d, "scenario") for d in docs], source="scenario")
    version = case.get("karpenterVersion") or cluster_version(cluster)
    ctx = build_context(snapshot, rules=resolve_rules(version, SOURCE_FLAG) if version else None)
    now = datetime.fromisoformat(case["now"].replace("Z", "+00:00"))
    _compare(f"disruption-{path.stem}-{index}", _emit(plan_document(plan_consolidation(ctx, now))))
