"""Memory the live TUI holds at 5,000 nodes / 50,000 pods (issue 20: target <= 600 MB).

Builds the picture the way ``kubectl karp tui`` does against a live cluster: the API's list
pages (500 objects each, decoded with ``json.loads`` as the live source decodes them) go into
the watch store (``sources.watch.ObjectStore.replace``), the store publishes a snapshot,
the TUI's source builds its context and the worker computes every view's rows. Documents
look like what an API server returns (managed fields, status, probes, volumes…) so that the
raw documents weigh what they weigh on a real cluster.

Reported: Python heap (tracemalloc) held after each step, the peak (tracing itself slows
the run down several times), and the process's maximum resident set size. The figure to
compare with the target is the peak and "held" after the last step (RSS adds the
interpreter, the imported libraries and the allocator's slack).

Usage: python benchmarks/tui_memory.py [--nodes 5000] [--pods-per-node 10]
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubectl_karp.core.context import build_context
from kubectl_karp.render import views
from kubectl_karp.sources.live import CORE_LISTS, ListSpec
from kubectl_karp.sources.watch import ObjectStore

NOW = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
PAGE = 500  # the live source lists with limit=500
CREATED = "2026-11-01T08:00:00Z"
NODES = next(s for s in CORE_LISTS if s.kind == "Node")
PODS = next(s for s in CORE_LISTS if s.kind == "Pod")
NODE_POOLS = ListSpec("/apis/karpenter.sh/v1/nodepools", "karpenter.sh/v1", "NodePool",
                      "nodepools.karpenter.sh", True)
NODE_CLAIMS = ListSpec("/apis/karpenter.sh/v1/nodeclaims", "karpenter.sh/v1", "NodeClaim",
                       "nodeclaims.karpenter.sh", True)


def node_name(i: int) -> str:
    return f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"


def node_doc(i: int) -> dict[str, Any]:
    pool = f"pool-{i % 5}"
    return {
        "metadata": {
            "name": node_name(i), "uid": f"6f1c2d3e-0000-4000-8000-{i:012d}",
            "resourceVersion": str(100000 + i), "creationTimestamp": CREATED,
            "labels": {"karpenter.sh/nodepool": pool, "karpenter.sh/initialized": "true",
                       "karpenter.sh/registered": "true",
                       "node.kubernetes.io/instance-type": "S5.LARGE8",
                       "topology.kubernetes.io/zone": f"ap-guangzhou-{3 + i % 3}",
                       "topology.kubernetes.io/region": "ap-guangzhou",
                       "karpenter.sh/capacity-type": "on-demand",
                       "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux",
                       "kubernetes.io/hostname": node_name(i)},
            "annotations": {"karpenter.sh/nodepool-hash": "1234567890123456789",
                            "node.alpha.kubernetes.io/ttl": "0"},
            "ownerReferences": [{"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
                                 "name": f"{pool}-{i:06d}", "uid": f"claim-{i}",
                                 "blockOwnerDeletion": True}],
            "managedFields": [{"manager": "kubelet", "operation": "Update",
                               "fieldsV1": {"f:status": {"f:conditions": {}}}}],
        },
        "spec": {"providerID": f"qcloud:///100003/ins-{i:08d}", "podCIDR": "172.16.0.0/26"},
        "status": {
            "capacity": {"cpu": "4", "memory": "8008340Ki", "pods": "61",
                         "ephemeral-storage": "51473868Ki"},
            "allocatable": {"cpu": "3920m", "memory": "6960788Ki", "pods": "61",
                            "ephemeral-storage": "47438316671"},
            "conditions": [{"type": t, "status": "False" if t != "Ready" else "True",
                            "lastHeartbeatTime": CREATED, "lastTransitionTime": CREATED,
                            "reason": f"Kubelet{t}", "message": f"kubelet reports {t}"}
                           for t in ("MemoryPressure", "DiskPressure", "PIDPressure",
                                     "Ready")],
            "addresses": [{"type": "InternalIP", "address": node_name(i)},
                          {"type": "Hostname", "address": node_name(i)}],
            "nodeInfo": {"kubeletVersion": "v1.30.0-tke.5", "containerRuntimeVersion":
                         "containerd://1.6.9", "osImage": "TencentOS Server 3.1",
                         "kernelVersion": "5.4.119", "architecture": "amd64",
                         "operatingSystem": "linux", "machineID": f"{i:032x}",
                         "systemUUID": f"{i:032x}", "bootID": f"{i:032x}"},
            "images": [{"names": [f"ccr.ccs.tencentyun.com/library/app-{k}:v1"],
                        "sizeBytes": 10_000_000 + k} for k in range(6)],
        },
    }


def claim_doc(i: int) -> dict[str, Any]:
    pool = f"pool-{i % 5}"
    return {
        "metadata": {"name": f"{pool}-{i:06d}", "uid": f"claim-{i}",
                     "resourceVersion": str(200000 + i), "creationTimestamp": CREATED,
                     "labels": {"karpenter.sh/nodepool": pool,
                                "node.kubernetes.io/instance-type": "S5.LARGE8",
                                "topology.kubernetes.io/zone": f"ap-guangzhou-{3 + i % 3}",
                                "karpenter.sh/capacity-type": "on-demand"}},
        "spec": {"nodeClassRef": {"group": "karpenter.k8s.tke", "kind": "TKEMachineNodeClass",
                                  "name": "default"},
                 "requirements": [{"key": "karpenter.sh/nodepool", "operator": "In",
                                   "values": [pool]}]},
        "status": {"providerID": f"qcloud:///100003/ins-{i:08d}", "nodeName": node_name(i),
                   "capacity": {"cpu": "4", "memory": "8Gi", "pods": "61"},
                   "allocatable": {"cpu": "3920m", "memory": "7Gi", "pods": "61"},
                   "conditions": [{"type": t, "status": "True", "reason": t,
                                   "lastTransitionTime": CREATED}
                                  for t in ("Launched", "Registered", "Initialized",
                                            "Ready")]},
    }


def pool_doc(i: int) -> dict[str, Any]:
    return {"metadata": {"name": f"pool-{i}", "resourceVersion": str(i + 1)},
            "spec": {"template": {"spec": {
                "nodeClassRef": {"group": "karpenter.k8s.tke", "kind": "TKEMachineNodeClass",
                                 "name": "default"},
                "requirements": [{"key": "karpenter.sh/capacity-type", "operator": "In",
                                  "values": ["on-demand"]}]}},
                     "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized",
                                    "consolidateAfter": "5m"},
                     "limits": {"cpu": "100000"}}}


def pod_doc(i: int, j: int, pending: bool = False) -> dict[str, Any]:
    cpu = 100 + (j * 37 + i) % 400
    name = f"app-{j}-7c9d6b5f4-{i:05d}"
    container: dict[str, Any] = {
        "name": "app", "image": f"ccr.ccs.tencentyun.com/team/app-{j}:v1.2.3",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                                "fieldPath": "metadata.name"}}},
                {"name": "LOG_LEVEL", "value": "info"}],
        "resources": {"requests": {"cpu": f"{cpu}m", "memory": f"{cpu * 2}Mi"},
                      "limits": {"memory": f"{cpu * 4}Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                           "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
                           "failureThreshold": 3},
        "volumeMounts": [{"name": "kube-api-access", "readOnly": True,
                          "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    doc: dict[str, Any] = {
        "metadata": {
            "name": name, "generateName": f"app-{j}-7c9d6b5f4-", "namespace": f"ns-{j}",
            "uid": f"0b5e6f70-{j:04d}-4000-8000-{i:012d}", "resourceVersion": str(10 ** 6 + i),
            "creationTimestamp": CREATED,
            "labels": {"app": f"app-{j}", "pod-template-hash": "7c9d6b5f4"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                 "name": f"app-{j}-7c9d6b5f4", "uid": f"rs-{j}",
                                 "controller": True, "blockOwnerDeletion": True}],
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update",
                               "fieldsV1": {"f:metadata": {"f:labels": {}}}},
                              {"manager": "kubelet", "operation": "Update", "subresource":
                               "status", "fieldsV1": {"f:status": {"f:conditions": {}}}}],
        },
        "spec": {
            "containers": [container], "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default", "serviceAccount": "default",
            "schedulerName": "default-scheduler", "priority": 0,
            "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority",
            "securityContext": {},
            "tolerations": [{"key": f"node.kubernetes.io/{t}", "operator": "Exists",
                             "effect": "NoExecute", "tolerationSeconds": 300}
                            for t in ("not-ready", "unreachable")],
            "volumes": [{"name": "kube-api-access", "projected": {
                "defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt",
                                   "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                        "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}],
        },
        "status": {"phase": "Pending", "qosClass": "Burstable"},
    }
    if pending:
        doc["status"]["conditions"] = [{"type": "PodScheduled", "status": "False",
                                        "reason": "Unschedulable", "lastTransitionTime":
                                        CREATED, "message": "0/5000 nodes are available"}]
        container["resources"]["requests"]["cpu"] = "8"
        return doc
    doc["spec"]["nodeName"] = node_name(i)
    doc["status"] = {
        "phase": "Running", "qosClass": "Burstable", "hostIP": node_name(i),
        "podIP": f"172.16.{i % 256}.{j}", "podIPs": [{"ip": f"172.16.{i % 256}.{j}"}],
        "startTime": CREATED,
        "conditions": [{"type": t, "status": "True", "lastProbeTime": None,
                        "lastTransitionTime": CREATED}
                       for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
        "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0,
                               "started": True, "image": container["image"],
                               "imageID": f"ccr.ccs.tencentyun.com/team/app-{j}@sha256:"
                                          + "0" * 64,
                               "containerID": f"containerd://{i:032x}{j:032x}",
                               "state": {"running": {"startedAt": CREATED}},
                               "lastState": {}}],
    }
    return doc


def listed(store: ObjectStore, spec: ListSpec, make: Callable[[int], dict[str, Any]],
           count: int) -> None:
    """List ``count`` objects into the store as the live source does: page by page, each
    page decoded on its own (``json.loads``, as the API client does) and made compact as
    it arrives (``ObjectStore.prepare``), then the whole list replaces the collection."""
    docs: list[dict[str, Any]] = []
    for start in range(0, count, PAGE):
        page = json.loads(json.dumps([make(k) for k in range(start, min(start + PAGE, count))]))
        docs.extend(store.prepare(spec, page))
    store.replace(spec, docs, prepared=True)


def held() -> float:
    gc.collect()
    return tracemalloc.get_traced_memory()[0] / 2**20 if tracemalloc.is_tracing() else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods-per-node", type=int, default=10)
    parser.add_argument("--pending", type=int, default=200)
    parser.add_argument("--rss-only", action="store_true",
                        help="no tracemalloc (it costs memory and time of its own): only the "
                             "process's maximum resident set size")
    args = parser.parse_args()
    n = args.nodes
    if not args.rss_only:
        tracemalloc.start()
    base = held()
    steps: list[tuple[str, float]] = []
    store = ObjectStore([NODES, PODS, NODE_POOLS, NODE_CLAIMS], "bench")
    per_node = args.pods_per_node
    started = time.perf_counter()
    listed(store, NODE_POOLS, pool_doc, 5)
    listed(store, NODES, node_doc, n)
    listed(store, NODE_CLAIMS, claim_doc, n)
    listed(store, PODS, lambda k: pod_doc(k // per_node, k % per_node) if k < n * per_node
           else pod_doc(k - n * per_node, 99, pending=True), n * per_node + args.pending)
    list_seconds = time.perf_counter() - started
    steps.append(("watch store: documents", held() - base))
    snap = store.snapshot()
    steps.append(("+ published snapshot (parsed)", held() - base))
    ctx = build_context(snap)
    steps.append(("+ scheduling context", held() - base))
    node_rows = views.with_dry_run(views.node_rows(ctx), None)
    rows = (node_rows, views.node_claim_rows(ctx), views.node_pool_rows(ctx, node_rows, NOW),
            views.pending_rows(ctx))
    steps.append(("+ every view's rows", held() - base))
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if tracemalloc.is_tracing() else 0.0
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"cluster: {len(snap.nodes)} nodes, {len(snap.node_claims)} NodeClaims, "
          f"{len(snap.pods)} pods")
    if not args.rss_only:
        for name, mib in steps:
            print(f"{name:<34}{mib:9.1f} MiB held")
        print(f"{'peak (tracemalloc)':<34}{peak:9.1f} MiB")
    print(f"{'max RSS (whole process)':<34}{rss:9.1f} MiB")
    print(f"{'listing into the store (CPU+wall)':<34}{list_seconds:9.1f} s")
    del rows, ctx, snap, store


if __name__ == "__main__":
    main()
