"""One scenario per reason code: the message carries the numbers, the fix names the real
object and the real values."""

from __future__ import annotations

import copy
from typing import Any

from kubectl_karp.core import reasons as rc
from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.diagnosis.nodepools import diagnose_node_pool
from kubectl_karp.core.diagnosis.volumes import volume_pins
from kubectl_karp.core.explain import explain
from kubectl_karp.core.explain.existing import diagnose_existing
from kubectl_karp.core.explain.result import NodePoolVerdict
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.scheduling.result import PodFailure, SimulationResult
from kubectl_karp.model.objects import Pod
from tests.builders.documents import CATALOG, NODE_CLASS, context, node, node_pool, pod, replicas


def _pod(ctx: SchedulingContext, key: str) -> Pod:
    return next(p for p in ctx.snapshot.pods if p.key == key)


def _pool(ctx: SchedulingContext, key: str, name: str = "default") -> NodePoolVerdict:
    p = _pod(ctx, key)
    npc = ctx.node_pool(name)
    assert npc is not None
    return diagnose_node_pool(ctx, npc, p, volume_pins(p, ctx.snapshot))


def _only(verdict: NodePoolVerdict, code: str) -> Reason:
    assert not verdict.accepted
    found = [r for r in verdict.reasons if r.code == code]
    assert found, [r.code for r in verdict.reasons]
    return found[0]


# --------------------------------------------------------------------------- NodePools

def test_accepted_pool_lists_cheapest_types() -> None:
    ctx = context(node_pool(), pod("web", cpu="1"))
    verdict = _pool(ctx, "default/web")
    assert verdict.accepted and not verdict.reasons
    assert verdict.candidates[0] == "S5.MEDIUM4"


def test_untolerated_taint_on_node_pool() -> None:
    ctx = context(node_pool(taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
                  replicas("web", 1))
    reason = _only(_pool(ctx, "default/web-abc12-00000"), rc.UNTOLERATED_TAINT)
    assert "dedicated=gpu:NoSchedule" in reason.message
    assert "deployment/web" in reason.fix
    assert "{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}" in reason.fix
    assert "spec.template.spec.tolerations" in reason.fix


def test_tolerated_taint_is_no_reason() -> None:
    ctx = context(node_pool(taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
                  pod("web", spec={"tolerations": [{"key": "dedicated", "operator": "Exists"}]}))
    assert _pool(ctx, "default/web").accepted


def test_node_selector_matches_no_template_label() -> None:
    ctx = context(node_pool("general"), replicas("cache", 1,
                                                 spec={"nodeSelector": {"disktype": "ssd"}}))
    reason = _only(_pool(ctx, "default/cache-abc12-00000", "general"), rc.NODE_SELECTOR_MISMATCH)
    assert "disktype=ssd" in reason.message and "general" in reason.message
    assert "add disktype: ssd to spec.template.metadata.labels of NodePool general" in reason.fix
    assert "spec.template.spec.nodeSelector of deployment/cache" in reason.fix


def test_node_selector_satisfied_by_template_label() -> None:
    ctx = context(node_pool(labels={"disktype": "ssd"}),
                  pod("cache", spec={"nodeSelector": {"disktype": "ssd"}}))
    assert _pool(ctx, "default/cache").accepted


def test_incompatible_requirement_arch() -> None:
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]}]}}}
    ctx = context(node_pool(), pod("thumb", spec={"affinity": affinity}))
    reason = _only(_pool(ctx, "default/thumb"), rc.INCOMPATIBLE_REQUIREMENT)
    assert "kubernetes.io/arch In [arm64]" in reason.message
    assert "In [amd64]" in reason.message
    assert "widen NodePool default requirement kubernetes.io/arch to include arm64" in reason.fix
    assert "spec.affinity.nodeAffinity of pod/thumb" in reason.fix


def test_no_instance_type_fits_names_largest_and_wider_family() -> None:
    ctx = context(node_pool("test", families=["S5"]), pod("trainer", cpu="12", memory="8Gi"))
    verdict = _pool(ctx, "default/trainer", "test")
    reason = _only(verdict, rc.NO_INSTANCE_TYPE_FITS)
    assert "largest S5 type allowed is S5.2XLARGE16" in reason.message
    assert "the pod requests 12" in reason.message
    assert "allocatable CPU" in reason.message
    assert "widen NodePool test requirement karpenter.k8s.tke/instance-family to include SA2" \
        in reason.fix
    assert "SA2.4XLARGE32" in reason.fix
    assert verdict.closest[0].name == "S5.2XLARGE16"
    assert verdict.closest[0].lacks["cpu"] > 4000  # 12 CPU wanted, under 8 allocatable


