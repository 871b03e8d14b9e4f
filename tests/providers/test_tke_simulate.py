"""TKE allocatable through catalogue → context → simulate, not only as unit figures: the top
memory tier (≥ 128 GB) and the pre-1.29 kube-reserved formula decide whether a pod fits.

Figures worked by hand from karpenter-provider-tke pkg/providers/instancetype/types.go
(kube-reserved tiers), kdump.go (no kdump reserve from 128 GiB) and the 7.5% VM overhead,
for M5.8XLARGE256 (32 vCPU, 256 GB) with 61 pods:
- memory after overhead: ceil(256·2^30 · 0.925) = 254262063924 bytes;
- memory tiers(256 GB) = 4·256 + 4·204.8 + 8·102.4 + 112·61.44 + 128·20.48 = 12165 MiB;
- before 1.29 kube-reserved memory is the tiers alone: allocatable
  254262063924 − (12165 + 100 eviction)·2^20 = 241401279284;
- from 1.29 it is min(20·61 + 256, tiers) = 1476 MiB: 254262063924 − 1576·2^20 = 252609508148.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_karp.core.context import build_context
from kubectl_karp.core.scheduling import simulate
from kubectl_karp.model.parse import build_snapshot, parse_catalog
from tests.scheduling import runner

MIB = 2**20
LEGACY = 241401279284
CURRENT = 252609508148


def _cluster(kubelet: str, memory: int) -> Any:
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "static-1", "labels": {"kubernetes.io/hostname": "static-1"}},
            "spec": {},
            "status": {"capacity": {"cpu": "1", "memory": "1Gi", "pods": "10"},
                       "allocatable": {"cpu": "1", "memory": "1Gi", "pods": "10"},
                       "nodeInfo": {"kubeletVersion": kubelet}}}
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "big", "namespace": "default", "uid": "u-big"},
           "spec": {"containers": [{"name": "c", "image": "i", "resources": {
               "requests": {"cpu": "1", "memory": str(memory)}}}]},
           "status": {"phase": "Pending"}}
    docs = [runner.node_class({}), runner.node_pool({"name": "default"}), node, pod]
    snapshot = build_snapshot([(d, f"doc {i}") for i, d in enumerate(docs)], source="t")
    catalog = parse_catalog({
        "kind": "InstanceTypeCatalog", "provider": "tke", "region": "ap-guangzhou",
        "instanceTypes": [{"name": "M5.8XLARGE256",
                           "capacity": {"cpu": "32", "memory": "256Gi", "pods": "61"},
                           "offerings": [{"zone": "100003", "capacityType": "on-demand",
                                          "pricePerHour": 1.0}]}]}, "test.yaml")
    return build_context(snapshot, [catalog])


@pytest.mark.parametrize(("kubelet", "memory", "placed"), [
    ("v1.28.3-tke.2", LEGACY, True),          # exactly the legacy allocatable
    ("v1.28.3-tke.2", LEGACY + MIB, False),   # 1Mi more: no type fits before 1.29
    ("v1.30.2-tke.1", LEGACY + MIB, True),    # the 1.29+ formula reserves far less
    ("v1.30.2-tke.1", CURRENT, True),
    ("v1.30.2-tke.1", CURRENT + MIB, False),
])
def test_large_memory_tier_and_legacy_formula_decide_placement(kubelet: str, memory: int,
                                                               placed: bool) -> None:
    result = simulate(_cluster(kubelet, memory))
    assert bool(result.node_claims) is placed, result.unschedulable
    if placed:
        assert result.node_claims[0].instance_type == "M5.8XLARGE256"
