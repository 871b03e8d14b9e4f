"""``kubectl karp version`` against the emulator."""

from __future__ import annotations

import json
import platform

import pytest

from kubectl_karp import __version__
from kubectl_karp.cli.app import run
from tests.builders.generated import node, small_cluster
from tests.emulator import KubeEmulator


def test_version_table(k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(small_cluster())
    assert run(["version", *k8s.cli_args]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [f"Client Version: v{__version__} (Python {platform.python_version()})",
                       f"Context: emulator ({k8s.url})", "Server Version: v1.30.4"]
    assert out[3] == "Karpenter CRDs:"
    rows = [line.split() for line in out[4:-1]]
    assert rows == [["nodeclaims.karpenter.sh", "v1"], ["nodepools.karpenter.sh", "v1"],
                    ["tkemachinenodeclasses.karpenter.k8s.tke", "v1beta1"]]
    # small_cluster() has no controller Deployment or NodePool CRD object to tell it.
    assert out[-1] == ("Karpenter Version: v1.14 (not detected: no Karpenter controller "
                       "Deployment was found; the NodePool CRD object was not found; the "
                       "newest supported release is assumed)")
    assert k8s.writes() == []


def test_version_json(k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(small_cluster())
    assert run(["version", "-o", "json", *k8s.cli_args]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["serverVersion"] == "v1.30.4" and doc["context"] == "emulator"
    assert doc["karpenterCRDs"]["nodepools.karpenter.sh"] == ["v1"]


def test_version_without_karpenter(k8s: KubeEmulator,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add(node(0))
    assert run(["version", *k8s.cli_args]) == 0
    captured = capsys.readouterr()
    assert "Karpenter CRDs: none found" in captured.out
    assert captured.err == ("note: Karpenter is not installed in context emulator: "
                            "no karpenter.sh NodePool CRD\n")


def test_version_unreachable_prints_client_then_fails(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.stop()
    assert run(["version", *k8s.cli_args]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"Client Version: v{__version__}")
    assert "Server Version" not in captured.out
    assert captured.err == (f"error: cannot reach the Kubernetes API server at {k8s.url}: "
                            "connection refused\n")


def test_version_client_does_not_contact_the_server(
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["version", "--client", *k8s.cli_args]) == 0
    assert k8s.requests == []
