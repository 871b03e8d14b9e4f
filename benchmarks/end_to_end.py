"""Whole processes on a 50,000-pod snapshot file: ``simulate`` and ``snapshot`` against
``json.load`` of the same file, with peak memory; and ``simulate --demo``.

Each command runs in a fresh interpreter (start-up included, as a user meets it); figures are
CPU seconds (user + system, which a busy host distorts least) and the peak resident set
(``ru_maxrss``) from ``os.wait4``, best of ``--runs``. The reference is a process that does
nothing but ``json.load`` the file. Targets (issue 20): simulate ≤ 2× the reference, peak
memory ≤ 2.5× the file's size on disk, ``simulate --demo`` ≤ 100 ms.

Run: python benchmarks/end_to_end.py [--pods 50000] [--nodes 2500] [--pending 500] [--runs 2]
(with bytecode cached, as an installed package has it: unset PYTHONDONTWRITEBYTECODE, or set
PYTHONPYCACHEPREFIX to a writable directory)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))



def _run(argv: list[str], runs: int) -> tuple[float, float, float]:
    """(best CPU seconds, best wall seconds, peak RSS MiB) of ``argv`` in a fresh process."""
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cpu, wall, rss = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall.append(time.perf_counter() - start)
        errors = proc.stderr.read().decode() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        # simulate's exit status tells whether pods stay pending; only an error line fails.
        if os.waitstatus_to_exitcode(status) < 0 or "error:" in errors:
            raise SystemExit(f"{argv} failed: {errors}")
        cpu.append(usage.ru_utime + usage.ru_stime)
        rss.append(usage.ru_maxrss / 1024)  # KiB on Linux
    return min(cpu), min(wall), min(rss)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=50_000)
    parser.add_argument("--nodes", type=int, default=2_500)
    parser.add_argument("--pending", type=int, default=500)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--only", default="reference,simulate,snapshot,demo")
    parser.add_argument("--write", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        from benchmarks.cluster_docs import big_cluster
        from kubectl_karp.sources.listfile import write_list

        with open(args.write, "w", encoding="utf-8") as out:
            write_list(big_cluster(args.pods, args.nodes, pending=args.pending), "json", out)
        return 0
    wanted = args.only.split(",")
    py = sys.executable
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "cluster.json"
        # Written by a child process: ru_maxrss counts what a forked child inherits, so this
        # process must stay small for the other children's peaks to be their own.
        subprocess.run([sys.executable, __file__, "--write", str(path), "--pods",
                        str(args.pods), "--nodes", str(args.nodes), "--pending",
                        str(args.pending)], check=True, env={**os.environ,
                                                            "PYTHONPATH": str(ROOT)})
        size = path.stat().st_size / 2**20
        print(f"snapshot: {args.pods} pods ({args.pending} pending), {args.nodes} nodes, "
              f"{size:.1f} MiB JSON; best of {args.runs}")
        print(f"{'process':40} {'CPU s':>7} {'wall s':>7} {'peak MiB':>9} {'× ref':>6} "
              f"{'× size':>7}")
        rows = {
            "reference": [py, "-c", "import json,sys; json.load(open(sys.argv[1]))", str(path)],
            "simulate": [py, "-m", "kubectl_karp", "simulate", "--snapshot", str(path),
                         "-o", "json"],
            "snapshot": [py, "-m", "kubectl_karp", "snapshot", "--snapshot", str(path),
                         "-o", "json"],
            "demo": [py, "-m", "kubectl_karp", "simulate", "--demo"],
        }
        reference = None
        for name, argv in rows.items():
            if name not in wanted:
                continue
            cpu, wall, rss = _run(argv, args.runs)
            if name == "reference":
                reference = cpu
            ratio = f"{cpu / reference:5.2f}x" if reference else "     -"
            label = " ".join(a if a != str(path) else "FILE" for a in argv[1:])[:40]
            print(f"{label:40} {cpu:7.2f} {wall:7.2f} {rss:9.0f} {ratio:>6} "
                  f"{rss / size:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
