"""``consolidate --until-steady`` against one ``consolidate`` of the same cluster.

The cluster of benchmarks/consolidation.py (cpu-16 nodes, the mixed scenario with a 10%
budget) with every NodeClaim drifted by a change (a new image): the rollout replaces the whole
fleet wave by wave. Reported: one plan (the reference, measured in the same run), the rollout
to steady state, their ratio (target: within 10x at 1,000 nodes) and the number of rounds.

Times are process CPU seconds (a busy shared host distorts them far less than wall time).

Run: python benchmarks/rollout.py [--nodes 250,1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.consolidation import build  # noqa: E402
from kubectl_karp.core.disruption import plan_consolidation  # noqa: E402
from kubectl_karp.core.disruption.drift_change import AMI_DRIFTED, DriftFinding  # noqa: E402
from kubectl_karp.core.disruption.rollout import rollout  # noqa: E402
from tests.builders.cluster import NOW  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", default="250,1000")
    args = parser.parse_args()
    print(f"{'nodes':>6} {'one plan s':>11} {'rollout s':>10} {'ratio':>7} {'rounds':>7}")
    for nodes in (int(n) for n in args.nodes.split(",")):
        cluster = build(nodes, busy=False)
        ctx = cluster.context()
        drift = [DriftFinding(c.name, c.node_name, c.node_pool or "", AMI_DRIFTED, "new image")
                 for c in cluster.claims]
        start = time.process_time()
        plan_consolidation(ctx, NOW)
        one = time.process_time() - start
        start = time.process_time()
        result = rollout(ctx, NOW, drift=drift)
        whole = time.process_time() - start
        print(f"{nodes:>6} {one:11.2f} {whole:10.2f} {whole / one:7.1f} {result.rounds:>7}")


if __name__ == "__main__":
    main()
