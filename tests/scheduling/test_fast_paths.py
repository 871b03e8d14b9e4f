"""The scheduler's shortcuts (shared refusal sets, zone index, quick topology verdicts, the
largest-type test) answer exactly what the full per-claim checks would: same NodeClaims, same
pods on them, same failures, on the benchmark's mix of constraints."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kubectl_karp.core.nodepools import limits as pool_limits
from kubectl_karp.core.reasons import NODEPOOL_LIMIT_EXCEEDED
from kubectl_karp.core.scheduling import (
    SimulationResult,
    claims,
    nodes,
    placement,
    simulate,
    topology,
    topologygroup,
)

_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "scheduling.py"


def _benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("_karp_scheduling_benchmark", _BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _summary(result: SimulationResult) -> Any:
    return (tuple((c.node_pool, c.instance_type, c.zone, c.capacity_type, c.pods)
                  for c in result.node_claims),
            tuple(sorted((f.pod, tuple(r.code for r in f.reasons))
                         for f in result.unschedulable)))


@pytest.mark.parametrize(("count", "seed"), [(300, 1), (1200, 7)])
def test_shortcuts_change_no_decision(count: int, seed: int,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _benchmark()
    pods = bench.make_pods(count, seed)
    fast = _summary(simulate(bench.context(bench.instance_types(120)), pods))
    monkeypatch.setattr(claims.PlannedClaims, "_refused_domains", lambda *_: ([], set()))
    monkeypatch.setattr(claims.PlannedClaims, "_block_sets", lambda *_: ([], []))
    monkeypatch.setattr(nodes.Catalog, "top", property(lambda _: -1))
    quick = topology.Topology.quick_reject
    rejects = topologygroup.TopologyGroup.rejects

    def full_topology_step(self: Any, shape: Any, reqs: Any) -> Any:
        found = quick(self, shape, reqs)
        return found if isinstance(found, placement.Miss) else False

    def hostname_only(self: Any, self_selecting: bool, pod_domains: Any, domain: str) -> bool:
        if self.kind == topologygroup.SPREAD and self.key != topologygroup.LABEL_HOSTNAME:
            return not self._known(domain)  # zone spreads: left to the full check
        return rejects(self, self_selecting, pod_domains, domain)

    monkeypatch.setattr(topology.Topology, "quick_reject", full_topology_step)
    monkeypatch.setattr(topologygroup.TopologyGroup, "rejects", hostname_only)
    slow = _summary(simulate(bench.context(bench.instance_types(120)), pods))
    assert fast == slow
    assert fast[0]  # the workload did create NodeClaims


def _limited_context(bench: Any, cpu: int, nodes: int | None) -> Any:
    """Upstream's benchmark NodePool with limits tight enough to bind mid-run."""
    ctx = bench.upstream_context(bench.upstream_instance_types(120))
    npc = ctx.node_pools[0]
    limits = {"cpu": cpu * 1000, "memory": 10_000_000 * GI_MILLI}
    if nodes is not None:
        limits["nodes"] = nodes * 1000
    pool = replace(npc.node_pool, limits=limits)
    return replace(ctx, node_pools=(replace(npc, node_pool=pool),))


GI_MILLI = 2**30 * 1000


@pytest.mark.parametrize(("count", "cpu", "node_limit"), [(600, 900, None), (900, 4000, 150),
                                                           (400, 60, None)])
