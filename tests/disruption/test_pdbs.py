"""PodDisruptionBudgets without status, computed from the spec as the Kubernetes disruption
controller does (pkg/controller/disruption: percentages of the expected count round UP for both
minAvailable and maxUnavailable; only Ready pods are healthy). Each case is chosen so that the
other rounding, or counting an unready pod as healthy, gives the opposite verdict."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kubectl_karp.core.disruption.pdbs import computed_disruptions_allowed
from kubectl_karp.model.objects import Condition, LabelSelector, Pod, PodDisruptionBudget
from tests.builders.cluster import Cluster, codes


def _two_web_pods(c: Cluster, *, ready_second: bool = True) -> None:
    c.pool()
    for node in ("n1", "n2", "n3"):
        c.node(node)
    c.pod("web-1", "n1", labels={"app": "web"})
    pod = c.pod("web-2", "n2", labels={"app": "web"})
    if not ready_second:
        c.pods[c.pods.index(pod)] = replace(pod, conditions=(Condition("Ready", "False"),))
    c.pod("other", "n3", cpu=2)


def test_min_available_percentage_rounds_up() -> None:
    # 51% of 2 pods rounds up to 2 must stay available: no eviction allowed (floor: 1 allowed).
    c = Cluster()
    _two_web_pods(c)
    c.pdb("web", {"app": "web"}, min_available="51%")
    plan = c.plan()
    assert codes(plan, "n1") == ["PodDisruptionBudget"]
    assert codes(plan, "n2") == ["PodDisruptionBudget"]


def test_max_unavailable_percentage_rounds_up() -> None:
    # 49% of 2 pods rounds up to 1 may be unavailable: one eviction allowed (floor: none).
    c = Cluster()
    _two_web_pods(c)
    c.pdb("web", {"app": "web"}, max_unavailable="49%")
    plan = c.plan()
    blocked = {n.node: [r.code for r in n.blocks] for n in plan.blocked}
    assert "PodDisruptionBudget" not in blocked.get("n1", []), blocked
    assert "PodDisruptionBudget" not in blocked.get("n2", []), blocked
    assert any({"n1", "n2"} & set(a.nodes) for a in plan.actions), plan.actions


def test_unready_pods_are_not_healthy() -> None:
    # maxUnavailable 1 over two pods, one of them NotReady: the budget is already used up.
    c = Cluster()
    _two_web_pods(c, ready_second=False)
    c.pdb("web", {"app": "web"}, max_unavailable="1")
    plan = c.plan()
    assert codes(plan, "n1") == ["PodDisruptionBudget"]


# ------------------------------------------------ computed_disruptions_allowed, by the numbers

def _pods(ready: int, unready: int = 0, *, no_condition_running: int = 0,
          no_condition_pending: int = 0) -> list[Pod]:
    def pod(i: int, conditions: tuple[Condition, ...], phase: str = "Running") -> Pod:
        return Pod(namespace="default", name=f"web-{i}", labels={"app": "web"},
                   node_name="n1", phase=phase, conditions=conditions)

    out = [pod(i, (Condition("Ready", "True"),)) for i in range(ready)]
    out += [pod(100 + i, (Condition("Ready", "False"),)) for i in range(unready)]
    # Without a Ready condition a Running pod counts as healthy, a Pending one does not.
    out += [pod(200 + i, ()) for i in range(no_condition_running)]
    out += [pod(300 + i, (), "Pending") for i in range(no_condition_pending)]
    return out


def _pdb(**rule: str) -> PodDisruptionBudget:
    return PodDisruptionBudget(namespace="default", name="web",
                               selector=LabelSelector(match_labels=(("app", "web"),)),
                               min_available=rule.get("min_available"),
                               max_unavailable=rule.get("max_unavailable"))


@pytest.mark.parametrize(("rule", "pods", "allowed"), [
    ({"min_available": "50%"}, _pods(10), 5),          # ceil(5.0) = 5 must stay
    ({"min_available": "55%"}, _pods(10), 4),          # ceil(5.5) = 6 must stay
    ({"min_available": "3"}, _pods(10), 7),
    ({"max_unavailable": "25%"}, _pods(10), 3),        # ceil(2.5) = 3 may go
    ({"max_unavailable": "1"}, _pods(10), 1),
    ({"max_unavailable": "1"}, _pods(9, 1), 0),        # the unready pod uses the budget up
    ({"min_available": "8"}, _pods(8, 2), 0),
    ({"min_available": "8"}, _pods(9, no_condition_running=1), 2),
    ({"min_available": "8"}, _pods(9, no_condition_pending=1), 1),
    ({}, _pods(4), 0),                                 # no rule: nothing may go
])
def test_disruptions_allowed_computed_from_the_spec(rule: dict[str, str], pods: list[Pod],
                                                    allowed: int) -> None:
    # upstream: Kubernetes pkg/controller/disruption getExpectedScale / countHealthyPods,
    # with GetScaledValueFromIntOrPercent(roundUp=true) for both fields.
    assert computed_disruptions_allowed(_pdb(**rule), pods) == allowed


@pytest.mark.parametrize(("rule", "blocks"), [
    ({"max_unavailable": "0"}, True), ({"max_unavailable": "0%"}, True),
    ({"max_unavailable": "1"}, False), ({"min_available": "100%"}, True),
    ({"min_available": "99%"}, False), ({}, False),
])
def test_fully_blocking_pdbs(rule: dict[str, str], blocks: bool) -> None:
    # upstream: utils/pdb newPdb — maxUnavailable 0 or 0%, or minAvailable 100%: never allows
    from kubectl_karp.model.predicates import fully_blocking

    assert fully_blocking(_pdb(**rule)) is blocks


def test_min_available_zero_allows_every_healthy_pod_to_go() -> None:
    assert computed_disruptions_allowed(_pdb(min_available="0"), _pods(3)) == 3


def test_reported_status_wins_over_the_spec() -> None:
    # status.disruptionsAllowed, when the disruption controller reported it, is what the
    # eviction API checks; the spec is only the fallback for snapshots without status.
    from kubectl_karp.core.disruption.pdbs import PdbIndex

    pods = _pods(4)
    reported = replace(_pdb(max_unavailable="2"), disruptions_allowed=0)
    assert PdbIndex([reported], pods).blocking(pods[0]) is not None
    assert PdbIndex([_pdb(max_unavailable="2")], pods).blocking(pods[0]) is None
