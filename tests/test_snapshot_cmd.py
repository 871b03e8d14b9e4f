"""``kubectl karp snapshot``: what it writes from a live cluster, and reading it back offline."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_karp.cli.app import run
from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.errors import InputError
from kubectl_karp.sources import load_snapshot
from kubectl_karp.sources.files import read_documents
from kubectl_karp.sources.listfile import read_list, write_list
from kubectl_karp.sources.live import read_cluster
from tests.builders.generated import NO_VERSION_NOTE, node, pod, small_cluster
from tests.emulator import KubeEmulator


def _model(snap: Any) -> tuple[Any, ...]:
    return (snap.nodes, snap.pods, snap.node_pools, snap.node_claims, snap.node_classes,
            snap.daemon_sets, snap.pdbs, snap.pvcs, snap.pvs, snap.storage_classes,
            dict(snap.namespaces))


NO_CREDENTIALS = ("note: no Tencent Cloud credentials found (looked at TENCENTCLOUD_SECRET_ID/"
                  "TENCENTCLOUD_SECRET_KEY, ~/.tencentcloud/credentials and the CVM instance "
                  "role); using the bundled TKE catalogue for ap-guangzhou (illustrative "
                  "prices)\n")


@pytest.fixture
def no_cloud(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No cloud credentials, metadata service or catalogue cache: the bundled fallback."""
    for var in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN",
                "TENCENTCLOUD_REGION", "KARP_TENCENTCLOUD_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("KARP_TENCENTCLOUD_METADATA_ENDPOINT", f"http://127.0.0.1:{closed}/")


