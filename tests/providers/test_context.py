"""build_context: NodePools with their node class, provider, instance types and problems."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_karp.core import reasons
from kubectl_karp.core.context import build_context
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.parse import build_snapshot, parse_catalog
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers.base import NODECLASS_NOT_READY

GIB = 2**30 * 1000


def nodeclass(name: str = "default", *, ready: str | None = "True",
              zones: tuple[str, ...] = ("100003",), message: str = "") -> dict[str, Any]:
    doc: dict[str, Any] = {"apiVersion": "karpenter.k8s.tke/v1beta1",
                           "kind": "TKEMachineNodeClass", "metadata": {"name": name},
                           "spec": {"subnetSelectorTerms": [{"id": "subnet-1"}]}}
    if ready is not None:
        doc["status"] = {
            "subnets": [{"id": f"subnet-{z}", "zoneID": z} for z in zones],
            "conditions": [{"type": "Ready", "status": ready, "reason": "Reason",
                            "message": message}]}
    return doc


def nodepool(name: str = "test", *, group: str = "karpenter.k8s.tke",
             kind: str = "TKEMachineNodeClass", ref: str = "default", weight: int = 0,
             ready: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": name},
        "spec": {"weight": weight, "template": {"spec": {
            "requirements": [], "nodeClassRef": {"group": group, "kind": kind, "name": ref}}}}}
    if ready is not None:
        doc["status"] = {"conditions": [{"type": "Ready", "status": ready,
                                         "reason": "NodeClassNotReady"}]}
    return doc


def catalog(*, provider: str = "tke") -> InstanceTypeCatalog:
    return parse_catalog({
        "kind": "InstanceTypeCatalog", "provider": provider, "region": "ap-guangzhou",
        "instanceTypes": [
            {"name": "S5.MEDIUM4", "capacity": {"cpu": "2", "memory": "4Gi", "pods": "61"},
             "offerings": [
                 {"zone": "100003", "capacityType": "on-demand", "pricePerHour": 0.2},
                 {"zoneName": "ap-guangzhou-4", "capacityType": "on-demand",
                  "pricePerHour": 0.21},
                 {"zone": "100003", "capacityType": "spot", "pricePerHour": 0.05}]},
            {"name": "SA2.LARGE8", "capacity": {"cpu": "4", "memory": "8Gi"},
             "labels": {"karpenter.k8s.tke/instance-family": "SA2"},
             "allocatable": {"cpu": "3900m", "memory": "5Gi", "pods": "40"},
             "offerings": [{"zone": "100006", "capacityType": "on-demand"}]}]}, "test.yaml")


def snap(*docs: dict[str, Any]) -> ClusterSnapshot:
    return build_snapshot([(d, f"doc {i}") for i, d in enumerate(docs)], source="test")


def test_ready_tke_pool_gets_complete_types_restricted_to_its_zones() -> None:
    ctx = build_context(snap(nodeclass(zones=("100003", "100004")), nodepool()), [catalog()])
    npc = ctx.node_pool("test")
    assert npc is not None
    assert npc.provider == "tke" and npc.problems == () and npc.node_class is not None
    types = {it.name: it for it in npc.instance_types}
    medium = types["S5.MEDIUM4"]
    assert medium.labels["karpenter.k8s.tke/instance-family"] == "S5"
    assert medium.labels["karpenter.k8s.tke/instance-cpu"] == "2"
    assert medium.labels["karpenter.k8s.tke/instance-memory-gb"] == "4"
    assert medium.labels["kubernetes.io/arch"] == "amd64"
    assert medium.labels["kubernetes.io/os"] == "linux"
    assert medium.labels["node.kubernetes.io/instance-type"] == "S5.MEDIUM4"
    assert "karpenter.sh/capacity-type" not in medium.labels
    assert medium.allocatable["cpu"] == 1930
    # zoneName-only offering got its zone ID; both zones are in the class's subnets.
    assert {(o.zone, o.zone_name) for o in medium.offerings} == {
        ("100003", "ap-guangzhou-3"), ("100004", "ap-guangzhou-4")}
    # SA2.LARGE8 is only offered in 100006, where the class has no subnet; its given
    # allocatable is kept as is.
    assert types["SA2.LARGE8"].offerings == ()
    assert types["SA2.LARGE8"].allocatable["memory"] == 5 * GIB
    assert "karpenter.k8s.tke/instance-family" in npc.allow_undefined_labels
    assert "topology.kubernetes.io/zone" in npc.allow_undefined_labels
    assert ctx.prices_known and not ctx.illustrative_prices
    assert ctx.zone_names["100003"] == "ap-guangzhou-3"


def test_prices() -> None:
    ctx = build_context(snap(nodeclass(), nodepool()), [catalog()])
    assert ctx.price_of("S5.MEDIUM4", "100003", "on-demand") == 0.2
    assert ctx.price_of("S5.MEDIUM4", "ap-guangzhou-4", None) == 0.21
    assert ctx.price_of("S5.MEDIUM4", None, "spot") == 0.05
    assert ctx.price_of("S5.MEDIUM4", "100003", "reserved") is None
    assert ctx.price_of("NOPE", "100003", "on-demand") is None
    assert ctx.price_of(None, None, None) is None
    assert ctx.instance_type("SA2.LARGE8") is not None


def test_pools_are_ordered_by_weight_then_name() -> None:
    # upstream utils/nodepool OrderByWeight: equal weights go by name, descending.
    ctx = build_context(snap(nodeclass(), nodepool("b"), nodepool("a"),
                             nodepool("z", weight=10)), [catalog()])
    assert [n.node_pool.name for n in ctx.node_pools] == ["z", "b", "a"]


def test_unknown_provider_is_reported() -> None:
    ctx = build_context(snap(nodepool(group="karpenter.k8s.example", kind="FooNodeClass")),
                        [catalog()])
    npc = ctx.node_pools[0]
    assert npc.provider is None and npc.instance_types == ()
    [problem] = npc.problems
    assert problem.code == reasons.NODECLASS_NOT_FOUND
    assert "FooNodeClass.karpenter.k8s.example" in problem.message
    assert "TKEMachineNodeClass.karpenter.k8s.tke" in problem.detail
    assert problem.fix and problem.node_pool == "test"


def test_missing_node_class_is_reported() -> None:
    ctx = build_context(snap(nodepool(ref="gone")), [catalog()])
    [problem] = ctx.node_pools[0].problems
    assert problem.code == reasons.NODECLASS_NOT_FOUND
    assert "TKEMachineNodeClass gone" in problem.message and "does not exist" in problem.message


def test_not_ready_node_class_carries_its_conditions() -> None:
    ctx = build_context(snap(nodeclass(ready="False", message="no subnet matched"),
                             nodepool()), [catalog()])
    [problem] = ctx.node_pools[0].problems
    assert problem.code == reasons.NODECLASS_NOT_READY == NODECLASS_NOT_READY
    assert "no subnet matched" in problem.message
    assert "Ready=False" in problem.detail


def test_ready_class_without_subnets_cannot_launch() -> None:
    ctx = build_context(snap(nodeclass(zones=()), nodepool()), [catalog()])
    [problem] = ctx.node_pools[0].problems
    assert problem.code == reasons.NODECLASS_NOT_READY
    assert "subnets" in problem.message


def test_class_without_status_is_assumed_ready_with_a_note() -> None:
    ctx = build_context(snap(nodeclass(ready=None), nodepool()), [catalog()])
    npc = ctx.node_pools[0]
    assert npc.problems == () and npc.node_class_zones is None
    assert any("no status" in n for n in ctx.notes)
    assert len(npc.instance_types[1].offerings) == 1  # unrestricted


def test_not_ready_nodepool() -> None:
    ctx = build_context(snap(nodeclass(), nodepool(ready="False")), [catalog()])
    [problem] = ctx.node_pools[0].problems
    assert problem.code == reasons.NODEPOOL_NOT_READY


def test_what_if_objects_replace_and_add() -> None:
    base = snap(nodeclass(), nodepool())
    extra_pool = build_snapshot([(nodepool("test", ref="other"), "w"), (nodepool("new"), "w")],
                                source="w").node_pools
    extra_class = build_snapshot([(nodeclass("other"), "w")], source="w").node_classes
    ctx = build_context(base, [catalog()], extra_node_pools=extra_pool,
                        extra_node_classes=extra_class)
    # equal weights: name descending (upstream OrderByWeight)
    assert [n.name for n in ctx.node_pools] == ["test", "new"]
    test = ctx.node_pool("test")
    assert test is not None and test.node_class is not None
    assert test.node_class.name == "other"


def node(name: str, itype: str, zone: str, *, cpu: str = "2", spot: bool = False
         ) -> dict[str, Any]:
    labels = {"node.kubernetes.io/instance-type": itype, "topology.kubernetes.io/zone": zone,
              "kubernetes.io/arch": "amd64", "topology.kubernetes.io/region": "gz",
              "karpenter.k8s.tke/instance-family": itype.split(".")[0],
              "kubernetes.io/hostname": name}
    if spot:
        labels["karpenter.sh/capacity-type"] = "spot"
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "spec": {"providerID": f"qcloud:///{zone}/ins-{name}"},
            "status": {"capacity": {"cpu": cpu, "memory": "4Gi", "pods": "61"},
                       "allocatable": {"cpu": "1930m", "memory": "2428Mi", "pods": "61"}}}


def test_inferred_from_nodes_when_no_catalogue() -> None:
    ctx = build_context(snap(nodeclass(zones=("100003", "100004")), nodepool(),
                             node("a", "S5.MEDIUM4", "100003"),
                             node("b", "S5.MEDIUM4", "100004", spot=True),
                             node("c", "SA2.LARGE8", "100003", cpu="4")))
    assert not ctx.prices_known
    assert "prices unknown" in ctx.catalog_source
    assert any("inferred" in n for n in ctx.notes)
    types = {it.name: it for it in ctx.node_pools[0].instance_types}
    assert set(types) == {"S5.MEDIUM4", "SA2.LARGE8"}
    medium = types["S5.MEDIUM4"]
    assert medium.allocatable["cpu"] == 1930
    assert medium.labels["karpenter.k8s.tke/instance-cpu"] == "2"
    assert "kubernetes.io/hostname" not in medium.labels
    assert {(o.zone, o.capacity_type) for o in medium.offerings} == {
        ("100003", "on-demand"), ("100003", "spot"), ("100004", "on-demand"),
        ("100004", "spot")}
    assert ctx.zone_names["100004"] == "ap-guangzhou-4"
    assert ctx.node_price(snap(node("a", "S5.MEDIUM4", "100003")).nodes[0]) is None


def test_other_provider_catalogue_is_not_used_for_tke() -> None:
    aws = InstanceTypeCatalog(provider="aws", instance_types=(InstanceType(
        name="m5.large", capacity={"cpu": 2000, "memory": 8 * GIB},
        offerings=(Offering(zone="us-west-2a", capacity_type="on-demand"),)),))
    ctx = build_context(snap(nodeclass(), nodepool()), [aws])
    assert ctx.node_pools[0].instance_types == ()
    assert any("no TKE instance types" in n for n in ctx.notes)


@pytest.mark.parametrize("provider", ["aws", "alibaba", "huawei"])
def test_other_providers_compute_allocatable_below_capacity(provider: str) -> None:
    from kubectl_karp.providers import complete_catalog

    cat = complete_catalog(InstanceTypeCatalog(provider=provider, instance_types=(InstanceType(
        name="m5.large", capacity={"cpu": 2000, "memory": 8 * GIB}),)))
    it = cat.instance_types[0]
    if provider == "alibaba":
        # upstream ACK splits a 100m CPU overhead in thirds of its integer Value() (1), which
        # truncate to 0: ACK types keep every millicore (cloudprovider.go divideQuantity).
        assert it.allocatable["cpu"] == 2000
    else:
        assert 0 < it.allocatable["cpu"] < 2000
    assert 0 < it.allocatable["memory"] < 8 * GIB
    assert it.labels["node.kubernetes.io/instance-type"] == "m5.large"


def test_cloud_without_catalogue_gets_types_from_its_nodes() -> None:
    aws_class = {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass",
                 "metadata": {"name": "eks"},
                 "status": {"subnets": [{"id": "s", "zone": "us-west-2a"}],
                            "conditions": [{"type": "Ready", "status": "True"}]}}
    aws_node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "ip-1", "labels": {
        "node.kubernetes.io/instance-type": "m5.large",
        "topology.kubernetes.io/zone": "us-west-2a"}},
        "spec": {"providerID": "aws:///us-west-2a/i-0abc"},
        "status": {"capacity": {"cpu": "2", "memory": "8Gi", "pods": "29"},
                   "allocatable": {"cpu": "1930m", "memory": "6903Mi", "pods": "29"}}}
    ctx = build_context(snap(nodeclass(), nodepool(), aws_class, aws_node,
                             nodepool("eks", group="karpenter.k8s.aws", kind="EC2NodeClass",
                                      ref="eks")), [catalog()])
    eks = ctx.node_pool("eks")
    assert eks is not None and eks.provider == "aws"
    [m5] = eks.instance_types
    assert m5.name == "m5.large" and m5.labels["karpenter.k8s.aws/instance-family"] == "m5"
    assert [o.zone for o in m5.offerings] == ["us-west-2a"]
    assert any("no catalogue for aws" in n for n in ctx.notes)
    test = ctx.node_pool("test")
    assert test is not None and {it.name for it in test.instance_types} == {
        "S5.MEDIUM4", "SA2.LARGE8"}


def test_ec2nodeclass_capacity_reservations_become_reserved_offerings() -> None:
    # upstream (AWS provider): offering/reserved_capacity_resolver.go — a reservation is an
    # offering of capacity type reserved in its zone, priced on-demand / 10,000,000; an
    # expiring one, or one in a zone the class cannot launch in, is unavailable.
    aws_class = {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass",
                 "metadata": {"name": "eks"},
                 "status": {"subnets": [{"id": "s", "zone": "us-west-2a"}],
                            "capacityReservations": [
                                {"id": "cr-1", "instanceType": "m5.large",
                                 "availabilityZone": "us-west-2a", "state": "active",
                                 "reservationType": "default"},
                                {"id": "cr-2", "instanceType": "m5.large",
                                 "availabilityZone": "us-west-2b", "state": "active"}],
                            "conditions": [{"type": "Ready", "status": "True"}]}}
    m5 = InstanceType(name="m5.large", capacity={"cpu": 2000, "memory": 8 * GIB,
                                                 "pods": 29000},
                      offerings=(Offering(zone="us-west-2a", capacity_type="on-demand",
                                          price_per_hour=0.096),))
    aws = InstanceTypeCatalog(provider="aws", region="us-west-2", instance_types=(m5,))
    ctx = build_context(snap(aws_class, nodepool("eks", group="karpenter.k8s.aws",
                                                 kind="EC2NodeClass", ref="eks")), [aws])
    eks = ctx.node_pool("eks")
    assert eks is not None
    [it] = eks.instance_types
    reserved = [o for o in it.offerings if o.capacity_type == "reserved"]
    assert [(o.zone, o.available) for o in reserved] == [("us-west-2a", True),
                                                         ("us-west-2b", False)]
    assert reserved[0].price_per_hour == pytest.approx(0.096 / 10_000_000)