def test_no_instance_type_in_catalogue_big_enough() -> None:
    ctx = context(node_pool(), pod("huge", cpu="64"))
    reason = _only(_pool(ctx, "default/huge"), rc.NO_INSTANCE_TYPE_FITS)
    assert "SA2.4XLARGE32" in reason.message
    assert "no TKE instance type in the catalogue has room" in reason.fix
    assert "spec.containers of pod/huge" in reason.fix


def test_no_instance_type_matches_requirements() -> None:
    ctx = context(node_pool(families=["C6"]), pod("web"))
    reason = _only(_pool(ctx, "default/web"), rc.NO_INSTANCE_TYPE_FITS)
    assert "none of the 5 TKE instance types" in reason.message
    assert "karpenter.k8s.tke/instance-family In [C6]" in reason.message
    assert "karpenter.k8s.tke/instance-family" in reason.fix and "NodePool default" in reason.fix


def test_node_pool_limit_exceeded_gives_the_new_limit() -> None:
    ctx = context(node_pool("test", limits={"cpu": "10"}), pod("batch", cpu="6", memory="4Gi"),
                  node("used", cpu="6", pool="test"))
    reason = _only(_pool(ctx, "default/batch", "test"), rc.NODEPOOL_LIMIT_EXCEEDED)
    assert "limits.cpu is 10 (6 in use)" in reason.message
    assert "S5.2XLARGE16, adds 8" in reason.message
    assert reason.fix == "raise spec.limits.cpu of NodePool test from 10 to at least 14"


def test_limit_counts_node_claims_planned_for_earlier_pods() -> None:
    ctx = context(node_pool("test", limits={"cpu": "10"}), pod("batch", cpu="1"))
    p = _pod(ctx, "default/batch")
    npc = ctx.node_pool("test")
    assert npc is not None
    verdict = diagnose_node_pool(ctx, npc, p, (), planned={"cpu": 9000})
    reason = _only(verdict, rc.NODEPOOL_LIMIT_EXCEEDED)
    assert "more for the NodeClaims simulate plans for other pending pods" in reason.message
    assert reason.fix == "raise spec.limits.cpu of NodePool test from 10 to at least 11"


def test_offerings_unavailable_when_sold_out() -> None:
    catalog: dict[str, Any] = copy.deepcopy(CATALOG)
    for it in catalog["instanceTypes"]:
        for offering in it["offerings"]:
            offering["available"] = False
    ctx = context(node_pool(), pod("web"), catalog=catalog)
    reason = _only(_pool(ctx, "default/web"), rc.OFFERINGS_UNAVAILABLE)
    assert "sold out" in reason.message
    assert "100003 (ap-guangzhou-3)" in reason.message
    assert "NodePool default" in reason.fix


def test_offerings_unavailable_suggests_spot_when_only_spot_left() -> None:
    catalog: dict[str, Any] = copy.deepcopy(CATALOG)
    for it in catalog["instanceTypes"]:
        for offering in it["offerings"]:
            offering["available"] = False
        it["offerings"].append({"zone": "100003", "capacityType": "spot", "pricePerHour": 0.01})
    ctx = context(node_pool(), pod("web"), catalog=catalog)
    reason = _only(_pool(ctx, "default/web"), rc.OFFERINGS_UNAVAILABLE)
    assert reason.fix == ("allow spot in NodePool default requirement "
                          "karpenter.sh/capacity-type")


def _pv_docs(zone: str) -> list[dict[str, Any]]:
    return [
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
         "metadata": {"name": "data-db-0", "namespace": "default",
                      "annotations": {"pv.kubernetes.io/bind-completed": "yes"}},
         "spec": {"volumeName": "pv-db", "storageClassName": "cbs"}},
        {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-db"},
         "spec": {"storageClassName": "cbs", "claimRef": {"namespace": "default",
                                                          "name": "data-db-0"},
                  "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                      {"key": "topology.kubernetes.io/zone", "operator": "In",
                       "values": [zone]}]}]}}}},
    ]


