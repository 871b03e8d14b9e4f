"""Documents (``kind: List`` unwrapped) → :class:`ClusterSnapshot`: which parser reads each kind,
duplicates refused, the Karpenter release the file records."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from kubectl_karp.errors import InputError
from kubectl_karp.model import kinds
from kubectl_karp.model.events import parse_event
from kubectl_karp.model.objects import (
    Node,
)
from kubectl_karp.model.parse.catalog import (
    parse_catalog,
)
from kubectl_karp.model.parse.fields import (
    _labels,
    _list,
    _map,
    _name,
    describe,
)
from kubectl_karp.model.parse.nodepools import parse_node_overlay, parse_node_pool
from kubectl_karp.model.parse.nodes import (
    parse_csi_node,
    parse_node,
    parse_node_claim,
    parse_node_class,
)
from kubectl_karp.model.parse.pods import (
    parse_pod,
)
from kubectl_karp.model.parse.storage import parse_pv, parse_pvc, parse_storage_class
from kubectl_karp.model.parse.workloads import (
    parse_capacity_buffer,
    parse_daemon_set,
    parse_pdb,
)
from kubectl_karp.model.parse_release import (
    CONTROLLER_KINDS,
    VERSION_KIND,
    Detection,
    controller_image,
    is_nodepool_crd,
    parse_version_document,
    release_from_deployments,
    release_from_nodepool_crd,
)
from kubectl_karp.model.snapshot import ClusterSnapshot

# Node class kinds of the providers we know: (group, kind) → provider id (model/kinds.py).
NODE_CLASS_KINDS: dict[tuple[str, str], str] = {
    (k.group, k.kind): k.provider for k in kinds.NODE_CLASS_KINDS}


KARPENTER_GROUP = "karpenter.sh"


# Pre-v1 Karpenter APIs that users still meet in old guides (the AWS workshop seed uses them).
OBSOLETE_KINDS = {
    ("karpenter.sh/v1alpha5", "Provisioner"): "NodePool (karpenter.sh/v1)",
    ("karpenter.sh/v1alpha5", "Machine"): "NodeClaim (karpenter.sh/v1)",
    ("karpenter.k8s.aws/v1alpha1", "AWSNodeTemplate"): "EC2NodeClass (karpenter.k8s.aws/v1)",
}


IGNORED_SILENTLY = {"Namespace"}  # read for labels only

# What choosing the instance-type catalogues reads (sources/catalogs.choose_catalogs: the
# catalogues, nodes, node classes, NodePools and NodeClaims): all a live `snapshot` models.
CATALOG_FACTS = frozenset({"catalogs", "nodes", "node_classes", "node_pools", "node_claims"})

# Kinds that may tell the Karpenter release (model/parse_release.py).
_CONTROLLER_OR_CRD = frozenset({"Deployment", "Pod", "CustomResourceDefinition"})


def flatten(doc: Any, origin: str) -> Iterable[tuple[Mapping[str, Any], str]]:
    """Yield the objects of a document, unwrapping ``kind: List`` (and ``*List``) items."""
    if doc is None:
        return
    if not isinstance(doc, Mapping):
        raise InputError(f"expected a Kubernetes object (a mapping), got {type(doc).__name__}",
                         where=origin)
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
        for i, item in enumerate(_list(doc.get("items"), f"{origin}.items")):
            yield from flatten(item, f"{origin} item {i}")
        return
    yield doc, origin


def newest_kubelet(nodes: Sequence[Node]) -> str:
    """The newest ``status.nodeInfo.kubeletVersion`` among the nodes ("" if none): kubelets
    are never newer than their API server, so this is the best offline stand-in for it."""
    best: tuple[tuple[int, ...], str] | None = None
    for node in nodes:
        status = node.raw.get("status") if isinstance(node.raw, Mapping) else None
        info = status.get("nodeInfo") if isinstance(status, Mapping) else None
        version = info.get("kubeletVersion") if isinstance(info, Mapping) else None
        if not isinstance(version, str):
            continue
        numbers = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", version.strip())
        if numbers:
            key = tuple(int(n or 0) for n in numbers.groups())
            if best is None or key > best[0]:
                best = (key, version.strip())
    return best[1] if best else ""


def build_snapshot(documents: Iterable[tuple[Any, str]], *, source: str,
                   captured_at: datetime | None = None,
                   karpenter_apis: Sequence[str] = (),
                   notes: Sequence[str] = (),
                   kubernetes_version: str = "",
                   model: frozenset[str] | None = None) -> ClusterSnapshot:
    """Turn ``(document, origin)`` pairs into a snapshot.

    Unknown kinds are skipped with a note; malformed known objects raise ``InputError``
    naming the origin and field. ``model``: the snapshot fields (``"pods"``, ``"nodes"``…)
    whose objects are read into the model; documents of the other known kinds are only kept,
    as read, in ``documents`` (``kubectl karp snapshot`` writes them without modelling them:
    CATALOG_FACTS). None: all of them.
    """
    # Reading a snapshot allocates a few small containers per field, all of them kept; the
    # cyclic collector would walk the growing heap again and again for nothing (more than a
    # third of the time at 50,000 pods). Paused while reading; back on afterwards.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _build(documents, source=source, captured_at=captured_at,
                      karpenter_apis=karpenter_apis, notes=notes,
                      kubernetes_version=kubernetes_version, model=model)
    finally:
        if paused:
            gc.enable()


def _build(documents: Iterable[tuple[Any, str]], *, source: str, captured_at: datetime | None,
           karpenter_apis: Sequence[str], notes: Sequence[str], kubernetes_version: str,
           model: frozenset[str] | None) -> ClusterSnapshot:
    buckets: dict[str, list[Any]] = {k: [] for k in (
        "nodes", "pods", "node_pools", "node_claims", "node_classes", "daemon_sets", "pdbs",
        "pvcs", "pvs", "storage_classes", "catalogs", "events", "node_overlays", "csi_nodes",
        "capacity_buffers")}
    kept: list[Mapping[str, Any]] = []
    namespaces: dict[str, dict[str, str]] = {}
    ignored: dict[str, int] = {}
    seen: dict[tuple[str, str, str, str], str] = {}  # (bucket, kind, namespace, name)
    all_notes = list(notes)
    parsers = {
        ("", "Node"): ("nodes", parse_node),
        ("", "Pod"): ("pods", parse_pod),
        ("apps", "DaemonSet"): ("daemon_sets", parse_daemon_set),
        ("policy", "PodDisruptionBudget"): ("pdbs", parse_pdb),
        ("", "PersistentVolumeClaim"): ("pvcs", parse_pvc),
        ("", "PersistentVolume"): ("pvs", parse_pv),
        ("storage.k8s.io", "StorageClass"): ("storage_classes", parse_storage_class),
        (KARPENTER_GROUP, "NodePool"): ("node_pools", parse_node_pool),
        (KARPENTER_GROUP, "NodeClaim"): ("node_claims", parse_node_claim),
        (KARPENTER_GROUP, "NodeOverlay"): ("node_overlays", parse_node_overlay),
        ("storage.k8s.io", "CSINode"): ("csi_nodes", parse_csi_node),
        ("autoscaling.x-k8s.io", "CapacityBuffer"): ("capacity_buffers", parse_capacity_buffer),
    }
    for group_kind in NODE_CLASS_KINDS:
        parsers[group_kind] = ("node_classes", parse_node_class)
    # The Karpenter release the file tells (model.parse_release): our own document, else a
    # controller Deployment or its pods (any `kubectl karp snapshot` has those), else the
    # NodePool CRD.
    recorded: list[Detection] = []
    controllers: list[Mapping[str, Any]] = []
    crds: list[Mapping[str, Any]] = []
    for document, origin in documents:
        for doc, where in flatten(document, origin):
            kind = doc.get("kind")
            api_version = doc.get("apiVersion")
            if not isinstance(kind, str) or not kind:
                raise InputError("document has no kind", where=where)
            if kind == "InstanceTypeCatalog":
                buckets["catalogs"].append(parse_catalog(doc, where))
                kept.append(doc)
                continue
            if kind == VERSION_KIND:
                recorded.append(parse_version_document(doc, where))
                kept.append(doc)
                continue
            if kind in _CONTROLLER_OR_CRD:  # the image is looked at once per document
                image = controller_image(doc) if kind in CONTROLLER_KINDS else None
                if kind == "Pod":
                    if image is not None:
                        controllers.append(doc)  # and read as a pod below, like any other
                elif image is not None or is_nodepool_crd(doc):
                    (crds if is_nodepool_crd(doc) else controllers).append(doc)
                    kept.append(doc)
                    continue
            if not isinstance(api_version, str) or not api_version:
                raise InputError(f"{kind} has no apiVersion", where=where)
            what = describe(doc, where)
            obsolete = OBSOLETE_KINDS.get((api_version, kind))
            if obsolete:
                all_notes.append(f"{what}: {api_version} {kind} is the pre-v1 Karpenter API and "
                                 f"is ignored; its replacement is {obsolete}")
                continue
            group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
            if kind == "Namespace" and group == "":
                meta = _map(doc.get("metadata"), f"{where}.metadata")
                namespaces[_name(meta.get("name"), where)] = _labels(meta.get("labels"), where)
                kept.append(doc)
                continue
            if kind == "Event" and group in ("", "events.k8s.io"):
                event = parse_event(doc, what)
                if event is not None:  # another controller's events are not Karpenter's word
                    buckets["events"].append(event)
                    kept.append(doc)
                continue
            entry = parsers.get((group, kind))
            if entry is None:
                ignored[kind] = ignored.get(kind, 0) + 1
                continue
            if group == KARPENTER_GROUP and api_version not in (
                    ("karpenter.sh/v1alpha1",) if kind == "NodeOverlay"
                    else ("karpenter.sh/v1", "karpenter.sh/v1beta1")):
                all_notes.append(f"{what}: unknown API version {api_version} (expected "
                                 "karpenter.sh/v1); ignored")
                continue
            bucket, parser = entry
            if model is not None and bucket not in model:
                kept.append(doc)  # kept as read, not modelled (nor checked for duplicates)
                continue
            parsed = parser(doc, what)
            key = (bucket, kind, getattr(parsed, "namespace", ""), getattr(parsed, "name", ""))
            first = seen.get(key)
            if first is not None:
                # Two snapshots run together, or a list paged twice: counting it twice (or
                # picking one of two same-named NodePools) would be silently wrong.
                raise InputError(f"{kind} {'/'.join(x for x in key[2:] if x)} is also "
                                 f"defined in {first}", where=what)
            seen[key] = where
            buckets[bucket].append(parsed)
            kept.append(doc)
    for kind, count in sorted(ignored.items()):
        all_notes.append(f"ignored {count} object(s) of kind {kind}")
    apis = tuple(karpenter_apis) or tuple(sorted(
        {"nodepools.karpenter.sh" for _ in buckets["node_pools"][:1]}
        | {"nodeclaims.karpenter.sh" for _ in buckets["node_claims"][:1]}))
    version, reason = _recorded_release(recorded, controllers, crds, all_notes)
    return ClusterSnapshot(
        kubernetes_version=kubernetes_version or newest_kubelet(buckets["nodes"]),
        source=source, captured_at=captured_at,
        nodes=tuple(buckets["nodes"]), pods=tuple(buckets["pods"]),
        node_pools=tuple(buckets["node_pools"]), node_claims=tuple(buckets["node_claims"]),
        node_classes=tuple(buckets["node_classes"]), daemon_sets=tuple(buckets["daemon_sets"]),
        pdbs=tuple(buckets["pdbs"]), pvcs=tuple(buckets["pvcs"]), pvs=tuple(buckets["pvs"]),
        storage_classes=tuple(buckets["storage_classes"]), catalogs=tuple(buckets["catalogs"]),
        node_overlays=tuple(buckets["node_overlays"]), csi_nodes=tuple(buckets["csi_nodes"]),
        capacity_buffers=tuple(buckets["capacity_buffers"]),
        events=tuple(buckets["events"]),
        namespaces=namespaces, notes=tuple(all_notes), karpenter_apis=apis,
        karpenter_version=version, karpenter_version_source="snapshot" if version else "",
        karpenter_version_reason=reason, documents=tuple(kept),
    )


def _recorded_release(recorded: Sequence[Detection], controllers: Sequence[Mapping[str, Any]],
                      crds: Sequence[Mapping[str, Any]], notes: list[str]) -> tuple[str, str]:
    """(version, reason) the saved documents tell, best evidence first; ("", "") if none."""
    if recorded:
        others = sorted({d.version for d in recorded[1:]} - {recorded[0].version})
        if others:
            notes.append(f"the snapshot records several Karpenter versions; the first, "
                         f"{recorded[0].version}, is followed (also: {', '.join(others)})")
        return recorded[0].version, recorded[0].reason
    if controllers:
        detection, _ = release_from_deployments(controllers)
        if detection.version:
            return detection.version, f"{detection.reason}, in the snapshot"
        notes.append(f"{detection.problem}; the Karpenter version is taken from the NodePool "
                     "CRD" + (" in the snapshot" if crds else ", which the snapshot lacks"))
    for crd in crds[:1]:
        detection = release_from_nodepool_crd(crd, "NodePool CRD in the snapshot")
        if detection.version:
            return detection.version, detection.reason
        notes.append(detection.problem)
    return "", ""
