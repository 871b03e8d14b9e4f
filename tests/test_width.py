"""Every text command fits the terminal (issue 19 item 1).

For each command on ``--demo`` at 80 and 120 columns (COLUMNS) and on a real pseudo-terminal
with colour: no line is wider than the terminal (colour escapes have no width), and every
word shown is either a word of the unfitted output or a prefix of one ending in ``…`` —
nothing is cut mid-word without an ellipsis. Without COLUMNS and a TTY tables stay unwrapped.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from kubectl_karp.cli.app import run
from kubectl_karp.render.width import (
    elide_list,
    ellipsize,
    fit_text,
    output_width,
    table,
    terminal_width,
    visible_len,
    wrap,
)

NOW = "2026-03-02T12:00:00Z"
ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    ["simulate", "--demo"],
    ["explain", "--demo"],
    ["explain", "pod/trainer-0", "-n", "ml", "--demo"],
    ["consolidate", "--demo", "--now", NOW],
    ["consolidate", "--demo", "--now", NOW, "--node", "10.0.1.37"],
    ["consolidate", "--demo", "--now", NOW, "--until-steady"],
    ["catalog", "--demo"],
    ["catalog", "--demo", "--nodepool", "test"],
    ["verify", "--demo"],
]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _out(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    run(argv)
    return capsys.readouterr().out


def _check_fits(fitted: str, full: str, width: int) -> None:
    words = set(_ANSI.sub("", full).split())
    for line in fitted.splitlines():
        assert visible_len(line) <= width, f"{visible_len(line)} > {width}: {line!r}"
    for token in _ANSI.sub("", fitted).split():
        if token in words:
            continue
        assert token.endswith("…"), f"{token!r} was cut without an ellipsis"
        stem = token[:-1]
        assert any(w.startswith(stem) for w in words), f"{token!r} is no word's prefix"


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_every_command_fits_the_width(argv: list[str], width: int,
                                      capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    full = _out([*argv, "-o", "wide"], capsys) + _out(argv, capsys)
    monkeypatch.setenv("COLUMNS", str(width))
    fitted = _out(argv, capsys)
    assert fitted.strip()
    _check_fits(fitted, full, width)


def test_piped_tables_stay_unwrapped(capsys: pytest.CaptureFixture[str]) -> None:
    """Without COLUMNS and a TTY a script sees whole rows (the old, full-width table)."""
    out = _out(["catalog", "--demo"], capsys)
    assert "ap-guangzhou-3,ap-guangzhou-4,ap-guangzhou-6,ap-guangzhou-7" in out
    assert "…" not in out


def test_simulate_pods_cell_is_short(capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """kubectl-get-like: the count and the first pod; all of them in -o wide."""
    monkeypatch.setenv("COLUMNS", "120")
    out = _out(["simulate", "--demo"], capsys)
    row = next(line for line in out.splitlines() if line.startswith("test "))
    assert "3 pods: default/sample-app-7c9d6b5f4-b7" in row and row.endswith("… (+2)")
    assert "f4m9q" not in row
    monkeypatch.setenv("COLUMNS", "200")
    assert "3 pods: default/sample-app-7c9d6b5f4-b7x2k (+2)" in _out(["simulate", "--demo"],
                                                                    capsys)
    wide = _out(["simulate", "--demo", "-o", "wide"], capsys)
    assert "default/sample-app-7c9d6b5f4-f4m9q" in wide


def _pty_output(argv: list[str], columns: int) -> str:
    """Run the CLI on a pseudo-terminal of ``columns`` (no COLUMNS): the TTY path, colour."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "LINES")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "kubectl_karp", *argv], stdout=slave,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env,
                            cwd=ROOT)
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("argv", [["simulate", "--demo"], ["explain", "--demo"],
                                  ["consolidate", "--demo", "--now", NOW],
                                  ["catalog", "--demo"],
                                  ["verify", "--demo"]], ids=lambda a: a[0])
def test_on_a_tty_with_colour(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    text = _pty_output(argv, 80)
    if argv[0] in ("simulate", "explain", "consolidate"):  # (the others barely colour)
        assert "\x1b[" in text, "colour is on for a terminal"
    full = _out([*argv, "-o", "wide"], capsys) + _out(argv, capsys)
    _check_fits(text, full, 80)


# ----------------------------------------------------------------- the helper itself

def test_width_source_order() -> None:
    class Pipe:
        def isatty(self) -> bool:
            return False

    assert terminal_width(Pipe(), {"COLUMNS": "91"}) == 91  # type: ignore[arg-type]
    assert terminal_width(Pipe(), {}) is None  # type: ignore[arg-type]
    assert terminal_width(Pipe(), {"COLUMNS": "x"}) is None  # type: ignore[arg-type]


def test_escapes_have_no_width() -> None:
    red = "\x1b[31mstays Pending\x1b[0m"
    assert visible_len(red) == len("stays Pending")
    assert wrap(f"pod {red} now", 30) == [f"pod {red} now"]
    cut = ellipsize(red, 6)
    assert _ANSI.sub("", cut) == "stays…" and cut.endswith("\x1b[0m")


def test_wrap_and_elide() -> None:
    assert wrap("aaa bbb ccc", 7, indent=2, hang=2) == ["  aaa", "    bbb", "    ccc"]
    assert wrap("x" * 30, 10) == ["x" * 9 + "…"]
    assert elide_list(["a", "b", "c"], "pods") == "3 pods: a (+2)"
    assert fit_text("short\n" + "word " * 30, 20).splitlines()[0] == "short"


def test_table_shrinks_widest_first_keeps_and_drops() -> None:
    rows = [["n1", "x" * 50, "$0.10"]]
    text = table(["name", "message", "$/h"], rows, width=30, keep=(2,))
    assert all(len(line) <= 30 for line in text.splitlines())
    assert "$0.10" in text and "n1" in text and "…" in text
    many = table(["aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd"], [["1", "2", "3", "4"]],
                 width=25, drop=(1, 2))
    assert "BBBBBBBB" not in many and "AAAAAAAA" in many and "DDDDDDDD" in many
    with output_width(None):
        assert "x" * 50 in table(["name", "message"], [["n1", "x" * 50]])


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_notes_on_stderr_fit_the_width(argv: list[str], capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`note: …` lines wrap at the width too (catalog's source note was 130 columns)."""
    monkeypatch.setenv("COLUMNS", "80")
    run(argv)
    err = capsys.readouterr().err
    for line in err.splitlines():
        assert visible_len(line) <= 80, f"{visible_len(line)} > 80: {line!r}"
