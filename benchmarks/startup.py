"""Startup cost of ``kubectl karp --help`` as a ratio to ``python -c pass`` (aim: <= 3x).

Run: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _time(cmd: list[str], runs: int) -> float:
    """Median wall time of ``runs`` runs, after one warm-up (file cache, .pyc)."""
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    baseline = _time([sys.executable, "-c", "pass"], args.runs)
    rows = [("python -c pass", baseline)]
    for label, argv in (("kubectl karp --help", ["--help"]),
                        ("kubectl karp version --client", ["version", "--client"])):
        rows.append((label, _time([sys.executable, "-m", "kubectl_karp", *argv], args.runs)))
    print(f"{'command':34} {'median':>9} {'ratio':>7}")
    for label, seconds in rows:
        print(f"{label:34} {seconds * 1000:7.1f}ms {seconds / baseline:6.2f}x")
    ratio = rows[1][1] / baseline
    print(f"\n--help ratio {ratio:.2f}x (target <= 3.0x): {'ok' if ratio <= 3.0 else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
