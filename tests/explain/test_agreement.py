"""explain and simulate never disagree: same verdict for every pod of every simulate scenario
(tests/scheduling/scenarios) and of the demo cluster, the same (NodePool, reason code) pairs
and fixes for every pod left pending (one classifier, one vocabulary); and no NodePool is
shown as accepting a pod that stays pending.

This is a wiring test: explain takes its verdicts from the same scheduling run as simulate, so
agreement here proves the two commands are connected to one computation, not that the
computation is right. The independent expectations live in the scenario files themselves
(tests/scheduling/scenarios/*.yaml ``expect``), which this module does not read."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_karp.cli.app import run
from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.core.explain import Explanation, explain
from kubectl_karp.core.scheduling import SimulationResult, simulate
from kubectl_karp.render.explain import document as explain_document
from kubectl_karp.render.simulate import document as simulate_document
from kubectl_karp.sources.catalogs import bundled_catalogs
from kubectl_karp.sources.demo import load_demo
from tests.scheduling import runner

SCENARIOS = sorted(p.name for p in runner.SCENARIOS.glob("*.yaml"))


def _scenario_context(scenario: dict[str, Any]) -> SchedulingContext:
    # The same cluster (and Karpenter release) the scheduler's runner builds.
    return runner.context(scenario)


def _verdicts(explanation: Explanation) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for entry in explanation.pods:
        v = entry.verdict
        nodes = v.pod_nodes or (v.existing_node,) * entry.count
        for key, node in zip(entry.pods, nodes, strict=True):
            out[key] = (v.schedulable, node, v.node_pool, v.instance_type)
    return out


def _expected(result: SimulationResult) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for key, placement in result.placements.items():
        if placement.existing_node is not None:
            out[key] = (True, placement.existing_node, None, None)
        else:
            assert placement.node_claim_index is not None
            claim = result.node_claims[placement.node_claim_index]
            out[key] = (True, None, claim.node_pool, claim.instance_type)
    for failure in result.unschedulable:
        out[failure.pod] = (False, None, None, None)
    return out


def _consistent(explanation: Explanation) -> None:
    for entry in explanation.pods:
        if entry.not_considered:
            continue
        for pool in entry.node_pools:
            if not entry.schedulable:
                assert not pool.accepted and pool.reasons, (entry.pod, pool.name)
            elif pool.chosen:
                assert pool.accepted and pool.name == entry.verdict.node_pool
            else:
                assert pool.accepted or pool.reasons, (entry.pod, pool.name)
        if not entry.schedulable:
            assert entry.node_pools or entry.reasons, entry.pod


Pairs = dict[str, set[tuple[str, str, str]]]


def _simulate_pairs(doc: dict[str, Any]) -> Pairs:
    """simulate ``-o json``: per pending pod, its (nodePool, code, fix) NodePool reasons."""
    return {f["pod"]: {(r["nodePool"], r["code"], r.get("fix", "")) for r in f["reasons"]
                       if r["nodePool"] is not None}
            for f in doc["unschedulable"]}


def _explain_pairs(doc: dict[str, Any]) -> Pairs:
    """explain ``-o json``: the same, from each pending pod's NodePool verdicts."""
    out: Pairs = {}
    for entry in doc["pods"]:
        if entry["schedulable"] or entry.get("notConsidered"):
            continue
        pairs = {(pool["name"], r["code"], r.get("fix", "")) for pool in entry["nodePools"]
                 for r in pool["reasons"]}
        for key in entry["pods"]:
            out[key] = pairs
    return out


def _codes(pairs: Pairs) -> dict[str, set[tuple[str, str]]]:
    return {pod: {(pool, code) for pool, code, _ in v} for pod, v in pairs.items()}


def _agree(ctx: SchedulingContext, **options: Any) -> None:
    result = simulate(ctx, **options)
    expected = _expected(result)
    explanation = explain(ctx, **options)
    assert _verdicts(explanation) == expected
    _consistent(explanation)
    sim = _simulate_pairs(simulate_document(result, ctx))
    exp = _explain_pairs(explain_document(explanation, ctx))
    # Pods Karpenter ignores for their volumes get no NodePool reasons from either.
    exp = {k: v for k, v in exp.items() if k in sim}
    assert _codes(exp) == {k: _codes(sim)[k] for k in exp}
    assert exp == {k: sim[k] for k in exp}


def _releases() -> list[Any]:
    """Each scenario once, or once per release it names under ``versions``."""
    cases: list[Any] = []
    for name in SCENARIOS:
        versions = runner.load(name).get("versions")
        if versions:
            cases += [pytest.param(name, str(v), id=f"{name}@{v}") for v in versions]
        else:
            cases.append(pytest.param(name, None, id=name))
    return cases


@pytest.mark.parametrize(("name", "version"), _releases())
def test_explain_agrees_with_simulate_scenario(name: str, version: str | None) -> None:
    scenario = runner.load(name)
    if version is not None:
        scenario["karpenterVersion"] = version
    options = scenario.get("simulate", {})
    _agree(_scenario_context(scenario), node_pools=options.get("nodePools"),
           exclude_nodes=frozenset(options.get("excludeNodes", [])))


def test_explain_agrees_with_simulate_on_demo() -> None:
    snapshot = load_demo()
    ctx = build_context(snapshot, bundled_catalogs("tke", None))
    _agree(ctx)
    assert any(not e.schedulable for e in explain(ctx).pods)


def _cli_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    import json

    run(argv)
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_simulate_and_explain_cli_json_agree_on_demo(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    sim = _simulate_pairs(_cli_json(["simulate", "--demo", "-o", "json"], capsys))
    exp = _explain_pairs(_cli_json(["explain", "--demo", "-o", "json"], capsys))
    assert _codes(sim) == _codes(exp)
    assert sim == exp
    # Required node affinity is IncompatibleRequirement in both (nodeSelector is
    # NodeSelectorMismatch), and a NodePool limit fix carries the numbers in both.
    thumbnailer = next(v for k, v in sim.items() if k.startswith("shop/thumbnailer-"))
    assert {(p, c) for p, c, _ in thumbnailer} == {("test", "IncompatibleRequirement")}
    cache = next(v for k, v in sim.items() if k.startswith("shop/cache-"))
    assert {(p, c) for p, c, _ in cache} == {("test", "NodeSelectorMismatch")}
    assert sim["ml/trainer-0"] == {(
        "test", "NodePoolLimitExceeded",
        "raise spec.limits.cpu of NodePool test from 10 to at least 26")}


def test_explain_schedules_the_same_batch_as_simulate(tmp_path: Any,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    # A gated pod is not in simulate's batch (pending_batch); explain must leave it out of
    # the batch too, or it packs web next to it on a bigger type than simulate plans.
    import yaml

    from tests.test_simulate_cli import CATALOG, NODE_CLASS, node_pool, pod

    gated = pod("gated", "3", schedulingGates=[{"name": "example.com/wait"}])
    gated["status"]["conditions"] = [{"type": "PodScheduled", "status": "False",
                                      "reason": "SchedulingGated"}]
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all([NODE_CLASS, node_pool(), CATALOG, gated,
                                        pod("web", "1")]), encoding="utf-8")
    sim = _cli_json(["simulate", "--snapshot", str(path), "-o", "json"], capsys)
    exp = _cli_json(["explain", "--snapshot", str(path), "-o", "json"], capsys)
    assert [c["instanceType"] for c in sim["nodeClaims"]] == ["S5.MEDIUM4"]
    web = next(e for e in exp["pods"] if e["pod"] == "default/web")
    assert web["placement"]["instanceType"] == "S5.MEDIUM4"
