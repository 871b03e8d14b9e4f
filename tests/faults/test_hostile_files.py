"""The corpus of hostile files (tests/faults/corpus/): each gives one clean ``error:`` line
naming the file and the field, or a documented success, from every command that reads it;
never a traceback, ``internal error:``, a crash or partial output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.apply.conftest import install
from tests.apply.ssa import ApplyEmulator
from tests.emulator import KubeEmulator
from tests.faults.conftest import GUARD, assert_ok, assert_one_error, assert_read_only

CORPUS = Path(__file__).parent / "corpus"
ROOT = Path(__file__).resolve().parents[2]
COMMANDS = (["simulate", "-o", "json"], ["consolidate", "-o", "json"],
            ["explain", "-o", "json"], ["snapshot", "-o", "json"])

# file → fragments of the one error line (exit 1)
ERRORS: dict[str, tuple[str, ...]] = {
    "unicode-digit-weight.yaml": ("spec.weight", "'²'"),
    "unicode-digit-budget-nodes.yaml": ("budgets[0].nodes", "'²'"),
    "unicode-digit-budget-percent.yaml": ("budgets[0].nodes", "'²%'"),
    "unicode-digit-pdb.yaml": ("spec.minAvailable", "'²'"),
    "unicode-digit-toleration-seconds.yaml": ("tolerationSeconds", "'²'"),
    "double-minus-toleration-seconds.yaml": ("tolerationSeconds", "'--5'"),
    "overflowing-expire-after.yaml": ("expireAfter", "out of range"),
    "overflowing-consolidate-after.yaml": ("consolidateAfter", "out of range"),
    "year-9999-timestamp.yaml": ("(Pod default/web)", "out of range"),
    "pod-without-metadata.yaml": ("metadata.name", "a Pod needs a name"),
    "duplicate-pod.yaml": ("Pod default/web is also defined in", "document 3"),
    "same-named-nodepools.yaml": ("NodePool default is also defined in", "document 1"),
    "five-thousand-digit-cpu.json": ("five-thousand-digit-cpu.json",),
    "nan-price-catalog.yaml": ("pricePerHour", "nan"),
    "inf-price-catalog.yaml": ("pricePerHour", "inf"),
    "cut-inside-a-key.yaml": ("malformed YAML", "document 3"),
    "billion-laughs.yaml": ("malformed YAML in document 1 at line 1:", "alias bomb"),
    "recursive-alias.yaml": ("recursive alias",),
    "list-of-numbers.json": ("document 1", "a mapping"),
    "binary.yaml": ("not a UTF-8 text file",),
}
# file → a note the (successful) run must print
NOTES: dict[str, str] = {
    "valid.yaml": "",
    "cut-inside-a-value.yaml": "may have been cut short",
    "escape-sequence-name.yaml": "",
    # February 31st: upstream's cron answers the zero time, so the budget is always active.
    "never-firing-budget-schedule.yaml": "",
}


def test_every_corpus_file_has_an_expectation() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name != "README.md"}
    assert files == set(ERRORS) | set(NOTES)


@pytest.fixture
def generated(tmp_path: Path) -> dict[str, Path]:
    """The files too large to keep in the corpus: 100,000 levels of nesting."""
    files = {
        "deep.json": "[" * 100_000 + "]" * 100_000 + "\n",
        "deep-flow.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: "
                          + "[" * 100_000 + "]" * 100_000 + "\n",
        "deep-block.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  x:\n  "
                           + "- " * 50_000 + "a\n",
        "deep-mapping.json": '{"a":' * 100_000 + "1" + "}" * 100_000 + "\n",
    }
    out = {}
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        out[name] = path
    return out


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_hostile_snapshot_gives_one_error(name: str, command: list[str], karp: Any) -> None:
    path = str(CORPUS / name)
    result = karp([command[0], "--snapshot", path, *command[1:]])
    assert_one_error(result, path if "document" not in " ".join(ERRORS[name]) else name,
                     *ERRORS[name])


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("name", sorted(NOTES))
def test_documented_successes(name: str, command: list[str], karp: Any) -> None:
    result = karp([command[0], "--snapshot", str(CORPUS / name), *command[1:]])
    assert_ok(result, NOTES[name])
    assert "\x1b" not in result.out + result.err


@pytest.mark.parametrize("name", ["deep.json", "deep-flow.yaml", "deep-block.yaml",
                                  "deep-mapping.json"])
def test_deep_nesting_is_refused_without_a_crash(name: str, generated: dict[str, Path]
                                                  ) -> None:
    # A real process: libyaml's composer would crash it (SIGSEGV) before this was fixed.
    result = subprocess.run([sys.executable, "-m", "kubectl_karp", "simulate", "--snapshot",
                             str(generated[name])], capture_output=True, text=True,
                            timeout=GUARD, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"})
    assert result.returncode == 1, result.stderr
    errors = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "nested" in errors[0], result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


# ----------------------------------------------------------------------- apply

TRAVERSAL = "../../../../api/v1/namespaces/default/secrets/s"


@pytest.fixture
def apply_cluster(tmp_path: Path) -> Iterator[ApplyEmulator]:
    """The emulator apply's tests use, with the CRDs and the node class "default"."""
    with ApplyEmulator(tmp_path) as k8s:
        install(k8s)
        k8s.add({"apiVersion": "v1", "kind": "Secret",
                 "metadata": {"name": "s", "namespace": "default"}, "data": {"k": "c2VjcmV0"}})
        k8s.clear_requests()
        yield k8s