def _db_pod() -> dict[str, Any]:
    return pod("db-0", owner=("StatefulSet", "db"), spec={"volumes": [
        {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]})


def test_volume_zone_without_subnet() -> None:
    ctx = context(node_pool(), _db_pod(), *_pv_docs("100007"), node("n1", zone="100003"))
    reason = _only(_pool(ctx, "default/db-0"), rc.VOLUME_ZONE_CONFLICT)
    assert "pv-db" in reason.message and "100007" in reason.message
    assert "TKEMachineNodeClass default" in reason.message
    assert reason.fix.startswith("add a subnet in zone 100007")
    assert "TKEMachineNodeClass default" in reason.fix and "data-db-0" in reason.fix
    groups = diagnose_existing(_pod(ctx, "default/db-0"), ctx.snapshot,
                               volume_pins(_pod(ctx, "default/db-0"), ctx.snapshot))
    assert [g.code for g in groups] == [rc.VOLUME_ZONE_CONFLICT]
    assert "pv-db" in groups[0].message and "100007" in groups[0].fix


def test_volume_zone_excluded_by_node_pool_requirement() -> None:
    zone_req = {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["100004"]}
    ctx = context(node_pool(extra_requirements=[zone_req]), _db_pod(), *_pv_docs("100003"))
    reason = _only(_pool(ctx, "default/db-0"), rc.VOLUME_ZONE_CONFLICT)
    assert "add 100003 to NodePool default requirement topology.kubernetes.io/zone" in reason.fix


def test_volume_in_served_zone_is_accepted() -> None:
    ctx = context(node_pool(), _db_pod(), *_pv_docs("100004"))
    verdict = _pool(ctx, "default/db-0")
    assert verdict.accepted


def test_node_class_not_found() -> None:
    ctx = context(node_pool(node_class="missing"), pod("web"))
    reason = _only(_pool(ctx, "default/web"), rc.NODECLASS_NOT_FOUND)
    assert "TKEMachineNodeClass missing" in reason.message
    assert "create TKEMachineNodeClass missing" in reason.fix


def test_node_class_not_ready() -> None:
    not_ready = copy.deepcopy(NODE_CLASS)
    not_ready["status"]["conditions"] = [{"type": "Ready", "status": "False",
                                          "reason": "SubnetsNotFound",
                                          "message": "no subnet matches the selector"}]
    ctx = context(node_pool(), pod("web"), node_class=not_ready)
    reason = _only(_pool(ctx, "default/web"), rc.NODECLASS_NOT_READY)
    assert "TKEMachineNodeClass default is not Ready" in reason.message
    assert "no subnet matches the selector" in reason.message
    assert "tkemachinenodeclass default" in reason.fix


def test_node_pool_not_ready() -> None:
    ctx = context(node_pool("test", ready=False), pod("web"))
    reason = _only(_pool(ctx, "default/web", "test"), rc.NODEPOOL_NOT_READY)
    assert "NodePool test is not Ready" in reason.message
    assert "kubectl describe nodepool test" in reason.fix


def test_daemonset_overhead_is_taken_from_allocatable() -> None:
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet",
          "metadata": {"name": "agent", "namespace": "kube-system"},
          "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {
              "metadata": {"labels": {"app": "agent"}},
              "spec": {"containers": [{"name": "a", "image": "agent", "resources": {
                  "requests": {"cpu": "1"}}}]}}}}
    ctx = context(node_pool(families=["S5"]), pod("big", cpu="7"), ds)
    reason = _only(_pool(ctx, "default/big"), rc.NO_INSTANCE_TYPE_FITS)
    assert "after 1 for daemonsets" in reason.message


# --------------------------------------------------------------------------- existing nodes

def _existing(ctx: SchedulingContext, key: str) -> dict[str, Any]:
    p = _pod(ctx, key)
    return {g.code: g for g in diagnose_existing(p, ctx.snapshot, volume_pins(p, ctx.snapshot))}


