"""Karpenter's provisioning scheduler (upstream: scheduling/scheduler.go Solve and add), which
only orchestrates: the placeables own their checks and their adds.

For each pod, in queue order (:mod:`.queue`): an existing node (initialized ones first, then
by name; :mod:`.existingnode`), else a NodeClaim already planned in this run (fewest pods
first; :mod:`.claims`), else a new NodeClaim (:mod:`.nodeclaim`) from the first NodePool that
can take it (weight, then name descending: :mod:`.templates`). A pod that fits nowhere has its
preferences relaxed one step and goes to the back of the queue; the run ends when a full pass
over the queue makes no progress. Topology (:mod:`.topology`) counts every placement.

Speed comes from sharing work between identical pods (:class:`PodShape`): taint checks,
instance-type compatibility (cached per NodePool and requirement set), and "this place can never
take this shape" facts (resources only shrink, requirements only narrow, anti-affinity counts
only grow), so a failed placement is not re-tried for every replica. None of this changes a
decision: each shortcut answers exactly what the full check would.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from kubectl_karp.core import releases
from kubectl_karp.core.nodepools import effective_limits, nodepool_usage
from kubectl_karp.core.nodepools.limits import counted_places
from kubectl_karp.core.reasons import POD_AFFINITY, POD_ANTI_AFFINITY, TOPOLOGY_SPREAD
from kubectl_karp.core.releases import HOSTPORTS_PER_NODECLAIM
from kubectl_karp.core.scheduling.batch import not_provisionable, pending_batch, provisionable
from kubectl_karp.core.scheduling.cache import context_cache, modelled_daemonsets
from kubectl_karp.core.scheduling.claims import PlannedClaims
from kubectl_karp.core.scheduling.existingnode import ExistingNode, ExistingNodes
from kubectl_karp.core.scheduling.hostports import PortKey
from kubectl_karp.core.scheduling.nodeclaim import Claim, base_catalog, new_claim
from kubectl_karp.core.scheduling.nodes import Template
from kubectl_karp.core.scheduling.placement import Miss
from kubectl_karp.core.scheduling.pods import (
    PendingPod,
    PodShape,
    initial_shape,
    shape_signature,
    without_requests,
)
from kubectl_karp.core.scheduling.queue import Queue, order_key
from kubectl_karp.core.scheduling.result import SimulationResult
from kubectl_karp.core.scheduling.templates import Templates
from kubectl_karp.core.scheduling.topology import Topology
from kubectl_karp.core.scheduling.volumes import VolumeInfo, volume_info
from kubectl_karp.errors import InputError
from kubectl_karp.model.objects import DaemonSet, Pod
from kubectl_karp.model.taints import prefer_no_schedule_relaxation

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.context import SchedulingContext

_PAUSE_GC_FROM = 1000  # pods in a run
# Per-pod facts of a batch (whether the provisioner takes the pod, its shape signature, its
# queue order) kept per context: consolidation and the rollout simulate the same pods
# thousands of times on one context, and these facts are pure functions of the (frozen) pod,
# so working them out once changes no answer. False: every run works them out afresh (the
# reference of tests/scheduling/test_prepared_batch.py).
PREPARED_BATCH = True
_TOPOLOGY_CODES = (POD_ANTI_AFFINITY, TOPOLOGY_SPREAD, POD_AFFINITY)


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
        self.daemonsets: list[DaemonSet] = [*modelled_daemonsets(ctx), *extra_daemonsets]
        self.pool_filter = set(node_pools) if node_pools is not None else None
        self.notes: list[str] = []
        self._ds_key = tuple(id(ds) for ds in extra_daemonsets)
        self.nodepools = Templates(ctx, self.daemonsets, self.pool_filter, self.notes)
        self.templates: list[Template] = self.nodepools.templates
        self.pool_reasons = self.nodepools.pool_reasons  # NodePools that cannot provision
        self.nodes = ExistingNodes(ctx, self.cache, self.daemonsets, self._ds_key, self.notes)
        self.existing: list[ExistingNode] = []
        self.remaining: dict[str, dict[str, int]] = {}  # NodePool limits left
        self.limit_usage: dict[str, dict[str, int]] = {}  # of them, by existing nodes
        # Before v1.13 every NodeClaim of a NodePool shared one HostPortUsage (upstream
        # nodeclaim.go NewNodeClaim took the template's without copying it; #3022 copies it):
        # a host port booked on one planned claim is taken on all of them, and on new ones,
        # for the rest of the run. None = each claim tracks its own (v1.13+).
        self._pool_ports: dict[int, set[PortKey]] | None = (
            None if ctx.rules.has(HOSTPORTS_PER_NODECLAIM) else {})
        self.tolerate_prefer_no_schedule = prefer_no_schedule_relaxation(
            npc.node_pool for npc in ctx.node_pools)
        self.placed: dict[str, tuple[str, Any]] = {}
        self.relaxed_placed: dict[str, tuple[str, ...]] = {}
        self._hostname_seq = 0

    # ================================================================== setup
    def build_templates(self) -> None:
        self.nodepools.build(self.cache, self._ds_key)
        self.templates = self.nodepools.templates
        self.pool_reasons = self.nodepools.pool_reasons

    def setup(self, batch: set[str], batch_nodes: set[str]) -> None:
        """Templates, existing nodes, limits and topology (NewScheduler, NewTopology)."""
        self.build_templates()
        self.existing = self.nodes.build(batch, batch_nodes, self.exclude_nodes,
                                         self.ignore_pods_on)
        self._build_limits()
        self.topology = Topology(self.ctx, self.cache, self.templates, self.nodepools.universe,
                                 self.existing, batch=batch, exclude_nodes=self.exclude_nodes,
                                 ignore_pods_on=self.ignore_pods_on)
        self.planned = PlannedClaims(self.topology, self._pool_ports)
        self.claims: list[Claim] = self.planned.claims

    def _build_limits(self) -> None:
        """upstream: scheduler.go NewScheduler — remainingResources, less what the
        NodePool's nodes and in-flight NodeClaims already use (nodepools.nodepool_usage)."""
        places = self.cache.get("limit-places")
        if places is None:
            places = self.cache["limit-places"] = counted_places(self.snapshot)
        usage = nodepool_usage(self.snapshot, self.exclude_nodes, places)
        for tpl in self.templates:
            limits = effective_limits(tpl.npc.node_pool, self.ctx.rules)
            if limits:
                used = usage.get(tpl.name, {})
                self.limit_usage[tpl.name] = {k: used.get(k, 0) for k in limits}
                self.remaining[tpl.name] = {k: v - used.get(k, 0) for k, v in limits.items()}

    # ================================================================== one pod
    def probe_claim(self, tpl: Template, cat: Any) -> Claim:
        """A fresh NodeClaim from ``tpl`` over ``cat``, not yet part of the run."""
        return new_claim(tpl, cat, len(self.claims), self._hostname_seq + 1)

    def base_catalog(self, tpl: Template) -> Any:
        return base_catalog(tpl, self.remaining.get(tpl.name))

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
        result = claim.can_add(shape, self.topology, self._pool_ports)
        if isinstance(result, Miss):
            if result.permanent and result.code not in _TOPOLOGY_CODES \
                    and not self.topology.matching(shape):
                shape.cache[("new-dead", tpl.index)] = result
            return result
        self._hostname_seq += 1
        claim.add(shape, result, self.topology, self._pool_ports)
        self.planned.join(claim, pp)
        remaining = self.remaining.get(tpl.name)
        if remaining is not None:
            # upstream: scheduler.go subtractMax — a planned NodeClaim holds the limit of the
            # largest instance type it may still become.
            for name in remaining:
                remaining[name] -= claim.ts.max_limit_amount(name)
        return claim

    def _add(self, pp: PendingPod) -> bool:
        shape = pp.shape
        cache = shape.cache
        # 1. existing nodes and in-flight NodeClaims
        if self.existing:
            dead_nodes: set[int] = cache.setdefault("dead-nodes", set())
            viable: list[int] | None = cache.get("viable-nodes")
            if viable is None:
                viable = cache["viable-nodes"] = self.nodes.viable(shape)
            closed = self.closed_nodes if pp.key in self.closed_to else None
            existing = self.existing
            topology = self.topology
            snapshot = self.snapshot
            for i in viable:
                if i in dead_nodes:
                    continue
                node = existing[i]
                if closed and node.name in closed:
                    continue
                result = node.can_add(shape, topology, snapshot)
                if isinstance(result, Miss):
                    if result.permanent:
                        dead_nodes.add(i)
                    elif result.wake is not None:
                        dead_nodes.add(i)
                        result.wake[0].watch(result.wake[1], dead_nodes, i)
                    continue
                if node.shared:  # the context's cached base: copy before changing it
                    node = existing[i] = node.own()
                node.add(pp.key, shape, result, topology, snapshot)
                self.placed[pp.key] = ("node", node)
                return True
        # 2. NodeClaims planned earlier in this run, fewest pods first
        if self.claims:
            claim = self.planned.place(pp, shape, cache)
            if claim is not None:
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

    # ================================================================== the run
    def _collect(self, pods: Sequence[Pod] | None) -> list[Pod]:
        if pods is None:
            chosen, notes = pending_batch(self.snapshot, self.exclude_nodes)
            self.notes.extend(notes)
            self.notes.extend(self._buffer_notes())
            return chosen
        if not PREPARED_BATCH:
            kept, notes = provisionable([p for p in pods
                                         if not p.is_daemonset_pod and not p.is_terminal])
            self.notes.extend(notes)
            return kept
        kept = []
        memo = self._memo()
        for pod in pods:
            facts = memo.get(id(pod))
            if facts is None or facts[0] is not pod:
                facts = memo[id(pod)] = _facts(pod)
            if facts[1]:
                continue  # a DaemonSet or terminal pod: never scheduled
            if facts[2] is not None:
                self.notes.extend(provisionable([pod])[1])
                continue
            kept.append(pod)
        return kept

    def _memo(self) -> dict[int, _PodFacts]:
        """The context's per-pod facts, keyed by identity with the pod kept (an id is never
        reused while its entry lives)."""
        memo: dict[int, _PodFacts] = self.cache.setdefault("pod-facts", {})
        return memo

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

    def _shapes(self, wanted: Sequence[Pod]
                ) -> tuple[list[PendingPod], dict[Hashable, PodShape],
                           list[tuple[Pod, str, str, str]]]:
        """Each pod's initial shape (identical pods share one), and the pods Karpenter
        ignores: volumes it cannot resolve, constraints the API server would refuse."""
        shapes: dict[Hashable, PodShape] = {}
        # Shapes that differ only in their requests share everything derived from the
        # constraints: the first shape of each such family is the template of the others.
        families: dict[Hashable, PodShape] = {}
        volumes: dict[Hashable, VolumeInfo] = {}
        queue: list[PendingPod] = []
        ignored: list[tuple[Pod, str, str, str]] = []
        # With the prepared facts, each queued pod's order key (see Queue)
        memo: dict[int, _PodFacts] | None = self._memo() if PREPARED_BATCH else None
        self._order_keys: list[Any] | None = [] if memo is not None else None
        volume_counts = not self.ctx.rules.has(releases.VOLUME_REQUIREMENTS_OUTSIDE_TOPOLOGY)
        profile = self.topology.profile
        for pod in wanted:
            vkey = (pod.namespace, pod.pvc_names, pod.ephemeral_volume_classes)
            vinfo = volumes.get(vkey)
            if vinfo is None:
                vinfo = volume_info(pod, self.snapshot, self.ctx.rules)
                volumes[vkey] = vinfo
            if vinfo.problem:
                ignored.append((pod, vinfo.problem, vinfo.code, vinfo.fix))
                continue
            facts = memo.get(id(pod)) if memo is not None else None
            if facts is not None and facts[0] is not pod:
                facts = None
            if memo is not None and facts is None:
                facts = memo[id(pod)] = _facts(pod)
            sig = facts[3] if facts is not None else shape_signature(pod)
            shape = shapes.get(sig)
            if shape is None:
                family = without_requests(sig)
                template = families.get(family)
                if template is not None:
                    shape = template.with_requests(pod, sig)
                else:
                    try:
                        shape = initial_shape(pod, sig, vinfo.requirements, vinfo.alternatives,
                                              volume_counts=volume_counts)
                    except InputError as err:
                        ignored.append((pod, f"invalid scheduling constraints: {err}", "", ""))
                        continue
                    profile(shape)  # shared by the family from now on
                    families[family] = shape
                shapes[sig] = shape
            queue.append(PendingPod(pod, shape, shape))
            if facts is not None and self._order_keys is not None:
                self._order_keys.append(facts[4])
        return queue, shapes, ignored

    def _solve(self, pods: Sequence[Pod] | None) -> SimulationResult:
        from kubectl_karp.core.scheduling.results import build_result

        wanted = self._collect(pods)
        batch = {p.uid or p.key for p in wanted}
        batch_nodes = {p.node_name for p in wanted if p.node_name}
        self.setup(batch, batch_nodes)
        pending, shapes, ignored = self._shapes(wanted)
        self.topology.register(shapes.values())
        self.planned.pin_keys = self.topology.pin_keys()

        queue = Queue(pending, self._order_keys)
        failed: dict[str, PendingPod] = {}
        while (pp := queue.pop()) is not None:
            if self._try_schedule(pp):
                if failed:
                    failed.pop(pp.key, None)
                continue
            failed[pp.key] = pp
            queue.push(pp)
        return build_result(self, wanted, list(failed.values()), ignored)


# (the pod, DaemonSet or terminal, why the provisioner would not take it, shape signature,
# queue order key)
_PodFacts = tuple[Pod, bool, "str | None", Hashable, Any]


def _facts(pod: Pod) -> _PodFacts:
    skipped = pod.is_daemonset_pod or pod.is_terminal
    return (pod, skipped, None if skipped else not_provisionable(pod), shape_signature(pod),
            order_key(pod))
