"""Why a pod does not fit each existing node, folded by reason like the scheduler's message.

Each node gets its first failing check, in the kube-scheduler's filter order, so the counts
add up to the number of nodes (``0/12 nodes are available: 3 …, 9 …``), but every group is
named, carries the numbers, and suggests a fix aimed at the real objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kubectl_karp.core import reasons as rc
from kubectl_karp.core.diagnosis.matching import first_failing, terms_match, untolerated
from kubectl_karp.core.diagnosis.text import (
    amount,
    join,
    plural,
    pod_field,
    pod_spec_path,
    requirement_text,
    resource_name,
    toleration_for,
    workload,
)
from kubectl_karp.core.diagnosis.volumes import VolumePin
from kubectl_karp.core.explain.result import NodeReasonGroup
from kubectl_karp.core.nodepools.daemonsets import daemon_pods, overhead, remaining_overhead
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.releases import DEFAULT_RULES, NODE_READINESS_TAINTS, KarpenterRules
from kubectl_karp.core.scheduling.volumes import (
    VolumeSet,
    bound_volumes,
    node_volume_limits,
    pod_volumes,
    volume_limit_hit,
)
from kubectl_karp.model import resources as res
from kubectl_karp.model.objects import (
    LABEL_HOSTNAME,
    LABEL_NODEPOOL,
    DaemonSet,
    Node,
    NodeSelectorRequirement,
    Pod,
    Taint,
)
from kubectl_karp.model.predicates import effective_taints
from kubectl_karp.model.requirements import Requirement, Requirements
from kubectl_karp.model.snapshot import ClusterSnapshot

# Taints Kubernetes and Karpenter manage themselves: tolerating them is never the fix.
_SYSTEM_TAINT_PREFIXES = ("node.kubernetes.io/", "node.cloudprovider.kubernetes.io/",
                          "karpenter.sh/")


@dataclass(frozen=True, slots=True)
class _Miss:
    code: str
    node: str
    taints: tuple[Taint, ...] = ()
    requirement: NodeSelectorRequirement | None = None
    selector: tuple[tuple[str, str], ...] = ()
    resource: str = ""
    free: int = 0
    batch: int = 0  # pending pods simulate puts on this node before this one
    port: str = ""
    volume: VolumePin | None = None
    reason: Reason | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


def free_resources(node: Node, snapshot: ClusterSnapshot) -> dict[str, int]:
    used = res.total(p.requests for p in snapshot.pods_by_node.get(node.name, ()))
    return res.subtract(node.allocatable, used)


@dataclass(frozen=True, slots=True)
class NodeState:
    """One existing node as every pod's diagnosis sees it; computed once per explanation."""

    node: Node
    free: dict[str, int]  # allocatable minus bound pods
    ports: frozenset[tuple[int, str]]
    batch: dict[str, int]  # requests of the pending pods simulate places here
    batch_pods: Mapping[str, Pod]
    taints: tuple[Taint, ...] = ()  # the taints that count for scheduling
    volume_limits: Mapping[str, int] = field(default_factory=dict)  # CSINode attach limits
    volumes: VolumeSet = field(default_factory=dict)  # claims attached per CSI driver


def node_states(snapshot: ClusterSnapshot, batch: Mapping[str, Sequence[Pod]] | None = None,
                extra_daemonsets: Sequence[DaemonSet] = (),
                rules: KarpenterRules = DEFAULT_RULES) -> tuple[NodeState, ...]:
    batch = batch or {}
    daemonsets = daemon_pods(snapshot, extra_daemonsets)
    csi = node_volume_limits(snapshot)
    out = []
    for node in snapshot.nodes:
        bound = snapshot.pods_by_node.get(node.name, ())
        placed = batch.get(node.name, ())
        taints = effective_taints(
            node, snapshot.node_claim_for(node),
            snapshot.node_pool_by_name.get(node.labels.get(LABEL_NODEPOOL, "")),
            readiness_prefixes=rules.has(NODE_READINESS_TAINTS))
        free = free_resources(node, snapshot)
        if daemonsets:
            # DaemonSet pods the node should run but does not yet will take their room first.
            hostname = node.labels.get(LABEL_HOSTNAME) or node.name
            reqs = Requirements.from_labels(node.labels).add(
                Requirement.of(LABEL_HOSTNAME, "In", (hostname,)))
            expected, _ = overhead(daemonsets, taints, reqs, frozenset(),
                                   ignore_prefer_no_schedule=False)
            missing = remaining_overhead(expected, (p for p in bound if p.is_daemonset_pod))
            free = res.subtract(free, missing)
        limits = csi.get(node.name, {})
        out.append(NodeState(
            node, free, frozenset((hp.port, hp.protocol) for p in bound for hp in p.host_ports),
            res.total(p.requests for p in placed), {p.key: p for p in placed}, taints,
            limits, bound_volumes(bound, snapshot) if limits else {}))
    return tuple(out)


