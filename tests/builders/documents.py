"""Kubernetes documents as users write them (NodePools, node classes, nodes, NodeClaims, pods,
DaemonSets, volumes), a TKE-like catalogue document, and the snapshot and scheduling context
they make. Every test that builds documents uses these; the scenario runners translate their
compact YAML into calls of them."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.model import kinds
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.snapshot import ClusterSnapshot

GI = "Gi"
DELETED_AT = "2026-01-01T00:00:00Z"
ZONE_NAMES = {"100003": "ap-guangzhou-3", "100004": "ap-guangzhou-4",
              "100006": "ap-guangzhou-6", "100007": "ap-guangzhou-7"}

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
              requirements: Sequence[Mapping[str, Any]] | None = None,
              weight: int | None = None, limits: Mapping[str, Any] | None = None,
              taints: Sequence[Mapping[str, Any]] | None = None,
              startup_taints: Sequence[Mapping[str, Any]] | None = None,
              labels: Mapping[str, str] | None = None,
              extra_requirements: Sequence[Mapping[str, Any]] = (),
              node_class: str = "default", provider: str = "tke",
              replicas: int | None = None, deleting: bool = False,
              disruption: Mapping[str, Any] | None = None, created: str | None = None,
              ready: bool | None = True) -> dict[str, Any]:
    """A NodePool. ``requirements`` None: amd64, on-demand, the TKE ``families``, then
    ``extra_requirements``; ``labels`` None leaves out the template metadata; ``ready`` None
    leaves out the status."""
    kind = kinds.kinds_of(provider)[0]
    if requirements is None:
        requirements = [
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
            {"key": "karpenter.k8s.tke/instance-family", "operator": "In",
             "values": list(families)},
            {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
            *extra_requirements,
        ]
    spec: dict[str, Any] = {
        "requirements": list(requirements),
        "nodeClassRef": {"group": kind.group, "kind": kind.kind, "name": node_class},
    }
    if taints:
        spec["taints"] = list(taints)
    if startup_taints is not None:
        spec["startupTaints"] = list(startup_taints)
    doc: dict[str, Any] = {
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": name},
        "spec": {"template": {"spec": spec}}}
    if labels is not None:
        doc["spec"]["template"]["metadata"] = {"labels": dict(labels)}
    if weight is not None:
        doc["spec"]["weight"] = weight
    if limits:
        doc["spec"]["limits"] = dict(limits)
    if replicas is not None:
        doc["spec"]["replicas"] = replicas
    if disruption is not None:
        doc["spec"]["disruption"] = dict(disruption)
    if deleting:
        doc["metadata"]["deletionTimestamp"] = DELETED_AT
    if created is not None:
        doc["metadata"]["creationTimestamp"] = created
    status: dict[str, Any] = {}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                 "reason": "Ready" if ready else "NodeClassNotReady",
                                 "message": "" if ready else "node class is not ready"}]
    if status:
        doc["status"] = status
    return doc


def node(name: str, *, cpu: str = "4", memory: str = "8Gi", zone: str | None = "100003",
         pool: str | None = "default", taints: Sequence[Mapping[str, Any]] = (),
         labels: Mapping[str, str] | None = None, unschedulable: bool = False,
         instance_type: str = "S5.LARGE8", pods: int = 61, provider_id: str | None = None,
         os: bool = True, registered: bool | None = None, initialized: bool = False,
         deleting: bool = False, allocatable: Mapping[str, str] | None = None,
         hostname: bool = True, created: str | None = None,
         managed_fields: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """A Ready node (a Karpenter one of ``pool`` unless None). ``registered`` None leaves the
    karpenter.sh/registered label out; ``zone`` None, the zone label; ``allocatable`` None is
    the capacity."""
    all_labels = {"kubernetes.io/hostname": name} if hostname else {}
    all_labels.update({"kubernetes.io/arch": "amd64",
                       "node.kubernetes.io/instance-type": instance_type})
    if os:
        all_labels["kubernetes.io/os"] = "linux"
    if zone is not None:
        all_labels["topology.kubernetes.io/zone"] = zone
    if pool is not None:
        all_labels["karpenter.sh/nodepool"] = pool
    if pool is not None or os:
        all_labels["karpenter.sh/capacity-type"] = "on-demand"
    if pool is not None and registered is not None:
        all_labels["karpenter.sh/registered"] = "true" if registered else "false"
    if pool is not None and initialized:
        all_labels["karpenter.sh/initialized"] = "true"
    all_labels.update(labels or {})
    spec: dict[str, Any] = {"providerID": provider_id or f"qcloud:///{zone}/ins-{name}"}
    if taints:
        spec["taints"] = list(taints)
    if unschedulable:
        spec["unschedulable"] = True
    meta: dict[str, Any] = {"name": name, "labels": all_labels}
    if created is not None:
        meta["creationTimestamp"] = created
    if managed_fields is not None:
        meta["managedFields"] = [dict(m) for m in managed_fields]
    if deleting:
        meta["deletionTimestamp"] = DELETED_AT
        meta["finalizers"] = ["karpenter.sh/termination"]
    resources = {"cpu": cpu, "memory": memory, "pods": str(pods)}
    return {"apiVersion": "v1", "kind": "Node", "metadata": meta, "spec": spec,
            "status": {"capacity": resources,
                       "allocatable": dict(allocatable) if allocatable else resources,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def node_claim(name: str, *, node_name: str, provider_id: str,
               labels: Mapping[str, str] | None = None,
               capacity: Mapping[str, str] | None = None,
               allocatable: Mapping[str, str] | None = None,
               startup_taints: Sequence[Any] | None = None, created: str | None = None,
               deleting: bool = False) -> dict[str, Any]:
    """A launched NodeClaim of the TKE node class ``default``, registered as ``node_name``."""
    meta: dict[str, Any] = {"name": name, "labels": dict(labels or {})}
    if created is not None:
        meta["creationTimestamp"] = created
    if deleting:
        meta["deletionTimestamp"] = DELETED_AT
    spec: dict[str, Any] = {"nodeClassRef": {"group": "karpenter.k8s.tke",
                                             "kind": "TKEMachineNodeClass", "name": "default"},
                            "requirements": []}
    if startup_taints is not None:
        spec["startupTaints"] = list(startup_taints)
    status: dict[str, Any] = {"providerID": provider_id, "nodeName": node_name}
    if capacity is not None:
        status["capacity"] = dict(capacity)
    if allocatable is not None:
        status["allocatable"] = dict(allocatable)
    return {"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim", "metadata": meta,
            "spec": spec, "status": status}


def claim_of(node_doc: Mapping[str, Any], *, startup_taints: Sequence[Any] = (),
             deleting: bool = False) -> dict[str, Any]:
    """The NodeClaim of a node built by ``node``: its labels, provider ID and resources."""
    meta, status = node_doc["metadata"], node_doc["status"]
    return node_claim(f"{meta['name']}-claim", node_name=meta["name"],
                      provider_id=node_doc["spec"]["providerID"], labels=meta["labels"],
                      capacity=status["capacity"], allocatable=status["allocatable"],
                      startup_taints=startup_taints, deleting=deleting)


def pod(name: str, *, cpu: str | None = "500m", memory: str | None = "512Mi",
        namespace: str = "default", node_name: str | None = None,
        owner: tuple[str, str] | None = None, spec: Mapping[str, Any] | None = None,
        labels: Mapping[str, str] | None = None, ports: Sequence[int] = (),
        uid: str | None = None, requests: Mapping[str, Any] | None = None,
        owner_ref: Mapping[str, Any] | None = None, annotations: Mapping[str, str] | None = None,
        created: str | None = "2026-01-01T00:00:00Z", pvcs: Sequence[str] = (),
        container: str = "main", image: str = "nginx", phase: str | None = None,
        unschedulable: bool = False,
        managed_fields: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """A pod (Pending, or Running on ``node_name``). ``requests`` adds to (or, with cpu and
    memory None, replaces) the cpu/memory requests; ``owner`` (kind, name) or a whole
    ``owner_ref`` makes it controlled; ``pvcs`` mounts those claims; ``uid`` "" leaves the uid
    to the API server; ``unschedulable`` marks a pending pod PodScheduled=False."""
    wanted = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    wanted.update(requests or {})
    box: dict[str, Any] = {"name": container, "image": image,
                           "resources": {"requests": wanted} if wanted else {}}
    if ports:
        box["ports"] = [{"containerPort": p, "hostPort": p} for p in ports]
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if uid != "":
        meta["uid"] = uid or f"uid-{name}"
    meta["labels"] = dict(labels if labels is not None else {"app": name})
    if created is not None:
        meta["creationTimestamp"] = created
    if annotations is not None:
        meta["annotations"] = dict(annotations)
    if owner is not None:
        kind, owner_name = owner
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": kind, "name": owner_name,
                                    "uid": f"uid-{owner_name}", "controller": True}]
        if kind == "ReplicaSet":
            meta["labels"]["pod-template-hash"] = owner_name.rsplit("-", 1)[1]
    if owner_ref is not None:
        meta["ownerReferences"] = [dict(owner_ref, controller=True)]
    if managed_fields is not None:
        meta["managedFields"] = [dict(m) for m in managed_fields]
    body: dict[str, Any] = {"containers": [box], **copy.deepcopy(dict(spec or {}))}
    if pvcs:
        body["volumes"] = [*body.get("volumes", []), *(
            {"name": f"v{j}", "persistentVolumeClaim": {"claimName": c}}
            for j, c in enumerate(pvcs))]
    status: dict[str, Any] = {"phase": phase or ("Running" if node_name else "Pending")}
    if node_name:
        body["nodeName"] = node_name
    elif unschedulable:
        status["conditions"] = [{"type": "PodScheduled", "status": "False",
                                 "reason": "Unschedulable"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": body, "status": status}


def node_class(name: str = "default", *, provider: str = "tke",
               zones: Sequence[str] = ("100003", "100004", "100006"), ready: bool = True,
               spec: Mapping[str, Any] | None = None, reconciled: bool = True
               ) -> dict[str, Any]:
    """A reconciled node class of ``provider`` with a subnet (vSwitch) in each zone
    (``reconciled`` False: no status at all, as written by hand)."""
    if provider == "tke":
        doc: dict[str, Any] = {
            "apiVersion": "karpenter.k8s.tke/v1beta1", "kind": "TKEMachineNodeClass",
            "metadata": {"name": name},
            "spec": {"subnetSelectorTerms": [{"tags": {"k": "v"}}],
                     "securityGroupSelectorTerms": [{"tags": {"k": "v"}}], **(spec or {})},
            "status": {"subnets": [{"id": f"subnet-{z}", "zone": ZONE_NAMES.get(z, z),
                                    "zoneID": z} for z in zones],
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "reason": "Ready" if ready else "SubnetsNotFound",
                                       "message": "" if ready else "no subnet matched"}]},
        }
        if not reconciled:
            del doc["status"]
        return doc
    kind = kinds.kinds_of(provider)[0]
    key = {"alibaba": "vSwitches"}.get(provider, "subnets")
    entries = [{"id": f"{key}-{z}", "zone": z, "zoneID": z} for z in zones]
    if provider == "huawei":
        entries = [{"id": f"subnet-{z}"} for z in zones]  # CCE subnets carry no zone
    return {"apiVersion": kind.api_version, "kind": kind.kind,
            "metadata": {"name": name}, "spec": dict(spec or {}),
            "status": {key: entries, "conditions": [
                {"type": "Ready", "status": "True" if ready else "False",
                 "reason": "Ready" if ready else "NotReady", "message": "",
                 "lastTransitionTime": DELETED_AT}]}}


def daemon_set(name: str, *, requests: Mapping[str, Any], spec: Mapping[str, Any] | None = None,
               labels: Mapping[str, str] | None = None,
               namespace: str = "kube-system") -> dict[str, Any]:
    pod_spec: dict[str, Any] = {"containers": [{"name": "d", "image": "d",
                                                "resources": {"requests": dict(requests)}}]}
    pod_spec.update(spec or {})
    match = dict(labels if labels is not None else {"app": name})
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-ds-{name}"},
            "spec": {"selector": {"matchLabels": match},
                     "template": {"metadata": {"labels": match}, "spec": pod_spec}}}


def zone_terms(zones: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Node selector terms, one a list of zones (topology.kubernetes.io/zone In)."""
    return [{"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                                   "values": [str(z) for z in term]}]} for term in zones]


def storage_class(name: str, *, provisioner: str = "csi.test",
                  mode: str = "WaitForFirstConsumer",
                  zones: Sequence[Sequence[Any]] = ()) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                           "metadata": {"name": name}, "provisioner": provisioner,
                           "volumeBindingMode": mode}
    if zones:
        doc["allowedTopologies"] = [
            {"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone",
                                        "values": [str(z) for z in term]}]} for term in zones]
    return doc


