"""The pure checks: placeholders, the structural-schema checker, rules, semantics, diff."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_karp.core.validation import Manifest, validate
from kubectl_karp.core.validation.diff import is_unchanged, unified
from kubectl_karp.core.validation.placeholders import parse_set_values, substitute
from kubectl_karp.core.validation.schemas import BY_KIND
from kubectl_karp.core.validation.structural import check
from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.sources.manifests import split_documents
from kubectl_karp.writers.apply import conflict_message
from tests.apply.conftest import seed_doc

GI = 2**30 * 1000


def catalog() -> InstanceTypeCatalog:
    def it(name: str, cpu: int, mem: int, arch: str = "amd64") -> InstanceType:
        return InstanceType(name=name, labels={"karpenter.k8s.tke/instance-family":
                                               name.split(".")[0], "kubernetes.io/arch": arch},
                            capacity={"cpu": cpu * 1000, "memory": mem * GI},
                            offerings=(Offering("100003", "on-demand", 0.1),
                                       Offering("100003", "spot", 0.03)))
    return InstanceTypeCatalog(provider="tke", region="ap-guangzhou", origin="test",
                               source="unit catalogue", instance_types=(
                                   it("S5.MEDIUM4", 2, 4), it("S5.LARGE8", 4, 8),
                                   it("SA2.LARGE8", 4, 8), it("SR1.LARGE8", 4, 8, "arm64")))


def run_validate(*docs: dict[str, Any], authoritative: bool = True) -> list[str]:
    manifests = [Manifest(d, "m.yaml", i + 1) for i, d in enumerate(docs)]
    report = validate(manifests, catalogs=[catalog()], cluster_node_classes=[],
                      catalog_authoritative=authoritative)
    return [f"{f.severity}: {f}" for f in report.findings]


# --------------------------------------------------------------------------- placeholders

def test_set_wins_over_environment() -> None:
    text, used = substitute("a: ${X}\nb: ${Y}\n", "f.yaml", {"X": "set"}, {"X": "env", "Y": "e"})
    assert text == "a: set\nb: e\n"
    assert used == {"X", "Y"}


def test_every_unresolved_placeholder_is_listed() -> None:
    with pytest.raises(InputError) as info:
        substitute("a: 1\nb: ${ONE}\nc: ${TWO}-${ONE}\n", "f.yaml", {}, {})
    message = str(info.value)
    assert "f.yaml:2: unresolved placeholder ${ONE}" in message
    assert "f.yaml:3: unresolved placeholder ${TWO}" in message
    assert "f.yaml:3: unresolved placeholder ${ONE}" in message


def test_escaped_placeholder_and_comments_are_left_alone() -> None:
    text, used = substitute("# ${NOT_SET} in a comment\nv: $${LITERAL}\n", "f", {}, {})
    assert text == "# ${NOT_SET} in a comment\nv: ${LITERAL}\n"
    assert used == frozenset()


@pytest.mark.parametrize("item", ["NOEQUALS", "1X=2", "=v"])
def test_bad_set_values(item: str) -> None:
    with pytest.raises(InputError, match="expected KEY=VALUE"):
        parse_set_values([item])


def test_set_value_may_contain_equals() -> None:
    assert parse_set_values(["A=b=c", "A=d"]) == {"A": "d"}


# --------------------------------------------------------------------------- structural checker

def test_structural_checker_basics() -> None:
    schema = {"type": "object", "required": ["a"], "properties": {
        "a": {"type": "integer", "minimum": 1, "maximum": 3},
        "b": {"type": "array", "maxItems": 1, "items": {"type": "string", "enum": ["x"]}},
        "q": {"additionalProperties": {"x-kubernetes-int-or-string": True}, "type": "object"},
        "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}
    assert check({"a": 2, "b": ["x"], "q": {"cpu": 1, "m": "1Gi"}, "open": {"z": 1}},
                 schema) == []
    issues = {(i.path, i.message) for i in check(
        {"b": ["y", "x"], "q": {"cpu": [1]}, "zz": 1}, schema)}
    assert issues == {
        ("a", "required field is missing"),
        ("b", "has 2 items (allowed: at most 1)"),
        ("b[0]", "unsupported value 'y' (allowed: x)"),
        ("q.cpu", "expected an integer or a string, got array a array"),
        ("zz", "unknown field 'zz' (known fields here: a, b, open, q)"),
    }


def test_booleans_are_not_integers() -> None:
    [issue] = check(True, {"type": "integer"})
    assert issue.message == "expected an integer, got boolean true"


def test_own_schemas_accept_the_seed() -> None:
    assert check(seed_doc("nodepool.yaml"), BY_KIND["NodePool"].schema) == []
    assert check(seed_doc("nodeclass.yaml"), BY_KIND["TKEMachineNodeClass"].schema) == []


# --------------------------------------------------------------------------- semantics

def test_seed_is_clean_against_a_catalogue() -> None:
    assert run_validate(seed_doc("nodeclass.yaml"), seed_doc("nodepool.yaml")) == []


def test_contradicting_requirements_name_the_one_that_emptied_the_set() -> None:
    doc = seed_doc("nodepool.yaml")
    doc["spec"]["template"]["spec"]["requirements"][2]["values"] = ["SR1"]
    [finding] = run_validate(seed_doc("nodeclass.yaml"), doc)
    assert "requirement [0] kubernetes.io/arch In amd64 excludes every remaining" not in finding
    assert "requirement [2] karpenter.k8s.tke/instance-family In SR1 excludes every " \
           "remaining instance type: 3 instance types matched the requirements before it " \
           "and none of them matches it (1 would on its own)" in finding


def test_partial_catalogue_only_warns() -> None:
    doc = seed_doc("nodepool.yaml")
    doc["spec"]["template"]["spec"]["requirements"][2]["values"] = ["S8"]
    [finding] = run_validate(seed_doc("nodeclass.yaml"), doc, authoritative=False)
    assert finding.startswith("warning: ")
    assert "unknown instance family S8 for TKE" in finding
    assert "lists only some instance types" in finding


def test_nodeclass_only_in_files_is_fine_and_unknown_offline_is_a_warning() -> None:
    report = validate([Manifest(seed_doc("nodepool.yaml"), "np.yaml")], catalogs=[catalog()])
    [finding] = report.findings
    assert finding.severity == "warning"
    assert "TKEMachineNodeClass default is not in the files (the cluster was not checked)" \
        in str(finding)


def test_duplicate_reported_once() -> None:
    findings = run_validate(seed_doc("nodeclass.yaml"), seed_doc("nodeclass.yaml"))
    assert findings == ["error: m.yaml document 2 (TKEMachineNodeClass default): "
                        "metadata.name: TKEMachineNodeClass default is also defined in m.yaml "
                        "document 1"]


# --------------------------------------------------------------------------- documents, diff

def test_documents_carry_their_line() -> None:
    text = "# c\napiVersion: v1\nkind: A\n---\n\n---\nkind: B\nmetadata: {name: b}\n"
    docs = split_documents(text, "f.yaml")
    assert [(m.kind, m.index, m.line) for m in docs] == [("A", 1, 2), ("B", 3, 7)]
    assert docs[1].origin == "f.yaml document 3 (B b)"


def test_diff_of_an_update() -> None:
    live = seed_doc("nodepool.yaml")
    live["metadata"]["resourceVersion"] = "9"
    live["status"] = {"resources": {"cpu": "4"}}
    ours = seed_doc("nodepool.yaml")
    ours["spec"]["limits"] = {"cpu": 20}
    text = unified("nodepool.karpenter.sh/test", live, ours)
    changed = [line for line in text.splitlines() if line[:1] in "+-"]
    assert changed == ["--- live/nodepool.karpenter.sh/test",
                       "+++ applied/nodepool.karpenter.sh/test", "-    cpu: 10", "+    cpu: 20"]
    assert not is_unchanged(live, ours)
    assert is_unchanged(live, seed_doc("nodepool.yaml"))
    assert unified("x", live, seed_doc("nodepool.yaml")) == ""


def test_conflict_message_falls_back_to_the_status_message() -> None:
    message = conflict_message("nodepool.karpenter.sh/a", {
        "message": 'Apply failed with 2 conflicts: conflicts with "helm" using karpenter.sh/v1'})
    assert 'fields owned by field manager "helm"' in message


def test_json_documents_and_lists() -> None:
    text = ('{"apiVersion": "v1", "kind": "List", "items": [\n'
            '\t{"kind": "A", "metadata": {"name": "a"}}, {"kind": "B"}]}')
    docs = split_documents(text, "f.json")
    assert [(m.kind, m.name, m.index) for m in docs] == [("A", "a", 1), ("B", "", 1)]
    with pytest.raises(InputError, match=r"f.json:1: malformed JSON"):
        split_documents('{"kind": ', "f.json")


def test_typo_in_a_provider_label_key_is_a_restricted_label() -> None:
    # upstream: karpenter-provider-tke apis/v1beta1/labels.go adds karpenter.k8s.tke to
    # RestrictedLabelDomains, so core's ValidateRequirement (IsRestrictedLabel) rejects a key
    # of that domain that is not well known: an error, no longer a warning.
    doc = seed_doc("nodepool.yaml")
    doc["spec"]["template"]["spec"]["requirements"][2]["key"] = \
        "karpenter.k8s.tke/instance-familly"
    [finding] = run_validate(seed_doc("nodeclass.yaml"), doc)
    assert finding.startswith("error: ")
    assert ("requirements[2].key: label 'karpenter.k8s.tke/instance-familly' is restricted "
            "(did you mean karpenter.k8s.tke/instance-family?)") in finding
    assert "karpenter.k8s.tke" in finding.rsplit("outside", 1)[1]


def test_a_doubled_prefix_warns_with_file_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 19: ``cls-${CLUSTER_ID}`` with ``--set CLUSTER_ID=cls-abc`` gives cls-cls-abc."""
    from pathlib import Path

    from kubectl_karp.cli.app import run

    folder = Path(__file__).parent / "fixtures" / "seed000"
    run(["apply", "--demo", "-f", str(folder), "--set", "CLUSTER_ID=cls-abc",
         "--dry-run=client"])
    err = capsys.readouterr().err
    assert "nodeclass.yaml:26: cls-${CLUSTER_ID} with CLUSTER_ID=cls-abc gives cls-cls-abc" \
        in err and "set CLUSTER_ID=abc" in err
    run(["apply", "--demo", "-f", str(folder), "--set", "CLUSTER_ID=abc", "--dry-run=client"])
    assert "cls-cls" not in capsys.readouterr().err


