"""Scheduling throughput, on upstream Karpenter's benchmark shape and on the project's own mix.

``--shape upstream`` (the default) reproduces kubernetes-sigs/karpenter
pkg/controllers/provisioning/scheduling/scheduling_benchmark_test.go (v1.14.0) exactly, so the
figures compare with Karpenter's:
- instance types: fake.InstanceTypes(400) — type i has i+1 vCPU, 2·(i+1) GiB and (i+1)·10
  pods; kube-reserved 100m CPU / 10Mi; five offerings (spot in test-zone-1/2, on-demand in
  test-zone-1/2/3), each priced fake.PriceFromResources: 0.1·vCPU + 0.1·memory bytes / 1e9;
- one NodePool with limits cpu 10,000,000 and memory 10,000,000Gi (setupScheduler);
- makeDiversePods(n): fifths of generic pods, zone topology spread, hostname topology spread
  (maxSkew 1, DoNotSchedule, a random my-label selector), zone pod affinity (random
  my-affininity label, self-selecting) and hostname anti-affinity (every pod app=nginx: ONE
  group), then the remainder generic; CPU from {100,250,500,1000,1500}m and memory from
  {100,256,512,1024,2048,4096}Mi at random. Go's math/rand stream (seed 42) is not reproduced:
  Python's random with seed 42 draws from the same choices.
Upstream's last valid published run (kubernetes-sigs/karpenter PR #1938): 1,000 pods 0.89 s,
10,000 pods 12.1 s, 20,000 pods 35.7 s (~560 pods/s).

``--shape mixed`` is the project's own mix (seven anti-affinity groups, 110 pods per node, six
offerings, no limits), kept for continuity with earlier figures and used by the exactness test
of the scheduler's shortcuts (tests/scheduling/test_fast_paths.py).

Reports pods per CPU-second, NodeClaims created, the peak memory the run allocated
(tracemalloc, a second, separate run), and time per pod relative to the first size (the growth
reference measured in the same run: it stays near 1 when cost grows linearly).

    python benchmarks/scheduling.py                 # upstream shape, 100 … 20,000 pods
    python benchmarks/scheduling.py --shape mixed --pods 1000 5000 --no-memory
    python benchmarks/scheduling.py --consolidation
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubectl_karp.core.context import NodePoolContext, SchedulingContext
from kubectl_karp.core.scheduling import simulate
from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import (
    LabelSelector,
    NodePool,
    ObjectRef,
    Pod,
    PodAffinityTerm,
    TopologySpreadConstraint,
)
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.providers.base import CORE_WELL_KNOWN_LABELS

GI = 2**30 * 1000
MI = 2**20 * 1000
ZONES = ("test-zone-1", "test-zone-2", "test-zone-3")
LABEL_VALUES = ("a", "b", "c", "d", "e", "f", "g")
CPU_CHOICES = (100, 250, 500, 1000, 1500)
MEMORY_CHOICES = (100, 256, 512, 1024, 2048, 4096)
ZONE_KEY = "topology.kubernetes.io/zone"
HOST_KEY = "kubernetes.io/hostname"


def instance_types(count: int = 400) -> tuple[InstanceType, ...]:
    types = []
    for i in range(count):
        cpu, mem = i + 1, 2 * (i + 1)
        price = 0.1 * cpu + 0.1 * mem
        offerings = tuple(Offering(zone=z, capacity_type=ct,
                                   price_per_hour=price * (0.7 if ct == "spot" else 1.0))
                          for z in ZONES for ct in ("spot", "on-demand"))
        types.append(InstanceType(
            name=f"fake-it-{i}",
            labels={"node.kubernetes.io/instance-type": f"fake-it-{i}",
                    "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux"},
            capacity={"cpu": cpu * 1000, "memory": mem * GI, "pods": 110_000},
            allocatable={"cpu": cpu * 1000 - 100, "memory": mem * GI - 10 * MI,
                         "pods": 110_000},
            offerings=offerings))
    return tuple(types)


def context(types: tuple[InstanceType, ...]) -> SchedulingContext:
    pool = NodePool(name="default", node_class_ref=ObjectRef("karpenter.k8s.tke",
                                                             "TKEMachineNodeClass", "default"))
    npc = NodePoolContext(node_pool=pool, node_class=None, provider="generic",
                          instance_types=types, problems=(),
                          allow_undefined_labels=CORE_WELL_KNOWN_LABELS)
    return SchedulingContext(snapshot=ClusterSnapshot(source="benchmark"), node_pools=(npc,),
                             catalog_source="synthetic", prices_known=True,
                             illustrative_prices=False, zone_names={})


def _selector(key: str, rng: random.Random) -> LabelSelector:
    return LabelSelector(match_labels=((key, rng.choice(LABEL_VALUES)),))


def make_pods(count: int, seed: int = 42) -> list[Pod]:
    rng = random.Random(seed)
    pods = []
    fifth = count // 5
    for i in range(count):
        kind = min(i // max(fifth, 1), 4)
        labels = {"my-label": rng.choice(LABEL_VALUES)}
        extra: dict[str, Any] = {}
        if kind == 1 or kind == 2:
            extra["topology_spread"] = (TopologySpreadConstraint(
                max_skew=1, topology_key=ZONE_KEY if kind == 1 else HOST_KEY,
                when_unsatisfiable="DoNotSchedule",
                label_selector=_selector("my-label", rng)),)
        elif kind == 3:
            value = rng.choice(LABEL_VALUES)
            labels = {"my-affininity": value}
            extra["pod_affinity"] = (PodAffinityTerm(
                topology_key=ZONE_KEY,
                label_selector=LabelSelector(match_labels=(("my-affininity", value),))),)
        elif kind == 4:
            value = rng.choice(LABEL_VALUES)
            labels = {"my-anti-affininity": value}
            extra["pod_anti_affinity"] = (PodAffinityTerm(
                topology_key=HOST_KEY,
                label_selector=LabelSelector(match_labels=(("my-anti-affininity", value),))),)
        requests = {"cpu": rng.choice(CPU_CHOICES), "memory": rng.choice(MEMORY_CHOICES) * MI,
                    "pods": 1000}
        pods.append(Pod(namespace="default", name=f"pod-{i}", uid=f"{i:08d}", labels=labels,
                        requests=requests, **extra))
    return pods


# ------------------------------------------------------------------ upstream's exact shape

UPSTREAM_CPU_MILLI = (100, 250, 500, 1000, 1500)
UPSTREAM_MEMORY_MI = (100, 256, 512, 1024, 2048, 4096)
UPSTREAM_OFFERINGS = (("spot", "test-zone-1"), ("spot", "test-zone-2"),
                      ("on-demand", "test-zone-1"), ("on-demand", "test-zone-2"),
                      ("on-demand", "test-zone-3"))


def upstream_instance_types(count: int = 400) -> tuple[InstanceType, ...]:
    """fake.InstanceTypes(count) with fake.NewInstanceType's offerings and overhead."""
    types = []
    for i in range(count):
        cpu, mem_gi, pods = i + 1, 2 * (i + 1), (i + 1) * 10
        price = 0.1 * cpu + 0.1 * (mem_gi * 2**30) / 1e9  # fake.PriceFromResources
        offerings = tuple(Offering(zone=zone, capacity_type=ctype, price_per_hour=price)
                          for ctype, zone in UPSTREAM_OFFERINGS)
        capacity = {"cpu": cpu * 1000, "memory": mem_gi * GI, "pods": pods * 1000}
        types.append(InstanceType(
            name=f"fake-it-{i}",
            labels={"node.kubernetes.io/instance-type": f"fake-it-{i}",
                    "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux"},
            capacity=capacity,
            allocatable={"cpu": cpu * 1000 - 100, "memory": mem_gi * GI - 10 * MI,
                         "pods": pods * 1000},
            offerings=offerings))
    return tuple(types)


