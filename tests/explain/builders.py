"""Small cluster fixtures for explain tests, built from YAML the way users write it."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.snapshot import ClusterSnapshot

GI = "Gi"

# A TKE-like catalogue: S5 up to 8 cores, SA2 up to 16, M5 memory-optimised.
CATALOG: dict[str, Any] = {
    "kind": "InstanceTypeCatalog", "provider": "tke", "region": "ap-guangzhou",
    "instanceTypes": [
        {"name": name, "capacity": {"cpu": str(cpu), "memory": f"{mem}Gi", "pods": "61"},
         "labels": {"karpenter.k8s.tke/instance-family": name.split(".")[0]},
         "offerings": [{"zone": z, "zoneName": zn, "capacityType": "on-demand",
                        "pricePerHour": round(0.05 * cpu + 0.01 * mem, 4)}
                       for z, zn in (("100003", "ap-guangzhou-3"),
                                     ("100004", "ap-guangzhou-4"))]}
        for name, cpu, mem in (("S5.MEDIUM4", 2, 4), ("S5.LARGE8", 4, 8),
                               ("S5.2XLARGE16", 8, 16), ("SA2.4XLARGE32", 16, 32),
                               ("M5.LARGE16", 4, 16))
    ],
}

NODE_CLASS: dict[str, Any] = {
    "apiVersion": "karpenter.k8s.tke/v1beta1", "kind": "TKEMachineNodeClass",
    "metadata": {"name": "default"},
    "spec": {"subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "cls-test"}}]},
    "status": {
        "subnets": [{"id": "subnet-a", "zone": "ap-guangzhou-3", "zoneID": "100003"},
                    {"id": "subnet-b", "zone": "ap-guangzhou-4", "zoneID": "100004"}],
        "conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}],
    },
}


def node_pool(name: str = "default", *, families: Sequence[str] = ("S5", "SA2", "M5"),
              weight: int | None = None, limits: Mapping[str, str] | None = None,
              taints: Sequence[Mapping[str, str]] = (), labels: Mapping[str, str] | None = None,
              extra_requirements: Sequence[Mapping[str, Any]] = (),
              node_class: str = "default", ready: bool | None = True) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "requirements": [
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
            {"key": "karpenter.k8s.tke/instance-family", "operator": "In",
             "values": list(families)},
            {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
            *extra_requirements,
        ],
        "nodeClassRef": {"group": "karpenter.k8s.tke", "kind": "TKEMachineNodeClass",
                         "name": node_class},
    }
    if taints:
        spec["taints"] = list(taints)
    doc: dict[str, Any] = {
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": name},
        "spec": {"template": {"spec": spec}}}
    if labels:
        doc["spec"]["template"]["metadata"] = {"labels": dict(labels)}
    if weight is not None:
        doc["spec"]["weight"] = weight
    if limits:
        doc["spec"]["limits"] = dict(limits)
    status: dict[str, Any] = {}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                 "reason": "Ready" if ready else "NodeClassNotReady",
                                 "message": "" if ready else "node class is not ready"}]
    if status:
        doc["status"] = status
    return doc


def node(name: str, *, cpu: str = "4", memory: str = "8Gi", zone: str = "100003",
         pool: str | None = "default", taints: Sequence[Mapping[str, str]] = (),
         labels: Mapping[str, str] | None = None, unschedulable: bool = False,
         instance_type: str = "S5.LARGE8") -> dict[str, Any]:
    all_labels = {"kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux",
                  "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone,
                  "node.kubernetes.io/instance-type": instance_type,
                  "karpenter.sh/capacity-type": "on-demand", **(labels or {})}
    if pool:
        all_labels["karpenter.sh/nodepool"] = pool
    spec: dict[str, Any] = {"providerID": f"qcloud:///{zone}/ins-{name}"}
    if taints:
        spec["taints"] = list(taints)
    if unschedulable:
        spec["unschedulable"] = True
    resources = {"cpu": cpu, "memory": memory, "pods": "61"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": all_labels},
            "spec": spec,
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def pod(name: str, *, cpu: str = "500m", memory: str = "512Mi", namespace: str = "default",
        node_name: str | None = None, owner: tuple[str, str] | None = None,
        spec: Mapping[str, Any] | None = None, labels: Mapping[str, str] | None = None,
        ports: Sequence[int] = (), uid: str | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "main", "image": "nginx",
                                 "resources": {"requests": {"cpu": cpu, "memory": memory}}}
    if ports:
        container["ports"] = [{"containerPort": p, "hostPort": p} for p in ports]
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "uid": uid or f"uid-{name}",
                            "labels": dict(labels or {"app": name}),
                            "creationTimestamp": "2026-01-01T00:00:00Z"}
    if owner is not None:
        kind, owner_name = owner
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": kind, "name": owner_name,
                                    "uid": f"uid-{owner_name}", "controller": True}]
        if kind == "ReplicaSet":
            meta["labels"]["pod-template-hash"] = owner_name.rsplit("-", 1)[1]
    body: dict[str, Any] = {"containers": [container], **copy.deepcopy(dict(spec or {}))}
    status: dict[str, Any] = {"phase": "Pending"}
    if node_name:
        body["nodeName"] = node_name
        status = {"phase": "Running"}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": body, "status": status}


def replicas(base: str, count: int, *, deployment: str | None = None, **kwargs: Any
             ) -> list[dict[str, Any]]:
    """``count`` pods of one Deployment (ReplicaSet ``<deployment>-abc12``)."""
    owner = ("ReplicaSet", f"{deployment or base}-abc12")
    return [pod(f"{deployment or base}-abc12-{i:05d}", owner=owner,
                labels={"app": deployment or base}, **kwargs) for i in range(count)]


def snapshot(*docs: Mapping[str, Any] | Iterable[Mapping[str, Any]],
             catalog: Mapping[str, Any] | None = None,
             node_class: Mapping[str, Any] | None = NODE_CLASS) -> ClusterSnapshot:
    flat: list[Any] = []
    for doc in docs:
        if isinstance(doc, Mapping):
            flat.append(doc)
        else:
            flat.extend(doc)
    if node_class is not None:
        flat.append(node_class)
    flat.append(catalog if catalog is not None else CATALOG)
    # A YAML round trip makes sure fixtures are plain documents, as files would give.
    plain = yaml.safe_load(yaml.safe_dump(flat))
    return build_snapshot([(d, f"fixture[{i}]") for i, d in enumerate(plain)], source="test")


def context(*docs: Any, **kwargs: Any) -> SchedulingContext:
    return build_context(snapshot(*docs, **kwargs))
