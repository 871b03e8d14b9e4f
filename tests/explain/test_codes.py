"""Every reason code, end to end through the real scheduler: it is reported for a pod that
stays pending, and its fix names the real object and the real values."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from kubectl_karp.core import reasons as rc
from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.explain import explain
from kubectl_karp.core.explain.result import PodExplanation
from tests.builders.documents import CATALOG, NODE_CLASS, context, node, node_pool, pod, replicas

ARM = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
    "nodeSelectorTerms": [{"matchExpressions": [
        {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]}]}}}}
ZONE_3 = [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["100003"]}]


def _pv(zone: str) -> list[dict[str, Any]]:
    return [
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
         "metadata": {"name": "data-db-0", "namespace": "default",
                      "annotations": {"pv.kubernetes.io/bind-completed": "yes"}},
         "spec": {"volumeName": "pv-db"}},
        {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-db"},
         "spec": {"claimRef": {"namespace": "default", "name": "data-db-0"},
                  "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                      {"key": "topology.kubernetes.io/zone", "operator": "In",
                       "values": [zone]}]}]}}}},
        pod("db-0", owner=("StatefulSet", "db"), spec={"volumes": [
            {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]})]


def _unbound_pv() -> list[dict[str, Any]]:
    """The claim names its volume, and the volume points back, but binding is not complete."""
    docs = _pv("100003")
    docs[0] = copy.deepcopy(docs[0])
    del docs[0]["metadata"]["annotations"]
    return docs


def _attach_limited() -> list[dict[str, Any]]:
    """Node n1's CSINode allows one volume of the driver, and a bound pod already uses it."""
    claims = [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": {"name": name, "namespace": "default"},
               "spec": {"storageClassName": "cbs"}} for name in ("old-data", "new-data")]
    volume = {"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "new-data"}}]}
    return [
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "cbs"},
         "provisioner": "com.tencent.cloud.csi.cbs", "volumeBindingMode": "WaitForFirstConsumer"},
        *claims,
        {"apiVersion": "storage.k8s.io/v1", "kind": "CSINode", "metadata": {"name": "n1"},
         "spec": {"drivers": [{"name": "com.tencent.cloud.csi.cbs", "nodeID": "n1",
                               "allocatable": {"count": 1}}]}},
        pod("old", node_name="n1", cpu="100m", spec={"volumes": [
            {"name": "d", "persistentVolumeClaim": {"claimName": "old-data"}}]}),
        pod("web", owner=("Deployment", "web"), cpu="100m", spec=volume)]


def _sold_out() -> dict[str, Any]:
    catalog = copy.deepcopy(CATALOG)
    for it in catalog["instanceTypes"]:
        for offering in it["offerings"]:
            offering["available"] = False
    return catalog


def _not_ready_class() -> dict[str, Any]:
    doc = copy.deepcopy(NODE_CLASS)
    doc["status"]["conditions"] = [{"type": "Ready", "status": "False",
                                    "reason": "SubnetsNotFound", "message": "no subnet matched"}]
    return doc


def _static_pool(name: str) -> dict[str, Any]:
    doc = node_pool(name)
    doc["spec"]["replicas"] = 2
    return doc


def _deleting_pool(name: str) -> dict[str, Any]:
    doc = node_pool(name)
    doc["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return doc


_SPREAD = {"topologySpreadConstraints": [{
    "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
    "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": "web"}}}]}
_AFFINITY = {"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"topologyKey": "topology.kubernetes.io/zone",
     "labelSelector": {"matchLabels": {"app": "cache"}}}]}}}
_ANTI = {"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"topologyKey": "topology.kubernetes.io/zone",
     "labelSelector": {"matchLabels": {"app": "db"}}}]}}}

