#!/usr/bin/env python3
"""Build the krew release archive for this machine's platform and update krew-manifest.yaml.

    python scripts/build_release.py                  # build dist/kubectl-karp_v<V>_<os>_<arch>.*
    python scripts/build_release.py --manifest-only  # only re-hash archives already in dist/

PyInstaller cannot cross-compile, so each platform's archive is built by running this same
command on that platform (see docs/release.md for the CI matrix); the release job then
gathers every archive into dist/ and runs ``--manifest-only`` to fill in all checksums.

Each archive holds ``kubectl-karp`` (one self-contained executable), ``kubectl_complete-karp``
(a small wrapper that runs kubectl-karp in completion mode, so completion needs no second
copy of the Python runtime) and LICENSE.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "krew-manifest.yaml"
RELEASE_URL = "https://github.com/kubectl-karp/kubectl-karp/releases/download"
PLACEHOLDER_SHA = "0" * 64
# A fixed timestamp keeps archives byte-identical for identical inputs (2024-01-01 UTC).
EPOCH = 1704067200

# Modules reached only through importlib or lazy attribute access, which PyInstaller's static
# analysis cannot see: our lazily imported commands and sources, Textual's widgets (loaded
# by textual.widgets.__getattr__), Rich's Unicode tables, the Tencent SDK's versioned clients.
COLLECT_SUBMODULES = ("kubectl_karp", "textual", "rich", "tencentcloud", "kubernetes")
COLLECT_DATA = ("kubectl_karp", "textual", "tencentcloud")
# Installed for tests and development, or parts of a dependency we never use; each one
# unpacked on every start of a one-file executable costs time. kubernetes.aio (the asyncio
# client, as large as the rest of the client) is reached only through collect-submodules.
EXCLUDE = ("tkinter", "pytest", "_pytest", "hypothesis", "IPython", "mypy", "ruff",
           "pytest_textual_snapshot", "kmock", "PyInstaller", "setuptools", "pip",
           "kubernetes.aio", "kubernetes.test", "kubernetes.e2e_test", "aiohttp",
           "textual.demo")

UNIX_COMPLETE = """\
#!/bin/sh
# kubectl (>= 1.26) runs this for `kubectl karp <TAB>`; kubectl-karp itself computes the
# answer when _KUBECTL_KARP_COMPLETE=cobra, so there is one executable to keep in step.
_KUBECTL_KARP_COMPLETE=cobra
export _KUBECTL_KARP_COMPLETE
dir=$(dirname -- "$0")
if [ -x "$dir/kubectl-karp" ]; then
  exec "$dir/kubectl-karp" "$@"