def test_diff_offline_against_the_snapshots_objects(tmp_path: Any,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 19: `apply --diff` on --demo/--snapshot diffs against the saved objects."""
    import yaml

    from kubectl_karp.cli.app import run

    assert run(["snapshot", "--demo"]) == 0
    saved = yaml.safe_load(capsys.readouterr().out)
    pool = next(i for i in saved["items"] if i["kind"] == "NodePool")
    mine = {"apiVersion": pool["apiVersion"], "kind": "NodePool",
            "metadata": {"name": pool["metadata"]["name"]},
            "spec": {**pool["spec"], "limits": {"cpu": "20"}}}
    path = tmp_path / "np.yaml"
    path.write_text(yaml.safe_dump(mine), encoding="utf-8")
    snap = tmp_path / "snap.yaml"
    snap.write_text(yaml.safe_dump(saved), encoding="utf-8")
    for source in (["--demo"], ["--snapshot", str(snap)]):
        assert run(["apply", *source, "-f", str(path), "--diff"]) == 0
        out = capsys.readouterr().out
        assert "-    cpu: 10" in out and "+    cpu: '20'" in out, source


def test_contradictory_requirements_are_an_error_without_a_catalogue() -> None:
    """Issue 19: In [S5] and NotIn [S5] on one key allow no value; NotIn beside DoesNotExist
    is fine (both allow the label to be absent)."""
    doc = seed_doc("nodepool.yaml")
    reqs = doc["spec"]["template"]["spec"]["requirements"]
    reqs += [{"key": "karpenter.k8s.tke/instance-family", "operator": "NotIn",
              "values": list(reqs[2]["values"])},
             {"key": "example.com/team", "operator": "NotIn", "values": ["a"]},
             {"key": "example.com/team", "operator": "DoesNotExist"}]
    manifests = [Manifest(d, "m.yaml", i + 1)
                 for i, d in enumerate((seed_doc("nodeclass.yaml"), doc))]
    report = validate(manifests, catalogs=[], cluster_node_classes=[])  # no catalogue
    findings = [f"{f.severity}: {f}" for f in report.findings]
    [error] = [f for f in findings if "ContradictoryRequirements" in f or "allow no value" in f]
    assert error.startswith("error: ")
    assert "requirement [2] karpenter.k8s.tke/instance-family In" in error
    assert "allow no value together" in error and "example.com/team" not in error


def test_partial_catalogue_warning_is_short() -> None:
    doc = seed_doc("nodepool.yaml")
    doc["spec"]["template"]["spec"]["requirements"][2]["values"] = ["S8"]
    [finding] = run_validate(seed_doc("nodeclass.yaml"), doc, authoritative=False)
    assert len(finding) < 400 and finding.count("illustrative") <= 1