def upstream_context(types: tuple[InstanceType, ...]) -> SchedulingContext:
    """setupScheduler: one NodePool limited to 10,000,000 CPU and 10,000,000Gi."""
    pool = NodePool(name="default",
                    node_class_ref=ObjectRef("karpenter.k8s.tke", "TKEMachineNodeClass",
                                             "default"),
                    limits={"cpu": 10_000_000 * 1000, "memory": 10_000_000 * GI})
    npc = NodePoolContext(node_pool=pool, node_class=None, provider="generic",
                          instance_types=types, problems=(),
                          allow_undefined_labels=CORE_WELL_KNOWN_LABELS)
    return SchedulingContext(snapshot=ClusterSnapshot(source="benchmark"), node_pools=(npc,),
                             catalog_source="synthetic", prices_known=True,
                             illustrative_prices=False, zone_names={})


def make_upstream_pods(count: int, seed: int = 42) -> list[Pod]:
    """makeDiversePods(count): five kinds of count//5 pods each, the remainder generic."""
    rng = random.Random(seed)
    fifth = count // 5
    pods: list[Pod] = []

    def value() -> str:
        return rng.choice(LABEL_VALUES)

    def add(labels: dict[str, str], **extra: Any) -> None:
        index = len(pods)
        requests = {"cpu": rng.choice(UPSTREAM_CPU_MILLI),
                    "memory": rng.choice(UPSTREAM_MEMORY_MI) * MI, "pods": 1000}
        pods.append(Pod(namespace="default", name=f"pod-{index}", uid=f"{index:08d}",
                        labels=labels, requests=requests, **extra))

    for _ in range(fifth):  # makeGenericPods
        add({"my-label": value()})
    for key in (ZONE_KEY, HOST_KEY):  # makeTopologySpreadPods
        for _ in range(fifth):
            labels = {"my-label": value()}
            spread = TopologySpreadConstraint(
                max_skew=1, topology_key=key, when_unsatisfiable="DoNotSchedule",
                label_selector=LabelSelector(match_labels=(("my-label", value()),)))
            add(labels, topology_spread=(spread,))
    for _ in range(fifth):  # makePodAffinityPods(zone)
        labels = {"my-affininity": value()}
        add(labels, pod_affinity=(PodAffinityTerm(
            topology_key=ZONE_KEY,
            label_selector=LabelSelector(match_labels=tuple(labels.items()))),))
    nginx = LabelSelector(match_labels=(("app", "nginx"),))
    for _ in range(fifth):  # makePodAntiAffinityPods(hostname): one group
        add({"app": "nginx"},
            pod_anti_affinity=(PodAffinityTerm(topology_key=HOST_KEY, label_selector=nginx),))
    for _ in range(count - len(pods)):
        add({"my-label": value()})
    return pods