@pytest.mark.usefixtures("no_cloud")
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_live_snapshot_is_one_list_of_what_was_read(
        k8s: KubeEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    k8s.add_all(small_cluster())
    assert run(["snapshot", "-o", fmt, *k8s.cli_args]) == 0
    captured = capsys.readouterr()
    # The catalogue the commands would use (here the bundled fallback) follows the objects.
    assert captured.err == f"note: {NO_VERSION_NOTE}\n" + NO_CREDENTIALS
    doc = json.loads(captured.out) if fmt == "json" else yaml.safe_load(captured.out)
    assert doc["apiVersion"] == "v1" and doc["kind"] == "List"
    *objects, catalog = doc["items"]
    assert catalog["kind"] == "InstanceTypeCatalog" and catalog["region"] == "ap-guangzhou"
    kinds = sorted({item["kind"] for item in objects})
    assert kinds == ["Namespace", "Node", "NodeClaim", "NodePool", "Pod",
                     "PodDisruptionBudget", "TKEMachineNodeClass"]
    assert all("managedFields" not in item["metadata"] for item in objects)
    assert not any(item["metadata"]["name"] == "web-200" for item in objects)  # Succeeded
    # Nothing was written and no Secret or ConfigMap was even asked for.
    assert k8s.writes() == []
    assert not [r for r in k8s.requests if "secrets" in r.path or "configmaps" in r.path]

    # Every command can run offline on it: the model read back equals the live one.
    saved = tmp_path / f"cluster.{fmt}"
    saved.write_text(captured.out, encoding="utf-8")
    offline = load_snapshot(ClusterOptions(snapshot=str(saved)))
    live = read_cluster(k8s.options())
    assert _model(offline) == _model(live)
    assert set(offline.karpenter_apis) <= set(live.karpenter_apis)
    assert offline.notes == ()


@pytest.mark.usefixtures("no_cloud")
def test_snapshot_of_a_snapshot_is_stable(k8s: KubeEmulator, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(small_cluster())
    assert run(["snapshot", *k8s.cli_args]) == 0
    first = capsys.readouterr().out
    saved = tmp_path / "cluster.yaml"
    saved.write_text(first, encoding="utf-8")
    assert run(["snapshot", "--snapshot", str(saved)]) == 0
    assert capsys.readouterr().out == first


def test_snapshot_without_karpenter_notes_it_on_stderr(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all([node(0), pod(1, node_name="10.0.0.0")])
    assert run(["snapshot", "-o", "json", *k8s.cli_args]) == 0
    captured = capsys.readouterr()
    assert captured.err == ("note: Karpenter is not installed in context emulator: "
                            "no karpenter.sh NodePool CRD\n")
    assert len(json.loads(captured.out)["items"]) == 2


def test_snapshot_of_an_unreachable_cluster(k8s: KubeEmulator,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    k8s.stop()
    assert run(["snapshot", *k8s.cli_args]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"error: cannot reach the Kubernetes API server at {k8s.url}: "
                            "connection refused\n")


def test_snapshot_forbidden(k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(small_cluster())
    k8s.fail("/api/v1/nodes", 403)
    assert run(["snapshot", *k8s.cli_args]) == 1
    assert capsys.readouterr().err == ("error: forbidden: cannot list nodes at the cluster "
                                       "scope as user system:serviceaccount:default:reader\n")


def _node_claims(capsys: pytest.CaptureFixture[str], *args: str) -> list[Any]:
    run(["simulate", *args, "-o", "json"])
    claims: list[Any] = json.loads(capsys.readouterr().out)["nodeClaims"]
    return claims


def test_demo_snapshot_reproduces_offline(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["snapshot", "--demo", "-o", "yaml"]) == 0
    saved = tmp_path / "demo.yaml"
    saved.write_text(capsys.readouterr().out, encoding="utf-8")
    items = yaml.safe_load(saved.read_text(encoding="utf-8"))["items"]
    assert [i["kind"] for i in items].count("InstanceTypeCatalog") == 1
    demo = _node_claims(capsys, "--demo")
    assert demo and all(c["pricePerHour"] is not None for c in demo)
    assert _node_claims(capsys, "--snapshot", str(saved)) == demo
    # Saving the saved file again adds no second catalogue.
    assert run(["snapshot", "--snapshot", str(saved)]) == 0
    assert capsys.readouterr().out == saved.read_text(encoding="utf-8")


def test_no_catalog_leaves_it_out(k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["snapshot", "--demo", "--no-catalog", "-o", "json"]) == 0
    kinds = {i["kind"] for i in json.loads(capsys.readouterr().out)["items"]}
    assert "InstanceTypeCatalog" not in kinds and "NodePool" in kinds
    k8s.add_all(small_cluster())
    assert run(["snapshot", "--no-catalog", "-o", "json", *k8s.cli_args]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"note: {NO_VERSION_NOTE}\n"
    assert "InstanceTypeCatalog" not in {i["kind"] for i in json.loads(captured.out)["items"]}


def test_snapshot_without_a_catalogue_adds_none(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    # Instance types inferred from the nodes: nothing to add.
    assert run(["snapshot", "--demo", "--no-catalog"]) == 0
    saved = tmp_path / "bare.yaml"
    saved.write_text(capsys.readouterr().out, encoding="utf-8")
    assert run(["snapshot", "--snapshot", str(saved)]) == 0
    assert capsys.readouterr().out == saved.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the writer

_NO_SURROGATES = st.characters(exclude_categories=["Cs"])
_scalars = (st.none() | st.booleans() | st.integers(-2**63, 2**63)
            | st.floats(allow_nan=False) | st.text(_NO_SURROGATES))
_json = st.recursive(_scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(
    st.text(_NO_SURROGATES, max_size=8), children, max_size=4),
    max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=6), _json, max_size=5), max_size=4))
def test_written_yaml_and_json_read_back_identically(items: list[dict[str, Any]]) -> None:
    for fmt, load in (("yaml", yaml.safe_load), ("json", json.loads)):
        out = io.StringIO()
        write_list(items, fmt, out)
        assert load(out.getvalue()) == {"apiVersion": "v1", "kind": "List", "items": items}
        if fmt == "yaml":
            assert read_list(out.getvalue()) == items  # the fast reader agrees with PyYAML


@pytest.mark.parametrize("text", ["yes", "No", "on", "OFF", "null", "~", "", "1", "0x1F",
                                  "1e3", "1_000", "2026-01-10", "10.0.0.1", "- a", "a: b",
                                  "#x", "&a", "*a", "!t", "%x", "@x", "`x", "'q'", "\"q\"",
                                  "a\nb", " a", "a ", ".inf", "<<", "=", "?", "|", ">",
                                  "\x85", "\u2028", "\ufeff", "\x7f", "广州三区"])
def test_strings_yaml_could_misread_are_quoted(text: str) -> None:
    out = io.StringIO()
    write_list([{text: text, "list": [text]}], "yaml", out)
    assert yaml.safe_load(out.getvalue())["items"] == [{text: text, "list": [text]}]
    assert read_list(out.getvalue()) == [{text: text, "list": [text]}]


def test_yaml_layout_is_kubectl_like() -> None:
    out = io.StringIO()
    write_list([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {}},
                 "spec": {"containers": [{"name": "c", "args": ["x", "z"]}]}}], "yaml", out)
    assert out.getvalue() == (
        "# kubectl-karp snapshot\n"
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n    labels: {}\n"
        "  spec:\n    containers:\n    - name: c\n      args:\n      - x\n      - z\n"
        "# end of kubectl-karp snapshot: 1 objects\n")


def test_unquoted_yaml_timestamps_are_written_as_kubernetes_does(tmp_path: Path) -> None:
    path = tmp_path / "n.yaml"
    path.write_text("apiVersion: v1\nkind: Node\nmetadata:\n  name: a\n"
                    "  creationTimestamp: 2026-01-10T08:00:00Z\n", encoding="utf-8")
    for fmt in ("yaml", "json"):
        out = io.StringIO()
        write_list(load_snapshot(ClusterOptions(snapshot=str(path))).documents, fmt, out)
        doc = yaml.safe_load(out.getvalue()) if fmt == "yaml" else json.loads(out.getvalue())
        assert doc["items"][0]["metadata"]["creationTimestamp"] == "2026-01-10T08:00:00Z"


def test_an_object_the_model_rejects_still_reaches_the_snapshot(
        k8s: KubeEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = small_cluster()
    pool = next(d for d in docs if d["kind"] == "NodePool")
    pool["spec"]["disruption"]["consolidationPolicy"] = "WhenTheMoonIsFull"
    k8s.add_all(docs)
    assert run(["snapshot", *k8s.cli_args]) == 0
    out = capsys.readouterr().out
    assert "WhenTheMoonIsFull" in out
    # Commands reading it report the object and the field, live and offline alike.
    saved = tmp_path / "cluster.yaml"
    saved.write_text(out, encoding="utf-8")
    for opts in (k8s.options(), ClusterOptions(snapshot=str(saved))):
        with pytest.raises(InputError, match=r"\(NodePool default\).*consolidationPolicy"):
            load_snapshot(opts)


@pytest.mark.parametrize("edit", [
    ("  kind: Pod\n", "  kind: Pod  # a comment\n"),  # comments
    ("    name: a\n", "    name: yes\n"),             # an unquoted YAML 1.1 boolean
    ("    name: a\n", "    name: &x a\n"),            # anchors
    ("    name: a\n", "    name: 012\n"),             # YAML 1.1 octal
    ("    name: a\n", "    name: {a: 1}\n"),          # flow collections
    ("    name: a\n", "    name: 'a'\n"),             # single quotes
    ("    name: a\n", "    name: >\n      a\n"),     # block scalars
    ("  spec:\n", "  spec:\n\n"),                     # blank lines
    ("    name: a\n", "    name: a\n    name: b\n"), # duplicate keys
    ("    labels: {}\n", "    labels:\n"),            # an empty value (null in YAML)
])
def test_anything_outside_the_written_subset_goes_to_pyyaml(tmp_path: Path,
                                                           edit: tuple[str, str]) -> None:
    out = io.StringIO()
    write_list([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {}},
                 "spec": {"containers": [{"name": "c"}]}}], "yaml", out)
    assert edit[0] in out.getvalue()
    text = out.getvalue().replace(edit[0], edit[1], 1)
    assert read_list(text) is None
    # The file source still reads it, through PyYAML, with PyYAML's meaning.
    path = tmp_path / "edited.yaml"
    path.write_text(text, encoding="utf-8")
    expected = list(yaml.safe_load_all(text))
    assert [doc for doc, _origin in read_documents([str(path)])] == expected


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_yaml_snapshot_cut_at_a_line_break_is_refused(tmp_path: Path, keep: float,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    # YAML has no closing bracket: without the end marker a copy cut between two lines
    # parses, one object short or with half a Pod, and nobody notices.
    from kubectl_karp.cli.app import run

    assert run(["snapshot", "--demo", "-o", "yaml"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines(keepends=True)
    cut = tmp_path / "cut.yaml"
    cut.write_text("".join(lines[:int(len(lines) * keep)]), encoding="utf-8")
    assert run(["simulate", "--snapshot", str(cut)]) == 1
    err = capsys.readouterr().err
    assert err.count("error: ") == 1 and "cut short" in err and "Traceback" not in err
    whole = tmp_path / "whole.yaml"
    whole.write_text(text, encoding="utf-8")
    assert run(["simulate", "--snapshot", str(whole)]) == 3  # the demo's pending pods
