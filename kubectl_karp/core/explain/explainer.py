"""``explain``: the scheduler's verdict for each pod, with the diagnosis behind it.

The verdict always comes from ``simulate`` (explain and simulate never disagree); the
per-node and per-NodePool diagnosis adds the why and the fix. Where the scheduler rejected a
NodePool for batch reasons our single-pod diagnosis cannot see (topology spread, pod
affinity, room taken by earlier pods), its reasons are carried over, so a NodePool is never
shown as accepting a pod that stays pending.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace

from kubectl_karp.core import reasons as rc
from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.diagnosis.fixes import with_fix
from kubectl_karp.core.diagnosis.limits import pool_usage
from kubectl_karp.core.diagnosis.nodepools import (
    diagnose_node_pool,
    pending_verdict,
    sold_out_reason,
)
from kubectl_karp.core.diagnosis.text import amount
from kubectl_karp.core.diagnosis.volumes import volume_pins
from kubectl_karp.core.explain.existing import diagnose_existing, node_states
from kubectl_karp.core.explain.grouping import fold, owner_of, spec_fingerprint
from kubectl_karp.core.explain.result import (
    Explanation,
    NodePoolVerdict,
    PodExplanation,
    Verdict,
)
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.scheduling import SimulationResult, simulate
from kubectl_karp.core.scheduling.volumes import volume_info
from kubectl_karp.model import resources as res
from kubectl_karp.model.objects import DaemonSet, Pod


def _verdict(pod: Pod, result: SimulationResult, in_flight: frozenset[str]) -> Verdict:
    placement = result.placement_of(pod.key)
    if placement is not None and placement.existing_node is not None:
        return Verdict(True, existing_node=placement.existing_node,
                       in_flight=placement.existing_node in in_flight)
    if placement is not None and placement.node_claim_index is not None:
        claim = result.node_claims[placement.node_claim_index]
        return Verdict(True, node_pool=claim.node_pool, instance_type=claim.instance_type,
                       zone=claim.zone, zone_name=claim.zone_name,
                       capacity_type=claim.capacity_type, price_per_hour=claim.price_per_hour)
    if pod.is_bound:
        return Verdict(True, existing_node=pod.node_name, already_bound=True)
    return Verdict(False)


def _verdict_key(v: Verdict) -> Hashable:
    # Pods of one group on different existing nodes fold: the node list is in the verdict.
    node = "existing" if v.existing_node is not None else None
    return (v.schedulable, node, v.in_flight, v.node_pool, v.instance_type, v.zone,
            v.capacity_type, v.already_bound)


def blockers(ctx: SchedulingContext) -> tuple[Reason, ...]:
    """Karpenter-side state that stops provisioning whatever the pod."""
    out: list[Reason] = []
    if not ctx.node_pools:
        out.append(no_node_pool_reason())
    for npc in ctx.node_pools:
        out.extend(npc.pending_problems)
        pool = npc.node_pool
        sold_out = sold_out_reason(npc)
        if sold_out is not None and not npc.pending_problems:
            out.append(sold_out)
        if not pool.limits:
            continue
        usage = pool_usage(ctx, pool)
        reached = [r for r, limit in sorted(pool.limits.items()) if usage.get(r, 0) >= limit]
        if reached:
            name = reached[0]
            out.append(Reason(
                rc.NODEPOOL_LIMIT_EXCEEDED,
                f"NodePool {pool.name} has reached limits.{name}: "
                f"{amount(name, usage.get(name, 0))} in use of {amount(name, pool.limits[name])}",
                detail="Karpenter launches nothing more from a NodePool at its limits",
                fix=f"raise spec.limits.{name} of NodePool {pool.name} above "
                    f"{amount(name, usage.get(name, 0))}, or let consolidation free capacity",
                node_pool=pool.name))
    return tuple(out)


def no_node_pool_reason() -> Reason:
    return Reason(
        rc.NO_NODEPOOL, "the cluster has no NodePool, so Karpenter cannot launch any node",
        detail="Karpenter provisions only from NodePools (karpenter.sh/v1)",
        fix="create a NodePool and its node class (kubectl karp apply -f nodepool.yaml)")


def _group_verdict(group: Sequence[Pod], verdicts: Mapping[str, Verdict]) -> Verdict:
    first = verdicts[group[0].key]
    if first.existing_node is None:
        return first
    return replace(first, pod_nodes=tuple(verdicts[p.key].existing_node or "" for p in group))


# Off only in tests/explain/test_fast_paths.py, which compares both paths.
SKIP_CHOSEN_WALK = True


class _Explainer:
    def __init__(self, ctx: SchedulingContext, result: SimulationResult,
                 daemonsets: Sequence[DaemonSet] = ()) -> None:
        self.ctx = ctx
        self.daemonsets = daemonsets
        self.result = result
        self.failures = {f.pod: f.reasons for f in result.unschedulable}
        self.in_flight = frozenset(e.node for e in result.existing if e.in_flight)
        pods = {p.key: p for p in ctx.snapshot.pods}
        self.batch: dict[str, list[Pod]] = {}
        for placement in result.existing:
            self.batch[placement.node] = [pods[k] for k in placement.pods if k in pods]
        self.states = node_states(ctx.snapshot, self.batch, daemonsets, ctx.rules)
        self.planned: dict[str, list[tuple[int, dict[str, int]]]] = {}
        for index, claim in enumerate(result.node_claims):
            it = ctx.instance_type(claim.instance_type)
            capacity = dict(it.capacity) if it is not None else dict(claim.requests)
            self.planned.setdefault(claim.node_pool, []).append((index, capacity))

    def planned_for(self, pool: str, skip: int | None) -> dict[str, int]:
        return res.total(cap for i, cap in self.planned.get(pool, ()) if i != skip)

    def explain_group(self, pods: Sequence[Pod], verdict: Verdict,
                      hypothetical: bool) -> PodExplanation:
        pod = pods[0]
        keys = tuple(p.key for p in pods)
        owner = owner_of(pod)
        if verdict.already_bound:
            return PodExplanation(pod.key, keys, owner, verdict, hypothetical=hypothetical)
        if not verdict.schedulable and pod.key not in self.failures:
            return PodExplanation(pod.key, keys, owner, verdict, hypothetical=hypothetical,
                                  not_considered=self.why_ignored(pod))
        sim = self.failures.get(pod.key, ())
        if not verdict.schedulable and volume_info(pod, self.ctx.snapshot, self.ctx.rules).problem:
            # Karpenter ignores the pod until its volumes resolve: nothing else applies yet.
            return PodExplanation(pod.key, keys, owner, verdict,
                                  reasons=tuple(r for r in sim if r.node_pool is None),
                                  hypothetical=hypothetical)
        pins = volume_pins(pod, self.ctx.snapshot, self.ctx.rules)
        # A pod that fits an existing node needs no account of the nodes it does not fit.
        existing = () if verdict.existing_node is not None else diagnose_existing(
            pod, self.ctx.snapshot, pins, states=self.states, own=frozenset(keys),
            placed_on=verdict.existing_node,
            scheduler_reasons=[with_fix(r, pod) for r in sim if r.node_pool is None])
        placement = self.result.placement_of(pod.key)
        claim_index = placement.node_claim_index if placement else None
        verdicts = []
        for npc in self.ctx.node_pools:
            if SKIP_CHOSEN_WALK and claim_index is not None and verdict.schedulable and \
                    verdict.node_pool == npc.name:
                # The NodePool of the pod's planned NodeClaim: reconcile would mark it chosen
                # and show that claim's options, so its own walk of every type (most of
                # explain's time on a large batch) would be thrown away.
                options = self.result.node_claims[claim_index].instance_type_options
                verdicts.append(NodePoolVerdict(npc.name, accepted=True, chosen=True,
                                                candidates=tuple(options[:3])))
                continue
            mine = diagnose_node_pool(self.ctx, npc, pod, pins,
                                      planned=self.planned_for(npc.name, claim_index),
                                      daemonsets=self.daemonsets)
            judged = self.reconcile(mine, verdict, sim, pod)
            if judged.chosen and claim_index is not None:
                # What the planned NodeClaim keeps open (for all its pods), cheapest first.
                options = self.result.node_claims[claim_index].instance_type_options
                judged = replace(judged, candidates=tuple(options[:3]))
            verdicts.append(judged)
        general = tuple(r for r in sim if r.node_pool is None and r.code == rc.NO_NODEPOOL)
        if not self.ctx.node_pools and not verdict.schedulable and \
                not any(r.code == rc.NO_NODEPOOL for r in general):
            general += (no_node_pool_reason(),)
        return PodExplanation(pod.key, keys, owner, verdict, existing_nodes=existing,
                              node_pools=tuple(verdicts), reasons=general,
                              hypothetical=hypothetical)

    def why_ignored(self, pod: Pod) -> str:
        if pod.scheduler_name not in ("default-scheduler", ""):
            return (f"Karpenter only provisions for default-scheduler pods; this one uses "
                    f"schedulerName {pod.scheduler_name}")
        for note in self.result.notes:
            if pod.key in note or pod.name in note:
                return note
        return "the simulation did not consider this pod (see the notes)"

    def reconcile(self, mine: NodePoolVerdict, verdict: Verdict, sim: Sequence[Reason],
                  pod: Pod) -> NodePoolVerdict:
        if verdict.schedulable:
            if verdict.node_pool == mine.name:
                return NodePoolVerdict(mine.name, accepted=True, chosen=True,
                                       candidates=mine.candidates)
            return mine
        theirs = [r for r in sim if r.node_pool == mine.name]
        if theirs:
            # simulate classified this NodePool with the shared classifier: show exactly that.
            return NodePoolVerdict(mine.name, accepted=False,
                                   reasons=tuple(with_fix(r, pod) for r in theirs),
                                   closest=mine.closest)
        # A NodePool simulate did not consider (--nodepool): the pod on its own.
        return pending_verdict(mine, (), pod) if mine.accepted else mine


def explain(ctx: SchedulingContext, targets: Sequence[Pod] | None = None, *,
            batch: Sequence[Pod] | None = None, result: SimulationResult | None = None,
            hypothetical: frozenset[str] = frozenset(),
            extra_daemonsets: Sequence[DaemonSet] = (),
            node_pools: Sequence[str] | None = None,
            exclude_nodes: frozenset[str] = frozenset()) -> Explanation:
    """Explain ``targets`` (default: every pod ``simulate`` considered).

    ``batch`` is what simulate schedules (default: its own default, the pending pods);
    pass ``result`` when the caller ran simulate already. ``hypothetical`` holds the keys
    of pods that come from files or templates rather than the cluster. The remaining
    options are passed to ``simulate`` unchanged.
    """
    if result is None:
        result = simulate(ctx, batch, extra_daemonsets=extra_daemonsets,
                          node_pools=node_pools, exclude_nodes=exclude_nodes)
    if targets is None:
        considered = set(result.placements) | {f.pod for f in result.unschedulable}
        pool = list(batch) if batch is not None else list(ctx.snapshot.pods)
        targets = [p for p in pool if p.key in considered]
    explainer = _Explainer(ctx, result, extra_daemonsets)
    keyed: list[tuple[Pod, Hashable]] = []
    verdicts: dict[str, Verdict] = {}
    for pod in targets:
        verdict = _verdict(pod, result, explainer.in_flight)
        verdicts[pod.key] = verdict
        pins = volume_pins(pod, ctx.snapshot, ctx.rules)
        failure: Mapping[str | None, tuple[str, ...]] = {}
        if not verdict.schedulable:
            codes: dict[str | None, list[str]] = {}
            for r in explainer.failures.get(pod.key, ()):
                codes.setdefault(r.node_pool, []).append(r.code)
            failure = {k: tuple(v) for k, v in codes.items()}
        key = (spec_fingerprint(pod, tuple((p.claim, p.volume) for p in pins)),
               _verdict_key(verdict), tuple(sorted(failure.items(), key=str)),
               pod.key in hypothetical)
        keyed.append((pod, key))
    entries = tuple(explainer.explain_group(group, _group_verdict(group, verdicts),
                                            group[0].key in hypothetical)
                    for group in fold(keyed))
    return Explanation(pods=entries, blockers=blockers(ctx), notes=result.notes)