fi
exec kubectl-karp "$@"
"""

WINDOWS_COMPLETE = """\
@echo off
rem kubectl runs this for `kubectl karp <TAB>`; kubectl-karp.exe computes the answer.
setlocal
set _KUBECTL_KARP_COMPLETE=cobra
"%~dp0kubectl-karp.exe" %*
"""


def package_version() -> str:
    text = (ROOT / "kubectl_karp" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not match:
        sys.exit("error: no __version__ in kubectl_karp/__init__.py")
    return match.group(1)


def host_platform() -> tuple[str, str]:
    system = {"linux": "linux", "darwin": "darwin", "win32": "windows"}.get(sys.platform)
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"
            }.get(machine)
    if system is None or arch is None:
        sys.exit(f"error: unsupported build platform {sys.platform}/{machine}")
    return system, arch


def archive_name(version: str, os_name: str, arch: str) -> str:
    ext = "zip" if os_name == "windows" else "tar.gz"
    return f"kubectl-karp_v{version}_{os_name}_{arch}.{ext}"


def archive_uri(version: str, os_name: str, arch: str) -> str:
    return f"{RELEASE_URL}/v{version}/{archive_name(version, os_name, arch)}"


def pyinstaller(work: Path, os_name: str) -> Path:
    """Run PyInstaller (one-file mode) and return the built executable."""
    entry = work / "kubectl_karp_entry.py"
    entry.write_text("from kubectl_karp.cli.app import main\n\nmain()\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "PyInstaller", "--onefile", "--noconfirm", "--clean",
           "--name", "kubectl-karp", "--distpath", str(work / "dist"),
           "--workpath", str(work / "build"), "--specpath", str(work),
           "--paths", str(ROOT)]
    for module in COLLECT_SUBMODULES:
        cmd += ["--collect-submodules", module]
    for module in COLLECT_DATA:
        cmd += ["--collect-data", module]
    for module in EXCLUDE:
        cmd += ["--exclude-module", module]
    cmd.append(str(entry))
    print("+", " ".join(cmd), flush=True)
    # PYTHONPATH lets PyInstaller's isolated collection step import an uninstalled checkout.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    subprocess.run(cmd, check=True, cwd=work, env=env)
    exe = work / "dist" / ("kubectl-karp.exe" if os_name == "windows" else "kubectl-karp")
    if not exe.is_file():
        sys.exit(f"error: PyInstaller produced no {exe.name}")
    return exe


def _tar_add(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, EPOCH
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def write_archive(path: Path, exe: Path, os_name: str) -> None:
    license_text = (ROOT / "LICENSE").read_bytes()
    if os_name == "windows":
        members = [("kubectl-karp.exe", exe.read_bytes(), 0o755),
                   ("kubectl_complete-karp.cmd", WINDOWS_COMPLETE.replace("\n", "\r\n").encode(),
                    0o755),
                   ("LICENSE", license_text, 0o644)]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data, mode in members:
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        return
    members = [("kubectl-karp", exe.read_bytes(), 0o755),
               ("kubectl_complete-karp", UNIX_COMPLETE.encode(), 0o755),
               ("LICENSE", license_text, 0o644)]
    # gzip's header carries a timestamp too: write it through GzipFile with mtime fixed.
    import gzip

    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=EPOCH) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in members:
            _tar_add(tar, name, data, mode)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_PLATFORM_START = re.compile(r"^\s*- selector:\s*$")
_LABEL = re.compile(r"^\s*(os|arch):\s*(\S+)\s*$")
_FIELD = re.compile(r"^(\s*)(uri|sha256):\s*\S*\s*$")
_VERSION = re.compile(r"^(\s*)version:\s*\S+\s*$")


def update_manifest(text: str, version: str, checksums: dict[tuple[str, str], str]) -> str:
    """Set spec.version and every platform's uri; set sha256 where an archive was hashed.

    A platform whose uri changes (a new version) but was not hashed gets the all-zero
    placeholder: a stale checksum would look valid and fail only at install time. Edits are
    line-based so comments and layout survive. Checksums are quoted: YAML reads an
    all-digit value (such as the placeholder) as a number.
    """
    out: list[str] = []
    labels: dict[str, str] = {}
    uri_changed = False
    for line in text.splitlines(keepends=True):
        if _PLATFORM_START.match(line):
            labels, uri_changed = {}, False
        label = _LABEL.match(line)
        if label:
            labels[label.group(1)] = label.group(2).strip("\"'")
        version_line = _VERSION.match(line)
        field = _FIELD.match(line)
        if version_line and not labels:
            line = f"{version_line.group(1)}version: v{version}\n"
        elif field and "os" in labels and "arch" in labels:
            key = (labels["os"], labels["arch"])
            indent, name = field.group(1), field.group(2)
            if name == "uri":
                uri = archive_uri(version, *key)
                uri_changed = uri not in line
                line = f"{indent}uri: {uri}\n"
            elif key in checksums:
                line = f'{indent}sha256: "{checksums[key]}"\n'
            elif uri_changed:
                line = f'{indent}sha256: "{PLACEHOLDER_SHA}"\n'
        out.append(line)
    return "".join(out)


_ARCHIVE = re.compile(r"^kubectl-karp_v(?P<v>[^_]+)_(?P<os>[a-z]+)_(?P<arch>[a-z0-9]+)"
                      r"\.(?:tar\.gz|zip)$")


def hash_archives(dist: Path, version: str) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for path in sorted(dist.glob("kubectl-karp_v*")):
        match = _ARCHIVE.match(path.name)
        if match and match.group("v") == version:
            found[(match.group("os"), match.group("arch"))] = sha256_file(path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="where archives are written and looked for (default: dist/)")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--manifest-only", action="store_true",
                        help="build nothing; hash the archives in --dist and update the manifest")
    parser.add_argument("--no-manifest", action="store_true",
                        help="build the archive but leave the manifest alone")
    args = parser.parse_args(argv)

    version = package_version()
    args.dist.mkdir(parents=True, exist_ok=True)
    if not args.manifest_only:
        os_name, arch = host_platform()
        with tempfile.TemporaryDirectory(prefix="karp-build-") as tmp:
            exe = pyinstaller(Path(tmp), os_name)
            target = args.dist / archive_name(version, os_name, arch)
            write_archive(target, exe, os_name)
        print(f"built {target} ({target.stat().st_size / 1e6:.1f} MB) "
              f"sha256 {sha256_file(target)}")
    if args.no_manifest:
        return 0
    checksums = hash_archives(args.dist, version)
    if not checksums:
        print(f"error: no archives for v{version} in {args.dist}", file=sys.stderr)
        return 1
    text = args.manifest.read_text(encoding="utf-8")
    updated = update_manifest(text, version, checksums)
    if updated != text:
        args.manifest.write_text(updated, encoding="utf-8")
    for (os_name, arch), digest in sorted(checksums.items()):
        print(f"manifest: {os_name}/{arch} sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