def test_existing_insufficient_resource_names_most_free_node() -> None:
    ctx = context(node_pool(), node("n1", cpu="4"), node("n2", cpu="4"),
                  pod("filler", cpu="3", node_name="n1"), pod("filler2", cpu="2", node_name="n2"),
                  replicas("api", 1, cpu="3"))
    group = _existing(ctx, "default/api-abc12-00000")[rc.INSUFFICIENT_RESOURCE]
    assert group.count == 2
    assert "the pod requests 3, the most free is 2 on n2" in group.message
    assert "spec.template.spec.containers of deployment/api to at most 2" in group.fix


def test_existing_untolerated_taint_and_system_taint() -> None:
    ctx = context(node_pool(),
                  node("gpu1", taints=[{"key": "nvidia.com/gpu", "value": "true",
                                        "effect": "NoSchedule"}]),
                  node("gpu2", taints=[{"key": "nvidia.com/gpu", "value": "true",
                                        "effect": "NoSchedule"}]),
                  node("soft", taints=[{"key": "x", "effect": "PreferNoSchedule"}]),
                  pod("web", cpu="100"))
    groups = _existing(ctx, "default/web")
    taint = groups[rc.UNTOLERATED_TAINT]
    assert taint.count == 2
    assert "nvidia.com/gpu=true:NoSchedule (2 nodes)" in taint.message
    assert "{key: nvidia.com/gpu, operator: Equal, value: true, effect: NoSchedule}" in taint.fix
    # PreferNoSchedule never keeps a pod off: that node fails on resources instead.
    assert groups[rc.INSUFFICIENT_RESOURCE].nodes == ("soft",)
    sys_ctx = context(node_pool(), node("dying", taints=[
        {"key": "karpenter.sh/disrupted", "effect": "NoSchedule"}]), pod("web"))
    assert "do not tolerate them" in _existing(sys_ctx, "default/web")[rc.UNTOLERATED_TAINT].fix


def test_existing_node_unschedulable() -> None:
    ctx = context(node_pool(), node("n1", unschedulable=True), pod("web"))
    group = _existing(ctx, "default/web")[rc.NODE_UNSCHEDULABLE]
    assert "n1 cordoned" not in group.message  # counted, not listed per node
    assert "cordoned" in group.message
    assert group.fix.startswith("kubectl uncordon n1")


def test_existing_host_port_conflict() -> None:
    ctx = context(node_pool(), node("n1"), pod("old", node_name="n1", ports=[8080]),
                  pod("new", ports=[8080]))
    group = _existing(ctx, "default/new")[rc.HOST_PORT_CONFLICT]
    assert "host port 8080/TCP" in group.message
    assert "pod/new" in group.fix


def test_existing_selector_and_affinity() -> None:
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]}]}}}
    ctx = context(node_pool(), node("n1"), node("n2", labels={"disktype": "ssd"}),
                  pod("cache", spec={"nodeSelector": {"disktype": "ssd"}}),
                  pod("thumb", spec={"affinity": affinity}))
    cache = _existing(ctx, "default/cache")
    assert cache[rc.NODE_SELECTOR_MISMATCH].nodes == ("n1",)
    assert "kubectl label node NAME disktype=ssd" in cache[rc.NODE_SELECTOR_MISMATCH].fix
    thumb = _existing(ctx, "default/thumb")[rc.INCOMPATIBLE_REQUIREMENT]
    assert thumb.count == 2 and "kubernetes.io/arch In [arm64]" in thumb.message


def test_existing_room_taken_by_batch() -> None:
    ctx = context(node_pool(), node("n1", cpu="4"), pod("a", cpu="3"), pod("b", cpu="2"))
    b = _pod(ctx, "default/b")
    a = _pod(ctx, "default/a")
    groups = diagnose_existing(b, ctx.snapshot, (), batch={"n1": [a]})
    assert [g.code for g in groups] == [rc.INSUFFICIENT_RESOURCE]
    assert "taken by other pending pods" in groups[0].detail


# --------------------------------------------------------------------------- whole explanation

def test_no_node_pool() -> None:
    ctx = context(node("n1", cpu="1"), pod("web", cpu="2"))
    result = SimulationResult(unschedulable=(PodFailure("default/web", ()),))
    explanation = explain(ctx, result=result)
    assert [b.code for b in explanation.blockers] == [rc.NO_NODEPOOL]
    entry = explanation.pods[0]
    assert [r.code for r in entry.reasons] == [rc.NO_NODEPOOL]
    assert "kubectl karp apply" in entry.reasons[0].fix
    assert entry.node_pools == ()


