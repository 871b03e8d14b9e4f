"""The embedded demo cluster loads and tells the story every command relies on."""

from __future__ import annotations

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.model.predicates import do_not_disrupt_active
from kubectl_karp.sources.catalogs import bundled_catalogs
from kubectl_karp.sources.demo import load_demo

CORE = 1000


def demo_context() -> SchedulingContext:
    return build_context(load_demo(), bundled_catalogs("tke", "ap-guangzhou"))


def test_demo_has_the_seed_objects() -> None:
    snap = load_demo()
    assert snap.notes == ()
    [pool] = snap.node_pools
    assert pool.name == "test"
    assert pool.limits == {"cpu": 10 * CORE}
    assert pool.consolidation_policy == "WhenEmptyOrUnderutilized"
    assert pool.consolidate_after_seconds == 300
    assert [b.nodes for b in pool.budgets] == ["10%"]
    reqs = {r.key: (r.operator, r.values) for r in pool.requirements}
    assert reqs["karpenter.k8s.tke/instance-family"] == ("In", ("S5", "SA2"))
    assert reqs["karpenter.sh/capacity-type"] == ("In", ("on-demand",))
    assert reqs["karpenter.k8s.tke/instance-cpu"] == ("Gt", ("1",))
    [nodeclass] = snap.node_classes
    assert (nodeclass.kind, nodeclass.name) == ("TKEMachineNodeClass", "default")
    sample = [p for p in snap.pods if p.labels.get("app") == "sample-app"]
    assert len(sample) == 3
    assert all(p.is_pending and p.requests["cpu"] == CORE for p in sample)
    assert all(any(c.reason == "Unschedulable" for c in p.conditions) for p in sample)


def test_demo_surroundings() -> None:
    snap = load_demo()
    assert len(snap.nodes) == 5
    karpenter_nodes = [n for n in snap.nodes if n.node_pool == "test"]
    assert len(karpenter_nodes) == 3
    for node in karpenter_nodes:
        claim = snap.node_claim_for(node)
        assert claim is not None and claim.node_name == node.name
        assert claim.provider_id == node.provider_id and node.provider_id.startswith("qcloud:///")
        assert claim.has_condition("Initialized") and claim.has_condition("Registered")
    pods_by_node = snap.pods_by_node
    workloads = {n.name: [p for p in pods_by_node.get(n.name, []) if not p.is_daemonset_pod]
                 for n in karpenter_nodes}
    assert sorted(len(v) for v in workloads.values()) == [0, 1, 1]  # one empty node
    assert any(do_not_disrupt_active(p, snap.captured_at, durations=True)
               for v in workloads.values() for p in v)
    assert len(snap.daemon_sets) == 2 and len(snap.pdbs) == 1
    [sc] = snap.storage_classes
    assert sc.volume_binding_mode == "WaitForFirstConsumer"
    assert sc.provisioner == "com.tencent.cloud.csi.cbs"
    pending = {p.name for p in snap.pending_pods}
    assert {"trainer-0", "postgres-0"} <= pending and len(pending) == 7
    assert len(snap.documents) <= 50


def test_demo_context_gives_test_a_ready_tke_class_with_s5_sa2_types() -> None:
    ctx = demo_context()
    npc = ctx.node_pool("test")
    assert npc is not None and npc.provider == "tke" and npc.problems == ()
    assert npc.node_class_zones is not None and "100003" in npc.node_class_zones
    assert "100007" not in npc.node_class_zones  # the PV's zone: no subnet there
    families = {it.labels["karpenter.k8s.tke/instance-family"] for it in npc.instance_types}
    assert {"S5", "SA2"} <= families
    zones = {o.zone for it in npc.instance_types for o in it.offerings}
    assert zones == {"100003", "100004"}
    assert ctx.illustrative_prices and ctx.prices_known
    for node in ctx.snapshot.nodes:
        assert ctx.node_price(node) is not None, node.name


def test_sample_app_fits_the_cpu_limit() -> None:
    ctx = demo_context()
    snap = ctx.snapshot
    used = sum(n.capacity["cpu"] for n in snap.nodes if n.node_pool == "test")
    assert used == 6 * CORE  # room for one 4-vCPU node under the limit of 10
    npc = ctx.node_pool("test")
    assert npc is not None
    daemon = sum(ds.template.requests.get("cpu", 0) for ds in snap.daemon_sets)
    fits = [it.name for it in npc.instance_types
            if it.capacity["cpu"] <= 4 * CORE
            and it.allocatable["cpu"] - daemon >= 3 * CORE
            and it.labels["karpenter.k8s.tke/instance-family"] in ("S5", "SA2")
            and it.available_offerings()]
    assert "SA2.LARGE8" in fits and "S5.LARGE8" in fits


def test_existing_nodes_cannot_take_a_sample_app_pod() -> None:
    # Otherwise kube-scheduler would already have bound the pods and the demo would lie.
    snap = load_demo()
    for node in snap.nodes:
        used_cpu = sum(p.requests.get("cpu", 0) for p in snap.pods_by_node.get(node.name, []))
        used_mem = sum(p.requests.get("memory", 0) for p in snap.pods_by_node.get(node.name, []))
        free_cpu = node.allocatable["cpu"] - used_cpu
        free_mem = node.allocatable["memory"] - used_mem
        assert free_cpu < CORE or free_mem < 2**30 * 1000, node.name
