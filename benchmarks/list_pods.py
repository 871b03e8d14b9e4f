"""Listing 10,000 pods and 2,000 nodes from the API emulator, against ``kubectl``.

The emulator (tests/emulator.py) runs in its own process so that it does not share a GIL
with the client being measured. Reference: ``kubectl get pods -A -o json`` against the same
emulator (and ``kubectl get nodes -o json``). Measured: ``kubectl karp snapshot -o json``
end to end (it lists pods, nodes, NodeClaims, NodePools and the rest, then builds the
model), and ``read_cluster`` alone in a fresh interpreter. Aim: ratio <= 1.0.

Run: python benchmarks/list_pods.py [--pods 10000] [--nodes 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KUBECTL = os.environ.get("KUBECTL", "kubectl")


def serve(pods: int, nodes: int, directory: str) -> None:
    """Child process: host the emulator until stdin closes."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.cluster_docs import big_cluster
    from tests.emulator import KubeEmulator

    with KubeEmulator(Path(directory)) as k8s:
        k8s.add_all(big_cluster(pods=pods, nodes=nodes))
        print(json.dumps({"kubeconfig": str(k8s.kubeconfig), "url": k8s.url}), flush=True)
        sys.stdin.read()


def _time(cmd: list[str], runs: int) -> tuple[float, str]:
    samples = []
    out = ""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        samples.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {result.stderr.strip()}")
        out = result.stdout
    return statistics.median(samples), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.pods, args.nodes, args.serve)
        return 0
    with tempfile.TemporaryDirectory() as directory:
        child = subprocess.Popen([sys.executable, __file__, "--serve", directory,
                                  "--pods", str(args.pods), "--nodes", str(args.nodes)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                 cwd=ROOT)
        try:
            assert child.stdout is not None
            kubeconfig = json.loads(child.stdout.readline())["kubeconfig"]
            kube = [KUBECTL, "--kubeconfig", kubeconfig]
            # Warm-up: kubectl caches discovery, Python writes .pyc files.
            _time([*kube, "get", "nodes", "-o", "name"], 1)
            t_pods, out = _time([*kube, "get", "pods", "-A", "-o", "json"], args.runs)
            assert len(json.loads(out)["items"]) == args.pods
            t_nodes, _ = _time([*kube, "get", "nodes", "-o", "json"], args.runs)
            karp = [sys.executable, "-m", "kubectl_karp", "snapshot", "-o", "json",
                    "--kubeconfig", kubeconfig, "--request-timeout", "120s"]
            t_snap, out = _time(karp, args.runs)
            kinds = [i["kind"] for i in json.loads(out)["items"]]
            assert kinds.count("Pod") == args.pods and kinds.count("Node") == args.nodes
            code = ("import sys, time\n"
                    "from kubectl_karp.cli.options import ClusterOptions\n"
                    "t = time.perf_counter()\n"
                    "from kubectl_karp.sources.live import read_cluster\n"
                    f"s = read_cluster(ClusterOptions(kubeconfig={kubeconfig!r}, "
                    "request_timeout=120))\n"
                    "print(time.perf_counter() - t)\n")
            reads = [float(_time([sys.executable, "-c", code], 1)[1]) for _ in range(args.runs)]
            t_read = statistics.median(reads)
        finally:
            if child.stdin:
                child.stdin.close()
            child.wait(30)
    print(f"emulator: {args.pods} pods, {args.nodes} nodes; median of {args.runs} runs")
    print(f"{'measurement':52} {'seconds':>8} {'ratio':>7}")
    rows = [("kubectl get pods -A -o json (reference)", t_pods),
            ("kubectl get nodes -o json", t_nodes),
            ("kubectl get pods + nodes (sum)", t_pods + t_nodes),
            ("kubectl karp snapshot -o json (end to end)", t_snap),
            ("read_cluster() incl. kubernetes import + model", t_read)]
    for label, seconds in rows:
        print(f"{label:52} {seconds:8.2f} {seconds / t_pods:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
