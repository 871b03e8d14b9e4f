"""TUI responsiveness on a large synthetic cluster (default 5,000 nodes, 50,000 pods).

Measures, in one run:
  reference      one pass over every pod summing CPU requests (the least any view does)
  views          all row models (nodes, NodeClaims, NodePools, pending) + arranging nodes
  UI apply       the UI thread's share: diffing the visible view into its DataTable
                 (headless app): the first fill (added in chunks of rows, one chunk per
                 event-loop turn: the longest the screen is busy, and the total), then a
                 snapshot with 1% of the nodes' pods changed
  watch rebuild  ObjectStore: first snapshot (parses everything) and after one change
  analysis       explain (pending pods) and the consolidation dry run, in a worker thread
  peak memory    tracemalloc peak while computing the views

Usage: python benchmarks/tui.py [--nodes 5000] [--pods-per-node 10]
Times are wall-clock; ratios are against the reference of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubectl_karp.core.context import build_context
from kubectl_karp.model.objects import Condition, Node, NodeClaim, NodePool, OwnerRef, Pod
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.render import views
from kubectl_karp.sources.live import ListSpec
from kubectl_karp.sources.watch import ObjectStore
from kubectl_karp.tui.app import create_app
from kubectl_karp.tui.sources import DataUpdate, StaticSource

NOW = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
GI = 2**30 * 1000


def synthetic(nodes: int, pods_per_node: int, pending: int = 200, salt: int = 0
              ) -> ClusterSnapshot:
    pools = tuple(NodePool(name=f"pool-{i}", limits={"cpu": 100_000_000}) for i in range(5))
    node_list, claims, pods = [], [], []
    for i in range(nodes):
        pool = f"pool-{i % 5}"
        labels = {"karpenter.sh/nodepool": pool, "node.kubernetes.io/instance-type":
                  "S5.LARGE8", "topology.kubernetes.io/zone": f"10000{3 + i % 3}",
                  "karpenter.sh/capacity-type": "on-demand"}
        ready = (Condition("Ready", "True"),)
        node_list.append(Node(name=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", labels=labels,
                              capacity={"cpu": 4000, "memory": 8 * GI, "pods": 61000},
                              allocatable={"cpu": 3920, "memory": 7 * GI, "pods": 61000},
                              provider_id=f"qcloud:///ins-{i}", conditions=ready,
                              creation_timestamp=NOW - timedelta(hours=i % 500)))
        claims.append(NodeClaim(name=f"{pool}-{i:06d}", labels=labels,
                                provider_id=f"qcloud:///ins-{i}", node_name=node_list[-1].name,
                                conditions=(Condition("Initialized", "True"),),
                                creation_timestamp=NOW - timedelta(hours=i % 500)))
        for j in range(pods_per_node):
            cpu = 100 + (j * 37 + i + (salt if i % 100 == 0 else 0)) % 400
            pods.append(Pod(namespace=f"ns-{j}", name=f"app-{i}-{j}", node_name=node_list[-1].name,
                            phase="Running", requests={"cpu": cpu, "memory": cpu * 2**20 * 1000,
                                                       "pods": 1000},
                            owner_refs=(OwnerRef("ReplicaSet", f"app-{j}", controller=True),),
                            creation_timestamp=NOW - timedelta(minutes=i % 900)))
    for k in range(pending):
        pods.append(Pod(namespace="batch", name=f"job-{k}", requests={"cpu": 8000, "pods": 1000},
                        owner_refs=(OwnerRef("Job", f"job-{k % 7}", controller=True),),
                        creation_timestamp=NOW - timedelta(minutes=k)))
    return ClusterSnapshot(source="synthetic", nodes=tuple(node_list), pods=tuple(pods),
                           node_pools=pools, node_claims=tuple(claims))


def timed(func: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def compute_views(ctx: Any) -> None:
    rows = views.node_rows(ctx)
    views.node_claim_rows(ctx)
    views.node_pool_rows(ctx, rows, NOW)
    views.pending_rows(ctx)
    views.arrange(rows, views.NODE_COLUMNS, NOW, sort_by="cpu")


def pod_doc(i: int, j: int, cpu: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"app-{i}-{j}", "namespace": f"ns-{j}",
                         "resourceVersion": str(cpu)},
            "spec": {"nodeName": f"n-{i}", "containers": [
                {"name": "c", "image": "x", "resources": {"requests": {"cpu": f"{cpu}m"}}}]},
            "status": {"phase": "Running"}}


async def ui_times(snap: ClusterSnapshot, changed: ClusterSnapshot
                   ) -> tuple[float, float, float]:
    """Seconds the UI thread spends applying every view: first fill, then an update.

    Row models are computed beforehand (the app does that in a worker thread).
    """
    empty = ClusterSnapshot(source="empty")
    app = create_app(StaticSource(empty, build_context(empty)), clock=lambda: NOW,
                     age_refresh=0)
    full, second = build_context(snap), build_context(changed)
    rows_full, rows_second = rows_of(full), rows_of(second)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        app._rows_ready(full, rows_full)
        first = time.perf_counter() - start
        app.workers.cancel_all()
        while app.table().filling:
            await pilot.pause()
        filled = time.perf_counter() - start
        await pilot.pause()
        start = time.perf_counter()
        app._rows_ready(second, rows_second)
        update = time.perf_counter() - start
        app.workers.cancel_all()
    return first, filled, update


def rows_of(ctx: Any) -> dict[str, Any]:
    rows = views.node_rows(ctx)
    return {"nodes": rows, "nodeclaims": views.node_claim_rows(ctx),
            "nodepools": views.node_pool_rows(ctx, rows, NOW),
            "pending": views.pending_rows(ctx)}


def app_message(update: DataUpdate) -> Any:
    from kubectl_karp.tui.app import Updated

    return Updated(update)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods-per-node", type=int, default=10)
    args = parser.parse_args()
    snap = synthetic(args.nodes, args.pods_per_node)
    changed = synthetic(args.nodes, args.pods_per_node, salt=50)
    ctx = build_context(snap)
    print(f"cluster: {len(snap.nodes)} nodes, {len(snap.pods)} pods")

    reference, _ = timed(lambda: sum(p.requests.get("cpu", 0) for p in snap.pods))
    reference = min(reference, *(timed(lambda: sum(p.requests.get("cpu", 0)
                                                   for p in snap.pods))[0] for _ in range(4)))
    fresh = build_context(synthetic(args.nodes, args.pods_per_node))
    view_time, _ = timed(lambda: compute_views(fresh))
    tracemalloc.start()
    compute_views(build_context(synthetic(args.nodes, args.pods_per_node)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ui_first, ui_filled, ui_update = asyncio.run(ui_times(snap, changed))

    spec = ListSpec("/api/v1/pods", "v1", "Pod", "pods", True)
    store = ObjectStore([spec], "bench")
    store.replace(spec, [pod_doc(i, j, 100 + j) for i in range(args.nodes)
                         for j in range(args.pods_per_node)])
    rebuild_first, _ = timed(store.snapshot)
    store.apply(spec, "MODIFIED", pod_doc(0, 0, 999))
    rebuild_one, _ = timed(store.snapshot)

    from kubectl_karp.core.disruption import plan_consolidation
    from kubectl_karp.core.explain import explain

    explain_time, _ = timed(lambda: explain(fresh))
    plan_time, _ = timed(lambda: plan_consolidation(fresh, NOW))

    def line(name: str, seconds: float) -> None:
        print(f"{name:<34}{seconds * 1000:9.1f} ms  {seconds / reference:8.1f}x reference")

    line("reference (sum pod requests)", reference)
    line("views (worker thread, all rows)", view_time)
    line("UI thread: first fill, one step", ui_first)
    line("first fill complete (chunked)", ui_filled)
    line("UI thread: apply (1% changed)", ui_update)
    line("watch: snapshot, first (parse all)", rebuild_first)
    line("watch: snapshot after 1 change", rebuild_one)
    line("analysis (worker): explain", explain_time)
    line("analysis (worker): consolidation", plan_time)
    print(f"{'peak memory computing views':<34}{peak / 2**20:9.1f} MiB")
    print(f"context build (not per frame)     {timed(lambda: build_context(snap))[0]*1000:9.1f} ms")
    del ctx


if __name__ == "__main__":
    main()
