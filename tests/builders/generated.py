"""A TKE-shaped cluster as a live API server lists it (managed fields, creation times, the
server's uids), of any size: small_cluster() for the live-source tests, big_cluster() for
larger ones. Built with tests/builders/documents."""

from __future__ import annotations

from typing import Any

from tests.builders import documents

ZONES = ("ap-guangzhou-3", "ap-guangzhou-4", "ap-guangzhou-6")
# What a live read notes when the emulated cluster has neither a Karpenter controller
# Deployment nor a NodePool CRD object to tell its release (small_cluster() has neither).
NO_VERSION_NOTE = ("Karpenter version not detected (no Karpenter controller Deployment was "
                   "found; the NodePool CRD object was not found): following the rules of the "
                   "newest supported release, v1.14 (choose another with --karpenter-version)")
CREATED = "2026-01-10T08:00:00Z"


def node_name(i: int) -> str:
    return f"10.0.{i // 250}.{i % 250}"


def node(i: int, *, pool: str = "default", instance_type: str = "SA5.2XLARGE16") -> dict[str, Any]:
    return documents.node(node_name(i), cpu="8", memory="16Gi", zone=ZONES[i % len(ZONES)],
                          pool=pool, instance_type=instance_type, hostname=False,
                          allocatable={"cpu": "7900m", "memory": "14Gi", "pods": "61"},
                          provider_id=f"qcloud:///{i}/ins-{i:08d}", created=CREATED,
                          managed_fields=[{"manager": "kubelet", "operation": "Update"}])


def pod(i: int, *, node_name: str | None = None, namespace: str = "default",
        phase: str = "Running", cpu: str = "250m", memory: str = "256Mi") -> dict[str, Any]:
    """A pod of the ``web`` ReplicaSet in ``phase``: bound to ``node_name``, else marked
    unschedulable."""
    return documents.pod(f"web-{i}", cpu=cpu, memory=memory, namespace=namespace, uid="",
                         labels={"app": "web"}, created=CREATED, container="app",
                         owner_ref={"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                    "name": "web-5d8f", "uid": "rs-1"},
                         managed_fields=[{"manager": "kube-scheduler"}], node_name=node_name,
                         phase=phase, unschedulable=True)


def node_pool(name: str = "default", *, node_class: str = "default") -> dict[str, Any]:
    return documents.node_pool(
        name, node_class=node_class, created=CREATED, ready=None,
        requirements=[{"key": "karpenter.sh/capacity-type", "operator": "In",
                       "values": ["on-demand"]}],
        disruption={"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "5m"},
        limits={"cpu": "1000"})


def node_claim(i: int, *, pool: str = "default") -> dict[str, Any]:
    return documents.node_claim(f"{pool}-{i:05d}", node_name=node_name(i),
                                provider_id=f"qcloud:///{i}/ins-{i:08d}",
                                labels={"karpenter.sh/nodepool": pool}, created=CREATED)


def node_class(name: str = "default") -> dict[str, Any]:
    return documents.node_class(name, reconciled=False, spec={
        "subnetSelectorTerms": [{"id": "subnet-12345678"}],
        "securityGroupSelectorTerms": [{"id": "sg-12345678"}]})


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
