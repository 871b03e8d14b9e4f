"""explain's core against simulate's on the same batch of pending pods (issue 20).

The batch is benchmarks/scheduling.py's project mix (spread, affinity, anti-affinity) with a
share of pods that no NodePool can take (a node selector no instance type has, or more CPU
than the largest type), so explain has real diagnosis to do. Reference: ``simulate`` of the
same batch in the same process. Measured: ``core.explain.explain`` (which runs that simulation
itself, then explains every pod). Aim: explain ≤ 1.2× simulate at 5,000 pending pods.

Run: python benchmarks/explain.py [--pods 1000 5000] [--stuck 0.1] [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scheduling import context, instance_types, make_pods
from kubectl_karp.core.explain import explain
from kubectl_karp.core.scheduling import simulate
from kubectl_karp.model.objects import Pod


def batch(count: int, stuck: float) -> list[Pod]:
    """The mix, every ``1/stuck``-th pod made unplaceable (alternately two ways)."""
    pods = make_pods(count)
    every = max(round(1 / stuck), 1) if stuck > 0 else 0
    out = []
    for i, pod in enumerate(pods):
        if every and i % every == 0:
            if (i // every) % 2:
                pod = replace(pod, node_selector={"disktype": "ssd"})
            else:
                pod = replace(pod, requests={**pod.requests, "cpu": 10_000_000})
        out.append(pod)
    return out


def _cpu(fn: object, runs: int) -> float:
    samples = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        fn()  # type: ignore[operator]
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--stuck", type=float, default=0.1,
                        help="share of pods no NodePool can take (default 0.1)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    ctx = context(instance_types())
    print(f"{'pods':>6} {'stuck':>6} {'simulate s':>11} {'explain s':>10} {'ratio':>6}")
    for count in args.pods:
        pods = batch(count, args.stuck)
        t_sim = _cpu(lambda p=pods: simulate(ctx, p), args.runs)
        t_exp = _cpu(lambda p=pods: explain(ctx, p, batch=p), args.runs)
        result = simulate(ctx, pods)
        print(f"{count:>6} {len(result.unschedulable):>6} {t_sim:>11.2f} {t_exp:>10.2f} "
              f"{t_exp / t_sim:>5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
