"""EKS, ACK and CCE as their controllers see them: labels, allocatable, pods, node-class
overrides, and the catalogues ``kubectl karp catalog import`` builds from the CLIs' JSON.

Expected figures are worked out by hand from the upstream formulas (cited per test), never
from this tool's own functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_karp.cli.app import run
from kubectl_karp.core.context import build_context
from kubectl_karp.core.scheduling import simulate
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.providers import complete_catalog
from kubectl_karp.providers.imports import alibaba_catalog, aws_catalog, huawei_catalog
from kubectl_karp.sources.files import read_documents

FIXTURES = Path(__file__).parent / "fixtures"
MI = 2**20 * 1000
GI = 2**30 * 1000


def docs(*names: str) -> list[tuple[Any, str]]:
    return read_documents([str(FIXTURES / n) for n in names])


def by_name(catalog: InstanceTypeCatalog) -> dict[str, InstanceType]:
    return {it.name: it for it in complete_catalog(catalog).instance_types}


def aws_types(prices: bool = True) -> dict[str, InstanceType]:
    return by_name(aws_catalog(
        docs("aws/describe-instance-types.json"), docs("aws/describe-instance-type-offerings.json"),
        docs("aws/describe-spot-price-history.json", "aws/pricing-get-products.json")
        if prices else [], region="us-west-2"))


# --------------------------------------------------------------------------- EKS

# upstream: karpenter-provider-aws v1.14.0 pkg/providers/instancetype/types.go
#   memory():   SizeInMiB (−64 on arm64) − ceil(that × 0.075)
#   kubeReservedResources(): memory 11·pods + 255 Mi (pods = ENILimitedPods for AL2023),
#                            cpu 6% / 1% / 0.5% / 0.25% tiers, ephemeral 1Gi
#   evictionThreshold(): memory 100Mi, ephemeral ceil(10% of 20Gi) = 2Gi
#   ENILimitedPods(): ENIs × (IPv4 per ENI − 1) + 2
EKS_EXPECTED = {
    # name: (pods, cpu milli, memory Mi)
    "m5.large": (29, 1930, 8192 - 615 - (11 * 29 + 255) - 100),       # 6903
    "m6g.large": (29, 1930, 8128 - 610 - (11 * 29 + 255) - 100),      # Graviton: 6844
    "t3.large": (35, 1930, 8192 - 615 - (11 * 35 + 255) - 100),       # 6837
    "c5.2xlarge": (58, 7910, 16384 - 1229 - (11 * 58 + 255) - 100),   # 14162
    "g4dn.xlarge": (29, 3920, 16384 - 1229 - (11 * 29 + 255) - 100),  # 14481
}


@pytest.mark.parametrize("name", sorted(EKS_EXPECTED))
def test_eks_allocatable_matches_the_upstream_formula(name: str) -> None:
    pods, cpu, memory = EKS_EXPECTED[name]
    it = aws_types()[name]
    assert it.capacity["pods"] == pods * 1000
    assert it.allocatable["cpu"] == cpu
    assert it.allocatable["memory"] == memory * MI
    assert it.allocatable["pods"] == pods * 1000
    assert it.capacity["ephemeral-storage"] == 20 * GI
    assert it.allocatable["ephemeral-storage"] == 17 * GI  # 20Gi − 1Gi − 2Gi


def test_eks_labels_and_does_not_exist() -> None:
    types = aws_types()
    g4 = types["g4dn.xlarge"]
    assert g4.labels["karpenter.k8s.aws/instance-gpu-name"] == "t4"
    assert g4.labels["karpenter.k8s.aws/instance-gpu-manufacturer"] == "nvidia"
    assert g4.labels["karpenter.k8s.aws/instance-gpu-count"] == "1"
    assert g4.labels["karpenter.k8s.aws/instance-gpu-memory"] == "16384"
    assert g4.labels["karpenter.k8s.aws/instance-local-nvme"] == "125"
    assert g4.labels["karpenter.k8s.aws/instance-encryption-in-transit-supported"] == "true"
    assert g4.capacity["nvidia.com/gpu"] == 1000
    m6g = types["m6g.large"]
    assert m6g.labels["kubernetes.io/arch"] == "arm64"
    assert m6g.labels["karpenter.k8s.aws/instance-cpu-manufacturer"] == "aws"
    assert {"karpenter.k8s.aws/instance-category": "m", "karpenter.k8s.aws/instance-family":
            "m6g", "karpenter.k8s.aws/instance-generation": "6",
            "karpenter.k8s.aws/instance-size": "large", "karpenter.k8s.aws/instance-cpu": "2",
            "karpenter.k8s.aws/instance-memory": "8192",
            "karpenter.k8s.aws/instance-hypervisor": "nitro",
            "karpenter.k8s.aws/instance-ebs-bandwidth": "4750",
            "karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz": "2500",
            "karpenter.k8s.aws/instance-capability-flex": "false"}.items() <= m6g.labels.items()
    assert {"karpenter.k8s.aws/instance-gpu-count", "karpenter.k8s.aws/instance-gpu-name",
            "karpenter.k8s.aws/instance-local-nvme", "node.kubernetes.io/windows-build",
            "karpenter.k8s.aws/instance-accelerator-count"} <= m6g.absent_labels


def test_eks_offerings_and_prices_from_the_cli() -> None:
    types = aws_types()
    m5 = types["m5.large"]
    assert {(o.zone, o.capacity_type) for o in m5.offerings} == {
        (z, c) for z in ("us-west-2a", "us-west-2b", "us-west-2c") for c in ("on-demand", "spot")}
    od = {o.price_per_hour for o in m5.offerings if o.capacity_type == "on-demand"}
    assert od == {0.096}  # the Linux SKU, not the Windows one
    spot_a = next(o for o in m5.offerings if (o.zone, o.capacity_type) == ("us-west-2a", "spot"))
    assert spot_a.price_per_hour == 0.0351  # the newest Linux/UNIX price
    # no spot price for m6g.large in us-west-2c: upstream marks it unavailable (hasPrice)
    m6g = {(o.zone, o.capacity_type): o for o in types["m6g.large"].offerings}
    assert ("us-west-2c", "spot") not in m6g  # not offered there at all
    g4 = {(o.zone, o.capacity_type): o for o in types["g4dn.xlarge"].offerings}
    assert set(g4) == {(z, c) for z in ("us-west-2b", "us-west-2c")
                       for c in ("on-demand", "spot")}
    no_prices = aws_types(prices=False)["m5.large"]
    assert all(o.available and o.price_per_hour is None for o in no_prices.offerings)


def _eks_cluster(kubelet: dict[str, Any] | None = None, alias: str = "al2023@latest",
                 extra_spec: dict[str, Any] | None = None) -> list[tuple[Any, str]]:
    spec: dict[str, Any] = {"amiSelectorTerms": [{"alias": alias}], "role": "KarpenterNodeRole",
                            "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "c"}}],
                            "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery":
                                                                     "c"}}]}
    if kubelet is not None:
        spec["kubelet"] = kubelet
    spec.update(extra_spec or {})
    node_class = {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass",
                  "metadata": {"name": "default"}, "spec": spec,
                  "status": {"subnets": [{"id": f"subnet-{z}", "zone": f"us-west-2{z}"}
                                         for z in "abc"],
                             "conditions": [{"type": "Ready", "status": "True"}]}}
    pool = {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "default"},
            "spec": {"template": {"spec": {
                "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass",
                                 "name": "default"},
                "requirements": [{"key": "karpenter.sh/capacity-type", "operator": "In",
                                  "values": ["on-demand"]}]}}}}
    return [(node_class, "nc"), (pool, "np")]


def _pool_type(objects: list[tuple[Any, str]], name: str) -> InstanceType:
    snapshot = build_snapshot(objects, source="test")
    catalog = aws_catalog(docs("aws/describe-instance-types.json"),
                          docs("aws/describe-instance-type-offerings.json"))
    ctx = build_context(snapshot, [catalog])
    return next(it for it in ctx.node_pools[0].instance_types if it.name == name)


def test_eks_node_class_without_kubelet_keeps_the_catalogue() -> None:
    it = _pool_type(_eks_cluster(), "m5.large")
    assert it.allocatable["memory"] == 6903 * MI and it.allocatable["pods"] == 29_000


def test_eks_max_pods_override_keeps_eni_memory_overhead() -> None:
    # upstream: suite_test.go It("should set max-pods to user-defined value if specified");
    # kube-reserved memory stays 11·ENILimitedPods + 255 on AL2023 (UsesENILimitedMemoryOverhead)
    it = _pool_type(_eks_cluster({"maxPods": 10}), "m5.large")
    assert it.capacity["pods"] == 10_000 and it.allocatable["pods"] == 10_000
    assert it.allocatable["memory"] == 6903 * MI


def test_eks_bottlerocket_memory_overhead_follows_max_pods() -> None:
    # Bottlerocket: UsesENILimitedMemoryOverhead false → 11·maxPods + 255
    it = _pool_type(_eks_cluster({"maxPods": 10}, alias="bottlerocket@latest"), "m5.large")
    assert it.allocatable["memory"] == (7577 - (11 * 10 + 255) - 100) * MI


def test_eks_pods_per_core() -> None:
    # upstream: It("should override pods-per-core value") and
    # It("should take the minimum of pods-per-core and max-pods")
    assert _pool_type(_eks_cluster({"podsPerCore": 1}), "c5.2xlarge").capacity["pods"] == 8000
    assert _pool_type(_eks_cluster({"podsPerCore": 4, "maxPods": 20}),
                      "c5.2xlarge").capacity["pods"] == 20_000
    # upstream: It("should ignore pods-per-core when using Bottlerocket AMI")
    assert _pool_type(_eks_cluster({"podsPerCore": 1}, alias="bottlerocket@latest"),
                      "c5.2xlarge").capacity["pods"] == 58_000
    # upstream: It("should take limited pod density to be the default pods number when
    # pods-per-core is 0")
    assert _pool_type(_eks_cluster({"podsPerCore": 0}), "t3.large").capacity["pods"] == 35_000


def test_eks_reserved_and_eviction_overrides() -> None:
    # upstream: It("should override kube reserved when specified") and
    # It("should override system reserved cpus when specified")
    it = _pool_type(_eks_cluster({"kubeReserved": {"cpu": "2", "memory": "1Gi"},
                                  "systemReserved": {"cpu": "500m", "memory": "200Mi"}}),
                    "c5.2xlarge")
    assert it.allocatable["cpu"] == 8000 - 2000 - 500
    assert it.allocatable["memory"] == (15155 - 1024 - 200 - 100) * MI
    # upstream: It("should override eviction threshold when specified as a percentage value")
    # — 10% of the memory capacity after VM overhead (15155Mi), rounded up to a byte
    pct = _pool_type(_eks_cluster({"evictionHard": {"memory.available": "10%"}}), "c5.2xlarge")
    capacity = 15155 * 2**20
    assert pct.allocatable["memory"] == (capacity - 893 * 2**20 - -(-capacity // 10)) * 1000
    # upstream: It("should consider the eviction threshold disabled when specified as 100%")
    off = _pool_type(_eks_cluster({"evictionHard": {"memory.available": "100%"}}), "c5.2xlarge")
    assert off.allocatable["memory"] == (15155 - 893) * MI
    # upstream: It("should use default threshold when only evictionSoft is specified")
    soft = _pool_type(_eks_cluster({"evictionSoft": {"memory.available": "1Gi"}}), "c5.2xlarge")
    assert soft.allocatable["memory"] == 14162 * MI


def test_eks_root_volume_sets_ephemeral_storage() -> None:
    it = _pool_type(_eks_cluster(extra_spec={"blockDeviceMappings": [
        {"deviceName": "/dev/xvda", "rootVolume": True, "ebs": {"volumeSize": "100Gi"}}]}),
        "m5.large")
    assert it.capacity["ephemeral-storage"] == 100 * GI
    assert it.allocatable["ephemeral-storage"] == 100 * GI - GI - 10 * GI


def test_gpu_count_pod_is_not_placed_on_a_type_without_gpus() -> None:
    """A pod asking instance-gpu-count: 1 lands on the GPU type, never on m6g.large."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cuda", "namespace": "default"},
           "spec": {"nodeSelector": {"karpenter.k8s.aws/instance-gpu-count": "1"},
                    "containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]},
           "status": {"phase": "Pending", "conditions": [
               {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}}
    objects = [*_eks_cluster(), (pod, "pod")]
    snapshot = build_snapshot(objects, source="test")
    ctx = build_context(snapshot, [aws_catalog(
        docs("aws/describe-instance-types.json"), docs("aws/describe-instance-type-offerings.json"),
        docs("aws/pricing-get-products.json"))])
    result = simulate(ctx)
    [claim] = result.node_claims
    assert claim.instance_type == "g4dn.xlarge"
    assert claim.instance_type_options == ("g4dn.xlarge",)
    # and a pod asking for a GPU count no type has stays pending
    two = {**pod, "metadata": {"name": "two", "namespace": "default"},
           "spec": {**pod["spec"], "nodeSelector": {"karpenter.k8s.aws/instance-gpu-count": "2"}}}
    ctx = build_context(build_snapshot([*_eks_cluster(), (two, "pod")], source="test"),
                        [aws_catalog(docs("aws/describe-instance-types.json"),
                                     docs("aws/describe-instance-type-offerings.json"))])
    assert simulate(ctx).node_claims == ()


# --------------------------------------------------------------------------- ACK

def ack_types(**kwargs: Any) -> dict[str, InstanceType]:
    return by_name(alibaba_catalog(
        docs("alibaba/DescribeInstanceTypes.json"),
        on_demand=docs("alibaba/DescribeAvailableResource-NoSpot.json"),
        spot=docs("alibaba/DescribeAvailableResource-SpotAsPriceGo.json"), **kwargs))


# upstream: AliyunContainerService/karpenter-provider-alibabacloud pkg/cloudprovider/
# cloudprovider.go calculateOverhead (max(ceil(5% of memory), 50Mi), options.go defaults) and
# GetInstanceTypes, which hands each third (integer division of the byte Value()) to
# kube-reserved, system-reserved and the eviction threshold; cpu's 100m has Value() 1 → 0.
def _ack_memory(memory: int) -> int:
    overhead = max(-(-memory * 5 // 100), 50 * 2**20)
    return memory - 3 * (overhead // 3)


ACK_EXPECTED = {
    "ecs.g7.large": (2000, 8 * 2**30, 8160437864),
    "ecs.c7.xlarge": (4000, 8 * 2**30, 8160437864),
    "ecs.r7.large": (2000, 16 * 2**30, 16320875725),
    "ecs.t6-c1m1.large": (2000, 2 * 2**30, 2040109466),
    "ecs.t5-lc2m1.nano": (1000, 2**29, 484442114),  # 5% is below the 50Mi floor
    "ecs.gn6i-c4g1.xlarge": (4000, 15 * 2**30, _ack_memory(15 * 2**30)),
}


@pytest.mark.parametrize("name", sorted(ACK_EXPECTED))
def test_ack_allocatable_matches_the_upstream_formula(name: str) -> None:
    cpu, memory, allocatable = ACK_EXPECTED[name]
    assert _ack_memory(memory) == allocatable
    it = ack_types()[name]
    assert it.capacity["cpu"] == cpu and it.allocatable["cpu"] == cpu
    assert it.capacity["memory"] == memory * 1000
    assert it.allocatable["memory"] == allocatable * 1000
    assert it.allocatable["pods"] == 110_000  # DefaultPodsLimit
    assert it.allocatable["ephemeral-storage"] == 0  # upstream gives no ephemeral capacity


def test_ack_terway_pods_and_gpu() -> None:
    types = ack_types(network="terway-eniip")
    # (EniQuantity − 1) × EniPrivateIpAddressQuantity + 3
    assert types["ecs.g7.large"].allocatable["pods"] == ((3 - 1) * 6 + 3) * 1000
    assert types["ecs.c7.xlarge"].allocatable["pods"] == ((4 - 1) * 15 + 3) * 1000
    assert types["ecs.g7.large"].capacity["alibabacloud.com/exclusive-eni"] == 5000
    assert types["ecs.gn6i-c4g1.xlarge"].capacity["nvidia.com/gpu"] == 1000
    assert types["ecs.g8y.large"].labels["kubernetes.io/arch"] == "arm64"
    assert "node.kubernetes.io/instance-family" not in types["ecs.g7.large"].labels


def test_ack_offerings_follow_describe_available_resource() -> None:
    gn = {(o.zone, o.capacity_type): o.available for o in ack_types()[
        "ecs.gn6i-c4g1.xlarge"].offerings}
    assert gn == {("cn-hangzhou-h", "on-demand"): True, ("cn-hangzhou-i", "on-demand"): False,
                  ("cn-hangzhou-h", "spot"): True, ("cn-hangzhou-i", "spot"): True}
    t5 = {(o.zone, o.capacity_type): o.available for o in ack_types()[
        "ecs.t5-lc2m1.nano"].offerings}
    assert t5[("cn-hangzhou-h", "spot")] is False  # ClosedWithoutStock


ACK_CLUSTER = """
apiVersion: karpenter.alibabacloud.com/v1alpha1
kind: ECSNodeClass
metadata: {name: default}
spec:
  vSwitchSelectorTerms: [{tags: {karpenter.sh/discovery: ack}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: ack}}]
  imageSelectorTerms: [{alias: aliyun3}]
status:
  vSwitches: [{id: vsw-1, zone: cn-hangzhou-i, zoneID: cn-hangzhou-i}]
  conditions: [{type: Ready, status: "True", reason: Ready, message: "",
                lastTransitionTime: "2026-12-01T00:00:00Z"}]
---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: default}
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.alibabacloud.com, kind: ECSNodeClass, name: default}
      requirements:
      - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
      - {key: kubernetes.io/arch, operator: In, values: [amd64]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        resources: {requests: {cpu: "1", memory: 2Gi}}
"""


def test_ack_cluster_with_the_official_ecsnodeclass_simulates(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cluster = tmp_path / "ack.yaml"
    cluster.write_text(ACK_CLUSTER)
    assert run(["catalog", "import", "alibaba",
                "--instance-types", str(FIXTURES / "alibaba/DescribeInstanceTypes.json"),
                "--on-demand-resources",
                str(FIXTURES / "alibaba/DescribeAvailableResource-NoSpot.json"),
                "--region", "cn-hangzhou"]) == 0
    catalog = tmp_path / "ack-catalog.yaml"
    catalog.write_text(capsys.readouterr().out)
    code = run(["simulate", "-f", str(cluster), "--snapshot", str(cluster), "--catalog",
                str(catalog), "-o", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert "NodeClassNotFound" not in out
    claims = result["nodeClaims"]
    assert claims and all(c["nodePool"] == "default" for c in claims)
    assert all(c["zone"] in (None, "cn-hangzhou-i") for c in claims if "zone" in c)
    placed = sum(len(c["pods"]) for c in claims)
    assert placed == 3


def test_ack_fork_group_still_reads() -> None:
    from kubectl_karp.model.objects import ObjectRef
    from kubectl_karp.providers.registry import provider_for_ref
    for group in ("karpenter.alibabacloud.com", "karpenter.k8s.alibabacloud"):
        provider = provider_for_ref(ObjectRef(group, "ECSNodeClass", "x"))
        assert provider is not None and provider.name == "alibaba"


# --------------------------------------------------------------------------- CCE

def cce_types() -> dict[str, InstanceType]:
    return by_name(huawei_catalog(docs("huawei/ListFlavors.json")))


# upstream: karpenter-provider-huawei pkg/providers/instancetype/types.go
#   kubeReservedMemoryMiB: 500 + 5 (containerd) × defaultMaxPodsByMemoryMiB(ram)
#   systemReservedMemoryMiB: 400 + ram × 25 / 1024; eviction 100Mi; cpu: the AWS tiers
#   pods: defaultMaxPodsByMemoryMiB capped by quota:sub_network_interface_max_num
CCE_EXPECTED = {
    # name: (pods, cpu milli, memory Mi)
    "c7.large.2": (16, 1930, 4096 - (500 + 5 * 20) - (400 + 100) - 100),           # 2896
    "c7.xlarge.2": (32, 3920, 8192 - (500 + 5 * 40) - (400 + 200) - 100),          # 6792
    "c7.2xlarge.4": (64, 7910, 32768 - (500 + 5 * 80) - (400 + 800) - 100),        # 30568
    "m7.4xlarge.8": (110, 15890, 131072 - (500 + 5 * 110) - (400 + 3200) - 100),   # 126322
    "s7n.medium.2": (20, 940, 2048 - (500 + 5 * 20) - (400 + 50) - 100),           # 898
}


@pytest.mark.parametrize("name", sorted(CCE_EXPECTED))
def test_cce_allocatable_matches_the_upstream_formula(name: str) -> None:
    pods, cpu, memory = CCE_EXPECTED[name]
    it = cce_types()[name]
    assert it.allocatable["pods"] == pods * 1000
    assert it.allocatable["cpu"] == cpu
    assert it.allocatable["memory"] == memory * MI
    # upstream types_test.go "default 100Gi": capacity 10214676Ki, allocatable 9413845387
    assert it.capacity["ephemeral-storage"] == 10214676 * 1024 * 1000
    assert it.allocatable["ephemeral-storage"] == 9413845387 * 1000


def test_cce_labels_offerings_and_never_set_labels() -> None:
    types = cce_types()
    c7 = types["c7.large.2"]
    assert c7.labels["karpenter.k8s.huawei/instance-cpu"] == "2"
    assert c7.labels["karpenter.k8s.huawei/instance-memory"] == "4096"
    assert "karpenter.k8s.huawei/instance-family" not in c7.labels
    assert {"karpenter.k8s.huawei/instance-size", "karpenter.k8s.huawei/instance-gpu-count",
            "karpenter.k8s.huawei/instance-network-bandwidth"} <= c7.absent_labels
    zones = {n: sorted(o.zone for o in it.offerings) for n, it in types.items()}
    assert zones["c7.large.2"] == ["cn-north-4a", "cn-north-4b"]  # 4c sold out
    assert zones["c7.2xlarge.4"] == ["cn-north-4a", "cn-north-4b", "cn-north-4c"]  # obt sells
    assert zones["m7.4xlarge.8"] == ["cn-north-4a", "cn-north-4b", "cn-north-4c"]  # default
    assert zones["c6.large.2"] == []  # abandoned flavor
    assert all(o.capacity_type == "on-demand" for it in types.values() for o in it.offerings)
    assert types["kc1.large.2"].labels["kubernetes.io/arch"] == "arm64"


@pytest.mark.parametrize(("gib", "capacity_ki", "allocatable"), [
    (120, 12274824, 11312477780), (150, 15371208, 14166105270),
    (190, 19430032, 17906717462), (230, 23558544, 21711554115),
    (320, 32843536, 30268602728), (450, 46125908, 42509636743)])
def test_cce_data_volume_sets_ephemeral_storage(gib: int, capacity_ki: int,
                                                allocatable: int) -> None:
    # upstream: types_test.go TestNewInstanceType_UsesK8SDataVolumeForEphemeralStorage
    it = _cce_pool_type({"blockDeviceMappings": {"k8s": {"volumeSize": gib, "volumeType": "SSD"},
                                                 "root": {"volumeSize": 50, "volumeType": "SSD"}}})
    assert it.capacity["ephemeral-storage"] == capacity_ki * 1024 * 1000
    assert it.allocatable["ephemeral-storage"] == allocatable * 1000


def _cce_pool_type(spec: dict[str, Any], name: str = "c7.xlarge.2") -> InstanceType:
    node_class = {"apiVersion": "karpenter.k8s.huawei/v1alpha1", "kind": "CCENodeClass",
                  "metadata": {"name": "default"},
                  "spec": {"subnetSelectorTerms": [{"id": "s"}], **spec},
                  "status": {"subnets": [{"id": "s"}],
                             "conditions": [{"type": "Ready", "status": "True"}]}}
    pool = {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "cce"},
            "spec": {"template": {"spec": {"nodeClassRef": {
                "group": "karpenter.k8s.huawei", "kind": "CCENodeClass", "name": "default"}}}}}
    ctx = build_context(build_snapshot([(node_class, "nc"), (pool, "np")], source="t"),
                        [huawei_catalog(docs("huawei/ListFlavors.json"))])
    return next(it for it in ctx.node_pools[0].instance_types if it.name == name)


def test_cce_node_class_overrides() -> None:
    # upstream: TestNewInstanceType_UsesCCEMemoryReservationModel (docker: 20Mi per pod)
    docker = _cce_pool_type({"runtimeConfiguration": {"type": "docker"}})
    assert docker.allocatable["memory"] == 6192 * MI
    # upstream: TestNewInstanceType_UsesExplicitMaxPods
    assert _cce_pool_type({"kubelet": {"maxPods": 48}}).allocatable["pods"] == 48_000
    reserved = _cce_pool_type({"kubelet": {"kubeReserved": {"cpu": "200m", "memory": "1Gi"},
                                           "systemReserved": {"memory": "300Mi"}}})
    assert reserved.allocatable["cpu"] == 4000 - 200
    assert reserved.allocatable["memory"] == (8192 - 1024 - 300 - 100) * MI


# --------------------------------------------------------------------------- CLI

def test_import_aws_writes_a_reusable_catalogue(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "import", "aws",
                "--instance-types", str(FIXTURES / "aws/describe-instance-types.json"),
                "--offerings", str(FIXTURES / "aws/describe-instance-type-offerings.json"),
                "--prices", str(FIXTURES / "aws/describe-spot-price-history.json"),
                "--region", "us-west-2"]) == 0
    text = capsys.readouterr().out
    doc = yaml.safe_load(text)
    assert doc["kind"] == "InstanceTypeCatalog" and doc["provider"] == "aws"
    m5 = next(t for t in doc["instanceTypes"] if t["name"] == "m5.large")
    assert m5["allocatable"] == {"cpu": "1930m", "memory": "6903Mi", "pods": "29",
                                 "ephemeral-storage": "17Gi"}
    saved = tmp_path / "eks.yaml"
    saved.write_text(text)
    assert run(["catalog", "--catalog", str(saved), "-o", "yaml"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["instanceTypes"] == doc["instanceTypes"]


@pytest.mark.parametrize("argv", [
    ["catalog", "import", "aws", "--offerings", "x.json"],
    ["catalog", "import", "aws", "--instance-types", str(FIXTURES / "huawei/ListFlavors.json"),
     "--offerings", str(FIXTURES / "aws/describe-instance-type-offerings.json")],
    ["catalog", "import", "alibaba", "--instance-types",
     str(FIXTURES / "alibaba/DescribeInstanceTypes.json")],
])
def test_import_bad_input_is_one_error_line(argv: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_tiny_file_catalogue_gets_the_upstream_defaults() -> None:
    """A hand-written AWS entry (no labels, no pods) still gets the provider's view."""
    cat = complete_catalog(InstanceTypeCatalog(provider="aws", instance_types=(InstanceType(
        name="m5.large", capacity={"cpu": 2000, "memory": 8 * GI, "pods": 29_000},
        offerings=(Offering(zone="us-west-2a", capacity_type="on-demand"),)),)))
    it = cat.instance_types[0]
    assert it.allocatable["memory"] == 6903 * MI
    assert it.labels["karpenter.k8s.aws/instance-family"] == "m5"
    assert "karpenter.k8s.aws/instance-gpu-count" in it.absent_labels


def test_one_kinds_table_feeds_parse_live_apply_and_the_registry() -> None:
    from kubectl_karp.core.validation.schemas import BY_GROUP_KIND as APPLY_KINDS
    from kubectl_karp.model import kinds
    from kubectl_karp.model.objects import Node
    from kubectl_karp.model.parse import NODE_CLASS_KINDS
    from kubectl_karp.providers.registry import known_node_classes, node_provider
    from kubectl_karp.sources.live import NODE_CLASS_GROUPS

    rows = {(k.group, k.kind) for k in kinds.NODE_CLASS_KINDS}
    assert ("karpenter.alibabacloud.com", "ECSNodeClass") in rows
    assert set(NODE_CLASS_KINDS) == rows
    assert set(NODE_CLASS_GROUPS) == {g for g, _ in rows}
    assert {gk for gk, k in APPLY_KINDS.items() if k.is_node_class} == rows
    assert APPLY_KINDS[("karpenter.alibabacloud.com", "ECSNodeClass")].api_version == \
        "karpenter.alibabacloud.com/v1alpha1"
    assert "ECSNodeClass.karpenter.alibabacloud.com" in known_node_classes()
    # the official provider's ProviderID is "<region>.<instance id>"
    assert node_provider(Node("n", provider_id="cn-hangzhou.i-bp1abcdef0123")) == "alibaba"


def test_eks_eviction_soft_counted_before_v1_9_only() -> None:
    """Release-keyed (EVICTION_HARD_ONLY): upstream aws#8565 (v1.9) stopped counting
    evictionSoft; at v1.8 the larger of evictionHard and evictionSoft was subtracted
    (types.go evictionThreshold at v1.8.0)."""
    from kubectl_karp.core.releases import EVICTION_HARD_ONLY, SOURCE_FLAG, resolve_rules
    from kubectl_karp.providers.aws import EVICTION_HARD_ONLY_RULE

    assert EVICTION_HARD_ONLY == EVICTION_HARD_ONLY_RULE
    kubelet = {"evictionHard": {"memory.available": "200Mi"},
               "evictionSoft": {"memory.available": "1Gi"}}
    catalog = aws_catalog(docs("aws/describe-instance-types.json"),
                          docs("aws/describe-instance-type-offerings.json"))

    def memory(version: str, alias: str = "al2023@latest") -> int:
        ctx = build_context(build_snapshot(_eks_cluster(kubelet, alias=alias), source="t"),
                            [catalog], rules=resolve_rules(version, SOURCE_FLAG))
        it = next(t for t in ctx.node_pools[0].instance_types if t.name == "c5.2xlarge")
        return int(it.allocatable["memory"] // MI)

    # upstream: suite_test.go It("should use only evictionHard for overhead, ignoring
    # evictionSoft") at v1.14
    assert memory("1.14") == 15155 - 893 - 200
    assert memory("1.8") == 15155 - 893 - 1024
    # Bottlerocket never had EvictionSoftEnabled (and reserves 11·pods with its own pods)
    assert memory("1.8", "bottlerocket@latest") == memory("1.14", "bottlerocket@latest") \
        == 15155 - 893 - 200


def test_cce_never_offers_spot() -> None:
    # upstream: computeRequirements sets capacity type In [on-demand]; createOfferings makes
    # offerings for those capacity types only
    cat = complete_catalog(InstanceTypeCatalog(provider="huawei", instance_types=(InstanceType(
        name="c7.large.2", capacity={"cpu": 2000, "memory": 4 * GI},
        offerings=(Offering(zone="cn-north-4a", capacity_type="on-demand"),
                   Offering(zone="cn-north-4a", capacity_type="spot"))),)))
    assert [o.capacity_type for o in cat.instance_types[0].offerings] == ["on-demand"]
    assert cat.instance_types[0].allocatable["memory"] == 2896 * MI
    assert cat.instance_types[0].allocatable["pods"] == 20_000


def test_ebs_csi_zone_of_a_volume_pins_the_eks_zone() -> None:
    """upstream: the AWS operator normalises topology.ebs.csi.aws.com/zone to
    topology.kubernetes.io/zone, so an EBS volume's node affinity decides the claim's zone."""
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-data"},
          "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                   "storageClassName": "gp3", "csi": {"driver": "ebs.csi.aws.com",
                                                      "volumeHandle": "vol-1"},
                   "claimRef": {"namespace": "default", "name": "data"},
                   "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                       {"key": "topology.ebs.csi.aws.com/zone", "operator": "In",
                        "values": ["us-west-2b"]}]}]}}},
          "status": {"phase": "Bound"}}
    # A bound claim as the API server shows it: the binder's annotation marks it bound
    # (without it Karpenter treats the claim as unbound, volumetopology.go).
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": "data", "namespace": "default",
                        "annotations": {"pv.kubernetes.io/bind-completed": "yes"}},
           "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                    "volumeName": "pv-data", "resources": {"requests": {"storage": "10Gi"}}},
           "status": {"phase": "Bound"}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db", "namespace": "default"},
           "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}],
                    "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]},
           "status": {"phase": "Pending", "conditions": [
               {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}}
    objects = [*_eks_cluster(), (pv, "pv"), (pvc, "pvc"), (pod, "pod")]
    ctx = build_context(build_snapshot(objects, source="t"), [aws_catalog(
        docs("aws/describe-instance-types.json"), docs("aws/describe-instance-type-offerings.json"),
        docs("aws/pricing-get-products.json"))])
    [claim] = simulate(ctx).node_claims
    assert claim.zone == "us-west-2b"


def test_apply_warns_about_ack_labels_upstream_never_sets() -> None:
    from kubectl_karp.core.validation.semantics import unknown_label_keys
    from kubectl_karp.providers import alibaba

    pool = {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "ack"},
            "spec": {"template": {"spec": {
                "nodeClassRef": {"group": "karpenter.alibabacloud.com", "kind": "ECSNodeClass",
                                 "name": "default"},
                "requirements": [
                    {"key": "node.kubernetes.io/instance-type", "operator": "In",
                     "values": ["ecs.g7.large"]},
                    {"key": "node.kubernetes.io/instance-family", "operator": "In",
                     "values": ["ecs.g7"]}]}}}}
    [np] = build_snapshot([(pool, "np")], source="t").node_pools
    issues = list(unknown_label_keys(np, alibaba.PROVIDER))
    assert [(i.code, i.path) for i in issues] == [
        ("UnknownLabel", "spec.template.spec.requirements[1].key")]
    assert "never puts it on an instance type" in issues[0].message


