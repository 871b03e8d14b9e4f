"""data/compiled.json: the package data's YAML decoded ahead of time, never a different answer."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from kubectl_karp.sources import packaged
from kubectl_karp.sources.files import parse_text

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "kubectl_karp" / "data"
FILES = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.yaml"))


def _label(rel: str) -> str:
    return f"demo/{Path(rel).name}" if rel.startswith("demo/") else f"bundled:{Path(rel).stem}"


@pytest.mark.parametrize("rel", FILES)
def test_compiled_documents_equal_the_yaml(rel: str) -> None:
    text = resources.files(packaged.PACKAGE).joinpath(rel).read_text(encoding="utf-8")
    entry = packaged._compiled().get(rel)
    assert entry is not None and entry["sha256"] == packaged.digest(text), \
        "data/compiled.json is stale: run python scripts/gen_package_data.py"
    assert packaged.package_documents(rel, _label(rel)) == parse_text(text, _label(rel))


def test_a_stale_entry_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    rel = "catalogs/tke.yaml"
    stale: dict[str, Any] = {rel: {"sha256": "0" * 64, "documents": [[1, {"kind": "Wrong"}]]}}
    monkeypatch.setattr(packaged, "_compiled", lambda: stale)
    packaged._encoded.cache_clear()
    docs = packaged.package_documents(rel, "bundled:tke")
    assert docs and all(d.get("kind") != "Wrong" for d, _ in docs)
    # And a current-looking entry is what is read (so the test above can fail):
    text = resources.files(packaged.PACKAGE).joinpath(rel).read_text(encoding="utf-8")
    fresh = {rel: {"sha256": packaged.digest(text), "documents": [[1, {"kind": "Marked"}]]}}
    monkeypatch.setattr(packaged, "_compiled", lambda: fresh)
    packaged._encoded.cache_clear()
    assert packaged.package_documents(rel, "bundled:tke") == [({"kind": "Marked"},
                                                               "bundled:tke document 1")]
    packaged._encoded.cache_clear()


def test_each_caller_gets_its_own_documents() -> None:
    first = packaged.package_documents("demo/10-karpenter.yaml", "demo/10-karpenter.yaml")
    first[0][0]["kind"] = "Edited"
    again = packaged.package_documents("demo/10-karpenter.yaml", "demo/10-karpenter.yaml")
    assert again[0][0]["kind"] != "Edited"


def test_the_generator_check_passes() -> None:
    result = subprocess.run([sys.executable, "scripts/gen_package_data.py", "--check"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
