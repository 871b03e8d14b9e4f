"""The scheduler's shortcuts (shared refusal sets, zone index, quick topology verdicts, the
largest-type test) answer exactly what the full per-claim checks would: same NodeClaims, same
pods on them, same failures, on the benchmark's mix of constraints."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from kubectl_karp.core.scheduling import SimulationResult, nodes, scheduler, simulate, topology

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
    monkeypatch.setattr(scheduler.Scheduler, "_refused_domains", lambda *_: [])
    monkeypatch.setattr(scheduler.Scheduler, "_block_sets", lambda *_: ([], []))
    monkeypatch.setattr(nodes.Catalog, "top", property(lambda _: -1))
    quick = scheduler.Scheduler._quick_reject
    rejects = topology.TopologyGroup.rejects

    def full_topology_step(self: Any, shape: Any, reqs: Any) -> Any:
        found = quick(self, shape, reqs)
        return found if isinstance(found, scheduler.Miss) else False

    def hostname_only(self: Any, self_selecting: bool, pod_domains: Any, domain: str) -> bool:
        if self.kind == topology.SPREAD and self.key != topology.LABEL_HOSTNAME:
            return not self._known(domain)  # zone spreads: left to the full check
        return rejects(self, self_selecting, pod_domains, domain)

    monkeypatch.setattr(scheduler.Scheduler, "_quick_reject", full_topology_step)
    monkeypatch.setattr(topology.TopologyGroup, "rejects", hostname_only)
    slow = _summary(simulate(bench.context(bench.instance_types(120)), pods))
    assert fast == slow
    assert fast[0]  # the workload did create NodeClaims
