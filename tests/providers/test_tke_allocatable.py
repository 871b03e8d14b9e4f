"""TKE allocatable pinned to the figures karpenter-provider-tke computes (types.go)."""

from __future__ import annotations

import pytest

from kubectl_karp.model.quantity import parse_milli
from kubectl_karp.providers.tke import capacity as tke_capacity
from kubectl_karp.providers.tke import labels as tke_labels
from kubectl_karp.providers.tke import nodeclass as tke_nodeclass
from kubectl_karp.providers.tke import provider as tke
from kubectl_karp.providers.tke import zones as tke_zones
from kubectl_karp.providers.tke.capacity import ClusterNetwork
from kubectl_karp.providers.tke.nodeclass import ClusterHints

MI = 2**20 * 1000


def alloc(cpu: int, mem_gb: int, pods: int = 61, *, legacy: bool = False) -> dict[str, int]:
    provider = tke.TKEProvider(**{**tke.PROVIDER.__dict__, "legacy_kube_reserved": legacy})
    return provider.allocatable({"cpu": cpu * 1000, "memory": parse_milli(f"{mem_gb}Gi"),
                                 "pods": pods * 1000})


def test_s5_medium4_matches_upstream() -> None:
    # Upstream: S5.MEDIUM4 (2 vCPU, 4GB, 61 pods) leaves 1930m CPU and 2428Mi memory.
    result = alloc(2, 4)
    assert result["cpu"] == 1930
    assert result["memory"] == 2428 * MI
    assert result["pods"] == 61_000


def test_memory_after_kdump_and_vm_overhead() -> None:
    # (4GiB - 256MiB kdump) * 0.925, rounded up to a byte = 3552MiB exactly.
    assert tke_capacity.memory_after_overhead(4 * 2**30) == 3552 * 2**20
    # Below 1800MiB there is no kdump reservation.
    assert tke_capacity.kdump_reserved(1024 * 2**20) == 0
    assert tke_capacity.kdump_reserved(64 * 2**30) == 512 * 2**20
    assert tke_capacity.kdump_reserved(200 * 2**30) == 0


@pytest.mark.parametrize(("cpu_milli", "expected"), [
    (1000, 60), (2000, 70), (4000, 80), (8000, 90), (32000, 150)])
def test_cpu_kube_reserved_tiers(cpu_milli: int, expected: int) -> None:
    assert tke_capacity.kube_reserved(cpu_milli, 110, 8)[0] == expected


def test_legacy_kube_reserved_before_1_29() -> None:
    cpu, memory = tke_capacity.kube_reserved(4000, 61, 8, legacy=True)
    assert cpu == 100
    assert memory == 1843  # 4*256 + 4*204.8, truncated like the provider's int64()
    assert alloc(4, 8, legacy=True)["cpu"] == 3900


def test_memory_reserved_is_the_smaller_of_pods_and_tiers() -> None:
    # 20Mi*pods+256Mi (1476Mi for 61 pods) beats the tiered 3645Mi for 32GB…
    assert tke_capacity.kube_reserved(8000, 61, 32)[1] == 1476
    # …and the tiered 512Mi beats it for 2GB.
    assert tke_capacity.kube_reserved(2000, 61, 2)[1] == 512


def test_default_max_pods_is_110() -> None:
    result = tke.PROVIDER.allocatable({"cpu": 2000, "memory": parse_milli("4Gi")})
    assert result["pods"] == 110_000
    assert tke.PROVIDER.allocatable({"cpu": 2000, "memory": parse_milli("4Gi")},
                                    max_pods=61)["pods"] == 61_000


def test_zone_ids_and_names() -> None:
    assert tke_zones.zone_name_from_id("100003") == "ap-guangzhou-3"
    assert tke_zones.zone_id_from_name("ap-shanghai-5") == "200005"
    assert tke_zones.zone_id_from_name("ap-beijing-7") == "800007"
    assert tke_zones.region_of_zone("800006") == "ap-beijing"
    assert tke_zones.zone_name_from_id("not-a-zone") is None
    assert tke_zones.normalize_region("gz") == "ap-guangzhou"