def test_eks_windows_family_has_110_pods_and_its_build() -> None:
    # upstream: suite_test.go It("should set pods to 110 if AMI Family doesn't support")
    # (Windows: no ENI-limited density); getOS / windows-build for Windows AMIs
    it = _pool_type(_eks_cluster(alias="windows2022@latest"), "m5.large")
    assert it.capacity["pods"] == 110_000
    assert it.labels["kubernetes.io/os"] == "windows"
    assert it.labels["node.kubernetes.io/windows-build"] == "10.0.20348"
    assert it.capacity["ephemeral-storage"] == 50 * GI  # Windows' /dev/sda1 default
    # kube-reserved memory follows the effective pods there (no ENI-limited overhead)
    assert it.allocatable["memory"] == (7577 - (11 * 110 + 255) - 100) * MI


def test_eks_raid0_instance_store_is_the_ephemeral_storage() -> None:
    # upstream: types.go ephemeralStorage — instanceStorePolicy RAID0 uses the local NVMe
    it = _pool_type(_eks_cluster(extra_spec={"instanceStorePolicy": "RAID0"}), "g4dn.xlarge")
    assert it.capacity["ephemeral-storage"] == 125 * 10**9 * 1000
    m5 = _pool_type(_eks_cluster(extra_spec={"instanceStorePolicy": "RAID0"}), "m5.large")
    assert m5.capacity["ephemeral-storage"] == 20 * GI  # no instance store: the root volume