def persistent_volume(name: str, *, terms: Sequence[Mapping[str, Any]] = (),
                      local: bool = False, driver: str = "csi.test", claim: str | None = None,
                      deleting: bool = False) -> dict[str, Any]:
    """A 10Gi volume (CSI unless ``local``) whose node affinity is ``terms``; ``claim``
    ("ns/name" or "name") binds it."""
    meta: dict[str, Any] = {"name": name}
    if deleting:
        meta["deletionTimestamp"] = DELETED_AT
        meta["finalizers"] = ["kubernetes.io/pv-protection"]
    spec: dict[str, Any] = {"capacity": {"storage": "10Gi"}}
    if terms:
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": list(terms)}}
    if local:
        spec["local"] = {"path": "/mnt/disk"}
    else:
        spec["csi"] = {"driver": driver, "volumeHandle": name}
    if claim:
        ns, _, claim_name = claim.rpartition("/")
        spec["claimRef"] = {"namespace": ns or "default", "name": claim_name}
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": meta, "spec": spec}


def persistent_volume_claim(name: str, *, namespace: str = "default",
                            storage_class_name: str | None = None, volume: str | None = None,
                            bound: bool | None = None, deleting: bool = False,
                            phase: str | None = None) -> dict[str, Any]:
    """A 10Gi claim; ``bound`` (default: when it names a ``volume``) marks it bound."""
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if bound if bound is not None else bool(volume):
        meta["annotations"] = {"pv.kubernetes.io/bind-completed": "yes"}
    if deleting:
        meta["deletionTimestamp"] = DELETED_AT
        meta["finalizers"] = ["kubernetes.io/pvc-protection"]
    spec: dict[str, Any] = {"resources": {"requests": {"storage": "10Gi"}}}
    if storage_class_name is not None:
        spec["storageClassName"] = storage_class_name
    if volume:
        spec["volumeName"] = volume
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                           "metadata": meta, "spec": spec}
    if phase:
        doc["status"] = {"phase": phase}
    return doc


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
