"""Plan time of ``kubectl karp consolidate`` (the pure core) as the cluster grows.

Synthetic cluster in Karpenter's fake-catalogue convention (cpu-N types: N vCPU, 2N GiB,
0.1 $/vCPU + 0.1 $/GiB), one NodePool with the default 10% budget, cpu-16 nodes:
2% empty, 20% underutilised (10 pods of 0.5 vCPU), the rest full (25 pods of 0.62 vCPU),
one DaemonSet pod per node — about 21 pods per node, 21,000 pods at 1,000 nodes.

Reported for each size: plan time, pods/s, growth against the previous size (node count
doubles), and the ratio to a reference measured in the same run: one ``simulate`` of all
the cluster's non-DaemonSet pods as pending pods onto empty capacity (what provisioning the
whole cluster from scratch costs). A second scenario ("busy") gives the pool a 100% budget
and makes every node full, so nearly every node must be simulated on its own and only a few
actions are found — the worst case for single-node consolidation.

Times are process CPU seconds (``time.process_time``), which a busy shared host distorts
far less than wall time. ``growth`` is the time ratio to the previous size; ``exp`` the
growth exponent log(t2/t1) / log(n2/n1) (1.0 = linear).

Run: python benchmarks/consolidation.py [--nodes 125,250,500,1000] [--runs 1] [--busy]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.clusters import NOW, build  # noqa: E402
from kubectl_karp.core.disruption import plan_consolidation  # noqa: E402
from kubectl_karp.core.scheduling import simulate  # noqa: E402


def _best(func: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        # Process CPU time: on a shared, busy host wall time mostly measures the neighbours.
        start = time.process_time()
        func()  # type: ignore[operator]
        times.append(time.process_time() - start)
    return min(times) if runs > 1 else statistics.fmean(times)


def measure(nodes: int, runs: int, busy: bool) -> tuple[float, float, int, int]:
    cluster = build(nodes, busy=busy)
    ctx = cluster.context()
    pods = [p for p in cluster.snapshot.pods
            if p.controller is None or p.controller.kind != "DaemonSet"]
    pending = [replace(p, node_name="") for p in pods]
    bare = replace(ctx, snapshot=ctx.snapshot.with_changes(nodes=(), node_claims=()))
    reference = _best(lambda: simulate(bare, pending), runs)
    holder: list[object] = []
    planned = _best(lambda: holder.append(plan_consolidation(ctx, NOW)), runs)
    plan = holder[-1]
    return planned, reference, len(cluster.snapshot.pods), len(plan.actions)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", default="125,250,500,1000")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--busy", action="store_true", help="only the busy scenario")
    args = parser.parse_args()
    sizes = [int(s) for s in args.nodes.split(",")]
    for busy in ([True] if args.busy else [False, True]):
        label = "busy (100% budget, every node full)" if busy else "mixed (10% budget)"
        print(f"scenario: {label}")
        print(f"{'nodes':>6} {'pods':>7} {'actions':>7} {'plan s':>8} {'pods/s':>9} "
              f"{'growth':>7} {'exp':>5} {'ref s':>7} {'plan/ref':>8}")
        previous: tuple[int, float] | None = None
        for n in sizes:
            planned, reference, pods, actions = measure(n, args.runs, busy)
            growth = f"{planned / previous[1]:.2f}x" if previous else "-"
            exp = f"{math.log(planned / previous[1]) / math.log(n / previous[0]):.2f}" \
                if previous else "-"
            print(f"{n:>6} {pods:>7} {actions:>7} {planned:>8.2f} {pods / planned:>9.0f} "
                  f"{growth:>7} {exp:>5} {reference:>7.2f} {planned / reference:>8.2f}",
                  flush=True)
            previous = (n, planned)
        print()


if __name__ == "__main__":
    main()
