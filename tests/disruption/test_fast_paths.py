"""The disruption planner's shortcuts answer exactly what the straightforward path would.

Shortcuts under test (each switched off for the reference run):
- the scheduler skips existing nodes a pod shape can never use, remembered per context
  (``ExistingNodes.viable``) instead of re-checking every node in every simulation;
- the planner carries the scheduler's context cache (``carry_context_cache``) and the
  snapshot's indexes (``_with_claims``) over rounds that only add replacement NodeClaims;
- unbound pod copies are made once per context (``simulation._unbound``);
- node statuses are re-assessed only when an action moved pods onto the node
  (``_Planner._statuses``).

Randomised clusters (types, zones, taints, zone selectors, pending pods, drifted nodes, tight
and open budgets) are planned both ways; the whole plan (actions, moves, every node's checks
and reasons) must be equal, and so must a rollout to steady state.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from kubectl_karp.core.disruption import plan_consolidation, planner, simulation
from kubectl_karp.core.disruption.drift_change import AMI_DRIFTED, DriftFinding
from kubectl_karp.core.disruption.rollout import rollout
from kubectl_karp.core.scheduling import existingnode, placement, scheduler
from kubectl_karp.model.objects import LABEL_ZONE, Budget, Pod, Taint
from tests.builders.cluster import NOW, Cluster

_TAINT = Taint(key="dedicated", value="batch", effect="NoSchedule")


def _cluster(seed: int) -> Cluster:
    rng = random.Random(seed)
    c = Cluster()
    c.pool(budgets=(Budget(nodes=rng.choice(["100%", "30%", "3"])),))
    for i in range(rng.randint(12, 30)):
        name = f"n-{i:03d}"
        size = rng.choice([2, 4, 8, 16])
        zone = rng.choice(["zone-a", "zone-b", "zone-c"])
        taints = (_TAINT,) if rng.random() < 0.15 else ()
        c.node(name, f"cpu-{size}", zone=zone, taints=taints, drifted=rng.random() < 0.2)
        c.pod(f"ds-{i}", name, cpu=0.05, mem_gi=0.1, owner="DaemonSet")
        used = 0.0
        for j in range(rng.randint(0, 12)):
            cpu = rng.choice([0.1, 0.25, 0.5, 1.0, 1.5])
            if used + cpu > size * 0.95:
                break
            used += cpu
            selector = {LABEL_ZONE: zone} if rng.random() < 0.2 else None
            c.pod(f"p-{i}-{j}", name, cpu=cpu, mem_gi=rng.choice([0.25, 0.5, 1, 2]),
                  labels={"app": f"app-{rng.randint(0, 5)}"}, node_selector=selector)
    for k in range(rng.randint(0, 3)):
        c.pod(f"pending-{k}", None, cpu=rng.choice([0.5, 2]), mem_gi=1)
    return c


def _straightforward(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(existingnode.ExistingNodes, "viable",
                        lambda self, shape: list(range(len(self.nodes))))
    monkeypatch.setattr(planner, "carry_context_cache", lambda old, new: False)
    monkeypatch.setattr(planner, "_with_claims",
                        lambda snap, claims: snap.with_changes(node_claims=claims))
    monkeypatch.setattr(simulation, "_unbound",
                        lambda ctx, pods: [replace(p, node_name="") for p in pods])
    full = planner._Planner._statuses

    def every_node(self: Any) -> Any:
        self._status_cache.clear()
        return full(self)

    monkeypatch.setattr(planner._Planner, "_statuses", every_node)


@pytest.mark.parametrize("seed", range(12))
def test_plan_is_the_same_without_shortcuts(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = plan_consolidation(_cluster(seed).context(), NOW)
    _straightforward(monkeypatch)
    slow = plan_consolidation(_cluster(seed).context(), NOW)
    assert fast == slow


def test_the_randomised_clusters_exercise_the_shortcuts() -> None:
    """The comparison above means something: the plans act, replace and move pods."""
    plans = [plan_consolidation(_cluster(seed).context(), NOW) for seed in range(12)]
    assert sum(len(p.actions) for p in plans) >= 12
    assert any(a.replacements for p in plans for a in p.actions)
    assert any(a.moves for p in plans for a in p.actions)


@pytest.mark.parametrize("seed", [3, 8])
def test_rollout_is_the_same_without_shortcuts(seed: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def run() -> Any:
        cluster = _cluster(seed)
        drift = [DriftFinding(c.name, c.node_name, c.node_pool or "", AMI_DRIFTED, "new image")
                 for c in cluster.claims]
        return rollout(cluster.context(), NOW, drift=drift)

    fast = run()
    _straightforward(monkeypatch)
    slow = run()
    assert fast.steps == slow.steps
    assert fast.rounds == slow.rounds and fast.rounds > 1
    assert fast.final_snapshot.nodes == slow.final_snapshot.nodes
    assert fast.final_snapshot.pods == slow.final_snapshot.pods


def test_static_refusals_are_only_permanent_ones() -> None:
    """A node statically refused for a shape is refused by the full check too (sound), on
    every node and shape of a randomised cluster."""
    from kubectl_karp.core.scheduling.pods import initial_shape, shape_signature
    from kubectl_karp.model.requirements import EMPTY_REQUIREMENTS

    ctx = _cluster(5).context()
    sched = scheduler.Scheduler(ctx)
    sched.setup(set(), set())
    pods: list[Pod] = [p for p in ctx.snapshot.pods if not p.is_daemonset_pod]
    refused = 0
    for pod in pods:
        free = replace(pod, node_name="")
        shape = initial_shape(free, shape_signature(free), EMPTY_REQUIREMENTS)
        for node in sched.existing:
            if node.refuses_for_good(shape):
                refused += 1
                assert isinstance(node.can_add(shape, sched.topology, sched.snapshot),
                                  placement.Miss)
    assert refused
