"""The broken-manifest corpus: each file names the error it must produce (``# expect: …``);
applying it must fail with that error and leave the cluster untouched."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kubectl_karp.cli.app import run
from tests.apply.conftest import CATALOG, HERE
from tests.apply.ssa import ApplyEmulator

BROKEN = sorted((HERE / "broken").glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (.+)$", re.MULTILINE)


def _expected(path: Path) -> str:
    match = _EXPECT.search(path.read_text(encoding="utf-8"))
    assert match, f"{path.name} has no '# expect:' header"
    return match.group(1).strip()


def test_corpus_is_large_enough() -> None:
    assert len(BROKEN) >= 30


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_manifest_is_refused(path: Path, shared_cluster: ApplyEmulator,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    shared_cluster.clear_requests()
    before = shared_cluster.objects("karpenter.sh/v1", "NodePool")
    status = run(["apply", "-f", str(path), "--yes", "--catalog", CATALOG,
                  *shared_cluster.cli_args])
    err = capsys.readouterr().err
    assert status == 1, err
    assert _expected(path) in err, err
    assert shared_cluster.writes() == []
    assert shared_cluster.objects("karpenter.sh/v1", "NodePool") == before
