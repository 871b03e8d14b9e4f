"""PersistentVolumeClaims, PersistentVolumes and StorageClasses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_karp.model.objects import (
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PersistentVolume,
    PersistentVolumeClaim,
    StorageClass,
)
from kubectl_karp.model.parse.fields import (
    _labels,
    _list,
    _map,
    _name,
    _str,
    _with_raw,
    parse_time,
)
from kubectl_karp.model.parse.terms import (
    parse_node_selector_term,
)


def parse_pvc(doc: Mapping[str, Any], where: str) -> PersistentVolumeClaim:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    annotations = _labels(meta.get("annotations"), f"{where}.metadata.annotations")
    sc = spec.get("storageClassName")
    pvc = PersistentVolumeClaim(
        namespace=_name(meta.get("namespace"), where, "default") or "default",
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        storage_class_name=_str(sc, f"{where}.spec.storageClassName") if sc is not None
        else annotations.get("volume.beta.kubernetes.io/storage-class"),
        volume_name=_str(spec.get("volumeName"), f"{where}.spec.volumeName"),
        # kube-scheduler (and Karpenter) look for the annotation's presence, not its value.
        bind_completed="pv.kubernetes.io/bind-completed" in annotations,
        deletion_timestamp=parse_time(meta.get("deletionTimestamp"), where),
        phase=_str(_map(doc.get("status"), f"{where}.status").get("phase"), f"{where}.status"),
    )
    return _with_raw(pvc, doc)


def parse_pv(doc: Mapping[str, Any], where: str) -> PersistentVolume:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    spec = _map(doc.get("spec"), f"{where}.spec")
    affinity = _map(spec.get("nodeAffinity"), f"{where}.spec.nodeAffinity")
    required = _map(affinity.get("required"), f"{where}.spec.nodeAffinity.required")
    at = f"{where}.spec.nodeAffinity.required.nodeSelectorTerms"
    claim = _map(spec.get("claimRef"), f"{where}.spec.claimRef")
    pv = PersistentVolume(
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        storage_class_name=_str(spec.get("storageClassName"), where) or None,
        node_affinity=tuple(parse_node_selector_term(t, f"{at}[{i}]")
                            for i, t in enumerate(_list(required.get("nodeSelectorTerms"), at))),
        claim_ref=f"{claim.get('namespace', 'default')}/{claim['name']}"
        if claim.get("name") else None,
        deletion_timestamp=parse_time(meta.get("deletionTimestamp"), where),
        node_local=bool(spec.get("local") or spec.get("hostPath")),
    )
    return _with_raw(pv, doc)


def parse_storage_class(doc: Mapping[str, Any], where: str) -> StorageClass:
    meta = _map(doc.get("metadata"), f"{where}.metadata")
    annotations = _labels(meta.get("annotations"), f"{where}.metadata.annotations")
    topologies = []
    for i, item in enumerate(_list(doc.get("allowedTopologies"), f"{where}.allowedTopologies")):
        at = f"{where}.allowedTopologies[{i}]"
        term = _map(item, at)
        exprs = tuple(
            NodeSelectorRequirement(_str(e.get("key"), at), "In",
                                    tuple(str(v) for v in _list(e.get("values"), at)))
            for e in (_map(x, at) for x in _list(term.get("matchLabelExpressions"), at)))
        topologies.append(NodeSelectorTerm(exprs))
    sc = StorageClass(
        name=_name(meta.get("name"), f"{where}.metadata.name"),
        provisioner=_str(doc.get("provisioner"), f"{where}.provisioner"),
        volume_binding_mode=_str(doc.get("volumeBindingMode"), where, "Immediate") or "Immediate",
        allowed_topologies=tuple(topologies),
        is_default=annotations.get("storageclass.kubernetes.io/is-default-class") == "true",
    )
    return _with_raw(sc, doc)
