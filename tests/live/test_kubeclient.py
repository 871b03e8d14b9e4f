"""kubeconfig resolution and error translation, over real HTTP to the emulator."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.errors import ClusterError
from kubectl_karp.sources.kubeclient import connect
from kubectl_karp.sources.kubeconfig import current_context_name, resolve_kubeconfig
from tests.emulator import KubeEmulator


def _kubeconfig(path: Path, contexts: dict[str, str], current: str | None) -> Path:
    """A kubeconfig whose contexts map name -> server URL."""
    config: dict[str, object] = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in contexts.items()],
        "users": [{"name": n, "user": {"token": f"token-{n}"}} for n in contexts],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in contexts],
    }
    if current is not None:
        config["current-context"] = current
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No KUBECONFIG, an empty HOME, not in a pod: only what each test sets counts."""
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def test_kubeconfig_env_with_several_files_merges_like_kubectl(
        k8s: KubeEmulator, tmp_path: Path, clean_env: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The first file naming current-context wins (the python client lets the last win).
    first = _kubeconfig(tmp_path / "a.yaml", {"emulator-a": k8s.url}, "emulator-a")
    second = _kubeconfig(tmp_path / "b.yaml", {"other": _dead_url()}, "other")
    missing = tmp_path / "missing.yaml"
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(missing), str(first), str(second)]))
    opts = ClusterOptions(request_timeout=5)
    assert current_context_name(opts) == "emulator-a"
    with connect(opts) as conn:
        assert conn.host == k8s.url
        assert conn.get_json("/version", resource="version")["gitVersion"] == "v1.30.4"
    # A context defined only in the second file is still selectable.
    assert resolve_kubeconfig(ClusterOptions(context="other")).context == "other"


def test_explicit_context_and_unknown_context(k8s: KubeEmulator, tmp_path: Path,
                                              clean_env: Path) -> None:
    path = _kubeconfig(tmp_path / "c.yaml", {"dead": _dead_url(), "live": k8s.url}, "dead")
    with connect(ClusterOptions(kubeconfig=str(path), context="live")) as conn:
        assert conn.host == k8s.url and conn.context == "live"
    with pytest.raises(ClusterError, match=r"context 'nope' not found in .*c.yaml "
                                           r"\(known: dead, live\)"):
        current_context_name(ClusterOptions(kubeconfig=str(path), context="nope"))


def test_missing_kubeconfig_file(tmp_path: Path, clean_env: Path) -> None:
    with pytest.raises(ClusterError, match=r"kubeconfig .*nothere.yaml: no such file"):
        connect(ClusterOptions(kubeconfig=str(tmp_path / "nothere.yaml")))


def test_no_configuration_at_all(clean_env: Path) -> None:
    with pytest.raises(ClusterError, match=r"no Kubernetes configuration found .*--snapshot"):
        connect(ClusterOptions())


def test_no_current_context(tmp_path: Path, clean_env: Path) -> None:
    path = _kubeconfig(tmp_path / "d.yaml", {"a": "http://127.0.0.1:1"}, None)
    with pytest.raises(ClusterError, match=r"no current context .*--context NAME \(known: a\)"):
        current_context_name(ClusterOptions(kubeconfig=str(path)))


