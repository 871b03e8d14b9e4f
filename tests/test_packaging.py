"""Packaging: one version everywhere, the wheel's contents, the release archive tooling."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
import yaml

import kubectl_karp
from kubectl_karp.cli.app import run

ROOT = Path(__file__).resolve().parent.parent
VERSION = kubectl_karp.__version__


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build_release = _load_script("build_release")


def test_version_command_matches_the_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = yaml.safe_load((ROOT / "krew-manifest.yaml").read_text(encoding="utf-8"))
    assert run(["version", "--client"]) == 0
    out = capsys.readouterr().out
    assert f"Client Version: {manifest['spec']['version']} " in out
    assert build_release.package_version() == VERSION


# --------------------------------------------------------------------------- build_release

MANIFEST = """\
spec:
  version: v0.0.9
  platforms:
  - selector:
      matchLabels:
        os: linux
        arch: amd64
    # a comment that must survive
    uri: https://example.invalid/old.tar.gz
    sha256: {old}
    bin: kubectl-karp
  - selector:
      matchLabels:
        os: windows
        arch: amd64
    uri: https://example.invalid/old.zip
    sha256: {old}
    bin: kubectl-karp.exe
"""


def test_update_manifest_sets_version_uris_and_checksums() -> None:
    text = MANIFEST.format(old="a" * 64)
    updated = build_release.update_manifest(text, "1.2.3", {("linux", "amd64"): "b" * 64})
    doc = yaml.safe_load(updated)
    assert doc["spec"]["version"] == "v1.2.3"
    linux, windows = doc["spec"]["platforms"]
    assert linux["uri"].endswith("/v1.2.3/kubectl-karp_v1.2.3_linux_amd64.tar.gz")
    assert linux["sha256"] == "b" * 64
    assert windows["uri"].endswith("/v1.2.3/kubectl-karp_v1.2.3_windows_amd64.zip")
    # Not rebuilt for the new version: its old checksum cannot be right any more.
    assert windows["sha256"] == "0" * 64
    assert "# a comment that must survive" in updated
    # Re-running with nothing new changes nothing.
    assert build_release.update_manifest(updated, "1.2.3", {}) == updated


def _members(path: Path) -> dict[str, tuple[int, bytes]]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            return {i.filename: ((i.external_attr >> 16) & 0o777, zf.read(i)) for i in
                    zf.infolist()}
    with tarfile.open(path) as tar:
        out: dict[str, tuple[int, bytes]] = {}
        for member in tar.getmembers():
            data = tar.extractfile(member)
            assert data is not None
            out[member.name] = (member.mode, data.read())
        return out


@pytest.mark.parametrize("os_name", ["linux", "windows"])
def test_archive_layout_matches_the_manifest(tmp_path: Path, os_name: str) -> None:
    exe = tmp_path / "exe"
    exe.write_bytes(b"\x7fELF stand-in")
    name = build_release.archive_name(VERSION, os_name, "amd64")
    first, second = tmp_path / "a" / name, tmp_path / "b" / name
    for target in (first, second):
        target.parent.mkdir()
        build_release.write_archive(target, exe, os_name)
    # Identical inputs give identical bytes, so a checksum can be reproduced.
    assert first.read_bytes() == second.read_bytes()
    members = _members(first)
    manifest = yaml.safe_load((ROOT / "krew-manifest.yaml").read_text(encoding="utf-8"))
    (platform,) = [p for p in manifest["spec"]["platforms"]
                   if p["selector"]["matchLabels"] == {"os": os_name, "arch": "amd64"}]
    assert set(members) == {f["from"] for f in platform["files"]}
    mode, data = members[platform["bin"]]
    assert data == exe.read_bytes() and mode & 0o111
    helper = next(n for n in members if n.startswith("kubectl_complete-karp"))
    assert members[helper][0] & 0o111
    assert b"_KUBECTL_KARP_COMPLETE" in members[helper][1]
    assert members["LICENSE"][1] == (ROOT / "LICENSE").read_bytes()
    assert platform["uri"].endswith("/" + name)


def test_completion_wrapper_runs_the_main_executable(tmp_path: Path) -> None:
    """The archive's kubectl_complete-karp hands kubectl's words to kubectl-karp."""
    if shutil.which("sh") is None:
        pytest.skip("no POSIX shell")
    fake = tmp_path / "kubectl-karp"
    fake.write_text('#!/bin/sh\nprintf "%s|" "$_KUBECTL_KARP_COMPLETE" "$@"\n')
    fake.chmod(0o755)
    wrapper = tmp_path / "kubectl_complete-karp"
    wrapper.write_text(build_release.UNIX_COMPLETE)
    wrapper.chmod(0o755)
    done = subprocess.run([str(wrapper), "simulate", "--nodepool", ""], capture_output=True,
                          text=True, check=True, env={"PATH": os.defpath})
    assert done.stdout == "cobra|simulate|--nodepool||"


def test_license_is_apache_2() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


# --------------------------------------------------------------------------- wheel

def _source_copy(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "kubectl_karp", src / "kubectl_karp",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return src


def test_wheel_holds_package_data_and_both_commands(tmp_path: Path) -> None:
    src = _source_copy(tmp_path)
    out = tmp_path / "wheels"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(src)], capture_output=True, text=True, timeout=600)
    # Skip only when pip could not download the build backend itself (no package index):
    # any other failure, including one that mentions a connection, is a real build failure.
    if done.returncode != 0 and re.search(
            r"(No matching distribution found for|Could not find a version that satisfies the "
            r"requirement) (setuptools|wheel)\b", done.stderr):
        pytest.skip("pip cannot fetch the build backend (offline)")
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("kubectl_karp-*.whl")
    assert wheel.name.startswith(f"kubectl_karp-{VERSION}-py3-none-any")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read(f"kubectl_karp-{VERSION}.dist-info/entry_points.txt").decode()
        metadata = zf.read(f"kubectl_karp-{VERSION}.dist-info/METADATA").decode()
    packaged = {n for n in names if n.startswith("kubectl_karp/data/")}
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "kubectl_karp" / "data").rglob("*")
               if p.is_file() and p.suffix in (".yaml", ".yml", ".json")}
    assert shipped and shipped <= packaged
    assert "kubectl_karp/py.typed" in names
    assert "kubectl-karp = kubectl_karp.cli.app:main" in entry_points
    assert "kubectl_complete-karp = kubectl_karp.cli.complete:main" in entry_points
    assert f"\nVersion: {VERSION}\n" in metadata

    # Installed into a throwaway environment (dependencies from this interpreter), both
    # console scripts work and agree on the version.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=300)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    version = subprocess.run(["kubectl-karp", "version", "--client"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, check=True, timeout=120).stdout
    assert f"Client Version: v{VERSION} " in version
    answer = subprocess.run(["kubectl_complete-karp", "simulate", "--demo", "--nodepool", ""],
                            env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
                            timeout=120).stdout
    assert answer.endswith(":4\n") and len(answer.splitlines()) >= 2


# --------------------------------------------------------------------------- release archive

@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("KARP_RELEASE_ARCHIVE"),
                    reason="set KARP_RELEASE_ARCHIVE to a built release archive")
def test_release_archive(tmp_path: Path) -> None:
    archive = Path(os.environ["KARP_RELEASE_ARCHIVE"])
    manifest = yaml.safe_load((ROOT / "krew-manifest.yaml").read_text(encoding="utf-8"))
    by_name = {p["uri"].rsplit("/", 1)[-1]: p for p in manifest["spec"]["platforms"]}
    assert archive.name in by_name, f"{archive.name} is not in krew-manifest.yaml"
    assert build_release.sha256_file(archive) == by_name[archive.name]["sha256"], \
        "krew-manifest.yaml has another checksum: run scripts/build_release.py --manifest-only"
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    done = subprocess.run(["sh", str(ROOT / "scripts" / "smoke_release.sh"), str(archive)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "== ok" in done.stdout
