"""Read-only smoke tests against a real cluster: set KARP_E2E_KUBECONFIG to run them.

Optional: KARP_E2E_CONTEXT selects a context. Nothing here writes to the cluster; commands
that could (apply) are only run with --dry-run style flags by their own suites.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

KUBECONFIG = os.environ.get("KARP_E2E_KUBECONFIG", "")
ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not KUBECONFIG, reason="KARP_E2E_KUBECONFIG is not set")]


def _karp(*args: str) -> subprocess.CompletedProcess[str]:
    cluster = ["--kubeconfig", KUBECONFIG]
    if os.environ.get("KARP_E2E_CONTEXT"):
        cluster += ["--context", os.environ["KARP_E2E_CONTEXT"]]
    return subprocess.run([sys.executable, "-m", "kubectl_karp", *args, *cluster],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)


def test_version() -> None:
    result = _karp("version", "-o", "json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["serverVersion"].startswith("v")
    assert isinstance(info["karpenterCRDs"], dict)


def test_snapshot_reads_back_offline(tmp_path: Path) -> None:
    result = _karp("snapshot", "-o", "yaml")
    assert result.returncode == 0, result.stderr
    doc = yaml.safe_load(result.stdout)
    assert doc["kind"] == "List"
    kinds = {item["kind"] for item in doc["items"]}
    assert "Node" in kinds
    assert not kinds & {"Secret", "ConfigMap"}
    saved = tmp_path / "cluster.yaml"
    saved.write_text(result.stdout, encoding="utf-8")
    again = subprocess.run([sys.executable, "-m", "kubectl_karp", "snapshot", "--snapshot",
                            str(saved)], capture_output=True, text=True, cwd=ROOT,
                           timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert yaml.safe_load(again.stdout)["items"] == doc["items"]


@pytest.mark.parametrize("command", [["simulate"], ["explain"], ["consolidate"]])
def test_read_only_commands_run(command: list[str]) -> None:
    result = _karp(*command, "-o", "json")
    # 3 = some pods would stay pending (simulate/explain): still a successful run.
    assert result.returncode in (0, 3), result.stderr
    json.loads(result.stdout)
    assert "Traceback" not in result.stderr