def _batch_reason(code: str) -> None:
    ctx = context(node_pool(), pod("web", cpu="1"))
    sim = Reason(code, f"scheduler says {code}", fix=f"fix for {code}", node_pool="default")
    result = SimulationResult(unschedulable=(PodFailure("default/web", (sim,)),))
    entry = explain(ctx, result=result).pods[0]
    assert not entry.schedulable
    pool = entry.node_pools[0]
    # On its own the pod fits, but the scheduler's batch reason wins: never "accepted".
    assert not pool.accepted
    assert [r.code for r in pool.reasons] == [code]
    assert pool.reasons[0].fix == f"fix for {code}"


def test_topology_spread_from_scheduler() -> None:
    _batch_reason(rc.TOPOLOGY_SPREAD)


def test_pod_affinity_from_scheduler() -> None:
    _batch_reason(rc.POD_AFFINITY)


def test_pod_anti_affinity_from_scheduler() -> None:
    _batch_reason(rc.POD_ANTI_AFFINITY)


def test_blockers_report_limits_reached() -> None:
    ctx = context(node_pool("test", limits={"cpu": "10"}), pod("web"),
                  node("used", cpu="10", pool="test"))
    result = SimulationResult(unschedulable=(PodFailure("default/web", ()),))
    blockers = explain(ctx, result=result).blockers
    assert [b.code for b in blockers] == [rc.NODEPOOL_LIMIT_EXCEEDED]
    assert "NodePool test has reached limits.cpu: 10 in use of 10" in blockers[0].message


def test_blockers_report_sold_out_node_pool() -> None:
    catalog: dict[str, Any] = copy.deepcopy(CATALOG)
    for it in catalog["instanceTypes"]:
        for offering in it["offerings"]:
            offering["available"] = False
    ctx = context(node_pool("test"), pod("web"), catalog=catalog)
    result = SimulationResult(unschedulable=(PodFailure("default/web", ()),))
    [blocker] = explain(ctx, result=result).blockers
    assert blocker.code == rc.OFFERINGS_UNAVAILABLE
    assert "NodePool test: all 5 instance types it allows are sold out" in blocker.message
    assert "NodePool test" in blocker.fix


def test_extended_resource_no_type_has_any() -> None:
    ctx = context(node_pool(), pod("cuda", spec={"containers": [{
        "name": "main", "image": "cuda", "resources": {"requests": {"nvidia.com/gpu": "1"},
                                                       "limits": {"nvidia.com/gpu": "1"}}}]}))
    reason = _only(_pool(ctx, "default/cuda"), rc.NO_INSTANCE_TYPE_FITS)
    assert "NodePool default allows has any nvidia.com/gpu; the pod requests 1" in reason.message
    assert "no TKE instance type in the catalogue offers nvidia.com/gpu" in reason.fix
    assert "spec.containers of pod/cuda" in reason.fix


def test_existing_node_reserves_room_for_daemonset_pods_still_to_come() -> None:
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet",
          "metadata": {"name": "agent", "namespace": "kube-system"},
          "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {
              "metadata": {"labels": {"app": "agent"}},
              "spec": {"containers": [{"name": "a", "image": "agent", "resources": {
                  "requests": {"cpu": "1"}}}]}}}}
    ctx = context(node_pool(families=["C6"]), node("n1", cpu="4"), ds, pod("web", cpu="3500m"))
    group = _existing(ctx, "default/web")[rc.INSUFFICIENT_RESOURCE]
    assert "the most free is 3 on n1" in group.message


def test_startup_taint_of_uninitialized_karpenter_node_is_ignored() -> None:
    pool = node_pool()
    pool["spec"]["template"]["spec"]["startupTaints"] = [
        {"key": "agent-not-ready", "effect": "NoSchedule"}]
    ctx = context(pool, node("fresh", cpu="1", taints=[
        {"key": "agent-not-ready", "effect": "NoSchedule"}]), pod("web", cpu="2"))
    groups = _existing(ctx, "default/web")
    assert rc.UNTOLERATED_TAINT not in groups
    assert groups[rc.INSUFFICIENT_RESOURCE].nodes == ("fresh",)