SHAPES = {"upstream": (upstream_instance_types, upstream_context, make_upstream_pods),
          "mixed": (instance_types, context, make_pods)}


def run(count: int, ctx: SchedulingContext, measure_memory: bool,
        shape: str = "mixed") -> dict[str, float]:
    pods = SHAPES[shape][2](count)
    gc.collect()
    start = time.perf_counter()
    cpu_start = time.process_time()
    result = simulate(ctx, pods)
    cpu = time.process_time() - cpu_start
    elapsed = time.perf_counter() - start
    # CPU time is what a busy, shared host distorts least; wall time is shown beside it.
    out = {"pods": count, "seconds": elapsed, "cpu_seconds": cpu,
           "pods_per_second": count / max(cpu, 1e-9),
           "node_claims": len(result.node_claims), "pending": len(result.unschedulable)}
    if measure_memory:
        gc.collect()
        tracemalloc.start()
        simulate(ctx, pods)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["peak_mib"] = peak / 2**20
    return out


def consolidation_case(nodes: int = 1000, pods_per_node: int = 20,
                       candidates: int = 50) -> float:
    """Milliseconds per ``simulate`` call of the shape consolidation makes: one candidate
    node's pods rescheduled onto the rest of a ``nodes``-node cluster."""
    from dataclasses import replace

    from kubectl_karp.model.objects import Condition, Node

    node_list, pod_list = [], []
    for n in range(nodes):
        name = f"node-{n:04d}"
        node_list.append(Node(
            name=name, labels={HOST_KEY: name, ZONE_KEY: ZONES[n % 3],
                               "node.kubernetes.io/instance-type": "fake-it-7",
                               "karpenter.sh/nodepool": "default",
                               "karpenter.sh/initialized": "true"},
            allocatable={"cpu": 7900, "memory": 16 * GI, "pods": 110_000},
            capacity={"cpu": 8000, "memory": 16 * GI, "pods": 110_000},
            conditions=(Condition("Ready", "True"),)))
        for p in range(pods_per_node):
            pod_list.append(Pod(namespace="default", name=f"p-{n}-{p}", uid=f"u-{n}-{p}",
                                node_name=name, phase="Running", labels={"app": f"a{p % 5}"},
                                requests={"cpu": 250, "memory": GI // 2, "pods": 1000}))
    snapshot = ClusterSnapshot(nodes=tuple(node_list), pods=tuple(pod_list))
    ctx = replace(context(instance_types(60)), snapshot=snapshot)
    simulate(ctx, [])  # the first call builds the per-context caches, as consolidate's does
    start = time.process_time()
    for node in node_list[:candidates]:
        moved = [replace(p, node_name="") for p in snapshot.pods_by_node[node.name]]
        result = simulate(ctx, moved, exclude_nodes=frozenset({node.name}))
        assert not result.unschedulable and not result.node_claims
    return (time.process_time() - start) / candidates * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, nargs="+",
                        default=[100, 500, 1000, 2000, 5000, 10000, 20000])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="upstream",
                        help="upstream: Karpenter's scheduling_benchmark_test.go exactly; "
                             "mixed: the project's own mix")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    parser.add_argument("--consolidation", action="store_true",
                        help="also time consolidation-shaped calls on a 1,000-node cluster")
    args = parser.parse_args(argv)
    make_types, make_context, make = SHAPES[args.shape]
    ctx = make_context(make_types())
    simulate(ctx, make(50))  # warm caches shared by every run (requirement algebra)
    print(f"shape: {args.shape}")
    base: float | None = None
    print(f"{'pods':>7} {'wall s':>8} {'CPU s':>8} {'pods/CPU s':>10} {'claims':>7} "
          f"{'pending':>7} {'peak MiB':>9} {'per-pod cost vs first':>22}")
    for count in args.pods:
        row = run(count, ctx, not args.no_memory, args.shape)
        per_pod = row["cpu_seconds"] / count
        base = base or per_pod
        peak = f"{row['peak_mib']:9.1f}" if "peak_mib" in row else f"{'-':>9}"
        print(f"{count:>7} {row['seconds']:8.3f} {row['cpu_seconds']:8.3f} "
              f"{row['pods_per_second']:10.0f} {row['node_claims']:>7} {row['pending']:>7} "
              f"{peak} {per_pod / base:22.2f}")
    if args.consolidation:
        ms = consolidation_case()
        print(f"consolidation-shaped simulate (1,000 nodes, 20,000 bound pods, one candidate's "
              f"20 pods): {ms:.1f} ms CPU per call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
