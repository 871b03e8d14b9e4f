"""Shared fixtures: ``k8s`` — a Kubernetes API emulator on loopback (see tests/emulator.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator import KubeEmulator


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output is unwrapped unless a test sets COLUMNS: a developer's shell must not change
    what the tests see (render/width.py reads COLUMNS first)."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def k8s(tmp_path: Path) -> Iterator[KubeEmulator]:
    with KubeEmulator(tmp_path) as emulator:
        yield emulator
