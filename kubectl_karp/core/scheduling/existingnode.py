"""An existing node or in-flight NodeClaim as a place pods may go: its can-add check and its
add (upstream: scheduling/existingnode.go ExistingNode — NewExistingNode, CanAdd, Add), and
:class:`ExistingNodes`, the run's list of them built from the snapshot."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from kubectl_karp.core.nodepools.daemonsets import overhead, remaining_overhead
from kubectl_karp.core.reasons import (
    HOST_PORT_CONFLICT,
    INSUFFICIENT_RESOURCE,
    NODE_SELECTOR_MISMATCH,
    NODE_UNSCHEDULABLE,
    UNTOLERATED_TAINT,
    VOLUME_LIMIT_EXCEEDED,
)
from kubectl_karp.core.releases import NODE_READINESS_TAINTS
from kubectl_karp.core.scheduling.hostports import PortKey, conflict, port_keys
from kubectl_karp.core.scheduling.placement import (
    NO_UNDEFINED,
    Miss,
    add_requests,
    first_alternative,
    fits,
    tolerates,
    with_pods,
)
from kubectl_karp.core.scheduling.pods import PodShape
from kubectl_karp.core.scheduling.volumes import (
    bound_volumes,
    merge_volumes,
    node_volume_limits,
    pod_volumes,
    volume_limit_hit,
)
from kubectl_karp.model.objects import (
    LABEL_HOSTNAME,
    LABEL_NODEPOOL,
    DaemonSet,
    Node,
    NodeClaim,
    Pod,
    Taint,
)
from kubectl_karp.model.predicates import (
    active_state_nodes,
    effective_taints,
    node_initialized,
)
from kubectl_karp.model.requirements import IN, Requirement, Requirements

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import SchedulingContext
    from kubectl_karp.core.scheduling.topology import Topology


def shape_volumes(shape: PodShape, snapshot: Any) -> dict[str, frozenset[str]]:
    """The CSI volumes the shape's pod attaches, per driver (once per shape)."""
    found: dict[str, frozenset[str]] | None = shape.cache.get("csi-volumes")
    if found is None:
        found = pod_volumes(shape.pod, snapshot)
        shape.cache["csi-volumes"] = found
    return found


@dataclass(eq=False)
class ExistingNode:
    name: str
    hostname: str
    in_flight: bool
    initialized: bool
    node_pool: str | None
    requirements: Requirements
    taints: tuple[Taint, ...]
    available: dict[str, int]  # allocatable minus the pods bound there
    requests: dict[str, int]  # DaemonSet overhead still expected + pods added in this run
    ports: set[PortKey]
    unschedulable: bool = False
    pods: list[str] = field(default_factory=list)
    capacity: Mapping[str, int] = field(default_factory=dict)
    shared: bool = False  # part of a cached base: copy (:meth:`own`) before placing pods
    # CSI attach limits from the node's CSINode, and the claims attached per driver.
    volume_limits: Mapping[str, int] = field(default_factory=dict)
    volumes: dict[str, frozenset[str]] = field(default_factory=dict)

    def can_add(self, shape: PodShape, topology: Topology, snapshot: Any
                ) -> Requirements | Miss:
        """upstream: existingnode.go CanAdd — taints, host ports, volume limits, resources,
        requirements, then topology; the answer is the node's requirements after the pod."""
        if len(shape.volume_alternatives) > 1:  # each variant has exactly one
            return first_alternative(shape.volume_variants(),
                                     lambda v: self.can_add(v, topology, snapshot))
        miss = self._room_miss(shape, snapshot)
        if miss is not None:
            return miss
        if topology.matching(shape):
            quick = topology.quick_reject(shape, self.requirements)
            if isinstance(quick, Miss):
                return quick
        incompatible = self.requirements.compatible(shape.requirements, NO_UNDEFINED)
        if incompatible is not None:
            return Miss(NODE_SELECTOR_MISMATCH, True, incompatible)
        unlabelled = topology.unlabelled_key(shape, self.requirements)
        if unlabelled is not None:
            return unlabelled
        merged = self.requirements.intersect(shape.requirements)
        return topology.add_requirements(shape, merged)

    def _room_miss(self, shape: PodShape, snapshot: Any) -> Miss | None:
        """The checks of :meth:`can_add` before requirements, all lasting for the run:
        cordoned, an untolerated taint, a host port in use, CSI attach limits (only with a
        ``snapshot`` to read the pod's volumes from), too little room."""
        if self.unschedulable:
            return Miss(NODE_UNSCHEDULABLE, True)
        if self.taints and not tolerates(shape.tolerations, self.taints):
            return Miss(UNTOLERATED_TAINT, True)
        if shape.host_ports:
            clash = conflict(self.ports, port_keys(shape.host_ports))
            if clash is not None:
                return Miss(HOST_PORT_CONFLICT, True, clash)
        if snapshot is not None and self.volume_limits and shape.pod.pvc_names:
            hit = volume_limit_hit(self.volumes, shape_volumes(shape, snapshot),
                                   self.volume_limits)
            if hit is not None:
                return Miss(VOLUME_LIMIT_EXCEEDED, True, hit)
        requests = add_requests(self.requests, shape.requests) if self.requests \
            else shape.requests
        if not fits(requests, self.available):
            return Miss(INSUFFICIENT_RESOURCE, True, requests)
        return None

    def refuses_for_good(self, shape: PodShape) -> bool:
        """Whether :meth:`can_add` refuses ``shape`` here (a cached base node) for a reason
        no placement in any run on this context can undo: cordoned, an untolerated taint, a
        host port in use, too little room (room only shrinks, ports only fill), or a label
        the node defines that the pod's requirements exclude (a defined label only narrows).
        Topology, which depends on the run, is not looked at. A shape with several volume
        alternatives is refused when every alternative is."""
        if len(shape.volume_alternatives) > 1:
            return all(self.refuses_for_good(v) for v in shape.volume_variants())
        if self._room_miss(shape, None) is not None:
            return True
        incompatible = self.requirements.compatible(shape.requirements, NO_UNDEFINED)
        return incompatible is not None and incompatible.ours is not None

    def own(self) -> ExistingNode:
        """This node, safe to change: a copy when it belongs to the context's cached base."""
        return replace(self, shared=False, pods=[]) if self.shared else self

    def add(self, key: str, shape: PodShape, reqs: Requirements, topology: Topology,
            snapshot: Any) -> None:
        """upstream: existingnode.go Add — take the pod's requests, ports and volumes, and
        the requirements :meth:`can_add` answered; record it for topology."""
        self.requirements = reqs
        self.requests = add_requests(self.requests, shape.requests)
        if shape.host_ports:
            self.ports = self.ports | set(port_keys(shape.host_ports))
        if self.volume_limits and shape.pod.pvc_names:
            self.volumes = merge_volumes(self.volumes, shape_volumes(shape, snapshot))
        self.pods.append(key)
        topology.record(shape, reqs, self.taints, NO_UNDEFINED)


