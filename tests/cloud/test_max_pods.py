"""Max pods per node from TKE DescribeClusters and DescribeVpcCniPodLimits, via the real SDK."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.cloud import tencent
from kubectl_karp.model.catalog import InstanceTypeCatalog
from kubectl_karp.providers.tke.capacity import ClusterNetwork, PodLimits
from kubectl_karp.providers.tke.nodeclass import ClusterHints
from kubectl_karp.sources.catalogs import load_context
from kubectl_karp.sources.demo import load_demo
from tests.cloud.conftest import CLUSTER_ID, FakeCloud, cluster, error

NOW = datetime(2026, 1, 12, 10, 0, tzinfo=timezone.utc)
ZONES = ("ap-guangzhou-3", "ap-guangzhou-4")
HINTS = ClusterHints(cluster_ids=(CLUSTER_ID,), zones=ZONES)


def no_sleep(seconds: float) -> None:
    assert 0 < seconds <= 8


def load(hints: ClusterHints | None = HINTS, **kwargs: Any) -> InstanceTypeCatalog:
    return tencent.load_live_catalog("ap-guangzhou", now=NOW, sleep=no_sleep, hints=hints,
                                     **kwargs)


def pods(catalog: InstanceTypeCatalog) -> dict[str, int | None]:
    return {it.name: (it.capacity["pods"] // 1000 if "pods" in it.capacity else None)
            for it in catalog.instance_types}


def test_global_router_cluster_uses_max_node_pod_num_minus_3(cloud: FakeCloud) -> None:
    cloud.clusters = [cluster("GR", max_node_pod_num=128)]
    catalog = load()
    assert cloud.actions()[4:] == ["DescribeClusters"]  # no ENI call: not needed
    assert cloud.calls[4][1] == {"ClusterIds": [CLUSTER_ID]}
    assert cloud.versions == ["2022-05-01"] * 4 + ["2018-05-25"]
    assert pods(catalog) == {"S5.LARGE8": 125, "S5.MEDIUM4": 125, "SR1.MEDIUM4": 125}
    assert catalog.notes == ()
    # a plain global-router cluster drops the ENI limits: no VPC-CNI resources either
    assert not any(k.startswith("tke.cloud.tencent.com/") for it in catalog.instance_types
                   for k in it.capacity)


def test_vpc_cni_cluster_uses_eni_limits_per_zone(cloud: FakeCloud) -> None:
    # On VPC-CNI MaxNodePodNum is ignored; ENI limits below 61 count as 61.
    cloud.clusters = [cluster("VPC-CNI", max_node_pod_num=32)]
    catalog = load()
    assert cloud.actions()[4:] == ["DescribeClusters", "DescribeVpcCniPodLimits",
                                   "DescribeVpcCniPodLimits"]
    assert [body for _, body in cloud.calls[5:]] == [{"Zone": z} for z in ZONES]
    assert set(cloud.versions[4:]) == {"2018-05-25"}
    # S5.MEDIUM4: 27 → 61; S5.LARGE8: 75; SR1.MEDIUM4 has no limit → 110.
    assert pods(catalog) == {"S5.LARGE8": 75, "S5.MEDIUM4": 61, "SR1.MEDIUM4": 110}


def test_global_router_with_vpc_cni_addon_and_no_pod_num(cloud: FakeCloud) -> None:
    # A GR cluster with the VPC-CNI add-on (VpcCniType set) and no usable MaxNodePodNum.
    cloud.clusters = [cluster("GR", max_node_pod_num=0, VpcCniType="tke-route-eni")]
    assert pods(load()) == {"S5.LARGE8": 75, "S5.MEDIUM4": 61, "SR1.MEDIUM4": 110}


def test_no_zones_known_asks_once_without_a_zone(cloud: FakeCloud) -> None:
    cloud.clusters = [cluster("VPC-CNI")]
    catalog = load(ClusterHints(cluster_ids=(CLUSTER_ID,)))
    assert cloud.actions()[5:] == ["DescribeVpcCniPodLimits"]
    assert cloud.calls[5][1] == {}
    assert pods(catalog)["S5.LARGE8"] == 75


def test_plain_global_router_without_pod_num_is_110(cloud: FakeCloud) -> None:
    cloud.clusters = [cluster("GR", max_node_pod_num=0)]
    assert set(pods(load()).values()) == {110}
    assert "DescribeVpcCniPodLimits" not in cloud.actions()


@pytest.mark.parametrize("code", ["UnauthorizedOperation.CamNoAuth",
                                  "AuthFailure.UnauthorizedOperation"])
def test_permission_error_is_a_note_and_pods_are_left_to_the_nodes(cloud: FakeCloud,
                                                                   code: str) -> None:
    cloud.script["DescribeClusters"] = [error(code, "no permission for tke:DescribeClusters")]
    catalog = load()
    assert cloud.actions().count("DescribeClusters") == 1  # not retried
    assert catalog.instance_types and set(pods(catalog).values()) == {None}
    [note] = catalog.notes
    assert note.startswith("max pods per node: Tencent Cloud API DescribeClusters")
    assert code in note and note.endswith("using the pods capacity of the cluster's nodes, "
                                          "else 110")
    again = load()  # the cached catalogue keeps its note
    assert len(cloud.calls) == 5 and again.notes == catalog.notes


def test_eni_call_failing_falls_back_too(cloud: FakeCloud) -> None:
    cloud.clusters = [cluster("VPC-CNI")]
    cloud.script["DescribeVpcCniPodLimits"] = [error("UnauthorizedOperation")]
    catalog = load()
    assert set(pods(catalog).values()) == {None}
    assert "DescribeVpcCniPodLimits" in catalog.notes[0]


def test_unknown_cluster_is_a_note(cloud: FakeCloud) -> None:
    catalog = load(ClusterHints(cluster_ids=("cls-nothere1",)))
    assert "knows no cluster cls-nothere1" in catalog.notes[-1]
    assert set(pods(catalog).values()) == {None}


def test_no_cluster_id_makes_no_tke_call(cloud: FakeCloud) -> None:
    catalog = load(None)
    assert cloud.actions() == ["DescribeZoneInstanceConfigInfos"] * 4
    assert catalog.notes[-1] == ("max pods per node: no TKE cluster ID found (set "
                                 "TKE_CLUSTER_ID=cls-…); using the pods capacity of the "
                                 "cluster's nodes, else 110")
    several = load(ClusterHints(cluster_ids=("cls-aaaa1111", "cls-bbbb2222")), refresh=True)
    assert "several TKE clusters (cls-aaaa1111, cls-bbbb2222)" in several.notes[-1]


def test_env_cluster_id_wins(cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tencent.ENV_CLUSTER_ID, CLUSTER_ID)
    cloud.clusters = [cluster("GR", max_node_pod_num=256)]
    catalog = load(ClusterHints(cluster_ids=("cls-other999",)))
    assert cloud.calls[4][1] == {"ClusterIds": [CLUSTER_ID]}
    assert set(pods(catalog).values()) == {253}


def test_cache_is_per_cluster(cloud: FakeCloud) -> None:
    load()
    load()
    assert len(cloud.calls) == 5
    load(ClusterHints(cluster_ids=("cls-other999",)))
    assert len(cloud.calls) == 10  # another cluster, another cache entry


def test_live_context_vpc_cni_pods_and_allocatable(cloud: FakeCloud) -> None:
    cloud.clusters = [cluster("VPC-CNI")]
    ctx = load_context(ClusterOptions(), load_demo())
    npc = ctx.node_pool("test")
    assert npc is not None
    types = {it.name: it for it in npc.instance_types}
    medium, large = types["S5.MEDIUM4"], types["S5.LARGE8"]
    assert medium.capacity["pods"] == 61_000
    assert medium.allocatable["cpu"] == 1930
    assert medium.allocatable["memory"] == 2428 * 2**20 * 1000
    # 75 pods: kube-reserved memory min(20·75 + 256, tiers(8GB) = 1843) = 1756Mi, so
    # ceil((8GiB − 256Mi kdump) · 0.925) − 1756Mi − 100Mi eviction
    assert large.allocatable["pods"] == 75_000
    assert large.allocatable["memory"] == (7697386701 - 1856 * 2**20) * 1000
    assert [b for a, b in cloud.calls if a == "DescribeVpcCniPodLimits"] == [
        {"Zone": z} for z in ZONES]  # the node class's subnet zones


def test_live_context_permission_error_notes_and_uses_the_nodes(cloud: FakeCloud) -> None:
    cloud.script["DescribeClusters"] = [error("UnauthorizedOperation.CamNoAuth")]
    ctx = load_context(ClusterOptions(), load_demo())
    assert any(n.startswith("max pods per node: ") for n in ctx.notes)
    npc = ctx.node_pool("test")
    assert npc is not None
    medium = {it.name: it for it in npc.instance_types}["S5.MEDIUM4"]
    assert medium.capacity["pods"] == 61_000  # the demo nodes' pods capacity


def test_build_catalog_takes_the_eni_limits_of_the_last_on_demand_zone() -> None:
    # upstream: instancetype.go List — lo.SliceToMap keeps a type's last on-demand item (else
    # its first spot item) and NewInstanceType gets eniLimits[item.Zone]: a zone whose limits
    # were not asked gives none.
    def item(zone: str, charge: str) -> dict[str, Any]:
        return {"Zone": zone, "InstanceType": "S5.LARGE8", "InstanceChargeType": charge,
                "Cpu": 4, "Memory": 8, "Status": "SELL", "Inventory": 1}

    def answers(od: list[dict[str, Any]], spot: list[dict[str, Any]]
                ) -> list[tencent.QuotaAnswer]:
        return [tencent.QuotaAnswer("POSTPAID_BY_HOUR", "amd64", od),
                tencent.QuotaAnswer("SPOTPAID", "amd64", spot)]

    network = ClusterNetwork(has_property=True, network_type="VPC-CNI")
    eni = {"ap-guangzhou-3": {"S5.LARGE8": PodLimits(70, 4, 30)},
           "ap-guangzhou-4": {"S5.LARGE8": PodLimits(80, 5, 40)}}
    od = [item("ap-guangzhou-3", "POSTPAID_BY_HOUR"), item("ap-guangzhou-4", "POSTPAID_BY_HOUR")]
    spot = [item("ap-guangzhou-3", "SPOTPAID")]
    catalog = tencent.build_catalog("ap-guangzhou", answers(od, spot), source="t",
                                    network=network, eni=eni)
    assert pods(catalog) == {"S5.LARGE8": 80}
    assert catalog.instance_types[0].capacity == {
        "cpu": 4000, "memory": 8 * 2**30 * 1000, "pods": 80_000,
        "tke.cloud.tencent.com/eni-ip": 80_000, "tke.cloud.tencent.com/direct-eni": 5_000,
        "tke.cloud.tencent.com/eni": 5_000, "tke.cloud.tencent.com/sub-eni": 40_000,
        "tke.cloud.tencent.com/eip": 1_000}  # 4 vCPU: 2 public IPs − 1
    assert pods(tencent.build_catalog("ap-guangzhou", answers([], spot), source="t",
                                      network=network, eni=eni)) == {"S5.LARGE8": 70}
    last_unasked = [*od, item("ap-guangzhou-6", "POSTPAID_BY_HOUR")]
    unasked = tencent.build_catalog("ap-guangzhou", answers(last_unasked, spot), source="t",
                                    network=network, eni=eni)
    assert pods(unasked) == {"S5.LARGE8": 110}  # zone 6 has no limits: the default
    assert not any(k.startswith("tke.") for k in unasked.instance_types[0].capacity)
    assert pods(tencent.build_catalog("ap-guangzhou", answers(od, spot), source="t")) == {
        "S5.LARGE8": None}  # no cluster: pods left to the nodes


def test_vpc_cni_resources_on_capacity_by_zone_limits(cloud: FakeCloud) -> None:
    # upstream: types.go computeCapacity — eni-ip, direct-eni (and eni), sub-eni from the
    # type's PodLimits; eip from the vCPU count whenever the zone has limits.
    cloud.clusters = [cluster("VPC-CNI")]
    types = load().by_name()
    medium = types["S5.MEDIUM4"].capacity
    assert medium["tke.cloud.tencent.com/eni-ip"] == 27_000
    assert medium["pods"] == 61_000  # 27 → the 61 floor
    assert medium["tke.cloud.tencent.com/direct-eni"] == 5_000
    assert medium["tke.cloud.tencent.com/eni"] == 5_000
    assert medium["tke.cloud.tencent.com/sub-eni"] == 100_000
    assert medium["tke.cloud.tencent.com/eip"] == 1_000
    arm = types["SR1.MEDIUM4"].capacity  # no PodLimits entry: only the zone's eip
    assert "tke.cloud.tencent.com/eni-ip" not in arm
    assert arm["tke.cloud.tencent.com/eip"] == 1_000
