"""Small builders for disruption scenarios: a fake catalogue in Karpenter's test convention
(price = 0.1 per vCPU + 0.1 per GiB) and a cluster of NodePools, NodeClaims, nodes and pods
built as model dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.core.disruption import ConsolidationPlan, plan_consolidation
from kubectl_karp.core.releases import SOURCE_FLAG, resolve_rules
from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    Budget,
    Condition,
    LabelSelector,
    Node,
    NodeClaim,
    NodeClass,
    NodePool,
    NodeSelectorRequirement,
    ObjectRef,
    OwnerRef,
    Pod,
    PodDisruptionBudget,
    Taint,
)
from kubectl_karp.model.snapshot import ClusterSnapshot
from tests.builders.catalogs import CPU, GI, ZONES, standard_types

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)  # a Monday
LONG_AGO = NOW - timedelta(days=2)
NODE_CLASS = ObjectRef("karpenter.k8s.aws", "EC2NodeClass", "default")


@dataclass
class Cluster:
    types: list[InstanceType] = field(default_factory=standard_types)
    pools: list[NodePool] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    claims: list[NodeClaim] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    pdbs: list[PodDisruptionBudget] = field(default_factory=list)

    def pool(self, name: str = "default", *, policy: str = "WhenEmptyOrUnderutilized",
             after: int | None = 0, budgets: tuple[Budget, ...] = (Budget(nodes="100%"),),
             expire: int | None = None, spot: bool = False,
             requirements: tuple[NodeSelectorRequirement, ...] = ()) -> NodePool:
        # Like the usual example NodePool: on-demand only unless spot is asked for.
        ctypes = ("spot", "on-demand") if spot else ("on-demand",)
        requirements = (NodeSelectorRequirement(LABEL_CAPACITY_TYPE, "In", ctypes),
                        *requirements)
        pool = NodePool(name=name, consolidation_policy=policy, consolidate_after_seconds=after,
                        budgets=budgets, node_class_ref=NODE_CLASS,
                        expire_after_seconds=expire, requirements=requirements)
        self.pools.append(pool)
        return pool

    def type(self, name: str) -> InstanceType:
        return next(t for t in self.types if t.name == name)

    def node(self, name: str, type_: str = "cpu-4", *, pool: str = "default",
             capacity_type: str = "on-demand", zone: str = "zone-a",
             initialized: bool = True, created: datetime = LONG_AGO,
             annotations: dict[str, str] | None = None, drifted: bool = False,
             drifted_at: datetime | None = None, deleting: bool = False,
             claim_raw: dict[str, Any] | None = None, managed: bool = True,
             taints: tuple[Taint, ...] = (), ready: bool = True,
             claim_conditions: tuple[Condition, ...] = ()) -> Node:
        it = self.type(type_)
        labels = {**it.labels, LABEL_HOSTNAME: name, LABEL_ZONE: zone,
                  LABEL_CAPACITY_TYPE: capacity_type}
        if managed:
            labels[LABEL_NODEPOOL] = pool
        if initialized and managed:
            labels["karpenter.sh/initialized"] = "true"
        node = Node(name=name, labels=labels, annotations=annotations or {},
                    capacity=it.capacity, allocatable=it.allocatable,
                    provider_id=f"aws:///{zone}/i-{name}", creation_timestamp=created,
                    deletion_timestamp=NOW if deleting else None, taints=taints,
                    conditions=(Condition("Ready", "True" if ready else "False"),))
        self.nodes.append(node)
        if managed:
            conditions = [Condition("Launched", "True", last_transition_time=created),
                          Condition("Registered", "True", last_transition_time=created)]
            if initialized:
                conditions.append(Condition("Initialized", "True",
                                            last_transition_time=created))
            if drifted:
                conditions.append(Condition("Drifted", "True",
                                            last_transition_time=drifted_at or created))
            conditions.extend(claim_conditions)
            self.claims.append(NodeClaim(
                name=f"{name}-claim", labels={LABEL_NODEPOOL: pool, **labels},
                provider_id=node.provider_id, node_name=name, capacity=it.capacity,
                allocatable=it.allocatable, conditions=tuple(conditions),
                creation_timestamp=created, node_class_ref=NODE_CLASS,
                raw=claim_raw or {}))
        return node

    def pod(self, name: str, node: str | None, *, cpu: float = 1, mem_gi: float = 1,
            namespace: str = "default", owner: str | None = "ReplicaSet",
            labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
            priority: int = 0, created: datetime = LONG_AGO,
            node_selector: dict[str, str] | None = None,
            started: datetime | None = LONG_AGO, ready: bool = True) -> Pod:
        owners = (OwnerRef(kind=owner, name=f"{name}-owner", controller=True),) if owner else ()
        pod = Pod(namespace=namespace, name=name, uid=f"uid-{name}",
                  labels=labels or {"app": name}, annotations=annotations or {},
                  owner_refs=owners, creation_timestamp=created, node_name=node or "",
                  phase="Running" if node else "Pending", priority=priority,
                  node_selector=node_selector or {},
                  requests={"cpu": int(cpu * CPU), "memory": int(mem_gi * GI), "pods": 1000},
                  conditions=(Condition("Ready", "True" if ready else "False"),)
                  if node else (), start_time=started if node else None)
        self.pods.append(pod)
        return pod

    def pdb(self, name: str, match: dict[str, str], *, allowed: int | None = None,
            min_available: str | None = None, max_unavailable: str | None = None,
            namespace: str = "default", unhealthy_policy: str | None = None
            ) -> PodDisruptionBudget:
        pdb = PodDisruptionBudget(namespace=namespace, name=name,
                                  selector=LabelSelector(match_labels=tuple(match.items())),
                                  min_available=min_available, max_unavailable=max_unavailable,
                                  disruptions_allowed=allowed,
                                  unhealthy_pod_eviction_policy=unhealthy_policy)
        self.pdbs.append(pdb)
        return pdb

    def snapshot(self) -> ClusterSnapshot:
        node_class = NodeClass(group=NODE_CLASS.group, kind=NODE_CLASS.kind,
                               name=NODE_CLASS.name,
                               status={"subnets": [{"id": f"subnet-{z}", "zone": z}
                                                   for z in ZONES]},
                               conditions=(Condition("Ready", "True"),))
        return ClusterSnapshot(source="test", captured_at=NOW, nodes=tuple(self.nodes),
                               pods=tuple(self.pods), node_pools=tuple(self.pools),
                               node_claims=tuple(self.claims), node_classes=(node_class,),
                               pdbs=tuple(self.pdbs))

    def context(self, version: str | None = None) -> SchedulingContext:
        """``version`` ("1.9"): follow that Karpenter release's rules (default: newest)."""
        catalog = InstanceTypeCatalog(provider="aws", region="test", source="test",
                                      instance_types=tuple(self.types), origin="test")
        rules = resolve_rules(version, SOURCE_FLAG) if version else None
        return build_context(self.snapshot(), [catalog], rules=rules)

    def plan(self, now: datetime = NOW, *, version: str | None = None,
             **kw: Any) -> ConsolidationPlan:
        return plan_consolidation(self.context(version), now, **kw)


def codes(plan: ConsolidationPlan, node: str) -> list[str]:
    report = plan.node(node)
    assert report is not None, node
    return [r.code for r in report.blocks]


def acted(plan: ConsolidationPlan) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(a.type, a.method, a.nodes) for a in plan.actions]