def base_order(node: ExistingNode) -> tuple[bool, str]:
    """The order existing nodes are tried in: initialised ones first, then by name."""
    return (not node.initialized, node.name)


class ExistingNodes:
    """The run's existing nodes and in-flight NodeClaims, built on a base kept per context
    (consolidation simulates hundreds of times over one cluster)."""

    def __init__(self, ctx: SchedulingContext, cache: dict[Any, Any],
                 daemonsets: Sequence[DaemonSet], ds_key: Hashable, notes: list[str]) -> None:
        self.ctx = ctx
        self.snapshot = ctx.snapshot
        self.cache = cache
        self.daemonsets = daemonsets
        self.ds_key = ds_key
        self.notes = notes
        self.volume_limits = node_volume_limits(self.snapshot)
        self.nodes: list[ExistingNode] = []
        self.positions: dict[str, int] = {}
        self.unshared: list[int] = []

    def _daemon_expectation(self, taints: tuple[Taint, ...], reqs: Requirements
                            ) -> dict[str, int]:
        if not self.daemonsets:
            return {}
        expected, _ = overhead(self.daemonsets, taints, reqs, NO_UNDEFINED,
                               ignore_prefer_no_schedule=False)
        return expected

    def node_base(self, node: Node, bound: Sequence[Pod]) -> ExistingNode:
        snap = self.snapshot
        claim = snap.node_claim_for(node)
        initialized = node_initialized(node, claim)
        used: dict[str, int] = {}
        ports: set[Any] = set()
        for p in bound:
            for name, milli in p.requests.items():
                used[name] = used.get(name, 0) + milli
            if p.host_ports:
                ports.update(port_keys(p.host_ports))
        allocatable = with_pods(node.allocatable or node.capacity)
        available = {k: v - used.get(k, 0) for k, v in allocatable.items()}
        for k, v in used.items():
            available.setdefault(k, -v)
        hostname = node.labels.get(LABEL_HOSTNAME) or node.name
        reqs = Requirements.from_labels(node.labels).add(
            Requirement.of(LABEL_HOSTNAME, IN, (hostname,)))
        taints = effective_taints(
            node, claim, snap.node_pool_by_name.get(node.labels.get(LABEL_NODEPOOL, "")),
            readiness_prefixes=self.ctx.rules.has(NODE_READINESS_TAINTS))
        expected = self._daemon_expectation(taints, reqs)
        daemon = remaining_overhead(expected, (p for p in bound if p.is_daemonset_pod))
        limits = self.volume_limits.get(node.name, {})
        return ExistingNode(
            volume_limits=limits, volumes=bound_volumes(bound, snap) if limits else {},
            name=node.name, hostname=hostname, in_flight=False, initialized=initialized,
            node_pool=node.labels.get(LABEL_NODEPOOL), requirements=reqs, taints=taints,
            available=available, requests=daemon, ports=ports,
            unschedulable=node.unschedulable,
            capacity=node.capacity or (claim.capacity if claim else {}))

    def claim_base(self, claim: NodeClaim) -> ExistingNode:
        """An in-flight NodeClaim (no Node yet) as a place pods may go."""
        labels = dict(claim.labels)
        reqs = Requirements.from_node_selector_requirements(
            claim.requirements, where=f"NodeClaim {claim.name} spec.requirements")
        for key, req in reqs.items():
            if not req.complement and len(req.values) == 1:
                labels.setdefault(key, next(iter(req.values)))
        # Karpenter's state node takes the claim's size from its status only: before the
        # launch fills status.allocatable it offers no room (but still counts one node
        # against limits), whatever instance type its requirements name.
        claim_alloc = claim.allocatable
        if not claim_alloc:
            self.notes.append(f"NodeClaim {claim.name} is in flight but not launched yet "
                              "(no status.allocatable): like Karpenter, no pods are placed "
                              "on it")
        node_reqs = Requirements.from_labels(labels).add(
            Requirement.of(LABEL_HOSTNAME, IN, (claim.name,)))
        expected = self._daemon_expectation(claim.taints, node_reqs)
        return ExistingNode(
            name=claim.name, hostname=claim.name, in_flight=True, initialized=False,
            node_pool=labels.get(LABEL_NODEPOOL), requirements=node_reqs,
            taints=claim.taints,
            available=with_pods(claim_alloc) if claim_alloc else {"pods": 0},
            requests=expected, ports=set(), capacity=claim.capacity)

    def _base(self) -> list[ExistingNode]:
        """Every node and in-flight NodeClaim as it stands, before this run's exclusions."""
        snap = self.snapshot
        active, in_flight = active_state_nodes(snap)
        nodes = [self.node_base(node, snap.pods_by_node.get(node.name, ()))
                 for node, _ in active]
        nodes += [self.claim_base(claim) for claim in in_flight]
        nodes.sort(key=base_order)
        for n in nodes:
            n.shared = True
        return nodes

    def build(self, batch: set[str], batch_nodes: set[str], exclude_nodes: frozenset[str],
              ignore_pods_on: frozenset[str]) -> list[ExistingNode]:
        key = ("existing", self.ds_key)
        hit: tuple[list[ExistingNode], tuple[str, ...]] | None = self.cache.get(key)
        if hit is None:
            before = len(self.notes)
            hit = (self._base(), tuple(self.notes[before:]))
            self.cache[key] = hit
        else:
            self.notes.extend(hit[1])
        snap = self.snapshot
        out: list[ExistingNode] = []
        for template in hit[0]:
            name = template.name
            if name in exclude_nodes:
                continue
            if not template.in_flight and (name in ignore_pods_on or name in batch_nodes):
                bound = [] if name in ignore_pods_on else [
                    p for p in snap.pods_by_node.get(name, ()) if (p.uid or p.key) not in batch]
                out.append(self.node_base(snap.node_by_name[name], bound))
                continue
            out.append(template)
        self.nodes = out
        # Where each node of the cached base sits in this run's list, and the nodes rebuilt
        # for this run (their base facts do not hold): see viable.
        self.positions = {node.name: i for i, node in enumerate(out) if node.shared}
        self.unshared = [i for i, node in enumerate(out) if not node.shared]
        return out

    def viable(self, shape: PodShape) -> list[int]:
        """Indexes into ``nodes``, in order, of the nodes worth offering ``shape``: every
        node but the cached base nodes that refuse it for good (:meth:`ExistingNode.
        refuses_for_good`). Those facts are kept per context and per shape signature, so the
        hundreds of simulations consolidation runs on one cluster check each node once per
        shape, not once per simulation. Over-including is harmless (the full check still
        runs), so nodes added by a carried-over context (``carry_context_cache``) are simply
        offered."""
        store: dict[Hashable, frozenset[str]] = self.cache.setdefault(
            ("static-alive", self.ds_key), {})
        key = shape.key
        alive = store.get(key)
        if alive is None:
            base: list[ExistingNode] = self.cache[("existing", self.ds_key)][0]
            alive = frozenset(n.name for n in base if not n.refuses_for_good(shape))
            store[key] = alive
        pos = self.positions
        out = [pos[name] for name in alive if name in pos]
        extra: frozenset[str] = self.cache.get(("static-extra", self.ds_key), frozenset())
        out += [pos[name] for name in extra if name in pos and name not in alive]
        out += self.unshared
        out.sort()
        return out
