"""Bad input, across every command: one ``error: …`` line naming the file, document, object
and field; exit 1 (2 for usage); never a traceback; nothing written to the cluster.

Commands run in-process through ``cli.app.run`` (which turns any stray exception into
``error: internal error: …``, so every check below also refuses that), against real files,
the Kubernetes API emulator (tests/emulator.py) and a local Tencent Cloud endpoint. A few
cases need a real process: closed stdin/stdout, ``| head -1``, and the TUI (which would open
a screen if it got past the error).
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from kubectl_karp.cli.app import run
from kubectl_karp.sources.listfile import write_list
from tests.builders import documents
from tests.builders import generated as cd
from tests.emulator import KubeEmulator

ROOT = Path(__file__).resolve().parent.parent
SECRET_ID = "AKIDbadinputsecretid01"
SECRET_KEY = "bad-input-secret-key-never-printed"

# Commands that read cluster state from --snapshot, and the output flag each takes.
SNAPSHOT_READERS: dict[str, list[str]] = {
    "simulate": ["-o", "json"], "explain": ["-o", "json"], "consolidate": ["-o", "json"],
    "catalog": ["-o", "json"], "snapshot": ["-o", "json"], "tui": [],
}
# Read-only commands that read the live cluster (tui is run separately, in a process).
LIVE_READERS = ("simulate", "explain", "consolidate", "catalog", "snapshot")
WITH_CATALOG = ("simulate", "explain", "consolidate", "catalog", "tui")
WITH_OUTPUT = ("simulate", "explain", "consolidate", "catalog", "snapshot", "version", "apply")


# --------------------------------------------------------------------------- helpers

def invoke(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    status = run(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_error(status: int, out: str, err: str, *fragments: str, code: int = 1) -> str:
    """Exactly one ``error:`` line on stderr, naming every fragment; nothing on stdout."""
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("error: "), err
    assert "internal error" not in line, err
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert status == code, err
    assert out == ""
    return line


def assert_noted(status: int, out: str, err: str, *fragments: str) -> None:
    """Not an error: the command succeeds and says on stderr what it skipped."""
    assert "Traceback" not in out + err
    assert status == 0, err
    assert not [line for line in err.splitlines() if line.startswith("error")], err
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert any(all(f in line for f in fragments) for line in notes), err


def pod(cpu: str = "100m", memory: str = "64Mi", name: str = "web") -> dict[str, Any]:
    return documents.pod(name, cpu=cpu, memory=memory)


def node_pool(name: str = "big", *, api_version: str = "karpenter.sh/v1",
              operator: str = "In", limits: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = documents.node_pool(name, requirements=[{"key": "karpenter.sh/capacity-type",
                                                   "operator": operator,
                                                   "values": ["on-demand"]}],
                              limits=limits or {"cpu": "100"}, ready=None)
    doc["apiVersion"] = api_version
    return doc


PROVISIONER = {"apiVersion": "karpenter.sh/v1alpha5", "kind": "Provisioner",
               "metadata": {"name": "default"}, "spec": {"limits": {"resources": {"cpu": 10}}}}
GIZMO = {"apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": {"name": "g"}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "api", "namespace": "default"},
              "spec": {"replicas": "many", "template": {"spec": {"containers": [
                  {"name": "a", "resources": {"requests": {"cpu": "1"}}}]}}}}
BROKEN_CATALOG = {"kind": "InstanceTypeCatalog", "provider": "tke", "region": "ap-guangzhou",
                  "instanceTypes": [
                      {"name": "S5.MEDIUM4", "capacity": {"cpu": "2", "memory": "4Gi"},
                       "offerings": [{"zone": "100003", "pricePerHour": 0.1}]},
                      {"name": "S5.BROKEN", "capacity": {"cpu": "two", "memory": "4Gi"},
                       "offerings": [{"zone": "100003"}]}]}


def dump(*docs: Any) -> bytes:
    return yaml.safe_dump_all(docs, sort_keys=False).encode()


# A malformed YAML file whose second document breaks on line 10.
MALFORMED_YAML = (b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: ok\n---\napiVersion: v1\n"
                  b"kind: Pod\nmetadata:\n  name: bad\n   labels: x\nspec: {}\n")
MALFORMED_JSON = b'{"apiVersion": "v1", "kind": "Pod",\n "metadata": {"name": }}'


def snapshot_list(*docs: Any) -> bytes:
    """A file as `kubectl karp snapshot` writes it (read back by the fast List reader)."""
    stream = io.StringIO()
    write_list(list(docs), "yaml", stream)
    return stream.getvalue().encode()


def write(tmp_path: Path, name: str, content: bytes | None) -> str:
    """Write a file (``None``: an empty directory holding only a README) and return its path."""
    path = tmp_path / name
    if content is None:
        path.mkdir()
        (path / "README.txt").write_text("not a manifest\n", encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)


# id → (file name, content, fragments the one error line must contain; {path} = the path)
BAD_FILES: dict[str, tuple[str, bytes | None, tuple[str, ...]]] = {
    "malformed-yaml": ("cluster.yaml", MALFORMED_YAML,
                       ("{path}", "malformed YAML", "document 2", "line 10")),
    "malformed-json": ("cluster.json", MALFORMED_JSON,
                       ("{path}", "malformed JSON", "line 2 column 23")),
    "list-document": ("list.yaml", b"- a\n- b\n",
                      ("{path} document 1", "a mapping", "got list")),
    "scalar-second-document": ("scalar.yaml", dump(pod()) + b"---\n42\n",
                               ("{path} document 2", "a mapping", "got int")),
    "no-apiversion": ("noapi.yaml", b"kind: Pod\nmetadata: {name: x}\n",
                      ("{path} document 1", "Pod has no apiVersion")),
    "cpu-12-cores": ("cores.yaml", dump(pod(cpu="12 cores")),
                     ("{path} document 1 (Pod default/web)",
                      ".spec.containers[0].resources.requests.cpu", "'12 cores'")),
    "saved-list-item": ("saved.yaml", snapshot_list(node_pool("np"), pod(cpu="12 cores")),
                        ("{path} document 1 item 1 (Pod default/web)",
                         ".spec.containers[0].resources.requests.cpu", "'12 cores'")),
    "cpu-1e999": ("exp.yaml", dump(pod(cpu="1e999")),
                  ("(Pod default/web)", "requests.cpu", "'1e999'")),
    "memory-huge-Ei": ("ei.yaml", dump(pod(memory="99999999999999999999Ei")),
                       ("(Pod default/web)", "requests.memory", "out of range")),
    "cpu-negative": ("neg.yaml", dump(pod(cpu="-500m")),
                     ("(Pod default/web)", "requests.cpu", "must not be negative")),
    "nodepool-limit": ("np.yaml", dump(node_pool(limits={"cpu": "lots"})),
                       ("{path} document 1 (NodePool big)", "spec.limits.cpu", "'lots'")),
    "nodepool-operator": ("npop.yaml", dump(node_pool(operator="Within")),
                          ("(NodePool big)", "requirements[0].operator", "'Within'")),
    "not-utf8": ("latin1.yaml", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\n",
                 ("{path}", "not a UTF-8 text file")),
    "directory-without-yaml": ("emptydir", None,
                               ("directory {path}", "no .yaml, .yml or .json files")),
    "missing-file": ("missing.yaml", b"", ("{path}", "no such file or directory")),
}


def bad_file(tmp_path: Path, case: str) -> tuple[str, list[str]]:
    name, content, fragments = BAD_FILES[case]
    path = str(tmp_path / name) if case == "missing-file" else write(tmp_path, name, content)
    return path, [f.replace("{path}", path) for f in fragments]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real kubeconfig, cloud credentials, metadata service or catalogue cache."""
    for var in ("KUBECONFIG", "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY",
                "TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_REGION", "KARP_DEBUG",
                "KARP_TENCENTCLOUD_ENDPOINT", "KUBERNETES_SERVICE_HOST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("KARP_TENCENTCLOUD_METADATA_ENDPOINT", f"http://127.0.0.1:{_closed_port()}/")
    monkeypatch.setenv("NO_COLOR", "1")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --------------------------------------------------------------------------- --snapshot FILE

@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("command", [c for c in SNAPSHOT_READERS if c != "tui"])
def test_bad_snapshot_file(command: str, case: str, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    path, fragments = bad_file(tmp_path, case)
    status, out, err = invoke(capsys, [command, "--snapshot", path,
                                       *SNAPSHOT_READERS[command]])
    assert_one_error(status, out, err, *fragments)


@pytest.mark.parametrize("case", ["malformed-yaml", "cpu-12-cores", "missing-file"])
def test_bad_snapshot_file_tui_fails_before_the_screen(case: str, tmp_path: Path) -> None:
    path, fragments = bad_file(tmp_path, case)
    result = subprocess.run([sys.executable, "-m", "kubectl_karp", "tui", "--snapshot", path],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            cwd=ROOT, timeout=60, check=False)
    assert_one_error(result.returncode, result.stdout, result.stderr, *fragments)


# id → (documents, fragments of the note that must be printed)
NOTED: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "unknown-kind": (dump(GIZMO, {"apiVersion": "v1", "kind": "Namespace",
                                  "metadata": {"name": "shop"}}),
                     ("ignored 1 object(s) of kind Gizmo",)),
    "nodepool-v9": (dump(node_pool("np9", api_version="karpenter.sh/v9")),
                    ("(NodePool np9)", "unknown API version karpenter.sh/v9")),
    "provisioner-v1alpha5": (dump(PROVISIONER),
                             ("(Provisioner default)", "pre-v1 Karpenter API",
                              "NodePool (karpenter.sh/v1)")),
    "empty-file": (b"", ("holds no Kubernetes objects",)),
    "only-comments": (b"# nothing here\n---\n---\n", ("holds no Kubernetes objects",)),
}


@pytest.mark.parametrize("case", list(NOTED))
@pytest.mark.parametrize("command", [c for c in SNAPSHOT_READERS if c != "tui"])
def test_skipped_input_is_a_note_not_an_error(command: str, case: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    content, fragments = NOTED[case]
    path = write(tmp_path, "state.yaml", content)
    status, out, err = invoke(capsys, [command, "--snapshot", path,
                                       *SNAPSHOT_READERS[command]])
    assert_noted(status, out, err, *fragments)
    json.loads(out)  # stdout stays one machine-readable document


# ------------------------------------------------------------------ -f, --what-if, --catalog

@pytest.mark.parametrize("case", ["malformed-yaml", "list-document", "cpu-12-cores",
                                  "cpu-1e999", "cpu-negative", "not-utf8", "missing-file"])
@pytest.mark.parametrize("command", ["simulate", "explain"])
def test_bad_hypothetical_workloads(command: str, case: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path, fragments = bad_file(tmp_path, case)
    status, out, err = invoke(capsys, [command, "--demo", "-f", path, "-o", "json"])
    assert_one_error(status, out, err, *fragments)


@pytest.mark.parametrize("command", ["simulate", "explain"])
def test_bad_workload_names_the_workload(command: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "deploy.yaml", dump(DEPLOYMENT))
    status, out, err = invoke(capsys, [command, "--demo", "-f", path])
    assert_one_error(status, out, err, f"{path} document 1 (Deployment default/api)",
                     ".spec.replicas", "'many'")


@pytest.mark.parametrize("case", ["nodepool-operator", "nodepool-limit", "malformed-yaml",
                                  "list-document"])
def test_bad_what_if(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, fragments = bad_file(tmp_path, case)
    status, out, err = invoke(capsys, ["simulate", "--demo", "--what-if", path, "-o", "json"])
    assert_one_error(status, out, err, *fragments)


@pytest.mark.parametrize("case", ["nodepool-v9", "provisioner-v1alpha5"])
def test_what_if_with_skipped_objects_says_so(case: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    content, fragments = NOTED[case]
    path = write(tmp_path, "whatif.yaml", content)
    status, out, err = invoke(capsys, ["simulate", "--demo", "--what-if", path, "-o", "json"])
    assert status == 3  # the demo's pending pods; the skipped object changed nothing
    assert_noted(0, out, err, path, *fragments)


@pytest.mark.parametrize("command", WITH_CATALOG)
def test_broken_catalogue_names_instance_type_and_field(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "catalog.yaml", dump(BROKEN_CATALOG))
    fragments = (f"{path} document 1", "instance type S5.BROKEN", "capacity.cpu", "'two'")
    if command == "tui":
        result = subprocess.run([sys.executable, "-m", "kubectl_karp", "tui", "--demo",
                                 "--catalog", path], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, cwd=ROOT, timeout=60, check=False)
        assert_one_error(result.returncode, result.stdout, result.stderr, *fragments)
        return
    status, out, err = invoke(capsys, [command, "--demo", "--catalog", path, "-o", "json"])
    assert_one_error(status, out, err, *fragments)


def test_catalogue_file_without_a_catalogue(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "pods.yaml", dump(pod()))
    status, out, err = invoke(capsys, ["catalog", "--catalog", path])
    assert_one_error(status, out, err, path, "no kind: InstanceTypeCatalog")


# --------------------------------------------------------------------------- flags (usage: 2)

USAGE: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("simulate", ["--replicas", "web=notanumber"], ("--replicas", "'web=notanumber'")),
    ("consolidate", ["--now", "notatime"], ("--now", "'notatime'", "RFC 3339")),
    ("consolidate", ["--now", "2026-03-02T12:00:00"], ("--now", "time zone")),
    ("simulate", ["-l", "a in (b"], ("--selector", "'a in (b'")),
    ("explain", ["-l", "a in (b"], ("--selector", "'a in (b'")),
    ("simulate", ["-l", "=x"], ("--selector",)),
    ("simulate", ["--request-timeout", "soon"], ("--request-timeout", "'soon'")),
    *((c, ["-o", "bogus"], ("--output", "'bogus'")) for c in WITH_OUTPUT),
]


@pytest.mark.parametrize(("command", "args", "fragments"), USAGE,
                         ids=[f"{c}{'_'.join(a)}" for c, a, _ in USAGE])
def test_bad_flag_is_a_usage_error_before_any_request(
        command: str, args: list[str], fragments: tuple[str, ...], tmp_path: Path,
        k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    k8s.add_all(cd.small_cluster())
    k8s.clear_requests()
    extra = ["-f", write(tmp_path, "pod.yaml", dump(pod()))] if command in (
        "simulate", "apply") else []
    status, out, err = invoke(capsys, [command, *args, *extra, *k8s.cli_args])
    assert_one_error(status, out, err, *fragments, code=2)
    assert k8s.requests == []  # refused before the cluster was asked anything


# --------------------------------------------------------------------------- the live cluster

def _live(k8s: KubeEmulator, scenario: str) -> None:
    docs = cd.small_cluster()
    if scenario == "no-karpenter":
        docs = [d for d in docs if not d["apiVersion"].startswith("karpenter")]
    k8s.add_all(docs)
    if scenario == "forbidden-pods":
        k8s.fail("/api/v1/pods", 403)
    elif scenario == "forbidden-nodepools":
        k8s.fail("/apis/karpenter.sh/v1/nodepools", 403)
    elif scenario == "hanging":
        k8s.hang("/api/v1/pods", 30)
    elif scenario == "unreachable":
        k8s.stop()
    elif scenario == "malformed-nodepool":  # a CRD without validation lets anything in
        k8s.add(node_pool("big", limits={"cpu": "lots"}))
    k8s.clear_requests()


LIVE_FAILURES: dict[str, Callable[[KubeEmulator], tuple[str, ...]]] = {
    "unreachable": lambda k: ("cannot reach the Kubernetes API server at", k.url,
                              "connection refused"),
    "hanging": lambda k: ("cannot reach the Kubernetes API server at", k.url,
                          "no answer within 1s (--request-timeout)"),
    "forbidden-pods": lambda k: ("forbidden: cannot list pods",
                                 "system:serviceaccount:default:reader"),
    "forbidden-nodepools": lambda k: ("forbidden: cannot list nodepools.karpenter.sh",),
    "no-karpenter": lambda k: ("Karpenter is not installed in context emulator",
                               "no karpenter.sh NodePool CRD"),
    "malformed-nodepool": lambda k: ("context emulator (NodePool big).spec.limits.cpu",
                                     "invalid quantity 'lots'"),
}


@pytest.mark.parametrize("scenario", list(LIVE_FAILURES))
@pytest.mark.parametrize("command", LIVE_READERS)
def test_live_cluster_failure(command: str, scenario: str, k8s: KubeEmulator,
                              capsys: pytest.CaptureFixture[str]) -> None:
    _live(k8s, scenario)
    status, out, err = invoke(capsys, [command, *k8s.cli_args, "--request-timeout", "1s",
                                       *SNAPSHOT_READERS[command]])
    if command == "snapshot" and scenario == "malformed-nodepool":
        # Written as read, so the object the model rejects reaches the bug report.
        assert status == 0 and "Traceback" not in err
        saved = {d["metadata"]["name"]: d for d in json.loads(out)["items"]
                 if d["kind"] == "NodePool"}
        assert saved["big"]["spec"]["limits"] == {"cpu": "lots"}
    elif scenario == "no-karpenter" and command == "snapshot":
        # Saving state for a bug report works without Karpenter; it says what is missing.
        assert_noted(status, out, err, *LIVE_FAILURES[scenario](k8s))
    else:
        assert_one_error(status, out, err, *LIVE_FAILURES[scenario](k8s))
    # How long failing takes is measured in benchmarks/failure_latency.py, not asserted here.
    if scenario != "unreachable":
        assert k8s.requests, "the emulator was never asked"
        assert k8s.writes() == []


@pytest.mark.parametrize("scenario", ["unreachable", "hanging"])
def test_version_reports_the_server_failure(scenario: str, k8s: KubeEmulator,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _live(k8s, scenario)
    if scenario == "hanging":
        k8s.hang("/version", 30)
        k8s.hang("/apis", 30)
    status, out, err = invoke(capsys, ["version", *k8s.cli_args, "--request-timeout", "1s"])
    # Like kubectl: the client version on stdout, then the failure.
    assert out.startswith("Client Version: v")
    assert_one_error(status, "", err, "cannot reach the Kubernetes API server at", k8s.url)
    assert k8s.writes() == []


def test_version_without_karpenter_is_a_note(k8s: KubeEmulator,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _live(k8s, "no-karpenter")
    status, out, err = invoke(capsys, ["version", *k8s.cli_args])
    assert "Server Version: v1.30.4" in out
    assert_noted(status, "", err, "Karpenter is not installed in context emulator")
    assert k8s.writes() == []


@pytest.mark.parametrize("scenario", ["unreachable", "no-karpenter"])
def test_tui_live_failure_is_one_line_and_no_screen(scenario: str, k8s: KubeEmulator) -> None:
    _live(k8s, scenario)
    result = subprocess.run([sys.executable, "-m", "kubectl_karp", "tui", *k8s.cli_args,
                             "--request-timeout", "2s"], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, cwd=ROOT, timeout=60, check=False)
    assert_one_error(result.returncode, result.stdout, result.stderr,
                     *LIVE_FAILURES[scenario](k8s))
    if scenario != "unreachable":
        assert k8s.writes() == []


def test_kubeconfig_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nope.kubeconfig")
    status, out, err = invoke(capsys, ["simulate", "--kubeconfig", missing])
    assert_one_error(status, out, err, f"kubeconfig {missing}: no such file")
    broken = write(tmp_path, "broken.kubeconfig", b"apiVersion: v1\nclusters: [\n")
    status, out, err = invoke(capsys, ["explain", "--kubeconfig", broken])
    assert_one_error(status, out, err, f"kubeconfig {broken}: cannot be read")
    listed = write(tmp_path, "list.kubeconfig", b"- a\n")
    status, out, err = invoke(capsys, ["consolidate", "--kubeconfig", listed])
    assert_one_error(status, out, err, f"kubeconfig {listed}: not a kubeconfig")


def test_unknown_context(k8s: KubeEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = invoke(capsys, ["snapshot", *k8s.cli_args, "--context", "prod"])
    assert_one_error(status, out, err, "context 'prod' not found", "known: emulator")
    assert k8s.requests == []


# --------------------------------------------------------------------------- Tencent Cloud API

def _tencent_error(code: str, message: str) -> Response:
    return Response(json.dumps({"Response": {"Error": {"Code": code, "Message": message},
                                             "RequestId": "req-bad"}}),
                    content_type="application/json")


class FakeCvm:
    """A Tencent Cloud endpoint (TKE): every action gets ``answer`` (default: AuthFailure);
    ``actions`` logs what was asked."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self.answer: Response | None = None

    def __call__(self, request: Request) -> Response:
        self.actions.append(request.headers.get("X-TC-Action", ""))
        return self.answer or _tencent_error(
            "AuthFailure.SecretIdNotFound",
            f"The SecretId {SECRET_ID} is not found, please ensure that your SecretId exists")


@pytest.fixture
def tencent(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeCvm:
    fake = FakeCvm()
    httpserver.expect_request("/").respond_with_handler(fake)
    monkeypatch.setenv("KARP_TENCENTCLOUD_ENDPOINT", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    return fake


def _assert_no_secret(out: str, err: str) -> None:
    assert SECRET_KEY not in out + err
    assert SECRET_ID not in out + err


def test_bad_tencent_credentials_catalog(tencent: FakeCvm,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = invoke(capsys, ["catalog", "--provider", "tke", "--region",
                                       "ap-guangzhou"])
    assert_one_error(status, out, err,
                     "Tencent Cloud API DescribeZoneInstanceConfigInfos (ap-guangzhou)",
                     "refused the credentials from environment TENCENTCLOUD_SECRET_ID",
                     "AuthFailure.SecretIdNotFound")
    _assert_no_secret(out, err)
    # no retries of a credentials failure
    assert tencent.actions == ["DescribeZoneInstanceConfigInfos"]


@pytest.mark.parametrize("command", ["simulate", "explain", "consolidate", "catalog"])
def test_bad_tencent_credentials_live_cluster(command: str, tencent: FakeCvm,
                                              k8s: KubeEmulator,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    _live(k8s, "ok")
    status, out, err = invoke(capsys, [command, *k8s.cli_args])
    assert_one_error(status, out, err, "refused the credentials from environment "
                     "TENCENTCLOUD_SECRET_ID")
    _assert_no_secret(out, err)
    assert tencent.actions and k8s.writes() == []


def test_tencent_api_error(tencent: FakeCvm, capsys: pytest.CaptureFixture[str]) -> None:
    tencent.answer = _tencent_error(
        "UnsupportedOperation", "The region does not support this operation")
    status, out, err = invoke(capsys, ["catalog", "--region", "ap-guangzhou"])
    assert_one_error(status, out, err,
                     "Tencent Cloud API DescribeZoneInstanceConfigInfos (ap-guangzhou) failed",
                     "UnsupportedOperation")


def test_tencent_answer_that_is_not_json(tencent: FakeCvm,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    tencent.answer = Response("<html>gateway</html>", status=200,
                                                    content_type="text/html")
    status, out, err = invoke(capsys, ["catalog", "--region", "ap-guangzhou"])
    assert_one_error(status, out, err,
                     "Tencent Cloud API DescribeZoneInstanceConfigInfos (ap-guangzhou)")


# --------------------------------------------------------------------------- real processes

def _shell(script: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``script`` under bash with $PY = this Python; args are $1, $2, …"""
    return subprocess.run(["bash", "-c", script, "bash", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout, check=False,
                          env={**os.environ, "PY": sys.executable})


@pytest.mark.parametrize("command", ["simulate", "explain", "consolidate", "catalog",
                                     "snapshot"])
def test_process_bad_file_with_stdin_closed_under_head(command: str, tmp_path: Path) -> None:
    path, fragments = bad_file(tmp_path, "cpu-12-cores")
    result = _shell(f'"$PY" -m kubectl_karp {command} --snapshot "$1" <&- | head -1; '
                    'exit "${PIPESTATUS[0]}"', path)
    assert_one_error(result.returncode, result.stdout, result.stderr, *fragments)


@pytest.mark.parametrize("args", [["snapshot", "--demo"], ["snapshot", "--demo", "-o", "json"],
                                  ["catalog", "--demo", "-o", "yaml"]])
def test_process_broken_pipe_is_quiet(args: list[str]) -> None:
    result = _shell('"$PY" -m kubectl_karp "$@" | head -1', *args)
    assert result.stdout.strip()
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("error")]


@pytest.mark.parametrize("args", [["simulate", "--snapshot", "-"],
                                  ["simulate", "--demo", "-f", "-"],
                                  ["explain", "--demo", "-f", "-"],
                                  ["apply", "-f", "-", "--dry-run=client"]])
def test_process_reading_a_closed_stdin(args: list[str]) -> None:
    result = _shell('"$PY" -m kubectl_karp "$@" <&-', *args)
    assert_one_error(result.returncode, result.stdout, result.stderr,
                     "stdin: it is closed, so there is nothing to read for '-'")


def test_process_closed_stdout_and_stderr(tmp_path: Path) -> None:
    result = _shell('"$PY" -m kubectl_karp snapshot --demo -o json >&- 2>"$1"; echo "$?"',
                    str(tmp_path / "err"))
    assert result.stdout.strip() == "0"
    assert (tmp_path / "err").read_text(encoding="utf-8") == ""
    path, _ = bad_file(tmp_path, "cpu-12-cores")
    result = _shell('"$PY" -m kubectl_karp simulate --snapshot "$1" 2>&-', path)
    assert result.returncode == 1 and result.stdout == "" and result.stderr == ""


def test_process_apply_without_a_terminal_to_confirm_on(tmp_path: Path) -> None:
    from tests.apply.conftest import install, seed_doc
    from tests.apply.ssa import ApplyEmulator

    with ApplyEmulator(tmp_path) as cluster:
        install(cluster)
        cluster.clear_requests()
        doc = seed_doc("nodepool.yaml")
        path = write(tmp_path, "np.yaml", dump(doc))
        result = _shell('"$PY" -m kubectl_karp apply -f "$1" --kubeconfig "$2" <&-', path,
                        str(cluster.kubeconfig))
        assert "Traceback" not in result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
        assert errors == ["error: not applied: there is no terminal to confirm on; re-run "
                          "with --yes (and --diff to review the changes)"], result.stderr
        assert result.returncode == 1
        assert cluster.writes() == []


@pytest.mark.parametrize("case", ["malformed-yaml", "malformed-json", "list-document",
                                  "not-utf8", "missing-file", "directory-without-yaml"])
def test_apply_bad_file_writes_nothing(case: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from tests.apply.conftest import install
    from tests.apply.ssa import ApplyEmulator

    path, _ = bad_file(tmp_path, case)
    with ApplyEmulator(tmp_path) as cluster:
        install(cluster)
        cluster.clear_requests()
        status, out, err = invoke(capsys, ["apply", "-f", path, "--yes", *cluster.cli_args])
        # apply reads files with its own line-numbered reader: the file is always named.
        assert_one_error(status, out, err, path)
        assert cluster.writes() == []


# --------------------------------------------------------------------------- explain and tui

def test_explain_target_from_snapshot_names_the_file(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    doc = {**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "replicas": 2}}
    doc["spec"]["template"] = {"spec": {"containers": [
        {"name": "a", "resources": {"requests": {"cpu": "12 cores"}}}]}}
    path = write(tmp_path, "deploy.yaml", dump(doc))
    status, out, err = invoke(capsys, ["explain", "deployment/api", "--snapshot", path])
    assert_one_error(status, out, err, f"{path} document 1 (Deployment default/api)",
                     "requests.cpu", "'12 cores'")


def test_explain_missing_target_is_an_error_not_usage(
        capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = invoke(capsys, ["explain", "--demo", "deployment/missing"])
    assert_one_error(status, out, err, "deployment/missing not found")


def test_tui_forbidden_pods_fails_before_the_screen(k8s: KubeEmulator) -> None:
    _live(k8s, "forbidden-pods")
    try:
        result = subprocess.run([sys.executable, "-m", "kubectl_karp", "tui", *k8s.cli_args,
                                 "--request-timeout", "2s"], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, cwd=ROOT, timeout=15, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("tui kept running (a screen was opened) instead of failing")
    assert_one_error(result.returncode, result.stdout, result.stderr,
                     *LIVE_FAILURES["forbidden-pods"](k8s))
    assert k8s.writes() == []
