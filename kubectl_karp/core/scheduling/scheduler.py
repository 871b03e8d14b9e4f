"""Karpenter's provisioning scheduler (scheduler.go, nodeclaim.go, existingnode.go), in Python.

For each pod, in queue order: an existing node (initialized ones first, then by name), else a
NodeClaim already planned in this run (fewest pods first), else a new NodeClaim from the first
NodePool that can take it (weight, then name descending: model.predicates.order_by_weight). A
pod that fits nowhere has its preferences relaxed one step and goes to the back of the queue;
the run ends when a full pass over the queue makes no progress.

Speed comes from sharing work between identical pods (:class:`PodShape`): taint checks,
instance-type compatibility (cached per NodePool and requirement set), and "this place can never
take this shape" facts (resources only shrink, requirements only narrow, anti-affinity counts
only grow), so a failed placement is not re-tried for every replica. Facts that do not depend
on requests (topology groups and their refusals) are shared further, by every shape with the
same constraints (``_profile``); refusals that hold for a whole topology group are kept as sets
of planned claims (and their complements), and claims are indexed by the zone-like domain they
are pinned to, so most refused claims are never offered the pod at all. None of this changes a
decision: each shortcut answers exactly what the full check would.
"""

from __future__ import annotations

import gc
import weakref
from bisect import insort
from collections.abc import Hashable, Sequence
from dataclasses import fields, replace
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from kubectl_karp.core import releases
from kubectl_karp.core.nodepools import effective_limits, template_requirements
from kubectl_karp.core.reasons import (
    HOST_PORT_CONFLICT,
    INSUFFICIENT_RESOURCE,
    NO_INSTANCE_TYPE_FITS,
    NODE_SELECTOR_MISMATCH,
    NODE_UNSCHEDULABLE,
    NODEPOOL_LIMIT_EXCEEDED,
    NODEPOOL_NOT_READY,
    OFFERINGS_UNAVAILABLE,
    POD_AFFINITY,
    POD_ANTI_AFFINITY,
    TOPOLOGY_SPREAD,
    UNTOLERATED_TAINT,
    VOLUME_LIMIT_EXCEEDED,
    Reason,
)
from kubectl_karp.core.releases import (
    DAEMONSET_PER_INSTANCE_TYPE,
    HOSTPORTS_PER_NODECLAIM,
    NODE_READINESS_TAINTS,
)
from kubectl_karp.core.scheduling.daemonsets import (
    daemon_pods,
    daemons_for,
    overhead,
    remaining_overhead,
    requests_of,
)
from kubectl_karp.core.scheduling.hostports import PortKey, conflict, port_keys
from kubectl_karp.core.scheduling.launch import min_values_shortfall
from kubectl_karp.core.scheduling.nodes import (
    DEFAULT_MAX_PODS,
    Catalog,
    Claim,
    ExistingNode,
    Template,
    TypeEntry,
    TypeSet,
    limit_amount,
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
from kubectl_karp.core.scheduling.volumes import (
    VolumeInfo,
    bound_volumes,
    merge_volumes,
    node_volume_limits,
    pod_volumes,
    volume_info,
    volume_limit_hit,
)
from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType
from kubectl_karp.model.objects import (
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_NODEPOOL,
    LABEL_ZONE,
    TAINT_DISRUPTED,
    DaemonSet,
    Node,
    NodeClaim,
    Pod,
    Taint,
    Toleration,
)
from kubectl_karp.model.predicates import (
    effective_taints,
    has_dra_requirements,
    is_mirror,
    is_reschedulable,
    node_initialized,
    why_not_currently_reschedulable,
)
from kubectl_karp.model.requirements import (
    IN,
    Requirement,
    Requirements,
)
from kubectl_karp.model.selectors import selector_matches
from kubectl_karp.model.taints import (
    prefer_no_schedule_relaxation,
    tolerates_all,
)

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import NodePoolContext, SchedulingContext

NO_UNDEFINED: frozenset[str] = frozenset()
_NO_PORTS: set[PortKey] = set()
MAX_SKEW_NONE = 2**31 - 1
TOPOLOGY_CODES = {SPREAD: TOPOLOGY_SPREAD, AFFINITY: POD_AFFINITY, ANTI_AFFINITY: POD_ANTI_AFFINITY}
KARPENTER_SCHEDULERS = ("default-scheduler", "")


_PAUSE_GC_FROM = 1000  # pods in a run
_FRONT = 16  # planned claims of a bucket offered one by one before any set algebra
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
    ``wake`` (group, domain) when it holds until that domain gets its first matching pod;
    ``block`` a topology group's set of planned claims that refuse every shape of the same
    kind, to which the refused claim belongs from now on (until ``wake``, if set)."""

    __slots__ = ("block", "code", "info", "permanent", "wake")

    def __init__(self, code: str, permanent: bool, info: Any = None,
                 wake: tuple[TopologyGroup, str] | None = None) -> None:
        self.code = code
        self.permanent = permanent
        self.info = info
        self.wake = wake
        self.block: set[int] | None = None


def _base_order(node: ExistingNode) -> tuple[bool, str]:
    """The order existing nodes are tried in: initialised ones first, then by name."""
    return (not node.initialized, node.name)


def carry_context_cache(old: SchedulingContext, new: SchedulingContext) -> bool:
    """Seed ``new``'s cache from ``old``'s when ``new`` is ``old`` plus in-flight NodeClaims
    and nothing else (the disruption planner adds a replacement per action and re-plans):
    the NodePool templates, the bound pods' index and the existing nodes' base state carry
    over, with a base entry built for each added claim, and so do the per-shape refusals of
    :meth:`Scheduler._viable_nodes` (the added claims are offered to every shape). Returns
    whether it carried anything; the answers are those of a cold cache
    (tests/disruption/test_fast_paths.py)."""
    a, b = old.snapshot, new.snapshot
    if a is b or any(getattr(old, f.name) is not getattr(new, f.name)
                     for f in fields(old) if f.name != "snapshot"):
        return False
    if any(getattr(a, f.name) is not getattr(b, f.name)
           for f in fields(a) if f.name != "node_claims"):
        return False
    n = len(a.node_claims)
    if len(b.node_claims) < n or any(
            x is not y for x, y in zip(a.node_claims, b.node_claims[:n], strict=True)):
        return False
    before = {c.name for c in a.node_claims}
    added = b.node_claims[n:]
    if any(c.name in before or c.node_name or c.provider_id for c in added):
        return False
    src, dst = context_cache(old), context_cache(new)
    for key, value in src.items():
        # Built from the NodePools, DaemonSets, nodes and pods only (``unbound``: the
        # disruption simulation's unbound pod copies, disruption/simulation.py).
        if key in ("nodepool-templates", "pool-types", "unbound") or (
                isinstance(key, tuple) and key[0] in ("templates", "bound")):
            dst.setdefault(key, value)
    for key, value in list(src.items()):
        if not (isinstance(key, tuple) and key[0] == "existing"):
            continue
        ds_key = key[1]
        if ds_key:
            continue  # extra DaemonSets: rebuilt cold (rare)
        sched = Scheduler(new)
        fresh = [sched._claim_base(c) for c in added if c.deletion_timestamp is None]
        for node in fresh:
            node.shared = True
        base = sorted([*value[0], *fresh], key=_base_order)
        dst.setdefault(key, (base, (*value[1], *sched.notes)))
        alive = src.get(("static-alive", ds_key))
        if alive is not None:
            dst.setdefault(("static-alive", ds_key), dict(alive))
            extra = src.get(("static-extra", ds_key), frozenset())
            dst.setdefault(("static-extra", ds_key),
                           extra | frozenset(n.name for n in fresh))
    return True


def _minus(a: set[int], b: set[int]) -> set[int]:
    """``a`` without ``b``, in time linear in the smaller: ``a -= b`` walks all of ``b``
    (a refusal set grows with the run), ``a - b`` walks ``a`` when ``b`` is the larger."""
    if len(b) > len(a):
        return a - b
    a -= b
    return a


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
    reqs = it.requirements()
    return TypeEntry(it=it, requirements=reqs, allocatable=allocatable,
                     capacity=dict(it.capacity), offerings=available)


def _status(pod: Pod) -> dict[str, Any]:
    status = pod.raw.get("status") if isinstance(pod.raw, dict) else None
    return status if isinstance(status, dict) else {}


def _marked_unschedulable(pod: Pod) -> bool:
    return any(c.type == "PodScheduled" and c.reason == "Unschedulable" for c in pod.conditions)


def _not_provisionable(pod: Pod) -> str | None:
    if pod.node_name:
        return None  # bound pods handed in by consolidation are moved, not provisioned for
    if pod.raw:
        nominated = _status(pod).get("nominatedNodeName")
        if nominated:
            return f"is nominated to node {nominated} (preemption in progress)"
    if pod.conditions and any(c.type == "PodScheduled" and c.reason == "SchedulingGated"
                              for c in pod.conditions):
        return "is held by scheduling gates"
    if pod.owner_refs and is_mirror(pod):
        return "is a static (mirror) pod"
    if has_dra_requirements(pod):
        # Every supported release runs with --ignore-dra-requests=true by default and fails
        # such pods with a DRAError instead of allocating devices (scheduler.go add).
        return ("requests DRA ResourceClaims, which Karpenter refuses under its default "
                "--ignore-dra-requests (devices are not simulated)")
    return None


def _node_deleting(snap: Any, node: Node) -> bool:
    """StateNode.MarkedForDeletion: the NodeClaim is deleting or its instance terminating, a
    Node without one is deleting (Deleted), or disruption has taken the node (the
    karpenter.sh/disrupted taint, set as the command starts, stands for the in-memory mark)."""
    if any(t.key == TAINT_DISRUPTED and t.effect == "NoSchedule" for t in node.taints):
        return True
    claim = snap.node_claim_for(node)
    if claim is not None:
        return claim.deletion_timestamp is not None or node.deletion_timestamp is not None \
            or claim.has_condition("InstanceTerminating")
    return node.deletion_timestamp is not None


def provisionable(pods: Sequence[Pod]) -> tuple[list[Pod], list[str]]:
    """Drop the pods Karpenter's GetPendingPods would not hand to its scheduler, judged from
    their status only (pods read from files have none, and always count): preempting pods
    (status.nominatedNodeName: kube-scheduler is making room for them), pods still held by
    scheduling gates, and static pods. Returns the rest and a note per dropped pod."""
    out: list[Pod] = []
    notes: list[str] = []
    for pod in pods:
        why = _not_provisionable(pod)
        if why is None:
            out.append(pod)
        else:
            notes.append(f"pod {pod.key} {why}; Karpenter does not provision for it, so it "
                         "is skipped")
    return out, notes


def pending_batch(snapshot: Any, exclude_nodes: frozenset[str] = frozenset()
                  ) -> tuple[list[Pod], list[str]]:
    """The cluster's pods Karpenter's provisioner would schedule, with notes on those left
    out: pending pods it considers provisionable, plus the reschedulable pods of nodes being
    deleted (Provisioner.Schedule adds them; those nodes take no pods).

    Pods of another scheduler count once that scheduler marked them Unschedulable (Karpenter
    only looks at the PodScheduled condition). Default-scheduler pods that kube-scheduler has
    not marked yet are kept: it will, unless an existing node has room, which the simulation
    tries first anyway."""
    chosen: list[Pod] = []
    notes: list[str] = []
    skipped: dict[str, int] = {}
    for pod in snapshot.pending_pods:
        if pod.scheduler_name not in KARPENTER_SCHEDULERS and not _marked_unschedulable(pod):
            skipped[pod.scheduler_name] = skipped.get(pod.scheduler_name, 0) + 1
            continue
        chosen.append(pod)
    for name, count in sorted(skipped.items()):
        notes.append(f"{count} pending pod(s) use schedulerName {name} and are not marked "
                     "Unschedulable by it; Karpenter only provisions for pods a scheduler "
                     "gave up on, so they are skipped")
    chosen, dropped = provisionable(chosen)
    notes += dropped
    moving: list[Pod] = []
    staying: list[str] = []
    for node in snapshot.nodes:
        if node.name in exclude_nodes or not _node_deleting(snapshot, node):
            continue
        # upstream: provisioner.go Schedule — nodes.Deleting().CurrentlyReschedulablePods
        for pod in snapshot.pods_by_node.get(node.name, ()):
            why = why_not_currently_reschedulable(pod, snapshot.pdbs)
            if why is None:
                moving.append(pod)
            elif is_reschedulable(pod):  # DaemonSet and mirror pods simply go with the node
                staying.append(f"pod {pod.key} on node {node.name} {why}")
    if moving:
        notes.append(f"{len(moving)} pod(s) on nodes being deleted are scheduled again, as "
                     "Karpenter does")
    for text in staying:
        notes.append(f"{text}: Karpenter does not make room for it elsewhere until it can "
                     "be moved")
    return chosen + moving, notes


class Scheduler:
    def __init__(self, ctx: SchedulingContext, *, exclude_nodes: frozenset[str] = frozenset(),
                 extra_daemonsets: Sequence[DaemonSet] = (),
                 node_pools: Sequence[str] | None = None,
                 ignore_pods_on: frozenset[str] = frozenset(),
                 closed_nodes: frozenset[str] = frozenset(),
                 closed_to: frozenset[str] = frozenset()) -> None:
        self.ctx = ctx
        # upstream: scheduler.go addToExistingNode (IsConsolidationSimulation): existing nodes
        # still inside consolidateAfter take no pod of ``closed_to`` (the candidates' own).
        self.closed_nodes = closed_nodes
        self.closed_to = closed_to
        self.snapshot = ctx.snapshot
        self.exclude_nodes = exclude_nodes
        self.ignore_pods_on = ignore_pods_on
        self.extra_daemonsets = tuple(extra_daemonsets)
        self.cache = context_cache(ctx)
        modelled = self.cache.get("daemon-pods")
        if modelled is None:
            modelled = self.cache["daemon-pods"] = daemon_pods(self.snapshot)
        self.daemonsets: list[DaemonSet] = [*modelled, *extra_daemonsets]
        self.pool_filter = set(node_pools) if node_pools is not None else None
        self.notes: list[str] = []
        self.pool_reasons: list[Reason] = []  # NodePools that cannot provision at all
        self.templates: list[Template] = []
        self.existing: list[ExistingNode] = []
        self.claims: list[Claim] = []
        self.buckets: dict[int, dict[int, None]] = {}
        self._bucket_order: list[int] | None = None
        self._arrival: dict[int, int] = {}  # claim index → when it entered its bucket
        self._selects_cache: dict[Hashable, list[TopologyGroup]] = {}
        self._profiles: dict[Hashable, dict[str, Any]] = {}  # see _profile
        # key → domain → planned claims pinned to it, for the keys of zone-like groups
        self._pinned: dict[str, dict[str, set[int]]] = {}
        self._pin_keys: tuple[str, ...] = ()
        # id(permanent refusal set) → (that set, the planned claims not in it)
        self._open: dict[int, tuple[set[int], set[int]]] = {}
        self._open_of: dict[int, set[int]] = {}  # id(open set) → its refusal set
        self._seq = 0
        self.remaining: dict[str, dict[str, int]] = {}  # NodePool limits left
        self.limit_usage: dict[str, dict[str, int]] = {}
        self.groups: dict[Hashable, TopologyGroup] = {}
        self.inverse: dict[Hashable, TopologyGroup] = {}
        self.universe: dict[str, dict[str, set[int]]] = {}
        self._taint_cache: dict[tuple[tuple[Toleration, ...], tuple[Taint, ...]], bool] = {}
        self._hostname_seq = 0
        self._ds_key = tuple(id(ds) for ds in extra_daemonsets)
        self._volume_limits = node_volume_limits(self.snapshot)
        # Before v1.13 every NodeClaim of a NodePool shared one HostPortUsage (upstream
        # nodeclaim.go NewNodeClaim took the template's without copying it; #3022 copies it):
        # a host port booked on one planned claim is taken on all of them, and on new ones,
        # for the rest of the run. None = each claim tracks its own (v1.13+).
        self._pool_ports: dict[int, set[PortKey]] | None = (
            None if ctx.rules.has(HOSTPORTS_PER_NODECLAIM) else {})
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
            if npc.pending_problems:
                self.pool_reasons.extend(npc.pending_problems)
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
        reqs = template_requirements(pool)
        entries = [type_entry(it) for it in npc.instance_types]
        types = [t for t in entries
                 if t.requirements.intersects(reqs) is None and t.has_offering(reqs)]
        keys: set[str] = {LABEL_ZONE, LABEL_CAPACITY_TYPE}
        for t in entries:
            keys.update(t.requirements.keys())
        type_ports: dict[int, frozenset[PortKey]] = {}
        type_overhead: dict[str, dict[str, int]] = {}
        if self.ctx.rules.has(DAEMONSET_PER_INSTANCE_TYPE) and self.daemonsets:
            types, ds_overhead, ports, names, type_ports, type_overhead = \
                self._daemons_per_type(pool.taints, reqs, npc.allow_undefined_labels, types)
        else:
            ds_overhead, chosen = overhead(self.daemonsets, pool.taints, reqs,
                                           npc.allow_undefined_labels)
            ports = [k for ds in chosen for k in port_keys(ds.template.host_ports)]
            names = tuple(ds.key for ds in chosen)
        if not types and entries:
            self.notes.append(self._no_type_note(pool.name, reqs, npc.instance_types))
        return Template(index=index, npc=npc, requirements=reqs, taints=pool.taints,
                        has_min_values=reqs.has_min_values(),
                        allow_undefined=npc.allow_undefined_labels, types=types,
                        all_types=entries, type_keys=tuple(sorted(keys)),
                        daemon_overhead=ds_overhead, daemon_ports=ports,
                        daemon_names=names, type_ports=type_ports,
                        type_overhead=type_overhead)

    def _daemons_per_type(self, taints: tuple[Taint, ...], reqs: Requirements,
                          allow_undefined: frozenset[str], types: list[TypeEntry]
                          ) -> tuple[list[TypeEntry], dict[str, int], list[PortKey],
                                     tuple[str, ...], dict[int, frozenset[PortKey]],
                                     dict[str, dict[str, int]]]:
        """DaemonSet overhead and host ports per instance type (Karpenter v1.14+).

        upstream: scheduling/scheduler.go buildDaemonOverheadGroups groups the NodePool's
        types by the DaemonSets that would run on them; nodeclaim.go
        filterInstanceTypesByRequirements then fits pod + that group's overhead on each type
        and drops the types whose group's host ports the pod clashes with.

        Kept exact and fast by splitting each group's overhead in two: the part every group
        shares (the per-resource minimum) stays on the claim's requests, as before; the rest
        is taken off that type's allocatable (a type whose own daemons do not fit at all can
        never be chosen and goes). Host ports every group holds stay on the claim; the others
        are kept per type (``Template.type_ports``)."""
        groups: dict[tuple[str, ...], tuple[DaemonSet, ...]] = {}
        of_type: list[tuple[str, ...]] = []
        for t in types:
            chosen = daemons_for(self.daemonsets, taints, reqs, allow_undefined, t.requirements)
            key = tuple(sorted(ds.key for ds in chosen))
            groups.setdefault(key, chosen)
            of_type.append(key)
        loads = {key: requests_of(chosen) for key, chosen in groups.items()}
        port_sets = {key: frozenset(k for ds in chosen for k in port_keys(ds.template.host_ports))
                     for key, chosen in groups.items()}
        names = tuple(sorted({name for key in groups for name in key}))
        if len(groups) <= 1:
            key = next(iter(groups), ())
            return types, loads.get(key, {}), sorted(port_sets.get(key, frozenset())), \
                names, {}, {}
        shared: dict[str, int] = {}
        for name in {n for load in loads.values() for n in load}:
            shared[name] = min(load.get(name, 0) for load in loads.values())
        common = frozenset.intersection(*port_sets.values())
        kept: list[TypeEntry] = []
        type_ports: dict[int, frozenset[PortKey]] = {}
        for t, key in zip(types, of_type, strict=True):
            load = loads[key]
            if not _fits(load, t.allocatable):
                continue
            extra = {name: milli - shared.get(name, 0) for name, milli in load.items()
                     if milli > shared.get(name, 0)}
            entry = t
            if extra:
                alloc = dict(t.allocatable)
                for name, milli in extra.items():
                    alloc[name] = alloc.get(name, 0) - milli
                entry = replace(t, allocatable=alloc)
            if port_sets[key] - common:
                type_ports[id(entry)] = port_sets[key] - common
            kept.append(entry)
        by_name = {t.name: loads[key] for t, key in zip(types, of_type, strict=True)}
        return kept, {k: v for k, v in shared.items() if v}, sorted(common), names, type_ports, \
            by_name

    @staticmethod
    def _no_type_note(name: str, reqs: Requirements, types: Sequence[InstanceType]) -> str:
        """Why a NodePool has no launchable type: its requirements, or (OfferingsUnavailable)
        every offering they allow is sold out."""
        labels = reqs.without(LABEL_ZONE, LABEL_CAPACITY_TYPE)
        zone, ctype = reqs.get(LABEL_ZONE), reqs.get(LABEL_CAPACITY_TYPE)
        allowed = [it for it in types
                   if it.requirements().without(
                       LABEL_ZONE, LABEL_CAPACITY_TYPE).intersects(labels) is None
                   and any(zone.has(o.zone) and ctype.has(o.capacity_type)
                           for o in it.offerings)]
        if allowed:
            return (f"NodePool {name}: every offering of the {len(allowed)} instance type(s) "
                    "its requirements allow is unavailable (sold out) in the zones and "
                    f"capacity types it allows ({OFFERINGS_UNAVAILABLE})")
        return (f"NodePool {name}: its requirements rule out every instance type of the "
                f"catalogue ({len(types)} types)")

    def _build_universe(self) -> None:
        universe: dict[str, dict[str, set[int]]] = {}
        for tpl in self.templates:
            # Every catalogue type of the NodePool counts, even one another key rules out
            # (buildDomainGroups intersects per key, not per type).
            for t in tpl.all_types:
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

    def _node_taints(self, node: Node, claim: NodeClaim | None) -> tuple[Taint, ...]:
        return effective_taints(
            node, claim, self.snapshot.node_pool_by_name.get(node.labels.get(LABEL_NODEPOOL, "")),
            readiness_prefixes=self.ctx.rules.has(NODE_READINESS_TAINTS))

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
        initialized = node_initialized(node, claim)
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
        taints = self._node_taints(node, claim)
        expected = self._daemon_expectation(taints, reqs)
        daemon = remaining_overhead(expected, (p for p in bound if p.is_daemonset_pod))
        limits = self._volume_limits.get(node.name, {})
        return ExistingNode(
            volume_limits=limits, volumes=bound_volumes(bound, snap) if limits else {},
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
            if _node_deleting(snap, node):
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
            nodes.append(self._claim_base(claim))
        nodes.sort(key=_base_order)
        for n in nodes:
            n.shared = True
        return nodes

    def _claim_base(self, claim: NodeClaim) -> ExistingNode:
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
            available=_with_pods(claim_alloc) if claim_alloc else {"pods": 0},
            requests=expected, ports=set(), capacity=claim.capacity)

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
        # Where each node of the cached base sits in this run's list, and the nodes rebuilt
        # for this run (their base facts do not hold): see _viable_nodes.
        self._positions = {node.name: i for i, node in enumerate(out) if node.shared}
        self._unshared = [i for i, node in enumerate(out) if not node.shared]

    def _static_refusal(self, shape: PodShape, node: ExistingNode) -> bool:
        """Whether :meth:`check_existing` refuses ``shape`` on ``node`` (a cached base node)
        for a reason no placement in any run on this context can undo: cordoned, an
        untolerated taint, a host port in use, too little room (room only shrinks, ports
        only fill), or a label the node defines that the pod's requirements exclude (a
        defined label only narrows). Topology, which depends on the run, is not looked at.
        A shape with several volume alternatives is refused when every alternative is."""
        if len(shape.volume_alternatives) > 1:
            return all(self._static_refusal(v, node) for v in shape.volume_variants())
        if node.unschedulable:
            return True
        if node.taints and not self._tolerates(shape.tolerations, node.taints):
            return True
        if shape.host_ports and conflict(node.ports, port_keys(shape.host_ports)) is not None:
            return True
        requests = _add(node.requests, shape.requests) if node.requests else shape.requests
        if not _fits(requests, node.available):
            return True
        incompatible = node.requirements.compatible(shape.requirements, NO_UNDEFINED)
        return incompatible is not None and incompatible.ours is not None

    def _viable_nodes(self, shape: PodShape) -> list[int]:
        """Indexes into ``self.existing``, in order, of the nodes worth offering ``shape``:
        every node but the cached base nodes that refuse it for good (:meth:`_static_refusal`).
        Those facts are kept per context and per shape signature, so the hundreds of
        simulations consolidation runs on one cluster check each node once per shape, not
        once per simulation. Over-including is harmless (the full check still runs), so nodes
        added by a carried-over context (``carry_context_cache``) are simply offered."""
        store: dict[Hashable, frozenset[str]] = self.cache.setdefault(
            ("static-alive", self._ds_key), {})
        key = shape.key
        alive = store.get(key)
        if alive is None:
            base: list[ExistingNode] = self.cache[("existing", self._ds_key)][0]
            alive = frozenset(n.name for n in base if not self._static_refusal(shape, n))
            store[key] = alive
        pos = self._positions
        out = [pos[name] for name in alive if name in pos]
        extra: frozenset[str] = self.cache.get(("static-extra", self._ds_key), frozenset())
        out += [pos[name] for name in extra if name in pos and name not in alive]
        out += self._unshared
        out.sort()
        return out

    def _build_limits(self) -> None:
        for tpl in self.templates:
            limits = effective_limits(tpl.npc.node_pool, self.ctx.rules)
            if limits:
                self.remaining[tpl.name] = dict(limits)
                self.limit_usage[tpl.name] = {}
        for node in self.existing:
            if node.node_pool in self.remaining:
                rem = self.remaining[node.node_pool]
                usage = self.limit_usage[node.node_pool]
                for name in rem:
                    amount = limit_amount(node.capacity, name)
                    rem[name] -= amount
                    usage[name] = usage.get(name, 0) + amount

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
            # v1.11 only (#2671, reverted by #2957): a Honor spread counts a domain only
            # when a NodePool providing it is compatible with the pod's node affinity.
            by_pool = node_filter.alternatives if self.ctx.rules.has(
                releases.TOPOLOGY_DOMAINS_BY_NODEPOOL) else ()
            for domain, providers in self.universe.get(key, {}).items():
                if node_filter.tolerations is not None and not any(
                        self._tolerates(node_filter.tolerations, self.templates[i].taints)
                        for i in providers):
                    continue
                if by_pool and not any(self._pool_admits(self.templates[i], by_pool)
                                       for i in providers):
                    continue
                group.domains[domain] = 0
        if not inverse:
            if key != LABEL_HOSTNAME:
                self._register_node_domains(group)
            self._count_bound(group)
        table[sig] = group
        return group

    @staticmethod
    def _pool_admits(tpl: Template, alternatives: tuple[Requirements, ...]) -> bool:
        """upstream v1.11: scheduling/topologydomaingroup.go isDomainCompatible."""
        return any(tpl.requirements.compatible(alt, tpl.allow_undefined) is None
                   for alt in alternatives)

    def _register_node_domains(self, group: TopologyGroup) -> None:
        """Existing nodes add their domain with a zero count when the group's node filter
        admits them (countDomains): a zone only a static node provides still holds the
        minimum a spread must respect. In-flight NodeClaims without a Node do not; hostnames
        need no registering (an unseen hostname already counts zero)."""
        node_filter = group.node_filter
        for node in self.existing:
            if node.in_flight:
                continue
            info = self.node_labels.get(node.name)
            if info is None:
                continue
            labels, taints, reqs = info
            domain = labels.get(group.key)
            if domain is None or domain in group.domains:
                continue
            if group.kind == SPREAD and not node_filter.matches(taints, reqs):
                continue
            group.domains[domain] = 0

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

    def _pod_volumes(self, shape: PodShape) -> dict[str, frozenset[str]]:
        found: dict[str, frozenset[str]] | None = shape.cache.get("csi-volumes")
        if found is None:
            found = pod_volumes(shape.pod, self.snapshot)
            shape.cache["csi-volumes"] = found
        return found

    def _profile(self, shape: PodShape) -> dict[str, Any]:
        """Per-shape facts that do not depend on the requests (topology groups, their quick
        checks, shared refusal sets), shared by every shape that differs only in requests:
        the benchmark's and many real batches' pods come in far fewer such profiles."""
        found = shape.profile
        if found is None:
            sig = shape.signature
            key = (sig[:11] + sig[12:] if isinstance(sig, tuple) else sig, shape.step)
            found = self._profiles.get(key)
            if found is None:
                found = self._profiles[key] = {}
            shape.profile = found
        return found

    def _owned_groups(self, shape: PodShape) -> list[tuple[TopologyGroup, bool]]:
        profile = self._profile(shape)
        cached = profile.get("owned")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        pod = shape.pod
        out: list[TopologyGroup] = []
        # Spread node filters follow the pod as written, whatever relaxation did since.
        base = self._base_alternatives.get(shape.signature, shape.alternatives)
        if shape.volume_counts and shape.volume.keys():
            # v1.8 wrote the volume requirements into every required term of the pod itself
            # (VolumeTopology.Inject), so a Honor node filter carries them too.
            base = tuple(alt.intersect(shape.volume) for alt in base) or (shape.volume,)
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
        profile["owned"] = owned
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
        profile = self._profile(shape)
        cached = profile.get("matching")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        out = list(self._owned_groups(shape))
        out += [(g, True) for g in self._selecting(shape, self.inverse)]
        profile["matching"] = out
        return out

    def _counting(self, shape: PodShape) -> list[TopologyGroup]:
        cached = shape.cache.get("counting")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        out = self._selecting(shape, self.groups)
        shape.cache["counting"] = out
        return out

    def _selecting(self, shape: PodShape, table: dict[Hashable, TopologyGroup]
                   ) -> list[TopologyGroup]:
        """Groups of ``table`` whose selector picks the shape's pod: depends on namespace and
        labels only, which far fewer pods differ by than by shape (requests differ)."""
        pod = shape.pod
        sig = shape.signature
        labels = sig[:2] if isinstance(sig, tuple) else (pod.namespace, id(pod))
        key = (id(table), len(table), labels)
        out = self._selects_cache.get(key)
        if out is None:
            out = [g for g in table.values() if g.selects(pod.namespace, pod.labels)]
            self._selects_cache[key] = out
        return out

    # ================================================================== checks
    def _block_sets(self, shape: PodShape) -> tuple[list[set[int]], list[set[int]]]:
        """The shared refusal sets (``Miss.block``) that apply to ``shape``, matching how
        :meth:`_quick_reject` fills them: for the permanent ones (anti-affinity, hostname
        spread) their complements — the claims still open — and the others as they are."""
        opens: list[set[int]] = []
        others: list[set[int]] = []
        for group, self_selecting in self._matching(shape):
            if group.kind == ANTI_AFFINITY:
                opens.append(self._opened(group.blocked))
            elif group.kind == AFFINITY:
                if shape.strict.defined(group.key) is None:
                    others.append(group.block_set(AFFINITY))
            elif group.key == LABEL_HOSTNAME or group.key == "karpenter.sh/nodeclaim":
                opens.append(self._opened(group.block_set(self_selecting)))
        return opens, others

    def _opened(self, blocked: set[int]) -> set[int]:
        """The claims not in ``blocked``, maintained from now on (new claims join it, refused
        ones leave it)."""
        entry = self._open.get(id(blocked))
        if entry is None:
            entry = (blocked, set(range(len(self.claims))) - blocked)
            self._open[id(blocked)] = entry
            self._open_of[id(entry[1])] = blocked
        return entry[1]

    def _tolerates(self, tolerations: tuple[Toleration, ...], taints: tuple[Taint, ...]) -> bool:
        if not taints:
            return True
        key = (tolerations, taints)
        hit = self._taint_cache.get(key)
        if hit is None:
            hit = tolerates_all(taints, tolerations)
            self._taint_cache[key] = hit
        return hit

    def _quick_reject(self, shape: PodShape, node_reqs: Requirements) -> Miss | bool:
        """Cheap topology refusals for a place already pinned to one domain, before any
        requirement algebra (most places a spread or affinity pod is offered fail here).

        Returns the refusal, or whether every group is settled: a spread or anti-affinity
        group on a key the place is pinned to, which accepted that domain, leaves the
        requirements as they are (True: the full topology step can be skipped)."""
        profile = self._profile(shape)
        quick = profile.get("quick")
        if quick is None:
            quick = [(g, sel, g.key, shape.strict.defined(g.key)) for g, sel in
                     self._matching(shape)]
            profile["quick"] = quick
        settled = True
        for group, self_selecting, key, pod_domains in quick:
            pinned = node_reqs.defined(key)
            if pinned is None or pinned.complement or len(pinned.values) != 1:
                settled = False
                continue
            if group.kind == AFFINITY:
                settled = False  # may still find no domain (nothing to be near yet)
            domain = next(iter(pinned.values))
            if group.rejects(self_selecting, pod_domains, domain):
                miss = self._topology_miss(group, shape.strict.get(key), pinned)
                if group.kind == AFFINITY:
                    miss.wake = (group, domain)
                    if pod_domains is None:
                        miss.block = group.block_set(AFFINITY)
                elif group.kind == ANTI_AFFINITY:
                    miss.block = group.blocked
                elif miss.permanent:  # hostname spread
                    miss.block = group.block_set(self_selecting)
                return miss
        return settled

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

    @staticmethod
    def _first_alternative(variants: tuple[PodShape, ...], check: Any) -> Any:
        """CanAdd's loop over volume alternatives: the first that fits, else a refusal that
        is permanent only when every alternative's is (no shared block: it is per variant)."""
        last: Miss | None = None
        permanent = True
        for variant in variants:
            outcome = check(variant)
            if not isinstance(outcome, Miss):
                return outcome
            last = outcome
            permanent = permanent and outcome.permanent and outcome.block is None
        assert last is not None
        return Miss(last.code, permanent, last.info)

    def check_existing(self, shape: PodShape, node: ExistingNode) -> Requirements | Miss:
        if len(shape.volume_alternatives) > 1:  # each variant has exactly one
            return self._first_alternative(  # type: ignore[no-any-return]
                shape.volume_variants(), lambda v: self.check_existing(v, node))
        if node.unschedulable:
            return Miss(NODE_UNSCHEDULABLE, True)
        if node.taints and not self._tolerates(shape.tolerations, node.taints):
            return Miss(UNTOLERATED_TAINT, True)
        if shape.host_ports:
            clash = conflict(node.ports, port_keys(shape.host_ports))
            if clash is not None:
                return Miss(HOST_PORT_CONFLICT, True, clash)
        if node.volume_limits and shape.pod.pvc_names:
            hit = volume_limit_hit(node.volumes, self._pod_volumes(shape), node.volume_limits)
            if hit is not None:
                return Miss(VOLUME_LIMIT_EXCEEDED, True, hit)
        requests = _add(node.requests, shape.requests) if node.requests else shape.requests
        if not _fits(requests, node.available):
            return Miss(INSUFFICIENT_RESOURCE, True, requests)
        if self._matching(shape):
            quick = self._quick_reject(shape, node.requirements)
            if isinstance(quick, Miss):
                return quick
        incompatible = node.requirements.compatible(shape.requirements, NO_UNDEFINED)
        if incompatible is not None:
            return Miss(NODE_SELECTOR_MISMATCH, True, incompatible)
        unlabelled = self._unlabelled_key(shape, node.requirements)
        if unlabelled is not None:
            return unlabelled
        merged = node.requirements.intersect(shape.requirements)
        return self._topology(shape, merged, NO_UNDEFINED)

    def _unlabelled_key(self, shape: PodShape, node_reqs: Requirements) -> Miss | None:
        """A node without a label for a key the pod's own spread or (anti-)affinity counts
        by can never take it: the domain topology picks is a label the node lacks.

        upstream: scheduling/existingnode.go CanAdd — Topology.AddRequirements answers In
        (domain) for the pod's own groups, which Requirements.Compatible refuses on a key
        the node does not define. Inverse anti-affinity answers NotIn, which it accepts."""
        for group, _ in self._owned_groups(shape):
            if node_reqs.defined(group.key) is None:
                return Miss(TOPOLOGY_CODES[group.kind], True,
                            (group, shape.strict.get(group.key), node_reqs.get(group.key)))
        return None

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
        if len(shape.volume_alternatives) > 1:  # each variant has exactly one
            return self._first_alternative(  # type: ignore[no-any-return]
                shape.volume_variants(), lambda v: self.check_claim(v, claim))
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
            wanted = port_keys(shape.host_ports)
            clash = conflict(claim.ports, wanted)
            if clash is None and self._pool_ports is not None:
                clash = conflict(self._pool_ports.get(tpl.index, _NO_PORTS), wanted)
            if clash is not None:
                return Miss(HOST_PORT_CONFLICT, True, clash)
        matching = self._matching(shape)
        settled = True
        if matching:
            quick = self._quick_reject(shape, claim.requirements)
            if isinstance(quick, Miss):
                return quick
            settled = quick
        incompatible = claim.requirements.compatible(shape.requirements, tpl.allow_undefined)
        if incompatible is not None:
            return Miss(NODE_SELECTOR_MISMATCH, True, incompatible)
        merged = claim.requirements.intersect(shape.requirements)
        topo = merged if settled else self._topology(shape, merged, tpl.allow_undefined)
        if isinstance(topo, Miss):
            return topo
        requests = _add(claim.requests, shape.requests)
        # A domain topology chose may be the one that fails; another may work later.
        lasting = topo is merged
        allowed: frozenset[int] | None = None
        if topo is not claim.requirements:
            compat, allowed = self._compat(tpl, topo)
            if not compat:
                if not lasting:
                    blame = self._domain_blame(shape, tpl, merged, topo)
                    if blame is not None:
                        return blame
                return Miss(NO_INSTANCE_TYPE_FITS, lasting, "requirements")
        ts = claim.ts
        if tpl.type_ports and shape.host_ports:
            blocked = self._port_blocked(tpl, shape)
            if blocked:
                allowed = (allowed if allowed is not None
                           else frozenset(id(t) for t in tpl.types)) - blocked
                if not ts.any_fit({}, allowed):
                    wanted = port_keys(shape.host_ports)
                    clash = next(c for c in (conflict(set(p), wanted)
                                             for p in tpl.type_ports.values()) if c is not None)
                    return Miss(HOST_PORT_CONFLICT, lasting, clash)
        if not (allowed is None and ts.all_fit(requests)) and not ts.any_fit(requests, allowed):
            return Miss(INSUFFICIENT_RESOURCE, lasting, requests)
        # minValues only ever come from the NodePool (pods cannot carry them).
        if tpl.has_min_values and topo.has_min_values():
            shortfall = min_values_shortfall(topo, (t.it for t in ts.preview(requests, allowed)))
            if shortfall:
                return Miss(NO_INSTANCE_TYPE_FITS, lasting, ("minValues", shortfall))
        return ClaimPlan(topo, allowed, requests)

    @staticmethod
    def _port_blocked(tpl: Template, shape: PodShape) -> frozenset[int]:
        """The template's types whose own DaemonSets hold a host port the pod wants (v1.14:
        filterInstanceTypesByRequirements skips a group whose HostPortUsage conflicts)."""
        key = shape.host_ports
        hit = tpl.port_blocks.get(key)
        if hit is None:
            wanted = port_keys(shape.host_ports)
            hit = frozenset(i for i, ports in tpl.type_ports.items()
                            if conflict(set(ports), wanted) is not None)
            tpl.port_blocks[key] = hit
        return hit

    def _domain_blame(self, shape: PodShape, tpl: Template, merged: Requirements,
                      topo: Requirements) -> Miss | None:
        """When the pod alone fits the NodePool but the domain topology chose does not (a
        zone only an existing node provides, say), name the topology rule, not the types."""
        if not self._compat(tpl, merged)[0]:
            return None
        for group, _ in self._matching(shape):
            chosen = topo.get(group.key)
            if chosen != merged.get(group.key):
                return Miss(TOPOLOGY_CODES[group.kind], False,
                            (group, shape.strict.get(group.key), merged.get(group.key),
                             chosen))
        return None

    def base_catalog(self, tpl: Template) -> Catalog | Miss:
        """The template's types, minus those the NodePool's remaining limits no longer allow."""
        if tpl.catalog is None:
            tpl.catalog = Catalog(tpl.types)
        remaining = self.remaining.get(tpl.name)
        if remaining is None:
            return tpl.catalog
        over = tpl.catalog.over_limits(remaining)
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
        if self._pin_keys:
            self._pin(claim)  # pinned by its NodePool already, perhaps
        claim.pods.append(pp)
        self.claims.append(claim)
        for _, opened in self._open.values():
            opened.add(claim.index)
        first = self.buckets.setdefault(1, {})
        if not first and self._bucket_order is not None:
            insort(self._bucket_order, 1)
        first[claim.index] = None
        self._seq += 1
        self._arrival[claim.index] = self._seq
        remaining = self.remaining.get(tpl.name)
        if remaining is not None:
            for name in remaining:
                remaining[name] -= claim.ts.max_limit_amount(name)
        return claim

    # ================================================================== commit
    def _record(self, shape: PodShape, reqs: Requirements, taints: tuple[Taint, ...],
                allow_undefined: frozenset[str]) -> None:
        profile = self._profile(shape)
        counting = profile.get("counting-plan")
        if counting is None:
            # (group, its key, node filter to apply or None, anti-affinity?)
            counting = [(g, g.key, g.node_filter if g.kind == SPREAD and (
                g.node_filter.alternatives or g.node_filter.tolerations is not None) else None,
                g.kind == ANTI_AFFINITY) for g in self._counting(shape)]
            profile["counting-plan"] = counting
        for group, key, node_filter, anti in counting:
            if node_filter is not None and not node_filter.matches(taints, reqs, allow_undefined):
                continue
            domains = reqs.defined(key)
            if domains is None or domains.complement:
                continue
            if anti:
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
        pinned_before = claim.requirements
        claim.requirements = plan.requirements
        claim.requests = plan.requests
        reqs = plan.requirements
        if self._pin_keys and reqs is not pinned_before:
            self._pin(claim)
        if shape.host_ports:
            claim.ports.update(port_keys(shape.host_ports))
            if self._pool_ports is not None:
                self._pool_ports.setdefault(claim.template.index, set()).update(
                    port_keys(shape.host_ports))
        self._record(shape, reqs, claim.template.taints, claim.template.allow_undefined)

    # ================================================================== the run
    def _reorder_buckets(self, count: int, still: bool, fresh: bool) -> None:
        """Keep the sorted list of non-empty bucket counts as a pod moves a claim from
        ``count`` to ``count + 1`` (``still``: the old bucket keeps claims; ``fresh``: the
        new one was empty)."""
        order = self._bucket_order
        if order is None:
            return
        if not still:
            order.remove(count)
        if fresh:
            insort(order, count + 1)

    def _try_claims(self, pp: PendingPod, shape: PodShape, cache: dict[Hashable, Any]
                    ) -> bool:
        """Offer the pod to the claims planned so far, fewest pods first.

        Order within equal pod counts follows Karpenter's re-sort of newNodeClaims before
        each pod: a stable sort (insertion sort below 13 claims), so new claims queue behind
        their equals while a claim that just gained a pod goes ahead of those that reached
        the same count earlier."""
        dead_claims: set[int] = cache.setdefault("dead-claims", set())
        profile = self._profile(shape)
        blocks = profile.get("blocks")
        if blocks is None:
            blocks = self._block_sets(shape)
            profile["blocks"] = blocks
        opens, others = blocks
        refused = self._refused_domains(shape, profile)
        smallest = min(opens, key=len) if opens else None
        if smallest is not None and len(smallest) * 8 < len(self.claims):
            # Claims a shared permanent refusal has not ruled out yet, kept up to date as
            # claims are created and refused: with hostname anti-affinity or spread, few.
            cand = smallest.intersection(*opens) if len(opens) > 1 else set(smallest)
            cand = _minus(cand, dead_claims)
            for blocked in others:
                cand = _minus(cand, blocked)
            for blocked in refused:
                cand = _minus(cand, blocked)
            if not cand:
                return False
            claims = self.claims
            arrival = self._arrival

            def position(i: int) -> tuple[int, int]:
                n = len(claims[i].pods)
                return (n, arrival[i] if n == 1 else -arrival[i])

            for index in sorted(cand, key=position):
                if self._offer(pp, shape, index, dead_claims):
                    return True
            return False
        arrival = self._arrival
        refusals = profile.get("refusals")
        if refusals is None:
            refusals = [self._open_of[id(o)] for o in opens] + others
            profile["refusals"] = refusals
        for count in self._bucket_counts():
            bucket = self.buckets[count]
            order: Any = reversed(bucket) if count > 1 else bucket
            if dead_claims or refusals or refused:
                walk = iter(order)
                seen: list[int] = []
                if len(bucket) > _FRONT:
                    # The claims at the front one by one first: one of them usually takes
                    # the pod, and the set algebra below costs a pass over the whole bucket
                    # (quadratic over a run that plans thousands of claims). Same claims, same
                    # order: a refusal only ever rules out the refused claim itself.
                    for index in islice(walk, _FRONT):
                        seen.append(index)
                        if index in dead_claims or any(index in b for b in refusals) \
                                or any(index in b for b in refused):
                            continue
                        if self._offer(pp, shape, index, dead_claims):
                            return True
                # Set algebra in C rather than a membership test per claim.
                avail = bucket.keys() - dead_claims
                for blocked in refusals:
                    if blocked:
                        avail = _minus(avail, blocked)
                for blocked in refused:
                    avail = _minus(avail, blocked)
                avail.difference_update(seen)
                if not avail:
                    continue
                if len(avail) * 4 < len(bucket):
                    order = sorted(avail, key=arrival.__getitem__, reverse=count > 1)
                else:  # lazily: the first one usually takes the pod
                    order = (i for i in walk if i in avail)
            for index in order:
                if self._offer(pp, shape, index, dead_claims):
                    return True
        return False

    def _refused_domains(self, shape: PodShape, profile: dict[str, Any]) -> list[set[int]]:
        """Planned claims pinned to a zone-like domain the shape's spread or affinity refuses
        right now (what :meth:`_quick_reject` would find, claim by claim, with no lasting
        effect), found once per domain instead."""
        checks = profile.get("domain-checks")
        if checks is None:
            checks = [(g, sel, g.key, shape.strict.defined(g.key))
                      for g, sel in self._matching(shape)
                      if g.kind != ANTI_AFFINITY and g.key != LABEL_HOSTNAME
                      and g.key != "karpenter.sh/nodeclaim"]
            profile["domain-checks"] = checks
        out: list[set[int]] = []
        pinned = self._pinned
        for group, self_selecting, key, pod_domains in checks:
            by_domain = pinned.get(key)
            if not by_domain:
                continue
            for domain, indexes in by_domain.items():
                if group.rejects(self_selecting, pod_domains, domain):
                    out.append(indexes)
        return out

    def _pin(self, claim: Claim) -> None:
        """Index the claim by the domain it is now pinned to, per key a spread or affinity
        uses (a claim's domain, once single, never changes)."""
        reqs = claim.requirements
        for key in self._pin_keys:
            domains = reqs.defined(key)
            if domains is not None and not domains.complement and len(domains.values) == 1:
                slot = self._pinned.setdefault(key, {})
                slot.setdefault(next(iter(domains.values)), set()).add(claim.index)  # idempotent

    def _offer(self, pp: PendingPod, shape: PodShape, index: int, dead_claims: set[int]
               ) -> bool:
        claim = self.claims[index]
        outcome = self.check_claim(shape, claim)
        if isinstance(outcome, Miss):
            if outcome.block is not None:
                # the refusal holds for every shape of its kind the group constrains
                outcome.block.add(index)
                opened = self._open.get(id(outcome.block))
                if opened is not None:
                    opened[1].discard(index)
                if outcome.wake is not None:
                    outcome.wake[0].watch(outcome.wake[1], outcome.block, index)
            elif outcome.permanent:
                dead_claims.add(index)
            elif outcome.wake is not None:
                dead_claims.add(index)
                outcome.wake[0].watch(outcome.wake[1], dead_claims, index)
            return False
        self._commit_claim(claim, shape, outcome)
        count = len(claim.pods)
        bucket = self.buckets[count]
        del bucket[index]
        nxt = self.buckets.setdefault(count + 1, {})
        if not nxt or not bucket:
            self._reorder_buckets(count, bool(bucket), not nxt)
        nxt[index] = None
        self._seq += 1
        self._arrival[index] = self._seq
        claim.pods.append(pp)
        self.placed[pp.key] = ("claim", claim)
        return True

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
            viable: list[int] | None = cache.get("viable-nodes")
            if viable is None:
                viable = cache["viable-nodes"] = self._viable_nodes(shape)
            closed = self.closed_nodes if pp.key in self.closed_to else None
            existing = self.existing
            for i in viable:
                if i in dead_nodes:
                    continue
                node = existing[i]
                if closed and node.name in closed:
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
                if node.volume_limits and shape.pod.pvc_names:
                    node.volumes = merge_volumes(node.volumes, self._pod_volumes(shape))
                node.pods.append(pp.key)
                self.placed[pp.key] = ("node", node)
                self._record(shape, result, node.taints, NO_UNDEFINED)
                return True
        # 2. NodeClaims planned earlier in this run, fewest pods first
        if self.claims and self._try_claims(pp, shape, cache):
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
        if pods is None:
            chosen, notes = pending_batch(self.snapshot, self.exclude_nodes)
            self.notes.extend(notes)
            self.notes.extend(self._buffer_notes())
            return chosen
        kept, notes = provisionable([p for p in pods
                                     if not p.is_daemonset_pod and not p.is_terminal])
        self.notes.extend(notes)
        return kept

    def _buffer_notes(self) -> list[str]:
        """CapacityBuffers' virtual pods are never simulated: named, not dropped silently."""
        rules = self.ctx.rules
        why = ("Karpenter provisions for them only with its CapacityBuffer feature gate, "
               "off by default" if rules.has(releases.CAPACITY_BUFFERS) else
               f"{rules.label} has no CapacityBuffer support (it arrived in v1.14)")
        return [f"CapacityBuffer {b.key}"
                + (f" ({b.replicas} virtual pod(s))" if b.replicas is not None else "")
                + f" is not simulated: {why}" for b in self.snapshot.capacity_buffers]

    def solve(self, pods: Sequence[Pod] | None = None) -> SimulationResult:
        # A large run allocates hundreds of thousands of small containers that stay alive
        # until it ends; the cyclic collector would walk them again and again for nothing
        # (about a sixth of the run). Paused for the run only; whatever cycles it leaves are
        # collected once it is back on. Small runs (consolidation makes thousands) gain
        # nothing from it and pay for the deferred collection, so they leave it alone.
        size = len(pods) if pods is not None else len(self.snapshot.pods)
        paused = size >= _PAUSE_GC_FROM and gc.isenabled()
        if paused:
            gc.disable()
        try:
            return self._solve(pods)
        finally:
            if paused:
                gc.enable()

    def _solve(self, pods: Sequence[Pod] | None) -> SimulationResult:
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
        ignored: list[tuple[Pod, str, str, str]] = []
        for pod in wanted:
            vkey = (pod.namespace, pod.pvc_names, pod.ephemeral_volume_classes)
            vinfo = volumes.get(vkey)
            if vinfo is None:
                vinfo = volume_info(pod, self.snapshot, self.ctx.rules)
                volumes[vkey] = vinfo
            if vinfo.problem:
                ignored.append((pod, vinfo.problem, vinfo.code, vinfo.fix))
                continue
            sig = shape_signature(pod)
            shape = shapes.get(sig)
            if shape is None:
                try:
                    shape = initial_shape(
                        pod, sig, vinfo.requirements, vinfo.alternatives,
                        volume_counts=not self.ctx.rules.has(
                            releases.VOLUME_REQUIREMENTS_OUTSIDE_TOPOLOGY))
                except InputError as err:
                    ignored.append((pod, f"invalid scheduling constraints: {err}", "", ""))
                    continue
                shapes[sig] = shape
                self._base_alternatives[sig] = shape.alternatives
            queue.append(PendingPod(pod, shape, shape))
        # Every group and inverse group exists before the first pod is placed (NewTopology).
        for shape in shapes.values():
            self._owned_groups(shape)
            self._inverse_own(shape)
        self._pin_keys = tuple(sorted({g.key for g in self.groups.values()
                                       if g.kind != ANTI_AFFINITY and g.key != LABEL_HOSTNAME
                                       and g.key != "karpenter.sh/nodeclaim"}))

        from collections import deque

        order = deque(sort_pods(queue))
        last_len: dict[str, int] = {}
        failed: dict[str, PendingPod] = {}
        while order:
            pp = order[0]
            # A full pass over the queue without progress ends the run (queue.go).
            if last_len and last_len.get(pp.uid) == len(order):
                break
            order.popleft()
            if self._try_schedule(pp):
                if failed:
                    failed.pop(pp.key, None)
                continue
            failed[pp.key] = pp
            order.append(pp)
            last_len[pp.uid] = len(order)
        return build_result(self, wanted, list(failed.values()), ignored)
