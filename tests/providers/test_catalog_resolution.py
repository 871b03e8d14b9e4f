"""Catalogue resolution (sources.catalogs) names no cloud: each step asks the NodePools'
provider (its live loader, region variable, region spelling and zone scheme)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers import aws
from kubectl_karp.providers.tke import provider as tke
from kubectl_karp.sources.catalogs import (
    choose_catalogs,
    cluster_region,
    live_providers,
    resolve_region,
)
from tests.builders import documents


def _pool(provider: str) -> dict[str, Any]:
    return documents.node_pool("p", provider=provider, requirements=[], ready=None)


def _node(**labels: str) -> dict[str, Any]:
    return documents.node("n1", zone=None, pool=None, labels=labels)


def _snapshot(*docs: dict[str, Any]) -> ClusterSnapshot:
    return build_snapshot([(d, "test") for d in docs], source="test")


def test_only_a_provider_with_a_live_catalogue_is_asked() -> None:
    assert live_providers(_snapshot(_pool("tke"))) == (tke.PROVIDER,)
    assert live_providers(_snapshot(_pool("aws"))) == ()
    assert live_providers(_snapshot(_node())) == ()


def test_an_eks_cluster_gets_no_catalogue_and_no_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    choice = choose_catalogs(ClusterOptions(), _snapshot(_pool("aws")))
    assert (choice.catalogs, choice.source, choice.notes) == ((), None, ())


def test_the_region_is_spelt_by_the_provider() -> None:
    short = _snapshot(_node(**{"topology.kubernetes.io/region": "gz"}))
    assert cluster_region(short, tke.PROVIDER) == "ap-guangzhou"  # TKE's short region names
    assert cluster_region(short, aws.PROVIDER) == "gz"
    zone_only = _snapshot(_node(**{"topology.kubernetes.io/zone": "100003"}))
    assert cluster_region(zone_only, tke.PROVIDER) == "ap-guangzhou"  # TKE zone IDs
    assert cluster_region(zone_only, aws.PROVIDER) is None


def test_the_region_variable_is_the_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    empty = _snapshot()
    assert resolve_region(ClusterOptions(), empty, tke.PROVIDER) == "ap-shanghai"
    assert resolve_region(ClusterOptions(), empty, aws.PROVIDER) is None
    assert resolve_region(ClusterOptions(region="ap-beijing"), empty,
                          tke.PROVIDER) == "ap-beijing"


def test_no_region_note_names_the_providers_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENCENTCLOUD_REGION", raising=False)
    choice = choose_catalogs(ClusterOptions(), _snapshot(_pool("tke")))
    assert choice.notes == ("no region for the live TKE catalogue (use --region or "
                            "TENCENTCLOUD_REGION): instance types are inferred from the nodes",)
