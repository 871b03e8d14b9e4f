"""Fixtures for apply's tests: an emulator that speaks server-side apply, with the Karpenter
and provider CRDs installed and the seed's TKEMachineNodeClass ``default`` present."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.core.validation.schemas import KINDS
from tests.apply.crds import all_crds
from tests.apply.ssa import ApplyEmulator

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
SEED = FIXTURES / "seed000"
CATALOG = str(FIXTURES / "catalog.yaml")
CLUSTER_ID = "cls-test01"


def seed_doc(name: str) -> dict[str, Any]:
    text = (SEED / name).read_text(encoding="utf-8").replace("${CLUSTER_ID}", CLUSTER_ID)
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


def install(k8s: ApplyEmulator, *, node_class: bool = True) -> None:
    for kind in KINDS:
        k8s.declare(kind.api_version, kind.kind, namespaced=False)
    k8s.add_all(all_crds())
    if node_class:
        k8s.add(seed_doc("nodeclass.yaml"))


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ApplyEmulator]:
    with ApplyEmulator(tmp_path) as k8s:
        install(k8s)
        k8s.clear_requests()
        yield k8s


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApplyEmulator]:
    """One emulator for tests that must not change it (each asserts that they did not)."""
    with ApplyEmulator(tmp_path_factory.mktemp("apply")) as k8s:
        install(k8s)
        yield k8s
