"""Fixtures and the one assertion of the fault suite.

``karp(args)`` runs the real CLI in-process (``cli.app.run``) in a worker thread with a
generous guard: a command that does not finish within ``GUARD`` seconds fails the test (that
is a hang, not a slow run; timings belong in benchmarks/).
"""

from __future__ import annotations

import io
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kubectl_karp.cli.app import run
from tests.builders import generated as cd
from tests.emulator import KubeEmulator
from tests.faults.server import FaultProxy

GUARD = 90.0


@dataclass(frozen=True)
class Result:
    status: int
    out: str
    err: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real kubeconfig, cloud credentials, metadata service or catalogue cache."""
    for var in ("KUBECONFIG", "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY",
                "TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_REGION", "KARP_DEBUG",
                "KARP_TENCENTCLOUD_ENDPOINT", "KUBERNETES_SERVICE_HOST", "TKE_CLUSTER_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("KARP_TENCENTCLOUD_METADATA_ENDPOINT",
                       f"http://127.0.0.1:{_closed_port()}/")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def karp(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def invoke(args: list[str], *, stdin: bytes | None = None) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        box: dict[str, int] = {}
        thread = threading.Thread(target=lambda: box.setdefault("status", run(args)),
                                  daemon=True)
        thread.start()
        thread.join(GUARD)
        assert not thread.is_alive(), f"kubectl karp {' '.join(args)} hung (> {GUARD}s)"
        captured = capsys.readouterr()
        return Result(box["status"], captured.out, captured.err)

    return invoke


def assert_one_error(result: Result, *fragments: str, code: int = 1) -> str:
    """Exit ``code``, exactly one ``error:`` line naming every fragment, no traceback,
    nothing on stdout."""
    assert "Traceback" not in result.out + result.err, result.err
    assert len(result.errors) == 1, result.err
    line = result.errors[0]
    assert "internal error" not in line, line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert result.status == code, result.err
    assert result.out == "", result.out
    assert "\x1b" not in result.err
    return line


def assert_ok(result: Result, *fragments: str, code: int | tuple[int, ...] = (0, 3)) -> None:
    """A documented success: no error line, no traceback; ``fragments`` on stderr."""
    assert "Traceback" not in result.out + result.err, result.err
    assert not result.errors, result.err
    codes = code if isinstance(code, tuple) else (code,)
    assert result.status in codes, result.err
    for fragment in fragments:
        assert fragment in result.err, f"{fragment!r} not in {result.err!r}"


def assert_read_only(k8s: KubeEmulator, proxy: FaultProxy | None = None) -> None:
    """Nothing was written, and no Secret or ConfigMap was asked for."""
    assert k8s.writes() == []
    secret_reads = [r for r in k8s.requests if "/secrets" in r.path or "/configmaps" in r.path]
    assert secret_reads == []
    if proxy is not None:
        assert proxy.writes() == []
        assert proxy.touched_secrets() == []


@pytest.fixture
def cluster(k8s: KubeEmulator) -> KubeEmulator:
    k8s.add_all(cd.small_cluster())
    return k8s


@pytest.fixture
def proxy(cluster: KubeEmulator) -> Iterator[FaultProxy]:
    with FaultProxy(cluster) as fault_proxy:
        yield fault_proxy
