"""The TKE provider as karpenter-provider-tke lists instance types: allocatable for several
types, kube-reserved by server version, the node class's disk, VPC-CNI resources, labels.

Expected figures are worked out here by hand from the upstream formula
(pkg/providers/instancetype/types.go: memory(), kubeReservedResources(), evictionThreshold();
kdump.go; instancetype.go List for the disk), not read back from the code under test.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_karp.core.context import build_context
from kubectl_karp.core.scheduling import simulate
from kubectl_karp.model.catalog import InstanceTypeCatalog
from kubectl_karp.model.parse import build_snapshot, parse_catalog
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers.base import ClusterFacts
from kubectl_karp.providers.registry import complete_catalog
from kubectl_karp.providers.tke import nodeclass as tke_nodeclass
from kubectl_karp.providers.tke import provider as tke
from kubectl_karp.providers.tke.labels import LABEL_CBS_ZONE
from kubectl_karp.sources.catalogs import bundled_catalogs
from kubectl_karp.sources.demo import demo_documents, load_demo
from tests.builders import documents

MIB = 2**20
ENI_IP = "tke.cloud.tencent.com/eni-ip"


def catalog(*types: tuple[str, int, int], extra: dict[str, str] | None = None
            ) -> InstanceTypeCatalog:
    return parse_catalog({
        "kind": "InstanceTypeCatalog", "provider": "tke", "region": "ap-guangzhou",
        "instanceTypes": [
            {"name": name, "capacity": {"cpu": str(cpu), "memory": f"{mem}Gi", "pods": "61",
                                        **(extra or {})},
             "offerings": [{"zone": "100003", "capacityType": "on-demand", "pricePerHour": 1.0},
                           {"zone": "100004", "capacityType": "on-demand",
                            "pricePerHour": 1.0}]}
            for name, cpu, mem in types]}, "test.yaml")


def allocatable(name: str, cpu: int, mem: int, version: str = "v1.30.2-tke.1"
                ) -> dict[str, int]:
    done = complete_catalog(catalog((name, cpu, mem)),
                            cluster=ClusterFacts(kubernetes_version=version))
    # cpu in milli-cores, everything else in whole units (bytes, pods)
    return {k: v if k == "cpu" else v // 1000
            for k, v in done.instance_types[0].allocatable.items()}


# (type, vCPU, GB, allocatable CPU milli-cores, allocatable memory bytes) with 61 pods on
# Kubernetes ≥ 1.29. Memory: ceil((GB·2^30 − kdump) · 0.925) − min(20·61+256, tiers(GB))Mi
# − 100Mi; CPU: 60m + 1% of the 2nd core + 0.5% of cores 3–4 + 0.25% beyond.
ALLOCATABLE_1_30 = [
    # 2GB: kdump 256Mi; 1792Mi·0.925 = 1738119577.6 → 1738119578; tiers(2) = 512Mi < 1476
    ("SA2.MEDIUM2", 2, 2, 1930, 1738119578 - (512 + 100) * MIB),
    # upstream's own example: 1930m / 2428Mi
    ("S5.MEDIUM4", 2, 4, 1930, 2428 * MIB),
    # 7936Mi·0.925 → 7697386701; min(1476, tiers(8) = 1843) = 1476
    ("S5.LARGE8", 4, 8, 3920, 7697386701 - (1476 + 100) * MIB),
    # 16128Mi·0.925 → 15643076199; CPU 60+10+10+10
    ("S6.2XLARGE16", 8, 16, 7910, 15643076199 - (1476 + 100) * MIB),
    # 32512Mi·0.925 → 31534455194
    ("GN7.2XLARGE32", 8, 32, 7910, 31534455194 - (1476 + 100) * MIB),
    # 128GiB: the kdump table stops below 128GiB → 0; 137438953472·0.925 → 127131031962
    ("M5.4XLARGE128", 16, 128, 15890, 127131031962 - (1476 + 100) * MIB),
]


@pytest.mark.parametrize(("name", "cpu", "mem", "want_cpu", "want_memory"), ALLOCATABLE_1_30)
def test_allocatable_matches_the_upstream_formula(name: str, cpu: int, mem: int,
                                                  want_cpu: int, want_memory: int) -> None:
    got = allocatable(name, cpu, mem)
    assert got["cpu"] == want_cpu
    assert got["memory"] == want_memory
    assert got["pods"] == 61


@pytest.mark.parametrize(("version", "cpu", "memory"), [
    # before 1.29: legacy CPU tiers (100m for the first 4 cores) and the memory tiers alone
    ("v1.28.3-tke.7", 3900, 7697386701 - (1843 + 100) * MIB),
    ("1.26.1", 3900, 7697386701 - (1843 + 100) * MIB),
    # 1.29.0 (a pre-release build too) is above 1.29.0-0: the new tiers
    ("v1.29.0-tke.1", 3920, 7697386701 - (1476 + 100) * MIB),
    ("v1.32.2", 3920, 7697386701 - (1476 + 100) * MIB),
])
def test_kube_reserved_follows_the_server_version(version: str, cpu: int, memory: int) -> None:
    got = allocatable("S5.LARGE8", 4, 8, version)
    assert (got["cpu"], got["memory"]) == (cpu, memory)


def test_server_version_of_a_snapshot_is_the_newest_kubelet_when_not_told() -> None:
    assert load_demo().kubernetes_version == "v1.30.0-tke.5"
    docs = [copy.deepcopy(d) for d, _ in demo_documents()]
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == "Node":
            doc["status"]["nodeInfo"]["kubeletVersion"] = "v1.28.3-tke.2"
    old = build_snapshot([(d, "demo") for d in docs], source="t")
    assert old.kubernetes_version == "v1.28.3-tke.2"
    ctx = build_context(old, bundled_catalogs("tke", "ap-guangzhou"))
    npc = ctx.node_pool("test")
    assert npc is not None
    medium = {it.name: it for it in npc.instance_types}["S5.MEDIUM4"]
    assert medium.allocatable["cpu"] == 1900  # legacy: 100m
    told = build_snapshot([(d, "demo") for d in docs], source="t",
                          kubernetes_version="v1.30.4")
    assert told.kubernetes_version == "v1.30.4"  # the API server's word wins


def node_class(spec: dict[str, Any]) -> Any:
    doc = documents.node_class("nc", spec=spec, reconciled=False)
    return build_snapshot([(doc, "t")], source="t").node_classes[0]


@pytest.mark.parametrize(("spec", "gigabytes", "disk"), [
    ({}, 35, "spec.systemDisk (50G, the default)"),
    ({"systemDisk": {"size": 60}}, 45, "spec.systemDisk (60G)"),
    # a data disk holding the kubelet's files: its size − 5 (path cleaned first)
    ({"systemDisk": {"size": 60}, "dataDisks": [{"size": 100, "mountTarget": "/var/lib/kubelet/"}]},
     95, "spec.dataDisks[0] (100G at /var/lib/kubelet/)"),
    ({"dataDisks": [{"size": 200, "mountTarget": "/var"}, {"size": 80, "mountTarget": "/var/lib"}]},
     75, "spec.dataDisks[1] (80G at /var/lib)"),  # the last matching one wins
    # /var/lib/containerd is not one of the provider's four mount points
    ({"systemDisk": {"size": 60}, "dataDisks": [{"size": 50,
                                                 "mountTarget": "/var/lib/containerd"}]},
     45, "spec.systemDisk (60G)"),
    ({"systemDisk": {"size": 10}}, 0, "spec.systemDisk (10G)"),  # never below zero
])
def test_ephemeral_storage_comes_from_the_node_class_disk(spec: dict[str, Any], gigabytes: int,
                                                         disk: str) -> None:
    storage = tke_nodeclass.node_storage(node_class(spec))
    assert (storage.gigabytes, storage.disk) == (gigabytes, disk)
    provider = tke.PROVIDER.configured(node_class(spec), ClusterFacts())
    done = complete_catalog(catalog(("S5.LARGE8", 4, 8)), node_class=node_class(spec))
    it = done.instance_types[0]
    assert it.capacity["ephemeral-storage"] == gigabytes * 10**9 * 1000
    # nodefs.available: ceil(10%) of the disk is the eviction threshold
    assert it.allocatable["ephemeral-storage"] == (gigabytes * 10**9
                                                   - -(-gigabytes * 10**9 // 10)) * 1000
    assert provider.ephemeral_storage_source().startswith(disk)


def test_seed_node_class_names_the_ignored_containerd_disk() -> None:
    provider = tke.PROVIDER.configured(node_class({
        "systemDisk": {"size": 60}, "dataDisks": [{"size": 50,
                                                   "mountTarget": "/var/lib/containerd"}]}),
        ClusterFacts())
    text = provider.ephemeral_storage_source()
    assert "not counted: spec.dataDisks[0] (50G at /var/lib/containerd)" in text


def test_offerings_carry_the_cbs_zone_name_and_types_forbid_windows_build() -> None:
    it = complete_catalog(catalog(("S5.LARGE8", 4, 8))).instance_types[0]
    assert {o.labels for o in it.offerings} == {
        ((LABEL_CBS_ZONE, "ap-guangzhou-3"),), ((LABEL_CBS_ZONE, "ap-guangzhou-4"),)}
    assert LABEL_CBS_ZONE not in it.labels
    reqs = it.requirements()
    assert reqs[LABEL_CBS_ZONE].has("ap-guangzhou-4")
    assert not reqs[LABEL_CBS_ZONE].has("ap-guangzhou-6")
    windows = reqs["node.kubernetes.io/windows-build"]
    assert not windows.has("10.0.17763")  # DoesNotExist


def test_pods_per_type_from_the_eni_ip_limit() -> None:
    # upstream: types.go pods — max(eni-ip, 61) when the catalogue has no pods figure
    raw = parse_catalog({"kind": "InstanceTypeCatalog", "provider": "tke", "instanceTypes": [
        {"name": "S5.MEDIUM4", "capacity": {"cpu": "2", "memory": "4Gi", ENI_IP: "27"}},
        {"name": "S5.4XLARGE64", "capacity": {"cpu": "16", "memory": "64Gi", ENI_IP: "90"}},
        {"name": "S5.LARGE8", "capacity": {"cpu": "4", "memory": "8Gi"}}]}, "t")
    done = {it.name: it for it in complete_catalog(raw, max_pods=64).instance_types}
    assert done["S5.MEDIUM4"].capacity["pods"] == 61_000
    assert done["S5.4XLARGE64"].capacity["pods"] == 90_000
    assert done["S5.LARGE8"].capacity["pods"] == 64_000  # the cluster's figure, no ENI limit
    assert done["S5.4XLARGE64"].allocatable[ENI_IP] == 90_000


def sample_app(requests: dict[str, str], replicas: int = 3) -> list[dict[str, Any]]:
    """The seed README's sample-app Deployment as its pending pods."""
    return [{"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": f"vpc-app-{i}", "namespace": "default", "uid": f"u{i}",
                          "labels": {"app": "sample-app"},
                          "creationTimestamp": "2026-01-01T00:00:00Z"},
             "spec": {"containers": [{"name": "app", "image": "nginx",
                                      "resources": {"requests": requests,
                                                    "limits": requests}}]},
             "status": {"phase": "Pending", "conditions": [
                 {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}}
            for i in range(replicas)]


def demo_with(*extra: dict[str, Any], node_eni: int | None = None) -> ClusterSnapshot:
    docs = [copy.deepcopy(d) for d, _ in demo_documents()]
    if node_eni is not None:
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") == "Node":
                doc["status"]["capacity"][ENI_IP] = str(node_eni)
                doc["status"]["allocatable"][ENI_IP] = str(node_eni)
    return build_snapshot([(d, "demo") for d in [*docs, *extra]], source="t")


def test_seed_workload_with_eni_ip_schedules_on_the_bundled_catalogue() -> None:
    # The seed README's sample-app on its VPC-CNI cluster: the webhook adds eni-ip: 1.
    snap = demo_with(*sample_app({"cpu": "1", "memory": "1Gi", ENI_IP: "1"}))
    ctx = build_context(snap, bundled_catalogs("tke", "ap-guangzhou"))
    result = simulate(ctx)
    placed = [p for c in result.node_claims for p in c.pods] + [
        p for e in result.existing for p in e.pods]
    assert {f"default/vpc-app-{i}" for i in range(3)} <= set(placed)
    assert not [f.pod for f in result.unschedulable if "vpc-app" in f.pod]
    assert any("estimated" in note and ENI_IP in note for note in ctx.notes)


def test_eni_ip_figures_of_the_clusters_nodes_are_used() -> None:
    # The demo nodes expose eni-ip 2: their types get that figure.
    snap = demo_with(node_eni=2)
    ctx = build_context(snap, bundled_catalogs("tke", "ap-guangzhou"))
    npc = ctx.node_pool("test")
    assert npc is not None
    types = {it.name: it for it in npc.instance_types}
    node_types = {n.instance_type for n in snap.nodes}
    for name in node_types & set(types):
        assert types[name].capacity[ENI_IP] == 2_000
    # nodes exposing eni-ip make it a VPC-CNI cluster: the other types get the estimate
    assert "S5.LARGE16" not in node_types
    other = types["S5.LARGE16"]
    assert other.capacity[ENI_IP] == other.capacity["pods"] == 61_000
    assert any("estimated" in note for note in ctx.notes)


def test_no_vpc_cni_no_eni_ip_on_the_bundled_types() -> None:
    # the demo cluster's nodes expose no eni-ip and no pod asks for it: nothing is invented
    ctx = build_context(load_demo(), bundled_catalogs("tke", "ap-guangzhou"))
    npc = ctx.node_pool("test")
    assert npc is not None
    assert not any(k.startswith("tke.cloud.tencent.com/") for it in npc.instance_types
                   for k in it.capacity)


def test_live_catalogue_zones_include_the_classes_existing_node_zones() -> None:
    # upstream: instancetype.go getInstanceTypes — the zone filter is the class's subnet zones
    # plus the CBS zones of its existing NodeClaims.
    docs = [copy.deepcopy(d) for d, _ in demo_documents()]
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == "Node" and doc["metadata"]["labels"].get(
                "karpenter.k8s.tke/tkemachinenodeclass") == "default":
            doc["metadata"]["labels"][LABEL_CBS_ZONE] = "ap-guangzhou-7"
            break
    snap = build_snapshot([(d, "demo") for d in docs], source="t")
    hints = tke_nodeclass.cluster_hints(snap.nodes, snap.node_classes)
    assert "ap-guangzhou-7" in hints.zones
    assert {"ap-guangzhou-3", "ap-guangzhou-4"} <= set(hints.zones)