# code → (cluster, where the reason shows: "pool" | "node" | "pod", words the fix must contain)
CASES: dict[str, tuple[Callable[[], SchedulingContext], str, tuple[str, ...]]] = {
    rc.INSUFFICIENT_RESOURCE: (
        lambda: context(node_pool(families=["C6"]), node("n1", cpu="2"),
                        replicas("api", 1, cpu="3")),
        "node", ("deployment/api", "at most 2")),
    rc.UNTOLERATED_TAINT: (
        lambda: context(node_pool(taints=[{"key": "team", "value": "ml",
                                           "effect": "NoSchedule"}]), pod("web")),
        "pool", ("pod/web", "{key: team, operator: Equal, value: ml, effect: NoSchedule}")),
    rc.NODE_SELECTOR_MISMATCH: (
        lambda: context(node_pool("test"),
                        pod("cache", spec={"nodeSelector": {"disktype": "ssd"}})),
        "pool", ("NodePool test", "disktype: ssd")),
    rc.INCOMPATIBLE_REQUIREMENT: (
        lambda: context(node_pool("test"), pod("thumb", spec=ARM)),
        "pool", ("NodePool test", "kubernetes.io/arch", "arm64")),
    rc.NODEPOOL_LIMIT_EXCEEDED: (
        lambda: context(node_pool("test", limits={"cpu": "10"}), pod("batch", cpu="6"),
                        node("used", cpu="6", pool="test", taints=[
                            {"key": "busy", "effect": "NoSchedule"}])),
        "pool", ("spec.limits.cpu of NodePool test from 10 to at least 14",)),
    rc.NO_INSTANCE_TYPE_FITS: (
        lambda: context(node_pool("test", families=["S5"]), pod("trainer", cpu="12")),
        "pool", ("NodePool test", "karpenter.k8s.tke/instance-family", "SA2")),
    rc.OFFERINGS_UNAVAILABLE: (
        lambda: context(node_pool("test"), pod("web"), catalog=_sold_out()),
        "pool", ("NodePool test",)),
    rc.TOPOLOGY_SPREAD: (
        lambda: context(node_pool(extra_requirements=ZONE_3),
                        node("full-4", zone="100004", cpu="1"),
                        pod("web-old", node_name="full-4", cpu="100m", labels={"app": "web"}),
                        replicas("web", 3, cpu="1", spec=_SPREAD)),
        "pool", ("maxSkew 1", "deployment/web")),
    rc.POD_AFFINITY: (
        lambda: context(node_pool(), pod("web", spec=_AFFINITY)),
        "pool", ("app=cache", "spec.affinity.podAffinity of pod/web")),
    rc.POD_ANTI_AFFINITY: (
        lambda: context(node_pool(extra_requirements=ZONE_3), node("n3", cpu="1"),
                        pod("db-old", node_name="n3", cpu="100m", labels={"app": "db"}),
                        pod("db-new", cpu="1", labels={"app": "db"}, spec=_ANTI)),
        "pool", ("app=db", "pod/db-new")),
    rc.HOST_PORT_CONFLICT: (
        lambda: context(node_pool(families=["C6"]), node("n1"),
                        pod("old", node_name="n1", ports=[8080]), pod("new", ports=[8080])),
        "node", ("pod/new",)),
    rc.VOLUME_ZONE_CONFLICT: (
        lambda: context(node_pool(), node("n3", zone="100003"), *_pv("100007")),
        "pool", ("100007", "TKEMachineNodeClass default", "data-db-0")),
    rc.VOLUME_NOT_USABLE: (
        lambda: context(node_pool(), *_unbound_pv()),
        "pod", ("default/data-db-0", "pv.kubernetes.io/bind-completed")),
    rc.VOLUME_LIMIT_EXCEEDED: (
        lambda: context(node_pool(families=["C6"]), node("n1"), *_attach_limited()),
        "node", ("deployment/web", "n1")),
    rc.NODE_UNSCHEDULABLE: (
        lambda: context(node_pool(families=["C6"]), node("n1", unschedulable=True), pod("web")),
        "node", ("kubectl uncordon n1",)),
    rc.NODECLASS_NOT_FOUND: (
        lambda: context(node_pool("test", node_class="gone"), pod("web")),
        "pool", ("TKEMachineNodeClass gone", "NodePool test")),
    rc.NODECLASS_NOT_READY: (
        lambda: context(node_pool(), pod("web"), node_class=_not_ready_class()),
        "pool", ("tkemachinenodeclass default",)),
    rc.NODEPOOL_NOT_READY: (
        lambda: context(node_pool("test", ready=False), pod("web")),
        "pool", ("nodepool test",)),
    rc.NODEPOOL_STATIC: (
        lambda: context(_static_pool("fixed"), pod("web")),
        "pool", ("spec.replicas of NodePool fixed", "kubectl scale nodepool fixed")),
    rc.NODEPOOL_DELETING: (
        lambda: context(_deleting_pool("old"), pod("web")),
        "pool", ("NodePool old",)),
    rc.NO_NODEPOOL: (
        lambda: context(node("n1", cpu="1"), pod("web", cpu="2")),
        "pod", ("NodePool",)),
}


def test_every_reason_code_has_a_scenario() -> None:
    assert set(CASES) == set(rc.POD_REASONS)


def _reasons(entry: PodExplanation, where: str) -> list[tuple[str, str, str]]:
    if where == "node":
        return [(g.code, g.message, g.fix) for g in entry.existing_nodes]
    if where == "pod":
        return [(r.code, r.message, r.fix) for r in entry.reasons]
    return [(r.code, r.message, r.fix) for p in entry.node_pools for r in p.reasons]


@pytest.mark.parametrize("code", sorted(CASES))
def test_reason_code_end_to_end(code: str) -> None:
    build, where, words = CASES[code]
    explanation = explain(build())
    pending = [e for e in explanation.pods if not e.schedulable]
    assert pending, "the scenario must leave a pod pending"
    found = [r for e in pending for r in _reasons(e, where) if r[0] == code]
    assert found, [(e.pod, _reasons(e, where)) for e in pending]
    _, message, fix = found[0]
    assert message and fix
    for word in words:
        assert word in fix, (word, fix)