def _manifest(tmp_path: Path, text: str) -> str:
    path = tmp_path / "manifest.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


NODE_POOL = """apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: {name}
spec:
  template:
    spec:
      nodeClassRef: {{group: karpenter.k8s.tke, kind: TKEMachineNodeClass, name: {ref}}}
      requirements:
      - {{key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}}
"""


@pytest.mark.parametrize("dry_run", ["client", "server", "none"])
@pytest.mark.parametrize(("name", "ref", "field"), [
    (f'"{TRAVERSAL}"', "default", "metadata.name"),
    ("default", f'"{TRAVERSAL}"', "nodeClassRef.name"),
    ('"a/b"', "default", "metadata.name"),
    ("default", '"UPPER"', "nodeClassRef.name"),
], ids=["name-traversal", "ref-traversal", "name-slash", "ref-upper"])
def test_apply_validates_names_before_any_request(name: str, ref: str, field: str,
                                                  dry_run: str, tmp_path: Path,
                                                  apply_cluster: ApplyEmulator,
                                                  karp: Any) -> None:
    k8s = apply_cluster
    path = _manifest(tmp_path, NODE_POOL.format(name=name, ref=ref))
    result = karp(["apply", "-f", path, f"--dry-run={dry_run}", "--diff", "--yes",
                   *k8s.cli_args])
    assert_one_error(result, "document 1", field, "invalid name")
    assert k8s.requests == []


def test_apply_never_diffs_an_object_of_another_kind(tmp_path: Path,
                                                     apply_cluster: ApplyEmulator,
                                                     karp: Any) -> None:
    from tests.faults.server import FaultProxy

    k8s = apply_cluster
    with FaultProxy(k8s) as proxy:
        proxy.answer("/apis/karpenter.sh/v1/nodepools/default", 200, {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"password": "c2VjcmV0"}})
        path = _manifest(tmp_path, NODE_POOL.format(name="default", ref="default"))
        result = karp(["apply", "-f", path, "--dry-run=server", "--diff", *proxy.cli_args])
        assert "c2VjcmV0" not in result.out + result.err
        assert_one_error(result, "refusing to diff", "Secret")
        assert_read_only(k8s, proxy)


def test_apply_binary_stdin(k8s: KubeEmulator, karp: Any) -> None:
    result = karp(["apply", "-f", "-", "--dry-run=client", *k8s.cli_args],
                  stdin=bytes(range(256)) * 16)
    assert_one_error(result, "stdin", "not a UTF-8 text file")
    assert k8s.requests == []


def test_apply_alias_bomb_is_refused_before_any_output(k8s: KubeEmulator, karp: Any) -> None:
    result = karp(["apply", "-f", str(CORPUS / "billion-laughs.yaml"), "--dry-run=client",
                   "-o", "json", *k8s.cli_args])
    assert_one_error(result, "alias bomb")
    assert k8s.requests == []


def test_apply_reports_one_error_line_per_failure(tmp_path: Path,
                                                  apply_cluster: ApplyEmulator,
                                                  karp: Any) -> None:
    k8s = apply_cluster
    path = _manifest(tmp_path, NODE_POOL.format(name="default", ref="default").replace(
        "operator: In", "operator: Within"))
    result = karp(["apply", "-f", path, "--dry-run=client", *k8s.cli_args])
    assert_one_error(result, "operator")


# ----------------------------------------------------------------------- flags

@pytest.mark.parametrize(("args", "fragment"), [
    (["simulate", "--demo", "-f", str(CORPUS / "valid.yaml"), "--replicas", "d=²"],
     "--replicas"),
    (["simulate", "--demo", "--request-timeout", "²s"], "--request-timeout"),
    (["simulate", "--demo", "--request-timeout", "²"], "--request-timeout"),
    (["simulate", "--demo", "--request-timeout", "1e999s"], "--request-timeout"),
    (["simulate", "--demo", "--request-timeout", "99999999999h"], "--request-timeout"),
    (["apply", "--demo", "-f", str(CORPUS / "valid.yaml"), "--wait=²m"], "--wait"),
])
def test_unicode_digits_and_overflows_in_flags_are_usage_errors(
        args: list[str], fragment: str, karp: Any) -> None:
    assert_one_error(karp(args), fragment, code=2)
