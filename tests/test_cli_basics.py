"""The CLI's contract: help, version, exit statuses, one-line errors, colour, lazy imports."""

from __future__ import annotations

import io
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_karp import __version__
from kubectl_karp.cli.app import COMMANDS, run
from kubectl_karp.render.output import Style, use_color

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("kubernetes", "textual", "tencentcloud")


def _python(code: str, *args: str, env: dict[str, str] | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, input=stdin,
                          timeout=60, check=False)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kubectl_karp", *args], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=60,
                          check=False)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for name, (_module, _func, purpose) in COMMANDS.items():
        assert f"  {name} " in out
        assert purpose.split()[0] in out
    assert "--snapshot" in out or "--demo" in out  # the description mentions offline use


def test_no_arguments_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([]) == 0
    assert "Commands" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--help"], ["version", "--help"], ["snapshot", "--help"],
                                  ["version", "--client"], ["--version"]])
def test_startup_does_not_import_heavy_packages(args: list[str]) -> None:
    code = ("import sys\n"
            "from kubectl_karp.cli.app import run\n"
            "status = run(sys.argv[1:])\n"
            f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
            "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
            "sys.exit(status)\n")
    result = _python(code, *args)
    assert result.returncode == 0, result.stderr
    assert "HEAVY=\n" in result.stderr


def test_version_client(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["version", "--client"]) == 0
    assert capsys.readouterr().out == (f"Client Version: v{__version__} "
                                       f"(Python {platform.python_version()})\n")


def test_version_client_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["version", "--client", "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"clientVersion": __version__,
                                                   "python": platform.python_version()}


def test_dash_dash_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"kubectl-karp {__version__}\n"


@pytest.mark.parametrize(("args", "message"), [
    # click's own wording varies between releases: match its gist.
    (["--bogus"], r"error: No such option:? '?--bogus"),
    (["version", "--bogus"], r"error: No such option:? '?--bogus"),
    (["nonsense"], r"error: No such command 'nonsense'"),
    (["version", "--request-timeout", "soon"],
     r"error: Invalid value for '--request-timeout': invalid duration 'soon': use 0, a number "
     r"of seconds, or a value such as 10s, 1m$"),
    (["snapshot", "--demo", "--snapshot", "x.yaml"],
     r"error: --demo and --snapshot cannot be used together$"),
    (["version", "-o", "xml"], r"error: Invalid value for '-o' / '--output': 'xml' is not one "
                               r"of 'table', 'json', 'yaml'"),
])
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = _cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert re.match(message, result.stderr.rstrip("\n")), result.stderr


def test_karp_error_is_one_line_exit_1(tmp_path: Path) -> None:
    result = _cli("snapshot", "--snapshot", str(tmp_path / "missing.yaml"))
    assert result.returncode == 1
    assert result.stderr == f"error: {tmp_path / 'missing.yaml'}: no such file or directory\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\n---\nkind: [unclosed\n", encoding="utf-8")
    result = _cli("snapshot", "--snapshot", str(bad))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "document 2" in result.stderr and "Traceback" not in result.stderr


def test_cluster_error_is_one_line_exit_1(tmp_path: Path) -> None:
    env = {"KUBECONFIG": str(tmp_path / "none"), "HOME": str(tmp_path),
           "KUBERNETES_SERVICE_HOST": ""}
    result = _cli("snapshot", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no Kubernetes configuration found")
    assert result.stderr.count("\n") == 1


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_tty_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(_Tty()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(_Tty()) is False
    assert Style(use_color(_Tty())).bad("x") == "x"
    assert Style(True).bad("x") == "\x1b[31mx\x1b[0m"


def test_machine_output_never_has_colour_even_on_a_pty() -> None:
    # A real terminal: stdout is a pty, NO_COLOR unset.
    pty = pytest.importorskip("pty")
    code = ("import os, pty, sys\n"
            "pid, fd = pty.fork()\n"
            "if pid == 0:\n"
            "    os.execv(sys.executable, [sys.executable, '-m', 'kubectl_karp', 'version', "
            "'--client', '-o', 'json'])\n"
            "out = b''\n"
            "while True:\n"
            "    try:\n"
            "        chunk = os.read(fd, 4096)\n"
            "    except OSError:\n"
            "        break\n"
            "    if not chunk:\n"
            "        break\n"
            "    out += chunk\n"
            "os.waitpid(pid, 0)\n"
            "sys.stdout.write(repr(out))\n")
    del pty
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=60, check=False)
    assert "clientVersion" in result.stdout
    assert "\\x1b[" not in result.stdout


@pytest.mark.parametrize("command", ["simulate", "explain", "consolidate", "catalog", "snapshot"])
def test_namespace_and_all_namespaces_conflict(command: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # Checked once, in the shared option decorator, so every command refuses it alike.
    assert run([command, "--demo", "-n", "shop", "-A"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "error: -n/--namespace and -A/--all-namespaces cannot be used together"]


@pytest.mark.parametrize("command", ["simulate", "explain"])
@pytest.mark.parametrize("args", [["--snapshot", "-", "-f", "-"],
                                  ["--snapshot", "-", "--catalog", "-"],
                                  ["--demo", "-f", "-", "-f", "-"]])
def test_two_stdin_readers_are_a_usage_error(command: str, args: list[str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    # Both would read stdin; the second would get nothing and simulate an empty cluster.
    # Checked once, in the shared option decorator, for every command alike.
    assert run([command, *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "would both read stdin" in lines[0]


def test_two_stdin_readers_with_what_if(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulate", "--snapshot", "-", "--what-if", "-"]) == 2
    assert capsys.readouterr().err.startswith("error: --snapshot - and --what-if - would both")


# ----------------------------------------------------------------- kubectl habits (issue 19)

def test_a_mistyped_command_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simualte", "--demo"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: No such command 'simualte'.", "Did you mean simulate?"]


def test_explain_type_name_like_kubectl(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["explain", "pod", "trainer-0", "-n", "ml", "--demo", "-o", "json"]) == 3
    import json

    assert [p["pod"] for p in json.loads(capsys.readouterr().out)["pods"]] == ["ml/trainer-0"]
    assert run(["explain", "pod", "pod/trainer-0", "--demo"]) == 2


@pytest.mark.parametrize("command", ["simulate", "explain"])
def test_unknown_namespace_says_no_resources(command: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run([command, "--demo", "-n", "nosuchns"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines()[-1] == "No resources found in nosuchns namespace."
    assert "No pending pods" not in captured.out


@pytest.mark.parametrize("command", ["consolidate", "catalog", "verify", "tui", "apply"])
def test_namespace_is_refused_where_it_means_nothing(command: str,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    extra = ["-f", "nodepool.yaml"] if command == "apply" else []
    assert run([command, "--demo", "-n", "shop", *extra]) == 2
    assert "-n/--namespace does not apply here" in capsys.readouterr().err
    assert run([command, "--help"]) == 0
    assert "--namespace" not in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["simulate", "--demo", "--nodepool", "nope"],
                                  ["catalog", "--demo", "--nodepool", "nope"]])
def test_unknown_nodepool_alike_everywhere(argv: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 1
    assert capsys.readouterr().err == "error: NodePool 'nope' not found (NodePools: test)\n"
