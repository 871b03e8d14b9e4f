"""explain and simulate never disagree: same verdict for every pod of every simulate scenario
(tests/scheduling/scenarios) and of the demo cluster; and no NodePool is shown as accepting a
pod that stays pending."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.core.explain import Explanation, explain
from kubectl_karp.core.scheduling import SimulationResult, simulate
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.sources.catalogs import bundled_catalogs
from kubectl_karp.sources.demo import load_demo
from tests.scheduling import runner

SCENARIOS = sorted(p.name for p in runner.SCENARIOS.glob("*.yaml"))


def _scenario_context(scenario: dict[str, Any]) -> SchedulingContext:
    # The same cluster the scheduler's runner builds (runner.run returns only the result).
    docs: list[Any] = []
    classes = scenario.get("nodeClasses") or [scenario.get("nodeClass", {})]
    docs += [runner.node_class(c) for c in classes]
    docs += [runner.node_pool(p) for p in scenario.get("nodePools", [{"name": "default"}])]
    for pod in scenario.get("pods", []):
        docs += runner.pod_docs(pod)
    docs += scenario.get("objects", [])
    snapshot = build_snapshot([(d, f"scenario document {i}") for i, d in enumerate(docs)],
                              source="scenario")
    return build_context(snapshot, [runner.make_catalog(scenario.get("catalog", {}))])


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


def _agree(ctx: SchedulingContext, **options: Any) -> None:
    expected = _expected(simulate(ctx, **options))
    explanation = explain(ctx, **options)
    assert _verdicts(explanation) == expected
    _consistent(explanation)


@pytest.mark.parametrize("name", SCENARIOS)
def test_explain_agrees_with_simulate_scenario(name: str) -> None:
    scenario = runner.load(name)
    options = scenario.get("simulate", {})
    _agree(_scenario_context(scenario), node_pools=options.get("nodePools"),
           exclude_nodes=frozenset(options.get("excludeNodes", [])))


def test_explain_agrees_with_simulate_on_demo() -> None:
    snapshot = load_demo()
    ctx = build_context(snapshot, bundled_catalogs("tke", None))
    _agree(ctx)
    assert any(not e.schedulable for e in explain(ctx).pods)