def test_in_cluster_is_chosen_without_kubeconfig(clean_env: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    assert current_context_name(ClusterOptions()) == "in-cluster"


def test_connection_refused_names_the_address(tmp_path: Path, clean_env: Path) -> None:
    url = _dead_url()
    path = _kubeconfig(tmp_path / "e.yaml", {"gone": url}, "gone")
    with connect(ClusterOptions(kubeconfig=str(path), request_timeout=3)) as conn, \
            pytest.raises(ClusterError) as info:
        conn.get_json("/version", resource="version")
    assert str(info.value) == (f"cannot reach the Kubernetes API server at {url}: "
                               "connection refused")


def test_hanging_server_fails_within_request_timeout(k8s: KubeEmulator) -> None:
    k8s.hang("/api/v1/nodes", seconds=20)
    with connect(k8s.options(request_timeout=0.5)) as conn, \
            pytest.raises(ClusterError, match=r"cannot reach the Kubernetes API server at "
                                              r"http://127\.0\.0\.1:\d+: no answer within "
                                              r"0\.5s \(--request-timeout\)"):
        conn.list_all("/api/v1/nodes", resource="nodes")
    # One attempt only: no retries behind the user's back.
    assert len(k8s.lists("/api/v1/nodes")) == 1


@pytest.mark.parametrize(("status", "expected"), [
    (401, r"^unauthorized: the API server at http://\S+ rejected the credentials of context "
          r"emulator when asked to list nodes"),
    (403, r'^forbidden: cannot list nodes at the cluster scope as user '
          r'system:serviceaccount:default:reader$'),
    (500, r"^the API server at http://\S+ answered HTTP 500 when asked to list nodes at the "
          r"cluster scope: boom$"),
])
def test_http_errors_name_verb_and_resource(k8s: KubeEmulator, status: int,
                                            expected: str) -> None:
    k8s.fail("/api/v1/nodes", status, "boom" if status == 500 else None)
    with connect(k8s.options()) as conn, pytest.raises(ClusterError, match=expected):
        conn.list_all("/api/v1/nodes", resource="nodes")


def test_pagination_follows_continue_tokens(k8s: KubeEmulator) -> None:
    k8s.add_all({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n{i:03d}"}}
                for i in range(7))
    with connect(k8s.options()) as conn:
        items = conn.list_all("/api/v1/nodes", resource="nodes", limit=3)
    assert [i["metadata"]["name"] for i in items] == [f"n{i:03d}" for i in range(7)]
    calls = k8s.lists("/api/v1/nodes")
    assert [c.params.get("limit") for c in calls] == ["3", "3", "3"]
    assert "continue" not in calls[0].params and all("continue" in c.params for c in calls[1:])


def test_versioned_list_hands_each_page_over_and_returns_the_lists_version(
        k8s: KubeEmulator) -> None:
    # The TUI's watch keeps each page compact as it arrives and watches from the version.
    k8s.add_all({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n{i:03d}"}}
                for i in range(7))
    pages: list[list[str]] = []

    def keep(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pages.append([i["metadata"]["name"] for i in page])
        return [{"name": i["metadata"]["name"]} for i in page]

    with connect(k8s.options()) as conn:
        items, version = conn.list_versioned("/api/v1/nodes", resource="nodes", limit=3,
                                             each_page=keep)
    assert pages == [["n000", "n001", "n002"], ["n003", "n004", "n005"], ["n006"]]
    assert items == [{"name": f"n{i:03d}"} for i in range(7)]
    # The emulator serves every page of one list from one snapshot, numbered from 1.
    assert version == "1"


def test_expired_continue_token_restarts_the_list_once(k8s: KubeEmulator) -> None:
    k8s.add_all({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n{i}"}}
                for i in range(5))
    k8s.fail("/api/v1/nodes", 410, when=lambda p: "continue" in p, times=1)
    with connect(k8s.options()) as conn:
        items = conn.list_all("/api/v1/nodes", resource="nodes", limit=2)
    assert sorted(i["metadata"]["name"] for i in items) == [f"n{i}" for i in range(5)]
    assert len(items) == 5  # nothing from the abandoned pass is kept twice


def test_typed_api_errors_translate_the_same_way(k8s: KubeEmulator) -> None:
    from kubernetes import client

    from kubectl_karp.sources.apierrors import translate_error
    from kubectl_karp.sources.kubeconfig import api_client

    k8s.add({"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "a"},
             "spec": {}})
    custom = client.CustomObjectsApi(api_client(k8s.options()))
    listed: Any = custom.list_cluster_custom_object("karpenter.sh", "v1", "nodepools")
    assert [item["metadata"]["name"] for item in listed["items"]] == ["a"]
    k8s.fail("/apis/karpenter.sh/v1/nodepools/a", 403, method="PATCH")
    with pytest.raises(client.ApiException) as info:
        custom.patch_cluster_custom_object("karpenter.sh", "v1", "nodepools", "a",
                                           {"spec": {"weight": 3}})
    err = translate_error(info.value, "patch", "nodepools.karpenter.sh a")
    assert str(err) == ("forbidden: cannot patch nodepools.karpenter.sh a as user "
                        "system:serviceaccount:default:reader")
    k8s.stop()
    with pytest.raises(Exception) as gone:
        custom.list_cluster_custom_object("karpenter.sh", "v1", "nodepools")
    assert str(translate_error(gone.value, "list", "nodepools.karpenter.sh", host=k8s.url)) == (
        f"cannot reach the Kubernetes API server at {k8s.url}: connection refused")


def _exec_kubeconfig(path: Path, url: str, command: list[str]) -> Path:
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "x", "cluster": {"server": url}}],
        "contexts": [{"name": "x", "context": {"cluster": "x", "user": "x"}}],
        "users": [{"name": "x", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": command[0], "args": command[1:]}}}],
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_credential_plugin_token_is_sent(k8s: KubeEmulator, tmp_path: Path) -> None:
    plugin = tmp_path / "plugin.py"
    plugin.write_text(
        "import json\nprint(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1beta1',"
        " 'kind': 'ExecCredential', 'status': {'token': 'from-plugin'}}))\n",
        encoding="utf-8")
    path = _exec_kubeconfig(tmp_path / "exec.yaml", k8s.url, [sys.executable, str(plugin)])
    with connect(ClusterOptions(kubeconfig=str(path))) as conn:
        conn.get_json("/version", resource="version")
    (request,) = k8s.requests
    assert request.headers.get("Authorization") == "Bearer from-plugin"


def test_failing_credential_plugin_is_one_error(k8s: KubeEmulator, tmp_path: Path) -> None:
    path = _exec_kubeconfig(tmp_path / "exec.yaml", k8s.url, ["no-such-credential-plugin"])
    with pytest.raises(ClusterError, match=r"^context x: the kubeconfig's credential plugin "
                                           r"failed: .*no-such-credential-plugin"):
        connect(ClusterOptions(kubeconfig=str(path)))
    assert k8s.requests == []
