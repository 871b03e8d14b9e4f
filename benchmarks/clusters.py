"""The synthetic cluster the consolidation and rollout benchmarks plan on (no test imports).

Karpenter's fake-catalogue convention: cpu-N types (N = 1..32) with N vCPU and 2N GiB, priced
0.1 $/vCPU + 0.1 $/GiB on demand (spot at half), in two zones. One NodePool (on-demand,
WhenEmptyOrUnderutilized, consolidateAfter 0) of cpu-16 nodes, each with a DaemonSet pod;
``busy``: a 100% budget and every node full (25 pods of 0.62 vCPU), else a 10% budget with 2%
of the nodes empty, 20% underutilised (10 pods of 0.5 vCPU) and the rest full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    Budget,
    Condition,
    Node,
    NodeClaim,
    NodeClass,
    NodePool,
    NodeSelectorRequirement,
    ObjectRef,
    OwnerRef,
    Pod,
)
from kubectl_karp.model.snapshot import ClusterSnapshot

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
_CREATED = NOW - timedelta(days=2)
_GI = 2**30 * 1000  # milli-bytes, as the model counts memory
_ZONES = ("zone-a", "zone-b")
_CLASS = ObjectRef("karpenter.k8s.aws", "EC2NodeClass", "default")
_POOL = "default"


def _type(n: int) -> InstanceType:
    name, price = f"cpu-{n}", round(0.1 * n + 0.1 * 2 * n, 6)
    offerings = [Offering(zone=z, capacity_type=ct, price_per_hour=p)
                 for ct, p in (("on-demand", price), ("spot", round(price * 0.5, 6)))
                 for z in _ZONES]
    capacity = {"cpu": n * 1000, "memory": 2 * n * _GI, "pods": 110_000}
    return InstanceType(name=name, capacity=capacity, allocatable=dict(capacity),
                        labels={LABEL_INSTANCE_TYPE: name, "kubernetes.io/arch": "amd64",
                                "kubernetes.io/os": "linux"},
                        offerings=tuple(offerings))


@dataclass(frozen=True)
class Fleet:
    snapshot: ClusterSnapshot
    catalog: InstanceTypeCatalog

    def context(self) -> SchedulingContext:
        return build_context(self.snapshot, [self.catalog])

    @property
    def claims(self) -> tuple[NodeClaim, ...]:
        return self.snapshot.node_claims


def _pod(name: str, node: str, cpu: float, mem_gi: float, owner: str,
         labels: dict[str, str]) -> Pod:
    return Pod(namespace="default", name=name, uid=f"uid-{name}", labels=labels,
               owner_refs=(OwnerRef(kind=owner, name=f"{name}-owner", controller=True),),
               creation_timestamp=_CREATED, node_name=node, phase="Running",
               requests={"cpu": int(cpu * 1000), "memory": int(mem_gi * _GI), "pods": 1000},
               conditions=(Condition("Ready", "True"),), start_time=_CREATED)


def build(nodes: int, *, busy: bool) -> Fleet:
    types = tuple(_type(n) for n in range(1, 33))
    it = types[15]  # cpu-16
    pool = NodePool(name=_POOL, consolidation_policy="WhenEmptyOrUnderutilized",
                    consolidate_after_seconds=0,
                    budgets=(Budget(nodes="100%" if busy else "10%"),), node_class_ref=_CLASS,
                    requirements=(NodeSelectorRequirement(LABEL_CAPACITY_TYPE, "In",
                                                          ("on-demand",)),))
    node_list: list[Node] = []
    claims: list[NodeClaim] = []
    pods: list[Pod] = []
    for i in range(nodes):
        name = f"node-{i:05d}"
        zone = "zone-a" if i % 2 else "zone-b"
        labels = {**it.labels, LABEL_HOSTNAME: name, LABEL_ZONE: zone,
                  LABEL_CAPACITY_TYPE: "on-demand", LABEL_NODEPOOL: _POOL,
                  "karpenter.sh/initialized": "true"}
        node = Node(name=name, labels=labels, capacity=it.capacity, allocatable=it.allocatable,
                    provider_id=f"aws:///{zone}/i-{name}", creation_timestamp=_CREATED,
                    conditions=(Condition("Ready", "True"),))
        node_list.append(node)
        claims.append(NodeClaim(
            name=f"{name}-claim", labels={LABEL_NODEPOOL: _POOL, **labels},
            provider_id=node.provider_id, node_name=name, capacity=it.capacity,
            allocatable=it.allocatable, creation_timestamp=_CREATED, node_class_ref=_CLASS,
            conditions=tuple(Condition(t, "True", last_transition_time=_CREATED)
                             for t in ("Launched", "Registered", "Initialized"))))
        pods.append(_pod(f"ds-{i}", name, 0.05, 0.1, "DaemonSet", {"app": f"ds-{i}"}))
        if not busy and i % 50 == 0:
            continue  # empty
        count, cpu = (10, 0.5) if not busy and i % 10 in (1, 2) else (25, 0.62)
        pods += [_pod(f"p-{i}-{j}", name, cpu, 1, "ReplicaSet", {"app": f"app-{j % 40}"})
                 for j in range(count)]
    node_class = NodeClass(group=_CLASS.group, kind=_CLASS.kind, name=_CLASS.name,
                           status={"subnets": [{"id": f"subnet-{z}", "zone": z}
                                               for z in _ZONES]},
                           conditions=(Condition("Ready", "True"),))
    snapshot = ClusterSnapshot(source="benchmark", captured_at=NOW, nodes=tuple(node_list),
                               pods=tuple(pods), node_pools=(pool,), node_claims=tuple(claims),
                               node_classes=(node_class,))
    catalog = InstanceTypeCatalog(provider="aws", region="test", source="test",
                                  instance_types=types, origin="test")
    return Fleet(snapshot, catalog)
