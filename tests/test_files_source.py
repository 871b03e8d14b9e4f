"""The file source (--snapshot): YAML, JSON, List output, directories, stdin, and errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.errors import InputError
from kubectl_karp.sources.files import load_paths, read_documents
from tests.builders.generated import node, node_claim, node_class, node_pool, pod

ROOT = Path(__file__).resolve().parent.parent


def _docs() -> list[dict[str, Any]]:
    return [node(0), pod(1, node_name="10.0.0.0"), pod(2), node_pool(), node_claim(0),
            node_class()]


def _counts(snap: Any) -> tuple[int, ...]:
    return (len(snap.nodes), len(snap.pods), len(snap.node_pools), len(snap.node_claims),
            len(snap.node_classes))


def test_multi_document_yaml(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all(_docs()), encoding="utf-8")
    snap = load_paths([str(path)])
    assert _counts(snap) == (1, 2, 1, 1, 1)
    assert snap.source == f"snapshot {path}"
    assert snap.karpenter_apis == ("nodeclaims.karpenter.sh", "nodepools.karpenter.sh")


def test_empty_yaml_documents_do_not_shift_indexes(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("---\n" + yaml.safe_dump(node(0)) + "---\n---\n" + "kind: Pod\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"c\.yaml document 3: Pod has no "
                                         r"apiVersion"):
        load_paths([str(path)])


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_kind_list_output_of_kubectl_get(tmp_path: Path, fmt: str) -> None:
    # `kubectl get -o json` items carry apiVersion/kind; a List may nest another List.
    doc = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
           "items": [*_docs()[:3], {"apiVersion": "karpenter.sh/v1", "kind": "NodePoolList",
                                    "items": [node_pool()]}]}
    path = tmp_path / f"get.{fmt}"
    path.write_text(json.dumps(doc) if fmt == "json" else yaml.safe_dump(doc),
                    encoding="utf-8")
    assert _counts(load_paths([str(path)])) == (1, 2, 1, 0, 0)


def test_json_array_and_single_object(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(_docs()[:2]), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(node_pool()), encoding="utf-8")
    snap = load_paths([str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert _counts(snap) == (1, 1, 1, 0, 0)


def test_concatenated_json_objects(tmp_path: Path) -> None:
    # What `kubectl get pods -o json --watch` or `jq -c '.items[]'` write.
    path = tmp_path / "stream.json"
    path.write_text("\n".join(json.dumps(d) for d in _docs()) + "\n", encoding="utf-8")
    assert _counts(load_paths([str(path)])) == (1, 2, 1, 1, 1)


def test_directory_of_files_recursively(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "nodes.yaml").write_text(yaml.safe_dump(node(0)), encoding="utf-8")
    (tmp_path / "sub" / "pods.json").write_text(json.dumps([pod(1), pod(2)]),
                                                encoding="utf-8")
    (tmp_path / "sub" / "pool.yml").write_text(yaml.safe_dump(node_pool()), encoding="utf-8")
    (tmp_path / "README.md").write_text("# not a manifest\n", encoding="utf-8")
    assert _counts(load_paths([str(tmp_path)])) == (1, 2, 1, 0, 0)


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"holds no \.yaml, \.yml or \.json files"):
        load_paths([str(tmp_path)])


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.yaml: no such file or directory"):
        load_paths([str(tmp_path / "nope.yaml")])


def test_unknown_kinds_are_ignored_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    extra = [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}},
             {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"}},
             {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}]
    path.write_text(yaml.safe_dump_all([node(0), *extra]), encoding="utf-8")
    snap = load_paths([str(path)])
    assert len(snap.nodes) == 1
    assert "ignored 2 object(s) of kind Service" in snap.notes
    assert "ignored 1 object(s) of kind Deployment" in snap.notes


def test_pre_v1_karpenter_objects_get_a_note(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "karpenter.sh/v1alpha5",
                                    "kind": "Provisioner", "metadata": {"name": "default"}}),
                    encoding="utf-8")
    (note,) = load_paths([str(path)]).notes
    assert "old.yaml document 1 (Provisioner default)" in note and "NodePool" in note


def test_malformed_yaml_names_file_and_document(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(node(0)) + "---\n" + yaml.safe_dump(pod(1))
                    + "---\nmetadata: {name: x\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_paths([str(path)])
    assert str(info.value).startswith(f"{path}: malformed YAML in document 3 at line")


def test_malformed_json_names_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"kind": "Pod",\n "apiVersion": }', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.json: malformed JSON at line 2 column"):
        load_paths([str(path)])


def test_invalid_object_names_document_and_field(tmp_path: Path) -> None:
    bad = pod(7)
    bad["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots"
    path = tmp_path / "pods.yaml"
    path.write_text(yaml.safe_dump_all([pod(1), bad]), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_paths([str(path)])
    message = str(info.value)
    assert "pods.yaml document 2 (Pod default/web-7)" in message and "cpu" in message


def test_non_mapping_document(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"list\.yaml document 1: expected a Kubernetes "
                                         r"object \(a mapping\), got list"):
        load_paths([str(path)])


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\xfd")
    with pytest.raises(InputError, match=r"x\.yaml: not a UTF-8 text file"):
        load_paths([str(path)])


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(tmp_path: Path, encoding: str) -> None:
    # PowerShell's `kubectl get ... -o json > file` writes UTF-16 with a BOM.
    for name, text in (("a.json", json.dumps(node(0))), ("b.yaml", yaml.safe_dump(pod(1)))):
        (tmp_path / name).write_text(text, encoding=encoding)
    assert _counts(load_paths([str(tmp_path)])) == (1, 1, 0, 0, 0)


def test_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from kubectl_karp.sources.files import load_paths; "
                               "s = load_paths(['-']); print(len(s.nodes), len(s.pods), s.source)"],
        input=yaml.safe_dump_all(_docs()), capture_output=True, text=True, cwd=ROOT,
        env=dict(os.environ), timeout=60, check=False)
    assert result.stdout == "1 2 snapshot -\n", result.stderr


def test_origins_name_file_and_document(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump_all([node(0), pod(1)]), encoding="utf-8")
    assert [origin for _doc, origin in read_documents([str(path)])] == [
        f"{path} document 1", f"{path} document 2"]
