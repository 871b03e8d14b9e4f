"""``consolidate --until-steady`` against one ``consolidate`` of the same cluster.

The cluster of benchmarks/consolidation.py (benchmarks/clusters.py: cpu-16 nodes, the mixed
scenario with a 10% budget) with every NodeClaim drifted by a change (a new image): the
rollout replaces the whole fleet wave by wave. Two references, measured in the same run:
- ``plan``: one ``consolidate`` of the cluster as it is (what the issue's ratio was first
  measured against);
- ``what-if``: one ``consolidate --what-if`` of the same change (the first wave alone, with
  every NodeClaim drifted) — the command ``--until-steady`` adds rounds to.
Reported: both, the rollout to steady state, the ratios (target: within 10x at 1,000 nodes),
the rounds and the simulations the rollout ran. ``--cap`` bounds one rollout's CPU time: a
rollout still running then is reported as "> cap" with the rounds it had reached.

Times are process CPU seconds (a busy shared host distorts them far less than wall time).

Run: python benchmarks/rollout.py [--nodes 250,500,1000] [--cap 600]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.clusters import NOW, build  # noqa: E402
from kubectl_karp.core.disruption import plan_consolidation, simulation  # noqa: E402
from kubectl_karp.core.disruption import rollout as rollout_module  # noqa: E402
from kubectl_karp.core.disruption.drift_change import AMI_DRIFTED, DriftFinding  # noqa: E402
from kubectl_karp.core.disruption.rollout import mark_drifted, rollout  # noqa: E402


class _OutOfTime(Exception):
    pass


def _capped_rollout(ctx: Any, drift: list[DriftFinding], cap: float
                    ) -> tuple[float, int | None, int, int]:
    """CPU seconds, rounds (None: cut at the cap), simulations, rounds reached."""
    sims = [0]
    reached = [0]
    original_reschedule = simulation.reschedule
    original_step = rollout_module.RolloutStep
    start = time.process_time()

    def counted(*args: Any, **kwargs: Any) -> Any:
        sims[0] += 1
        if time.process_time() - start > cap:
            raise _OutOfTime
        return original_reschedule(*args, **kwargs)

    def step(*args: Any, **kwargs: Any) -> Any:
        made = original_step(*args, **kwargs)
        reached[0] = made.round
        return made

    # The methods import reschedule by name: count it where they call it.
    from kubectl_karp.core.disruption.methods import consolidation
    from kubectl_karp.core.disruption.methods import drift as drift_method
    patched = [(consolidation, "reschedule"), (drift_method, "reschedule")]
    for module, name in patched:
        setattr(module, name, counted)
    rollout_module.RolloutStep = step  # type: ignore[misc]
    try:
        result = rollout(ctx, NOW, drift=drift)
        rounds: int | None = result.rounds
    except _OutOfTime:
        rounds = None
    finally:
        for module, name in patched:
            setattr(module, name, original_reschedule)
        rollout_module.RolloutStep = original_step  # type: ignore[misc]
    return time.process_time() - start, rounds, sims[0], reached[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", default="250,500,1000")
    parser.add_argument("--cap", type=float, default=600.0,
                        help="CPU seconds one rollout may take before it is cut (default 600)")
    args = parser.parse_args()
    print(f"{'nodes':>6} {'pods':>6} {'plan s':>7} {'what-if s':>9} {'rollout s':>10} "
          f"{'/plan':>7} {'/what-if':>8} {'rounds':>7} {'sims':>6}", flush=True)
    for nodes in (int(n) for n in args.nodes.split(",")):
        fleet = build(nodes, busy=False)
        ctx = fleet.context()
        drift = [DriftFinding(c.name, c.node_name, c.node_pool or "", AMI_DRIFTED, "new image")
                 for c in fleet.claims]
        start = time.process_time()
        plan_consolidation(ctx, NOW)
        one = time.process_time() - start
        drifted = replace(ctx, snapshot=mark_drifted(ctx.snapshot, drift, NOW))
        start = time.process_time()
        plan_consolidation(drifted, NOW)
        what_if = time.process_time() - start
        whole, rounds, sims, reached = _capped_rollout(ctx, drift, args.cap)
        shown = f"{whole:10.2f}" if rounds is not None else f"{'>' + format(args.cap, '.0f'):>10}"
        done = str(rounds) if rounds is not None else f">{reached}"
        print(f"{nodes:>6} {len(fleet.snapshot.pods):>6} {one:7.2f} {what_if:9.2f} {shown} "
              f"{whole / one:7.1f} {whole / what_if:8.1f} {done:>7} {sims:>6}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
