"""Generated Kubernetes documents for the benchmarks: a TKE-shaped cluster of any size.

The benchmarks carry their own data (they do not import tests/): nodes of one instance type
spread over three zones, pods of a ReplicaSet spread over them in 40 namespaces (``pending``
of them unbound, so ``simulate`` has something to place), one NodePool with a CPU limit, a
NodeClaim per node and the TKE node class.
"""

from __future__ import annotations

from typing import Any

ZONES = ("ap-guangzhou-3", "ap-guangzhou-4", "ap-guangzhou-6")
CREATED = "2026-01-10T08:00:00Z"


def node(i: int, *, pool: str = "default", instance_type: str = "SA5.2XLARGE16") -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": node_name(i), "creationTimestamp": CREATED,
            "labels": {"karpenter.sh/nodepool": pool,
                       "node.kubernetes.io/instance-type": instance_type,
                       "topology.kubernetes.io/zone": ZONES[i % len(ZONES)],
                       "karpenter.sh/capacity-type": "on-demand",
                       "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux"},
        },
        "spec": {"providerID": f"qcloud:///{i}/ins-{i:08d}"},
        "status": {"capacity": {"cpu": "8", "memory": "16Gi", "pods": "61"},
                   "allocatable": {"cpu": "7900m", "memory": "14Gi", "pods": "61"},
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }


def node_name(i: int) -> str:
    return f"10.0.{i // 250}.{i % 250}"


def pod(i: int, *, bound_to: str | None, namespace: str = "default", cpu: str = "250m",
        memory: str = "256Mi") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"web-{i}", "namespace": namespace, "labels": {"app": "web"},
                     "creationTimestamp": CREATED,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                          "name": "web-5d8f", "uid": "rs-1",
                                          "controller": True}]},
        "spec": {"containers": [{"name": "app", "image": "nginx",
                                 "resources": {"requests": {"cpu": cpu, "memory": memory}}}]},
        "status": {"phase": "Running" if bound_to else "Pending"},
    }
    if bound_to:
        doc["spec"]["nodeName"] = bound_to
    else:
        doc["status"]["conditions"] = [{"type": "PodScheduled", "status": "False",
                                        "reason": "Unschedulable"}]
    return doc


def node_pool(name: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool",
        "metadata": {"name": name, "creationTimestamp": CREATED},
        "spec": {
            "template": {"spec": {
                "nodeClassRef": {"group": "karpenter.k8s.tke", "kind": "TKEMachineNodeClass",
                                 "name": "default"},
                "requirements": [{"key": "karpenter.sh/capacity-type", "operator": "In",
                                  "values": ["on-demand"]}]}},
            "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized",
                           "consolidateAfter": "5m"},
            "limits": {"cpu": "100000"},
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
        "status": {"providerID": f"qcloud:///{i}/ins-{i:08d}", "nodeName": node_name(i)},
    }


def node_class(name: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "karpenter.k8s.tke/v1beta1", "kind": "TKEMachineNodeClass",
        "metadata": {"name": name},
        "spec": {"subnetSelectorTerms": [{"id": "subnet-12345678"}],
                 "securityGroupSelectorTerms": [{"id": "sg-12345678"}]},
    }


def big_cluster(pods: int, nodes: int, *, pending: int = 0) -> list[dict[str, Any]]:
    """``nodes`` nodes with ``pods`` pods; the last ``pending`` pods are unbound, the others
    spread round-robin over the nodes."""
    names = [node_name(i) for i in range(nodes)]
    bound = pods - pending
    return [*(node(i) for i in range(nodes)),
            *(pod(i, bound_to=names[i % nodes] if i < bound else None,
                  namespace=f"team-{i % 40}") for i in range(pods)),
            node_pool(), *(node_claim(i) for i in range(nodes)), node_class()]
