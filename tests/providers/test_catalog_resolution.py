"""Catalogue resolution (sources.catalogs) names no cloud: each step asks the NodePools'
provider (its live loader, region variable, region spelling and zone scheme)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers import aws
from kubectl_karp.providers.tke import labels as tke_labels
from kubectl_karp.providers.tke import provider as tke
from kubectl_karp.sources.catalogs import (
    choose_catalogs,
    cluster_region,
    live_providers,
    resolve_region,
)


def _pool(group: str, kind: str) -> dict[str, Any]:
    return {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "p"},
            "spec": {"template": {"spec": {
                "nodeClassRef": {"group": group, "kind": kind, "name": "default"},
                "requirements": []}}}}


def _node(**labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": labels},
            "status": {"capacity": {"cpu": "2", "memory": "4Gi", "pods": "110"},
                       "allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"}}}


def _snapshot(*docs: dict[str, Any]) -> ClusterSnapshot:
    return build_snapshot([(d, "test") for d in docs], source="test")


def test_only_a_provider_with_a_live_catalogue_is_asked() -> None:
    assert live_providers(_snapshot(_pool(tke_labels.GROUP, tke_labels.KIND))) == (tke.PROVIDER,)
    assert live_providers(_snapshot(_pool("karpenter.k8s.aws", "EC2NodeClass"))) == ()
    assert live_providers(_snapshot(_node())) == ()


def test_an_eks_cluster_gets_no_catalogue_and_no_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    choice = choose_catalogs(ClusterOptions(), _snapshot(_pool("karpenter.k8s.aws",
                                                               "EC2NodeClass")))
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
    choice = choose_catalogs(ClusterOptions(), _snapshot(_pool(tke_labels.GROUP, tke_labels.KIND)))
    assert choice.notes == ("no region for the live TKE catalogue (use --region or "
                            "TENCENTCLOUD_REGION): instance types are inferred from the nodes",)
