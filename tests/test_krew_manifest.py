"""krew-manifest.yaml follows krew's plugin manifest rules and matches the package version."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

import kubectl_karp

ROOT = Path(__file__).resolve().parent.parent
OS_VALUES = {"linux", "darwin", "windows"}
ARCH_VALUES = {"amd64", "arm64", "386", "arm", "ppc64le", "s390x"}
REQUIRED_PLATFORMS = {("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"),
                      ("darwin", "arm64")}
SEMVER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


@pytest.fixture(scope="module")
def manifest() -> Mapping[str, Any]:
    data = yaml.safe_load((ROOT / "krew-manifest.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, Mapping)
    return data


@pytest.fixture(scope="module")
def platforms(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = manifest["spec"]["platforms"]
    assert isinstance(items, list) and items
    return items


def test_header(manifest: Mapping[str, Any]) -> None:
    assert manifest["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2"
    assert manifest["kind"] == "Plugin"
    assert re.fullmatch(r"[a-z0-9-]+", manifest["metadata"]["name"])


def test_version_is_the_package_version(manifest: Mapping[str, Any]) -> None:
    version = manifest["spec"]["version"]
    assert SEMVER.match(version), version
    # tomllib is 3.11+; the [project] version line is simple enough to read directly.
    pyproject = re.search(r'^version = "([^"]+)"$',
                          (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert pyproject is not None
    assert version == f"v{kubectl_karp.__version__}"
    assert version == f"v{pyproject.group(1)}"


def test_texts(manifest: Mapping[str, Any]) -> None:
    spec = manifest["spec"]
    homepage = urlparse(spec["homepage"])
    assert homepage.scheme == "https" and homepage.netloc
    short = spec["shortDescription"]
    # krew's guideline: a one-line summary that fits the `kubectl krew search` column.
    assert isinstance(short, str) and 0 < len(short) <= 60 and "\n" not in short.strip()
    description = spec["description"]
    assert "Karpenter" in description
    for cloud in ("TKE", "EKS", "ACK", "CCE"):
        assert cloud in description
    caveats = spec["caveats"]
    assert "CRD" in caveats and "TENCENTCLOUD" in caveats


def test_platforms_are_distinct_and_complete(platforms: list[Mapping[str, Any]]) -> None:
    seen: list[tuple[str, str]] = []
    for platform in platforms:
        labels = platform["selector"]["matchLabels"]
        assert set(labels) == {"os", "arch"}, labels
        assert labels["os"] in OS_VALUES and labels["arch"] in ARCH_VALUES
        seen.append((labels["os"], labels["arch"]))
    assert len(seen) == len(set(seen)), f"duplicate os/arch: {seen}"
    assert set(seen) >= REQUIRED_PLATFORMS


def test_each_platform_is_installable(manifest: Mapping[str, Any],
                                      platforms: list[Mapping[str, Any]]) -> None:
    version = manifest["spec"]["version"]
    for platform in platforms:
        labels = platform["selector"]["matchLabels"]
        uri = urlparse(platform["uri"])
        assert uri.scheme == "https" and uri.netloc, platform["uri"]
        archive = uri.path.rsplit("/", 1)[-1]
        ext = "zip" if labels["os"] == "windows" else "tar.gz"
        assert archive == f"kubectl-karp_{version}_{labels['os']}_{labels['arch']}.{ext}"
        assert f"/download/{version}/" in uri.path
        assert re.fullmatch(r"[0-9a-f]{64}", platform["sha256"]), platform["sha256"]
        files = platform["files"]
        assert files and all(set(f) == {"from", "to"} and f["from"] and f["to"] for f in files)
        # krew links `bin` from the installation directory, so it must be copied there.
        installed = {Path(f["to"], Path(f["from"]).name).as_posix().removeprefix("./")
                     for f in files}
        bin_ = platform["bin"]
        assert bin_ in installed
        suffix = ".exe" if labels["os"] == "windows" else ""
        assert bin_ == f"kubectl-karp{suffix}"
        assert any(name.startswith("kubectl_complete-karp") for name in installed)
        assert "LICENSE" in installed


def test_the_built_platform_has_a_real_checksum(platforms: list[Mapping[str, Any]]) -> None:
    # linux/amd64 is built with the repository; its checksum is never the placeholder.
    (linux,) = [p for p in platforms
                if p["selector"]["matchLabels"] == {"os": "linux", "arch": "amd64"}]
    assert linux["sha256"] != "0" * 64
