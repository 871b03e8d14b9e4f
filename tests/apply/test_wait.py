"""``--wait``: follow node classes and NodePools to Ready, with an injected clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kubectl_karp.cli.app import run
from kubectl_karp.core.validation import Manifest
from kubectl_karp.sources.kubeclient import connect
from kubectl_karp.writers.apply import ApplyClient, wait_ready
from tests.apply.conftest import CATALOG, seed_doc
from tests.apply.ssa import ApplyEmulator
from tests.apply.test_apply import pool, write


def _with_ready(doc: dict[str, Any], status: str, reason: str = "", message: str = ""
                ) -> dict[str, Any]:
    doc = dict(doc)
    doc["status"] = {"conditions": [{"type": "Ready", "status": status, "reason": reason,
                                     "message": message}]}
    return doc


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_follows_conditions_until_ready(cluster: ApplyEmulator) -> None:
    cluster.add(_with_ready(pool(), "False", "NodeClassNotReady", "TKEMachineNodeClass default "
                                                                  "is not ready"))
    clock = FakeClock()
    lines: list[str] = []

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == 3:  # Karpenter catches up while we wait
            cluster.add(_with_ready(pool(), "True"))

    manifest = Manifest(pool(), "np.yaml")
    with connect(cluster.options()) as conn:
        [outcome] = wait_ready(ApplyClient(conn), [manifest], 60, clock=clock, sleep=sleep,
                               report=lines.append)
    assert outcome.ready
    assert clock.sleeps == [0.5, 1.0, 2.0]  # exponential backoff
    assert lines == [
        "nodepool.karpenter.sh/test: Ready=False (NodeClassNotReady: TKEMachineNodeClass "
        "default is not ready)",
        "nodepool.karpenter.sh/test: Ready=True"]


def test_wait_times_out_naming_the_missing_condition(cluster: ApplyEmulator) -> None:
    cluster.add(_with_ready(pool(), "False", "NodeClassNotReady", "no subnets"))
    clock = FakeClock()
    with connect(cluster.options()) as conn:
        [outcome] = wait_ready(ApplyClient(conn), [Manifest(pool(), "np.yaml")], 30,
                               clock=clock, sleep=clock.sleep)
    assert not outcome.ready
    assert outcome.detail == "condition Ready is False (NodeClassNotReady: no subnets)"
    assert sum(clock.sleeps) == pytest.approx(30)
    assert max(clock.sleeps) <= 10


def test_cli_wait_ready(cluster: ApplyEmulator, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    cluster.add(_with_ready(seed_doc("nodeclass.yaml"), "True"))
    cluster.add(_with_ready(pool(), "True"))
    path = write(tmp_path, "np.yaml", pool(limits={"cpu": 20}))
    assert run(["apply", "-f", path, "--yes", "--wait=30s", "--catalog", CATALOG,
                *cluster.cli_args]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["nodepool.karpenter.sh/test configured",
                                "nodepool.karpenter.sh/test Ready"]


def test_cli_wait_timeout(cluster: ApplyEmulator, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "np.yaml", pool())
    assert run(["apply", "-f", path, "--yes", "--wait=10ms", "--catalog", CATALOG,
                *cluster.cli_args]) == 1
    err = capsys.readouterr().err
    assert ("error: timed out waiting for nodepool.karpenter.sh/test to be Ready: condition "
            "Ready was never reported (is the Karpenter controller running?)") in err