def test_limit_index_and_claim_front_change_no_decision(
        count: int, cpu: int, node_limit: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sorted limit index (which types a NodePool's remaining limits still allow, what a
    new NodeClaim counts against them) and the one-by-one offer to the front of each claim
    bucket answer as the straightforward scans do, with limits that run out mid-run."""
    bench = _benchmark()
    pods = bench.make_upstream_pods(count, seed=count)
    # Every seventh pod pinned to a few small types: its NodeClaim cannot become the
    # largest type, so what it counts against the limits is not the catalogue's maximum.
    small = ("fake-it-3", "fake-it-5", "fake-it-9")
    pods = [replace(p, node_selector={"node.kubernetes.io/instance-type": small[i % 3]})
            if i % 7 == 0 and not (p.pod_affinity or p.pod_anti_affinity or p.topology_spread)
            else p for i, p in enumerate(pods)]
    fast = _summary(simulate(_limited_context(bench, cpu, node_limit), pods))

    def scan_over(self: Any, remaining: Any) -> tuple[int, ...]:
        return tuple(i for i, t in enumerate(self.types)
                     if any(pool_limits.limit_amount(t.capacity, name) > left
                            for name, left in remaining.items()))

    def scan_max(self: Any, name: str) -> int:
        return max((pool_limits.limit_amount(t.capacity, name) for t in self.types()), default=0)

    monkeypatch.setattr(nodes.Catalog, "over_limits", scan_over)
    monkeypatch.setattr(nodes.TypeSet, "max_limit_amount", scan_max)
    monkeypatch.setattr(claims, "_FRONT", 0)
    slow = _summary(simulate(_limited_context(bench, cpu, node_limit), pods))
    assert fast == slow
    assert fast[0]
    # the limits did bind: some pods are left out for them
    assert any(NODEPOOL_LIMIT_EXCEEDED in codes for _, codes in fast[1])


@pytest.mark.parametrize(("shape", "count", "seed"), [("upstream", 1500, 3), ("upstream", 5000, 11),
                                                      ("mixed", 1200, 5)])
def test_domain_index_changes_no_decision(shape: str, count: int, seed: int,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-domain bucket index (planned claims filed by the zone they are pinned to, and
    only the accepted zones' claims walked for a zone spread or zone affinity pod) offers the
    same claims in the same order as the full bucket walk with its set algebra: same
    NodeClaims, same pods on each, same failures."""
    bench = _benchmark()
    make_types, make_context, make_pods = bench.SHAPES[shape]
    pods = make_pods(count, seed)
    used = 0
    walk = claims.PlannedClaims._place_in_domains

    def counted(self: Any, *args: Any) -> Any:
        nonlocal used
        used += 1
        return walk(self, *args)

    monkeypatch.setattr(claims.PlannedClaims, "_place_in_domains", counted)
    fast = _summary(simulate(make_context(make_types()), pods))
    assert used  # the index was walked
    monkeypatch.setattr(claims.PlannedClaims, "_accepted_domains", lambda *_: None)
    slow = _summary(simulate(make_context(make_types()), pods))
    assert fast == slow
    assert fast[0]


def _relaxing_pods(count: int, seed: int) -> list[Any]:
    """Upstream's benchmark pods, some given preferences the run must relax (a preferred
    zone no NodePool offers, ScheduleAnyway spreads, preferred anti-affinity) and required
    node affinity with two terms, so shape families span relaxation steps."""
    from kubectl_karp.model.objects import (
        NodeSelectorRequirement,
        NodeSelectorTerm,
        PodAffinityTerm,
        PreferredSchedulingTerm,
        TopologySpreadConstraint,
        WeightedPodAffinityTerm,
    )

    bench = _benchmark()
    pods = bench.make_upstream_pods(count, seed)
    nowhere = PreferredSchedulingTerm(10, NodeSelectorTerm(match_expressions=(
        NodeSelectorRequirement(bench.ZONE_KEY, "In", ("zone-nowhere",)),)))
    two_terms = (NodeSelectorTerm(match_expressions=(
        NodeSelectorRequirement(bench.ZONE_KEY, "In", ("zone-nowhere",)),)),
        NodeSelectorTerm(match_expressions=(
            NodeSelectorRequirement(bench.ZONE_KEY, "In", ("test-zone-2", "test-zone-3")),)))
    anyway = TopologySpreadConstraint(max_skew=1, topology_key=bench.HOST_KEY,
                                      when_unsatisfiable="ScheduleAnyway",
                                      label_selector=bench.LabelSelector(
                                          match_labels=(("my-label", "a"),)))
    away = WeightedPodAffinityTerm(5, PodAffinityTerm(
        topology_key=bench.HOST_KEY,
        label_selector=bench.LabelSelector(match_labels=(("my-label", "b"),))))
    out = []
    for i, pod in enumerate(pods):
        if i % 5 == 1:
            pod = replace(pod, preferred_node_affinity=(nowhere,))
        elif i % 5 == 2 and not pod.topology_spread:
            pod = replace(pod, topology_spread=(anyway,))
        elif i % 5 == 3:
            pod = replace(pod, required_node_affinity=two_terms,
                          preferred_pod_anti_affinity=(away,))
        out.append(pod)
    return out


@pytest.mark.parametrize(("shape", "count", "seed"), [("upstream", 2000, 13),
                                                      ("mixed", 1500, 2),
                                                      ("relaxing", 1500, 4)])
def test_shape_families_change_no_decision(shape: str, count: int, seed: int,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Shapes that differ only in requests are made from the first of their family
    (``PodShape.with_requests``: requirements, alternatives and the topology profile
    shared) instead of from scratch: every such shape equals the one built from scratch,
    field by field, and the whole result (NodeClaims, requirements, placements, failures
    and their reasons, notes) is the same."""
    from kubectl_karp.core.scheduling import pods as pod_shapes
    from kubectl_karp.core.scheduling import scheduler
    from kubectl_karp.model.requirements import EMPTY_REQUIREMENTS

    bench = _benchmark()
    if shape == "relaxing":
        ctx = bench.upstream_context(bench.upstream_instance_types(60))
        pods = _relaxing_pods(count, seed)
    else:
        make_types, make_context, make_pods = bench.SHAPES[shape]
        ctx = make_context(make_types())
        pods = make_pods(count, seed)
    sched = scheduler.Scheduler(ctx)
    sched.setup(set(), set())
    pending, shapes, _ = sched._shapes(pods)
    for sig, made in shapes.items():
        fresh = pod_shapes.initial_shape(made.pod, sig, EMPTY_REQUIREMENTS)
        for name in vars(fresh):
            if name not in ("cache", "profile"):
                assert getattr(made, name) == getattr(fresh, name), name
    # families did share: fewer topology profiles than shapes, fewer shapes than pods
    assert len({id(s.profile) for s in shapes.values()}) < len(shapes) < len(pending)

    fast = simulate(ctx, pods)
    monkeypatch.setattr(scheduler, "without_requests", lambda signature: signature)
    slow = simulate(ctx, pods)
    assert fast == slow
    assert fast.node_claims
    if shape == "relaxing":
        assert any("relaxing" in note for note in fast.notes)  # relaxation did happen


def test_requirement_triples_match_the_straightforward_form() -> None:
    """The result's (key, operator, values) triples, with the one-value shortcut and the
    per-requirement cache, read as ``operator`` and ``values_list`` would: every operator,
    bounds, integers sorted numerically; the second lookup (cached) too."""
    from kubectl_karp.core.scheduling.results import _triple
    from kubectl_karp.model.requirements import Requirement

    reqs = [Requirement.of("k", "In", ("b",)), Requirement.of("k", "In", ("10", "9", "a")),
            Requirement.of("k", "NotIn", ("x",)), Requirement.of("k", "Exists"),
            Requirement.of("k", "DoesNotExist"), Requirement.of("k", "Gt", ("3",)),
            Requirement.of("k", "Lt", ("7",)), Requirement.of("k", "Gte", ("2",)),
            Requirement.of("k", "Gt", ("3",)).intersection(Requirement.of("k", "Lt", ("5",))),
            Requirement.of("k", "In", ("1", "8")).intersection(Requirement.of("k", "Gt", ("2",))),
            Requirement("k", False, frozenset({"only"})),
            Requirement("k", True, frozenset({"only"}), 1, None)]
    for req in reqs:
        expected = ("k", req.operator, tuple(req.values_list()))
        assert _triple("k", req) == expected
        assert _triple("k", req) == expected


@pytest.mark.parametrize(("shape", "count", "seed"), [("upstream", 2000, 17), ("mixed", 1200, 9),
                                                      ("relaxing", 1200, 6)])
def test_commit_and_empty_requirement_shortcuts_change_no_decision(
        shape: str, count: int, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two per-offer shortcuts answer as the full steps do: a commit right after
    ``TypeSet.all_fit`` passed for the same requests drops nothing and is skipped; a pod
    without node requirements skips the requirement algebra (compatible, intersect) on
    each NodeClaim. With both switched off the whole result is the same."""
    from kubectl_karp.core.scheduling import nodeclaim
    from kubectl_karp.model.requirements import Requirements

    bench = _benchmark()
    if shape == "relaxing":
        ctx = bench.upstream_context(bench.upstream_instance_types(60))
        pods = _relaxing_pods(count, seed)
    else:
        make_types, make_context, make_pods = bench.SHAPES[shape]
        ctx = make_context(make_types())
        pods = make_pods(count, seed)
    skipped = 0
    commit = nodes.TypeSet.commit

    def counted(self: Any, requests: Any, allowed: Any) -> None:
        nonlocal skipped
        skipped += requests is self.fit and allowed is None
        commit(self, requests, allowed)

    monkeypatch.setattr(nodes.TypeSet, "commit", counted)
    fast = simulate(ctx, pods)
    assert skipped  # the shortcut was taken
    all_fit = nodes.TypeSet.all_fit

    def forgetful(self: Any, requests: Any) -> bool:
        found = all_fit(self, requests)
        self.fit = None
        return found

    monkeypatch.setattr(nodes.TypeSet, "all_fit", forgetful)
    monkeypatch.setattr(nodeclaim, "EMPTY_REQUIREMENTS", Requirements())  # never the pod's
    slow = simulate(ctx, pods)
    assert fast == slow
    assert fast.node_claims
