"""``apply``'s own text fits the terminal (issue 19 item 1): findings and notes wrap at the
width like every command's prose; a diff is never wrapped (a wrapped line would read as a line
of the object): at a known width its long lines are elided with ``…``, piped it stays whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from kubectl_karp.render.width import visible_len

BROKEN = Path(__file__).resolve().parent / "broken"
LONG = "team " * 30 + "end"  # 153 characters with spaces, to tempt a wrap


def _demo_pool_with_long_annotation(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> Path:
    assert run(["snapshot", "--demo", "--no-catalog"]) == 0
    saved = yaml.safe_load(capsys.readouterr().out)
    pool = next(i for i in saved["items"] if i["kind"] == "NodePool")
    mine: dict[str, Any] = {
        "apiVersion": pool["apiVersion"], "kind": "NodePool",
        "metadata": {"name": pool["metadata"]["name"], "annotations": {"example.com/why": LONG}},
        "spec": pool["spec"]}
    path = tmp_path / "np.yaml"
    path.write_text(yaml.safe_dump(mine, width=1000), encoding="utf-8")
    return path


def _diff_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line[:1] in "+-@ "]


def test_a_diff_is_elided_never_wrapped(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = _demo_pool_with_long_annotation(tmp_path, capsys)
    argv = ["apply", "--demo", "-f", str(path), "--diff"]
    assert run(argv) == 0
    piped = capsys.readouterr().out
    whole = next(line for line in piped.splitlines() if "example.com/why" in line)
    assert whole.startswith("+    example.com/why: team team") and len(whole) > 90  # piped
    monkeypatch.setenv("COLUMNS", "60")
    assert run(argv) == 0
    fitted = capsys.readouterr().out
    assert all(visible_len(line) <= 60 for line in fitted.splitlines()), fitted
    # The same diff lines, one for one: elided, not wrapped into more lines.
    assert len(_diff_lines(fitted)) == len(_diff_lines(piped))
    long = next(line for line in fitted.splitlines() if "example.com/why" in line)
    assert long.startswith("+    example.com/why: team team") and long.endswith("…")
    assert len(long) == 60


def test_findings_wrap_at_the_width(capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["apply", "--demo", "--dry-run", "client", "-f",
            str(BROKEN / "np-unknown-instance-type.yaml")]
    run(argv)
    full = capsys.readouterr().err
    assert max(len(line) for line in full.splitlines()) > 100  # the case is worth testing
    monkeypatch.setenv("COLUMNS", "80")
    run(argv)
    fitted = capsys.readouterr().err
    assert all(visible_len(line) <= 80 for line in fitted.splitlines()), fitted
    # Wrapped, not cut: every word is still there, in order.
    assert fitted.split() == full.split()
    warning = fitted.split("\nwarning: ")[0] if not fitted.startswith("warning") else fitted
    assert warning.splitlines()[1].startswith("  ")  # continuation lines hang
