"""Synthetic clusters for the benchmarks, built as the Kubernetes documents a snapshot holds.

The benchmarks carry their own data (they never import tests/): documents go through the
same parser (``model.parse.build_snapshot``) a saved snapshot takes, so a benchmark measures
the code path users run. The catalogue follows Karpenter's fake-catalogue convention: cpu-N
types with N vCPU and 2N GiB at 0.1 per vCPU + 0.1 per GiB, on-demand and spot (half price)
in two zones.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.parse import build_snapshot

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)  # a Monday
CREATED = (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
ZONES = ("zone-a", "zone-b")
GI = 2**30 * 1000
NODE_CLASS = {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"}


def fake_type(cpu: int) -> InstanceType:
    """cpu-N: N vCPU, 2N GiB, 110 pods; on-demand at the convention's price, spot at half."""
    name, memory = f"cpu-{cpu}", 2 * cpu
    price = round(0.1 * cpu + 0.1 * memory, 6)
    offerings = tuple(Offering(zone=z, capacity_type=ct, price_per_hour=p)
                      for ct, p in (("on-demand", price), ("spot", round(price / 2, 6)))
                      for z in ZONES)
    capacity = {"cpu": cpu * 1000, "memory": memory * GI, "pods": 110_000}
    return InstanceType(name=name, capacity=capacity, allocatable=dict(capacity),
                        labels={"node.kubernetes.io/instance-type": name,
                                "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux"},
                        offerings=offerings)


def fake_catalog() -> InstanceTypeCatalog:
    return InstanceTypeCatalog(provider="aws", region="test", source="benchmark",
                               instance_types=tuple(fake_type(n) for n in range(1, 33)),
                               origin="benchmark")


def node_pool(budget: str) -> dict[str, Any]:
    """One on-demand NodePool that consolidates at once, with one node budget."""
    return {"apiVersion": "karpenter.sh/v1", "kind": "NodePool",
            "metadata": {"name": "default", "creationTimestamp": CREATED},
            "spec": {"template": {"spec": {
                "nodeClassRef": NODE_CLASS,
                "requirements": [{"key": "karpenter.sh/capacity-type", "operator": "In",
                                  "values": ["on-demand"]}]}},
                "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized",
                               "consolidateAfter": "0s", "budgets": [{"nodes": budget}]}}}


def node_class() -> dict[str, Any]:
    return {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass",
            "metadata": {"name": "default"}, "spec": {},
            "status": {"subnets": [{"id": f"subnet-{z}", "zone": z} for z in ZONES],
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def node(name: str, cpu: int, zone: str) -> list[dict[str, Any]]:
    """A managed, initialised, Ready node of type cpu-N and its NodeClaim."""
    labels = {"node.kubernetes.io/instance-type": f"cpu-{cpu}", "kubernetes.io/arch": "amd64",
              "kubernetes.io/os": "linux", "kubernetes.io/hostname": name,
              "topology.kubernetes.io/zone": zone, "karpenter.sh/capacity-type": "on-demand",
              "karpenter.sh/nodepool": "default", "karpenter.sh/initialized": "true"}
    resources = {"cpu": str(cpu), "memory": f"{2 * cpu}Gi", "pods": "110"}
    provider_id = f"aws:///{zone}/i-{name}"
    conditions = [{"type": t, "status": "True", "lastTransitionTime": CREATED}
                  for t in ("Launched", "Registered", "Initialized")]
    return [
        {"apiVersion": "v1", "kind": "Node",
         "metadata": {"name": name, "labels": labels, "creationTimestamp": CREATED},
         "spec": {"providerID": provider_id},
         "status": {"capacity": resources, "allocatable": resources,
                    "conditions": [{"type": "Ready", "status": "True"}]}},
        {"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
         "metadata": {"name": f"{name}-claim", "labels": labels, "creationTimestamp": CREATED},
         "spec": {"nodeClassRef": NODE_CLASS, "requirements": []},
         "status": {"providerID": provider_id, "nodeName": name, "capacity": resources,
                    "allocatable": resources, "conditions": conditions}},
    ]


def pod(name: str, node_name: str, *, cpu: float, mem_gi: float, owner: str = "ReplicaSet",
        labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A Running, Ready pod bound to ``node_name``, controlled by an ``owner``."""
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                         "labels": labels or {"app": name}, "creationTimestamp": CREATED,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner,
                                              "name": f"{name}-owner", "uid": f"o-{name}",
                                              "controller": True}]},
            "spec": {"nodeName": node_name, "containers": [{"name": "app", "resources": {
                "requests": {"cpu": f"{round(cpu * 1000)}m",
                             "memory": f"{round(mem_gi * 1024)}Mi"}}}]},
            "status": {"phase": "Running", "startTime": CREATED,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def context(docs: list[dict[str, Any]]) -> SchedulingContext:
    """The scheduling context of these documents over the fake catalogue."""
    snapshot = build_snapshot([(d, "benchmark") for d in docs], source="benchmark")
    return build_context(snapshot.with_changes(captured_at=NOW), [fake_catalog()])
