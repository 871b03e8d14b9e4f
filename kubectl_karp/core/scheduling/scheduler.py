"""Karpenter's provisioning scheduler (scheduler.go, nodeclaim.go, existingnode.go), in Python.

For each pod, in queue order: an existing node (initialized ones first, then by name), else a
NodeClaim already planned in this run (fewest pods first), else a new NodeClaim from the first
NodePool (weight, then name) that can take it. A pod that fits nowhere has its preferences
relaxed one step and goes to the back of the queue; the run ends when a full pass over the
queue makes no progress.

Speed comes from sharing work between identical pods (:class:`PodShape`): taint checks,
instance-type compatibility (cached per NodePool and requirement set), and "this place can never
take this shape" facts (resources only shrink, requirements only narrow, anti-affinity counts
only grow), so a failed placement is not re-tried for every replica.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

from kubectl_karp.core.reasons import (
    HOST_PORT_CONFLICT,
    INSUFFICIENT_RESOURCE,
    NO_INSTANCE_TYPE_FITS,
    NODE_SELECTOR_MISMATCH,
    NODE_UNSCHEDULABLE,
    NODEPOOL_LIMIT_EXCEEDED,
    NODEPOOL_NOT_READY,
    POD_AFFINITY,
    POD_ANTI_AFFINITY,
    TOPOLOGY_SPREAD,
    UNTOLERATED_TAINT,
    Reason,
)
from kubectl_karp.core.scheduling.daemonsets import overhead, remaining_overhead
from kubectl_karp.core.scheduling.hostports import conflict, port_keys
from kubectl_karp.core.scheduling.nodes import (
    DEFAULT_MAX_PODS,
    Catalog,
    Claim,
    ExistingNode,
    Template,
    TypeEntry,
    TypeSet,
)
from kubectl_karp.core.scheduling.pods import (
    PendingPod,
    PodShape,
    initial_shape,
    shape_signature,
    sort_pods,
)
from kubectl_karp.core.scheduling.result import SimulationResult
from kubectl_karp.core.scheduling.topology import (
    AFFINITY,
    ANTI_AFFINITY,
    SPREAD,
    NodeFilter,
    TopologyGroup,
    affinity_parts,
    group_signature,
    spread_parts,
)
from kubectl_karp.core.scheduling.volumes import VolumeInfo, volume_info
from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_INITIALIZED,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    DaemonSet,
    Node,
    NodeClaim,
    Pod,
    Taint,
    Toleration,
)
from kubectl_karp.model.requirements import (
    IN,
    Requirement,
    Requirements,
)
from kubectl_karp.model.selectors import selector_matches
from kubectl_karp.model.taints import (
    KNOWN_EPHEMERAL_TAINTS,
    prefer_no_schedule_relaxation,
    tolerates_all,
)

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import NodePoolContext, SchedulingContext

NO_UNDEFINED: frozenset[str] = frozenset()
MAX_SKEW_NONE = 2**31 - 1
TOPOLOGY_CODES = {SPREAD: TOPOLOGY_SPREAD, AFFINITY: POD_AFFINITY, ANTI_AFFINITY: POD_ANTI_AFFINITY}
KARPENTER_SCHEDULERS = ("default-scheduler", "")


_CACHES: dict[int, tuple[weakref.ref[Any], dict[Any, Any]]] = {}


def context_cache(ctx: Any) -> dict[Any, Any]:
    """Work that depends only on the context (templates, the nodes' base state, the bound
    pods' index), kept for as long as the context lives."""
    entry = _CACHES.get(id(ctx))
    if entry is not None and entry[0]() is ctx:
        return entry[1]
    store: dict[Any, Any] = {}
    key = id(ctx)
    _CACHES[key] = (weakref.ref(ctx, lambda _ref: _CACHES.pop(key, None)), store)
    return store


class ClaimPlan(NamedTuple):
    """What adding a pod to a NodeClaim would change (CanAdd's answer, applied by commit)."""

    requirements: Requirements
    allowed: frozenset[int] | None  # ids of the types the new requirements allow; None = all
    requests: dict[str, int]


class Miss:
    """A failed placement check; ``permanent`` when it can never succeed later in the run;
    ``wake`` (group, domain) when it holds until that domain gets its first matching pod."""

    __slots__ = ("code", "info", "permanent", "shared", "wake")

    def __init__(self, code: str, permanent: bool, info: Any = None,
                 wake: tuple[TopologyGroup, str] | None = None) -> None:
        self.code = code
        self.permanent = permanent
        self.info = info
        self.wake = wake
        self.shared = False  # holds for every shape the topology group constrains


def _fits(requests: dict[str, int] | Any, available: Any) -> bool:
    for name, milli in requests.items():
        if milli > 0 and milli > available.get(name, 0):
            return False
    return True


def _add(a: Any, b: Any) -> dict[str, int]:
    out = dict(a)
    for name, milli in b.items():
        out[name] = out.get(name, 0) + milli
    return out


def _with_pods(resources: Any) -> dict[str, int]:
    out = dict(resources)
    out.setdefault("pods", DEFAULT_MAX_PODS * 1000)
    return out


_UNKNOWN_SIZE = 2**62


def type_entry(it: InstanceType) -> TypeEntry:
    available = tuple(o for o in it.offerings if o.available)
    allocatable = _with_pods(it.allocatable or it.capacity)
    # Catalogues rarely know the disk (it comes from the node class): an unknown
    # ephemeral-storage must not make every pod that requests some unschedulable.
    allocatable.setdefault("ephemeral-storage", _UNKNOWN_SIZE)
    reqs = Requirements.from_labels(it.labels)
    reqs = reqs.add(Requirement.of(LABEL_ZONE, IN, {o.zone for o in available}),
                    Requirement.of(LABEL_CAPACITY_TYPE, IN, {o.capacity_type for o in available}))
    return TypeEntry(it=it, requirements=reqs, allocatable=allocatable,
                     capacity=dict(it.capacity), offerings=available)


class Scheduler:
    def __init__(self, ctx: SchedulingContext, *, exclude_nodes: frozenset[str] = frozenset(),
                 extra_daemonsets: Sequence[DaemonSet] = (),
                 node_pools: Sequence[str] | None = None,
                 ignore_pods_on: frozenset[str] = frozenset()) -> None:
        self.ctx = ctx
        self.snapshot = ctx.snapshot
        self.exclude_nodes = exclude_nodes
        self.ignore_pods_on = ignore_pods_on
        self.daemonsets = list(self.snapshot.daemon_sets) + list(extra_daemonsets)
        self.pool_filter = set(node_pools) if node_pools is not None else None
        self.notes: list[str] = []
        self.pool_reasons: list[Reason] = []  # NodePools that cannot provision at all
        self.templates: list[Template] = []
        self.existing: list[ExistingNode] = []
        self.claims: list[Claim] = []
        self.buckets: dict[int, dict[int, None]] = {}
        self._bucket_order: list[int] | None = None
        self.remaining: dict[str, dict[str, int]] = {}  # NodePool limits left
        self.limit_usage: dict[str, dict[str, int]] = {}
        self.groups: dict[Hashable, TopologyGroup] = {}
        self.inverse: dict[Hashable, TopologyGroup] = {}
        self.universe: dict[str, dict[str, set[int]]] = {}
        self._taint_cache: dict[tuple[tuple[Toleration, ...], tuple[Taint, ...]], bool] = {}
        self._hostname_seq = 0
        self.cache = context_cache(ctx)
        self._ds_key = tuple(id(ds) for ds in extra_daemonsets)
        self.tolerate_prefer_no_schedule = prefer_no_schedule_relaxation(
            npc.node_pool for npc in ctx.node_pools)

    # ================================================================== setup
    def _build_templates(self) -> None:
        key = ("templates", self._ds_key, frozenset(self.pool_filter)
               if self.pool_filter is not None else None)
        hit = self.cache.get(key)
        if hit is not None:
            self.templates, self.pool_reasons, self.universe, notes = hit
            self.notes.extend(notes)
            return
        before = len(self.notes)
        self._collect_templates()
        self._build_universe()
        self.cache[key] = (self.templates, self.pool_reasons, self.universe,
                           tuple(self.notes[before:]))

    def _collect_templates(self) -> None:
        for npc in self.ctx.node_pools:
            if self.pool_filter is not None and npc.name not in self.pool_filter:
                continue
            if npc.problems:
                self.pool_reasons.extend(npc.problems)
                continue
            try:
                self.templates.append(self._template(len(self.templates), npc))
            except InputError as err:
                # Karpenter's validation would keep such a NodePool from being Ready.
                self.pool_reasons.append(Reason(
                    code=NODEPOOL_NOT_READY, node_pool=npc.name,
                    message=f"NodePool {npc.name} is invalid: {err}",
                    fix=f"fix spec.template.spec.requirements of NodePool {npc.name}"))

    def _template(self, index: int, npc: NodePoolContext) -> Template:
        pool = npc.node_pool
        reqs = Requirements.from_node_selector_requirements(
            pool.requirements, where=f"NodePool {pool.name} spec.template.spec.requirements")
        reqs = reqs.intersect(Requirements.from_labels(
            {**pool.template_labels, LABEL_NODEPOOL: pool.name}))
        entries = [type_entry(it) for it in npc.instance_types]
        types = [t for t in entries
                 if t.requirements.intersects(reqs) is None and t.has_offering(reqs)]
        keys: set[str] = {LABEL_ZONE, LABEL_CAPACITY_TYPE}
        for t in entries:
            keys.update(t.requirements.keys())
        ds_overhead, chosen = overhead(self.daemonsets, pool.taints, reqs,
                                       npc.allow_undefined_labels)
        ports = [k for ds in chosen for k in port_keys(ds.template.host_ports)]
        if not types and entries:
            self.notes.append(f"NodePool {pool.name}: its requirements rule out every "
                              f"instance type of the catalogue ({len(entries)} types)")
        return Template(index=index, npc=npc, requirements=reqs, taints=pool.taints,
                        allow_undefined=npc.allow_undefined_labels, types=types,
                        all_types=entries, type_keys=tuple(sorted(keys)),
                        daemon_overhead=ds_overhead, daemon_ports=ports,
                        daemon_names=tuple(ds.key for ds in chosen))

    def _build_universe(self) -> None:
        universe: dict[str, dict[str, set[int]]] = {}
        for tpl in self.templates:
            for t in tpl.types:
                merged = tpl.requirements.intersect(t.requirements)
                for key, req in merged.items():
                    if not req.complement:
                        slot = universe.setdefault(key, {})
                        for value in req.values:
                            slot.setdefault(value, set()).add(tpl.index)
            for key, req in tpl.requirements.items():
                if not req.complement and key != LABEL_HOSTNAME:
                    slot = universe.setdefault(key, {})
                    for value in req.values:
                        slot.setdefault(value, set()).add(tpl.index)
        self.universe = universe

    def _node_taints(self, node: Node, claim: NodeClaim | None, initialized: bool
                     ) -> tuple[Taint, ...]:
        if initialized or (claim is None and LABEL_NODEPOOL not in node.labels):
            return node.taints
        # Karpenter ignores startup and ephemeral taints on its own nodes until they initialize.
        startup = set(claim.startup_taints) if claim is not None else set()
        pool = self.snapshot.node_pool_by_name.get(node.labels.get(LABEL_NODEPOOL, ""))
        if pool is not None:
            startup.update(pool.startup_taints)
        ignore = startup | set(KNOWN_EPHEMERAL_TAINTS)
        return tuple(t for t in node.taints
                     if t not in ignore and not any(t.key == s.key and t.effect == s.effect
                                                    for s in startup))

    def _daemon_expectation(self, taints: tuple[Taint, ...], reqs: Requirements
                            ) -> dict[str, int]:
        if not self.daemonsets:
            return {}
        expected, _ = overhead(self.daemonsets, taints, reqs, NO_UNDEFINED,
                               ignore_prefer_no_schedule=False)
        return expected

    def _node_base(self, node: Node, bound: Sequence[Pod]) -> ExistingNode:
        snap = self.snapshot
        claim = snap.node_claim_for(node)
        managed = claim is not None or LABEL_NODEPOOL in node.labels
        initialized = not managed or node.labels.get(LABEL_INITIALIZED) == "true" or (
            claim is not None and claim.has_condition("Initialized"))
        used: dict[str, int] = {}
        ports: set[Any] = set()
        for p in bound:
            for name, milli in p.requests.items():
                used[name] = used.get(name, 0) + milli
            if p.host_ports:
                ports.update(port_keys(p.host_ports))
        allocatable = _with_pods(node.allocatable or node.capacity)
        available = {k: v - used.get(k, 0) for k, v in allocatable.items()}
        for k, v in used.items():
            available.setdefault(k, -v)
        hostname = node.labels.get(LABEL_HOSTNAME) or node.name
        reqs = Requirements.from_labels(node.labels).add(
            Requirement.of(LABEL_HOSTNAME, IN, (hostname,)))
        taints = self._node_taints(node, claim, initialized)
        expected = self._daemon_expectation(taints, reqs)
        daemon = remaining_overhead(expected, (p for p in bound if p.is_daemonset_pod))
        return ExistingNode(
            name=node.name, hostname=hostname, in_flight=False, initialized=initialized,
            node_pool=node.labels.get(LABEL_NODEPOOL), requirements=reqs, taints=taints,
            available=available, requests=daemon, ports=ports,
            unschedulable=node.unschedulable,
            capacity=node.capacity or (claim.capacity if claim else {}))

    def _existing_base(self) -> list[ExistingNode]:
        """Every node and in-flight NodeClaim as it stands, before this run's exclusions;
        cached per context (consolidation simulates hundreds of times over one cluster)."""
        snap = self.snapshot
        nodes: list[ExistingNode] = []
        claimed_nodes: set[str] = set()
        for node in snap.nodes:
            if node.deletion_timestamp is not None:
                continue
            claim = snap.node_claim_for(node)
            if claim is not None:
                claimed_nodes.add(claim.name)
            nodes.append(self._node_base(node, snap.pods_by_node.get(node.name, ())))
        for claim in snap.node_claims:
            if claim.name in claimed_nodes or claim.deletion_timestamp is not None:
                continue
            if claim.node_name and claim.node_name in snap.node_by_name:
                continue
            labels = dict(claim.labels)
            reqs = Requirements.from_node_selector_requirements(
                claim.requirements, where=f"NodeClaim {claim.name} spec.requirements")
            for key, req in reqs.items():
                if not req.complement and len(req.values) == 1:
                    labels.setdefault(key, next(iter(req.values)))
            it = self.ctx.instance_type(labels.get("node.kubernetes.io/instance-type", ""))
            claim_alloc = claim.allocatable or (it.allocatable if it else {})
            if not claim_alloc:
                self.notes.append(f"NodeClaim {claim.name} is in flight but its size is unknown "
                                  "(no status.allocatable, instance type not in the catalogue); "
                                  "not counted as room for pods")
                continue
            node_reqs = Requirements.from_labels(labels).add(
                Requirement.of(LABEL_HOSTNAME, IN, (claim.name,)))
            expected = self._daemon_expectation(claim.taints, node_reqs)
            nodes.append(ExistingNode(
                name=claim.name, hostname=claim.name, in_flight=True, initialized=False,
                node_pool=labels.get(LABEL_NODEPOOL), requirements=node_reqs,
                taints=claim.taints, available=_with_pods(claim_alloc), requests=expected,
                ports=set(), capacity=claim.capacity or (it.capacity if it else {})))
        nodes.sort(key=lambda n: (not n.initialized, n.name))
        for n in nodes:
            n.shared = True
        return nodes

    def _build_existing(self, batch: set[str], batch_nodes: set[str]) -> None:
        key = ("existing", self._ds_key)
        hit: tuple[list[ExistingNode], tuple[str, ...]] | None = self.cache.get(key)
        if hit is None:
            before = len(self.notes)
            hit = (self._existing_base(), tuple(self.notes[before:]))
            self.cache[key] = hit
        else:
            self.notes.extend(hit[1])
        base = hit[0]
        snap = self.snapshot
        out: list[ExistingNode] = []
        for template in base:
            name = template.name
            if name in self.exclude_nodes:
                continue
            if not template.in_flight and (name in self.ignore_pods_on or name in batch_nodes):
                bound = [] if name in self.ignore_pods_on else [
                    p for p in snap.pods_by_node.get(name, ()) if (p.uid or p.key) not in batch]
                out.append(self._node_base(snap.node_by_name[name], bound))
                continue
            out.append(template)
        self.existing = out

    def _build_limits(self) -> None:
        for tpl in self.templates:
            limits = tpl.npc.node_pool.limits
            if limits:
                self.remaining[tpl.name] = dict(limits)
                self.limit_usage[tpl.name] = {}
        for node in self.existing:
            if node.node_pool in self.remaining:
                rem = self.remaining[node.node_pool]
                usage = self.limit_usage[node.node_pool]
                for name in rem:
                    rem[name] -= node.capacity.get(name, 0)
                    usage[name] = usage.get(name, 0) + node.capacity.get(name, 0)

    # ------------------------------------------------------------------ topology setup
    def _group(self, kind: str, key: str, namespaces: frozenset[str], selector: Any,
               max_skew: int, min_domains: int | None, node_filter: NodeFilter,
               *, inverse: bool = False) -> TopologyGroup:
        sig = group_signature(kind, key, namespaces, selector, max_skew, min_domains,
                              node_filter)
        table = self.inverse if inverse else self.groups
        group = table.get(sig)
        if group is not None:
            return group
        group = TopologyGroup(kind=kind, key=key, namespaces=namespaces, selector=selector,
                              max_skew=max_skew, min_domains=min_domains,
                              node_filter=node_filter)
        if key != LABEL_HOSTNAME:
            for domain, providers in self.universe.get(key, {}).items():
                if node_filter.tolerations is not None and not any(
                        self._tolerates(node_filter.tolerations, self.templates[i].taints)
                        for i in providers):
                    continue
                group.domains[domain] = 0
        if not inverse:
            self._count_bound(group)
        table[sig] = group
        return group

    def _count_bound(self, group: TopologyGroup) -> None:
        for ns in group.namespaces:
            for pod in self.bound_by_ns.get(ns, ()):
                if not selector_matches(group.selector, pod.labels) \
                        or not self._counts_bound(pod):
                    continue
                info = self.node_labels.get(pod.node_name)
                if info is None:
                    continue
                labels, taints, reqs = info
                domain = labels.get(group.key)
                if domain is None:
                    if group.key != LABEL_HOSTNAME:
                        continue
                    domain = pod.node_name
                if group.kind == SPREAD and not group.node_filter.matches(taints, reqs):
                    continue
                group.record(domain)

    def _index_bound(self, batch: set[str]) -> None:
        key = ("bound",)
        full = self.cache.get(key)
        if full is None:
            snap = self.snapshot
            labels_all = {node.name: (node.labels, node.taints,
                                      Requirements.from_labels(node.labels))
                          for node in snap.nodes}
            by_ns: dict[str, list[Pod]] = {}
            anti: list[Pod] = []
            for pod in snap.pods:
                if not pod.node_name or pod.is_terminal or pod.deletion_timestamp is not None \
                        or pod.node_name not in labels_all:
                    continue
                by_ns.setdefault(pod.namespace, []).append(pod)
                if pod.pod_anti_affinity:
                    anti.append(pod)
            full = (labels_all, by_ns, anti)
            self.cache[key] = full
        labels_all, by_ns, anti = full
        self.node_labels: dict[str, tuple[Any, tuple[Taint, ...], Requirements]] = \
            labels_all if not self.exclude_nodes else {
                k: v for k, v in labels_all.items() if k not in self.exclude_nodes}
        self.bound_by_ns: dict[str, list[Pod]] = by_ns
        self._batch = batch
        self.anti_bound: list[Pod] = [p for p in anti if self._counts_bound(p)]

    def _counts_bound(self, pod: Pod) -> bool:
        return pod.node_name in self.node_labels and pod.node_name not in self.ignore_pods_on \
            and (pod.uid or pod.key) not in self._batch

    def _setup_inverse_bound(self) -> None:
        namespaces = self.snapshot.namespaces
        for pod in self.anti_bound:
            labels = self.node_labels[pod.node_name][0]
            for term in pod.pod_anti_affinity:
                ns, selector = affinity_parts(term, pod.namespace, pod.labels, namespaces)
                group = self._group(ANTI_AFFINITY, term.topology_key, ns, selector,
                                    MAX_SKEW_NONE, None, NodeFilter(), inverse=True)
                domain = labels.get(term.topology_key)
                if domain is None and term.topology_key == LABEL_HOSTNAME:
                    domain = pod.node_name
                if domain is not None:
                    group.record(domain)

    def _owned_groups(self, shape: PodShape) -> list[tuple[TopologyGroup, bool]]:
        cached = shape.cache.get("owned")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        pod = shape.pod
        out: list[TopologyGroup] = []
        # Spread node filters follow the pod as written, whatever relaxation did since.
        base = self._base_alternatives.get(shape.signature, shape.alternatives)
        for spread in shape.spreads:
            selector, node_filter = spread_parts(spread, pod.namespace, pod.labels, base,
                                                 shape.tolerations)
            out.append(self._group(SPREAD, spread.topology_key, frozenset((pod.namespace,)),
                                   selector, spread.max_skew, spread.min_domains, node_filter))
        namespaces = self.snapshot.namespaces
        for kind, terms in ((AFFINITY, shape.affinity), (ANTI_AFFINITY, shape.anti_affinity)):
            for term in terms:
                ns, selector = affinity_parts(term, pod.namespace, pod.labels, namespaces)
                out.append(self._group(kind, term.topology_key, ns, selector, MAX_SKEW_NONE,
                                       None, NodeFilter()))
        owned = [(g, g.selects(pod.namespace, pod.labels)) for g in out]
        shape.cache["owned"] = owned
        return owned

    def _inverse_own(self, shape: PodShape) -> list[TopologyGroup]:
        cached = shape.cache.get("inverse_own")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        pod = shape.pod
        out = []
        for term in pod.pod_anti_affinity:
            ns, selector = affinity_parts(term, pod.namespace, pod.labels,
                                          self.snapshot.namespaces)
            out.append(self._group(ANTI_AFFINITY, term.topology_key, ns, selector,
                                   MAX_SKEW_NONE, None, NodeFilter(), inverse=True))
        shape.cache["inverse_own"] = out
        return out

    def _matching(self, shape: PodShape) -> list[tuple[TopologyGroup, bool]]:
        """Groups that constrain where ``shape`` may go: its own and inverse anti-affinities
        that select it."""
        cached = shape.cache.get("matching")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        pod = shape.pod
        out = list(self._owned_groups(shape))
        out += [(g, True) for g in self.inverse.values() if g.selects(pod.namespace, pod.labels)]
        shape.cache["matching"] = out
        return out

    def _counting(self, shape: PodShape) -> list[TopologyGroup]:
        cached = shape.cache.get("counting")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        pod = shape.pod
        out = [g for g in self.groups.values() if g.selects(pod.namespace, pod.labels)]
        shape.cache["counting"] = out
        return out

    # ================================================================== checks
    def _tolerates(self, tolerations: tuple[Toleration, ...], taints: tuple[Taint, ...]) -> bool:
        if not taints:
            return True
        key = (tolerations, taints)
        hit = self._taint_cache.get(key)
        if hit is None:
            hit = tolerates_all(taints, tolerations)
            self._taint_cache[key] = hit
        return hit

    def _quick_reject(self, shape: PodShape, node_reqs: Requirements) -> Miss | None:
        """Cheap topology refusals for a place already pinned to one domain, before any
        requirement algebra (most places a spread or affinity pod is offered fail here)."""
        quick = shape.cache.get("quick")
        if quick is None:
            quick = [(g, sel, g.key, shape.strict.defined(g.key)) for g, sel in
                     self._matching(shape)]
            shape.cache["quick"] = quick
        for group, self_selecting, key, pod_domains in quick:
            pinned = node_reqs.defined(key)
            if pinned is None or pinned.complement or len(pinned.values) != 1:
                continue
            domain = next(iter(pinned.values))
            if group.rejects(self_selecting, pod_domains, domain):
                miss = self._topology_miss(group, shape.strict.get(key), pinned)
                if group.kind == AFFINITY:
                    miss.wake = (group, domain)
                elif group.kind == ANTI_AFFINITY:
                    miss.shared = True
                return miss
        return None

    def _topology(self, shape: PodShape, node_reqs: Requirements,
                  allow_undefined: frozenset[str]) -> Requirements | Miss:
        groups = self._matching(shape)
        if not groups:
            return node_reqs
        reqs = node_reqs
        strict = shape.strict
        for group, self_selecting in groups:
            key = group.key
            domains = group.next_domains(self_selecting, strict.get(key), node_reqs.get(key))
            if domains.is_empty():
                return self._topology_miss(group, strict.get(key), node_reqs.get(key))
            reqs = reqs.add(domains)
            if reqs.get(key).is_empty():
                return self._topology_miss(group, strict.get(key), node_reqs.get(key))
        return reqs

    @staticmethod
    def _topology_miss(group: TopologyGroup, pod_domains: Requirement,
                       node_domains: Requirement) -> Miss:
        permanent = group.kind == ANTI_AFFINITY or (
            group.kind == SPREAD and group.key == LABEL_HOSTNAME)
        return Miss(TOPOLOGY_CODES[group.kind], permanent, (group, pod_domains, node_domains))

    def check_existing(self, shape: PodShape, node: ExistingNode) -> Requirements | Miss:
        if node.unschedulable:
            return Miss(NODE_UNSCHEDULABLE, True)
        if node.taints and not self._tolerates(shape.tolerations, node.taints):
            return Miss(UNTOLERATED_TAINT, True)
        if shape.host_ports:
            clash = conflict(node.ports, port_keys(shape.host_ports))
            if clash is not None:
                return Miss(HOST_PORT_CONFLICT, True, clash)
        requests = _add(node.requests, shape.requests) if node.requests else shape.requests
        if not _fits(requests, node.available):
            return Miss(INSUFFICIENT_RESOURCE, True, requests)
        if self._matching(shape):
            quick = self._quick_reject(shape, node.requirements)
            if quick is not None:
                return quick
        incompatible = node.requirements.compatible(shape.requirements, NO_UNDEFINED)
        if incompatible is not None:
            return Miss(NODE_SELECTOR_MISMATCH, True, incompatible)
        merged = node.requirements.intersect(shape.requirements)
        return self._topology(shape, merged, NO_UNDEFINED)

    def _compat(self, tpl: Template, reqs: Requirements
                ) -> tuple[list[TypeEntry], frozenset[int] | None]:
        """Template types compatible with ``reqs`` (requirements and offerings), cached per
        distinct requirement set on the keys instance types define; ``None`` ids = all."""
        key = tuple(reqs.defined(k) for k in tpl.type_keys)
        hit = tpl.compat.get(key)
        if hit is None:
            types = [t for t in tpl.types
                     if t.requirements.intersects(reqs) is None and t.has_offering(reqs)]
            ids = None if len(types) == len(tpl.types) else frozenset(id(t) for t in types)
            hit = (types, ids)
            tpl.compat[key] = hit
        return hit

    def check_claim(self, shape: PodShape, claim: Claim) -> ClaimPlan | Miss:
        tpl = claim.template
        if tpl.taints:
            tkey = ("taints", tpl.index)
            ok = shape.cache.get(tkey)
            if ok is None:
                ok = self._tolerates(shape.tolerations, tpl.taints)
                shape.cache[tkey] = ok
            if not ok:
                return Miss(UNTOLERATED_TAINT, True)
        if shape.host_ports:
            clash = conflict(claim.ports, port_keys(shape.host_ports))
            if clash is not None:
                return Miss(HOST_PORT_CONFLICT, True, clash)
        if self._matching(shape):
            quick = self._quick_reject(shape, claim.requirements)
            if quick is not None:
                return quick
        incompatible = claim.requirements.compatible(shape.requirements, tpl.allow_undefined)
        if incompatible is not None:
            return Miss(NODE_SELECTOR_MISMATCH, True, incompatible)
        merged = claim.requirements.intersect(shape.requirements)
        topo = self._topology(shape, merged, tpl.allow_undefined)
        if isinstance(topo, Miss):
            return topo
        requests = _add(claim.requests, shape.requests)
        # A domain topology chose may be the one that fails; another may work later.
        lasting = topo is merged
        allowed: frozenset[int] | None = None
        if topo is not claim.requirements:
            compat, allowed = self._compat(tpl, topo)
            if not compat:
                return Miss(NO_INSTANCE_TYPE_FITS, lasting, "requirements")
        ts = claim.ts
        if not (allowed is None and ts.all_fit(requests)) and not ts.any_fit(requests, allowed):
            return Miss(INSUFFICIENT_RESOURCE, lasting, requests)
        if topo.has_min_values():
            shortfall = topo.min_values_shortfall(
                t.it.labels for t in ts.preview(requests, allowed))
            if shortfall:
                return Miss(NO_INSTANCE_TYPE_FITS, lasting, ("minValues", shortfall))
        return ClaimPlan(topo, allowed, requests)

    def base_catalog(self, tpl: Template) -> Catalog | Miss:
        """The template's types, minus those the NodePool's remaining limits no longer allow."""
        if tpl.catalog is None:
            tpl.catalog = Catalog(tpl.types)
        remaining = self.remaining.get(tpl.name)
        if remaining is None:
            return tpl.catalog
        over = tuple(i for i, t in enumerate(tpl.types)
                     if any(t.capacity.get(name, 0) > left for name, left in remaining.items()))
        if not over:
            return tpl.catalog
        if len(over) == len(tpl.types):
            return Miss(NODEPOOL_LIMIT_EXCEEDED, True)
        cat = tpl.limited.get(over)
        if cat is None:
            skip = set(over)
            cat = Catalog([t for i, t in enumerate(tpl.types) if i not in skip])
            tpl.limited[over] = cat
        return cat

    def probe_claim(self, tpl: Template, cat: Catalog) -> Claim:
        """A fresh NodeClaim from ``tpl`` over ``cat``, not yet part of the run."""
        hostname = f"hostname-placeholder-{self._hostname_seq + 1:04d}"
        reqs = tpl.requirements.add(Requirement.of(LABEL_HOSTNAME, IN, (hostname,)))
        return Claim(index=len(self.claims), template=tpl, hostname=hostname,
                     requirements=reqs, requests=dict(tpl.daemon_overhead), ts=TypeSet(cat),
                     ports=set(tpl.daemon_ports))

    def _new_claim(self, pp: PendingPod, tpl: Template) -> Claim | Miss:
        shape = pp.shape
        dead = shape.cache.get(("new-dead", tpl.index))
        if dead is not None:
            return dead  # type: ignore[no-any-return]
        base = self.base_catalog(tpl)
        if isinstance(base, Miss):
            shape.cache[("new-dead", tpl.index)] = base
            return base
        claim = self.probe_claim(tpl, base)
        result = self.check_claim(shape, claim)
        if isinstance(result, Miss):
            if result.permanent and result.code not in (POD_ANTI_AFFINITY, TOPOLOGY_SPREAD,
                                                          POD_AFFINITY) \
                    and not self._matching(shape):
                shape.cache[("new-dead", tpl.index)] = result
            return result
        self._hostname_seq += 1
        self._commit_claim(claim, shape, result)
        claim.pods.append(pp)
        self.claims.append(claim)
        self.buckets.setdefault(1, {})[claim.index] = None
        self._bucket_order = None
        remaining = self.remaining.get(tpl.name)
        if remaining is not None:
            types = claim.ts.types()
            for name in remaining:
                remaining[name] -= max((t.capacity.get(name, 0) for t in types), default=0)
        return claim

    # ================================================================== commit
    def _record(self, shape: PodShape, reqs: Requirements, taints: tuple[Taint, ...],
                allow_undefined: frozenset[str]) -> None:
        for group in self._counting(shape):
            if group.kind == SPREAD and (group.node_filter.alternatives or
                                         group.node_filter.tolerations is not None) \
                    and not group.node_filter.matches(taints, reqs, allow_undefined):
                continue
            domains = reqs.defined(group.key)
            if domains is None or domains.complement:
                continue
            if group.kind == ANTI_AFFINITY:
                for value in domains.values:
                    group.record(value)
            elif len(domains.values) == 1:
                group.record(next(iter(domains.values)))
        for group in self._inverse_own(shape):
            domains = reqs.defined(group.key)
            if domains is not None and not domains.complement:
                for value in domains.values:
                    group.record(value)

    def _commit_claim(self, claim: Claim, shape: PodShape, plan: ClaimPlan) -> None:
        claim.ts.commit(plan.requests, plan.allowed)
        claim.requirements = plan.requirements
        claim.requests = plan.requests
        reqs = plan.requirements
        if shape.host_ports:
            claim.ports.update(port_keys(shape.host_ports))
        self._record(shape, reqs, claim.template.taints, claim.template.allow_undefined)

    # ================================================================== the run
    def _bucket_counts(self) -> list[int]:
        if self._bucket_order is None:
            self._bucket_order = sorted(k for k, v in self.buckets.items() if v)
        return self._bucket_order

    def _add(self, pp: PendingPod) -> bool:
        shape = pp.shape
        cache = shape.cache
        # 1. existing nodes and in-flight NodeClaims
        if self.existing:
            dead_nodes: set[int] = cache.setdefault("dead-nodes", set())
            for i, node in enumerate(self.existing):
                if i in dead_nodes:
                    continue
                result = self.check_existing(shape, node)
                if isinstance(result, Miss):
                    if result.permanent:
                        dead_nodes.add(i)
                    elif result.wake is not None:
                        dead_nodes.add(i)
                        result.wake[0].watch(result.wake[1], dead_nodes, i)
                    continue
                if node.shared:  # the context's cached base: copy before changing it
                    node = replace(node, shared=False, pods=[])
                    self.existing[i] = node
                node.requirements = result
                node.requests = _add(node.requests, shape.requests)
                if shape.host_ports:
                    node.ports = node.ports | set(port_keys(shape.host_ports))
                node.pods.append(pp.key)
                self.placed[pp.key] = ("node", node)
                self._record(shape, result, node.taints, NO_UNDEFINED)
                return True
        # 2. NodeClaims planned earlier in this run, fewest pods first
        if self.claims:
            dead_claims: set[int] = cache.setdefault("dead-claims", set())
            blocks = cache.get("anti-blocks")
            if blocks is None:
                blocks = [g.blocked for g, _ in self._matching(shape) if g.kind == ANTI_AFFINITY]
                cache["anti-blocks"] = blocks
            for count in self._bucket_counts():
                bucket = self.buckets[count]
                for index in bucket:
                    if index in dead_claims:
                        continue
                    if blocks and any(index in b for b in blocks):
                        continue
                    claim = self.claims[index]
                    outcome = self.check_claim(shape, claim)
                    if isinstance(outcome, Miss):
                        if outcome.code == POD_ANTI_AFFINITY and outcome.shared:
                            # a domain with a matching pod refuses every shape the group
                            # constrains, not just this one
                            outcome.info[0].blocked.add(index)
                        elif outcome.permanent:
                            dead_claims.add(index)
                        elif outcome.wake is not None:
                            dead_claims.add(index)
                            outcome.wake[0].watch(outcome.wake[1], dead_claims, index)
                        continue
                    self._commit_claim(claim, shape, outcome)
                    del bucket[index]
                    nxt = self.buckets.setdefault(count + 1, {})
                    if not nxt or not bucket:
                        self._bucket_order = None
                    nxt[index] = None
                    claim.pods.append(pp)
                    self.placed[pp.key] = ("claim", claim)
                    return True
        # 3. a new NodeClaim from the first NodePool that can take the pod
        for tpl in self.templates:
            result_claim = self._new_claim(pp, tpl)
            if isinstance(result_claim, Miss):
                continue
            self.placed[pp.key] = ("claim", result_claim)
            return True
        return False

    def _try_schedule(self, pp: PendingPod) -> bool:
        """Place the pod, relaxing its preferences one step at a time until it fits
        (trySchedule). Each attempt starts from the pod as written; a pod that fits nowhere
        keeps its most relaxed shape for the report."""
        pp.shape = pp.initial
        while True:
            if self._add(pp):
                if pp.shape.step:
                    self.relaxed_placed[pp.key] = pp.shape.relaxations
                return True
            if not self._relax(pp):
                return False

    def _relax(self, pp: PendingPod) -> bool:
        shape = pp.shape
        nxt = shape.cache.get("next", False)
        if nxt is False:
            nxt = shape.relaxed(self.tolerate_prefer_no_schedule)
            shape.cache["next"] = nxt
        if nxt is None:
            return False
        pp.shape = nxt
        return True

    def _collect(self, pods: Sequence[Pod] | None) -> list[Pod]:
        if pods is not None:
            return [p for p in pods if not p.is_daemonset_pod and not p.is_terminal]
        chosen = []
        skipped: dict[str, int] = {}
        for pod in self.snapshot.pending_pods:
            if pod.scheduler_name not in KARPENTER_SCHEDULERS:
                skipped[pod.scheduler_name] = skipped.get(pod.scheduler_name, 0) + 1
                continue
            chosen.append(pod)
        for name, count in sorted(skipped.items()):
            self.notes.append(f"{count} pending pod(s) use schedulerName {name}; Karpenter "
                              "only provisions for default-scheduler pods, so they are skipped")
        return chosen

    def solve(self, pods: Sequence[Pod] | None = None) -> SimulationResult:
        from kubectl_karp.core.scheduling.report import build_result

        wanted = self._collect(pods)
        batch = {p.uid or p.key for p in wanted}
        batch_nodes = {p.node_name for p in wanted if p.node_name}
        self._build_templates()
        self._build_existing(batch, batch_nodes)
        self._build_limits()
        self._index_bound(batch)
        self._setup_inverse_bound()
        self.placed: dict[str, tuple[str, Any]] = {}
        self.relaxed_placed: dict[str, tuple[str, ...]] = {}
        self._base_alternatives: dict[Hashable, tuple[Requirements, ...]] = {}

        shapes: dict[Hashable, PodShape] = {}
        volumes: dict[Hashable, VolumeInfo] = {}
        queue: list[PendingPod] = []
        ignored: list[tuple[Pod, str]] = []
        for pod in wanted:
            vkey = (pod.namespace, pod.pvc_names, pod.ephemeral_volume_classes)
            vinfo = volumes.get(vkey)
            if vinfo is None:
                vinfo = volume_info(pod, self.snapshot)
                volumes[vkey] = vinfo
            if vinfo.problem:
                ignored.append((pod, vinfo.problem))
                continue
            sig = shape_signature(pod)
            shape = shapes.get(sig)
            if shape is None:
                try:
                    shape = initial_shape(pod, sig, vinfo.requirements)
                except InputError as err:
                    ignored.append((pod, f"invalid scheduling constraints: {err}"))
                    continue
                shapes[sig] = shape
                self._base_alternatives[sig] = shape.alternatives
            queue.append(PendingPod(pod, shape, shape))
        # Every group and inverse group exists before the first pod is placed (NewTopology).
        for shape in shapes.values():
            self._owned_groups(shape)
            self._inverse_own(shape)

        from collections import deque

        order = deque(sort_pods(queue))
        last_len: dict[str, int] = {}
        failed: dict[str, PendingPod] = {}
        while order:
            pp = order[0]
            # A full pass over the queue without progress ends the run (queue.go).
            if last_len.get(pp.uid) == len(order):
                break
            order.popleft()
            if self._try_schedule(pp):
                failed.pop(pp.key, None)
                continue
            failed[pp.key] = pp
            order.append(pp)
            last_len[pp.uid] = len(order)
        return build_result(self, wanted, list(failed.values()), ignored)
