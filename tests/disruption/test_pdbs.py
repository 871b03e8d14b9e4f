"""PodDisruptionBudgets without status, computed from the spec as the Kubernetes disruption
controller does (pkg/controller/disruption: percentages of the expected count round UP for both
minAvailable and maxUnavailable; only Ready pods are healthy). Each case is chosen so that the
other rounding, or counting an unready pod as healthy, gives the opposite verdict."""

from __future__ import annotations

from dataclasses import replace

from kubectl_karp.model.objects import Condition
from tests.disruption.builders import Cluster, codes


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