def _node_miss(pod: Pod, state: NodeState, pins: Sequence[VolumePin],
               own: frozenset[str], volumes: VolumeSet) -> _Miss | None:
    node = state.node
    if node.deletion_timestamp is not None or node.unschedulable:
        return _Miss(rc.NODE_UNSCHEDULABLE, node.name,
                     extra={"why": "being deleted" if node.deletion_timestamp else "cordoned"})
    blocking = untolerated(state.taints, pod.tolerations)
    if blocking:
        return _Miss(rc.UNTOLERATED_TAINT, node.name, taints=tuple(blocking))
    missing = tuple((k, v) for k, v in sorted(pod.node_selector.items())
                    if node.labels.get(k) != v)
    if missing:
        return _Miss(rc.NODE_SELECTOR_MISMATCH, node.name, selector=missing)
    if not terms_match(pod.required_node_affinity, node.labels, node.name):
        return _Miss(rc.INCOMPATIBLE_REQUIREMENT, node.name,
                     requirement=first_failing(pod.required_node_affinity, node.labels))
    for hp in pod.host_ports:
        if (hp.port, hp.protocol) in state.ports:
            return _Miss(rc.HOST_PORT_CONFLICT, node.name, port=f"{hp.port}/{hp.protocol}")
    if state.volume_limits and pod.pvc_names:
        hit = volume_limit_hit(state.volumes, volumes, state.volume_limits)
        if hit is not None:
            return _Miss(rc.VOLUME_LIMIT_EXCEEDED, node.name,
                         extra={"driver": hit[0], "count": str(hit[1]), "limit": str(hit[2])})
    short = res.insufficient(pod.requests, state.free)
    if short:
        return _Miss(rc.INSUFFICIENT_RESOURCE, node.name, resource=short[0],
                     free=state.free.get(short[0], 0))
    for pin in pins:
        if not terms_match(pin.terms, node.labels):
            return _Miss(rc.VOLUME_ZONE_CONFLICT, node.name, volume=pin)
    if state.batch_pods:
        mine = [p.requests for k, p in state.batch_pods.items() if k in own]
        others = len(state.batch_pods) - len(mine)
        if others:
            taken = res.subtract(state.batch, res.total(mine)) if mine else state.batch
            after = res.subtract(state.free, taken)
            short = res.insufficient(pod.requests, after)
            if short:
                return _Miss(rc.INSUFFICIENT_RESOURCE, node.name, resource=short[0],
                             free=after.get(short[0], 0), batch=others)
    return None


def _taint_group(pod: Pod, misses: Sequence[_Miss]) -> NodeReasonGroup:
    counts = Counter(t for m in misses for t in m.taints)
    listed = join([f"{t} ({plural(n, 'node')})" for t, n in counts.most_common()])
    user = [t for t, _ in counts.most_common()
            if not t.key.startswith(_SYSTEM_TAINT_PREFIXES)]
    system = [t for t, _ in counts.most_common() if t.key.startswith(_SYSTEM_TAINT_PREFIXES)]
    fix = ""
    if user:
        fix = (f"if the pod may run there, add to {pod_spec_path(pod)}.tolerations of "
               f"{workload(pod)}: " + "; ".join(toleration_for(t) for t in user[:3]))
    elif system:
        fix = ("these taints are set by Kubernetes or Karpenter on nodes that are not ready, "
               "cordoned or being removed; do not tolerate them, the node will recover or go")
    return NodeReasonGroup(
        rc.UNTOLERATED_TAINT, len(misses),
        f"{plural(len(misses), 'node')} with taints the pod does not tolerate: {listed}",
        detail="a NoSchedule or NoExecute taint keeps every pod off unless it tolerates it",
        fix=fix, nodes=tuple(m.node for m in misses))


