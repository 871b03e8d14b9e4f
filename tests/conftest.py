"""Shared fixtures: ``k8s`` — a Kubernetes API emulator on loopback (see tests/emulator.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator import KubeEmulator


@pytest.fixture
def k8s(tmp_path: Path) -> Iterator[KubeEmulator]:
    with KubeEmulator(tmp_path) as emulator:
        yield emulator
