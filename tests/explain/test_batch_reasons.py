"""Reasons only the whole batch reveals, through the real scheduler: explain carries them
over with a fix aimed at the pod's own constraints."""

from __future__ import annotations

from kubectl_karp.core import reasons as rc
from kubectl_karp.core.explain import explain
from tests.builders.documents import context, node, node_pool, pod, replicas

ZONE_3_ONLY = [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["100003"]}]


def test_topology_spread_blocks_third_replica() -> None:
    spread = {"topologySpreadConstraints": [{
        "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
        "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": "web"}}}]}
    ctx = context(node_pool(extra_requirements=ZONE_3_ONLY),
                  node("full-4", zone="100004", cpu="1"),
                  pod("web-old", node_name="full-4", cpu="100m", labels={"app": "web"}),
                  replicas("web", 3, cpu="1", spec=spread))
    explanation = explain(ctx)
    pending = [e for e in explanation.pods if not e.schedulable]
    assert sum(e.count for e in pending) == 1
    pool = pending[0].node_pools[0]
    assert not pool.accepted
    reason = next(r for r in pool.reasons if r.code == rc.TOPOLOGY_SPREAD)
    assert "maxSkew 1 on topology.kubernetes.io/zone" in reason.fix
    assert "spec.template.spec.topologySpreadConstraints of deployment/web" in reason.fix
    assert "allow more zones in NodePool default" in reason.fix


def test_pod_anti_affinity_with_existing_pod() -> None:
    anti = {"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "topology.kubernetes.io/zone",
         "labelSelector": {"matchLabels": {"app": "db"}}}]}}}
    ctx = context(node_pool(extra_requirements=ZONE_3_ONLY), node("n3", zone="100003", cpu="1"),
                  pod("db-old", node_name="n3", cpu="100m", labels={"app": "db"}),
                  pod("db-new", cpu="1", labels={"app": "db"}, spec=anti))
    [entry] = explain(ctx).pods
    assert not entry.schedulable
    reason = next(r for r in entry.node_pools[0].reasons if r.code == rc.POD_ANTI_AFFINITY)
    assert "pods app=db per topology.kubernetes.io/zone" in reason.fix
    assert "spec.affinity.podAntiAffinity of pod/db-new" in reason.fix


def test_daemonset_host_port_on_every_new_node() -> None:
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet",
          "metadata": {"name": "proxy", "namespace": "kube-system"},
          "spec": {"selector": {"matchLabels": {"app": "proxy"}}, "template": {
              "metadata": {"labels": {"app": "proxy"}},
              "spec": {"containers": [{"name": "p", "image": "proxy",
                                       "ports": [{"containerPort": 80, "hostPort": 80}]}]}}}}
    ctx = context(node_pool(), ds, pod("web", ports=[80]))
    [entry] = explain(ctx).pods
    assert not entry.schedulable
    reason = next(r for r in entry.node_pools[0].reasons if r.code == rc.HOST_PORT_CONFLICT)
    assert "hostPort 80/TCP" in reason.fix and "spec.containers of pod/web" in reason.fix
