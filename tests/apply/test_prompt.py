"""The interactive confirmation, through a real pseudo-terminal, and ``-f -`` (stdin)."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubectl_karp.cli.app import run
from tests.apply.conftest import CATALOG
from tests.apply.ssa import ApplyEmulator
from tests.apply.test_apply import pool, write

ROOT = Path(__file__).resolve().parents[2]


def _converse(args: list[str], answer: str, timeout: float = 60.0) -> tuple[int, str]:
    """Run the CLI on a pty; answer the prompt once it appears. (status, everything shown)."""
    master, slave = pty.openpty()
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "kubectl_karp", *args], stdin=slave,
                            stdout=slave, stderr=slave, env=env, cwd=ROOT, close_fds=True)
    os.close(slave)
    seen = b""
    answered = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if not answered and b"[y/N]" in seen:
                os.write(master, answer.encode() + b"\n")
                answered = True
        status = proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return status, seen.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.mark.parametrize(("answer", "status"), [("n", 1), ("y", 0)])
def test_prompt_on_a_terminal(cluster: ApplyEmulator, tmp_path: Path, answer: str,
                              status: int) -> None:
    path = write(tmp_path, "np.yaml", pool())
    code, shown = _converse(["apply", "-f", path, "--catalog", CATALOG, *cluster.cli_args],
                            answer)
    assert "+++ applied/nodepool.karpenter.sh/test" in shown  # the diff came first
    assert "Apply 1 change(s)? [y/N]" in shown
    assert code == status, shown
    stored = cluster.get("karpenter.sh/v1", "NodePool", "test")
    if answer == "y":
        assert "nodepool.karpenter.sh/test created" in shown
        assert stored is not None
    else:
        assert "nothing was applied" in shown
        assert stored is None and cluster.writes() == []


def test_manifests_from_stdin(cluster: ApplyEmulator, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    text = Path(write(tmp_path, "np.yaml", pool())).read_text(encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert run(["apply", "-f", "-", "--yes", "--catalog", CATALOG, *cluster.cli_args]) == 0
    assert capsys.readouterr().out == "nodepool.karpenter.sh/test created\n"
