"""What a TKEMachineNodeClass and the cluster's nodes tell: the disk behind a node's
ephemeral storage, the cluster ID and the subnet zones the live catalogue asks for."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kubectl_karp.model.objects import Node, NodeClass
from kubectl_karp.providers.base import status_list
from kubectl_karp.providers.tke.labels import GROUP, KIND, LABEL_CBS_ZONE, LABEL_NODE_CLASS
from kubectl_karp.providers.tke.zones import zone_name_from_id

# --------------------------------------------------------------------------- node class disks

SYSTEM_DISK_DEFAULT_GB = 50  # the CRD's default systemDisk.size
SYSTEM_DISK_KEPT_GB = 15  # the provider leaves this much of the system disk out of the storage
DATA_DISK_KEPT_GB = 5  # … and this much of a data disk that holds the kubelet's files
# A data disk mounted at one of these (after path cleaning) holds the kubelet's and the
# runtime's files, so its size is the node's ephemeral storage. Not /var/lib/containerd.
STORAGE_MOUNTS = ("/var/lib/container", "/var/lib/kubelet", "/var/lib", "/var")
DECIMAL_G = 10**9  # the provider writes the storage as "<n>G"


@dataclass(frozen=True)
class NodeStorage:
    """The ephemeral storage a TKEMachineNodeClass gives its nodes, and the disk it comes from."""

    gigabytes: int  # decimal GB of capacity, as the provider computes it
    disk: str  # e.g. "spec.systemDisk (60G)" or "spec.dataDisks[0] (100G at /var/lib/kubelet)"
    ignored: tuple[str, ...] = ()  # data disks mounted elsewhere (e.g. /var/lib/containerd)


def _size(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return default


def node_storage(node_class: NodeClass) -> NodeStorage:
    """upstream: instancetype.go List — system disk size − 15, or the size − 5 of the last data
    disk mounted at /var, /var/lib, /var/lib/container or /var/lib/kubelet; never below 0."""
    spec = node_class.spec
    system = spec.get("systemDisk")
    size = _size(system.get("size"), SYSTEM_DISK_DEFAULT_GB) if isinstance(system, Mapping) \
        else SYSTEM_DISK_DEFAULT_GB
    storage = NodeStorage(max(size - SYSTEM_DISK_KEPT_GB, 0),
                          f"spec.systemDisk ({size}G"
                          + (")" if isinstance(system, Mapping) else ", the default)"))
    ignored: list[str] = []
    disks = spec.get("dataDisks")
    for i, disk in enumerate(disks if isinstance(disks, list) else ()):
        if not isinstance(disk, Mapping):
            continue
        target = str(disk.get("mountTarget") or "")
        cleaned = posixpath.normpath(target) if target else "."
        disk_size = _size(disk.get("size"), 0)
        if cleaned in STORAGE_MOUNTS:
            storage = NodeStorage(max(disk_size - DATA_DISK_KEPT_GB, 0),
                                  f"spec.dataDisks[{i}] ({disk_size}G at {target})")
            ignored = []
        elif target:
            ignored.append(f"spec.dataDisks[{i}] ({disk_size}G at {target})")
    return NodeStorage(storage.gigabytes, storage.disk, tuple(ignored))


# --------------------------------------------------------------------------- the cluster

_CLUSTER_ID = re.compile(r"^(?:cls-)+([a-z0-9]{4,20})$")
_NODE_CLUSTER_ID_KEYS = ("karpenter.k8s.tke/managed-by",)
_SELECTOR_TERMS = ("subnetSelectorTerms", "securityGroupSelectorTerms", "sshKeySelectorTerms")


def cluster_id_of(value: object) -> str | None:
    """``cls-abcd1234`` for a value that names a TKE cluster (``cls-cls-x`` from a seed that
    substituted a full ID into ``cls-${CLUSTER_ID}`` counts as ``cls-x``)."""
    if not isinstance(value, str):
        return None
    match = _CLUSTER_ID.match(value.strip())
    return f"cls-{match.group(1)}" if match else None


@dataclass(frozen=True)
class ClusterHints:
    """What a snapshot says about its TKE cluster, for the max-pods calls of the live API."""

    cluster_ids: tuple[str, ...] = ()  # distinct candidates, strongest evidence first
    zones: tuple[str, ...] = ()  # zone names of the TKE node classes' subnets


def _node_cluster_ids(node: Node) -> list[str]:
    found = []
    for meta in (node.labels, node.annotations):
        for key, value in meta.items():
            name = key.rpartition("/")[2].lower()
            tencent = "tencent" in key or "tke" in key
            if key in _NODE_CLUSTER_ID_KEYS or (tencent and name in ("cluster-id", "clusterid")):
                cid = cluster_id_of(value)
                if cid:
                    found.append(cid)
    return found


def _node_class_cluster_ids(node_class: NodeClass) -> list[str]:
    found = []
    for key in _SELECTOR_TERMS:
        terms = node_class.spec.get(key)
        for term in terms if isinstance(terms, list) else ():
            tags = term.get("tags") if isinstance(term, Mapping) else None
            for value in tags.values() if isinstance(tags, Mapping) else ():
                cid = cluster_id_of(value)
                if cid:
                    found.append(cid)
    return found


def cluster_hints(nodes: Sequence[Node], node_classes: Sequence[NodeClass]) -> ClusterHints:
    """Cluster IDs from TKE node labels/annotations, else from TKEMachineNodeClass selector
    tags (``karpenter.sh/discovery: cls-…``); zones from the node classes' status.subnets."""
    mine = [nc for nc in node_classes if (nc.group, nc.kind) == (GROUP, KIND)]
    ids = [cid for node in nodes for cid in _node_cluster_ids(node)]
    ids = ids or [cid for nc in mine for cid in _node_class_cluster_ids(nc)]
    zones: set[str] = set()
    for nc in mine:
        for subnet in status_list(nc.status, "subnets"):
            zone = str(subnet.get("zone") or "") or zone_name_from_id(
                str(subnet.get("zoneID") or "")) or ""
            if zone:
                zones.add(zone)
    # upstream: getInstanceTypes also asks for the CBS zones of the class's existing
    # NodeClaims (a subnet since removed still has nodes to price); their nodes carry both.
    classes = {nc.name for nc in mine}
    zones.update(node.labels[LABEL_CBS_ZONE] for node in nodes
                 if node.labels.get(LABEL_NODE_CLASS) in classes
                 and node.labels.get(LABEL_CBS_ZONE))
    return ClusterHints(tuple(dict.fromkeys(ids)), tuple(sorted(zones)))
