"""Provider lookup, node recognition and the AWS formula pinned to upstream figures."""

from __future__ import annotations

from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import Node, ObjectRef
from kubectl_karp.model.quantity import parse_milli
from kubectl_karp.providers import aws, provider_for_ref, provider_named
from kubectl_karp.providers.registry import cluster_max_pods, node_provider

MI = 2**20 * 1000


def test_provider_for_ref_needs_group_and_kind() -> None:
    tke = provider_for_ref(ObjectRef("karpenter.k8s.tke", "TKEMachineNodeClass", "x"))
    assert tke is not None and tke.name == "tke"
    assert provider_for_ref(ObjectRef("karpenter.k8s.aws", "EC2NodeClass", "x")) is aws.PROVIDER
    alibaba = provider_for_ref(ObjectRef("karpenter.k8s.alibabacloud", "ECSNodeClass", "x"))
    assert alibaba is not None and alibaba.name == "alibaba"
    huawei = provider_for_ref(ObjectRef("karpenter.k8s.huawei", "CCENodeClass", "x"))
    assert huawei is not None and huawei.name == "huawei"
    assert provider_for_ref(ObjectRef("karpenter.k8s.tke", "EC2NodeClass", "x")) is None
    assert provider_for_ref(None) is None
    assert provider_named("generic") is not None and provider_named("gcp") is None


def test_nodes_are_recognised_by_provider_id_or_labels() -> None:
    assert node_provider(Node("a", provider_id="qcloud:///100003/ins-1")) == "tke"
    assert node_provider(Node("b", provider_id="aws:///us-west-2a/i-1")) == "aws"
    assert node_provider(Node("c", labels={"karpenter.k8s.alibabacloud/instance-family":
                                           "ecs.g7"})) == "alibaba"
    assert node_provider(Node("d", labels={"kubernetes.io/os": "linux"})) == "generic"


def test_cluster_max_pods_is_the_common_value() -> None:
    nodes = [Node(str(i), provider_id=f"qcloud:///100003/ins-{i}",
                  capacity={"pods": p * 1000}) for i, p in enumerate((61, 61, 110))]
    assert cluster_max_pods(nodes, "tke") == 61
    assert cluster_max_pods(nodes, "aws") is None


def test_aws_allocatable_matches_upstream_m5_large() -> None:
    # karpenter.sh instance-type docs: m5.large with 29 pods → 1930m CPU, 6903Mi memory.
    result = aws.PROVIDER.allocatable({"cpu": 2000, "memory": parse_milli("8Gi"),
                                       "pods": 29_000})
    assert result["cpu"] == 1930 and result["memory"] == 6903 * MI


def test_aws_labels_are_derived_from_the_name() -> None:
    labels = aws.PROVIDER.derive_labels(InstanceType(
        "m5.large", capacity={"cpu": 2000, "memory": parse_milli("8Gi")}))
    assert labels["karpenter.k8s.aws/instance-family"] == "m5"
    assert labels["karpenter.k8s.aws/instance-category"] == "m"
    assert labels["karpenter.k8s.aws/instance-generation"] == "5"
    assert labels["karpenter.k8s.aws/instance-size"] == "large"
    assert labels["karpenter.k8s.aws/instance-memory"] == "8192"
    graviton = aws.PROVIDER.derive_labels(InstanceType("m7g.large", capacity={"cpu": 2000}))
    assert graviton["kubernetes.io/arch"] == "arm64"


def test_alibaba_zones_come_from_vswitches() -> None:
    from kubectl_karp.model.objects import NodeClass
    from kubectl_karp.providers import alibaba

    nc = NodeClass("karpenter.k8s.alibabacloud", "ECSNodeClass", "default",
                   status={"vSwitches": [{"id": "vsw-1", "zoneID": "cn-hangzhou-h"}]})
    assert alibaba.PROVIDER.node_class_zones(nc) == frozenset({"cn-hangzhou-h"})
    assert alibaba.PROVIDER.node_class_problems(nc) == []
    empty = NodeClass("karpenter.k8s.alibabacloud", "ECSNodeClass", "default",
                      status={"vSwitches": []})
    [problem] = alibaba.PROVIDER.node_class_problems(empty)
    assert "vSwitches" in problem.message
    assert alibaba.PROVIDER.family_of("ecs.g7.large") == "ecs.g7"
