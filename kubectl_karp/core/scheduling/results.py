"""Turn a finished run into a :class:`SimulationResult`: launch choices, placements and costs;
the pods left pending get their reasons from :mod:`.failures`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kubectl_karp.core.diagnosis.text import pod_spec_path, workload
from kubectl_karp.core.diagnosis.volumes import volume_pins
from kubectl_karp.core.nodepools.launch import choose, rank
from kubectl_karp.core.reasons import INCOMPATIBLE_REQUIREMENT, Reason
from kubectl_karp.core.scheduling.failures import considered, diagnose, node_pool_reasons
from kubectl_karp.core.scheduling.nodeclaim import Claim
from kubectl_karp.core.scheduling.pods import PendingPod
from kubectl_karp.core.scheduling.result import (
    ExistingPlacement,
    Placement,
    PlannedNodeClaim,
    PodFailure,
    SimulationResult,
)
from kubectl_karp.model import resources as res
from kubectl_karp.model.objects import LABEL_CAPACITY_TYPE, LABEL_ZONE, Pod
from kubectl_karp.model.requirements import IN, Requirement

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.scheduling.scheduler import Scheduler


def _planned(sched: Scheduler, claim: Claim) -> PlannedNodeClaim:
    tpl = claim.template
    reqs = claim.requirements
    key = (reqs.defined(LABEL_ZONE), reqs.defined(LABEL_CAPACITY_TYPE))
    ranking = tpl.launch_orders.get(key)
    if ranking is None:
        ranking = rank([t.it for t in tpl.types], reqs)
        tpl.launch_orders[key] = ranking
    # Claims left with the same types (same catalogue, same ones ruled out) launch the same
    # way: one choice per pattern, not one 400-type pass per claim.
    ckey = (key, id(claim.ts.cat), bytes(claim.ts.dead))
    hit = tpl.launch_choices.get(ckey)
    if hit is None:
        choice = choose([t.it for t in claim.types], reqs, ranking, tpl.npc.provider)
        hit = (choice, tuple(it.name for it in choice.options))
        if len(tpl.launch_choices) > 4096:
            tpl.launch_choices.clear()
        tpl.launch_choices[ckey] = hit
    choice, option_names = hit
    offering = choice.offering
    zone = offering.zone if offering else ""
    zone_name = sched.ctx.zone_name(zone) if zone else ""
    triples = tuple(_triple(k, req) for k, req in sorted(claim.requirements.items()))
    return PlannedNodeClaim(
        node_pool=claim.template.name, instance_type=choice.instance_type.name, zone=zone,
        zone_name=zone_name if zone_name != zone else "",
        capacity_type=offering.capacity_type if offering else "",
        price_per_hour=offering.price_per_hour if offering else None,
        instance_type_options=option_names,
        pods=tuple(pp.key for pp in claim.pods), requests=dict(claim.requests),
        hostname=claim.hostname, requirements=triples,
        # v1.14: the DaemonSets of the chosen type (they differ by type only when some
        # DaemonSet's affinity picks types); else the NodePool's.
        daemonset_overhead=dict(claim.template.type_overhead.get(
            choice.instance_type.name, claim.template.daemon_overhead)),
        allocatable=dict(choice.instance_type.allocatable))


_TRIPLES: dict[Requirement, tuple[str, str, tuple[str, ...]]] = {}


def _triple(key: str, req: Requirement) -> tuple[str, str, tuple[str, ...]]:
    """``(key, req.operator, tuple(req.values_list()))``. Each claim has its own hostname
    requirement (one value: no sorting needed); the others are shared between claims of a
    run (the NodePool's, a zone's), so they are kept."""
    if not req.complement and len(req.values) == 1 and req.greater_than is None \
            and req.less_than is None:  # In, one value
        return (key, IN, tuple(req.values))
    hit = _TRIPLES.get(req)
    if hit is None:
        if len(_TRIPLES) > 4096:
            _TRIPLES.clear()
        hit = _TRIPLES[req] = (key, req.operator, tuple(req.values_list()))
    return hit


def build_result(sched: Scheduler, wanted: Sequence[Pod], failed: Sequence[PendingPod],
                 ignored: Sequence[tuple[Pod, str, str, str]]) -> SimulationResult:
    claims = [c for c in sched.claims if c.pods]
    planned = [_planned(sched, c) for c in claims]
    index_of = {c.index: i for i, c in enumerate(claims)}
    placements: dict[str, Placement] = {}
    for key, (kind, where) in sched.placed.items():
        if kind == "node":
            placements[key] = Placement(pod=key, existing_node=where.name)
        else:
            placements[key] = Placement(pod=key, node_claim_index=index_of[where.index])
    existing = tuple(ExistingPlacement(node=n.name, pods=tuple(n.pods), in_flight=n.in_flight)
                     for n in sched.existing if n.pods)
    prices = [p.price_per_hour for p in planned]
    cost: float | None = None if any(p is None for p in prices) else \
        round(sum(p for p in prices if p is not None), 6)
    failures: list[PodFailure] = []
    by_shape: dict[Any, tuple[Reason, ...]] = {}
    # Only the reasons for pods left pending read it (limits): not built when all fit.
    planned_by_pool = _planned_capacity(sched, planned) if failed or ignored else {}
    for pp in failed:
        pins = volume_pins(pp.pod, sched.snapshot, sched.ctx.rules)
        # Reasons name the workload and the volumes: same shape, same owner, same text.
        same = (pp.shape.key, workload(pp.pod), pod_spec_path(pp.pod),
                tuple((p.claim, p.volume) for p in pins),
                tuple(sorted(pp.pod.node_selector.items())))
        reasons = by_shape.get(same)
        if reasons is None:
            reasons = diagnose(sched, pp.shape, pp.pod, planned_by_pool)
            by_shape[same] = reasons
        failures.append(PodFailure(pod=pp.key, reasons=reasons))
    for pod, problem, code, fix in ignored:
        if not code:
            reason = Reason(code=INCOMPATIBLE_REQUIREMENT, message=problem,
                            fix="fix the pod's node affinity (the API server would refuse it)")
            # Every NodePool refuses it for the same reason; say so per NodePool, as explain.
            pools = tuple(r for npc in considered(sched)
                          for r in node_pool_reasons(sched, npc, pod, None, planned_by_pool))
            failures.append(PodFailure(pod=pod.key, reasons=(*pools, reason)))
            continue
        reason = Reason(
            code=code,
            message=f"{problem}; Karpenter ignores the pod until its volumes can be "
                    "resolved", fix=fix)
        failures.append(PodFailure(pod=pod.key, reasons=(reason,)))
    failures.sort(key=lambda f: f.pod)
    notes = list(sched.notes)
    if sched.relaxed_placed:
        steps = sorted({step for done in sched.relaxed_placed.values() for step in done})
        notes.append(f"{len(sched.relaxed_placed)} pod(s) were placed only after relaxing "
                     f"their preferences ({'; '.join(steps)}), as Karpenter does")
    return SimulationResult(
        node_claims=tuple(planned), existing=existing, unschedulable=tuple(failures),
        placements=placements, new_cost_per_hour=cost, notes=tuple(notes),
        pods_considered=len(wanted))


def _planned_capacity(sched: Scheduler, planned: Sequence[PlannedNodeClaim]
                      ) -> dict[str, dict[str, int]]:
    """Capacity of the NodeClaims the run plans, per NodePool (it counts against limits)."""
    out: dict[str, dict[str, int]] = {}
    for claim in planned:
        it = sched.ctx.instance_type(claim.instance_type)
        capacity = dict(it.capacity) if it is not None else dict(claim.requests)
        out[claim.node_pool] = res.add(out.get(claim.node_pool, {}), capacity)
    return out
