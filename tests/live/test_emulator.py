"""The test emulator itself: what other tests rely on must hold."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.builders.generated import node, pod
from tests.emulator import KubeEmulator


def _get(k8s: KubeEmulator, path: str) -> Any:
    with urllib.request.urlopen(k8s.url + path, timeout=10) as response:
        return json.loads(response.read())


def test_label_and_field_selectors(k8s: KubeEmulator) -> None:
    docs = [pod(i, node_name="n1" if i % 2 else None) for i in range(6)]
    for i, doc in enumerate(docs):
        doc["metadata"]["labels"] = {"app": "web" if i < 3 else "db", "tier": str(i)}
    k8s.add_all(docs)

    def names(query: str) -> list[str]:
        return [i["metadata"]["name"] for i in _get(k8s, "/api/v1/pods?" + query)["items"]]

    assert names("labelSelector=app%3Dweb") == ["web-0", "web-1", "web-2"]
    assert names("labelSelector=app%3Ddb,tier%20notin%20(3,4)") == ["web-5"]
    assert names("labelSelector=!nothere") == [f"web-{i}" for i in range(6)]
    assert names("fieldSelector=spec.nodeName%3Dn1") == ["web-1", "web-3", "web-5"]


def test_items_of_builtin_groups_lack_kind_like_a_real_server(k8s: KubeEmulator) -> None:
    k8s.add_all([node(0), {"apiVersion": "karpenter.sh/v1", "kind": "NodePool",
                           "metadata": {"name": "a"}, "spec": {}}])
    (item,) = _get(k8s, "/api/v1/nodes")["items"]
    assert "kind" not in item and "apiVersion" not in item
    (pool,) = _get(k8s, "/apis/karpenter.sh/v1/nodepools")["items"]
    assert pool["kind"] == "NodePool"


def test_writes_are_recorded_and_stored(k8s: KubeEmulator) -> None:
    request = urllib.request.Request(
        k8s.url + "/apis/karpenter.sh/v1/nodepools", method="POST",
        data=json.dumps({"apiVersion": "karpenter.sh/v1", "kind": "NodePool",
                         "metadata": {"name": "new"}, "spec": {}}).encode(),
        headers={"Content-Type": "application/json"})
    k8s.declare("karpenter.sh/v1", "NodePool")
    urllib.request.urlopen(request, timeout=10).close()
    assert [str(r) for r in k8s.writes()] == ["POST /apis/karpenter.sh/v1/nodepools"]
    assert k8s.get("karpenter.sh/v1", "NodePool", "new") is not None


def test_rules_fail_times_and_clear(k8s: KubeEmulator) -> None:
    k8s.fail("/api/v1/nodes", 429, times=1)
    with pytest.raises(urllib.error.HTTPError) as info:
        _get(k8s, "/api/v1/nodes")
    assert info.value.code == 429
    assert _get(k8s, "/api/v1/nodes")["items"] == []
    k8s.respond("/api/v1/nodes", {"kind": "NodeList", "items": [{"x": 1}]})
    assert _get(k8s, "/api/v1/nodes")["items"] == [{"x": 1}]
    k8s.clear_rules()
    assert _get(k8s, "/api/v1/nodes")["items"] == []


def test_stop_and_start_on_the_same_port(k8s: KubeEmulator) -> None:
    k8s.add(node(0))
    url = k8s.url
    k8s.stop()
    with pytest.raises(urllib.error.URLError):
        _get(k8s, "/api/v1/nodes")
    k8s.start()
    assert k8s.url == url and len(_get(k8s, "/api/v1/nodes")["items"]) == 1


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_real_kubectl_lists_through_pages(k8s: KubeEmulator) -> None:
    k8s.add_all(pod(i, node_name="n") for i in range(1200))
    result = subprocess.run(["kubectl", "--kubeconfig", str(k8s.kubeconfig), "get", "pods",
                             "-A", "-o", "json"], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["items"]) == 1200
    assert len(k8s.lists("/api/v1/pods")) == 3
