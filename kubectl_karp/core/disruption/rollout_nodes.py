"""What a rollout round adds to the in-memory cluster: the nodes a wave's replacements (or the
provisioner) launch, as they stand once Ready, and pods bound where they were moved."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.disruption.drift_change import HASH_ANNOTATION, HASH_VERSION_ANNOTATION
from kubectl_karp.core.nodepools.daemonsets import overhead
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    Condition,
    Node,
    NodeClaim,
    OwnerRef,
    Pod,
)
from kubectl_karp.model.requirements import Requirements
from kubectl_karp.model.snapshot import ClusterSnapshot


def bound_to(pod: Pod, node: str) -> Pod:
    """The pod as it runs on ``node`` once moved there (Ready by the next round)."""
    return replace(pod, node_name=node, phase="Running", conditions=(Condition("Ready", "True"),))


def new_node(ctx: SchedulingContext, snapshot: ClusterSnapshot, name: str, pool_name: str,
             instance_type: str, zone: str, capacity_type: str, ready_at: datetime
             ) -> tuple[Node, NodeClaim, list[Pod]]:
    """A Node and its NodeClaim of ``pool_name`` (initialised at ``ready_at``, created from
    the NodePool's current template, so not drifted) and the DaemonSet pods it runs."""
    it = ctx.instance_type(instance_type)
    pool = snapshot.node_pool_by_name.get(pool_name)
    labels = dict(it.labels) if it else {}
    labels.update({LABEL_NODEPOOL: pool_name, LABEL_INSTANCE_TYPE: instance_type,
                   LABEL_ZONE: zone, LABEL_CAPACITY_TYPE: capacity_type,
                   LABEL_HOSTNAME: name, "karpenter.sh/initialized": "true",
                   "karpenter.sh/registered": "true"})
    if pool is not None:
        labels.update(pool.template_labels)
    annotations: dict[str, str] = {}
    pool_meta = pool.raw.get("metadata") if pool is not None else None
    if isinstance(pool_meta, dict):
        for key in (HASH_ANNOTATION, HASH_VERSION_ANNOTATION):
            value = (pool_meta.get("annotations") or {}).get(key)
            if value:
                annotations[key] = value  # created from today's template: not drifted
    capacity = dict(it.capacity) if it else {}
    allocatable = dict(it.allocatable) if it else {}
    provider_id = f"rollout:///{zone}/{name}"
    node = Node(name=name, labels=labels, taints=pool.taints if pool else (),
                capacity=capacity, allocatable=allocatable, provider_id=provider_id,
                creation_timestamp=ready_at, conditions=(Condition("Ready", "True"),))
    conditions = tuple(Condition(t, "True", last_transition_time=ready_at)
                       for t in ("Launched", "Registered", "Initialized"))
    claim = NodeClaim(name=name, labels=labels, annotations=annotations,
                      node_class_ref=pool.node_class_ref if pool else None,
                      provider_id=provider_id, node_name=name, capacity=capacity,
                      allocatable=allocatable, conditions=conditions,
                      creation_timestamp=ready_at,
                      raw={"status": {"lastPodEventTime": ready_at.isoformat()}})
    daemons = []
    if pool is not None:
        reqs = Requirements.from_labels(labels)
        _, chosen = overhead(snapshot.daemon_sets, pool.taints, reqs, frozenset(labels))
        for ds in chosen:
            daemons.append(replace(ds.template, name=f"{ds.name}-{name}",
                                   namespace=ds.namespace, uid=f"uid-{ds.name}-{name}",
                                   node_name=name, phase="Running",
                                   owner_refs=(OwnerRef(kind="DaemonSet", name=ds.name,
                                                        controller=True),),
                                   conditions=(Condition("Ready", "True"),)))
    return node, claim, daemons