# --------------------------------------------------------------------------- max pods (types.go)

GR = ClusterNetwork(max_node_pod_num=64, has_property=True, network_type="GR")
VPC_CNI = ClusterNetwork(max_node_pod_num=64, has_property=True, network_type="VPC-CNI")


@pytest.mark.parametrize(("cluster", "eni", "expected"), [
    (GR, None, 61),  # MaxNodePodNum − 3
    (GR, 200, 61),  # the cluster setting beats the ENI limit
    (VPC_CNI, 27, 61),  # VPC-CNI ignores MaxNodePodNum; ENI limits below 61 count as 61
    (VPC_CNI, 75, 75),
    (VPC_CNI, None, 110),  # no ENI limit for the type
    (VPC_CNI, 0, 110),
    (ClusterNetwork(max_node_pod_num=3, has_property=True, network_type="GR"), 75, 110),
    # a plain global-router cluster drops the ENI limits
    (ClusterNetwork(has_property=True, network_type="GR"), 75, 110),
    # ... unless the VPC-CNI add-on (VpcCniType) or MetaFeatureParam is there
    (ClusterNetwork(has_property=True, network_type="GR", vpc_cni_type="tke-route-eni"),
     75, 75),
    (ClusterNetwork(has_property=True, network_type="GR", meta_feature=True), 40, 61),
    # without a Property document the cluster settings are skipped, ENI limits kept
    (ClusterNetwork(max_node_pod_num=64), 75, 75),
    (ClusterNetwork(max_node_pod_num=64), None, 110),
])
def test_max_pods_rule(cluster: ClusterNetwork, eni: int | None, expected: int) -> None:
    assert tke_capacity.max_pods(cluster, eni) == expected


def test_allocatable_memory_follows_max_pods() -> None:
    # 20Mi·pods + 256Mi is capped by the tiers: 4GB types do not move, 16GB ones do.
    assert alloc(2, 4, 61)["memory"] == alloc(2, 4, 110)["memory"] == 2428 * MI
    assert alloc(4, 16, 61)["memory"] - alloc(4, 16, 110)["memory"] == 49 * 20 * MI


@pytest.mark.parametrize(("value", "expected"), [
    ("cls-7k2m9xq1", "cls-7k2m9xq1"), ("cls-cls-test01", "cls-test01"),
    ("cls-${CLUSTER_ID}", None), ("*", None), ("vpc-1234abcd", None), (3, None)])
def test_cluster_id_of(value: object, expected: str | None) -> None:
    assert tke_nodeclass.cluster_id_of(value) == expected


def test_cluster_hints_from_nodes_then_node_class_tags() -> None:
    from kubectl_karp.model.objects import Node, NodeClass

    tags = {"tags": {"karpenter.sh/discovery": "cls-fromtags"}}
    node_class = NodeClass(group=tke_labels.GROUP, kind=tke_labels.KIND, name="default",
                           spec={"subnetSelectorTerms": [tags, {"id": "subnet-1"}],
                                 "securityGroupSelectorTerms": [tags]},
                           status={"subnets": [{"zone": "ap-guangzhou-4"},
                                               {"zoneID": "100003"}]})
    other = NodeClass(group="karpenter.k8s.aws", kind="EC2NodeClass", name="x",
                      spec={"subnetSelectorTerms": [{"tags": {"a": "cls-notmine1"}}]})
    hints = tke_nodeclass.cluster_hints([], [node_class, other])
    assert hints == ClusterHints(("cls-fromtags",), ("ap-guangzhou-3", "ap-guangzhou-4"))
    labelled = Node(name="n", labels={"tke.cloud.tencent.com/cluster-id": "cls-fromnode"})
    assert tke_nodeclass.cluster_hints([labelled], [node_class]).cluster_ids == ("cls-fromnode",)
    annotated = Node(name="m", annotations={"karpenter.k8s.tke/managed-by": "cls-fromnode"})
    assert tke_nodeclass.cluster_hints([annotated, labelled], []).cluster_ids == ("cls-fromnode",)
    assert tke_nodeclass.cluster_hints([Node(name="plain")], []) == ClusterHints()
