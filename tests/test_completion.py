"""Shell completion: kubectl's plugin protocol, click's shell protocols, generated scripts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kubectl_karp.cli.app import COMMANDS, run
from kubectl_karp.cli.complete import cobra_answer
from kubectl_karp.cli.completion import SHELL_NAMES, script_for
from tests.emulator import KubeEmulator

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = {"bash": "kubectl-karp.bash", "zsh": "kubectl-karp.zsh",
               "fish": "kubectl-karp.fish", "powershell": "kubectl-karp.ps1"}


def answer(*words: str) -> tuple[list[str], int]:
    """Candidate values and the directive of kubectl's protocol for ``karp WORDS...``."""
    lines = cobra_answer(list(words)).splitlines()
    assert lines[-1].startswith(":"), lines
    return [line.split("\t")[0] for line in lines[:-1]], int(lines[-1][1:])


def _env(tmp_path: Path) -> dict[str, str]:
    """PATH with kubectl-karp and kubectl_complete-karp wrappers for this checkout."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    for name, target in (("kubectl-karp", "kubectl_karp.cli.app"),
                         ("kubectl_complete-karp", "kubectl_karp.cli.complete")):
        script = bindir / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c '
                          f'"from {target} import main; main()" "$@"\n', encoding="utf-8")
        script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("_KUBECTL_KARP")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    # No kubeconfig: live lookups must fail silently rather than reach a real cluster.
    env["KUBECONFIG"] = str(tmp_path / "no-such-kubeconfig")
    return env


# --------------------------------------------------------------------------- commands and flags

def test_commands_and_their_descriptions() -> None:
    values, directive = answer("")
    assert values == list(COMMANDS)
    assert directive == 4
    assert answer("con") == (["consolidate"], 4)
    assert "explain\tExplain why pods are Pending" in cobra_answer(["ex"])


def test_flags_of_a_command() -> None:
    values, directive = answer("simulate", "--")
    assert {"--demo", "--snapshot", "--context", "--namespace", "--nodepool"} <= set(values)
    assert directive == 4
    values, _ = answer("version", "--c")
    assert values == ["--client", "--context"]


def test_choices_and_file_arguments() -> None:
    assert answer("completion", "") == (list(SHELL_NAMES), 4)
    assert answer("simulate", "-o", "js") == (["json"], 4)
    # Options that take a path leave completion to the shell's file names (directive 0).
    assert answer("simulate", "-f", "") == ([], 0)
    assert answer("simulate", "--snapshot", "") == ([], 0)


def test_nonsense_gives_no_candidates_and_no_error() -> None:
    assert answer("no-such-command", "") == ([], 4)
    assert answer("simulate", "--no-such-flag", "x") == ([], 4)


# --------------------------------------------------------------------------- names from data

def test_names_from_the_demo_cluster() -> None:
    demo = yaml.safe_load_all((ROOT / "kubectl_karp/data/demo/10-karpenter.yaml").read_text())
    pools = sorted(d["metadata"]["name"] for d in demo if d and d.get("kind") == "NodePool")
    assert answer("simulate", "--demo", "--nodepool", "") == (pools, 4)
    nodes, _ = answer("consolidate", "--demo", "--node", "")
    assert nodes and all(not n.startswith("-") for n in nodes)
    namespaces, _ = answer("explain", "--demo", "-n", "")
    assert "default" in namespaces


def test_explain_targets() -> None:
    kinds, directive = answer("explain", "--demo", "")
    assert kinds[0] == "pod/" and "deployment/" in kinds
    assert directive == 4 | 2  # no space after "pod/"
    pods, directive = answer("explain", "--demo", "pod/")
    assert pods and all(p.startswith("pod/") for p in pods)
    assert directive == 4
    assert answer("explain", "--demo", "deployment/") == ([], 4)


def test_flag_equals_value_keeps_the_flag(tmp_path: Path) -> None:
    values, _ = answer("simulate", "--demo", "--nodepool=")
    assert values and all(v.startswith("--nodepool=") for v in values)


def _snapshot_file(tmp_path: Path) -> Path:
    items = [
        {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "gpu"}},
        {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "general"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "waiting", "namespace": "ml"},
         "spec": {}, "status": {"phase": "Pending"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "running", "namespace": "ml"},
         "spec": {"nodeName": "node-a"}, "status": {"phase": "Running"}},
    ]
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return path


def test_names_from_a_snapshot(tmp_path: Path) -> None:
    snap = str(_snapshot_file(tmp_path))
    assert answer("simulate", "--snapshot", snap, "--nodepool", "g") == (["general", "gpu"], 4)
    assert answer("consolidate", "--snapshot", snap, "--node", "") == (["node-a"], 4)
    assert answer("explain", "--snapshot", snap, "pod/") == (["pod/waiting"], 4)
    assert answer("explain", "--snapshot", snap, "-n", "shop", "pod/") == ([], 4)
    assert answer("explain", "--snapshot", str(tmp_path / "missing.yaml"), "pod/") == ([], 4)


# --------------------------------------------------------------------------- names from a cluster

def test_names_from_the_current_context(k8s: KubeEmulator) -> None:
    k8s.add_all([
        {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "spot"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "10.0.0.7"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-1", "namespace": "web"},
         "spec": {"containers": [{"name": "c", "image": "x"}]}, "status": {"phase": "Pending"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-2", "namespace": "web"},
         "spec": {"nodeName": "10.0.0.7", "containers": [{"name": "c", "image": "x"}]},
         "status": {"phase": "Running"}},
    ])
    kc = ["--kubeconfig", str(k8s.kubeconfig)]
    assert answer("simulate", *kc, "--nodepool", "") == (["spot"], 4)
    assert answer("consolidate", *kc, "--node", "") == (["10.0.0.7"], 4)
    assert answer("explain", *kc, "po/") == (["po/api-1"], 4)
    assert answer("explain", *kc, "-n", "web", "pod/") == (["pod/api-1"], 4)
    assert "web" in answer("simulate", *kc, "-n", "")[0]
    assert answer("simulate", *kc, "--context", "") == ([k8s.context], 4)
    pod_lists = [r for r in k8s.requests if r.path.endswith("/pods")]
    assert pod_lists and all("status.phase=Pending" in r.params.get("fieldSelector", "")
                             for r in pod_lists)
    assert not k8s.writes()


def test_older_nodepool_api_version(k8s: KubeEmulator) -> None:
    k8s.add({"apiVersion": "karpenter.sh/v1beta1", "kind": "NodePool",
             "metadata": {"name": "legacy"}})
    k8s.fail("/apis/karpenter.sh/v1/nodepools", status=404)
    assert answer("simulate", "--kubeconfig", str(k8s.kubeconfig), "--nodepool", "") \
        == (["legacy"], 4)


def test_cluster_failures_are_silent(k8s: KubeEmulator) -> None:
    kc = ["--kubeconfig", str(k8s.kubeconfig)]
    k8s.fail("/api/v1/nodes", status=403)
    assert answer("consolidate", *kc, "--node", "") == ([], 4)
    k8s.hang("/apis/karpenter.sh/v1/nodepools", seconds=10)
    assert answer("simulate", *kc, "--nodepool", "") == ([], 4)
    k8s.stop()
    assert answer("explain", *kc, "pod/") == ([], 4)


def test_name_completion_alone_loads_the_kubernetes_client() -> None:
    code = ("import sys; from kubectl_karp.cli.complete import cobra_answer; "
            "cobra_answer(['simulate', '--no']); cobra_answer(['']); "
            "print(sorted(m for m in ('kubernetes', 'textual', 'tencentcloud') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- real processes

@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_completes_the_plugin(tmp_path: Path) -> None:
    env = _env(tmp_path)

    def kubectl_complete(*words: str) -> list[str]:
        done = subprocess.run(["kubectl", "__complete", "karp", *words], env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout.splitlines()

    assert kubectl_complete("ex") == [
        f"explain\t{COMMANDS['explain'][2]}", ":4"]
    lines = kubectl_complete("simulate", "--demo", "--nodepool", "")
    assert lines[-1] == ":4" and lines[:-1] and all(x.endswith("\tNodePool") for x in lines[:-1])
    assert kubectl_complete("simulate", "-f", "") == [":0"]


def test_the_main_executable_answers_completion_requests(tmp_path: Path) -> None:
    env = _env(tmp_path)

    def ask(mode: str, *args: str, **extra: str) -> str:
        return subprocess.run(["kubectl-karp", *args], env={**env, "_KUBECTL_KARP_COMPLETE": mode,
                                                             **extra},
                              capture_output=True, text=True, timeout=60, check=True).stdout

    assert ask("cobra", "simulate", "--demo", "--nodepool", "") == \
        cobra_answer(["simulate", "--demo", "--nodepool", ""])
    assert ask("cobra_new", "con") == ask("cobra", "con", "")
    bash = ask("bash_complete", COMP_WORDS="kubectl-karp consol", COMP_CWORD="1")
    assert bash.split() == ["plain,consolidate"]
    zsh = ask("zsh_complete", COMP_WORDS="kubectl-karp explain --demo pod/", COMP_CWORD="3")
    pods, _ = answer("explain", "--demo", "pod/")
    assert pods and all(pod in zsh.splitlines() for pod in pods)
    fish = ask("fish_complete", COMP_WORDS="kubectl-karp version --cl", COMP_CWORD="--cl")
    # click ≥ 8.4.1 prefixes each fish candidate with its type ("plain,--client\tdescription").
    values = [line.split("\t")[0].split(",", 1)[-1] for line in fish.splitlines()]
    assert "--client" in values and "--context" not in fish


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_bash_script_in_bash(tmp_path: Path) -> None:
    env = _env(tmp_path)
    script = ROOT / "completions" / COMPLETIONS["bash"]
    program = (f'source "{script}"\n'
               'COMP_WORDS=(kubectl-karp simulate --demo -o y); COMP_CWORD=4\n'
               '_kubectl_karp_completion kubectl-karp\n'
               'printf "%s\\n" "${COMPREPLY[@]}"\n')
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["yaml"]


# --------------------------------------------------------------------------- scripts

@pytest.mark.parametrize("shell", SHELL_NAMES)
def test_checked_in_scripts_are_current(shell: str) -> None:
    path = ROOT / "completions" / COMPLETIONS[shell]
    assert path.read_text(encoding="utf-8") == script_for(shell), \
        f"{path.name} is stale: run python scripts/gen_completions.py"


def test_staleness_check_script(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_completions.py"),
                           "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_completion_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["completion", "bash"]) == 0
    out = capsys.readouterr().out
    assert "_KUBECTL_KARP_COMPLETE=bash_complete" in out and "kubectl-karp" in out
    assert run(["completion", "powershell"]) == 0
    assert "Register-ArgumentCompleter" in capsys.readouterr().out
    assert run(["completion", "tcsh"]) == 2
    assert "error:" in capsys.readouterr().err


def test_karpenter_versions_are_completed() -> None:
    values, _ = answer("simulate", "--karpenter-version", "")
    assert values == ["1.8", "1.9", "1.10", "1.11", "1.12", "1.13", "1.14"]
    assert answer("consolidate", "--karpenter-version", "1.1")[0] == [
        "1.10", "1.11", "1.12", "1.13", "1.14"]
