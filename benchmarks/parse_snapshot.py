"""Reading a 50,000-pod snapshot file (``--snapshot``) into the model.

Writes the file with ``kubectl karp snapshot``'s own writer (JSON and YAML), then times
(CPU seconds) ``sources.files.load_paths`` against the reference of merely deserialising the
same file (``json.load``; ``yaml.load`` with libyaml's CSafeLoader), measured in the same run.

Run: python benchmarks/parse_snapshot.py [--pods 50000] [--nodes 2500] [--formats json,yaml]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cluster_docs import big_cluster  # noqa: E402
from kubectl_karp.sources.files import load_paths  # noqa: E402
from kubectl_karp.sources.listfile import write_list  # noqa: E402

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _best(func: Any, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.process_time()  # CPU time: a busy host distorts it least
        func()
        samples.append(time.process_time() - start)
    return min(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=50_000)
    parser.add_argument("--nodes", type=int, default=2_500)
    parser.add_argument("--formats", default="json,yaml")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    docs = big_cluster(pods=args.pods, nodes=args.nodes)
    print(f"snapshot: {args.pods} pods, {args.nodes} nodes, {len(docs)} objects; "
          f"best of {args.runs}")
    print(f"{'format':6} {'size':>9} {'deserialise':>12} {'load_paths':>11} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as directory:
        for fmt in args.formats.split(","):
            path = Path(directory) / f"cluster.{fmt}"
            with path.open("w", encoding="utf-8") as out:
                write_list(docs, fmt, out)
            text = path.read_text(encoding="utf-8")
            if fmt == "json":
                reference = _best(lambda p=path: json.loads(p.read_text(encoding="utf-8")),
                                  args.runs)
            else:
                reference = _best(lambda t=text: list(yaml.load_all(t, Loader=_LOADER)),
                                  args.runs)
            snap = load_paths([str(path)])
            assert len(snap.pods) == args.pods and len(snap.nodes) == args.nodes
            ours = _best(lambda p=path: load_paths([str(p)]), args.runs)
            size = f"{len(text) / 2**20:.0f} MiB"
            print(f"{fmt:6} {size:>9} {reference:11.2f}s {ours:10.2f}s "
                  f"{ours / reference:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
