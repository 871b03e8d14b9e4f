"""Validation reports every finding of a document in one pass (issue 19 items 7 and 8): the
semantic checks still run after a schema or rule error in the same document, on the fields
not already reported, and no problem is reported twice in two wordings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kubectl_karp.cli.app import run
from kubectl_karp.core.validation import Manifest, validate
from kubectl_karp.core.validation.repair import PLACEHOLDER, related, without
from tests.apply.conftest import seed_doc
from tests.apply.test_validation import catalog

BROKEN = Path(__file__).resolve().parent / "broken"
REQS = "spec.template.spec.requirements"


def _findings(*docs: dict[str, Any]) -> list[tuple[str, str, str]]:
    manifests = [Manifest(d, "m.yaml", i + 1) for i, d in enumerate(docs)]
    report = validate(manifests, catalogs=[catalog()], cluster_node_classes=[])
    return [(f.severity, f.code, f.path) for f in report.findings]


def test_semantic_checks_run_after_a_schema_error() -> None:
    """weight 101 (schema), capacity type 'ondemand' (rule), a label both Exists and
    DoesNotExist (semantics, no catalogue needed) and minValues unmet (semantics, catalogue):
    all four, each once, in one run."""
    pool = seed_doc("nodepool.yaml")
    pool["spec"]["weight"] = 101
    reqs = pool["spec"]["template"]["spec"]["requirements"]
    reqs[3]["values"] = ["ondemand"]
    reqs.append({"key": "example.com/team", "operator": "Exists"})
    reqs.append({"key": "example.com/team", "operator": "DoesNotExist"})
    reqs.append({"key": "node.kubernetes.io/instance-type", "operator": "In",
                 "values": ["S5.LARGE8", "S5.HUGE"], "minValues": 2})
    found = _findings(seed_doc("nodeclass.yaml"), pool)
    assert ("error", "Schema", "spec.weight") in found
    assert ("error", "Rule", f"{REQS}[3].values") in found
    assert ("error", "ContradictoryRequirements", f"{REQS}[6]") in found
    assert ("error", "MinValues", f"{REQS}[7].minValues") in found
    # The removed capacity-type requirement empties nothing: no second word on [3].
    assert [f for f in found if f[2].startswith(f"{REQS}[3]")] == [
        ("error", "Rule", f"{REQS}[3].values")]
    assert len(found) == len(set(found))


def test_a_contradiction_is_one_error_not_two() -> None:
    """Item 8: S5 both In and NotIn was a ContradictoryRequirements error and, in other
    words, a NoInstanceTypes error on the same requirement; the contradiction (it names both
    requirements and needs no catalogue) is the one kept."""
    pool = seed_doc("nodepool.yaml")
    pool["spec"]["template"]["spec"]["requirements"].append(
        {"key": "karpenter.k8s.tke/instance-family", "operator": "NotIn",
         "values": ["S5", "SA2"]})
    found = _findings(seed_doc("nodeclass.yaml"), pool)
    assert [f for f in found if f[2] == f"{REQS}[5]"] == [
        ("error", "ContradictoryRequirements", f"{REQS}[5]")]


def test_a_node_class_with_errors_is_not_missing() -> None:
    """The NodePool's nodeClassRef names a class in the files that has its own error: that
    error, not a second one saying the class does not exist."""
    node_class = seed_doc("nodeclass.yaml")
    node_class["spec"]["systemDisk"] = {"size": 10, "type": "CloudPremium"}
    found = _findings(node_class, seed_doc("nodepool.yaml"))
    assert ("error", "Schema", "spec.systemDisk.size") in found
    assert not any(code == "NodeClassRef" for _, code, _ in found), found


def test_a_schema_refused_duration_is_one_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Item 8: ``consolidateAfter: 5 minutes`` was refused by the schema's pattern and again,
    in other words, by the duration parser."""
    assert run(["apply", "-f", str(BROKEN / "np-consolidate-after.yaml"), "--demo",
                "--dry-run", "client"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines()
              if line.startswith("error:")]
    assert len(errors) == 1, errors
    assert "invalid value '5 minutes' (expected a duration such as 30s" in errors[0]


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_no_field_is_reported_twice(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Across the broken corpus: at most one error per field of a document."""
    run(["apply", "-f", str(path), "--demo", "--dry-run", "client", "-o", "json"])
    import json

    out = capsys.readouterr().out
    findings = json.loads(out)["findings"] if out.strip() else []
    keys = [(f["origin"], f["path"]) for f in findings if f["severity"] == "error"]
    assert len(keys) == len(set(keys)), findings


def test_without_keeps_requirement_indexes_and_drops_list_items() -> None:
    doc = {"spec": {"template": {"spec": {"requirements": [{"key": "a"}, {"key": "b"}],
                                          "taints": [{"key": "t", "effect": "X"}]},
                                 "metadata": {"labels": {"karpenter.sh/team": "x"}}},
                    "limits": {"cpu": "x"}}}
    out = without(doc, [f"{REQS}[0].values", "spec.template.spec.taints[0].effect",
                        "spec.limits.cpu", "spec.template.metadata.labels.karpenter.sh/team"])
    assert out == {"spec": {"template": {"spec": {"requirements": [PLACEHOLDER, {"key": "b"}],
                                                  "taints": []},
                                         "metadata": {"labels": {}}},
                            "limits": {}}}
    assert doc["spec"]["limits"] == {"cpu": "x"}  # the input is left alone
    assert without(doc, ["metadata.name"]) is None
    assert without(doc, ["spec"]) is None


@pytest.mark.parametrize(("a", "b", "answer"), [
    ("spec.limits", "spec.limits.cpu", True), ("spec.limits.cpu", "spec.limits", True),
    ("spec.a[0]", "spec.a[0].b", True), ("spec.a", "spec.ab", False),
    ("spec.a[1]", "spec.a[10]", False), ("", "spec", True),
])
def test_related(a: str, b: str, answer: bool) -> None:
    assert related(a, b) is answer


@pytest.mark.parametrize("name", ["np-unknown-family.yaml", "np-unknown-instance-type.yaml"])
def test_an_unknown_value_is_one_short_line(name: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Item 8: the warning repeated the bundled catalogue's description once per region
    (~800 characters); now it says the catalogue is partial once."""
    run(["apply", "-f", str(BROKEN / name), "--demo", "--dry-run", "client"])
    warnings = [line for line in capsys.readouterr().err.splitlines()
                if line.startswith("warning:")]
    assert len(warnings) == 1
    assert len(warnings[0]) < 450, warnings[0]  # was over 900
    assert warnings[0].count("catalogue") == 1
    assert "known: " in warnings[0]
