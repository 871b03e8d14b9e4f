"""Generated Kubernetes documents for live-source tests and benchmarks: a small TKE cluster."""

from __future__ import annotations

from typing import Any

ZONES = ("ap-guangzhou-3", "ap-guangzhou-4", "ap-guangzhou-6")
# What a live read notes when the emulated cluster has neither a Karpenter controller
# Deployment nor a NodePool CRD object to tell its release (small_cluster() has neither).
NO_VERSION_NOTE = ("Karpenter version not detected (no Karpenter controller Deployment was "
                   "found; the NodePool CRD object was not found): following the rules of the "
                   "newest supported release, v1.14 (choose another with --karpenter-version)")
CREATED = "2026-01-10T08:00:00Z"


def node(i: int, *, pool: str = "default", instance_type: str = "SA5.2XLARGE16") -> dict[str, Any]:
    zone = ZONES[i % len(ZONES)]
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": f"10.0.{i // 250}.{i % 250}", "creationTimestamp": CREATED,
            "labels": {"karpenter.sh/nodepool": pool,
                       "node.kubernetes.io/instance-type": instance_type,
                       "topology.kubernetes.io/zone": zone,
                       "karpenter.sh/capacity-type": "on-demand",
                       "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux"},
            "managedFields": [{"manager": "kubelet", "operation": "Update"}],
        },
        "spec": {"providerID": f"qcloud:///{i}/ins-{i:08d}"},
        "status": {"capacity": {"cpu": "8", "memory": "16Gi", "pods": "61"},
                   "allocatable": {"cpu": "7900m", "memory": "14Gi", "pods": "61"},
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }


def pod(i: int, *, node_name: str | None = None, namespace: str = "default",
        phase: str = "Running", cpu: str = "250m", memory: str = "256Mi") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"web-{i}", "namespace": namespace, "labels": {"app": "web"},
                     "creationTimestamp": CREATED,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                          "name": "web-5d8f", "uid": "rs-1",
                                          "controller": True}],
                     "managedFields": [{"manager": "kube-scheduler"}]},
        "spec": {"containers": [{"name": "app", "image": "nginx",
                                 "resources": {"requests": {"cpu": cpu, "memory": memory}}}]},
        "status": {"phase": phase},
    }
    if node_name:
        doc["spec"]["nodeName"] = node_name
    else:
        doc["status"]["conditions"] = [{"type": "PodScheduled", "status": "False",
                                        "reason": "Unschedulable"}]
    return doc


def node_pool(name: str = "default", *, node_class: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool",
        "metadata": {"name": name, "creationTimestamp": CREATED},
        "spec": {
            "template": {"spec": {
                "nodeClassRef": {"group": "karpenter.k8s.tke", "kind": "TKEMachineNodeClass",
                                 "name": node_class},
                "requirements": [{"key": "karpenter.sh/capacity-type", "operator": "In",
                                  "values": ["on-demand"]}]}},
            "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized",
                           "consolidateAfter": "5m"},
            "limits": {"cpu": "1000"},
        },
    }


def node_claim(i: int, *, pool: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
        "metadata": {"name": f"{pool}-{i:05d}", "labels": {"karpenter.sh/nodepool": pool},
                     "creationTimestamp": CREATED},
        "spec": {"nodeClassRef": {"group": "karpenter.k8s.tke",
                                  "kind": "TKEMachineNodeClass", "name": "default"},
                 "requirements": []},
        "status": {"providerID": f"qcloud:///{i}/ins-{i:08d}",
                   "nodeName": f"10.0.{i // 250}.{i % 250}"},
    }


def node_class(name: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "karpenter.k8s.tke/v1beta1", "kind": "TKEMachineNodeClass",
        "metadata": {"name": name},
        "spec": {"subnetSelectorTerms": [{"id": "subnet-12345678"}],
                 "securityGroupSelectorTerms": [{"id": "sg-12345678"}]},
    }


def small_cluster() -> list[dict[str, Any]]:
    """Three nodes, a few running pods, two pending, one NodePool, claims and a node class."""
    nodes = [node(i) for i in range(3)]
    pods = [pod(i, node_name=nodes[i % 3]["metadata"]["name"]) for i in range(6)]
    pods += [pod(100 + i, cpu="2") for i in range(2)]
    pods.append(pod(200, node_name=nodes[0]["metadata"]["name"], phase="Succeeded"))
    extras: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": "default", "labels": {"kubernetes.io/metadata.name": "default"},
                      "annotations": {"big": "x"}}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
         "metadata": {"name": "web", "namespace": "default"},
         "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace":
                                                               "default"},
         "data": {"k": "v"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"},
         "data": {"password": "c2VjcmV0"}},
    ]
    return [*nodes, *pods, node_pool(), *(node_claim(i) for i in range(3)), node_class(),
            *extras]


def big_cluster(pods: int, nodes: int) -> list[dict[str, Any]]:
    """``nodes`` nodes with ``pods`` pods spread over them, one NodePool and its claims."""
    node_docs = [node(i) for i in range(nodes)]
    names = [n["metadata"]["name"] for n in node_docs]
    pod_docs = [pod(i, node_name=names[i % nodes], namespace=f"team-{i % 40}")
                for i in range(pods)]
    return [*node_docs, *pod_docs, node_pool(), *(node_claim(i) for i in range(nodes)),
            node_class()]