def _insufficient_group(pod: Pod, misses: Sequence[_Miss]) -> NodeReasonGroup:
    by_resource: dict[str, list[_Miss]] = {}
    for m in misses:
        by_resource.setdefault(m.resource, []).append(m)
    parts = []
    for resource, group in by_resource.items():
        best = max(group, key=lambda m: m.free)
        parts.append(
            f"{resource_name(resource)} on {plural(len(group), 'node')} (the pod requests "
            f"{amount(resource, pod.requests.get(resource, 0))}, the most free is "
            f"{amount(resource, max(best.free, 0))} on {best.node})")
    batched = [m for m in misses if m.batch]
    detail = ("free = allocatable minus the requests of the pods bound to the node and of the "
              "DaemonSet pods it should run")
    if batched:
        detail += (f"; on {plural(len(batched), 'node')} the room is taken by other pending "
                   "pods that simulate places there first")
    resource, group = next(iter(by_resource.items()))
    most_free = max(max(m.free for m in group), 0)
    fix = (f"Karpenter adds a node when none has room (see the NodePools); to fit an "
           f"existing node, lower {resource_name(resource)} requests in "
           f"{pod_field(pod, 'containers')} to at most "
           f"{amount(resource, most_free)} in total")
    return NodeReasonGroup(rc.INSUFFICIENT_RESOURCE, len(misses),
                           "insufficient " + "; ".join(parts), detail=detail, fix=fix,
                           nodes=tuple(m.node for m in misses))


def _group(code: str, pod: Pod, misses: Sequence[_Miss]) -> NodeReasonGroup:
    nodes = tuple(m.node for m in misses)
    count = len(misses)
    if code == rc.UNTOLERATED_TAINT:
        return _taint_group(pod, misses)
    if code == rc.INSUFFICIENT_RESOURCE:
        return _insufficient_group(pod, misses)
    if code == rc.NODE_UNSCHEDULABLE:
        whys = Counter(m.extra.get("why", "") for m in misses)
        cordoned = [m.node for m in misses if m.extra.get("why") == "cordoned"]
        return NodeReasonGroup(
            code, count, f"{plural(count, 'node')} not accepting pods: "
            + join(f"{n} {why}" for why, n in whys.items()),
            detail="cordoned nodes (spec.unschedulable) and nodes being deleted take no new pods",
            fix=(f"kubectl uncordon {' '.join(cordoned[:5])} (if the cordon is no longer "
                 "needed)") if cordoned else "", nodes=nodes)
    if code == rc.NODE_SELECTOR_MISMATCH:
        missing = Counter(f"{k}={v}" for m in misses for k, v in m.selector)
        label = missing.most_common(1)[0][0]
        return NodeReasonGroup(
            code, count, f"{plural(count, 'node')} without the pod's nodeSelector label "
            f"{join(missing)}",
            detail="nodeSelector needs every listed label, with exactly that value, on the node",
            fix=f"label a suitable node (kubectl label node NAME {label}) or remove it from "
                f"{pod_field(pod, 'nodeSelector')}", nodes=nodes)
    if code == rc.INCOMPATIBLE_REQUIREMENT:
        texts = Counter(requirement_text(m.requirement) for m in misses
                        if m.requirement is not None)
        return NodeReasonGroup(
            code, count, f"{plural(count, 'node')} outside the pod's required node affinity"
            + (f" ({join(texts)})" if texts else ""),
            detail="requiredDuringSchedulingIgnoredDuringExecution must match the node's labels",
            fix=f"relax {pod_field(pod, 'affinity.nodeAffinity')}, or rely "
                "on a NodePool that provides matching nodes (see the NodePools)", nodes=nodes)
    if code == rc.HOST_PORT_CONFLICT:
        ports = sorted({m.port for m in misses})
        return NodeReasonGroup(
            code, count, f"{plural(count, 'node')} already have a pod on host port "
            f"{join(ports)}",
            detail="two pods cannot bind the same hostPort/protocol on one node",
            fix=f"drop hostPort from {workload(pod)} (use a Service) or let Karpenter add a "
                "node for it", nodes=nodes)
    if code == rc.VOLUME_LIMIT_EXCEEDED:
        first = misses[0].extra
        return NodeReasonGroup(
            code, count, f"{plural(count, 'node')} at their CSI volume attach limit (driver "
            f"{first['driver']}: {first['count']} volumes, CSINode allows {first['limit']})",
            detail="a node's CSINode says how many volumes each driver may attach; the pod's "
                   "claims would exceed it",
            fix=f"let Karpenter launch a node for {workload(pod)}, or move claims off "
                f"{join(nodes[:3])} (fewer volumes per node)", nodes=nodes)
    if code == rc.VOLUME_ZONE_CONFLICT:
        pins = {m.volume for m in misses if m.volume is not None}
        pin = next(iter(pins))
        zones = join(sorted(pin.zones() or ()))
        return NodeReasonGroup(
            code, count, f"{plural(count, 'node')} outside the zone of volume {pin.volume} "
            f"(claim {pin.claim}{', zone ' + zones if zones else ''})",
            detail="a zonal PersistentVolume can only be attached to nodes in its zone",
            fix=f"run a node in zone {zones or 'of the volume'} (a NodePool allowing it), or "
                f"move the data of claim {pin.claim} to a volume in a zone with nodes",
            nodes=nodes)
    reason = misses[0].reason
    assert reason is not None
    return NodeReasonGroup(code, count, f"{plural(count, 'node')}: {reason.message}",
                           detail=reason.detail, fix=reason.fix, nodes=nodes)


