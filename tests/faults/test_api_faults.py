"""Fault injection against the live path: a flaky or hostile API server, through the real
kubernetes client (tests/faults/server.py in front of the emulator, loopback only).

Every case asserts the exit status, exactly one ``error:`` line (or a documented success),
no traceback, no write and no Secret/ConfigMap read (tests/faults/conftest.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator import KubeEmulator
from tests.faults.conftest import assert_ok, assert_one_error, assert_read_only
from tests.faults.server import FaultProxy

READERS = ("simulate", "explain", "consolidate", "snapshot")
TRAVERSAL = "../../../../api/v1/namespaces/default/secrets/s"


def status(code: int, message: str = "") -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
            "message": message or f"HTTP {code}", "reason": "TooManyRequests"}


# ----------------------------------------------------------------------- retries

@pytest.mark.parametrize("code", [429, 503])
def test_throttled_once_with_retry_after_is_retried_and_said(
        code: int, proxy: FaultProxy, cluster: KubeEmulator, karp: Any) -> None:
    proxy.answer("/api/v1/nodes", code, status(code), headers={"Retry-After": "1"}, times=1)
    result = karp(["simulate", "-o", "json", *proxy.cli_args])
    assert_ok(result, f"answered HTTP {code}", "retrying in 1s")
    json.loads(result.out)
    assert len([r for r in proxy.requests if r.path == "/api/v1/nodes"]) == 2
    assert_read_only(cluster, proxy)


def test_persistent_throttling_gives_up_after_bounded_attempts(
        proxy: FaultProxy, cluster: KubeEmulator, karp: Any) -> None:
    proxy.answer("/api/v1/nodes", 429, status(429, "slow down"), headers={"Retry-After": "0"})
    result = karp(["simulate", *proxy.cli_args])
    assert_one_error(result, "HTTP 429", "nodes", "slow down")
    assert len([r for r in proxy.requests if r.path == "/api/v1/nodes"]) == 5
    assert_read_only(cluster, proxy)


def test_retry_after_beyond_the_request_timeout_is_not_waited_for(
        proxy: FaultProxy, cluster: KubeEmulator, karp: Any) -> None:
    proxy.answer("/api/v1/nodes", 503, status(503), headers={"Retry-After": "3600"})
    result = karp(["simulate", "--request-timeout", "2s", *proxy.cli_args])
    assert_one_error(result, "HTTP 503", "nodes")
    assert len([r for r in proxy.requests if r.path == "/api/v1/nodes"]) == 1


def test_500_without_retry_after_is_not_retried(proxy: FaultProxy, cluster: KubeEmulator,
                                                karp: Any) -> None:
    proxy.answer("/api/v1/nodes", 500, status(500, "etcd down"))
    result = karp(["simulate", *proxy.cli_args])
    assert_one_error(result, "HTTP 500", "etcd down")
    assert len([r for r in proxy.requests if r.path == "/api/v1/nodes"]) == 1


# ----------------------------------------------------------------------- time limits

def test_trickled_body_is_bounded_by_request_timeout(proxy: FaultProxy,
                                                     cluster: KubeEmulator, karp: Any) -> None:
    proxy.trickle("/api/v1/nodes", seconds=60)
    result = karp(["simulate", "--request-timeout", "2s", *proxy.cli_args])
    assert_one_error(result, "no answer within 2s (--request-timeout)")
    assert_read_only(cluster, proxy)


def test_trickled_headers_are_bounded_by_request_timeout(
        proxy: FaultProxy, cluster: KubeEmulator, karp: Any) -> None:
    proxy.slow_headers("/apis", seconds=60)
    result = karp(["simulate", "--request-timeout", "1s", *proxy.cli_args])
    assert_one_error(result, "no answer within 1s (--request-timeout)")


def test_repeated_continue_token_is_detected(proxy: FaultProxy, cluster: KubeEmulator,
                                             karp: Any) -> None:
    proxy.repeat_continue("/api/v1/pods")
    result = karp(["simulate", *proxy.cli_args])
    assert_one_error(result, "repeated a continue token", "pods")
    assert len([r for r in proxy.requests if r.path == "/api/v1/pods"]) <= 3


# ----------------------------------------------------------------------- wrong shapes

@pytest.mark.parametrize(("path", "body", "fragment"), [
    ("/apis", [1], "discover"),
    ("/apis", "just a string", "discover"),
    ("/api/v1/pods", {"kind": "PodList", "items": "abc"}, "items that are not a list"),
    ("/api/v1/pods", {"kind": "PodList", "items": [1, 2]}, "items that are not a list"),
    ("/api/v1/pods", {"kind": "PodList", "metadata": {"continue": 7}, "items": []},
     "continue token"),
    ("/api/v1/nodes", b"<html>proxy error</html>", "not JSON"),
    ("/api/v1/nodes", b"[" * 100_000, "nested too deeply"),
], ids=["apis-list", "apis-string", "items-string", "items-numbers", "continue-int", "html",
        "deep-json"])
def test_bodies_of_the_wrong_shape(path: str, body: Any, fragment: str, proxy: FaultProxy,
                                   cluster: KubeEmulator, karp: Any) -> None:
    proxy.answer(path, 200, body)
    result = karp(["simulate", *proxy.cli_args])
    assert_one_error(result, fragment)
    assert_read_only(cluster, proxy)


def test_http_200_with_a_failure_status_is_an_error_not_an_empty_list(
        proxy: FaultProxy, cluster: KubeEmulator, karp: Any) -> None:
    proxy.answer("/api/v1/pods", 200, status(403, 'pods is forbidden: User "u" cannot list'))
    result = karp(["explain", *proxy.cli_args])
    assert_one_error(result, "forbidden", "pods")


def test_a_token_echoed_by_the_server_is_redacted(proxy: FaultProxy, cluster: KubeEmulator,
                                                  karp: Any) -> None:
    secret = "sk-echoed-bearer-token-0123456789"
    proxy.token = secret
    proxy.write_kubeconfig(proxy.kubeconfig)
    proxy.answer("/api/v1/nodes", 400, status(400, f"bad header Authorization: Bearer {secret}"))
    result = karp(["simulate", *proxy.cli_args])
    line = assert_one_error(result, "HTTP 400", "***")
    assert secret not in line and secret not in result.err


def test_terminal_escapes_in_names_are_escaped(cluster: KubeEmulator, karp: Any) -> None:
    pod = cluster.get("v1", "Pod", "web-100", "default")
    assert pod is not None
    pod["metadata"]["name"] = "evil\x1b]0;pwned\x07\x1b[2J"
    pod["metadata"]["uid"] = "evil"
    cluster.add(pod)
    result = karp(["explain", *cluster.cli_args])
    assert "\x1b" not in result.out + result.err
    assert "evil\\x1b" in result.out
    assert_ok(result)


def test_server_status_message_with_escapes_is_escaped(proxy: FaultProxy,
                                                       cluster: KubeEmulator, karp: Any) -> None:
    proxy.answer("/api/v1/nodes", 500, status(500, "boom \x1b[31mred\x1b[0m"))
    line = assert_one_error(karp(["simulate", *proxy.cli_args]), "boom")
    assert "\\x1b[31m" in line


# ----------------------------------------------------------------------- path traversal

@pytest.mark.parametrize("target", [
    f"deployment/{TRAVERSAL}", "deployment/..", "pod/a%2Fb", "job/UPPER", "cronjob/a b",
    "statefulset/" + "x" * 254,
])
def test_explain_target_names_are_validated_before_any_request(
        target: str, cluster: KubeEmulator, karp: Any) -> None:
    result = karp(["explain", target, *cluster.cli_args])
    assert_one_error(result, "invalid name", code=2)
    assert cluster.requests == []


@pytest.mark.parametrize("namespace", ["../kube-system", "a/b", "UPPER", "a.b", "x" * 64])
def test_namespace_flag_is_validated_before_any_request(
        namespace: str, cluster: KubeEmulator, karp: Any) -> None:
    result = karp(["explain", "-n", namespace, "deployment/web", *cluster.cli_args])
    assert_one_error(result, "invalid namespace", code=2)
    assert cluster.requests == []


def test_completion_with_a_hostile_namespace_sends_nothing(
        cluster: KubeEmulator, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from kubectl_karp.cli.complete import cobra_answer

    answer = cobra_answer(["explain", "--kubeconfig", str(cluster.kubeconfig), "-n",
                           "../../api/v1/namespaces/default/secrets", "pod/"])
    assert answer.strip().startswith(":") or "secrets" not in answer
    assert_read_only(cluster)
    assert [r for r in cluster.requests if "namespaces/" in r.path] == []


def test_explain_refuses_a_workload_answer_of_another_kind(
        proxy: FaultProxy, cluster: KubeEmulator, karp: Any) -> None:
    proxy.answer("/apis/apps/v1/namespaces/default/deployments/api", 200,
                 {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                  "data": {"password": "c2VjcmV0"}})
    result = karp(["explain", "deployment/api", *proxy.cli_args])
    line = assert_one_error(result, "not a Deployment")
    assert "c2VjcmV0" not in line


# ----------------------------------------------------------------------- kubeconfig

def _kubeconfig(tmp_path: Any, user: dict[str, Any], server: str) -> str:
    import yaml

    path = tmp_path / "bad.kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "c", "user": user}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "c"}}]}),
        encoding="utf-8")
    return str(path)


def test_kubeconfig_of_random_bytes(tmp_path: Any, karp: Any) -> None:
    path = tmp_path / "random.kubeconfig"
    path.write_bytes(bytes(range(256)) * 8)
    assert_one_error(karp(["simulate", "--kubeconfig", str(path)]), "kubeconfig",
                     "cannot be read")


@pytest.mark.parametrize(("user", "fragment"), [
    ({"client-certificate-data": "!!!not base64!!!", "client-key-data": "!!!"},
     "invalid configuration"),
    ({"client-certificate": "/nonexistent/cert.pem", "client-key": "/nonexistent/key.pem"},
     "invalid configuration"),
    ({"client-certificate-data": "Z2FyYmFnZQ==", "client-key-data": "Z2FyYmFnZQ=="},
     "client certificate"),
    ({"client-certificate-data": "Z2FyYmFnZQ=="}, "client key is missing"),
], ids=["not-base64", "missing-files", "garbage", "cert-without-key"])
def test_bad_client_certificates_are_refused_like_kubectl(
        user: dict[str, Any], fragment: str, tmp_path: Any, cluster: KubeEmulator,
        karp: Any) -> None:
    path = _kubeconfig(tmp_path, user, cluster.url)
    assert_one_error(karp(["simulate", "--kubeconfig", path]), fragment)
    assert cluster.requests == []


def test_a_credential_plugin_that_never_exits_is_bounded(tmp_path: Any,
                                                         cluster: KubeEmulator,
                                                         karp: Any) -> None:
    plugin = tmp_path / "hang-plugin"
    plugin.write_text("#!/bin/sh\nexec sleep 300\n", encoding="utf-8")
    plugin.chmod(0o755)
    path = _kubeconfig(tmp_path, {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                           "command": str(plugin)}}, cluster.url)
    result = karp(["simulate", "--kubeconfig", path, "--request-timeout", "2s"])
    assert_one_error(result, "credential plugin", "did not finish within 2s")
    assert cluster.requests == []


@pytest.mark.parametrize("resource", ["..", "nodepools%2F..%2F..", "a b"])
def test_a_hostile_discovery_answer_never_becomes_a_request_path(
        resource: str, proxy: FaultProxy, cluster: KubeEmulator, karp: Any) -> None:
    proxy.answer("/apis/karpenter.sh/v1", 200, {
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "karpenter.sh/v1",
        "resources": [{"name": resource, "kind": "NodePool", "namespaced": False,
                       "verbs": ["list"]}]})
    result = karp(["simulate", *proxy.cli_args])
    assert_one_error(result, "refusing to send a request")
    assert_read_only(cluster, proxy)
    assert not [r for r in proxy.requests if ".." in r.path or "%" in r.path]


def test_an_insecure_tls_cluster_prints_no_urllib3_warnings(cluster: KubeEmulator) -> None:
    # A real process: pytest would otherwise catch the warnings before they reach stderr.
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.faults.conftest import GUARD

    pytest.importorskip("cryptography")
    root = Path(__file__).resolve().parents[2]
    with FaultProxy(cluster, tls=True) as tls_proxy:
        result = subprocess.run(
            [sys.executable, "-m", "kubectl_karp", "simulate", "-o", "json",
             *tls_proxy.cli_args], capture_output=True, text=True, timeout=GUARD, cwd=root,
            env={**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1"})
    assert result.returncode in (0, 3), result.stderr
    assert "Warning" not in result.stderr and "urllib3" not in result.stderr, result.stderr
    assert all(line.startswith(("note:", "warning:")) for line in result.stderr.splitlines())
    json.loads(result.stdout)


def test_a_credential_plugin_that_answers_still_works(tmp_path: Any, cluster: KubeEmulator,
                                                      karp: Any) -> None:
    plugin = tmp_path / "good-plugin"
    plugin.write_text('#!/bin/sh\necho \'{"apiVersion": "client.authentication.k8s.io/v1", '
                      '"kind": "ExecCredential", "status": {"token": "from-plugin-123456"}}\'\n',
                      encoding="utf-8")
    plugin.chmod(0o755)
    path = _kubeconfig(tmp_path, {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                           "command": str(plugin)}}, cluster.url)
    result = karp(["simulate", "-o", "json", "--kubeconfig", path, "--request-timeout", "5s"])
    assert_ok(result)
    json.loads(result.out)
    assert any(r.headers.get("Authorization") == "Bearer from-plugin-123456"
               for r in cluster.requests)


def test_a_valid_client_certificate_is_accepted(tmp_path: Any, cluster: KubeEmulator,
                                                karp: Any) -> None:
    import base64

    pytest.importorskip("cryptography")
    from tests.faults.server import _self_signed

    cert, key = _self_signed(tmp_path)
    data = {"client-certificate-data": base64.b64encode(cert.read_bytes()).decode(),
            "client-key-data": base64.b64encode(key.read_bytes()).decode()}
    for user in (data, {"client-certificate": cert.name, "client-key": str(key)}):
        result = karp(["simulate", "-o", "json", "--kubeconfig",
                       _kubeconfig(tmp_path, user, cluster.url)])
        assert_ok(result)
        json.loads(result.out)