_ORDER = (rc.NODE_UNSCHEDULABLE, rc.UNTOLERATED_TAINT, rc.NODE_SELECTOR_MISMATCH,
          rc.INCOMPATIBLE_REQUIREMENT, rc.HOST_PORT_CONFLICT, rc.VOLUME_LIMIT_EXCEEDED,
          rc.INSUFFICIENT_RESOURCE,
          rc.VOLUME_ZONE_CONFLICT, rc.TOPOLOGY_SPREAD, rc.POD_AFFINITY, rc.POD_ANTI_AFFINITY)


def diagnose_existing(pod: Pod, snapshot: ClusterSnapshot, pins: Sequence[VolumePin],
                      *, batch: Mapping[str, Sequence[Pod]] | None = None,
                      scheduler_reasons: Sequence[Reason] = (),
                      placed_on: str | None = None,
                      own: frozenset[str] = frozenset(),
                      states: Sequence[NodeState] | None = None) -> tuple[NodeReasonGroup, ...]:
    """Reasons, folded by code, that keep ``pod`` off each existing node.

    ``batch`` maps a node to the pending pods simulate placed there (they take room first,
    except ``own``: the pods this diagnosis speaks for); pass ``states`` (from
    :func:`node_states`) to reuse that work across pods. ``scheduler_reasons`` are simulate's
    reasons for this pod, used for nodes where every check of our own passes but simulate
    still did not place the pod (topology, affinity).
    """
    if states is None:
        states = node_states(snapshot, batch)
    node_scoped = {r.node: r for r in scheduler_reasons if r.node}
    batch_wide = next((r for r in scheduler_reasons
                       if r.code in (rc.TOPOLOGY_SPREAD, rc.POD_AFFINITY, rc.POD_ANTI_AFFINITY)),
                      None)
    misses: dict[str, list[_Miss]] = {}
    volumes = pod_volumes(pod, snapshot) if pod.pvc_names and snapshot.csi_nodes else {}
    for state in states:
        if state.node.name == placed_on:
            continue
        miss = _node_miss(pod, state, pins, own, volumes)
        if miss is None and placed_on is None:
            reason = node_scoped.get(state.node.name) or batch_wide
            if reason is not None:
                miss = _Miss(reason.code, state.node.name, reason=reason)
        if miss is not None:
            misses.setdefault(miss.code, []).append(miss)
    order = {code: i for i, code in enumerate(_ORDER)}
    return tuple(_group(code, pod, group) for code, group
                 in sorted(misses.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))
